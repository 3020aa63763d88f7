"""Study 1: parallel tempering on the trained digits RBM, ideal chip vs the fixed-point FPGA chip.

Questions: how uneven is the specific heat C(beta) along the ladder; what swap acceptance and round trips
does a geometric ladder get compared with adaptive ones (constant acceptance, constant entropy,
feedback-optimised), and how many rungs each needs for a target acceptance; does "it's the schedule,
not the overlap" hold (the same number of rungs, re-spaced, fixes the bottleneck); does quantization
(``fpga-sparse-ising``: s[4][1] weights, 32-entry LUT, LFSRs) change it.

Models: the shipped ``pbitsim/data/demo_rbm.npz`` (64 binarised digit pixels x 10 hidden, trained by
PCD on the ideal chip) and an RBM of the same shape trained by PCD with ``fpga-sparse-ising`` as the
sampler (``pbitsim.training.pcd.train_rbm``, as ``pbitsim train fpga-sparse-ising`` does), tempered on
that chip and, as a control separating the weights from the chip, on the ideal chip.

Run (about 5-8 minutes on 2 busy cores)::

    python scripts/studies/pt_digits.py            # writes docs/figures/pt_digits.{png,json}
    python scripts/studies/pt_digits.py --quick    # a smaller run (for the test suite)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

import pbitsim as ps
from pbitsim.files.atomic import write_json_atomic
from pbitsim.tempering import ladder as L
from pbitsim.tempering import temper
from pbitsim.training.digits import demo_rbm_path
from pbitsim.training.pcd import train_rbm

OUT = "docs/figures"
KINDS = ("geometric", "constant_acceptance", "constant_entropy", "feedback")
TARGET = 0.2


def ladder_runs(program, args, seed):
    """Pilot geometric run, then the adaptive ladders with the same rung count; each run's diagnostics."""
    geo = L.geometric(args.beta_min, 1.0, args.rungs)
    common = {"sweeps": args.sweeps, "burn_in": args.burn_in, "chains": args.chains, "seed": seed,
              "store_states": False}
    runs = {"geometric": temper(program, betas=geo, **common)}
    thermo = runs["geometric"].thermodynamics()
    needed = {k: L.rungs_needed(k, thermo, TARGET) for k in KINDS[:3]}
    for kind in ("constant_acceptance", "constant_entropy"):
        runs[kind] = temper(program, betas=L.adaptive(kind, thermo, args.rungs), **common)
    # feedback-optimised: iterated twice from the constant-acceptance run's replica flow (KTHT need round trips)
    prev = runs["constant_acceptance"]
    for _ in range(2):
        prev = temper(program, betas=L.adaptive("feedback", prev.thermodynamics(), args.rungs, flow=prev.flow()),
                      **common)
    runs["feedback"] = prev
    needed["feedback"] = L.rungs_needed("feedback", runs["constant_acceptance"].thermodynamics(), TARGET,
                                        flow=runs["constant_acceptance"].flow())
    return runs, needed, thermo


def summarise(runs, needed, thermo):
    C = thermo.heat_capacity
    out = {"C_max": float(C.max()), "C_beta_at_max": float(thermo.betas[np.argmax(C)]),
           "C_max_over_median": float(C.max() / np.median(C)),
           "rungs_needed_for_target": needed, "target": TARGET, "ladders": {}}
    for kind, r in runs.items():
        d = r.diagnostics
        out["ladders"][kind] = {
            "betas": np.round(r.betas, 4).tolist(), "acceptance": np.round(d.acceptance, 4).tolist(),
            "min_acceptance": float(d.acceptance.min()), "round_trips": int(d.round_trips),
            "round_trip_sweeps": None if not np.isfinite(d.round_trip_sweeps) else float(d.round_trip_sweeps),
            "tau_energy_coldest": float(d.tau_energy[-1]), "wall_s": round(r.wall_s, 2)}
    return out


def _count(n):
    return f">{L.MAX_RUNGS}" if n > L.MAX_RUNGS else str(n)


def figure(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(results), 3, figsize=(13, 3.5 * len(results)), squeeze=False)
    for row, (chip, (runs, needed, thermo)) in enumerate(results.items()):
        a_c, a_acc, a_f = axes[row]
        g = runs["geometric"]
        a_c.plot(g.betas, g.diagnostics.heat_capacity, "o-", ms=3)
        a_c.set(title=f"{chip}: C(beta), geometric", xlabel="beta", ylabel="C = beta^2 Var E")
        for kind, r in runs.items():
            b = np.asarray(r.betas)
            a_acc.plot(np.sqrt(b[1:] * b[:-1]), r.diagnostics.acceptance, "o-", ms=3,
                       label=f"{kind}: {r.diagnostics.round_trips} trips, needs {_count(needed[kind])}")
            a_f.plot(b, r.diagnostics.flow, "o-", ms=3, label=kind)
        a_acc.set(title=f"{chip}: acceptance, {g.n_rungs} rungs", xlabel="beta", ylabel="acceptance",
                  ylim=(0, 1.02))
        a_acc.legend(fontsize=7, title=f"round trips; rungs for acc >= {TARGET}", title_fontsize=7)
        a_f.plot([g.betas[0], g.betas[-1]], [0, 1], color="0.7", lw=0.8)
        a_f.set(title=f"{chip}: flow f(beta)", xlabel="beta", ylabel="f", ylim=(-0.02, 1.02))
        a_f.legend(fontsize=7)
        for a in (a_c, a_acc, a_f):
            a.grid(alpha=0.3)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=100)
    os.replace(tmp, path)
    plt.close(fig)
    return path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small run (test suite)")
    p.add_argument("--out", default=OUT)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    args.rungs, args.beta_min = (8, 0.1) if args.quick else (16, 0.05)
    args.sweeps, args.burn_in, args.chains = (300, 50, 2) if args.quick else (2000, 200, 4)
    t0 = time.time()
    ideal = ps.load_model(demo_rbm_path())
    trained = train_rbm("digits", ideal.W.shape[1], "fpga-sparse-ising", epochs=1 if args.quick else 2, lr=0.05,
                        snr_estimates=0, log_likelihood_method="none", seed=args.seed, progress=False)
    models = {"ideal": (ideal, "ideal"), "fpga-sparse-ising": (trained.rbm, "fpga-sparse-ising"),
              "fpga weights, ideal chip": (trained.rbm, "ideal")}   # control: same weights, no chip
    results, report = {}, {"command": "python scripts/studies/pt_digits.py" + (" --quick" if args.quick else ""),
                           "sweeps": args.sweeps, "chains": args.chains, "rungs": args.rungs,
                           "beta_range": [args.beta_min, 1.0]}
    for name, (model, chip) in models.items():
        program = ps.compile(model, chip)
        results[name] = ladder_runs(program, args, args.seed)
        report[name] = {"n_physical": int(program.n_physical), "beta_factor": program.beta_factor,
                        **summarise(*results[name])}
        print(f"{name}: {json.dumps(report[name]['rungs_needed_for_target'])}", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    report["wall_s"] = round(time.time() - t0, 1)
    write_json_atomic(os.path.join(args.out, "pt_digits.json"), report)
    print(figure(results, os.path.join(args.out, "pt_digits.png")))
    print(json.dumps({k: (v["ladders"] if isinstance(v, dict) and "ladders" in v else v) for k, v in report.items()},
                     indent=1)[:4000])
    return report


if __name__ == "__main__":
    main()
