"""`pbitsim train CHIP --out weights.npz`: train an RBM by persistent CD with the chip as sampler."""
from __future__ import annotations

import argparse
import os
import sys

from ..chip.spec import load_chip
from ..errors import PbitsimError
from ..training.pcd import train_ising, train_rbm
from . import add_chip_argument

HELP = "train an RBM (or a sparse Ising model) on binarized digits or your data by PCD, sampling on a chip"


def add_arguments(parser):
    add_chip_argument(parser)
    parser.add_argument("--out", required=True, help="weights file to write (.npz: W, b, c, or J_row/J_col/"
                        "J_val/h with --ising); the "
                        "per-epoch log goes next to it as <name>.history.json")
    parser.add_argument("--epochs", type=int, default=5, help="epochs (default 5)")
    parser.add_argument("--hidden", type=int, default=10, help="hidden units (default 10)")
    parser.add_argument("--ising", action="store_true",
                        help="train a sparse fully visible Boltzmann machine instead, couplings on the chip "
                             "graph among p-bits 0..n-1 (all pairs on a chip with topology kind 'model')")
    parser.add_argument("--data", default="digits", help="'digits' or an .npz with key 'data' (default digits)")
    parser.add_argument("--subset", type=int, help="train on the first N rows only")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1)")
    parser.add_argument("--batch", type=int, default=32, help="minibatch size (default 32)")
    parser.add_argument("--replicas", type=int,
                        help="persistent replicas, the negative-phase Markov chains (default: the batch size)")
    parser.add_argument("--chains", type=int, dest="deprecated_chains", help=argparse.SUPPRESS)  # old --replicas
    parser.add_argument("--sweeps", type=int, default=1, help="chip sweeps per update, PCD-k (default 1)")
    parser.add_argument("--momentum", type=float, default=0.5, help="momentum (default 0.5)")
    parser.add_argument("--snr-estimates", type=int, default=16,
                        help="independent replicas for the per-epoch Qhat (default 16; 0 disables)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _format_history(history):
    first = "recon err" if "recon_error" in history[0] else "pseudo-LL"
    lines = [f"{'epoch':>5s}  {first:>10s}  {'log-lik':>10s}  {'Qhat':>10s}  {'Q':>10s}  {'wall s':>7s}"]
    for h in history:
        ll = "-" if h.get("log_likelihood") is None else (
            f"{h['log_likelihood']:.4f}" + (" (AIS)" if h.get("ll_method") == "ais" else ""))
        col = h.get("recon_error", h.get("pseudo_log_likelihood"))
        q_hat = f"{h['q_hat']:.4g}" if "q_hat" in h else "-"
        q = f"{h['q']:.4g}" if "q" in h else "-"
        lines.append(f"{h['epoch']:5d}  {col:10.5f}  {ll:>10s}  {q_hat:>10s}  {q:>10s}  {h['wall_s']:7.1f}")
    return "\n".join(lines)


def main(args):
    chip = load_chip(args.chip)
    data = args.data
    if args.subset is not None:
        from ..training.digits import load_data

        if args.subset < 1:
            raise PbitsimError(f"--subset must be >= 1, got {args.subset}")
        data = load_data(data)[:args.subset]
    if not args.out.endswith(".npz"):
        raise PbitsimError(f"--out must name an .npz file, got {args.out!r}")
    replicas = args.replicas
    if args.deprecated_chains is not None:  # the old name, documented in docs/cli.md
        print("pbitsim train: note: --chains is deprecated, use --replicas", file=sys.stderr)
        replicas = args.deprecated_chains if replicas is None else replicas
    common = dict(epochs=args.epochs, lr=args.lr, batch_size=args.batch, replicas=replicas,
                  sweeps_per_update=args.sweeps, momentum=args.momentum, snr_estimates=args.snr_estimates,
                  seed=args.seed, progress=not args.no_progress)
    if args.ising:
        result = train_ising(data, chip, **common)
    else:
        result = train_rbm(data, args.hidden, chip, **common)
    history_path = args.out[:-4] + ".history.json"
    path = result.save(args.out, history_path=history_path)
    print(_format_history(result.history))
    print(f"wrote {path} and {os.path.basename(history_path)}")
    return 0
