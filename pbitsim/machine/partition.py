r"""Partition a model's coupling graph over the chips of a machine (METIS k-way, minimum cut).

Every coupling between p-bits on different chips crosses a link, so the
partitioner minimises the number of cut couplings subject to balanced loads
(METIS' k-way partitioner through ``pymetis``, load imbalance at most
:data:`UFACTOR` per mille, tighter when the chips' capacity needs it;
deterministic for a given ``seed``).  The quality
number the multi-chip literature uses is the boundary-exchange ratio

    ``eta = cut couplings / all couplings``.

Capacity is checked before METIS runs (``n <= K * capacity``, ``K <= n``) and
again on the loads it returns.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import PbitsimError

__all__ = ["Partition", "partition_model", "check_fits_machine", "UFACTOR"]

#: METIS load-imbalance tolerance: the largest part holds at most (1 + UFACTOR/1000) * n / K p-bits
UFACTOR = 30


@dataclass(frozen=True, eq=False)
class Partition:
    """Which chip holds each p-bit, and how good the cut is.

    Attributes
    ----------
    part : int64 ndarray (n,)
        Chip of each p-bit (0..K-1).
    n_chips : int
    n_edges, cut_edges : int
        Couplings (undirected, ``J_ij != 0``) in all and across chips.
    load : int64 ndarray (K,)
        P-bits per chip.
    seed : int
        The METIS seed.
    """

    part: np.ndarray
    n_chips: int
    n_edges: int
    cut_edges: int
    load: np.ndarray
    seed: int

    @property
    def eta(self) -> float:
        """Boundary-exchange ratio: cut couplings / all couplings (0 without couplings)."""
        return self.cut_edges / self.n_edges if self.n_edges else 0.0

    def report(self) -> dict:
        """JSON-ready numbers: chips, couplings, cut, eta, per-chip load, imbalance, seed."""
        mean = self.load.mean() if self.load.size else 0.0
        return {"n_chips": int(self.n_chips), "n_edges": int(self.n_edges), "cut_edges": int(self.cut_edges),
                "eta": float(self.eta), "load": [int(x) for x in self.load],
                "imbalance": float(self.load.max() / mean) if mean else 1.0, "seed": int(self.seed)}


def check_fits_machine(n, machine) -> None:
    """Refuse before any work: more chips than p-bits, or more p-bits than the chips hold."""
    K, cap = machine.count, machine.capacity
    if K > n:
        raise PbitsimError(f"machine {machine.name!r} has {K} chips but the model has only {n} p-bits: "
                           "every chip needs at least one; use fewer chips")
    if cap is not None and n > K * cap:
        raise PbitsimError(f"model has {n} p-bits, machine {machine.name!r} holds {K} x {cap} = {K * cap}: "
                           "the partition cannot fit the chips' capacity; add chips or raise [chips] capacity")


def partition_model(indptr, indices, n_chips, *, seed=0, capacity=None, name="machine") -> Partition:
    """Minimum-cut balanced partition of a symmetric CSR coupling pattern into ``n_chips`` parts.

    Parameters
    ----------
    indptr int64 (n+1,), indices int32/int64 (nnz,)
        Symmetric pattern (both directions of every coupling, no diagonal).
    n_chips : int
        ``1 <= n_chips <= n``.
    seed : int
        METIS seed: the same graph and seed give the same partition.
    capacity : int or None
        P-bits per chip; a part above it is an error naming the chip.
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    indices = np.asarray(indices, dtype=np.int64)
    n = indptr.shape[0] - 1
    K = int(n_chips)
    if not 1 <= K <= max(n, 1):
        raise PbitsimError(f"cannot split {n} p-bits over {K} chips")
    n_edges = int(indices.shape[0] // 2)
    if K == 1:
        part = np.zeros(n, dtype=np.int64)
    elif n_edges == 0:
        part = (np.arange(n, dtype=np.int64) * K) // n      # no couplings: contiguous equal blocks
    else:
        import pymetis

        ufactor = UFACTOR
        if capacity is not None:  # tighten the balance so the largest part fits a chip
            ufactor = max(1, min(UFACTOR, int(math.floor((capacity * K / n - 1.0) * 1000.0))))
        opts = pymetis.Options(seed=int(seed) & 0x7FFFFFFF, ufactor=ufactor)
        res = pymetis.part_graph(K, adjacency=pymetis.CSRAdjacency(indptr, indices), options=opts)
        part = np.asarray(res.vertex_part, dtype=np.int64)
        part = _fill_empty(part, K, indptr, indices)
        if capacity is not None and n <= K * capacity:
            part = _fit_capacity(part, K, capacity, indptr, indices)
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    cut = int(np.count_nonzero(part[rows] != part[indices]) // 2)
    load = np.bincount(part, minlength=K).astype(np.int64)
    if capacity is not None and load.max(initial=0) > capacity:
        k = int(np.argmax(load))
        raise PbitsimError(f"machine {name!r}: the partition puts {int(load[k])} p-bits on chip {k}, above its "
                           f"capacity {capacity} (METIS balances loads only approximately); raise "
                           "[chips] capacity or add chips")
    return Partition(part, K, n_edges, cut, load, int(seed))


def _fill_empty(part, K, indptr, indices):
    """METIS may leave a part empty on tiny graphs: move one p-bit from the largest part into each empty one
    (the one with the fewest neighbours there, lowest index first; deterministic)."""
    load = np.bincount(part, minlength=K)
    for k in np.flatnonzero(load == 0):
        big = int(np.argmax(load))
        members = np.flatnonzero(part == big)
        deg = np.array([np.count_nonzero(part[indices[indptr[i]:indptr[i + 1]]] == big) for i in members])
        i = int(members[np.argmin(deg)])
        part[i] = k
        load[big] -= 1
        load[k] += 1
    return part


def _fit_capacity(part, K, capacity, indptr, indices):
    """Move p-bits out of parts above ``capacity`` into parts below it, those with the most neighbours
    there first (the smallest cut increase); a few batched passes, deterministic."""
    rows = np.repeat(np.arange(part.shape[0], dtype=np.int64), np.diff(indptr))
    for _ in range(4 * K):
        load = np.bincount(part, minlength=K)
        over = np.flatnonzero(load > capacity)
        if over.size == 0:
            break
        a = int(over[0])
        room = capacity - load
        room[a] = 0
        # neighbours of every p-bit in each part: (n, K) counts would be big; only members of a matter
        members = np.flatnonzero(part == a)
        sel = part[rows] == a
        r, c = rows[sel], part[indices[sel]]
        best_b, best = -1, None
        for b in np.flatnonzero(room > 0):
            gain = np.zeros(part.shape[0], dtype=np.int64)
            np.add.at(gain, r[c == b], 1)
            np.add.at(gain, r[c == a], -1)
            g = gain[members]
            score = np.sort(g)[::-1][:min(load[a] - capacity, room[b])].sum()
            if best is None or score > best:
                best_b, best = int(b), score
        gain = np.zeros(part.shape[0], dtype=np.int64)
        np.add.at(gain, r[c == best_b], 1)
        np.add.at(gain, r[c == a], -1)
        k = int(min(load[a] - capacity, room[best_b]))
        order = members[np.argsort(-gain[members], kind="stable")[:k]]
        part[order] = best_b
    return part
