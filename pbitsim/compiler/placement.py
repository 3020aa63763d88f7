"""Direct placement: one p-bit per logical spin, every coupling on a chip edge.

Three ways, tried by :func:`pbitsim.compile` in this order:

1. **identity** -- spin ``i`` on chip node ``i`` when every coupled pair is a
   chip edge (a model trained on the chip graph, e.g. the sparse DBM);
2. **mapping** -- a user-given map logical spin -> chip node (dict or array);
3. **subgraph** -- a subgraph monomorphism (non-induced subgraph isomorphism)
   of the model's coupling graph into the chip graph, searched with the Glasgow
   subgraph solver shipped in minorminer (``minorminer.subgraph``) under a
   time limit, after cheap necessary checks (sizes, degrees).

The result is ``placement``: int64 ``(n_logical,)`` of chip nodes, injective.

The chip graph is a :class:`~pbitsim.topologies.arrays.TopologyArrays` (or a
networkx graph); the identity and mapping checks are vectorised binary searches
in its sorted edge keys, and :func:`identity_layout` builds the layout of the
identity placement directly (no per-spin Python objects), so a 10^6-p-bit chip
is placed in a fraction of a second.  Only the subgraph search needs the
networkx view.
"""
from __future__ import annotations

import math
import time

import networkx as nx
import numpy as np

from ..errors import TopologyError
from ..topologies.arrays import TopologyArrays
from .chains import Chains

__all__ = ["check_fits", "identity_fits", "identity_layout", "missing_edges", "mapping_placement",
           "subgraph_placement"]


def _has_edges(G, u, v) -> np.ndarray:
    """bool per pair: ``(u[k], v[k])`` is an edge of ``G`` (TopologyArrays or networkx graph)."""
    if isinstance(G, TopologyArrays):
        return G.has_edges(u, v)
    return np.array([G.has_edge(int(a), int(b)) for a, b in zip(u, v)], dtype=bool)


def _as_networkx(G):
    return G.to_networkx() if isinstance(G, TopologyArrays) else G


def check_fits(n_logical, n_chip, chip_name):
    """Raise :class:`TopologyError` ``model has N spins, chip has M p-bits`` when ``N > M``."""
    if n_logical > n_chip:
        raise TopologyError(f"model has {n_logical} spins, chip {chip_name!r} has {n_chip} p-bits: "
                            "the model does not fit")


def missing_edges(logical, G, placement):
    """Coupled logical pairs ``(i, j)`` whose chip nodes ``placement[i], placement[j]`` are not adjacent."""
    r, c, _ = logical.edges()
    off = ~_has_edges(G, placement[r], placement[c])
    return [(int(a), int(b)) for a, b in zip(r[off], c[off])]


def _missing_message(missing, logical, chip_name, how):
    shown = ", ".join(f"({a}, {b})" for a, b in missing[:8])
    more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
    return (f"{how} does not fit chip {chip_name!r}: {len(missing)} of {logical.n_edges} coupled pairs "
            f"are not chip edges: {shown}{more}")


def identity_fits(logical, G) -> bool:
    """True when spin ``i`` on chip node ``i`` puts every coupling on a chip edge."""
    if logical.n > G.number_of_nodes():
        return False
    r, c, _ = logical.edges()
    return bool(np.all(_has_edges(G, r, c)))


