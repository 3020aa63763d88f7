"""Parallel tempering vs dwave-samplers' simulated annealing at equal work, on Pegasus P6 spin glasses.

Instances: ``J_ij ~ U[-1, 1]`` on the Pegasus P6 graph of ``fpga-sparse-ising`` (680 spins, no fields),
seeds 0..3.  Equal work: both run ``R = 16`` replicas for the same number of sweeps per replica.

- PT: ``pbitsim.temper`` on the ideal chip (the model's own graph, float heat bath), 16 rungs
  geometric in ``beta`` from 0.1 to 5, one chain, a swap pass after every sweep; its answer is the lowest
  energy seen at the coldest rung (and, second number, the coldest rung's energy after the last sweep).
- SA: ``SimulatedAnnealingSampler().sample_ising(h, J, num_reads=16, num_sweeps=S)`` (its default
  geometric beta schedule from the problem's couplings, Metropolis); its answer is the lowest final energy
  of the 16 reads.

Residual energy per spin ``(E - E_ref) / n`` with ``E_ref`` the lowest energy any method found in this
script (including a reference SA run: 16 reads of 20k sweeps).  Mean over the four instances.

Run::

    python scripts/studies/pt_vs_sa.py               # about a minute on 2 cores
    python scripts/studies/pt_vs_sa.py --quick       # fewer sweeps (test suite)
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

import pbitsim as ps
from pbitsim.compiler.chip_graph import chip_graph
from pbitsim.spin_glass import random_spin_glass
from pbitsim.tempering import ladder as L

REPLICAS = 16


def instance(seed):
    return random_spin_glass(chip_graph(ps.load_chip("fpga-sparse-ising")), seed)


def run_sa(model, sweeps, seed, reads=REPLICAS):
    from dwave.samplers import SimulatedAnnealingSampler

    r, c, v = model.edges()
    J = {(int(a), int(b)): -float(w) for a, b, w in zip(r, c, v)}  # peers: E = sum J s s (sign flipped)
    h = {i: -float(x) for i, x in enumerate(model.h)}
    t0 = time.perf_counter()
    ss = SimulatedAnnealingSampler().sample_ising(h, J, num_reads=reads, num_sweeps=sweeps, seed=seed)
    return float(ss.record.energy.min()), time.perf_counter() - t0


def run_pt(model, sweeps, seed):
    t0 = time.perf_counter()
    res = ps.temper(model, "ideal", betas=L.geometric(0.1, 5.0, REPLICAS), sweeps=sweeps, chains=1, seed=seed,
                    store_states=False)
    cold = res.energies[0, :, -1]
    return float(cold.min()), float(cold[-1]), time.perf_counter() - t0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    budgets = (100, 1000) if args.quick else (100, 1000, 10000)
    seeds = (0,) if args.quick else (0, 1, 2, 3)
    ref_sweeps = 2000 if args.quick else 20_000
    rows = {s: {} for s in budgets}
    report = {"command": "python scripts/studies/pt_vs_sa.py" + (" --quick" if args.quick else ""),
              "replicas": REPLICAS, "instances": list(seeds), "budgets": list(budgets)}
    per = []
    for seed in seeds:
        m = instance(seed)
        e_ref, _ = run_sa(m, ref_sweeps, 99)
        out = {}
        for s in budgets:
            pt_best, pt_final, pt_t = run_pt(m, s, seed)
            sa_best, sa_t = run_sa(m, s, seed)
            out[s] = (pt_best, pt_final, sa_best, pt_t, sa_t)
            e_ref = min(e_ref, pt_best, sa_best)
        per.append((m.n, e_ref, out))
    for s in budgets:
        res = np.array([[(o[s][0] - e) / n, (o[s][1] - e) / n, (o[s][2] - e) / n, o[s][3], o[s][4]]
                        for n, e, o in per])
        mean = res.mean(axis=0)
        rows[s] = {"pt_best_residual_per_spin": mean[0], "pt_final_residual_per_spin": mean[1],
                   "sa_residual_per_spin": mean[2], "pt_wall_s": mean[3], "sa_wall_s": mean[4]}
    report["results"] = {str(k): {a: round(float(b), 5) for a, b in v.items()} for k, v in rows.items()}
    report["e_ref_per_spin"] = [round(e / n, 5) for n, e, _ in per]
    print(f"{'sweeps':>7s}  {'PT best':>9s}  {'PT final':>9s}  {'SA best':>9s}  {'PT s':>6s}  {'SA s':>6s}"
          "   (residual energy per spin, mean over instances)")
    for s in budgets:
        r = rows[s]
        print(f"{s:7d}  {r['pt_best_residual_per_spin']:9.5f}  {r['pt_final_residual_per_spin']:9.5f}  "
              f"{r['sa_residual_per_spin']:9.5f}  {r['pt_wall_s']:6.2f}  {r['sa_wall_s']:6.2f}")
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
