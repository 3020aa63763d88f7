"""A chip's coupling graph, shared between compilations, and the colouring of the p-bits a program uses.

Building a large chip graph (Pegasus) takes a fraction of a second, so
:func:`shared_chip_graph` keeps one read-only (``nx.freeze``) graph per
``[topology]`` table and :func:`chip_edges` its sorted edge arrays;
``edgelist`` graphs are rebuilt every time (the file may have changed).
"""
from __future__ import annotations

from functools import lru_cache

import networkx as nx
import numpy as np

from ..chip.spec import ChipSpec
from ..models import IsingModel
from ..topologies import topology_graph
from .colouring import Colouring, canonical_colors, colour_graph, edge_arrays

__all__ = ["chip_graph", "shared_chip_graph", "chip_edges", "program_colouring", "restrict_colouring"]


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


@lru_cache(maxsize=16)
def _frozen_topology_graph(key) -> nx.Graph:
    t = key[0]
    return nx.freeze(topology_graph(t.kind, t.param_dict, base_dir=t.base_dir))


@lru_cache(maxsize=16)
def _frozen_topology_edges(key):
    n, rows, cols = edge_arrays(_frozen_topology_graph(key))
    rows.setflags(write=False)
    cols.setflags(write=False)
    return n, rows, cols


def shared_chip_graph(chip: ChipSpec):
    """Like :func:`chip_graph`, but a read-only (``nx.freeze``) graph shared between calls.

    The compiler reuses one per ``[topology]`` table; mutating it raises.
    ``edgelist`` graphs are rebuilt every time.
    """
    key = _shared_key(chip)
    return chip_graph(chip) if key is None else _frozen_topology_graph(key)


def chip_edges(chip: ChipSpec, G):
    """``edge_arrays(G)`` of the chip graph ``G``, cached when ``G`` is the shared one."""
    key = _shared_key(chip)
    if key is not None and G is _frozen_topology_graph(key):
        return _frozen_topology_edges(key)
    return edge_arrays(G)


def program_colouring(chip: ChipSpec, logical: IsingModel, G, chip_nodes, strategy=None) -> Colouring:
    """Colouring of the p-bits in use: the model graph's own for topology kind ``model``,
    else the chip's phases (``G``'s colouring, cached per graph) restricted to ``chip_nodes``."""
    strategy = strategy or chip.clock.colouring
    if chip.topology.kind == "model":
        r, c, _ = logical.edges()
        return colour_graph((logical.n, r, c), strategy)
    return restrict_colouring(colour_graph(chip_edges(chip, G), strategy), chip_nodes)


def restrict_colouring(colouring: Colouring, nodes) -> Colouring:
    """The colouring of a chip graph restricted to ``nodes`` (still proper on any subgraph)."""
    colours = canonical_colors(np.asarray(colouring.colours)[np.asarray(nodes)])
    colours.setflags(write=False)
    return Colouring(colours, int(colours.max()) + 1 if colours.size else 0, colouring.strategy)
