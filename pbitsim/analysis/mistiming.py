r"""How far the magnetization's autocorrelation time is from the gradient observables' (the mistiming ratio).

A chain is usually judged "mixed" from a convenient scalar, the
magnetization ``M(s) = (1/n) sum_i m_i``.  What a learning rule needs to
decorrelate are its gradient observables ``phi(s)`` (``m_i m_j``, or an RBM's
``v_i h_j, v_i, h_j``: :func:`pbitsim.analysis.gradients.features`), and in
particular their projection on the gradient direction ``u = g / |g|``::

    x(s) = u . phi(s)                       (the component SGD moves along)
    ratio_projection = tau_int(x) / tau_int(M)
    ratio_max        = max_o tau_int(phi_o) / tau_int(M)
    mistiming        = max(ratio, 1 / ratio)  (fold error of using M, either direction)

with ``tau_int = 1 + 2 sum_{t>=1} rho(t)`` (:mod:`pbitsim.analysis.autocorrelation`).
:func:`mistiming_from_series` estimates these from sampled replicas;
:func:`exact_mistiming` computes them exactly from a transition matrix
(:func:`pbitsim.analysis.relaxation.observable_relaxation`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .autocorrelation import integrated_time_replicas
from .exact import codes_to_states
from .gradients import features
from .relaxation import observable_relaxation
from .transition import MAX_SPECTRAL_SPINS
from ..compiler.program import Program


@dataclass(frozen=True)
class Mistiming:
    r"""``tau_int`` of the magnetization and of the gradient observables, and their ratios.

    Attributes
    ----------
    tau_magnetization, tau_projection : float
        ``tau_int`` of ``M`` and of ``x = u . phi`` (samples).
    tau_components : ndarray (n_obs,)
        ``tau_int`` of each gradient observable (NaN where constant).
    error_magnetization, error_projection : float
        Standard errors (Sokal; 0 for exact values).
    reliable : bool
        The sampled estimates had series long enough (``T >= 50 tau``); True for exact values.
    """

    tau_magnetization: float
    tau_projection: float
    tau_components: np.ndarray
    error_magnetization: float = 0.0
    error_projection: float = 0.0
    reliable: bool = True

    @property
    def ratio_projection(self) -> float:
        """``tau_int(u . phi) / tau_int(M)``."""
        return float(self.tau_projection / self.tau_magnetization)

    @property
    def tau_max(self) -> float:
        """Slowest gradient observable's ``tau_int``."""
        return float(np.nanmax(self.tau_components))

    @property
    def ratio_max(self) -> float:
        """``max_o tau_int(phi_o) / tau_int(M)``."""
        return float(self.tau_max / self.tau_magnetization)

    @property
    def mistiming(self) -> float:
        """``max(r, 1/r)`` of ``ratio_projection``: how many-fold ``M`` mistimes the gradient's mixing."""
        r = self.ratio_projection
        return float(max(r, 1.0 / r))

    def as_dict(self) -> dict:
        """JSON-ready scalars (not the per-component array)."""
        return {"tau_magnetization": self.tau_magnetization, "tau_projection": self.tau_projection,
                "tau_max": self.tau_max, "error_magnetization": self.error_magnetization,
                "error_projection": self.error_projection, "ratio_projection": self.ratio_projection,
                "ratio_max": self.ratio_max, "mistiming": self.mistiming, "reliable": self.reliable}


def _unit(direction, n_obs):
    u = np.asarray(direction, dtype=np.float64).ravel()
    if u.shape != (n_obs,):
        raise ValueError(f"direction has {u.size} entries, the gradient observables {n_obs}")
    norm = np.linalg.norm(u)
    if not np.isfinite(norm) or norm == 0:
        raise ValueError("direction must be a finite, non-zero vector")
    return u / norm


def magnetization(states):
    """``M = mean_i m_i`` of ±1 states ``(..., n)`` -> ``(...)`` float64."""
    return np.asarray(states, dtype=np.float64).mean(axis=-1)


