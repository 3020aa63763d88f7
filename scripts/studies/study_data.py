"""Shared data of the mixing studies: binarised digits, downsampled to a few pixels for exact spectra.

Imported by the study scripts in this folder (``tau_mistiming.py``, ``planted_modes.py``,
``reversibility.py``); not a library module.
"""
from __future__ import annotations

import numpy as np

from pbitsim.training.digits import load_binary_digits

FIGURES = "docs/figures"


def downsampled_digits(n_pixels=8, *, on_fraction=0.75, return_labels=False):
    """Binarised digits pooled 2x2 (8x8 -> 4x4; on when ``>= on_fraction`` of the block is on), then the
    ``n_pixels`` most variable pixels (8: the two central columns of the 4x4 image).

    Returns ``(N, n_pixels)`` uint8 (and the labels ``(N,)`` if asked); the kept 4x4 pixel indices
    are sorted, ``index = 4 * row + col``.
    """
    x, y = load_binary_digits(return_labels=True)
    pooled = x.reshape(-1, 4, 2, 4, 2).mean(axis=(2, 4)).reshape(-1, 16) >= on_fraction
    var = pooled.var(axis=0)
    keep = np.sort(np.argsort(-var, kind="stable")[:n_pixels])
    out = pooled[:, keep].astype(np.uint8)
    return (out, y) if return_labels else out


def save_figure(fig, path):
    """Save a matplotlib figure as PNG atomically (temp file + rename) and close it; returns the path."""
    import os
    import tempfile

    import matplotlib.pyplot as plt

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=os.path.dirname(os.path.abspath(path)))
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120, bbox_inches="tight", format="png")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
        plt.close(fig)
    return path


def spin_symmetric(rbm):
    """The RBM with the same couplings and every spin field zero (``b = -rowsum(W)/2``, ``c = -colsum(W)/2``)."""
    from pbitsim import RBM

    return RBM(rbm.W, -rbm.W.sum(axis=1) / 2.0, -rbm.W.sum(axis=0) / 2.0)
