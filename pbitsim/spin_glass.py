"""Reproducible random spin glasses on a graph (default workloads for `pbitsim run` and benchmarks)."""
from __future__ import annotations

import numpy as np

from .models import IsingModel


def random_spin_glass(graph, seed=0, *, couplings="uniform", field_scale=0.0, name=""):
    """Spin glass on the edges of ``graph`` (nodes 0..n-1): a networkx graph or a
    :class:`~pbitsim.topologies.arrays.TopologyArrays` (same edges, same model).

    ``couplings``: ``"uniform"`` draws J_ij ~ U[-1, 1]; ``"pm1"`` draws ±1.
    ``h_i ~ field_scale * U[-1, 1]``.  Edge order is sorted, so the same graph
    and seed always give the same model.
    """
    if couplings not in ("uniform", "pm1"):
        raise ValueError(f"couplings must be 'uniform' or 'pm1', got {couplings!r}")
    rng = np.random.default_rng(seed)
    n = graph.number_of_nodes()
    if hasattr(graph, "edge_arrays"):  # TopologyArrays: already sorted, rows < cols
        rows, cols = graph.edge_arrays()[1:]
    else:
        edges = np.array(sorted((min(u, v), max(u, v)) for u, v in graph.edges()), dtype=np.int64).reshape(-1, 2)
        rows, cols = edges[:, 0], edges[:, 1]
    if couplings == "uniform":
        vals = rng.uniform(-1.0, 1.0, rows.shape[0])
    else:
        vals = rng.choice([-1.0, 1.0], rows.shape[0])
    h = field_scale * rng.uniform(-1.0, 1.0, n)
    return IsingModel.from_edges(rows, cols, vals, h, n=n,
                                 name=name or f"spin glass (seed {seed})")
