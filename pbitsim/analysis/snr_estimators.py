r"""Estimators of the gradient SNR from ``R`` independent estimates: Qhat, its jackknife, its interval.

``R`` estimates ``ghat_r`` (rows of ``G``, ``(R, P)``) have mean ``gbar`` and
covariance trace ``T = tr Cov`` (``ddof = 1``).  Both

    N = |gbar|^2 - T/R = (1 / (R (R-1))) sum_{r != s} ghat_r . ghat_s        and        T

are unbiased U-statistics (of ``|E ghat|^2`` and ``tr Cov``), and

    Qhat = N / T

estimates ``|E ghat|^2 / T``, which is ``Q = |g|^2 / E|ghat - g|^2`` when the
estimator is unbiased.  The ratio carries an ``O(1/R)`` bias that
:func:`q_hat_jackknife` removes.

**Interval** (:func:`q_hat_interval`).  A percentile bootstrap of Qhat
under-covers at small ``R`` (87.5-91.5 % for nominal 95 % at ``R = 16``, all
misses on one side) and can exclude Qhat itself.  Instead the interval is the
union of two jackknife intervals, each accurate where the other is weak:

* *Fieller*: ``{Q : (N - Q T)^2 <= t^2 Var_jk(N - Q T)}``, with the
  jackknife (co)variances of ``N`` and ``T`` and ``t`` the Student quantile
  with ``R - 1`` degrees of freedom.  ``N - Q T`` is linear in the two
  U-statistics and has mean 0 at the true Q, so the set inverts a test of
  each Q; it always contains Qhat (where ``N - Qhat T = 0``).  Accurate when
  Qhat is near 0 (``N`` noise dominates); a little short on the low side at
  large Q, where the skewed distribution of ``T`` dominates.
* *log scale*: ``Qhat exp(± t se_jk(log Qhat))``, when Qhat and every
  leave-one-out numerator are positive; accurate at large Q.

Coverage measured over 1000 seeds per case on 3x2 and 4x3 RBMs with exact
``Q`` (independent exact samples, ``K`` = 1..400 per estimate, nine cases with
Q = 0.03..64), nominal 95 %: at ``R = 16`` 0.944-0.979 (Fieller alone
0.935-0.963, percentile bootstrap 0.84-0.92, BCa 0.72-0.89, bootstrap-t
0.71-0.93); at ``R = 8`` 0.945-0.981 (upper end unbounded in <= 2 % of repeats);
at ``R = 32`` 0.935-0.977 (the lowest with one-sample estimates, ``K = 1``, at
Q < 0.1).  The misses are no longer all on one side, though not symmetric: for
Q >~ 1 the interval lies above Q in 3-4 % of repeats and below it in ~1 %; for
Q < 0.1 below Q in 3-5 %.  At ``R = 3-4`` the interval is unbounded in 44-91 %
of repeats.
Tested in ``tests/analysis/test_snr_estimators.py``.

**Minimum R** (:data:`MIN_ESTIMATES`).  Measured on the same RBMs (2000
seeds per case, Q = 0.35, 2.8, 28, 64): Qhat lies within a factor 2 of Q in
22-79 % of repeats at ``R = 2`` (central 90 % of Qhat/Q: 0.2-5.5 at Q = 2.8,
-1.0-11 at Q = 0.35), 31-92 % at ``R = 3``, 41-97 % at ``R = 4``, 55-99.5 % at
``R = 6``, and at ``R = 8`` in 95-100 % whenever ``Q >= 1`` (63 % at Q = 0.35:
a small Q needs many more estimates for a relative precision).  Below
``R = 8`` the report carries a warning.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import t as student_t

from ..errors import PbitsimError

__all__ = ["q_hat", "q_hat_jackknife", "q_hat_interval", "estimate_warnings", "MIN_ESTIMATES",
           "Q_HAT_CI_METHOD", "bootstrap_counts", "bootstrap_q_hat", "percentile_interval",
           "per_parameter_snr", "block_q_hat", "exact_section"]

#: Fewer independent estimates than this and Qhat is too noisy to mean much (measurement in the module docstring).
MIN_ESTIMATES = 8
Q_HAT_CI_METHOD = ("union of the jackknife Fieller interval of N/T and the jackknife log-scale interval, "
                   "Student t with R-1 dof")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def q_hat(estimates):
    r"""``(Qhat, |gbar|^2, T)`` from ``(R, P)`` independent estimates: ``Qhat = (|gbar|^2 - T/R) / T``."""
    G = np.asarray(estimates, dtype=np.float64)
    R = G.shape[0]
    if R < 2:
        raise PbitsimError("Qhat needs at least 2 independent estimates")
    gbar = G.mean(axis=0)
    T = float(G.var(axis=0, ddof=1).sum())
    norm = float(gbar @ gbar)
    return ((norm - T / R) / T if T > 0 else float("inf")), norm, T


def _leave_one_out(G):
    r"""``(N_i, T_i)``, ``(R,)`` each: numerator ``|gbar|^2 - T/(R-1)`` and ``T`` without estimate ``i``.

    Computed from the centred estimates (no cancellation when ``|gbar|^2 >> T``):
    the mean without ``i`` is ``gbar - c_i / (R-1)`` with ``c_i = ghat_i - gbar``.
    """
    R = G.shape[0]
    m = R - 1
    gbar = G.mean(axis=0)
    C = G - gbar
    c2 = (C * C).sum(axis=1)
    T = (c2.sum() - c2 - c2 / m) / (m - 1)
    norm = float(gbar @ gbar) - 2.0 * (C @ gbar) / m + c2 / (m * m)
    return norm - T / m, T


def q_hat_jackknife(estimates):
    r"""Jackknife bias-reduced Qhat: ``R Qhat - (R-1) mean_i Qhat_(-i)`` (needs ``R >= 3``).

    Qhat's numerator and ``T`` are unbiased, but the ratio is not: ``E[1/T_hat] > 1/T``
    gives an ``O(1/R)`` upward bias that the jackknife removes.
    """
    G = np.asarray(estimates, dtype=np.float64)
    R = G.shape[0]
    if R < 3:
        return float("nan")
    N, T = _leave_one_out(G)
    with np.errstate(divide="ignore", invalid="ignore"):
        q_loo = N / T
    return float(R * q_hat(G)[0] - (R - 1) * q_loo.mean())


def _jk_cov(a, b):
    """Jackknife covariance of two statistics from their leave-one-out values."""
    R = a.size
    return float((R - 1) / R * np.sum((a - a.mean()) * (b - b.mean())))


def _fieller(N, T, Ni, Ti, t):
    """``{Q : (N - Q T)^2 <= t^2 Var_jk(N - Q T)}``; the whole line when ``T`` is not significantly > 0."""
    vNN, vTT, vNT = _jk_cov(Ni, Ni), _jk_cov(Ti, Ti), _jk_cov(Ni, Ti)
    a = T * T - t * t * vTT
    b = N * T - t * t * vNT
    c = N * N - t * t * vNN
    if a <= 0:
        return -np.inf, np.inf
    root = np.sqrt(max(b * b - a * c, 0.0))      # >= 0: the quadratic is <= 0 at Q = N/T
    return (b - root) / a, (b + root) / a


def _log_scale(q, Ni, Ti, t):
    """``q exp(± t se_jk(log Qhat))``, or None when Qhat or a leave-one-out Qhat is not positive."""
    if not (q > 0) or np.any(Ni <= 0) or np.any(Ti <= 0):
        return None
    log_q = np.log(Ni / Ti)
    se = np.sqrt(_jk_cov(log_q, log_q))
    return q * np.exp(-t * se), q * np.exp(t * se)


def q_hat_interval(estimates, level=0.95):
    r"""Confidence interval ``(lo, hi)`` for ``|E ghat|^2 / T`` (= Q when unbiased) from ``(R, P)`` estimates.

    The union of the jackknife Fieller interval of ``N / T`` and the jackknife
    log-scale interval (module docstring: method and measured coverage).  Always
    contains :func:`q_hat`'s point estimate.  ``(-inf, inf)`` when ``R < 3`` (no
    jackknife) or when ``T`` is not significantly positive; the lower end may be
    negative (as Qhat may be).
    """
    G = np.asarray(estimates, dtype=np.float64)
    R = G.shape[0]
    q, norm, T = q_hat(G)
    if not 0.0 < level < 1.0:
        raise PbitsimError(f"level must lie in (0, 1), got {level!r}")
    if not np.isfinite(q):
        return q, q
    if R < 3:
        return -np.inf, np.inf
    t = float(student_t.ppf(0.5 + level / 2.0, R - 1))
    Ni, Ti = _leave_one_out(G)
    lo, hi = _fieller(norm - T / R, T, Ni, Ti, t)
    log_ci = _log_scale(q, Ni, Ti, t)
    if log_ci is not None:
        lo, hi = min(lo, log_ci[0]), max(hi, log_ci[1])
    return float(min(lo, q)), float(max(hi, q))


def estimate_warnings(R, ci):
    """Warnings about the meaning of Qhat for ``R`` estimates and interval ``ci``."""
    out = []
    if R < MIN_ESTIMATES:
        out.append(f"only R = {R} independent estimates: below R = {MIN_ESTIMATES} Qhat is off by a factor 2 or "
                   f"more in up to 78 % (R = 2) to 45 % (R = 6) of repeats; use R >= {MIN_ESTIMATES}")
    if not (np.isfinite(ci[0]) and np.isfinite(ci[1])):
        out.append("the Qhat interval is unbounded: the estimates cannot pin Qhat down (too few, or tr Cov "
                   "itself is too noisy)")
    return out


# ------------------------------------------------------------------ bootstrap (operational Q, bias stderr)
def bootstrap_counts(R, n_boot, rng):
    """``(n_boot, R)`` multinomial resampling counts of ``R`` estimates."""
    return rng.multinomial(R, np.full(R, 1.0 / R), size=n_boot).astype(np.float64)


def bootstrap_q_hat(G, counts):
    """Qhat, mean and ``T`` of every bootstrap resample (rows of ``counts``)."""
    R = G.shape[0]
    mean = counts @ G / R
    second = counts @ (G * G) / R
    T = ((second - mean * mean) * (R / (R - 1))).sum(axis=1)
    norm = (mean * mean).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (norm - T / R) / T, mean, T


def percentile_interval(values, level=0.95):
    """Central ``level`` quantiles of the finite ``values``."""
    v = np.asarray(values)[np.isfinite(values)]
    if v.size == 0:
        return (float("nan"), float("nan"))
    a = (1.0 - level) / 2.0
    return (float(np.quantile(v, a)), float(np.quantile(v, 1.0 - a)))


# ------------------------------------------------------------------ report sections
def per_parameter_snr(G):
    """Quantiles of the per-parameter squared SNR ``(gbar_p^2 - s_p^2/R) / s_p^2``."""
    R = G.shape[0]
    mean = G.mean(axis=0)
    var = G.var(axis=0, ddof=1)
    ok = var > 0
    snr2 = (mean[ok] ** 2 - var[ok] / R) / var[ok]
    out = {"definition": "(gbar_p^2 - s_p^2/R) / s_p^2 (squared SNR of one estimate, per parameter)",
           "n_defined": int(ok.sum()), "n_constant": int((~ok).sum())}
    if snr2.size:
        out["quantiles"] = {f"{int(100 * q)}%": float(np.quantile(snr2, q)) for q in QUANTILES}
        out["fraction_above_1"] = float(np.mean(snr2 > 1.0))
    return out


def block_q_hat(layout, G):
    """``{block: {gbar_norm_sq, trace_cov, q_hat}}`` per parameter block of ``layout``."""
    out = {}
    for name, sl in layout.slices().items():
        if sl.stop > sl.start:
            q, norm, T = q_hat(G[:, sl])
            out[name] = {"gbar_norm_sq": norm, "trace_cov": T, "q_hat": q}
    return out


def exact_section(G, g, counts, reference):
    """Operational Q, bias/variance/MSE split against the exact gradient ``g``, with bootstrap intervals."""
    R = G.shape[0]
    gbar = G.mean(axis=0)
    T = float(G.var(axis=0, ddof=1).sum())
    err = ((G - g) ** 2).sum(axis=1)             # |ghat_r - g|^2
    mse = float(err.mean())
    g2 = float(g @ g)
    raw = float((gbar - g) @ (gbar - g))
    bias_sq = raw - T / R                        # unbiased for |E ghat - g|^2
    boot_mse = counts @ err / R
    _, bmean, bT = bootstrap_q_hat(G, counts)
    boot_bias = ((bmean - g) ** 2).sum(axis=1) - bT / R
    return {"reference": reference, "g_norm_sq": g2,
            "q": g2 / mse if mse > 0 else float("inf"),
            "q_ci": list(percentile_interval(g2 / boot_mse)),
            "q_if_unbiased": g2 / T if T > 0 else float("inf"),
            "bias_sq": bias_sq, "bias_sq_stderr": float(np.std(boot_bias, ddof=1)),
            "bias_sq_raw": raw, "variance": T, "mse": mse,
            "mse_split": "mean|ghat - g|^2 = (|gbar - g|^2 - T/R) + T: bias^2 + variance"}
