"""The ``pbitsim`` command line: argument parsing and dispatch only.

Each subcommand lives in :mod:`pbitsim.commands` (``add_arguments`` + ``main``).
Bad input ends with a one-line reason on stderr and exit status 2; a traceback
is shown only with ``PBITSIM_DEBUG=1``.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from .errors import PbitsimError

# subcommand -> module (under pbitsim) providing HELP, add_arguments(parser), main(args)
SUBCOMMANDS = {
    "models": "commands.models",
    "run": "commands.run",
    "bench": "commands.bench",
    "demo": "commands.demo",
    "compile": "commands.compile",
    "export": "commands.export",
    "sweep": "commands.sweep",
    "plot": "commands.plot",
    "snr": "commands.snr",
    "train": "commands.train",
}


def build_parser():
    from . import __version__

    parser = argparse.ArgumentParser(prog="pbitsim", description="Hardware-emulation simulator for p-bit computers.")
    parser.add_argument("--version", action="version", version=f"pbitsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, modname in SUBCOMMANDS.items():
        mod = importlib.import_module(f".{modname}", __package__)
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_main=mod.main)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_main", None):
        parser.print_help()
        return 2
    try:
        return int(args._main(args) or 0)
    except (PbitsimError, FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        if os.environ.get("PBITSIM_DEBUG"):
            raise
        print(f"pbitsim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"pbitsim {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