def identity_layout(logical, G=None) -> ChainLayout:  # noqa: F821 (imported inside: cycle)
    """The :class:`~pbitsim.compiler.embedding.ChainLayout` of spin ``i`` on chip p-bit ``i`` (one p-bit each).

    What :func:`pbitsim.compiler.embedding.layout_chains` returns for singleton
    chains ``[i]``, built with array operations: physical p-bit ``i`` is chip
    node ``i``, every logical coupling sits on its own coupler, no chain
    couplers.  The caller has checked that every coupling is a chip edge.
    When the model's couplings are exactly the edges of ``G`` (a model made on
    the chip), the layout shares ``G``'s read-only edge arrays instead of copies.
    """
    from .embedding import ChainLayout  # embedding imports this module (check_fits)

    n = logical.n
    r, c, _ = logical.edges()
    if isinstance(G, TopologyArrays) and np.array_equal(r, G.rows) and np.array_equal(c, G.cols):
        r, c = G.rows, G.cols
    idx = np.arange(n, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    return ChainLayout(idx, Chains.singletons(idx), idx.copy(), r, c, np.arange(r.size, dtype=np.int64),
                       empty, empty.copy())


def mapping_placement(mapping, logical, G, chip_name) -> np.ndarray:
    """Validate a user map (dict ``spin -> node`` or sequence of nodes) and return the placement.

    Raises :class:`TopologyError` naming the problem: a spin without a node, a
    node outside the chip, two spins on one node, couplings on missing edges.
    """
    n, n_chip = logical.n, G.number_of_nodes()
    if isinstance(mapping, dict):
        bad = [k for k in mapping if not (isinstance(k, (int, np.integer)) and 0 <= int(k) < n)]
        if bad:
            raise TopologyError(f"mapping has key {bad[0]!r}, not a logical spin in 0..{n - 1}")
        missing = [i for i in range(n) if i not in mapping]
        if missing:
            raise TopologyError(f"mapping gives no chip node for {len(missing)} of {n} spins "
                                f"(first: spin {missing[0]})")
        values = [mapping[i] for i in range(n)]
    else:
        values = list(np.asarray(mapping).reshape(-1)) if np.ndim(mapping) else [mapping]
        if len(values) != n:
            raise TopologyError(f"mapping has {len(values)} entries, the model has {n} spins")
    try:
        placement = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TopologyError("mapping values must be integer chip nodes") from None
    if placement.size and (not np.all(np.isfinite(placement)) or np.any(placement != np.round(placement))):
        raise TopologyError("mapping values must be integer chip nodes")
    placement = placement.astype(np.int64)
    out = (placement < 0) | (placement >= n_chip)
    if out.any():
        i = int(np.flatnonzero(out)[0])
        raise TopologyError(f"mapping puts spin {i} on node {placement[i]}, outside chip {chip_name!r} "
                            f"(nodes 0..{n_chip - 1})")
    uniq, counts = np.unique(placement, return_counts=True)
    if np.any(counts > 1):
        node = int(uniq[counts > 1][0])
        spins = np.flatnonzero(placement == node)[:2].tolist()
        raise TopologyError(f"mapping puts spins {spins[0]} and {spins[1]} on the same chip node {node}")
    miss = missing_edges(logical, G, placement)
    if miss:
        raise TopologyError(_missing_message(miss, logical, chip_name, "the given mapping"))
    return placement


def _may_be_subgraph(S, G) -> bool:
    """Necessary conditions for a monomorphism S -> G: sizes and sorted degree sequences."""
    if S.number_of_nodes() > G.number_of_nodes() or S.number_of_edges() > G.number_of_edges():
        return False
    ds = sorted((d for _, d in S.degree()), reverse=True)
    dg = sorted((d for _, d in G.degree()), reverse=True)[:len(ds)]
    return all(a <= b for a, b in zip(ds, dg))


def subgraph_placement(logical, G, *, timeout_s=10.0, seed=0):
    """Search a subgraph monomorphism of the model's coupling graph into ``G``.

    Returns
    -------
    placement : int64 ndarray (n_logical,) or None
        None when no placement was found.
    seconds : float
        Time spent searching.
    complete : bool
        True when the search finished (None then means "no placement exists");
        False when it stopped at the time limit (``ceil(timeout_s)`` seconds,
        at least 1), which proves nothing.
    """
    S = logical.graph()
    G = _as_networkx(G)
    if not _may_be_subgraph(S, G):
        return None, 0.0, True
    try:
        from minorminer.subgraph import find_subgraph
    except ImportError:  # pragma: no cover - minorminer < 0.2.11
        return _networkx_placement(S, G, timeout_s)
    limit = max(1, math.ceil(timeout_s))
    t0 = time.perf_counter()
    found = find_subgraph(S, G, timeout=limit, seed=int(seed))
    dt = time.perf_counter() - t0
    if not found:
        return None, dt, dt < 0.95 * limit
    placement = np.array([found[i] for i in range(logical.n)], dtype=np.int64)
    return placement, dt, True


def _networkx_placement(S, G, timeout_s):  # pragma: no cover - fallback without minorminer.subgraph
    t0 = time.perf_counter()
    matcher = nx.algorithms.isomorphism.GraphMatcher(G, S)
    for m in matcher.subgraph_monomorphisms_iter():  # G-node -> S-node
        inv = {s: g for g, s in m.items()}
        return np.array([inv[i] for i in range(S.number_of_nodes())], dtype=np.int64), \
            time.perf_counter() - t0, True
    return None, time.perf_counter() - t0, True
