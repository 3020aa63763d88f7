r"""Global spectral gap against the gap an observable set actually sees.

For a transition matrix ``T`` with modes ``lambda_k`` (sorted by ``|lambda|``,
:mod:`pbitsim.analysis.spectral`) the *global* gap is ``1 - |lambda_1|``
(the second-largest modulus; ``lambda_0 = 1``).  An observable ``f`` sees
mode ``k`` through its weight ``a_k`` (:mod:`pbitsim.analysis.relaxation`:
``f0 = sum_k c_k r_k``, ``a_k = c_k <f0, r_k>_pi / Var_pi f``; for a
reversible ``T`` the share of ``f``'s variance in mode ``k``).  The
*observable-projected* gap of a set of observables ``f_1 .. f_m`` is::

    gap_O = 1 - |lambda_{k*}|,   k* = min { k >= 1 : max_o |a_{o,k}| > tol }

the gap of the slowest mode any of them overlaps.  The autocorrelation of
every ``f_o`` decays no slower than ``|lambda_{k*}|^t``, so ``gap_O`` (not
the global gap) sets how fast gradient estimates built from the ``f_o``
decorrelate.  Under a symmetry (e.g. the global spin flip with no fields)
the slowest mode can be invisible to the observables (odd mode, even
observables ``m_i m_j``): then ``gap_O > gap``.

Modes with ``|lambda| <= zero`` are not tested (sweep matrices have a
large, often defective zero eigenvalue whose individual vectors mean
nothing); if no mode above it is seen, ``gap_O = 1``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .relaxation import observable_relaxation
from .spectral import spectrum

#: Default weight above which an observable is said to see a mode.
DEFAULT_TOL = 1e-8


@dataclass(frozen=True)
class GapComparison:
    r"""Global gap and observable-projected gap of one transition matrix.

    Attributes
    ----------
    global_gap : float
        ``1 - |lambda_1|``.
    projected_gap : float
        ``1 - |lambda_{k*}|`` of the slowest mode some observable sees (1 if none).
    mode : int
        ``k*`` (index into the modes sorted by ``|lambda|``), -1 if no mode is seen.
    mode_weight : float
        ``max_o |a_{o,k*}|``: the largest share any observable has in that mode.
    slowest_weight : float
        ``max_o |a_{o,1}|``: what the observables see of the globally slowest mode.
    tau_max : float
        Largest exact ``tau_int`` over the observables (``1 + 2 sum rho``, steps of ``T``).
    tau : ndarray (n_obs,)
        Exact ``tau_int`` of each observable (NaN for a constant one).
    eigenvalues : ndarray (n_modes,)
    """

    global_gap: float
    projected_gap: float
    mode: int
    mode_weight: float
    slowest_weight: float
    tau_max: float
    tau: np.ndarray
    eigenvalues: np.ndarray

    @property
    def ratio(self) -> float:
        """``projected_gap / global_gap`` (>= 1; large when the slowest mode is invisible)."""
        return float(self.projected_gap / self.global_gap) if self.global_gap > 0 else float("inf")

    def as_dict(self) -> dict:
        """JSON-ready scalars."""
        return {"global_gap": self.global_gap, "projected_gap": self.projected_gap, "mode": self.mode,
                "mode_weight": self.mode_weight, "slowest_weight": self.slowest_weight,
                "tau_max": self.tau_max, "ratio": self.ratio}


def gap_from_weights(eigenvalues, weights, *, tol=DEFAULT_TOL, zero=1e-10):
    r"""``(projected_gap, k*, weight)`` from mode weights ``(n_obs, n_modes)`` and eigenvalues (module docstring)."""
    lam = np.abs(np.asarray(eigenvalues))
    w = np.abs(np.nan_to_num(np.asarray(weights), nan=0.0))
    if w.ndim != 2 or w.shape[1] != lam.size:
        raise ValueError(f"weights must have shape (n_obs, {lam.size}), got {w.shape}")
    if not tol > 0:
        raise ValueError(f"tol must be positive, got {tol}")
    seen = w.max(axis=0) > tol
    for k in range(1, lam.size):
        if lam[k] <= zero:
            break
        if seen[k]:
            return float(1.0 - lam[k]), k, float(w[:, k].max())
    return 1.0, -1, 0.0


def compare_gaps(T, pi, F, *, spec=None, tol=DEFAULT_TOL, zero=1e-10) -> GapComparison:
    r"""Global vs observable-projected gap of ``T`` for observables ``F``.

    Parameters
    ----------
    T : ndarray (2^n, 2^n)
        Dense transition matrix (all modes are needed).
    pi : ndarray (2^n,)
        Its stationary law.
    F : ndarray (n_obs, 2^n)
        Observable values per state code (e.g. :func:`pbitsim.analysis.relaxation.gradient_observables`).
    spec : SpectralResult, optional
        Reused if already computed (must be complete).
    tol : float
        Weight ``|a_{o,k}|`` above which observable ``o`` is said to see mode ``k``.
    zero : float
        Modes with ``|lambda| <= zero`` are not tested.
    """
    if not isinstance(T, np.ndarray):
        raise ValueError("compare_gaps needs a dense transition matrix (all modes)")
    spec = spectrum(T, pi) if spec is None else spec
    if not spec.complete:
        raise ValueError("compare_gaps needs the complete spectrum (dense decomposition)")
    rel = observable_relaxation(T, pi, F, spec=spec)
    gap_o, k, wk = gap_from_weights(spec.eigenvalues, rel.weights, tol=tol, zero=zero)
    slowest = float(np.abs(np.nan_to_num(rel.weights[:, 1])).max()) if spec.eigenvalues.size > 1 else 0.0
    tau_max = float(np.nanmax(rel.tau)) if np.any(np.isfinite(rel.tau)) else float("nan")
    return GapComparison(float(spec.gap), gap_o, k, wk, slowest, tau_max, rel.tau, spec.eigenvalues)
