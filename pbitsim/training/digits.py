r"""Training data: scikit-learn's 8x8 handwritten digits, binarized, and user data sets.

``load_digits()`` of scikit-learn ships with the library (1,797 images of 8x8
pixels with grey levels 0..16); nothing is downloaded.  A pixel is on (1) when
its grey level is at least ``threshold`` (default 8, half scale), giving
``(1797, 64)`` uint8 rows, pixel ``8*row + col``.

:func:`load_data` resolves what the ``data`` argument of
:func:`pbitsim.gradient_snr`, training and the CLI accept: ``"digits"``, a
``.npz`` file holding key ``data`` (samples x n_visible, 0/1), or an array.
"""
from __future__ import annotations

import os
from importlib import resources

import numpy as np

from ..errors import PbitsimError

__all__ = ["load_binary_digits", "load_data", "demo_rbm_path", "DIGITS_PIXELS"]

DIGITS_PIXELS = 64


def load_binary_digits(*, threshold=8, n_samples=None, seed=None, return_labels=False):
    """Binarized 8x8 digits: ``(N, 64)`` uint8, pixel on when its grey level ``>= threshold``.

    Parameters
    ----------
    threshold : int
        Grey level (0..16) from which a pixel is 1.
    n_samples : int, optional
        Keep this many images (a random subset if ``seed`` is given, else the first).
    seed : int, optional
        Shuffle before taking the subset.
    return_labels : bool
        Also return the digit labels ``(N,)`` int64.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - the `learn` extra is missing
        raise PbitsimError("the digits data set needs scikit-learn: pip install 'pbitsim[learn]'") from None
    bunch = load_digits()
    x = (bunch.data >= threshold).astype(np.uint8)
    y = bunch.target.astype(np.int64)
    idx = np.arange(x.shape[0])
    if seed is not None:
        idx = np.random.default_rng(seed).permutation(idx)
    if n_samples is not None:
        if not 1 <= n_samples <= x.shape[0]:
            raise PbitsimError(f"n_samples must be in 1..{x.shape[0]}, got {n_samples}")
        idx = idx[:n_samples]
    return (x[idx], y[idx]) if return_labels else x[idx]


def _validate(x, source, n_columns):
    x = np.asarray(x)
    if x.ndim != 2:
        raise PbitsimError(f"{source}: data must be 2-D (samples x units), got shape {x.shape}")
    if x.shape[0] == 0:
        raise PbitsimError(f"{source}: data has no rows")
    if n_columns is not None and x.shape[1] != n_columns:
        raise PbitsimError(f"{source}: data has {x.shape[1]} columns but the model has "
                           f"{n_columns} visible units")
    if not np.issubdtype(x.dtype, np.number) and x.dtype != bool:
        raise PbitsimError(f"{source}: data must be numeric, got dtype {x.dtype}")
    values = np.unique(x)
    if np.all(np.isin(values, (0, 1))):
        return x.astype(np.uint8)
    if np.all(np.isin(values, (-1, 1))):
        return ((x.astype(np.int64) + 1) // 2).astype(np.uint8)
    raise PbitsimError(f"{source}: data must hold 0/1 (or ±1) values; found {values[:5].tolist()}")


def load_data(spec, n_columns=None):
    """Binary data ``(N, n_columns)`` uint8 from ``"digits"``, a ``.npz`` path (key ``data``) or an array.

    ±1 data are mapped to 0/1.  Errors name the file and the problem.
    """
    if isinstance(spec, str) and spec == "digits":
        x = load_binary_digits()
        return _validate(x, "digits", n_columns)
    if isinstance(spec, (str, os.PathLike)):
        path = os.fspath(spec)
        if not os.path.exists(path):
            raise PbitsimError(f"{path}: no such data file (give 'digits' or an .npz with key 'data')")
        try:
            archive = np.load(path, allow_pickle=False)
        except Exception as exc:  # zip / format errors from numpy
            raise PbitsimError(f"{path}: not a readable .npz file ({exc})") from None
        if not hasattr(archive, "files"):
            raise PbitsimError(f"{path}: not an .npz archive (a .npy array?); save with np.savez(path, data=x)")
        with archive:
            if "data" not in archive.files:
                raise PbitsimError(f"{path}: no key 'data' in the archive (keys: {sorted(archive.files)})")
            x = archive["data"]
        return _validate(x, path, n_columns)
    return _validate(spec, "data", n_columns)


def demo_rbm_path():
    """Path of the shipped demo RBM (64 visible digit pixels, trained by ``scripts/train_demo_rbm.py``)."""
    return str(resources.files("pbitsim").joinpath("data", "demo_rbm.npz"))
