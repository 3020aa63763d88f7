"""Opening user ``.npz`` files with errors that name the file (never a zipfile or numpy traceback).

``np.load`` guesses the format from the first bytes: a zip header means an
``.npz`` archive, ``\\x93NUMPY`` a single ``.npy`` array, anything else a
pickle (which, with ``allow_pickle=False``, it reports as "contains pickled
data" even for random bytes). :func:`open_npz` looks at the header itself and
says what the file is; :class:`NpzArchive` reads members with errors that
name the file and the key (object arrays, damaged members).
"""
from __future__ import annotations

import os

import numpy as np

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or an empty archive
_NPY_MAGIC = b"\x93NUMPY"


class NpzArchive:
    """Read-only view of an open ``np.load`` archive whose reads raise ``error_cls`` naming file and key.

    Supports ``files``, ``archive[key]``, ``key in archive`` and ``with``.
    """

    def __init__(self, data, path, error_cls):
        self._data = data
        self.path = path
        self._error_cls = error_cls
        self.files = list(data.files)

    def __getitem__(self, key):
        if key not in self.files:
            raise self._error_cls(f"{self.path}: no key {key!r} (keys: {', '.join(self.files) or 'none'})")
        try:
            return self._data[key]
        except ValueError as exc:
            if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
                raise self._error_cls(f"{self.path}: key {key!r} holds Python objects (an object array); "
                                      "store plain numeric arrays") from None
            raise self._error_cls(f"{self.path}: key {key!r} cannot be read ({exc})") from None
        except Exception as exc:  # damaged member: zipfile CRC / EOF / format errors
            raise self._error_cls(f"{self.path}: key {key!r} is damaged ({type(exc).__name__}: {exc})") from None

    def __contains__(self, key):
        return key in self.files

    def __iter__(self):
        return iter(self.files)

    def close(self):
        self._data.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def open_npz(path, error_cls, what="model") -> NpzArchive:
    """Open an ``.npz`` archive (no pickles) or raise ``error_cls`` naming ``path`` and what it is instead.

    Use as a context manager: ``with open_npz(path, ModelError) as data: data["J"]``.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise error_cls(f"{path}: is a directory, not a {what} file")
    if not os.path.isfile(path):
        raise error_cls(f"{path}: no such {what} file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(6)
    except OSError as exc:
        raise error_cls(f"{path}: cannot read the {what} file ({exc.strerror or exc})") from None
    if head.startswith(_NPY_MAGIC):
        raise error_cls(f"{path}: a single .npy array, not an .npz archive; save the {what} with "
                        "np.savez(path, key=array, ...)")
    if not head.startswith(_ZIP_MAGIC):
        raise error_cls(f"{path}: not a valid .npz archive (no zip header; "
                        f"{'empty file' if not head else 'starts with ' + repr(head[:4])})")
    try:
        data = np.load(path, allow_pickle=False)
    except Exception as exc:  # damaged zip directory, truncated file
        raise error_cls(f"{path}: not a valid .npz archive ({type(exc).__name__}: {exc})") from None
    if not isinstance(data, np.lib.npyio.NpzFile):  # pragma: no cover - guarded by the header check
        raise error_cls(f"{path}: not an .npz archive")
    return NpzArchive(data, path, error_cls)
