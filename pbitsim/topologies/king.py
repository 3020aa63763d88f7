"""King's graph: a 2D grid where each site touches its 8 chess-king neighbours."""

from __future__ import annotations

import networkx as nx
import numpy as np

from pbitsim.topologies._common import (
    check_bool,
    check_int,
    finish_graph,
    graph_from_edges,
    grid_edge_arrays,
    grid_edge_count,
    grid_edges,
)
from pbitsim.topologies.arrays import TopologyArrays

#: Half of the 8 king moves; the other half are their negatives (same edges).
_KING_OFFSETS = ((0, 1), (1, 0), (1, 1), (1, -1))


def king_graph(rows: int, cols: int, periodic: bool = False) -> nx.Graph:
    """Build a rows x cols king's graph (orthogonal + diagonal neighbours).

    Parameters
    ----------
    rows, cols : int
        Grid size; node ``r*cols + c`` is the site in row ``r``, column ``c``.
    periodic : bool
        Wrap both directions (torus). Sides of length 1 or 2 give no self-loops
        or duplicate edges.

    Returns
    -------
    networkx.Graph
        ``rows*cols`` nodes; open boundaries give
        ``4*rows*cols - 3*(rows + cols) + 2`` edges (20 for 3 x 3).
        ``pos`` = (column, -row).
    """
    rows = check_int("rows", rows, 1)
    cols = check_int("cols", cols, 1)
    periodic = check_bool("periodic", periodic)
    G = graph_from_edges(rows * cols, grid_edges((rows, cols), _KING_OFFSETS, periodic))
    pos = {r * cols + c: (c, -r) for r in range(rows) for c in range(cols)}
    params = {"rows": rows, "cols": cols, "periodic": periodic}
    return finish_graph(G, "king", params, pos)


def king_size(rows: int, cols: int, periodic: bool = False) -> tuple[int, int]:
    """Node and edge counts of :func:`king_graph` ``(rows, cols, periodic)``, in closed form."""
    return rows * cols, grid_edge_count((rows, cols), _KING_OFFSETS, periodic)


def king_arrays(rows: int, cols: int, periodic: bool = False) -> TopologyArrays:
    """The graph of :func:`king_graph` as arrays (same node order), without networkx.

    Colouring by construction (4 colours, optimal: every 2 x 2 block is a K4):
    ``colour = 2*(r mod 2) + (c mod 2)``; every king move changes ``r`` or ``c``
    by one.  On a torus it needs even sides (or sides of 1); otherwise None.
    """
    rows = check_int("rows", rows, 1)
    cols = check_int("cols", cols, 1)
    periodic = check_bool("periodic", periodic)
    r, c = grid_edge_arrays((rows, cols), _KING_OFFSETS, periodic)
    colours = None
    if not periodic or all(L % 2 == 0 or L == 1 for L in (rows, cols)):
        site = np.arange(rows * cols, dtype=np.int64)
        colours = 2 * ((site // cols) % 2) + (site % cols) % 2
    params = {"rows": rows, "cols": cols, "periodic": periodic}
    return TopologyArrays("king", params, rows * cols, r, c, None, colours)
