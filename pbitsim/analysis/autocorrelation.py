r"""Integrated autocorrelation time of a sampled series (Sokal's automatic window).

Convention (used everywhere in pbitsim)::

    rho(t)  = C(t) / C(0),     C(t) = E[(x_s - mu)(x_{s+t} - mu)]
    tau_int = 1 + 2 * sum_{t >= 1} rho(t)

so independent samples have ``tau_int = 1`` and the variance of the mean of
``T`` correlated samples is ``Var(x) * tau_int / T`` for large ``T``: the series
is worth ``ESS = T / tau_int`` independent samples.  (Sokal's lecture notes
write ``tau = 1/2 + sum_{t>=1} rho(t)``, half of this.)

Estimator: the autocovariance is computed by FFT (biased normalisation ``1/T``,
mean subtracted), and the sum is cut at the smallest window ``M`` with
``M >= c * tau(M)`` (Sokal; Goodman & Weare use ``c = 5``).  The estimate is
trusted only when the series is long compared with ``tau``: ``reliable`` needs
``T >= 50 * tau`` (and a window found).  Its standard error is Sokal's
``tau * sqrt(2 (2M + 1) / T)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft

#: ``reliable`` needs at least this many samples per unit of ``tau``.
MIN_SAMPLES_PER_TAU = 50.0


@dataclass(frozen=True)
class TauResult:
    """Integrated autocorrelation time of one series or of each column.

    Attributes
    ----------
    tau : float or ndarray (k,)
        ``1 + 2 sum_{t=1}^{M} rho(t)``; NaN for a constant column (no
        fluctuation, so nothing to estimate).
    window : int or ndarray (k,)
        The cut ``M`` (the largest lag summed).
    ess : float or ndarray (k,)
        Effective sample size ``n_samples / tau`` (counting every replica).
    reliable : bool
        True when every column found a window and ``n_samples >= 50 tau``.
    error : float or ndarray (k,)
        Sokal's standard error ``tau sqrt(2 (2M + 1) / N)`` (``N`` samples over all replicas).
    n_samples : int
        Samples that entered (all replicas together).
    """

    tau: float | np.ndarray
    window: int | np.ndarray
    ess: float | np.ndarray
    reliable: bool
    error: float | np.ndarray
    n_samples: int


def _as_replicas(x, replicas):
    """``(R, T, k)`` float64 view and whether the input was 1-D."""
    a = np.asarray(x, dtype=np.float64)
    if replicas:
        if a.ndim not in (2, 3):
            raise ValueError(f"replicas must have shape (R, T) or (R, T, k), got {a.shape}")
        one_d = a.ndim == 2
        a = a[..., None] if one_d else a
    else:
        if a.ndim not in (1, 2):
            raise ValueError(f"series must have shape (T,) or (T, k), got {a.shape}")
        one_d = a.ndim == 1
        a = a[None, :, None] if one_d else a[None]
    if a.shape[1] < 2:
        raise ValueError(f"need at least 2 samples per replica, got {a.shape[1]}")
    if not np.all(np.isfinite(a)):
        raise ValueError("series contains non-finite values")
    return a, one_d


def _replica_autocovariance(a):
    """Mean over replicas of the ``1/T`` autocovariance about the grand mean; ``(T, k)``."""
    T = a.shape[1]
    a = a - a.mean(axis=(0, 1))
    size = scipy.fft.next_fast_len(2 * T)
    spec = scipy.fft.rfft(a, n=size, axis=1)
    acov = scipy.fft.irfft(spec * spec.conj(), n=size, axis=1)[:, :T]
    return acov.mean(axis=0) / T


def autocovariance(x):
    """Autocovariance ``C(t)``, ``t = 0 .. T-1``, of ``(T,)`` or each column of ``(T, k)``.

    Mean subtracted, normalised by ``1/T`` (the positive-definite estimator),
    computed by FFT.  Returns the shape of ``x``.
    """
    a, one_d = _as_replicas(x, replicas=False)
    acov = _replica_autocovariance(a)
    return acov[:, 0] if one_d else acov


def _windowed_tau(acov, flat, c, common):
    """``(tau, window, found)`` per column from an autocovariance ``(T, k)``; ``flat``: constant columns."""
    T, k = acov.shape
    var = acov[0]
    rho = acov[1:] / np.where(flat, 1.0, var)
    taus = 1.0 + 2.0 * np.cumsum(rho, axis=0)        # taus[M-1] = tau(M)
    lags = np.arange(1, T)[:, None]
    ok = lags >= c * taus
    found = ok.any(axis=0)
    idx = np.where(found, ok.argmax(axis=0), T - 2)
    if common and np.any(~flat):
        idx = np.full(k, idx[~flat].max())
        found = np.full(k, bool(found[~flat].all()))
    tau = taus[idx, np.arange(k)]
    tau = np.where(flat, np.nan, tau)
    return tau, np.where(flat, 0, idx + 1), found & ~flat


def integrated_time(x, *, c=5.0, common_window=False):
    r"""Integrated autocorrelation time ``tau_int = 1 + 2 sum_{t>=1} rho(t)`` of a series.

    Parameters
    ----------
    x : array_like, (T,) or (T, k)
        One series, or ``k`` observables sampled at the same ``T`` times (one
        ``tau`` per column).
    c : float
        Window constant: the sum runs to the smallest ``M`` with ``M >= c tau(M)``.
    common_window : bool
        Sum every column to the largest of the per-column windows.  Use it
        when the columns are observables of one replica: an observable with a
        small share in a slow mode stops its own window before that mode's
        tail and under-reports ``tau`` (the standard error does not include
        this truncation bias); the common window picks the tail up from the
        slowest column, at the price of some extra noise.

    Returns
    -------
    TauResult
        Scalars for a 1-D input, ``(k,)`` arrays for a 2-D one.
    """
    return _result(_as_replicas(x, replicas=False), c, common_window)


def integrated_time_replicas(replicas, *, c=5.0, common_window=False):
    r"""``tau_int`` from ``R`` independent replicas of equal length, ``(R, T)`` or ``(R, T, k)``.

    The autocovariance is averaged over replicas about the *grand* mean, so
    replicas stuck in different modes show up as a long time rather than being
    hidden by per-replica centring.  ``ess = R T / tau``; ``reliable`` needs
    ``T >= 50 tau`` within each replica.
    """
    return _result(_as_replicas(replicas, replicas=True), c, common_window)


def _result(parsed, c, common=False):
    (a, one_d) = parsed
    if not c > 0:
        raise ValueError(f"window constant c must be positive, got {c}")
    R, T, _ = a.shape
    flat = np.all(a == a[:1, :1], axis=(0, 1))
    tau, window, found = _windowed_tau(_replica_autocovariance(a), flat, c, common)
    ess = R * T / tau
    error = tau * np.sqrt(2.0 * (2.0 * window + 1.0) / (R * T))
    reliable = bool(np.all(found) and np.all(T >= MIN_SAMPLES_PER_TAU * tau))
    if one_d:
        return TauResult(float(tau[0]), int(window[0]), float(ess[0]), reliable, float(error[0]), R * T)
    return TauResult(tau, window, ess, reliable, error, R * T)


def effective_sample_size(x, *, c=5.0, common_window=False):
    """``T / tau_int`` of ``(T,)`` (a float) or of each column of ``(T, k)`` (an array)."""
    return integrated_time(x, c=c, common_window=common_window).ess
