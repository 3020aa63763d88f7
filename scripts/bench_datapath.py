"""Integer (fixed-point) datapath vs the ideal float chip on Pegasus P16: ns per p-bit update.

    python scripts/bench_datapath.py [--replicas 1,64] [--repeats 3] [--scale 1.0] [--generic]

Workload: the :mod:`pbitsim.bench` ``pegasus16`` spin glass (5,640 p-bits,
``J ~ U[-1, 1]``, ``h = 0``, ``beta = 1``).  ``float``: the chromatic engine on
the ``ideal`` chip (float64 inputs, tanh, xoroshiro uniforms).  ``integer``:
the ``fpga-sparse-ising`` datapath (s[4][1] weights, bias and saturating
accumulator, 32-entry |I| table of 32-bit thresholds, a 32-bit XNOR Fibonacci
LFSR per p-bit stepped once per update) moved onto Pegasus P16, through the
datapath engine's fast kernel (and, with ``--generic``, the generic one).

Every timing is the kernel wall time of the engine (compiled by a warm-up
run), best of ``--repeats``, as a slope between two sweep counts so fixed
per-call costs (allocation, start sums, the one energy) cancel;
``ns/update = seconds per sweep / (n * replicas)``.  Replicas run in parallel
on all Numba threads.  The ratio printed is integer / float (the issue-3
target: at most 1.3 with 64 replicas).
"""
from __future__ import annotations

import argparse
import os
import platform

import numba

from pbitsim.bench import slope_seconds_per_sweep, spin_glass_named, time_pbitsim
from pbitsim.chip import load_chip
from pbitsim.engines import datapath as datapath_engine
from pbitsim.engines.schedule import make_schedule
from pbitsim.program import place_model

TARGET_UPDATES = 6e7  # p-bit updates in the long timing run at --scale 1


def integer_program(model):
    """``model`` placed on fpga-sparse-ising with its topology widened to Pegasus P16."""
    chip = load_chip("fpga-sparse-ising").with_params({"topology": {"kind": "pegasus", "size": 16}})
    return place_model(model, chip)


def time_integer(program, replicas, sweeps, repeats, kernel="fast", seed=1):
    """ns/update of the datapath engine with ``kernel`` ("fast" or "generic")."""

    def run(k):
        sched = make_schedule(k, 0, k, replicas, 1.0, seed)  # one sample at the end
        return datapath_engine.run(program, sched, store_states=False, kernel=kernel).timing.wall_s

    run(2)
    return 1e9 * slope_seconds_per_sweep(run, sweeps, repeats) / (program.n_physical * replicas)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicas", default="1,64", help="comma-separated replica counts (default 1,64)")
    ap.add_argument("--repeats", type=int, default=3, help="best of this many timings (default 3)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the sweep counts (default 1)")
    ap.add_argument("--generic", action="store_true", help="also time the generic datapath kernel")
    args = ap.parse_args(argv)
    replicas = [int(r) for r in args.replicas.split(",")]
    model = spin_glass_named("pegasus16")
    program = integer_program(model)
    n = model.n
    print(f"pegasus16 spin glass: {n} p-bits, {model.n_edges} edges; {numba.get_num_threads()} Numba threads, "
          f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}; load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'replicas':>8}  {'float':>10}  {'integer':>10}  {'ratio':>6}  {'float layout':>12}"
          + ("  generic" if args.generic else ""))
    for R in replicas:
        sweeps = max(8, round(args.scale * TARGET_UPDATES / (n * R)))
        t_float = time_pbitsim(model, R, sweeps, args.repeats)
        t_float, layout = t_float if isinstance(t_float, tuple) else (t_float, "")  # newer: (ns, layout)
        t_int = time_integer(program, R, sweeps, args.repeats)
        line = f"{R:>8d}  {t_float:8.2f} ns  {t_int:8.2f} ns  {t_int / t_float:6.2f}  {layout:>12}"
        if args.generic:
            line += f"  {time_integer(program, R, max(8, sweeps // 10), args.repeats, 'generic'):8.2f} ns"
        print(line, flush=True)
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
