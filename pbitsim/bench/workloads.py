"""Benchmark workloads: the seeded spin glasses every engine is timed on.

Each workload is a graph with ``J_ij ~ U[-1, 1]`` on its edges and ``h = 0``
(seed 1, :func:`pbitsim.spin_glass.random_spin_glass`):

- ``pegasus16``: Pegasus P16 fabric (5,640 p-bits, 40,484 edges, degree <= 15);
- ``lattice128``: 128 x 128 periodic square lattice (16,384 p-bits, degree 4);
- ``rr100k``: random 3-regular graph on 10^5 p-bits.
"""
from __future__ import annotations

from ..spin_glass import random_spin_glass
from ..topologies import lattice_graph, pegasus_graph, random_regular_graph

GRAPHS = ("pegasus16", "lattice128", "rr100k")
QUICK_GRAPHS = ("pegasus16", "lattice128")


def graph_named(name):
    """The networkx graph of a benchmark workload name."""
    if name == "pegasus16":
        return pegasus_graph(16)
    if name == "lattice128":
        return lattice_graph((128, 128), periodic=True)
    if name == "rr100k":
        return random_regular_graph(100_000, 3, seed=0)
    raise ValueError(f"unknown graph {name!r}; allowed: {', '.join(GRAPHS)}")


def spin_glass_named(name, seed=1):
    """The benchmark spin glass on graph ``name`` (``J ~ U[-1, 1]``, ``h = 0``)."""
    return random_spin_glass(graph_named(name), seed, name=f"{name} spin glass (seed {seed})")
