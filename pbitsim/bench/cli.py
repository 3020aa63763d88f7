"""Command line of the benchmark: ``pbitsim bench``, ``scripts/bench.py`` and ``python -m pbitsim.bench``.

Nanoseconds per p-bit update, pbitsim beside peer samplers in one process
(:mod:`pbitsim.bench.runner`), optionally followed by the hardware paths
(:mod:`pbitsim.bench.hardware`); prints a markdown table, optionally writes JSON.

    python scripts/bench.py [--graphs pegasus16,lattice128,rr100k] [--replicas 1,64]
                            [--peers dwave,openjij,thrml] [--sweeps N] [--quick] [--out FILE.json]
    python scripts/bench.py --scale [--scale-big] [--out FILE.json]

``--scale`` runs only the scale section (:mod:`pbitsim.bench.scale`): 10^6-p-bit
chips built, compiled and run, each in its own process, with peak memory.
"""
from __future__ import annotations

import argparse
import time

from ..files.atomic import write_json_atomic
from .hardware import hardware_rows
from .peers import PEERS
from .report import format_table, machine_info
from .runner import run_benchmark
from .scale import BIG_CASES, SCALE_CASES, format_scale_table, scale_rows
from .workloads import GRAPHS, QUICK_GRAPHS

DESCRIPTION = "Speed benchmark: nanoseconds per p-bit update, pbitsim beside peer samplers in one process."


def _csv(text, allowed=None, kind=str):
    items = [kind(x) for x in text.split(",") if x.strip()]
    if allowed:
        bad = [x for x in items if x not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(map(str, bad))}; allowed: {', '.join(allowed)}")
    return items


def add_arguments(ap):
    """Register the benchmark options on an ``argparse`` parser (also used by ``pbitsim bench``)."""
    ap.add_argument("--graphs", type=lambda s: _csv(s, GRAPHS), default=None,
                    help=f"comma-separated workloads (default: {','.join(GRAPHS)}; "
                         f"with --quick: {','.join(QUICK_GRAPHS)})")
    ap.add_argument("--replicas", type=lambda s: _csv(s, kind=int), default=[1, 64],
                    help="pbitsim replica counts (default: 1,64)")
    ap.add_argument("--peers", type=lambda s: _csv(s, PEERS) if s.strip() else [], default=list(PEERS),
                    help=f"peer samplers, each run when installed (default: {','.join(PEERS)}; '' for none)")
    ap.add_argument("--sweeps", type=int, default=None,
                    help="sweeps of the long timing run for every engine (default: sized per engine/graph)")
    ap.add_argument("--repeats", type=int, default=None, help="best of this many timings (default 3, quick 2)")
    ap.add_argument("--quick", action="store_true",
                    help="half the updates per timing, best of 2, small graphs unless --graphs (< 30 s)")
    ap.add_argument("--hardware", action=argparse.BooleanOptionalAction, default=None,
                    help="also time the integer datapath vs float and the event engine with delays on "
                         "Pegasus P16 (default: on, off with --quick)")
    ap.add_argument("--scale", action="store_true",
                    help="run only the scale section: Pegasus P206 and a 1000x1000 King's graph built, compiled "
                         "and run for 100 sweeps, each in its own process (time and peak memory)")
    ap.add_argument("--scale-big", action="store_true",
                    help="with --scale (implied), also a 10^7-p-bit lattice and King's graph (needs ~8 GB)")
    ap.add_argument("--out", default=None, help="also write the results as JSON to this file")
    return ap


def _run_scale(args, info):
    cases = list(SCALE_CASES) + (list(BIG_CASES) if args.scale_big else [])
    t0 = time.perf_counter()
    rows = scale_rows(cases)
    print(format_scale_table(rows))
    print(f"\n(total {time.perf_counter() - t0:.0f} s; ideal chromatic chip, random spin glass, one replica; "
          "build = topology arrays + model, setup / sweeps = (build + compile) / 100 sweeps; "
          "targets: total < 30 s, setup / sweeps <= 5, peak RSS < 1.5 GB (10^7: < 8 GB))")
    if args.out:
        write_json_atomic(args.out, {"machine": info, "scale": rows})
        print(f"wrote {args.out}")
    return 0


def run_from_args(args):
    """Run the benchmark for parsed options (see :func:`add_arguments`), print the table; returns 0."""
    if args.sweeps is not None and args.sweeps < 4:
        raise SystemExit("pbitsim bench: error: --sweeps must be >= 4")
    if any(r < 1 for r in args.replicas) or (args.repeats is not None and args.repeats < 1):
        raise SystemExit("pbitsim bench: error: --replicas and --repeats must be >= 1")
    info = machine_info()
    print(f"machine: {info['cpu']}, {info['cpus']} CPUs, numba threads {info['numba_threads']}")
    if args.scale or args.scale_big:
        return _run_scale(args, info)
    t0 = time.perf_counter()
    graphs = args.graphs or list(QUICK_GRAPHS if args.quick else GRAPHS)
    rows = run_benchmark(graphs, args.replicas, args.peers, args.sweeps, args.quick, args.repeats)
    hardware = (not args.quick) if args.hardware is None else args.hardware
    if hardware:
        print("hardware paths (Pegasus P16):")
        rows += hardware_rows(args.replicas, args.repeats or (2 if args.quick else 3), args.quick)
    print()
    print(format_table(rows))
    print(f"\n(total {time.perf_counter() - t0:.0f} s; 'x best peer' = fastest peer's ns/update / this "
          "engine's, so > 1 is faster; pbitsim with R replicas reports aggregate ns per update)")
    if args.out:
        write_json_atomic(args.out, {"machine": info, "results": rows})
        print(f"wrote {args.out}")
    return 0


def main(argv=None):
    """``scripts/bench.py`` / ``pbitsim bench``: parse ``argv``, run, print the table, optionally write JSON."""
    argv = list(argv) if argv is not None else None
    if argv and argv[0] == "--":  # ``pbitsim bench -- --quick`` hands the separator through
        argv = argv[1:]
    if argv is not None:
        argv = ["--help" if a == "--help-bench" else a for a in argv]
    parser = add_arguments(argparse.ArgumentParser(prog="pbitsim bench", description=DESCRIPTION))
    return run_from_args(parser.parse_args(argv))
