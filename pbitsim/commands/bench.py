"""`pbitsim bench`: the side-by-side benchmark against peer samplers (see scripts/bench.py)."""
import argparse

HELP = "benchmark the engines against peer samplers (dwave-samplers, openjij, thrml)"


def add_arguments(parser):
    parser.add_argument("bench_args", nargs=argparse.REMAINDER,
                        help="arguments passed to the benchmark (try `pbitsim bench --help-bench`)")


def main(args):
    from .. import bench

    return int(bench.main(args.bench_args) or 0)
