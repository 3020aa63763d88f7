"""Study 4: reversible vs non-reversible kernels on a trained digits RBM, exact and simulated.

A small RBM (``--n-visible`` downsampled digit pixels x ``--n-hidden`` hidden) is trained by PCD on the
ideal chip and, hardware-aware, on ``fpga-sparse-ising``.  On each (its own chip: ideal Gibbs, or the
fixed-point/LUT datapath's exact conditionals) three orders of the same conditionals are compared
(:mod:`pbitsim.analysis.scan_orders`): the chip's systematic chromatic sweep (non-reversible), the palindromic
colour order ``C_1..C_K..C_1`` (reversible) and random-scan sweeps (reversible).  Exact: spectral gap per
step, ``tau_int`` of the gradient projection ``u . phi`` (``u`` the exact gradient on the data, ``phi =
(v h', v, h)``), of the slowest gradient observable and of the magnetization
(:func:`pbitsim.analysis.mistiming.exact_mistiming`), each also per unit of work (``tau * updates / n``,
in sweeps).  Simulated: the same ``tau_int`` measured from ``--replicas`` chains of ``--steps`` steps run on
the conditionals (:func:`pbitsim.analysis.scan_orders.sample_order`) and, for the orders an engine runs,
by :func:`pbitsim.simulate` (chromatic engine on both chips, the sequential engine's random scan on the ideal
chip).

    python scripts/studies/reversibility.py            # a few minutes on 2 cores
    python scripts/studies/reversibility.py --quick    # 4 visible x 2 hidden, short chains
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from study_data import FIGURES, downsampled_digits, save_figure  # noqa: E402

import pbitsim as ps  # noqa: E402
from pbitsim.analysis.autocorrelation import integrated_time_replicas  # noqa: E402
from pbitsim.analysis.exact import states_to_codes  # noqa: E402
from pbitsim.analysis.gradients import exact_gradient  # noqa: E402
from pbitsim.analysis.mistiming import exact_mistiming, state_features  # noqa: E402
from pbitsim.analysis.scan_orders import ORDERS, kernel_conditionals, order_kernel, sample_order  # noqa: E402
from pbitsim.analysis.spectral import spectrum  # noqa: E402
from pbitsim.analysis.transition import is_reversible, stationary_law  # noqa: E402
from pbitsim.chip.spec import load_chip  # noqa: E402
from pbitsim.files.atomic import write_json_atomic  # noqa: E402
from pbitsim.training.pcd import train_rbm  # noqa: E402

CHIPS = ("ideal", "fpga-sparse-ising")


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-visible", type=int, default=8)
    p.add_argument("--n-hidden", type=int, default=2)
    p.add_argument("--betas", type=float, nargs="+", default=[1.0, 2.5],
                   help="inverse temperatures the trained model is analysed at (trained at 1)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--replicas", type=int, default=16)
    p.add_argument("--steps", type=int, default=10000, help="samples per replica (one per kernel step)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=os.path.join(FIGURES, "reversibility"), help="writes OUT.png and OUT.json")
    p.add_argument("--quick", action="store_true", help="4 visible x 2 hidden, 2 epochs, short chains")
    args = p.parse_args(argv)
    if args.quick:
        args.n_visible, args.n_hidden, args.epochs, args.replicas, args.steps, args.betas = 4, 2, 1, 8, 2000, [1.0]
    return args


def measured_taus(codes, F, M, u):
    """Sampled ``tau_int`` (and Sokal errors) of ``u . F`` and ``M`` from state codes ``(R, T)``."""
    proj = (u @ F)[codes]
    tp = integrated_time_replicas(proj)
    tm = integrated_time_replicas(M[codes])
    return {"tau_projection": tp.tau, "error_projection": tp.error, "tau_magnetization": tm.tau,
            "error_magnetization": tm.error, "reliable": bool(tp.reliable and tm.reliable)}


def engine_codes(program, order, beta, args, seed):
    """State codes ``(R, T)`` of a real engine run of ``order``, or None if no engine runs it on this chip."""
    if order == "chromatic":
        prog = program
        engine = "chromatic"
    elif order == "random_scan" and program.chip.is_ideal_datapath:
        import dataclasses
        prog = dataclasses.replace(program, chip=program.chip.with_params({"clock.scan": "random"}))
        engine = "sequential"
    else:
        return None, None
    run = ps.simulate(prog, sweeps=args.steps, burn_in=200, replicas=args.replicas, beta=beta, seed=seed,
                      engine=engine)
    return states_to_codes(run.states), f"engine:{run.engine}"


def analyse_chip(chip, x, args):
    """Train on ``chip``, then exact and simulated taus of every order at every beta; a list of rows."""
    model = train_rbm(x, n_hidden=args.n_hidden, chip=chip, epochs=args.epochs, lr=0.05, batch_size=32,
                      snr_estimates=0, log_likelihood_method="none", seed=args.seed, progress=False).model
    program = ps.compile(model, load_chip(chip))
    rows = []
    for j, beta in enumerate(args.betas):
        rows += analyse_beta(model, program, chip, x, beta, args, seed=args.seed * 1000 + 100 * j)
    return rows


def analyse_beta(model, program, chip, x, beta, args, seed):
    """Exact and simulated taus of every order of ``program`` at ``beta``."""
    F, M = state_features(model, program, beta=beta)
    g = exact_gradient(model, x, beta)
    u = g / np.linalg.norm(g)
    p_plus = kernel_conditionals(program, beta)
    rows = []
    for i, order in enumerate(ORDERS):
        K = order_kernel(program, beta, order, p_plus=p_plus)
        pi = stationary_law(K.T)
        spec = spectrum(K.T, pi, n_modes=6)
        ex = exact_mistiming(K.T, pi, M, F, u)
        row = {"chip": chip, "beta": beta, "order": order, "n_physical": K.n, "updates_per_step": K.updates_per_step,
               "sweeps_per_step": K.sweeps_per_step, "reversible": is_reversible(K.T, pi), "gap": spec.gap,
               "lambda2_complex": bool(abs(np.imag(spec.eigenvalues[1])) > 1e-12),
               "exact": {**ex.as_dict(), "tau_projection_sweeps": ex.tau_projection * K.sweeps_per_step,
                         "tau_max_sweeps": ex.tau_max * K.sweeps_per_step,
                         "tau_magnetization_sweeps": ex.tau_magnetization * K.sweeps_per_step},
               "simulated": {}}
        seed_i = seed + 10 * CHIPS.index(chip) + i
        codes = sample_order(p_plus, "random_scan" if K.phases is None else K.phases, args.steps + 200,
                             n_replicas=args.replicas, seed=seed_i)[:, 200:]
        row["simulated"]["reference"] = measured_taus(codes, F, M, u)
        codes, label = engine_codes(program, order, beta, args, seed_i)
        if codes is not None:
            row["simulated"][label] = measured_taus(codes, F, M, u)
        rows.append(row)
        sims = "  ".join(f"{k}: {v['tau_projection']:.3f}±{v['error_projection']:.3f}"
                         for k, v in row["simulated"].items())
        print(f"{chip:18} beta {beta:<4} {order:11} rev={row['reversible']!s:5} gap {row['gap']:.4f}  tau_proj exact "
              f"{ex.tau_projection:.3f} ({row['exact']['tau_projection_sweeps']:.3f} sweeps)  tau_max "
              f"{ex.tau_max:.3f}  tau_M {ex.tau_magnetization:.3f}  measured {sims}", flush=True)
    return rows


def agreement(rows, n_sigma=4.0):
    r"""``z = |measured - exact| / error`` of every simulated ``tau`` (projection and magnetization).

    ``all_within``: every reference chain and every engine on the ideal chip within ``n_sigma``.  Engines on
    an LFSR chip are listed apart: the matrices take its words as independent uniform integers
    (:func:`pbitsim.analysis.scan_orders.kernel_conditionals`), the LFSR's sequence correlations are not in them.
    """
    z = {}
    for r in rows:
        for label, sim in r["simulated"].items():
            for key in ("projection", "magnetization"):
                z[f"{r['chip']}/{r['order']}/{label}/{key}"] = (abs(sim[f"tau_{key}"] - r["exact"][f"tau_{key}"])
                                                                / sim[f"error_{key}"])
    checked = {k: v for k, v in z.items() if "/reference/" in k or k.startswith("ideal/")}
    other = {k: v for k, v in z.items() if k not in checked}
    worst = max(checked.values())
    return {"max_z": worst, "max_z_lfsr_engine": max(other.values()) if other else None, "n_sigma": n_sigma,
            "all_within": bool(worst <= n_sigma), "z": z}


def plot(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    groups = [(chip, beta) for chip in CHIPS for beta in result["setup"]["betas"]]
    width = 0.8 / len(groups)
    for j, (chip, beta) in enumerate(groups):
        rs = [r for r in result["rows"] if r["chip"] == chip and r["beta"] == beta]
        xs = np.arange(len(rs)) + (j - (len(groups) - 1) / 2) * width
        label = f"{chip}, beta {beta:g}"
        axes[0].bar(xs, [r["gap"] for r in rs], width, label=label)
        axes[1].bar(xs, [r["exact"]["tau_projection_sweeps"] for r in rs], width, label=label)
        for x0, r in zip(xs, rs):
            sw = r["sweeps_per_step"]
            for k, sim in r["simulated"].items():
                axes[1].errorbar(x0, sim["tau_projection"] * sw, yerr=sim["error_projection"] * sw,
                                 fmt="o" if k == "reference" else "x", color="k", ms=3)
    names = list(dict.fromkeys(r["order"] for r in result["rows"]))
    for ax in axes:
        ax.set_xticks(np.arange(len(names)))
        ax.set_xticklabels([f"{n}\n({'non-reversible' if n == 'chromatic' else 'reversible'})" for n in names])
        ax.grid(True, axis="y", alpha=0.3)
    axes[0].set_ylabel("spectral gap per step")
    axes[1].set_ylabel("tau_int(gradient projection) x work per step (sweeps)")
    axes[0].legend(fontsize=7)
    axes[1].set_title("bars: exact; o: reference chain, x: engine", fontsize=8)
    fig.suptitle(f"Reversible vs non-reversible orders, {result['setup']['n_visible']}x"
                 f"{result['setup']['n_hidden']} digits RBM trained on each chip")
    return save_figure(fig, path)


def main(argv=None):
    args = parse(argv)
    t0 = time.perf_counter()
    x = downsampled_digits(args.n_visible)
    rows = []
    for chip in CHIPS:
        rows += analyse_chip(chip, x, args)
    result = {"setup": {k: v for k, v in vars(args).items() if k != "out"}, "rows": rows,
              "agreement": agreement(rows), "wall_s": time.perf_counter() - t0}
    plot(result, args.out + ".png")
    write_json_atomic(args.out + ".json", result)
    ag = result["agreement"]
    print(f"agreement: max |measured - exact| / error = {ag['max_z']:.2f} (reference chains, ideal-chip engines); "
          f"LFSR-chip engine: {ag['max_z_lfsr_engine']}")
    print(f"wrote {args.out}.png and {args.out}.json ({result['wall_s']:.0f} s)")
    return result


if __name__ == "__main__":
    main()
