"""A :class:`Program`: a model as programmed onto a chip (placement, physical couplings, colours).

Engines run programs.  ``simulate(model, chip)`` builds one on the fly with
:func:`place_model` (direct placement: the model's spin ``i`` sits on p-bit
``placement[i]``); the mapping compiler builds them with embedding and
quantization.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .chip import ChipSpec, load_chip
from .colouring import Colouring, canonical_colors, colour_graph
from .errors import TopologyError
from .models import RBM, IsingModel


@dataclass(frozen=True, eq=False)
class Program:
    """A model placed on a chip.

    Attributes
    ----------
    logical : IsingModel
        The model the user asked for (an RBM is converted exactly to spins).
    physical : IsingModel
        Couplings and fields of the p-bits that run (physical index space).
    chip : ChipSpec
    placement : int64 ndarray (n_logical,)
        Physical p-bit of each logical spin (direct placement).
    chip_nodes : int64 ndarray (n_physical,)
        Chip-graph node of each physical p-bit (for plots and export).
    colouring : Colouring
        Proper colouring of the physical coupling graph.
    report : dict
        What compilation did (sizes, colours, quantization numbers ...).
    beta_factor : float
        Physical inverse temperature per unit of the user's ``beta``: the
        physical couplings are the logical ones times ``1 / beta_factor``
        (scaled to fit the chip's number format), so running at
        ``beta * beta_factor`` samples the intended ``exp(-beta E)``.
    """

    logical: IsingModel
    physical: IsingModel
    chip: ChipSpec
    placement: np.ndarray
    chip_nodes: np.ndarray
    colouring: Colouring
    report: dict = field(default_factory=dict)
    rbm: RBM | None = None
    beta_factor: float = 1.0

    @property
    def n_physical(self):
        return self.physical.n

    @property
    def n_logical(self):
        return self.logical.n

    def unembed(self, states):
        """Logical spins from physical states ``(..., n_physical)`` -> ``(..., n_logical)``."""
        states = np.asarray(states)
        return states[..., self.placement]


def as_ising(model):
    """``(IsingModel, RBM or None)`` from an IsingModel or RBM."""
    if isinstance(model, RBM):
        return model.to_ising(), model
    if isinstance(model, IsingModel):
        return model, None
    raise TypeError(f"expected an IsingModel or RBM, got {type(model).__name__}")


def _missing_edges_message(model, graph, chip):
    r, c, _ = model.edges()
    missing = [(int(a), int(b)) for a, b in zip(r, c) if not graph.has_edge(int(a), int(b))]
    if not missing:
        return None
    shown = ", ".join(f"({a}, {b})" for a, b in missing[:8])
    more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
    return (f"model does not fit chip {chip.name!r} ({chip.topology.kind}): {len(missing)} of "
            f"{model.n_edges} coupled pairs are not edges of the chip graph: {shown}{more}")


def chip_graph(chip: ChipSpec):
    """The chip's coupling graph (networkx), or None for topology kind ``model``."""
    from .topologies import topology_graph

    if chip.topology.kind == "model":
        return None
    return topology_graph(chip.topology.kind, chip.topology.param_dict, base_dir=chip.topology.base_dir)


def place_model(model, chip="ideal", *, colouring=None) -> Program:
    """Direct (identity) placement: logical spin ``i`` on chip p-bit ``i``.

    For topology kind ``model`` the chip takes the model's own graph.  Otherwise
    every coupled pair must be an edge of the chip graph; if not, the error
    lists the missing edges.  Only p-bits holding a spin are simulated.
    """
    chip = load_chip(chip)
    logical, rbm = as_ising(model)
    strategy = colouring or chip.clock.colouring
    if chip.topology.kind != "model":
        G = chip_graph(chip)
        n_chip = G.number_of_nodes()
        if logical.n > n_chip:
            raise TopologyError(f"model has {logical.n} spins but chip {chip.name!r} has only {n_chip} p-bits")
        msg = _missing_edges_message(logical, G, chip)
        if msg:
            raise TopologyError(msg)
    placement = np.arange(logical.n, dtype=np.int64)
    if chip.topology.kind == "model":
        r, c, _ = logical.edges()
        col = colour_graph((logical.n, r, c), strategy)
    else:  # the chip's own phases (cached per chip graph), restricted to the p-bits in use
        col = restrict_colouring(colour_graph(G, strategy), placement)
    report = {"n_logical": logical.n, "n_physical": logical.n, "n_edges": logical.n_edges,
              "n_colors": col.n_colors, "colouring": col.strategy, "placement": "direct"}
    return Program(logical, logical, chip, placement, placement.copy(), col, report, rbm)


def restrict_colouring(colouring: Colouring, nodes) -> Colouring:
    """The colouring of a chip graph restricted to ``nodes`` (still proper on any subgraph)."""
    colors = canonical_colors(np.asarray(colouring.colors)[np.asarray(nodes)])
    colors.setflags(write=False)
    return Colouring(colors, int(colors.max()) + 1 if colors.size else 0, colouring.strategy)


def as_program(model_or_program, chip="ideal") -> Program:
    if isinstance(model_or_program, Program):
        return model_or_program
    return place_model(model_or_program, chip)
