"""Train the shipped demo RBM: 64 visible (binarized 8x8 digits) x 10 hidden, PCD on the ideal chip.

Writes ``pbitsim/data/demo_rbm.npz`` (keys W, b, c; ``pbitsim.load_model`` reads
it, ``pbitsim.training.digits.demo_rbm_path()`` finds it) and prints the per-epoch log:
reconstruction error, exact log-likelihood (10 hidden units: log Z summed over
the hidden layer exactly), and Qhat / Q of a 100-sample gradient estimate on the
ideal chip.  Runs in well under a minute on a laptop core.

    python scripts/train_demo_rbm.py [--epochs 20] [--hidden 10] [--seed 0] [--out PATH]
"""
from __future__ import annotations

import argparse
import os
import time

from pbitsim.commands.train import _format_history
from pbitsim.training.digits import load_binary_digits
from pbitsim.training.pcd import train_rbm

DEFAULT_OUT = os.path.join(os.path.dirname(__file__), os.pardir, "pbitsim", "data", "demo_rbm.npz")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--hidden", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--lr-final", type=float, default=0.01)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--history", help="also write the per-epoch log as JSON here")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    data = load_binary_digits()
    result = train_rbm(data, n_hidden=args.hidden, chip="ideal", epochs=args.epochs, lr=args.lr,
                       batch_size=args.batch, lr_final=args.lr_final, seed=args.seed, snr_estimates=16, snr_samples=100,
                       progress=True)
    path = result.save(os.path.normpath(args.out), history_path=args.history)
    print(_format_history(result.history))
    print(f"wrote {path} ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
