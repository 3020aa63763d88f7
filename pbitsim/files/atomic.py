"""Atomic file writes: write to a temporary file in the target directory, then rename.

A crash or Ctrl-C never leaves a half-written result behind; readers see the
old file or the new one.
"""
from __future__ import annotations

import json
import os
import tempfile

import numpy as np


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _tmp_in(path, suffix):
    """A temporary file next to ``path``, with the permissions a plain ``open`` would give."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=suffix, dir=d)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())
    return tmp


def save_npz_atomic(path, **arrays):
    """``np.savez`` to ``path`` (``.npz`` appended if missing), atomically; returns the path."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    tmp = _tmp_in(path, ".tmp.npz")
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def save_npy_atomic(path, array):
    """``np.save`` one array to ``path`` (which should end in ``.npy``), atomically; returns the path."""
    path = os.fspath(path)
    tmp = _tmp_in(path, ".tmp.npy")
    try:
        np.save(tmp, array)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def write_text_atomic(path, text):
    """Write a text file atomically."""
    path = os.fspath(path)
    tmp = _tmp_in(path, ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def write_json_atomic(path, obj):
    """JSON (indented, numpy scalars/arrays converted) written atomically."""
    return write_text_atomic(path, json.dumps(obj, indent=2, default=_json_default) + "\n")
