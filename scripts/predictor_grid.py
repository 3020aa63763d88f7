"""Measured gradient Q against the global-gap and the projected predictor on a grid of small models.

For every cell (model, beta, scheme, K) it prints

* ``Q_meas``   operational ``|g|^2 / mean_seeds |ghat - g|^2`` from ``--seeds`` replicas of the
               exact per-sweep Markov matrix (uniform random start, ``--burn-in`` sweeps),
* ``Q_exact``  the same expectation computed exactly from the matrix (a check on ``Q_meas``),
* ``Q_glob``   the global-gap predictor (every observable relaxes at ``|lambda_2|``),
* ``Q_proj``   the projected predictor ``(K/2)|g|^2 / T_O``,

and, per model, ``tau_g`` (the global relaxation time, sweeps), the parity of the slowest mode
(zero field), ``w1max`` (the largest weight any gradient observable puts on that mode), ``t_O``
(``T_O / tr Cov_1``, the variance-weighted relaxation time the projected predictor uses) and
``t_max`` (the slowest gradient observable's ``tau_int / 2``).  Zero-field models learn couplings only (``m_i m_j``: even observables); models
with fields learn couplings and biases.  The summary counts the cells each predictor tracks
within a factor of 2 of ``Q_meas``, split by field / zero field.

    python scripts/predictor_grid.py               # full grid, < 2 minutes
    python scripts/predictor_grid.py --quick       # a few cells
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time

import numpy as np

import pbitsim as ps
from pbitsim.analysis.predictors import (scheme_analysis, measure_q, predict_q_global_gap, predict_q_projected,
                                q_exact_markov)


def make_model(kind, n, field, seed):
    """``ferro``: J_ij ~ U(0.5, 1.5) on ~half the pairs (kept connected); ``glass``: J_ij ~ U(-1, 1), dense."""
    rng = np.random.default_rng(seed)
    if kind == "ferro":
        J = rng.uniform(0.5, 1.5, (n, n)) * (rng.random((n, n)) < 0.5)
        ring = np.roll(np.eye(n), 1, axis=1)                    # a ring keeps it connected
        J = np.triu(np.where(ring > 0, rng.uniform(0.5, 1.5, (n, n)), J), 1)
    else:
        J = np.triu(rng.uniform(-1.0, 1.0, (n, n)) * (rng.random((n, n)) < 0.7), 1)
    h = rng.uniform(-0.5, 0.5, n) if field else np.zeros(n)
    name = f"{kind}{n}{'-h' if field else '-0'}"
    return ps.IsingModel.from_dense(J + J.T, h, name=name)


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[4, 6, 8])
    p.add_argument("--betas", type=float, nargs="+", default=[0.5, 1.0, 1.5])
    p.add_argument("--K", type=int, nargs="+", default=[10, 100], dest="ks")
    p.add_argument("--schemes", nargs="+", default=["random_scan", "chromatic"])
    p.add_argument("--seeds", type=int, default=300, help="independent replicas per measured Q")
    p.add_argument("--burn-in", type=int, default=200, help="sweeps before the K samples")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="n = 4 and 6, one beta")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.betas = [4, 6], [1.0]
    return args


def within2(a, b):
    return 0.5 <= a / b <= 2.0


def main(argv=None):
    args = parse(argv)
    t0 = time.perf_counter()
    rows = []
    header = (f"{'model':10} {'beta':>4} {'scheme':11} {'tau_g':>9} {'par':>4} {'w1max':>7} {'t_O':>7} "
              f"{'t_max':>7} {'K':>4} {'Q_meas':>9}  {'Q_exact':>9} {'Q_glob':>9} {'Q_proj':>9}  glob proj")
    print(header)
    print("-" * len(header))
    cells = itertools.product(["ferro", "glass"], args.sizes, [False, True], args.betas, args.schemes)
    for i, (kind, n, field, beta, scheme) in enumerate(cells):
        model = make_model(kind, n, field, seed=100 * n + (kind == "glass"))
        a = scheme_analysis(model, beta, scheme, biases=field, n_modes=6)
        par = "." if field else f"{a.spectrum.parity()[1]:+4.0f}"
        w1 = float(np.abs(a.relaxation.weights[:, 1]).max())
        t_max = float(np.nanmax(a.relaxation.tau)) / 2                 # slowest gradient observable
        for K in args.ks:
            meas = measure_q(model, beta, scheme, K, args.seeds, burn_in=args.burn_in, biases=field,
                             analysis=a, seed=args.seed + i)
            exact = q_exact_markov(model, beta, scheme, K, burn_in=args.burn_in, biases=field, analysis=a)
            glob = predict_q_global_gap(model, beta, scheme, K, biases=field, analysis=a)
            proj = predict_q_projected(model, beta, scheme, K, biases=field, analysis=a)
            ok_g, ok_p = within2(glob.q, meas.q), within2(proj.q, meas.q)
            slow = 5 * t_max > min(K, args.burn_in)
            flag = " " if meas.q_low <= exact.q <= meas.q_high else "!"   # measurement missed the exact Q
            rows.append((field, ok_g, ok_p, within2(exact.q, meas.q), slow,
                         within2(glob.q, exact.q), within2(proj.q, exact.q)))
            print(f"{model.name:10} {beta:4.1f} {scheme:11} {glob.time:9.3g} {par:>4} {w1:7.1e} {proj.time:7.3g} "
                  f"{t_max:7.3g} {K:4d} {meas.q:9.3g}{flag} {exact.q:9.3g} {glob.q:9.3g} {proj.q:9.3g}  "
                  f"{'ok' if ok_g else '--':>4} {'ok' if ok_p else '--':>4}")
    rows = np.array(rows, dtype=bool)
    print()
    print("cells where a predictor is within a factor 2 of the measured Q  [of the exact Markov Q]")
    groups = (("zero field (couplings only)", ~rows[:, 0]), ("with fields", rows[:, 0]),
              ("  of which 5 t_max < min(K, B)", rows[:, 0] & ~rows[:, 4]),
              ("  of which 5 t_max >= min(K, B)", rows[:, 0] & rows[:, 4]),
              ("all", np.ones(len(rows), bool)))
    for label, sel in groups:
        k = int(sel.sum())
        print(f"  {label:31} global gap {int(rows[sel, 1].sum()):3d}/{k} [{int(rows[sel, 5].sum()):3d}]"
              f"   projected {int(rows[sel, 2].sum()):3d}/{k} [{int(rows[sel, 6].sum()):3d}]"
              f"   exact vs measured {int(rows[sel, 3].sum()):3d}/{k}")
    print(f"({time.perf_counter() - t0:.1f} s; {args.seeds} replicas per cell, burn-in B = {args.burn_in} sweeps, "
          "uniform random start)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
