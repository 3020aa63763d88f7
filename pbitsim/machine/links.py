r"""Inter-chip links of a partitioned model: routes, boundary traffic, and what each synapse reads.

Read model (``docs/multichip.md``)
----------------------------------
P-bit ``i`` on chip ``b`` reads a neighbour ``j`` on chip ``a != b`` through
the route ``a -> ... -> b`` (the links of least total latency; fewest hops on
ties).  With the route's latency ``L`` (sum over its links), its serialization
delay ``S`` (sum over its links of *boundary spins the link carries per
direction / its bandwidth*), the synapse delay ``d_ij`` and the machine's
exchange period ``P``, an update of ``i`` at time ``t`` reads ``y_j`` as of

    ``tau = floor((t - d_ij - L - S) / P) * P``   (``P > 0``, batched), or
    ``tau = t - d_ij - L - S``                    (``P = 0``, every update),

as a left limit (a change at exactly ``tau`` is not seen).  Snapshots are taken
at ``k P`` on the common machine clock and arrive ``L + S`` later.  On-chip
reads are unchanged (``tau = t - d_ij``).  Zero ``L``, ``S`` and ``P`` give the
single-chip reads exactly.

Kernel arrays
-------------
:meth:`LinkPlan.kernel_delays` packs ``(d + L + S, P)`` per CSR entry into one
float64 array of length ``2 nnz`` (first half: the read age before quantization;
second half: the exchange period, 0 on-chip) that the history reads of
:mod:`pbitsim.kernels.event_reads` understand.  :meth:`LinkPlan.read_split`
orders each CSR row on-chip entries first, so that the event kernel reads the
on-chip part as on one chip (cached or FIFO-delayed inputs) and only the
cross-chip part through the ring buffers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["LinkPlan", "plan_links"]


@dataclass(frozen=True, eq=False)
class LinkPlan:
    """Routes and per-synapse link delays of a partitioned program (CSR order of ``program.physical``).

    Attributes
    ----------
    offset_ns : float64 (nnz,)
        ``L + S`` of the route the entry reads through (0 on-chip).
    period_ns : float64 (nnz,)
        Exchange period ``P`` on cross-chip entries (0 on-chip, or everywhere for ``every_update``).
    exchange_period_ns : float
        The machine's ``P``.
    hops : list of dict
        One row per link direction: ``from``, ``to``, ``latency_ns``, ``bandwidth_spins_per_ns``,
        ``boundary_spins`` (states it carries, summed over the routes through it),
        ``serialization_ns`` (``boundary_spins / bandwidth``), ``needed_spins_per_ns`` (``boundary_spins / P``,
        or ``/ update_interval_ns`` for ``every_update``) and ``utilisation`` (needed / bandwidth).
    update_interval_ns : float
        Mean time between two updates of one p-bit (the rate boundary states change at most).
    cross : bool (nnz,)
        The entry reads a neighbour on another chip.
    """

    offset_ns: np.ndarray
    period_ns: np.ndarray
    exchange_period_ns: float
    hops: list
    update_interval_ns: float
    cross: np.ndarray

    def kernel_delays(self, synapse_delay_ns) -> np.ndarray:
        """float64 (2 nnz,): ``[synapse delay + L + S, P]`` per CSR entry (module docstring)."""
        d = np.asarray(synapse_delay_ns, dtype=np.float64)
        return np.ascontiguousarray(np.concatenate([d + self.offset_ns, self.period_ns]))

    def read_split(self, indptr, indices):
        """``(order int64 (nnz,), split int64 (n,), any_linked)``: each row's entries that read as on one chip
        first, then those that read through a link.

        An entry reads through a link when its read age offset ``L + S`` or its period ``P`` is not 0, in
        either direction of its coupling (so the on-chip parts of the rows form a symmetric pattern, as the
        cached inputs need); cross-chip entries of ideal links (``L = S = P = 0``) read as on one chip.
        ``order`` permutes CSR entries (stable: each part keeps the CSR order), ``split[i]`` is the first
        linked entry of row ``i`` in the permuted order (``indptr[i + 1]`` if none).
        """
        n = indptr.shape[0] - 1
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
        linked = (self.offset_ns > 0) | (self.period_ns > 0)
        if linked.any():
            keys = rows * n + indices
            o = np.argsort(keys, kind="stable")
            mirror = o[np.searchsorted(keys, indices.astype(np.int64) * n + rows, sorter=o)]
            linked |= linked[mirror]
        order = np.lexsort((linked, rows)).astype(np.int64)
        split = np.asarray(indptr[:-1], dtype=np.int64) + np.bincount(rows[~linked], minlength=n)
        return order, np.ascontiguousarray(split, dtype=np.int64), bool(linked.any())

    def max_read_age_ns(self, synapse_delay_ns) -> float:
        """The oldest state any read can need: ``max(d + L + S + P)`` (sizes the history ring buffers)."""
        d = np.asarray(synapse_delay_ns, dtype=np.float64)
        return float((d + self.offset_ns + self.period_ns).max()) if d.size else 0.0

    def report(self) -> dict:
        """JSON-ready: exchange period, link directions with their traffic, the worst utilisation."""
        util = [h["utilisation"] for h in self.hops]
        return {"exchange_period_ns": self.exchange_period_ns, "update_interval_ns": self.update_interval_ns,
                "links": [dict(h) for h in self.hops], "max_utilisation": max(util) if util else 0.0,
                "oversubscribed": [f"{h['from']}->{h['to']}" for h in self.hops if h["utilisation"] > 1.0],
                "max_link_delay_ns": float(self.offset_ns.max()) if self.offset_ns.size else 0.0}


def _routes(K, links):
    """Next-hop predecessor matrix of least-latency routes (ties: fewer hops, then lower index)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    a = np.array([ln.a for ln in links], dtype=np.int64)
    b = np.array([ln.b for ln in links], dtype=np.int64)
    w = np.array([ln.latency_ns for ln in links], dtype=np.float64) + 1e-9  # a tiny per-hop cost: fewer hops
    _, pred = shortest_path(csr_matrix((w, (a, b)), shape=(K, K)), method="D", directed=False,
                            return_predecessors=True)  # sparse: dense input would drop tiny weights
    return pred


