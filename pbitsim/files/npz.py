"""Opening user ``.npz`` files with errors that name the file (never a zipfile traceback)."""
from __future__ import annotations

import os

import numpy as np


def open_npz(path, error_cls, what="model"):
    """``np.load`` an ``.npz`` archive (no pickles) or raise ``error_cls`` naming ``path``.

    Use as a context manager: ``with open_npz(path, ModelError) as data: ...``.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise error_cls(f"{path}: no such {what} file")
    try:
        data = np.load(path, allow_pickle=False)
    except Exception as exc:  # zipfile / pickle / value errors from numpy
        raise error_cls(f"{path}: not a readable .npz file ({exc})") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise error_cls(f"{path}: not an .npz archive (a single array?); see the documented keys")
    return data
