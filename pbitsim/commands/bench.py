"""`pbitsim bench`: the side-by-side benchmark against peer samplers (same as scripts/bench.py)."""

HELP = "benchmark the engines against peer samplers (dwave-samplers, openjij, thrml) in one run"


def add_arguments(parser):
    from ..bench import peers as bench

    bench.add_arguments(parser)


def main(args):
    from ..bench import peers as bench

    return int(bench.run_from_args(args) or 0)
