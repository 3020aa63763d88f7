"""`pbitsim snr CHIP --model FILE`: gradient signal-to-noise of a model sampled on a chip."""
from __future__ import annotations

import os

from ..files.atomic import write_json_atomic
from ..chip.spec import load_chip
from ..models import load_model
from ..analysis.snr import gradient_snr
from . import add_chip_argument, add_sampling_arguments

HELP = "gradient signal-to-noise (Qhat, bias/variance, autocorrelation) of a model on a chip"


def add_arguments(parser):
    add_chip_argument(parser)
    parser.add_argument("--model", required=True, help=".npz model (RBM W/b/c or Ising J/h)")
    parser.add_argument("--data", default="digits",
                        help="'digits' (binarized 8x8 scikit-learn digits) or an .npz with key 'data' "
                             "(samples x visible units, 0/1); default digits")
    parser.add_argument("--estimates", type=int, default=32, help="independent estimates = replicas (default 32)")
    parser.add_argument("--samples", type=int, default=200, help="samples per estimate (default 200)")
    add_sampling_arguments(parser)
    parser.add_argument("--rao-blackwell", action="store_true",
                        help="RBM: use E[h|v] instead of the sampled hidden units in the model term")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the replicas and the bootstrap (default 0)")
    parser.add_argument("--out", help="directory for snr.json")


def main(args):
    chip = load_chip(args.chip)
    model = load_model(args.model)
    report = gradient_snr(model, chip, args.data, estimates=args.estimates, samples_per_estimate=args.samples,
                          burn_in=args.burn_in, thin=args.thin, beta=args.beta, seed=args.seed,
                          engine=args.engine, rao_blackwell=args.rao_blackwell, n_bootstrap=args.bootstrap,
                          progress=True)  # tqdm bars on stderr, only when it is a terminal
    print(report.summary())
    if args.out:
        path = write_json_atomic(os.path.join(args.out, "snr.json"), report.to_dict())
        print(f"wrote {path}")
    return 0
