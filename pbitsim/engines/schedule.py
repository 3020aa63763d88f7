"""What every engine needs before its kernel runs: a validated run schedule and initial states."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import PbitsimError
from ..compiler import seeding
from ..kernels.rng import resolve_seed


@dataclass(frozen=True)
class RunSchedule:
    """Validated run parameters: ``burn_in`` sweeps, then one sample every ``thin`` sweeps.

    ``sweeps`` counts the sweeps after burn-in, so ``n_samples = sweeps // thin``.
    """

    sweeps: int
    burn_in: int
    thin: int
    replicas: int
    beta: float
    seed: int

    @property
    def n_samples(self):
        return self.sweeps // self.thin

    @property
    def total_sweeps(self):
        return self.burn_in + self.n_samples * self.thin


def _int_arg(name, value, lo):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise PbitsimError(f"{name} must be an integer, got {value!r}")
    if value < lo:
        raise PbitsimError(f"{name} must be >= {lo}, got {value}")
    return int(value)


def checked_beta(beta) -> float:
    """``beta`` as a finite non-negative float, or a :class:`PbitsimError` naming the value."""
    if isinstance(beta, (bool, np.bool_)):
        raise PbitsimError(f"beta must be a number, got {beta!r}")
    try:
        beta = float(beta)
    except (TypeError, ValueError):
        raise PbitsimError(f"beta must be a number, got {beta!r}") from None
    if not np.isfinite(beta) or beta < 0:
        raise PbitsimError(f"beta must be finite and >= 0, got {beta}")
    return beta


def make_schedule(sweeps, burn_in=0, thin=1, replicas=1, beta=1.0, seed=None) -> RunSchedule:
    sweeps = _int_arg("sweeps", sweeps, 1)
    burn_in = _int_arg("burn_in", burn_in, 0)
    thin = _int_arg("thin", thin, 1)
    replicas = _int_arg("replicas", replicas, 1)
    if thin > sweeps:
        raise PbitsimError(f"thin = {thin} is larger than sweeps = {sweeps}: no sample would be taken")
    beta = checked_beta(beta)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                             or not 0 <= seed < 2**64):
        raise PbitsimError(f"seed must be an integer in 0..2**64-1 or None, got {seed!r}")
    return RunSchedule(sweeps, burn_in, thin, replicas, beta, resolve_seed(seed))


def initial_states(n, replicas, seed, initial=None):
    """Random ±1 start per replica (replica r depends only on (seed, r)), or a given start.

    ``initial`` may be ``(n,)`` (copied to all replicas) or ``(replicas, n)``.
    """
    if initial is not None:
        init = np.asarray(initial)
        if init.shape == (n,):
            init = np.broadcast_to(init, (replicas, n))
        if init.shape != (replicas, n) or not np.all(np.abs(init) == 1):
            raise PbitsimError(f"initial states must be ±1 with shape ({n},) or ({replicas}, {n}), "
                               f"got shape {np.shape(initial)}")
        return np.ascontiguousarray(init, dtype=np.int8).copy()
    return seeding.initial_spins(n, replicas, seed)


def replica_streams(seed, replicas):
    """One xoroshiro128+ stream per replica (uint64, (replicas, 2))."""
    return seeding.replica_streams(seed, replicas)


def program_cached(program, slot, tag, build):
    """``build()``, kept on ``program`` (frozen, immutable inputs) until asked for with another ``tag``.

    Engines call ``simulate`` many times on one Program (gradient SNR, repeated
    runs); this keeps the arrays derived from it (colour-ordered CSR, compiled
    datapath) instead of rebuilding them per run.  One value per ``slot``: a
    new ``tag`` (e.g. another ``beta``) replaces the old value, so the cache
    stays bounded.  Callers must not modify what it returns.
    """
    cache = program.__dict__.setdefault("_engine_cache", {})
    hit = cache.get(slot)
    if hit is not None and hit[0] == tag:
        return hit[1]
    value = build()
    cache[slot] = (tag, value)
    return value
