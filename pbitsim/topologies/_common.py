"""Shared helpers for the topology families: argument checks and graph tagging.

Every family function returns a ``networkx.Graph`` with integer nodes
``0..n-1``, ``G.graph["family"]``, ``G.graph["params"]`` and a ``pos`` node
attribute; the helpers here keep that contract in one place.
"""

from __future__ import annotations

import numbers

import networkx as nx
import numpy as np

from pbitsim.errors import TopologyError
from pbitsim.topologies.arrays import canonical_edges
from pbitsim.topologies.edge_kernels import grid_raw_edges


def check_int(name: str, value, minimum: int = 1, *, family: str = "") -> int:
    """Return ``value`` as an ``int`` if it is an integer ``>= minimum``.

    Booleans are rejected (``True`` is an ``int`` in Python, but never a size).
    The :class:`TopologyError` message names the key and the allowed range.
    """
    where = f'topology "{family}": ' if family else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TopologyError(
            f'{where}key "{name}" must be an integer >= {minimum}, got {value!r}'
        )
    if value < minimum:
        raise TopologyError(
            f'{where}key "{name}" must be an integer >= {minimum}, got {value}'
        )
    return int(value)


def check_bool(name: str, value, *, family: str = "") -> bool:
    """Return ``value`` if it is a ``bool``; otherwise raise naming the key."""
    if not isinstance(value, (bool, np.bool_)):
        where = f'topology "{family}": ' if family else ""
        raise TopologyError(
            f'{where}key "{name}" must be true or false, got {value!r}'
        )
    return bool(value)


def check_shape(name: str, value, ndims: tuple[int, ...], *, family: str = "") -> tuple[int, ...]:
    """Return ``value`` as a tuple of positive ints whose length is in ``ndims``."""
    where = f'topology "{family}": ' if family else ""
    allowed = " or ".join(str(d) for d in ndims)
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) not in ndims:
        raise TopologyError(
            f'{where}key "{name}" must be a list of {allowed} integers >= 1, got {value!r}'
        )
    return tuple(check_int(f"{name}[{k}]", v, 1, family=family) for k, v in enumerate(value))


def finish_graph(G: nx.Graph, family: str, params: dict, pos: dict) -> nx.Graph:
    """Tag ``G`` with its family, parameters and ``pos`` = (x, y) float coordinates."""
    G.graph["family"] = family
    G.graph["params"] = dict(params)
    nx.set_node_attributes(G, {v: (float(p[0]), float(p[1])) for v, p in pos.items()}, "pos")
    return G


def circle_positions(n: int) -> dict[int, tuple[float, float]]:
    """Deterministic unit-circle layout for graphs without geometry (node 0 at angle 0)."""
    angles = 2.0 * np.pi * np.arange(n) / max(n, 1)
    return {i: (float(np.cos(a)), float(np.sin(a))) for i, a in enumerate(angles)}


def relabel_dwave(G: nx.Graph, family: str, params: dict, pos: dict) -> nx.Graph:
    """Relabel a D-Wave graph to contiguous integers, keeping the original labels.

    D-Wave linear indices are not contiguous (Pegasus ``fabric_only`` drops
    qubits), while the simulator needs nodes ``0..n-1``. New label ``k`` is the
    ``k``-th smallest linear index; the original index is kept as node attribute
    ``dwave_index`` and the D-Wave coordinates (``chimera_index`` etc.) carried
    by ``dwave.graphs`` stay on the nodes.
    """
    old = sorted(G.nodes())
    H = nx.Graph()
    H.add_nodes_from((k, dict(G.nodes[v], dwave_index=int(v))) for k, v in enumerate(old))
    new = {v: k for k, v in enumerate(old)}
    H.add_edges_from((new[u], new[v]) for u, v in G.edges())
    H.graph["dwave"] = dict(G.graph)
    return finish_graph(H, family, params, {new[v]: p for v, p in pos.items()})


def grid_edges(shape: tuple[int, ...], offsets, periodic: bool) -> np.ndarray:
    """Edges of a grid whose node ``i`` is the row-major (C order) index of its site.

    Each site is joined to ``site + offset`` for every offset (wrapped modulo
    ``shape`` if ``periodic``, dropped at the border otherwise). Self-loops from
    sides of length 1 are removed and duplicates from sides of length 2
    collapsed, so the result is a simple graph.

    Returns
    -------
    numpy.ndarray
        int64 ``(n_edges, 2)`` with ``u < v``, sorted lexicographically.
    """
    rows, cols = grid_edge_arrays(shape, offsets, periodic)
    return np.stack([rows, cols], axis=1)


def grid_edge_arrays(shape, offsets, periodic: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, cols)`` of :func:`grid_edges` (same arguments) without stacking them."""
    dims = np.asarray(shape, dtype=np.int64)
    offs = np.asarray(offsets, dtype=np.int64).reshape(-1, len(shape))
    u, v = grid_raw_edges(dims, offs, bool(periodic))
    return canonical_edges(int(np.prod(dims)), u, v)


def grid_edge_count(shape, offsets, periodic: bool) -> int:
    """Closed-form edge count of :func:`grid_edges` (same arguments), without building anything.

    Open boundaries: offset ``o`` joins ``prod_k max(L_k - |o_k|, 0)`` pairs (the
    offsets are a half set, so no pair is counted twice). Periodic: the grid is
    a Cayley graph of ``Z_L1 x ... x Z_Ld``, so every site has the same number
    ``d`` of distinct non-zero neighbour residues ``+-o mod L`` and there are
    ``n * d / 2`` edges. Python ints: exact for any size.
    """
    shape = tuple(int(L) for L in shape)
    n = 1
    for L in shape:
        n *= L
    if periodic:
        residues = set()
        for off in offsets:
            for sign in (1, -1):
                r = tuple((sign * int(o)) % L for o, L in zip(off, shape))
                if any(r):
                    residues.add(r)
        return n * len(residues) // 2
    total = 0
    for off in offsets:
        pairs = 1
        for o, L in zip(off, shape):
            pairs *= max(L - abs(int(o)), 0)
        total += pairs
    return total


def graph_from_edges(n: int, edges: np.ndarray) -> nx.Graph:
    """Simple graph on nodes ``0..n-1`` (isolated ones included) with ``edges``."""
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(map(tuple, edges.tolist()))
    return G
