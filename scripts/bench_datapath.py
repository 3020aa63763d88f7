"""Integer (fixed-point) datapath vs the ideal float chip on Pegasus P16: ns per p-bit update.

    python scripts/bench_datapath.py [--replicas 1,64] [--repeats 3] [--scale 1.0] [--generic]

The same measurement runs inside ``pbitsim bench`` (section "hardware paths");
see :mod:`pbitsim.bench.hardware` for the workload.  ``--generic`` also times
the generic (golden-model) datapath kernel.
"""
from __future__ import annotations

import argparse
import os

import numba

from pbitsim.bench.hardware import integer_program, time_integer
from pbitsim.bench.timing import time_pbitsim
from pbitsim.bench.workloads import spin_glass_named

TARGET_UPDATES = 6e7  # p-bit updates in the long timing run at --scale 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicas", default="1,64", help="comma-separated replica counts (default 1,64)")
    ap.add_argument("--repeats", type=int, default=3, help="best of this many timings (default 3)")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the sweep counts (default 1)")
    ap.add_argument("--generic", action="store_true", help="also time the generic datapath kernel")
    args = ap.parse_args(argv)
    model = spin_glass_named("pegasus16")
    program = integer_program(model)
    n = model.n
    print(f"pegasus16 spin glass: {n} p-bits; {numba.get_num_threads()} Numba threads, {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'replicas':>8}  {'float':>10}  {'integer':>10}  {'ratio':>6}" + ("  generic" if args.generic else ""))
    for R in (int(r) for r in args.replicas.split(",")):
        sweeps = max(8, round(args.scale * TARGET_UPDATES / (n * R)))
        t_float, _ = time_pbitsim(model, R, sweeps, args.repeats)
        t_int = time_integer(program, R, sweeps, args.repeats)
        line = f"{R:>8d}  {t_float:8.2f} ns  {t_int:8.2f} ns  {t_int / t_float:6.2f}"
        if args.generic:
            line += f"  {time_integer(program, R, max(8, sweeps // 10), args.repeats, 'generic'):8.2f} ns"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
