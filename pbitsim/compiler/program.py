"""A :class:`Program`: a model as programmed onto a chip (placement/chains, physical couplings, colours).

Engines run programs.  ``simulate(model, chip)`` builds one on the fly with
:func:`place_model` (direct placement: the model's spin ``i`` sits on p-bit
``placement[i]``); the mapping compiler (:func:`pbitsim.compile`) builds them
with placement or minor embedding, quantization and colouring.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import networkx as nx
import numpy as np

from ..chip.spec import ChipSpec, load_chip
from .colouring import Colouring, canonical_colors, colour_graph, edge_arrays
from ..errors import PbitsimError, TopologyError
from ..models import RBM, IsingModel

UNEMBED_METHODS = ("majority", "discard")


def _frozen_int64(a):
    a = np.array(a, dtype=np.int64).reshape(-1)
    a.setflags(write=False)
    return a


class Chains(Sequence):
    """One chain of physical p-bits per logical spin, stored as CSR ``(ptr, members)``.

    ``chains[i]`` is ``members[ptr[i]:ptr[i+1]]`` (a read-only int64 array,
    sorted); ``len(chains)`` is the number of logical spins.  Built from a list
    of arrays (:meth:`from_lists`) or, for direct placement, one p-bit per spin
    (:meth:`singletons`) without a Python object per spin.
    """

    __slots__ = ("ptr", "members")

    def __init__(self, ptr, members):
        ptr, members = _frozen_int64(ptr), _frozen_int64(members)
        if ptr.size == 0 or ptr[0] != 0 or ptr[-1] != members.size or np.any(np.diff(ptr) < 1):
            raise PbitsimError("chains: ptr must start at 0, end at len(members) and give non-empty chains")
        self.ptr, self.members = ptr, members

    @classmethod
    def from_lists(cls, chains):
        arrs = [np.sort(np.asarray(c, dtype=np.int64).reshape(-1)) for c in chains]
        lengths = np.array([a.size for a in arrs], dtype=np.int64)
        ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return cls(ptr, np.concatenate(arrs) if arrs else np.zeros(0, dtype=np.int64))

    @classmethod
    def singletons(cls, placement):
        placement = np.asarray(placement, dtype=np.int64).reshape(-1)
        return cls(np.arange(placement.size + 1, dtype=np.int64), placement)

    @property
    def lengths(self) -> np.ndarray:
        """int64 (n_logical,): p-bits per chain."""
        return np.diff(self.ptr)

    def __len__(self):
        return self.ptr.size - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        n = len(self)
        i = int(i)
        if not -n <= i < n:
            raise IndexError(f"chain index {i} out of range for {n} chains")
        i %= n
        return self.members[self.ptr[i]:self.ptr[i + 1]]

    def __eq__(self, other):
        return (isinstance(other, Chains) and np.array_equal(self.ptr, other.ptr)
                and np.array_equal(self.members, other.members))

    __hash__ = None

    def __repr__(self):
        lengths = self.lengths
        return (f"Chains(n={len(self)}, p-bits={self.members.size}, "
                f"max length={int(lengths.max()) if lengths.size else 0})")


@dataclass(frozen=True, eq=False)
class Program:
    r"""A model placed (or minor-embedded) on a chip, ready for an engine or an FPGA export.

    Index spaces: *logical* spins ``0..n_logical-1`` are the model's; *physical*
    p-bits ``0..n_physical-1`` are the chip p-bits in use, in increasing order of
    their chip-graph node (``chip_nodes``).  Only physical p-bits are simulated.

    Attributes
    ----------
    logical : IsingModel
        The model the user asked for (an RBM or DBM is converted exactly to spins).
    physical : IsingModel
        Couplings ``J`` and fields ``h`` of the p-bits that run, in chip units:
        ``physical ≈ scale * (logical distributed over chains) + chain couplers``.
        On a fixed-point chip every value is exactly on the chip's weight/bias
        grid and inside its range (the datapath's own quantization is then the
        identity on them).  ``physical.offset`` makes physical and scaled logical
        energies agree when every chain is intact.
    chip : ChipSpec
    placement : int64 ndarray (n_logical,)
        Physical p-bit of each logical spin.  Direct placement: the spin's only
        p-bit.  Minor embedding: the first (lowest-index) p-bit of its chain, a
        representative; :meth:`unembed` reads the whole chain.
    chip_nodes : int64 ndarray (n_physical,)
        Chip-graph node of each physical p-bit (increasing).
    colouring : Colouring
        Proper colouring of the physical p-bits: the chip graph's colouring
        restricted to ``chip_nodes`` (the chip's own clock phases), or for a
        topology-kind ``model`` chip a colouring of the model graph.
    report : dict
        What compilation did (JSON-serialisable): p-bits used, chain lengths,
        chain strength, scale, max |J| / |h| before and after, quantization
        RMS error, fraction clipped, number of colours ... (see
        :func:`pbitsim.compiler.pipeline.compile_model`).
    rbm : RBM or None
        The RBM the program came from, if any (visible spins first).
    beta_factor : float
        Physical inverse temperature per unit of the user's ``beta``:
        ``beta_factor = 1 / scale``, so running the physical couplings at
        ``beta * beta_factor`` (what :func:`pbitsim.simulate` does) samples the
        intended ``exp(-beta E)`` as closely as the bits allow.
    chains : Chains
        Physical p-bits of each logical spin: ``chains[i]`` is a sorted int64
        array (length 1 for direct placement); ``chains.ptr`` / ``chains.members``
        are the same as CSR arrays.  Chains are disjoint and connected in the
        chip graph.  A list of arrays is accepted and converted.
    chain_strength : float
        Ferromagnetic coupling on each chain coupler, in chip units (0 when no
        chain is longer than one p-bit).
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
    chains: Chains | None = None
    chain_strength: float = 0.0

    def __post_init__(self):
        placement = _frozen_int64(self.placement)
        chip_nodes = _frozen_int64(self.chip_nodes)
        if placement.shape[0] != self.logical.n:
            raise PbitsimError(f"placement has {placement.shape[0]} entries, the model {self.logical.n} spins")
        if chip_nodes.shape[0] != self.physical.n:
            raise PbitsimError(f"chip_nodes has {chip_nodes.shape[0]} entries, the physical model "
                               f"{self.physical.n} p-bits")
        if self.chains is None:
            chains = Chains.singletons(placement)
        elif isinstance(self.chains, Chains):
            chains = self.chains
        else:
            chains = Chains.from_lists(self.chains)
        if len(chains) != self.logical.n:
            raise PbitsimError(f"{len(chains)} chains for {self.logical.n} logical spins")
        n = self.physical.n
        m = chains.members
        if m.size and (m.min() < 0 or m.max() >= n):
            raise PbitsimError(f"chains hold p-bits outside 0..{n - 1}")
        if np.unique(m).size != m.size:
            raise PbitsimError("chains overlap: a p-bit belongs to two chains")
        if not np.isfinite(self.beta_factor) or self.beta_factor <= 0:
            raise PbitsimError(f"beta_factor must be a positive finite number, got {self.beta_factor}")
        object.__setattr__(self, "placement", placement)
        object.__setattr__(self, "chip_nodes", chip_nodes)
        object.__setattr__(self, "chains", chains)
        object.__setattr__(self, "beta_factor", float(self.beta_factor))
        object.__setattr__(self, "chain_strength", float(self.chain_strength))

    def __repr__(self):
        return (f"Program(chip={self.chip.name!r}, n_logical={self.n_logical}, n_physical={self.n_physical}, "
                f"edges={self.physical.n_edges}, colours={self.colouring.n_colours}, "
                f"embedded={self.is_embedded}, beta_factor={self.beta_factor:.6g})")

    # ------------------------------------------------------------------ facts
    @property
    def n_physical(self):
        return self.physical.n

    @property
    def n_logical(self):
        return self.logical.n

    @property
    def scale(self) -> float:
        """Chip units per logical unit: ``physical ≈ scale * logical``; ``1 / beta_factor``."""
        return 1.0 / self.beta_factor

    @property
    def chain_lengths(self) -> np.ndarray:
        """int64 (n_logical,): p-bits per logical spin."""
        return self.chains.lengths

    @property
    def is_embedded(self) -> bool:
        """True when some logical spin occupies more than one p-bit (a minor embedding)."""
        return bool(self.chains.members.size > len(self.chains))

    def device_parameters(self) -> dict:
        """Per-p-bit device parameters the chip's datapath runs with (physical order).

        ``gain`` and ``offset`` (float64 (n_physical,)) of the sigmoid, ``stuck``
        (int8: +1/-1 stuck, 0 free), drawn once from ``[pbit] variation_seed``
        by :func:`pbitsim.compiler.hardware.build_datapath`; all ones/zeros without
        device variation.
        """
        from .hardware import build_datapath

        dp = build_datapath(self.chip, self.physical, 1.0, np.arange(self.n_physical, dtype=np.int64),
                            chip_nodes=self.chip_nodes)
        kd = dp.kernel
        return {"gain": np.array(kd.gain, dtype=np.float64), "offset": np.array(kd.offset, dtype=np.float64),
                "stuck": np.array(kd.stuck, dtype=np.int8)}

    # ------------------------------------------------------------------ samples
    def chain_breaks(self, states):
        """bool ``(..., n_logical)``: chain ``i`` is broken (its p-bits disagree) in each state."""
        sums, lengths = self._chain_sums(states)
        return np.abs(sums) != lengths

    def _chain_sums(self, states):
        s = np.asarray(states)
        if s.ndim == 0 or s.shape[-1] != self.n_physical:
            raise PbitsimError(f"states must have shape (..., {self.n_physical}) (physical p-bits), "
                               f"got {s.shape}")
        ptr, members = self.chains.ptr, self.chains.members
        x = s[..., members].astype(np.int64)
        if members.size == 0:
            return np.zeros(s.shape[:-1] + (0,), dtype=np.int64), np.diff(ptr)
        return np.add.reduceat(x, ptr[:-1], axis=-1), np.diff(ptr)

    def unembed(self, states, method="majority", *, seed=0, return_info=False):
        r"""Logical spins from physical states ``(..., n_physical)``.

        Parameters
        ----------
        states : array_like of ±1, shape (..., n_physical)
        method : {"majority", "discard"}
            ``majority``: each logical spin is the sign of the sum of its chain's
            p-bits; a tie (an even chain split half and half) is broken by a fair
            coin from ``seed``.  Shape ``(..., n_logical)``, int8.
            ``discard``: keep only the states in which every chain is intact;
            the leading axes are flattened, shape ``(n_kept, n_logical)``, int8.
        seed : int
            Seed of the tie-breaking coins (majority).
        return_info : bool
            Also return a dict with ``chain_break_fraction`` (mean over states and
            logical spins of "chain broken"), ``broken_state_fraction`` (states
            with at least one broken chain), ``n_states`` and, for discard,
            ``kept`` (bool mask over the leading axes) and ``n_kept``.

        A directly placed program (every chain one p-bit) returns
        ``states[..., placement]`` unchanged in dtype, for either method.
        """
        if method not in UNEMBED_METHODS:
            raise PbitsimError(f"unknown unembedding method {method!r}; allowed: {', '.join(UNEMBED_METHODS)}")
        s = np.asarray(states)
        sums, lengths = self._chain_sums(s)
        broken = np.abs(sums) != lengths
        lead = s.shape[:-1]
        info = {"chain_break_fraction": float(broken.mean()) if broken.size else 0.0,
                "broken_state_fraction": float(broken.any(axis=-1).mean()) if broken.size else 0.0,
                "n_states": int(np.prod(lead, dtype=np.int64))}
        if not self.is_embedded:
            out = s[..., self.placement]
        else:
            out = np.sign(sums).astype(np.int8)
            ties = sums == 0
            if ties.any():
                coins = np.random.default_rng(seed).integers(0, 2, int(ties.sum()))
                out[ties] = (2 * coins - 1).astype(np.int8)
        if method == "discard":
            kept = ~broken.any(axis=-1)
            out = out.reshape(-1, self.n_logical)[kept.reshape(-1)]
            info.update(kept=kept, n_kept=int(kept.sum()))
        return (out, info) if return_info else out

    # ------------------------------------------------------------------ files
    def save(self, path):
        """Write the program to ``.npz`` atomically (see :mod:`pbitsim.compiler.program_io`); returns the path."""
        from .program_io import save_program

        return save_program(self, path)

    @classmethod
    def load(cls, path) -> "Program":
        """Read a program written by :meth:`save` (the chip is stored inside the file)."""
        from .program_io import load_program

        return load_program(path)


def as_ising(model):
    """``(IsingModel, RBM or None)`` from an IsingModel or RBM."""
    if isinstance(model, RBM):
        return model.to_ising(), model
    if isinstance(model, IsingModel):
        return model, None
    raise TypeError(f"expected an IsingModel or RBM, got {type(model).__name__}")


def _missing_edges_message(model, chip, chip_edges):
    """Error message listing the model's coupled pairs that are not chip edges, or None if all are."""
    n, rows, cols = chip_edges
    r, c, _ = model.edges()
    keys = rows * n + cols  # sorted: edge_arrays lexsorts (rows, cols)
    want = r * n + c
    idx = np.minimum(np.searchsorted(keys, want), max(keys.size - 1, 0))
    on_chip = keys[idx] == want if keys.size else np.zeros(want.size, dtype=bool)
    missing = [(int(a), int(b)) for a, b in zip(r[~on_chip], c[~on_chip])]
    if not missing:
        return None
    shown = ", ".join(f"({a}, {b})" for a, b in missing[:8])
    more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
    return (f"model does not fit chip {chip.name!r} ({chip.topology.kind}): {len(missing)} of "
            f"{model.n_edges} coupled pairs are not edges of the chip graph: {shown}{more}")


def chip_graph(chip: ChipSpec):
    """The chip's coupling graph (networkx), or None for topology kind ``model``."""
    from ..topologies import topology_graph

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
    from ..topologies import topology_graph

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

    Building a large chip graph (Pegasus) takes a fraction of a second, so
    :func:`place_model` and the mapping compiler reuse one per ``[topology]``
    table; mutating it raises.  ``edgelist`` graphs are rebuilt every time.
    """
    key = _shared_key(chip)
    return chip_graph(chip) if key is None else _frozen_topology_graph(key)


def _chip_edges(chip: ChipSpec, G):
    """``edge_arrays(G)`` of the chip graph ``G``, cached when ``G`` is the shared one."""
    key = _shared_key(chip)
    if key is not None and G is _frozen_topology_graph(key):
        return _frozen_topology_edges(key)
    return edge_arrays(G)


def place_model(model, chip="ideal", *, colouring=None) -> Program:
    """Direct (identity) placement: logical spin ``i`` on chip p-bit ``i``.

    For topology kind ``model`` the chip takes the model's own graph.  Otherwise
    every coupled pair must be an edge of the chip graph; if not, the error
    lists the missing edges.  Only p-bits holding a spin are simulated.
    """
    chip = load_chip(chip)
    logical, rbm = as_ising(model)
    strategy = colouring or chip.clock.colouring
    G = None
    if chip.topology.kind != "model":
        G = shared_chip_graph(chip)
        n_chip = G.number_of_nodes()
        if logical.n > n_chip:
            raise TopologyError(f"model has {logical.n} spins but chip {chip.name!r} has only {n_chip} p-bits")
        msg = _missing_edges_message(logical, chip, _chip_edges(chip, G))
        if msg:
            raise TopologyError(msg)
    placement = np.arange(logical.n, dtype=np.int64)
    col = program_colouring(chip, logical, G, placement, strategy)
    report = {"n_logical": logical.n, "n_physical": logical.n, "n_edges": logical.n_edges,
              "n_colours": col.n_colours, "colouring": col.strategy, "placement": "direct"}
    return Program(logical, logical, chip, placement, placement.copy(), col, report, rbm)


def program_colouring(chip: ChipSpec, logical: IsingModel, G, chip_nodes, strategy=None) -> Colouring:
    """Colouring of the p-bits in use: the model graph's own for topology kind ``model``,
    else the chip's phases (``G``'s colouring, cached per graph) restricted to ``chip_nodes``."""
    strategy = strategy or chip.clock.colouring
    if chip.topology.kind == "model":
        r, c, _ = logical.edges()
        return colour_graph((logical.n, r, c), strategy)
    return restrict_colouring(colour_graph(_chip_edges(chip, G), strategy), chip_nodes)


def restrict_colouring(colouring: Colouring, nodes) -> Colouring:
    """The colouring of a chip graph restricted to ``nodes`` (still proper on any subgraph)."""
    colours = canonical_colors(np.asarray(colouring.colours)[np.asarray(nodes)])
    colours.setflags(write=False)
    return Colouring(colours, int(colours.max()) + 1 if colours.size else 0, colouring.strategy)


def as_program(model_or_program, chip="ideal") -> Program:
    if isinstance(model_or_program, Program):
        return model_or_program
    return place_model(model_or_program, chip)