def _path(pred, a, b):
    """Chips visited from ``a`` to ``b`` (inclusive)."""
    out = [b]
    while out[-1] != a:
        out.append(int(pred[a, out[-1]]))
    return out[::-1]


def plan_links(machine, partition, indptr, indices, update_interval_ns) -> LinkPlan:
    """Routes, per-link boundary traffic and per-entry read offsets of ``partition`` on ``machine``.

    ``indptr``/``indices``: the symmetric CSR the engine runs (``program.physical.csr()``), row ``i``
    reading column ``indices[k]``.  ``update_interval_ns``: the mean time between updates of one
    p-bit (its neuron time, or one clock period over all colours).
    """
    K, part = machine.count, partition.part
    n = indptr.shape[0] - 1
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    src, dst = part[indices], part[rows]        # entry k: chip src[k] sends y_j to chip dst[k]
    P = float(machine.exchange_period_ns)
    link_of = {}
    for ln in machine.links:
        link_of[(ln.a, ln.b)] = link_of[(ln.b, ln.a)] = ln
    boundary = {}                              # (a, b) -> distinct p-bits of a read by chip b
    cross = src != dst
    if np.any(cross):
        keys = np.unique(np.stack([src[cross], dst[cross], indices[cross].astype(np.int64)]), axis=1)
        pairs, counts = np.unique(keys[:2], axis=1, return_counts=True)
        boundary = {(int(a), int(b)): int(c) for (a, b), c in zip(pairs.T, counts)}
    pred = _routes(K, machine.links) if boundary else None
    paths = {ab: _path(pred, *ab) for ab in boundary}
    carried = {}
    for ab, c in boundary.items():
        p = paths[ab]
        for x, y in zip(p[:-1], p[1:]):
            carried[(x, y)] = carried.get((x, y), 0) + c
    hops = []
    ser = {}
    for ln in machine.links:
        for x, y in ((ln.a, ln.b), (ln.b, ln.a)):
            c = carried.get((x, y), 0)
            bw = ln.bandwidth_spins_per_ns
            ser[(x, y)] = 0.0 if (c == 0 or math.isinf(bw)) else c / bw
            need = c / P if P > 0 else c / update_interval_ns
            hops.append({"from": x, "to": y, "latency_ns": float(ln.latency_ns), "bandwidth_spins_per_ns": float(bw),
                         "boundary_spins": int(c), "serialization_ns": float(ser[(x, y)]),
                         "needed_spins_per_ns": float(need), "utilisation": 0.0 if math.isinf(bw) else need / bw})
    route_delay = np.zeros((K, K))
    for ab, p in paths.items():
        route_delay[ab] = sum(link_of[(x, y)].latency_ns + ser[(x, y)] for x, y in zip(p[:-1], p[1:]))
    offset = np.where(cross, route_delay[src, dst], 0.0)
    period = np.where(cross, P, 0.0)
    return LinkPlan(np.ascontiguousarray(offset, dtype=np.float64), np.ascontiguousarray(period, dtype=np.float64),
                    P, hops, float(update_interval_ns), cross)