def state_features(model, program=None, *, beta=1.0):
    r"""Gradient observables and magnetization of every state code, for exact (matrix) analyses.

    Parameters
    ----------
    model : RBM or IsingModel
        The logical model; observables as :func:`pbitsim.analysis.gradients.features`
        (RBM: ``v h', v, h`` in the binary parameterisation, no Rao-Blackwellisation).
    program : Program, optional
        State codes are then *physical* (``2^n_physical``) and each is unembedded first.

    Returns
    -------
    (F, M) : ndarray (n_obs, 2^n), ndarray (2^n,)
        ``M`` is the logical magnetization ``mean_i m_i``.
    """
    n = program.n_physical if isinstance(program, Program) else model.n
    if n > MAX_SPECTRAL_SPINS:
        raise ValueError(f"observables over all states need n <= {MAX_SPECTRAL_SPINS}, got {n}")
    states = codes_to_states(np.arange(1 << n), n)
    if isinstance(program, Program):
        states = program.unembed(states)
    return features(model, states, beta=beta).T.copy(), magnetization(states)


def mistiming_from_series(magnetization_series, features, direction, *, c=5.0, chunk=64) -> Mistiming:
    r"""Sampled mistiming from ``R`` replicas.

    Parameters
    ----------
    magnetization_series : ndarray (R, T)
        The scalar judged (usually :func:`magnetization` of the states).
    features : ndarray (R, T, n_obs)
        Gradient observables per sample (any float dtype; processed ``chunk`` columns at a time).
    direction : ndarray (n_obs,)
        Gradient direction ``u`` (normalised here), e.g. the exact gradient.
    c : float
        Sokal window constant.

    Returns
    -------
    Mistiming
        Per-component times use a common window within each chunk (so an observable with a small share
        in a slow mode does not stop its window early).
    """
    mag = np.asarray(magnetization_series, dtype=np.float64)
    feats = np.asarray(features)
    if feats.ndim != 3 or mag.shape != feats.shape[:2]:
        raise ValueError(f"features must be (R, T, n_obs) matching magnetization (R, T); "
                         f"got {feats.shape} and {mag.shape}")
    u = _unit(direction, feats.shape[2])
    proj = np.einsum("rto,o->rt", feats, u.astype(feats.dtype), dtype=np.float64)
    tm = integrated_time_replicas(mag, c=c)
    tp = integrated_time_replicas(proj, c=c)
    taus = []
    for start in range(0, feats.shape[2], int(chunk)):
        block = feats[:, :, start:start + int(chunk)].astype(np.float64)
        taus.append(np.atleast_1d(integrated_time_replicas(block, c=c, common_window=True).tau))
    return Mistiming(float(tm.tau), float(tp.tau), np.concatenate(taus), float(tm.error), float(tp.error),
                     bool(tm.reliable and tp.reliable))


def exact_mistiming(T, pi, magnetization_values, F, direction) -> Mistiming:
    r"""Exact mistiming under a transition matrix ``T`` (steps of ``T``).

    Parameters
    ----------
    T : ndarray, sparse matrix or LinearOperator (2^n, 2^n)
    pi : ndarray (2^n,)
        Stationary law of ``T``.
    magnetization_values : ndarray (2^n,)
        ``M`` per state code.
    F : ndarray (n_obs, 2^n)
        Gradient observables per state code.
    direction : ndarray (n_obs,)
    """
    F = np.atleast_2d(np.asarray(F, dtype=np.float64))
    u = _unit(direction, F.shape[0])
    obs = np.vstack([np.asarray(magnetization_values, dtype=np.float64)[None, :], (u @ F)[None, :], F])
    tau = observable_relaxation(T, pi, obs, modes=False).tau
    return Mistiming(float(tau[0]), float(tau[1]), tau[2:])
