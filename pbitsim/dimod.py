"""``PBitSampler``: any pbitsim chip as a ``dimod.Sampler`` for Ocean users (optional extra ``dimod``).

>>> from pbitsim.dimod import PBitSampler
>>> sampleset = PBitSampler("ideal").sample_ising({0: 0.5}, {(0, 1): -1.0}, num_reads=10, seed=1)

Each read is the final state of one independent replica after ``num_sweeps``
sweeps at inverse temperature ``beta`` (Gibbs sampling at constant beta, not
annealing), started from ``initial_states`` (dimod's convention, as
``dimod.Initialized`` samplers: given states are used one per read and
expanded by ``initial_states_generator`` = ``"random"``, ``"tile"`` or
``"none"``). Energies are the BQM's own.

The ideal chip (topology kind ``model``) takes the BQM's own graph, so any
variable labels work. A chip with a fixed topology is a ``dimod.Structured``
sampler (:class:`StructuredPBitSampler`, what ``PBitSampler(chip)`` returns
for it): ``nodelist``/``edgelist`` are the chip's p-bits and couplers, and a
BQM must use only those (``BinaryQuadraticModelStructureError`` names the
first variable or interaction that is not on the chip).
"""
from __future__ import annotations

import dimod
import numpy as np

from .chip.spec import load_chip
from .errors import PbitsimError
from .models import IsingModel
from .simulate import simulate

__all__ = ["PBitSampler", "StructuredPBitSampler"]


