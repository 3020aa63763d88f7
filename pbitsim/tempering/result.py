"""The result of a tempering run: :class:`TemperResult`, frozen, saved atomically as ``temper.npz`` + ``temper.json``."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import PbitsimError
from ..files.atomic import save_npz_atomic, write_text_atomic
from .diagnostics import Diagnostics
from .ladder import Ladder, Thermodynamics

ARRAYS = ("betas", "physical_betas", "energies", "labels", "swap_counts")


@dataclass(frozen=True, eq=False)
class TemperResult:
    r"""A parallel-tempering run.

    Attributes
    ----------
    betas, physical_betas : float64 (K,)
        The ladder in the user's units (ascending: rung 0 hottest) and as the chip runs it
        (``program.physical_beta``).
    energies : float64 (X, T, K)
        Energy (physical model, chip units, with its offset) of the state at rung ``k`` of chain ``x`` after
        round ``t`` (a round: ``sweeps_per_round`` sweeps of every replica, then a swap pass).
    labels : int32 (X, T, K)
        Replica (``x K + j`` started at rung ``j``) at rung ``k`` after round ``t``.
    states : int8 (X, T, K, n) or None
        States by rung, physical order (``program.unembed`` gives logical spins).
    swap_counts : float64 (3, K-1)
        Per adjacent pair: proposals, accepted swaps, summed acceptance probabilities.
    sweeps_per_round, burn_in_sweeps, seed : int
    engine, chip : str
        Kernel path that ran (e.g. ``chromatic``, ``chromatic+datapath/fast``) and chip name.
    diagnostics : Diagnostics
    wall_s : float
    beta_factor : float
        ``program.beta_factor`` (logical energy = physical energy times it).
    """

    betas: np.ndarray
    physical_betas: np.ndarray
    energies: np.ndarray
    labels: np.ndarray
    states: np.ndarray | None
    swap_counts: np.ndarray
    sweeps_per_round: int
    burn_in_sweeps: int
    seed: int
    engine: str
    chip: str
    diagnostics: Diagnostics
    wall_s: float = 0.0
    beta_factor: float = 1.0
    info: dict = field(default_factory=dict)
    program: object = field(default=None, repr=False)

    @property
    def n_rungs(self):
        return int(self.betas.size)

    @property
    def n_chains(self):
        return int(self.energies.shape[0])

    @property
    def ladder(self) -> Ladder:
        return Ladder(self.betas, "given")

    def thermodynamics(self) -> Thermodynamics:
        """``U(beta)`` (logical units) and ``C(beta)`` on this ladder, for :mod:`pbitsim.tempering.ladder`."""
        d = self.diagnostics
        return Thermodynamics(np.asarray(self.betas), d.mean_energy * self.beta_factor, d.heat_capacity)

    def flow(self):
        """``(betas, f)`` restricted to rungs where the flow is defined (for the feedback ladder)."""
        f = self.diagnostics.flow
        ok = np.isfinite(f)
        return np.asarray(self.betas)[ok], f[ok]

    def summary(self) -> dict:
        """Metadata and diagnostics, JSON-ready."""
        return {"engine": self.engine, "chip": self.chip, "seed": int(self.seed), "n_rungs": self.n_rungs,
                "n_chains": self.n_chains, "rounds": int(self.energies.shape[1]),
                "sweeps_per_round": int(self.sweeps_per_round), "burn_in_sweeps": int(self.burn_in_sweeps),
                "betas": np.asarray(self.betas).tolist(), "physical_betas": np.asarray(self.physical_betas).tolist(),
                "beta_factor": float(self.beta_factor), "wall_s": float(self.wall_s),
                "diagnostics": self.diagnostics.to_dict(), "info": self.info}

    def save(self, directory):
        """Write ``temper.npz`` (arrays) and ``temper.json`` (:meth:`summary`) into ``directory``, atomically."""
        os.makedirs(directory, exist_ok=True)
        arrays = {k: np.asarray(getattr(self, k)) for k in ARRAYS}
        if self.states is not None:
            arrays["states"] = self.states
        npz = save_npz_atomic(os.path.join(directory, "temper.npz"), **arrays)
        js = os.path.join(directory, "temper.json")
        write_text_atomic(js, json.dumps(self.summary(), indent=1) + "\n")
        return npz, js

    @classmethod
    def load(cls, directory) -> TemperResult:
        """Read a result written by :meth:`save` (without the program)."""
        try:
            with open(os.path.join(directory, "temper.json")) as fh:
                meta = json.load(fh)
            z = np.load(os.path.join(directory, "temper.npz"))
        except (OSError, ValueError) as e:
            raise PbitsimError(f"{directory}: not a tempering result ({e})") from None
        d = meta["diagnostics"]
        diag = Diagnostics(**{k: (np.array([np.nan if x is None else x for x in v], dtype=np.float64)
                                  if isinstance(v, list) else (np.nan if v is None else v)) for k, v in d.items()})
        return cls(z["betas"], z["physical_betas"], z["energies"], z["labels"],
                   z["states"] if "states" in z.files else None, z["swap_counts"], meta["sweeps_per_round"],
                   meta["burn_in_sweeps"], meta["seed"], meta["engine"], meta["chip"], diag, meta["wall_s"],
                   meta["beta_factor"], meta.get("info", {}))
