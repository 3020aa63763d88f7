"""CLI subcommands, one module each: ``add_arguments(parser)`` and ``main(args) -> int``."""


def add_chip_argument(parser):
    """The positional ``chip`` argument shared by the subcommands that run on a chip."""
    parser.add_argument("chip", help="shipped chip name (see `pbitsim models`) or path to a .toml file")


def add_sampling_arguments(parser):
    """``--burn-in``, ``--thin``, ``--beta``, ``--engine``: how the replicas are run (run, snr)."""
    parser.add_argument("--burn-in", type=int, default=100, help="burn-in sweeps per replica (default 100)")
    parser.add_argument("--thin", type=int, default=1, help="one sample every THIN sweeps (default 1)")
    parser.add_argument("--beta", type=float, default=1.0, help="inverse temperature (default 1)")
    parser.add_argument("--engine", help="override the chip's clock mode (chromatic, sequential, ...)")
