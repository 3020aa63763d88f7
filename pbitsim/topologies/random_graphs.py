"""Graphs without chip geometry: random regular and complete (Sherrington-Kirkpatrick)."""

from __future__ import annotations

import networkx as nx
import numpy as np

from pbitsim.errors import TopologyError
from pbitsim.topologies._common import check_int, circle_positions, finish_graph
from pbitsim.topologies.arrays import TopologyArrays, canonical_edges


def random_regular_graph(n: int, degree: int, seed: int = 0) -> nx.Graph:
    """Build a uniformly random ``degree``-regular graph on ``n`` nodes.

    Parameters
    ----------
    n : int
        Number of nodes (>= 1).
    degree : int
        Degree of every node, ``0 <= degree < n``; ``n*degree`` must be even.
    seed : int
        Seed for ``networkx.random_regular_graph``; same seed, same graph.

    Returns
    -------
    networkx.Graph
        Nodes ``0..n-1`` on a circle (``pos``); ``family == "random_regular"``.
    """
    n = check_int("n", n, 1)
    degree = check_int("degree", degree, 0)
    seed = check_int("seed", seed, 0)
    if degree >= n:
        raise TopologyError(f'key "degree" must be < n = {n}, got {degree}')
    if (n * degree) % 2:
        raise TopologyError(f"n*degree must be even, got n={n}, degree={degree}")
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(nx.random_regular_graph(degree, n, seed=seed).edges())
    params = {"n": n, "degree": degree, "seed": seed}
    return finish_graph(G, "random_regular", params, circle_positions(n))


def complete_graph(n: int) -> nx.Graph:
    """Build the complete graph K_n (all-to-all couplings, as in an SK model).

    Returns
    -------
    networkx.Graph
        Nodes ``0..n-1`` on a circle, ``n*(n-1)/2`` edges; ``family == "complete"``.
    """
    n = check_int("n", n, 1)
    return finish_graph(nx.complete_graph(n), "complete", {"n": n}, circle_positions(n))


def random_regular_size(n: int, degree: int, seed: int = 0) -> tuple[int, int]:
    """Node and edge counts of :func:`random_regular_graph`: ``n`` and ``n*degree/2``."""
    return n, n * degree // 2


def complete_size(n: int) -> tuple[int, int]:
    """Node and edge counts of :func:`complete_graph`: ``n`` and ``n*(n-1)/2``."""
    return n, n * (n - 1) // 2


def random_regular_arrays(n: int, degree: int, seed: int = 0) -> TopologyArrays:
    """The graph of :func:`random_regular_graph` (same seed, same edges) as arrays.

    Drawn by ``networkx.random_regular_graph`` so a seed keeps its graph; no
    colouring by construction (the chip's strategy colours it).
    """
    G = random_regular_graph(n, degree, seed)
    e = np.array(list(G.edges()), dtype=np.int64).reshape(-1, 2)
    rows, cols = canonical_edges(G.number_of_nodes(), e[:, 0], e[:, 1])
    return TopologyArrays("random_regular", dict(G.graph["params"]), G.number_of_nodes(), rows, cols)


def complete_arrays(n: int) -> TopologyArrays:
    """K_n as arrays; colouring by construction: every node its own colour."""
    n = check_int("n", n, 1)
    rows, cols = np.triu_indices(n, k=1)
    return TopologyArrays("complete", {"n": n}, n, rows, cols, None, np.arange(n))
