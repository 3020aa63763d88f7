"""The one result type every engine returns: :class:`Samples`."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .files.atomic import save_npz_atomic


@dataclass(frozen=True)
class Timing:
    """Wall-clock cost of a run: ``updates`` p-bit updates (all replicas) in ``wall_s`` seconds."""

    wall_s: float
    updates: int
    sweeps: int
    simulated_ns: float = float("nan")  # chip time covered by the run (clocked/asynchronous engines)

    @property
    def ns_per_update(self) -> float:
        return 1e9 * self.wall_s / max(self.updates, 1)

    @property
    def updates_per_s(self) -> float:
        return self.updates / self.wall_s if self.wall_s > 0 else float("inf")

    def as_dict(self):
        return {"wall_s": self.wall_s, "updates": self.updates, "sweeps": self.sweeps,
                "ns_per_update": self.ns_per_update, "updates_per_s": self.updates_per_s,
                "simulated_ns": self.simulated_ns}


@dataclass(frozen=True)
class Samples:
    """Samples of one run.

    Attributes
    ----------
    states : int8 ndarray (replicas, samples, n) or None
        Bipolar states of the physical p-bits (None when not stored).
    energies : float64 ndarray (replicas, samples)
        Energy of the programmed (physical) model at each sample, offset included.
    mean_m : float64 ndarray (replicas, n) or None
        Running means ``<m_i>`` per replica (when moments were requested).
    mean_mm : float64 ndarray (replicas, n_edges) or None
        Running ``<m_u m_v>`` over ``edges`` per replica.
    edges : int64 ndarray (2, n_edges) or None
        Upper-triangle edge list ``(u, v)`` of the moments.
    """

    states: np.ndarray | None
    energies: np.ndarray
    beta: float
    seed: int
    engine: str
    chip: str
    timing: Timing
    mean_m: np.ndarray | None = None
    mean_mm: np.ndarray | None = None
    edges: np.ndarray | None = None
    program: object = field(default=None, repr=False, compare=False)
    info: dict = field(default_factory=dict)

    @property
    def n_replicas(self):
        return self.energies.shape[0]

    @property
    def n_samples(self):
        return self.energies.shape[1]

    def flat_states(self):
        """States pooled over replicas, ``(replicas * samples, n)``."""
        if self.states is None:
            raise ValueError("states were not stored; run with store_states=True")
        return self.states.reshape(-1, self.states.shape[-1])

    def magnetization(self):
        """Mean magnetisation per spin ``<sum_i m_i>/n``, pooled."""
        if self.states is not None:
            return float(self.states.mean(dtype=np.float64))
        return float(self.mean_m.mean())

    def mean_energy(self):
        """``(mean, standard error)`` of the energy; the error from replica means (or batch means)."""
        e = self.energies
        if e.size == 0:
            return float("nan"), float("nan")
        means = e.mean(axis=1) if e.shape[0] > 1 else _batch_means(e[0])
        k = means.shape[0]
        err = float(means.std(ddof=1) / np.sqrt(k)) if k > 1 else float("nan")
        return float(e.mean()), err

    def unembed(self):
        """Logical samples through the program's placement (see :meth:`Program.unembed`)."""
        return self.program.unembed(self.states)

    def summary(self) -> dict:
        e, de = self.mean_energy()
        out = {"chip": self.chip, "engine": self.engine, "beta": self.beta, "seed": self.seed,
               "replicas": self.n_replicas, "samples_per_replica": self.n_samples,
               "n": None if self.states is None else int(self.states.shape[-1]),
               "mean_energy": e, "mean_energy_stderr": de,
               "magnetization": self.magnetization() if (self.states is not None or self.mean_m is not None) else None,
               **self.timing.as_dict()}
        out.update(self.info)
        return out

    def save(self, path):
        """Write ``states``, ``energies`` (and moments) to ``.npz`` atomically."""
        arrays = {"energies": self.energies, "beta": np.float64(self.beta), "seed": np.uint64(self.seed)}
        if self.states is not None:
            arrays["states"] = self.states
        if self.mean_m is not None:
            arrays["mean_m"] = self.mean_m
            arrays["mean_mm"] = self.mean_mm
            arrays["edges"] = self.edges
        return save_npz_atomic(path, **arrays)


def _batch_means(x, n_batches=20):
    """Means of ``n_batches`` contiguous batches (for a single chain's error bar)."""
    k = min(n_batches, x.shape[0])
    if k < 2:
        return np.array([x.mean()])
    usable = (x.shape[0] // k) * k
    return x[:usable].reshape(k, -1).mean(axis=1)
