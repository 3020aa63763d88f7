"""`pbitsim models`: list the shipped chip descriptions."""
from ..chip.spec import list_chips, load_chip

HELP = "list the shipped chip descriptions"


def add_arguments(parser):
    parser.add_argument("--verbose", "-v", action="store_true", help="also print each chip's configuration")


def main(args):
    for name, description in list_chips():
        print(f"{name:20s} {description}")
        if args.verbose:
            print(f"{'':20s} {load_chip(name).summary()}")
    return 0
