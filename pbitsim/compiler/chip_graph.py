"""A chip's coupling graph, shared between compilations, and the colouring of the p-bits a program uses.

The compiler works on :func:`chip_arrays`: the chip's topology as read-only
edge arrays (:class:`~pbitsim.topologies.arrays.TopologyArrays`, built
without networkx; a 10^6-p-bit Pegasus in about a second), kept once per
``[topology]`` table; its networkx view (:func:`shared_chip_graph`, a frozen
graph) is built only when asked (subgraph search, minor embedding, plots).
``edgelist`` graphs are rebuilt every time (the file may have changed).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..chip.spec import ChipSpec
from ..errors import TopologyError
from ..models import IsingModel
from ..topologies import TopologyArrays, topology_arrays, topology_graph
from .colouring import Colouring, canonical_colors, colour_graph, edge_arrays

__all__ = ["chip_arrays", "chip_graph", "shared_chip_graph", "chip_edges", "program_colouring",
           "restrict_colouring"]


def chip_graph(chip: ChipSpec):
    """The chip's coupling graph (networkx), or None for topology kind ``model``."""
    if chip.topology.kind == "model":
        return None
    return topology_graph(chip.topology.kind, chip.topology.param_dict, base_dir=chip.topology.base_dir)


def _shared_key(chip: ChipSpec):
    """Cache key of a chip's graph, or None when it must be rebuilt each time.

    ``edgelist`` graphs are rebuilt (the file may have changed); ``repr(params)``
    keeps apart equal-comparing values of different types (``True`` vs ``1``,
    ``3.0`` vs ``3``), which the topology checks treat differently.
    """
    t = chip.topology
    if t.kind in ("model", "edgelist"):
        return None
    try:
        hash(t)
    except TypeError:  # an unhashable [topology] value: build it (and let it raise) as usual
        return None
    return t, repr(t.params)


@lru_cache(maxsize=8)
def _shared_topology_arrays(key) -> TopologyArrays:
    t = key[0]
    return topology_arrays(t.kind, t.param_dict, base_dir=t.base_dir)


def chip_arrays(chip: ChipSpec) -> TopologyArrays | None:
    """The chip's topology as edge arrays (shared between calls), or None for topology kind ``model``.

    Refuses, before building anything, a topology whose estimated memory
    exceeds the machine's available memory (:mod:`pbitsim.topologies.footprint`).
    """
    if chip.topology.kind == "model":
        return None
    key = _shared_key(chip)
    try:
        if key is None:
            t = chip.topology
            return topology_arrays(t.kind, t.param_dict, base_dir=t.base_dir)
        return _shared_topology_arrays(key)
    except TopologyError as exc:  # e.g. too big for the memory left now: name the chip
        raise TopologyError(f"chip {chip.name!r}: {exc}") from None


def shared_chip_graph(chip: ChipSpec):
    """Like :func:`chip_graph`, but a read-only (``nx.freeze``) graph shared between calls.

    The networkx view of :func:`chip_arrays` (same nodes and edges); mutating
    it raises.  ``edgelist`` graphs are rebuilt every time.  Meant for small chips.
    """
    arrays = chip_arrays(chip)
    return None if arrays is None else arrays.to_networkx()


def chip_edges(chip: ChipSpec, G):
    """``(n, rows, cols)`` of the chip graph ``G`` (TopologyArrays or networkx), canonical."""
    if isinstance(G, TopologyArrays):
        return G.edge_arrays()
    arrays = chip_arrays(chip) if _shared_key(chip) is not None else None
    if arrays is not None and G is arrays._cache.get("networkx"):
        return arrays.edge_arrays()
    return edge_arrays(G)


def program_colouring(chip: ChipSpec, logical: IsingModel, G, chip_nodes, strategy=None) -> Colouring:
    """Colouring of the p-bits in use: the model graph's own for topology kind ``model``,
    else the chip's phases (``G``'s colouring, cached per graph) restricted to ``chip_nodes``."""
    strategy = strategy or chip.clock.colouring
    if chip.topology.kind == "model":
        r, c, _ = logical.edges()
        return colour_graph((logical.n, r, c), strategy)
    graph = G if isinstance(G, TopologyArrays) else chip_edges(chip, G)
    return restrict_colouring(colour_graph(graph, strategy), chip_nodes)


def restrict_colouring(colouring: Colouring, nodes) -> Colouring:
    """The colouring of a chip graph restricted to ``nodes`` (still proper on any subgraph)."""
    nodes = np.asarray(nodes)
    if nodes.size == colouring.colours.size and np.array_equal(nodes, np.arange(nodes.size)):
        return colouring  # every p-bit in use: already canonical
    colours = canonical_colors(np.asarray(colouring.colours)[nodes])
    colours.setflags(write=False)
    return Colouring(colours, int(colours.max()) + 1 if colours.size else 0, colouring.strategy)
