"""Zephyr topology (D-Wave Advantage2)."""

from __future__ import annotations

import networkx as nx
import numpy as np

from pbitsim.topologies._common import check_int, relabel_dwave
from pbitsim.topologies.arrays import TopologyArrays, canonical_edges
from pbitsim.topologies.edge_kernels import zephyr_raw_edges

#: 4-colouring of Zephyr by construction: colour of qubit (u, w, k, j, z) is
#: ``ZEPHYR_COLOURS[u][(2*z + j) % 4][w % 4]`` (found by a search over periodic
#: patterns; proper for every m and t, checked in the tests).
ZEPHYR_COLOURS = (((0, 0, 1, 1), (2, 3, 3, 2), (1, 1, 0, 0), (3, 2, 2, 3)),
                  ((1, 1, 0, 0), (3, 2, 2, 3), (0, 0, 1, 1), (2, 3, 3, 2)))


def zephyr_graph(m: int, t: int = 4) -> nx.Graph:
    """Build the Zephyr graph Z(m, t) with contiguous integer labels.

    Parameters
    ----------
    m : int
        Grid size (>= 1).
    t : int
        Tile parameter (4 on D-Wave hardware); Z(m, t) has ``4*t*m*(2*m+1)``
        nodes.

    Returns
    -------
    networkx.Graph
        Nodes ``0..N-1`` in order of the D-Wave linear index, with node
        attributes ``dwave_index``, ``zephyr_index`` (u, w, k, j, z) and ``pos``;
        ``G.graph["family"] == "zephyr"``.
    """
    import dwave.graphs as dg  # lazy: importing dwave.graphs costs ~0.4 s

    m = check_int("m", m, 1)
    t = check_int("t", t, 1)
    G = dg.zephyr_graph(m, t)
    pos = dg.zephyr_layout(G)
    return relabel_dwave(G, "zephyr", {"m": m, "t": t}, pos)


def zephyr_size(m: int, t: int = 4) -> tuple[int, int]:
    """Node and edge counts of :func:`zephyr_graph` ``(m, t)``, in closed form.

    ``4*t*m*(2m+1)`` nodes and ``2*t*(8*(t+1)*m**2 - 2m - 3)`` edges (Z(6, 4):
    1,248 and 11,400).
    """
    return 4 * t * m * (2 * m + 1), 2 * t * (8 * (t + 1) * m * m - 2 * m - 3)


def zephyr_coordinates(m: int, t: int, labels) -> np.ndarray:
    """int64 ``(len(labels), 5)``: Zephyr coordinates ``(u, w, k, j, z)`` of D-Wave linear indices."""
    q = np.asarray(labels, dtype=np.int64)
    M = 2 * m + 1
    return np.stack([q // (M * t * 2 * m), (q // (t * 2 * m)) % M, (q // (2 * m)) % t, (q // m) % 2, q % m],
                    axis=1)


def zephyr_arrays(m: int, t: int = 4) -> TopologyArrays:
    """Zephyr Z(m, t) as arrays: the graph of :func:`zephyr_graph`, same node order, without networkx.

    Colouring by construction (4 colours, optimal: Zephyr has K4 subgraphs):
    :data:`ZEPHYR_COLOURS` indexed by orientation ``u``, position ``2z + j``
    along the qubit's line (mod 4) and its perpendicular offset ``w`` (mod 4).
    """
    m = check_int("m", m, 1)
    t = check_int("t", t, 1)
    N, E = zephyr_size(m, t)
    u, v = zephyr_raw_edges(m, t, E)
    rows, cols = canonical_edges(N, u, v)
    q = np.arange(N, dtype=np.int64)
    cu, cw, _, cj, cz = zephyr_coordinates(m, t, q).T
    colours = np.asarray(ZEPHYR_COLOURS, dtype=np.int32)[cu, (2 * cz + cj) % 4, cw % 4]
    return TopologyArrays("zephyr", {"m": m, "t": t}, N, rows, cols, q, colours)
