"""Study 2: tau_int of the gradient observables vs the magnetization along training (the mistiming ratio).

A digits RBM (64 binarised pixels x ``--n-hidden``) is trained by PCD on the ideal chip and, hardware-aware,
on ``fpga-sparse-ising``; at each checkpoint (``--checkpoints`` epochs; 0 = the initial model) the model is
compiled onto the same chip and sampled (``--replicas`` chains, ``--sweeps`` sweeps after burn-in), and the
integrated autocorrelation times (Sokal window, :mod:`pbitsim.analysis.autocorrelation`) of

* the magnetization ``M = mean_i m_i`` over all 64 + n_hidden logical spins,
* the projection ``u . phi`` of the PCD gradient observables ``phi = (v E[h|v]', v, E[h|v])`` on the exact
  gradient direction ``u = g / |g|`` (exact: the hidden layer is summed analytically),
* every gradient observable (their maximum),

are compared (:func:`pbitsim.analysis.mistiming.mistiming_from_series`).  The shipped demo RBM
(``pbitsim/data/demo_rbm.npz``) is measured on both chips as well.

    python scripts/studies/tau_mistiming.py            # a few minutes on 2 cores
    python scripts/studies/tau_mistiming.py --quick    # 2 checkpoints, short chains
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from study_data import FIGURES, save_figure  # noqa: E402

import pbitsim as ps  # noqa: E402
from pbitsim.analysis.gradients import exact_gradient, features  # noqa: E402
from pbitsim.analysis.mistiming import magnetization, mistiming_from_series  # noqa: E402
from pbitsim.files.atomic import write_json_atomic  # noqa: E402
from pbitsim.training.digits import demo_rbm_path, load_binary_digits  # noqa: E402
from pbitsim.training.pcd import train_rbm  # noqa: E402

CHIPS = ("ideal", "fpga-sparse-ising")


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-hidden", type=int, default=10)
    p.add_argument("--checkpoints", type=int, nargs="+", default=[0, 1, 2, 4, 8], help="epochs (increasing)")
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--replicas", type=int, default=8)
    p.add_argument("--sweeps", type=int, default=6000)
    p.add_argument("--chips", nargs="+", default=list(CHIPS), choices=CHIPS)
    p.add_argument("--burn-in", type=int, default=500)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-demo", action="store_true", help="skip the shipped demo RBM")
    p.add_argument("--out", default=os.path.join(FIGURES, "tau_mistiming"), help="writes OUT.png and OUT.json")
    p.add_argument("--quick", action="store_true", help="checkpoints 0 and 1, 4 hidden, short chains")
    args = p.parse_args(argv)
    if args.quick:
        args.n_hidden, args.checkpoints, args.replicas, args.sweeps, args.burn_in = 4, [0, 1], 4, 600, 100
    if sorted(set(args.checkpoints)) != list(args.checkpoints) or args.checkpoints[0] < 0:
        p.error(f"--checkpoints must be increasing epochs >= 0, got {args.checkpoints}")
    return args


def measure(model, chip, x, args, seed):
    """Sample ``model`` compiled onto ``chip``; the mistiming of its gradient observables (a dict)."""
    program = ps.compile(model, chip)
    run = ps.simulate(program, sweeps=args.sweeps, burn_in=args.burn_in, replicas=args.replicas, beta=args.beta,
                      seed=seed)
    states = program.unembed(run.states)                                   # (R, T, n) logical
    feats = features(model, states, beta=args.beta, rao_blackwell=True).astype(np.float32)
    g = exact_gradient(model, x, args.beta)
    mt = mistiming_from_series(magnetization(states), feats, g)
    return {**mt.as_dict(), "gradient_norm": float(np.linalg.norm(g)), "n_physical": int(program.n_physical)}


def train_checkpoints(chip, x, args):
    """Rows of (epoch, mistiming) along one training run on ``chip``."""
    rows, model, done = [], None, 0
    for epoch in args.checkpoints:
        res = train_rbm(x, n_hidden=args.n_hidden, chip=chip, epochs=epoch - done, rbm=model, lr=0.05,
                        batch_size=32, snr_estimates=0, log_likelihood_method="exact", seed=args.seed + epoch,
                        progress=False)
        model, done = res.model, epoch
        row = {"chip": chip, "model": "trained", "epoch": epoch, "log_likelihood": res.history[-1]["log_likelihood"],
               **measure(model, chip, x, args, seed=args.seed * 1000 + epoch)}
        rows.append(row)
        report(row)
    return rows


def report(row):
    print(f"{row['chip']:18} {row['model']:7} epoch {row['epoch']:>3}  tau_M {row['tau_magnetization']:8.2f}  "
          f"tau_proj {row['tau_projection']:8.2f}  tau_max {row['tau_max']:8.2f}  ratio {row['ratio_projection']:7.3f}"
          f"  max/M {row['ratio_max']:7.3f}  reliable {row['reliable']}", flush=True)


def plot(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for j, chip in enumerate(CHIPS):
        rs = [r for r in result["rows"] if r["chip"] == chip and r["model"] == "trained"]
        ep = [r["epoch"] for r in rs]
        c = f"C{j}"
        axes[0].semilogy(ep, [r["tau_magnetization"] for r in rs], "o--", color=c, label=f"{chip}: magnetization")
        axes[0].semilogy(ep, [r["tau_projection"] for r in rs], "s-", color=c, label=f"{chip}: gradient projection")
        axes[0].semilogy(ep, [r["tau_max"] for r in rs], "^:", color=c, mfc="none", label=f"{chip}: slowest component")
        axes[1].semilogy(ep, [r["ratio_projection"] for r in rs], "s-", color=c, label=f"{chip}: proj / M")
        axes[1].semilogy(ep, [r["ratio_max"] for r in rs], "^:", color=c, mfc="none", label=f"{chip}: max / M")
    axes[1].axhline(1.0, color="k", lw=0.8)
    axes[0].set_ylabel("tau_int (sweeps)")
    if any(not r["reliable"] for r in result["rows"]):
        axes[0].set_title("series shorter than 50 tau on some points: lower bounds", fontsize=8)
    axes[1].set_ylabel("ratio tau_int(gradient) / tau_int(M)")
    for ax in axes:
        ax.set_xlabel("training epoch")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"Mistiming along PCD training, 64x{result['setup']['n_hidden']} digits RBM, beta "
                 f"{result['setup']['beta']}")
    return save_figure(fig, path)


def main(argv=None):
    args = parse(argv)
    t0 = time.perf_counter()
    x = load_binary_digits()
    rows = []
    for chip in args.chips:
        rows += train_checkpoints(chip, x, args)
    if not args.no_demo:
        demo = ps.load_model(demo_rbm_path())
        for chip in args.chips:
            row = {"chip": chip, "model": "demo", "epoch": -1, **measure(demo, chip, x, args, seed=args.seed + 7)}
            rows.append(row)
            report(row)
    folds = [r["mistiming"] for r in rows]
    result = {"setup": {k: v for k, v in vars(args).items() if k != "out"}, "rows": rows,
              "max_mistiming": float(max(folds)), "wall_s": time.perf_counter() - t0}
    plot(result, args.out + ".png")
    write_json_atomic(args.out + ".json", result)
    print(f"largest mistiming (max(r, 1/r) of tau_proj / tau_M): {result['max_mistiming']:.1f}x")
    print(f"wrote {args.out}.png and {args.out}.json ({result['wall_s']:.0f} s)")
    return result


if __name__ == "__main__":
    main()
