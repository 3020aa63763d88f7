"""``PBitSampler``: any pbitsim chip as a ``dimod.Sampler`` for Ocean users (optional extra ``dimod``).

>>> from pbitsim.dimod import PBitSampler
>>> sampleset = PBitSampler("ideal").sample_ising({0: 0.5}, {(0, 1): -1.0}, num_reads=10, seed=1)

Each read is the final state of one independent replica after ``num_sweeps``
sweeps at inverse temperature ``beta`` (Gibbs sampling at constant beta, not
annealing).  Variables are relabelled ``0..n-1`` in the BQM's variable order
and mapped back; energies are the BQM's own.
"""
from __future__ import annotations

import dimod
import numpy as np

from .chip.spec import load_chip
from .errors import PbitsimError
from .models import IsingModel
from .simulate import simulate

__all__ = ["PBitSampler"]


class PBitSampler(dimod.Sampler):
    """Gibbs sampling of a BQM on a pbitsim chip (default: the ideal chip on the BQM's own graph).

    Parameters
    ----------
    chip : str, path or ChipSpec
        Chip description; fixed-topology chips require the BQM's variables to
        be integers that are nodes of the chip graph (direct placement).
    """

    def __init__(self, chip="ideal"):
        self.chip = load_chip(chip)
        self._properties = {"chip": self.chip.name, "description": self.chip.description}
        self._parameters = {"num_reads": [], "num_sweeps": [], "beta": [], "seed": [], "burn_in": []}

    @property
    def properties(self):
        return self._properties

    @property
    def parameters(self):
        return self._parameters

    def sample(self, bqm, num_reads=10, num_sweeps=1000, beta=1.0, seed=None, burn_in=0, **kwargs):
        """Sample ``bqm`` (any vartype); returns a ``dimod.SampleSet`` in the BQM's vartype."""
        self.remove_unknown_kwargs(**kwargs)
        if num_reads < 1 or num_sweeps < 1:
            raise PbitsimError(f"num_reads and num_sweeps must be >= 1, got {num_reads}, {num_sweeps}")
        variables = list(bqm.variables)
        if not variables:
            return dimod.SampleSet.from_samples([], bqm.vartype, energy=[], info={"chip": self.chip.name})
        spin = bqm.spin
        index = {v: k for k, v in enumerate(variables)}
        if self.chip.topology.kind != "model":
            if not all(isinstance(v, (int, np.integer)) for v in variables):
                raise PbitsimError(f"chip {self.chip.name!r} has a fixed topology; BQM variables must be its "
                                   "integer p-bit labels")
            index = {v: int(v) for v in variables}
        n = max(index.values()) + 1
        h = np.zeros(n)
        for v, bias in spin.linear.items():
            h[index[v]] = -bias          # dimod: E = sum h s + sum J s s ; pbitsim: E = -h m - J m m
        rows, cols, vals = [], [], []
        for (u, v), bias in spin.quadratic.items():
            rows.append(index[u])
            cols.append(index[v])
            vals.append(-bias)
        model = IsingModel.from_edges(np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64),
                                      np.array(vals, dtype=np.float64), h, n=n)
        run = simulate(model, self.chip, sweeps=int(num_sweeps), burn_in=int(burn_in), thin=int(num_sweeps),
                       replicas=int(num_reads), beta=beta, seed=seed)
        cols_idx = [index[v] for v in variables]
        states = run.states[:, -1, :][:, cols_idx].astype(np.int8)
        if bqm.vartype is dimod.BINARY:
            states = ((states + 1) // 2).astype(np.int8)
        sampleset = dimod.SampleSet.from_samples_bqm((states, variables), bqm,
                                                     info={"chip": self.chip.name, "beta": beta,
                                                           "seed": run.seed, "num_sweeps": num_sweeps})
        return sampleset
