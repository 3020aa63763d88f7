"""`pbitsim plot DIR`: plots of a sweep's results."""
import os

from ..errors import PbitsimError

HELP = "plot a sweep's results (PNG and SVG into DIR/plots)"


def add_arguments(parser):
    parser.add_argument("results", help="results directory written by `pbitsim sweep`")


def main(args):
    from ..sweep.plots import plot_sweep

    if not os.path.isfile(os.path.join(args.results, "results.json")):
        raise PbitsimError(f"{args.results}: no results.json (run `pbitsim sweep` first)")
    for path in plot_sweep(args.results):
        print(f"wrote {path}")
    return 0
