"""Write a whole output directory atomically: fill a temporary sibling, then rename it into place.

On any error (or Ctrl-C) the temporary directory is removed and the target is
left exactly as it was; a non-empty target is replaced only when
``overwrite=True``.

A symbolic link given as the target is kept: the directory it points to is the
one filled or replaced (its temporary sibling lives next to the real folder, so
the final rename stays on one file system). A folder without write permission
is refused, never swapped for a writable one. Permission is judged from the
mode bits as well as :func:`os.access`, because ``root`` passes every access
check yet a ``chmod 555`` folder still says "do not write here".
"""
from __future__ import annotations

import os
import secrets
import shutil
import stat

from ..errors import PbitsimError


def _writable(path) -> bool:
    """Writable by this process and carrying at least one write permission bit."""
    st = os.stat(path)
    return os.access(path, os.W_OK | os.X_OK) and bool(st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _nearest_existing(path) -> str:
    parent = os.path.dirname(path)
    while parent and not os.path.exists(parent):
        up = os.path.dirname(parent)
        if up == parent:
            break
        parent = up
    return parent or os.sep


def check_target(out_dir, overwrite) -> str:
    """The real absolute path to fill for ``out_dir`` (symbolic links resolved); raises on a bad target.

    Refused: an existing file; a non-empty directory without ``overwrite``; a
    directory, or the folder that would hold it, without write permission.
    Nothing is created or changed.
    """
    shown = os.fspath(out_dir)
    path = os.path.realpath(os.path.abspath(shown))
    if os.path.exists(path) and not os.path.isdir(path):
        raise PbitsimError(f"output directory {shown} exists and is not a directory")
    if os.path.isdir(path):
        n = len(os.listdir(path))
        if n and not overwrite:
            raise PbitsimError(f"output directory {shown} is not empty ({n} entries); "
                               "choose another directory or pass overwrite=True (--overwrite) to replace it")
        if not _writable(path):
            mode = stat.S_IMODE(os.stat(path).st_mode)
            raise PbitsimError(f"output directory {shown} is not writable (mode {mode:o}); "
                               "choose another directory or change its permissions")
    parent = _nearest_existing(path)
    if not os.path.isdir(parent):
        raise PbitsimError(f"output directory {shown}: {parent} is not a directory")
    if not _writable(parent):
        mode = stat.S_IMODE(os.stat(parent).st_mode)
        raise PbitsimError(f"output directory {shown}: cannot create it in {parent} (not writable, mode {mode:o})")
    return path


def _sibling(path, tag):
    parent, base = os.path.split(path)
    while True:
        cand = os.path.join(parent, f".{base}.{tag}-{secrets.token_hex(4)}")
        if not os.path.lexists(cand):
            return cand


def write_directory(out_dir, fill, *, overwrite=False) -> str:
    """Create (or with ``overwrite`` replace) ``out_dir`` holding what ``fill(tmp_dir)`` writes.

    Returns the absolute path of the directory written: ``out_dir`` itself, or
    the folder it links to when it is a symbolic link (the link is kept).
    """
    path = check_target(out_dir, overwrite)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = _sibling(path, "tmp")
    os.mkdir(tmp)
    try:
        if os.path.isdir(path):  # keep the folder's permissions
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        fill(tmp)
        _move_into_place(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path


def _move_into_place(tmp, path):
    """Rename ``tmp`` to ``path`` (a real path, no link), setting aside and then removing an old folder."""
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
