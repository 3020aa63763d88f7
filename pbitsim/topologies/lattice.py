"""Nearest-neighbour hypercubic lattices in 2D and 3D (square and cubic Ising lattices)."""

from __future__ import annotations

import networkx as nx
import numpy as np

from pbitsim.topologies._common import (
    check_bool,
    check_shape,
    finish_graph,
    graph_from_edges,
    grid_edge_arrays,
    grid_edge_count,
    grid_edges,
)
from pbitsim.topologies.arrays import TopologyArrays


def lattice_graph(shape, periodic: bool = False) -> nx.Graph:
    """Build a 2D or 3D nearest-neighbour lattice.

    Parameters
    ----------
    shape : tuple of int
        ``(L1, L2)`` or ``(L1, L2, L3)``; node index is the row-major (C order)
        index of the site, so the last axis varies fastest.
    periodic : bool
        Wrap every axis. With all sides >= 3, an L x L torus has ``2*L**2``
        edges and an L**3 one ``3*L**3``; sides of 2 give no duplicate edges and
        sides of 1 no self-loops.

    Returns
    -------
    networkx.Graph
        ``prod(shape)`` nodes. ``pos``: 2D sites at (j, -i); 3D sites drawn as
        L1 slices side by side, site (i, j, k) at (k + i*(L3 + 1), -j).
    """
    shape = check_shape("shape", shape, (2, 3))
    periodic = check_bool("periodic", periodic)
    offsets = np.eye(len(shape), dtype=np.int64)
    G = graph_from_edges(int(np.prod(shape)), grid_edges(shape, offsets, periodic))
    coords = np.indices(shape).reshape(len(shape), -1).T
    if len(shape) == 2:
        xy = np.stack([coords[:, 1], -coords[:, 0]], axis=1)
    else:
        xy = np.stack([coords[:, 2] + coords[:, 0] * (shape[2] + 1), -coords[:, 1]], axis=1)
    pos = {i: tuple(p) for i, p in enumerate(xy.tolist())}
    return finish_graph(G, "lattice", {"shape": shape, "periodic": periodic}, pos)


def lattice_size(shape, periodic: bool = False) -> tuple[int, int]:
    """Node and edge counts of :func:`lattice_graph` ``(shape, periodic)``, in closed form."""
    shape = tuple(int(L) for L in shape)
    n = 1
    for L in shape:
        n *= L
    offsets = [tuple(int(k == d) for k in range(len(shape))) for d in range(len(shape))]
    return n, grid_edge_count(shape, offsets, periodic)


def lattice_arrays(shape, periodic: bool = False) -> TopologyArrays:
    """The graph of :func:`lattice_graph` as arrays (same node order), without networkx.

    Colouring by construction (2 colours): the parity of the coordinate sum;
    on a torus it needs even sides (or sides of 1), otherwise None.
    """
    shape = check_shape("shape", shape, (2, 3))
    periodic = check_bool("periodic", periodic)
    r, c = grid_edge_arrays(shape, np.eye(len(shape), dtype=np.int64), periodic)
    n = int(np.prod(shape))
    colours = None
    if not periodic or all(L % 2 == 0 or L == 1 for L in shape):
        site = np.arange(n, dtype=np.int64)
        colours = np.zeros(n, dtype=np.int64)
        for L in reversed(shape):
            colours += site % L
            site //= L
        colours %= 2
    return TopologyArrays("lattice", {"shape": shape, "periodic": periodic}, n, r, c, None, colours)
