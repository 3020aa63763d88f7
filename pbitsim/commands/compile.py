"""`pbitsim compile CHIP --model FILE --out program.npz`: place or embed a model, quantize, print the report."""
from __future__ import annotations

from dataclasses import replace

from ..chip.spec import load_chip
from ..compiler.scale_policy import scale_policy
from ..compiler.pipeline import METHODS, compile_model, format_report
from ..compiler.logical import load_compile_input
from . import add_chip_argument

HELP = "compile a model onto a chip (placement or minor embedding, quantization, colouring)"


def add_arguments(parser):
    add_chip_argument(parser)
    parser.add_argument("--model", required=True,
                        help=".npz model: Ising (J or J_row/J_col/J_val, h), RBM (W, b, c) or DBM (W0, W1, ..., "
                        "optional b0, b1, ...)")
    parser.add_argument("--out", help="write the compiled program here (.npz; readable by Program.load)")
    parser.add_argument("--method", choices=METHODS, default="auto",
                        help="identity (spin i on p-bit i), direct (one p-bit per spin, subgraph search), embed "
                        "(minorminer chains) or auto (default: identity if it fits, else search, else embed)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the placement/embedding search (default 0)")
    parser.add_argument("--scale", default="percentile",
                        help="scale policy: percentile (default: fit the --percentile magnitude to the "
                        "weight/bias formats), law (search: sampled law closest to the target), gradient "
                        "(search: smallest gradient bias), or a number (chip units per model unit)")
    parser.add_argument("--scale-candidates", type=int, default=12,
                        help="budget of candidate scales of a search policy (default 12)")
    parser.add_argument("--scale-seconds", type=float, default=60.0,
                        help="wall-time budget of a search policy in seconds (default 60)")
    parser.add_argument("--data", help="data for the gradient policy's Q ('digits' or an .npz with key 'data')")
    parser.add_argument("--percentile", type=float, default=100.0,
                        help="fit this percentile of |J|, |h| to the format's range; larger values clip "
                        "(default 100)")
    parser.add_argument("--chain-strength", type=float,
                        help="ferromagnetic chain coupling in model units (default 1.5 x the largest "
                        "sum_j |J_ij| + |h_i| of a chained spin)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="time limit of the placement/embedding search in seconds (default 60)")


def _policy(args):
    """The ``--scale`` policy with the search options (a number or ``percentile`` takes none)."""
    policy = scale_policy(args.scale, args.percentile)
    if not policy.searches:
        return policy
    return replace(policy, candidates=args.scale_candidates, max_seconds=args.scale_seconds, data=args.data)


def main(args):
    chip = load_chip(args.chip)
    model = load_compile_input(args.model)
    program = compile_model(model, chip, method=args.method, scale=_policy(args), percentile=args.percentile,
                            chain_strength=args.chain_strength, seed=args.seed, timeout_s=args.timeout,
                            progress=True)   # a bar while a minor embedding runs, on a terminal only
    print(format_report(program.report))
    if args.out:
        path = program.save(args.out)
        print(f"wrote {path}")
    return 0
