"""Embedding chains: the physical p-bits that hold each logical spin, stored as CSR arrays."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import PbitsimError

__all__ = ["Chains", "frozen_int64"]


def frozen_int64(a):
    """A read-only flat int64 copy of ``a``."""
    a = np.array(a, dtype=np.int64).reshape(-1)
    a.setflags(write=False)
    return a


class Chains(Sequence):
    """One chain of physical p-bits per logical spin, stored as CSR ``(ptr, members)``.

    ``chains[i]`` is ``members[ptr[i]:ptr[i+1]]`` (a read-only int64 array,
    sorted); ``len(chains)`` is the number of logical spins.  Built from a list
    of arrays (:meth:`from_lists`) or, for direct placement, one p-bit per spin
    (:meth:`singletons`) without a Python object per spin.
    """

    __slots__ = ("ptr", "members")

    def __init__(self, ptr, members):
        ptr, members = frozen_int64(ptr), frozen_int64(members)
        if ptr.size == 0 or ptr[0] != 0 or ptr[-1] != members.size or np.any(np.diff(ptr) < 1):
            raise PbitsimError("chains: ptr must start at 0, end at len(members) and give non-empty chains")
        self.ptr, self.members = ptr, members

    @classmethod
    def from_lists(cls, chains):
        arrs = [np.sort(np.asarray(c, dtype=np.int64).reshape(-1)) for c in chains]
        lengths = np.array([a.size for a in arrs], dtype=np.int64)
        ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return cls(ptr, np.concatenate(arrs) if arrs else np.zeros(0, dtype=np.int64))

    @classmethod
    def singletons(cls, placement):
        placement = np.asarray(placement, dtype=np.int64).reshape(-1)
        return cls(np.arange(placement.size + 1, dtype=np.int64), placement)

    @property
    def lengths(self) -> np.ndarray:
        """int64 (n_logical,): p-bits per chain."""
        return np.diff(self.ptr)

    def __len__(self):
        return self.ptr.size - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        i = int(i)
        if not -n <= i < n:
            raise IndexError(f"chain index {i} out of range for {n} chains")
        i %= n
        return self.members[self.ptr[i]:self.ptr[i + 1]]

    def __eq__(self, other):
        return (isinstance(other, Chains) and np.array_equal(self.ptr, other.ptr)
                and np.array_equal(self.members, other.members))

    __hash__ = None

    def __repr__(self):
        lengths = self.lengths
        return (f"Chains(n={len(self)}, p-bits={self.members.size}, "
                f"max length={int(lengths.max()) if lengths.size else 0})")
