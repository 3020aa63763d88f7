"""Write a whole output directory atomically: fill a temporary sibling, then rename it into place.

On any error the temporary directory is removed and the target is left exactly
as it was; a non-empty target is replaced only when ``overwrite=True``.
"""
from __future__ import annotations

import os
import secrets
import shutil

from ..errors import PbitsimError


def check_target(out_dir, overwrite) -> str:
    """Absolute path of ``out_dir``; raises if it is a file, or a non-empty directory without ``overwrite``."""
    path = os.path.abspath(os.fspath(out_dir))
    if os.path.exists(path) and not os.path.isdir(path):
        raise PbitsimError(f"output directory {out_dir!s} exists and is not a directory")
    if os.path.isdir(path) and os.listdir(path) and not overwrite:
        raise PbitsimError(f"output directory {out_dir!s} is not empty ({len(os.listdir(path))} entries); "
                           "choose another directory or pass overwrite=True (--overwrite) to replace it")
    return path


def _sibling(path, tag):
    parent, base = os.path.split(path)
    while True:
        cand = os.path.join(parent, f".{base}.{tag}-{secrets.token_hex(4)}")
        if not os.path.exists(cand):
            return cand


def write_directory(out_dir, fill, *, overwrite=False) -> str:
    """Create ``out_dir`` holding what ``fill(tmp_dir)`` writes; returns its absolute path."""
    path = check_target(out_dir, overwrite)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = _sibling(path, "tmp")
    os.mkdir(tmp)
    try:
        fill(tmp)
        _move_into_place(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _move_into_place(tmp, path):
    if not os.path.exists(path):
        os.rename(tmp, path)
        return
    if not os.listdir(path):
        os.rmdir(path)
        os.rename(tmp, path)
        return
    old = _sibling(path, "old")
    os.rename(path, old)
    try:
        os.rename(tmp, path)
    except BaseException:
        os.rename(old, path)
        raise
    shutil.rmtree(old, ignore_errors=True)
