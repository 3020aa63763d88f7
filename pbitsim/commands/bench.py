"""`pbitsim bench`: the side-by-side benchmark against peer samplers (same as scripts/bench.py)."""
from ..bench import cli as bench_cli

HELP = "benchmark the engines against peer samplers (dwave-samplers, openjij, thrml) in one run"


def add_arguments(parser):
    bench_cli.add_arguments(parser)


def main(args):
    return int(bench_cli.run_from_args(args) or 0)