class PBitSampler(dimod.Sampler, dimod.Initialized):
    """Gibbs sampling of a BQM on a pbitsim chip (default: the ideal chip on the BQM's own graph).

    Parameters
    ----------
    chip : str, path or ChipSpec
        Chip description. ``PBitSampler(chip)`` for a fixed-topology chip
        returns a :class:`StructuredPBitSampler`.
    """

    def __new__(cls, chip="ideal"):
        if cls is PBitSampler:
            spec = load_chip(chip)
            if spec.topology.kind != "model":
                cls = StructuredPBitSampler
        return super().__new__(cls)

    def __init__(self, chip="ideal"):
        self.chip = load_chip(chip)
        self._properties = {"chip": self.chip.name, "description": self.chip.description}
        self._parameters = {"num_reads": [], "num_sweeps": [], "beta": [], "seed": [], "burn_in": [],
                            "initial_states": [], "initial_states_generator": []}

    @property
    def properties(self):
        return self._properties

    @property
    def parameters(self):
        return self._parameters

    def sample(self, bqm, num_reads=None, num_sweeps=1000, beta=1.0, seed=None, burn_in=0,
               initial_states=None, initial_states_generator="random", **kwargs):
        """Sample ``bqm`` (any vartype); returns a ``dimod.SampleSet`` in the BQM's vartype.

        Parameters
        ----------
        num_reads : int, optional
            Reads (independent replicas); default the number of ``initial_states``, else 10.
        num_sweeps, burn_in : int
            Sweeps per read (the read is the last state), after ``burn_in`` more.
        beta : float
            Inverse temperature of the Gibbs sampler (dimod energy units).
        seed : int, optional
            Seed of the run and of generated initial states.
        initial_states : samples-like, optional
            Start states in the BQM's vartype (see ``dimod.as_samples``).
        initial_states_generator : {"random", "tile", "none"}
            How to fill reads beyond the given initial states (dimod's convention).
        """
        self.remove_unknown_kwargs(**kwargs)
        if num_reads is None:
            num_reads = 10 if initial_states is None else None
        if num_sweeps < 1 or (num_reads is not None and num_reads < 1):
            raise PbitsimError(f"num_reads and num_sweeps must be >= 1, got {num_reads}, {num_sweeps}")
        parsed = self.parse_initial_states(bqm, initial_states, initial_states_generator, num_reads,
                                           None if seed is None else int(seed) % 2**32)
        num_reads = parsed.num_reads
        variables = list(bqm.variables)
        info = {"chip": self.chip.name, "beta": beta, "num_sweeps": num_sweeps}
        if not variables:  # as dimod's reference samplers: num_reads empty samples at the offset
            return dimod.SampleSet.from_samples_bqm((np.zeros((num_reads, 0), np.int8), []), bqm, info=info)
        index, n = self._indices(bqm, variables)
        init = parsed.initial_states.change_vartype(dimod.SPIN, inplace=False)
        start = np.zeros((num_reads, n), dtype=np.int8)
        start[:] = np.random.default_rng(parsed.seed).choice(np.array([-1, 1], np.int8), size=(num_reads, n))
        start[:, [index[v] for v in init.variables]] = init.record.sample
        model = _ising_from_bqm(bqm.spin, index, n)
        program = self._program(model, seed)
        physical = _to_physical(program, start, parsed.seed)
        run = simulate(program, sweeps=int(num_sweeps), burn_in=int(burn_in), thin=int(num_sweeps),
                       replicas=int(num_reads), beta=beta, seed=seed, initial=physical)
        states = program.unembed(run.states[:, -1, :])[:, [index[v] for v in variables]].astype(np.int8)
        if bqm.vartype is dimod.BINARY:
            states = ((states + 1) // 2).astype(np.int8)
        info["seed"] = run.seed
        return dimod.SampleSet.from_samples_bqm((states, variables), bqm, info=info)

    def _indices(self, bqm, variables):
        """Spin index of each BQM variable and the model size: the BQM's own order."""
        return {v: k for k, v in enumerate(variables)}, len(variables)

    def _program(self, model, seed):
        from .compiler.pipeline import as_program

        return as_program(model, self.chip, seed=0 if seed is None else int(seed))


class StructuredPBitSampler(dimod.Structured, PBitSampler):
    """A fixed-topology chip as a ``dimod.Structured`` sampler: BQM variables are the chip's p-bit labels."""

    def __init__(self, chip="ideal"):
        super().__init__(chip)
        if self.chip.topology.kind == "model":
            raise PbitsimError(f"chip {self.chip.name!r} takes the model's own graph (topology kind 'model'); "
                               "it has no fixed structure: use PBitSampler")
        from .topologies import topology_graph

        t = self.chip.topology
        G = topology_graph(t.kind, t.param_dict, base_dir=t.base_dir)
        self._nodelist = list(range(G.number_of_nodes()))
        self._edgelist = sorted((min(u, v), max(u, v)) for u, v in G.edges())
        self._properties.update({"topology": {"type": t.kind, "shape": dict(t.param_dict)}})

    @property
    def nodelist(self):
        return self._nodelist

    @property
    def edgelist(self):
        return self._edgelist

    def _indices(self, bqm, variables):
        """The chip's own labels: each variable must be a p-bit, each interaction a coupler."""
        n = len(self._nodelist)
        for v in variables:
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= v < n:
                raise dimod.exceptions.BinaryQuadraticModelStructureError(
                    f"variable {v!r} is not a p-bit of chip {self.chip.name!r} (p-bits 0..{n - 1})")
        adj = self.adjacency
        for u, v in bqm.quadratic:
            if v not in adj[u]:
                raise dimod.exceptions.BinaryQuadraticModelStructureError(
                    f"interaction ({u!r}, {v!r}) is not a coupler of chip {self.chip.name!r}")
        return {v: int(v) for v in variables}, n

    def _program(self, model, seed):
        from .compiler.pipeline import place_model

        return place_model(model, self.chip)


def _ising_from_bqm(spin, index, n):
    """pbitsim model of a SPIN BQM: dimod ``E = sum h s + sum J s s``, pbitsim ``E = -h m - J m m``."""
    h = np.zeros(n)
    for v, bias in spin.linear.items():
        h[index[v]] = -bias
    quad = list(spin.quadratic.items())
    rows = np.array([index[u] for (u, _), _ in quad], dtype=np.int64)
    cols = np.array([index[v] for (_, v), _ in quad], dtype=np.int64)
    vals = np.array([-b for _, b in quad], dtype=np.float64)
    return IsingModel.from_edges(rows, cols, vals, h, n=n)


def _to_physical(program, logical, seed):
    """Start states on the program's p-bits: each chain holds its logical spin, unused p-bits random."""
    reads = logical.shape[0]
    out = np.random.default_rng(seed).choice(np.array([-1, 1], np.int8), size=(reads, program.n_physical))
    chains = program.chains
    owner = np.repeat(np.arange(len(chains)), chains.lengths)
    out[:, chains.members] = logical[:, owner]
    return out
