r"""Ladder diagnostics of a tempering run: acceptances, specific heat, replica flow, round trips, ``tau_int``.

Conventions (rung 0 hottest, rung ``K-1`` coldest; times in sweeps per replica):

- acceptance of pair ``(k, k+1)``: accepted / proposed swaps; ``expected``: the mean of the
  acceptance probabilities ``min(1, e^d)`` of the same proposals (lower variance, same expectation);
- ``C(beta) = beta^2 Var(E)`` from the energies recorded at each rung (dimensionless; the same in
  physical and logical units, as ``beta E`` is);
- replica flow ``f(beta_k)``: of the replicas at rung ``k`` that have visited an extreme rung, the
  fraction whose last extreme was the coldest (``f = 1`` at the coldest rung, 0 at the hottest;
  a linear ``f`` is the ideal of Katzgraber et al. 2006);
- a *round trip* is a replica's walk from the coldest rung to the hottest and back; its time is the
  time between the two arrivals at the coldest rung;
- ``tau_int`` (:mod:`pbitsim.analysis.autocorrelation`, Sokal window) of the energy series at each
  rung over the chains, and of the gradient observables ``m_i`` and ``m_u m_v`` (edges) at each rung
  (their largest value), both in sweeps.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..analysis.autocorrelation import integrated_time_replicas

#: gradient observables whose tau_int is measured per rung (evenly spaced subsets)
MAX_TAU_EDGES, MAX_TAU_SPINS = 48, 16


@dataclass(frozen=True)
class Diagnostics:
    """Ladder diagnostics (all arrays float64; ``K`` rungs).

    Attributes
    ----------
    acceptance, acceptance_expected : (K-1,)
        Measured swap acceptance per adjacent pair, and the mean acceptance probability of its proposals.
    mean_energy, energy_variance : (K,)
        Physical energies (chip units) recorded at each rung.
    heat_capacity : (K,)
        ``C = beta^2 Var(E)``.
    flow : (K,)
        Replica flow ``f(beta)``; NaN where no replica has yet visited an extreme.
    round_trips : int
        Completed round trips (coldest -> hottest -> coldest) over all replicas.
    round_trip_sweeps : float
        Mean round-trip time (sweeps); NaN without round trips.
    tau_energy, tau_gradient : (K,)
        ``tau_int`` (sweeps) of the energy and the largest over the gradient observables; NaN where not measured.
    """

    acceptance: np.ndarray
    acceptance_expected: np.ndarray
    mean_energy: np.ndarray
    energy_variance: np.ndarray
    heat_capacity: np.ndarray
    flow: np.ndarray
    round_trips: int
    round_trip_sweeps: float
    tau_energy: np.ndarray
    tau_gradient: np.ndarray

    def to_dict(self):
        """JSON-ready dict (lists, NaN as None)."""
        def clean(v):
            if isinstance(v, np.ndarray):
                return [None if not np.isfinite(x) else float(x) for x in v]
            if isinstance(v, float) and not np.isfinite(v):
                return None
            return v
        return {k: clean(v) for k, v in asdict(self).items()}


def replica_rungs(labels, K):
    """``rung[x, t, j]``: rung of replica ``x K + j`` at round ``t`` from ``labels`` (X, T, K)."""
    X, T, _ = labels.shape
    local = labels - (np.arange(X)[:, None, None] * K)
    rung = np.empty_like(local)
    xi, ti = np.meshgrid(np.arange(X), np.arange(T), indexing="ij")
    for k in range(K):
        rung[xi, ti, local[:, :, k]] = k
    return rung


def _last_extreme(rung, K):
    """+1 (last extreme coldest), -1 (hottest) or 0 (none yet) per replica and round: (X, T, K)."""
    ext = np.where(rung == K - 1, 1, np.where(rung == 0, -1, 0))
    T = rung.shape[1]
    idx = np.where(ext != 0, np.arange(T)[None, :, None], -1)
    idx = np.maximum.accumulate(idx, axis=1)
    last = np.take_along_axis(ext, np.maximum(idx, 0), axis=1)
    return np.where(idx >= 0, last, 0)


def replica_flow(labels, K):
    """``f(beta_k)`` (K,) from the label history (NaN where undefined)."""
    last = _last_extreme(replica_rungs(labels, K), K)
    at_rung = np.take_along_axis(last, labels - np.arange(labels.shape[0])[:, None, None] * K, axis=2)
    up = (at_rung == 1).sum(axis=(0, 1)).astype(np.float64)
    seen = (at_rung != 0).sum(axis=(0, 1)).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(seen > 0, up / np.maximum(seen, 1), np.nan)


def round_trips(labels, K):
    """``(count, times)``: completed coldest->hottest->coldest trips and their durations in rounds."""
    rung = replica_rungs(labels, K)
    times = []
    X, _, R = rung.shape
    for x in range(X):
        for j in range(R):
            r = rung[x, :, j]
            ext = np.flatnonzero((r == 0) | (r == K - 1))
            if ext.size == 0:
                continue
            sym = r[ext] == K - 1
            start = np.concatenate([[True], sym[1:] != sym[:-1]])  # arrivals at an extreme
            arr_t, arr_cold = ext[start], sym[start]
            cold_t = arr_t[arr_cold]
            # consecutive cold arrivals always have a hot arrival in between (runs alternate)
            times.extend(np.diff(cold_t).tolist())
    return len(times), np.asarray(times, dtype=np.float64)


def _tau(series, sweeps_per_round):
    """Largest ``tau_int`` (sweeps) over the columns of ``series`` (X, T, k); NaN if too short or constant."""
    if series.shape[1] < 8:
        return np.nan
    res = integrated_time_replicas(series.astype(np.float64))
    tau = np.atleast_1d(res.tau)
    return float(np.nanmax(tau)) * sweeps_per_round if np.any(np.isfinite(tau)) else np.nan


def gradient_observables(states, edges):
    """``m_i`` (a subset) and ``m_u m_v`` (a subset of ``edges`` (2, E)) of states (..., n): (..., k)."""
    n = states.shape[-1]
    spins = np.unique(np.linspace(0, n - 1, min(n, MAX_TAU_SPINS)).astype(np.int64))
    E = edges.shape[1]
    pick = np.unique(np.linspace(0, E - 1, min(E, MAX_TAU_EDGES)).astype(np.int64)) if E else np.zeros(0, int)
    u, v = edges[0, pick], edges[1, pick]
    s = states.astype(np.int8)
    return np.concatenate([s[..., spins], s[..., u] * s[..., v]], axis=-1)


def diagnose(betas_physical, energies, labels, counts, sweeps_per_round, states=None, edges=None) -> Diagnostics:
    """:class:`Diagnostics` from a run's records: ``energies`` (X, T, K), ``labels`` (X, T, K), swap ``counts``
    (3, K-1), optional ``states`` (X, T, K, n) and ``edges`` (2, E) of the physical model."""
    K = betas_physical.size
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = counts[1] / counts[0]
        acc_exp = counts[2] / counts[0]
    flat = energies.reshape(-1, K)
    mean_e = flat.mean(axis=0)
    var_e = flat.var(axis=0)
    n_trips, trip_t = round_trips(labels, K)
    tau_e = np.array([_tau(energies[:, :, k:k + 1], sweeps_per_round) for k in range(K)])
    if states is not None and edges is not None:
        tau_g = np.array([_tau(gradient_observables(states[:, :, k], edges), sweeps_per_round) for k in range(K)])
    else:
        tau_g = np.full(K, np.nan)
    return Diagnostics(acc, acc_exp, mean_e, var_e, betas_physical ** 2 * var_e, replica_flow(labels, K),
                       int(n_trips), float(trip_t.mean() * sweeps_per_round) if n_trips else float("nan"),
                       tau_e, tau_g)
