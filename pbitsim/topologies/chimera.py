"""Chimera topology (D-Wave 2000Q): an m x n grid of K_{t,t} unit cells."""

from __future__ import annotations

import networkx as nx
import numpy as np

from pbitsim.topologies._common import check_int, relabel_dwave
from pbitsim.topologies.arrays import TopologyArrays, canonical_edges
from pbitsim.topologies.edge_kernels import chimera_raw_edges


def chimera_graph(m: int, n: int | None = None, t: int = 4) -> nx.Graph:
    """Build the Chimera graph C(m, n, t) with contiguous integer labels.

    Parameters
    ----------
    m, n : int
        Rows and columns of unit cells (``n`` defaults to ``m``).
    t : int
        Shore size of each K_{t,t} cell (4 on D-Wave hardware).

    Returns
    -------
    networkx.Graph
        ``2*t*m*n`` nodes ``0..N-1`` in order of the D-Wave linear index, with
        node attributes ``dwave_index``, ``chimera_index`` (row, col, shore,
        k) and ``pos``; ``G.graph["family"] == "chimera"``.
    """
    import dwave.graphs as dg  # lazy: importing dwave.graphs costs ~0.4 s

    m = check_int("m", m, 1)
    n = m if n is None else check_int("n", n, 1)
    t = check_int("t", t, 1)
    G = dg.chimera_graph(m, n, t)
    pos = dg.chimera_layout(G)
    return relabel_dwave(G, "chimera", {"m": m, "n": n, "t": t}, pos)


def chimera_size(m: int, n: int | None = None, t: int = 4) -> tuple[int, int]:
    """Node and edge counts of :func:`chimera_graph` ``(m, n, t)``, in closed form.

    ``2*t*m*n`` nodes; ``t**2*m*n`` edges inside the K_{t,t} cells plus
    ``t*(m-1)*n`` vertical and ``t*m*(n-1)`` horizontal couplers.
    """
    n = m if n is None else n
    return 2 * t * m * n, t * t * m * n + t * (m - 1) * n + t * m * (n - 1)


def chimera_arrays(m: int, n: int | None = None, t: int = 4) -> TopologyArrays:
    """Chimera C(m, n, t) as arrays: the graph of :func:`chimera_graph`, same node order, without networkx.

    Node ``((i*n + j)*2 + u)*t + k`` is qubit ``k`` of shore ``u`` in cell
    ``(i, j)`` (the D-Wave linear index).  Colouring by construction (2
    colours): ``(i + j + u) mod 2`` -- cell couplers join the two shores,
    horizontal couplers change ``j`` and vertical ones ``i`` by one.
    """
    m = check_int("m", m, 1)
    n = m if n is None else check_int("n", n, 1)
    t = check_int("t", t, 1)
    N, E = chimera_size(m, n, t)
    u, v = chimera_raw_edges(m, n, t, E)
    rows, cols = canonical_edges(N, u, v)
    q = np.arange(N, dtype=np.int64)
    cell, shore = q // (2 * t), (q // t) % 2
    colours = (cell // n + cell % n + shore) % 2
    return TopologyArrays("chimera", {"m": m, "n": n, "t": t}, N, rows, cols, q, colours)
