r"""Temperature ladders: validation, the geometric default, adaptive ladders, files, rung counts.

A ladder is a strictly increasing list of inverse temperatures ``beta_0 <
... < beta_{K-1}`` in the user's units (rung 0 hottest, rung ``K-1``
coldest); :class:`Ladder` holds one and saves/loads it as JSON.  A ladder is a
*density* ``eta(beta)`` on ``[beta_min, beta_max]`` sampled at ``K`` points
(rung ``k`` at the ``k/(K-1)`` quantile of ``eta``):

- geometric: ``eta ∝ 1/beta`` (constant ratio ``beta_{k+1}/beta_k``);
- constant swap acceptance: ``eta ∝ sigma_E(beta) = sqrt(C(beta))/beta``.  For
  Gaussian energy histograms a pair's acceptance is ``erfc(s / (2 sqrt 2))``
  with ``s = dbeta sqrt(sigma_a^2 + sigma_b^2)``, so equal ``dbeta sigma``
  steps give equal acceptances;
- constant entropy production (Sabo, Meuwly, Freeman, Doll 2008):
  ``eta ∝ C(beta)/beta`` (equal entropy differences ``dS = C dbeta/beta``);
- feedback-optimised (Katzgraber, Trebst, Huse, Troyer 2006): from a run's
  replica flow ``f(beta)`` (fraction of replicas that last visited the
  coldest rung), ``eta'(beta) ∝ sqrt(eta(beta) df/dbeta)``; iterated, it
  maximises the round-trip rate.

``C(beta) = beta^2 Var(E)`` and ``U(beta) = <E>`` are measured on an existing
ladder (:mod:`pbitsim.tempering.diagnostics`) and interpolated (``log C``
and ``U`` linear in ``beta``).  :func:`rungs_needed` reports how many rungs a
density needs so that every adjacent pair's predicted acceptance (Gaussian
energies, :func:`predicted_acceptance`) reaches a target.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
from scipy.special import erfcinv
from scipy.stats import norm

from ..errors import PbitsimError
from ..files.atomic import write_text_atomic

KINDS = ("geometric", "constant_acceptance", "constant_entropy", "feedback", "given")
MAX_RUNGS = 4096
#: the feedback ladder floors df/dbeta at this fraction of its mean (flat, poorly measured stretches)
FLOW_FLOOR = 0.05


def check_betas(betas, *, source="betas") -> np.ndarray:
    """``betas`` as a strictly increasing float64 array of at least two finite positive values.

    A strictly decreasing list is accepted and reversed; anything else (one rung, ``beta <= 0``, NaN,
    repeated or non-monotone values) is a :class:`PbitsimError` naming ``source`` and the offending value.
    """
    try:
        b = np.asarray(betas, dtype=np.float64)
    except (TypeError, ValueError):
        raise PbitsimError(f"{source}: a ladder must be a list of numbers, got {betas!r}") from None
    if b.ndim != 1:
        raise PbitsimError(f"{source}: a ladder must be a 1-D list of inverse temperatures, got shape {b.shape}")
    if b.size < 2:
        raise PbitsimError(f"{source}: a ladder needs at least 2 rungs, got {b.size} ({b.tolist()})")
    if b.size > MAX_RUNGS:
        raise PbitsimError(f"{source}: at most {MAX_RUNGS} rungs, got {b.size}")
    bad = np.flatnonzero(~np.isfinite(b) | (b <= 0))
    if bad.size:
        raise PbitsimError(f"{source}: every beta must be finite and > 0; rung {bad[0]} is {b[bad[0]]}")
    d = np.diff(b)
    if np.all(d < 0):
        b = b[::-1].copy()
    elif not np.all(d > 0):
        k = int(np.flatnonzero(d <= 0)[0]) if d[0] > 0 else int(np.flatnonzero(d >= 0)[0]) if d[0] < 0 else 0
        raise PbitsimError(f"{source}: a ladder must be strictly monotone; rungs {k} and {k + 1} are "
                           f"{b[k]} and {b[k + 1]}")
    return b


@dataclass(frozen=True)
class Ladder:
    """A validated ladder: ``betas`` float64 (K,) strictly increasing (user units), how it was made."""

    betas: np.ndarray
    kind: str = "given"
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        b = check_betas(self.betas)
        b.flags.writeable = False
        object.__setattr__(self, "betas", b)
        if self.kind not in KINDS:
            raise PbitsimError(f"unknown ladder kind {self.kind!r}; allowed: {', '.join(KINDS)}")

    @property
    def n_rungs(self) -> int:
        return int(self.betas.size)

    def save(self, path):
        """Write ``{"kind", "betas", "info"}`` as JSON, atomically; returns the path."""
        text = json.dumps({"kind": self.kind, "betas": self.betas.tolist(), "info": self.info}, indent=1)
        write_text_atomic(path, text + "\n")
        return path

    @classmethod
    def load(cls, path) -> Ladder:
        """Read a ladder written by :meth:`save` (or any JSON list / object with a ``betas`` list)."""
        try:
            with open(path) as fh:
                d = json.load(fh)
        except (OSError, ValueError) as e:
            raise PbitsimError(f"{path}: cannot read a ladder ({e})") from None
        if isinstance(d, list):
            d = {"betas": d}
        if not isinstance(d, dict) or "betas" not in d:
            raise PbitsimError(f"{path}: a ladder file needs a 'betas' list")
        return cls(check_betas(d["betas"], source=f"{path}: key 'betas'"), d.get("kind", "given"),
                   dict(d.get("info", {})))


def as_ladder(betas) -> Ladder:
    """A :class:`Ladder` from a Ladder, a list of betas or a path to a ladder file."""
    if isinstance(betas, Ladder):
        return betas
    if isinstance(betas, str) or hasattr(betas, "__fspath__"):
        return Ladder.load(betas)
    return Ladder(check_betas(betas))


def geometric(beta_min, beta_max, n_rungs) -> Ladder:
    """``beta_k = beta_min (beta_max / beta_min)^(k / (K-1))``, ``K = n_rungs`` (the default ladder)."""
    if isinstance(n_rungs, bool) or not isinstance(n_rungs, (int, np.integer)) or n_rungs < 2:
        raise PbitsimError(f"a ladder needs n_rungs >= 2, got {n_rungs!r}")
    lo, hi = check_betas([beta_min, beta_max], source="geometric ladder (beta_min, beta_max)")
    return Ladder(np.geomspace(lo, hi, int(n_rungs)), "geometric", {"beta_min": lo, "beta_max": hi})


# ------------------------------------------------------------------ densities
def from_density(grid, eta, n_rungs) -> np.ndarray:
    """``n_rungs`` betas at the equal-mass quantiles of the positive density ``eta`` on ``grid``."""
    eta = np.maximum(np.asarray(eta, dtype=np.float64), 1e-300)
    mass = np.concatenate([[0.0], np.cumsum(0.5 * (eta[1:] + eta[:-1]) * np.diff(grid))])
    b = np.interp(np.linspace(0.0, mass[-1], int(n_rungs)), mass, grid)
    b[0], b[-1] = grid[0], grid[-1]
    return b


@dataclass(frozen=True)
class Thermodynamics:
    """``U(beta) = <E>`` and ``C(beta) = beta^2 Var E`` measured on a ladder, interpolated in between."""

    betas: np.ndarray
    mean_energy: np.ndarray
    heat_capacity: np.ndarray

    def grid(self, points=2001):
        return np.linspace(self.betas[0], self.betas[-1], points)

    def U(self, beta):
        return np.interp(beta, self.betas, self.mean_energy)

    def C(self, beta):
        return np.exp(np.interp(beta, self.betas, np.log(np.maximum(self.heat_capacity, 1e-300))))

    def sigma(self, beta):
        """Energy standard deviation ``sqrt(C)/beta``."""
        beta = np.asarray(beta, dtype=np.float64)
        return np.sqrt(self.C(beta)) / beta


def predicted_acceptance(thermo: Thermodynamics, betas) -> np.ndarray:
    r"""Swap acceptance of each adjacent pair for Gaussian energy histograms with ``U`` and ``sigma`` of ``thermo``.

    ``d = dbeta (E_b - E_a) ~ N(mu, s^2)`` with ``mu = dbeta (U_b - U_a)``, ``s^2 = dbeta^2 (sigma_a^2 +
    sigma_b^2)``; ``E[min(1, e^d)] = Phi(mu/s) + e^{mu + s^2/2} Phi(-(mu + s^2)/s)``.
    """
    b = np.asarray(betas, dtype=np.float64)
    db = np.diff(b)
    mu = db * (thermo.U(b[1:]) - thermo.U(b[:-1]))
    s = np.maximum(db * np.sqrt(thermo.sigma(b[1:]) ** 2 + thermo.sigma(b[:-1]) ** 2), 1e-300)
    tail = np.exp(np.minimum(mu + 0.5 * s * s, 700.0)) * norm.cdf(-(mu + s * s) / s)
    return np.clip(norm.cdf(mu / s) + tail, 0.0, 1.0)


def density(kind, thermo: Thermodynamics, grid, flow=None):
    """The density ``eta`` of ladder ``kind`` on ``grid`` (``flow``: ``(betas, f)`` for ``feedback``)."""
    if kind == "geometric":
        return 1.0 / grid
    if kind == "constant_acceptance":
        return thermo.sigma(grid)
    if kind == "constant_entropy":
        return thermo.C(grid) / grid
    if kind == "feedback":
        if flow is None:
            raise PbitsimError("the feedback-optimised ladder needs a measured replica flow f(beta)")
        fb, f = flow
        f = np.maximum.accumulate(np.clip(np.asarray(f, dtype=np.float64), 0.0, 1.0))  # monotone in beta
        floor = FLOW_FLOOR * max(f[-1] - f[0], 1e-12) / (fb[-1] - fb[0])  # flat stretches (too few trips)
        dfdb = np.maximum(np.diff(f) / np.diff(fb), floor)
        eta_old = 1.0 / np.diff(fb)  # the measured ladder's own density, per interval
        seg = np.clip(np.searchsorted(fb, grid, side="right") - 1, 0, fb.size - 2)
        return np.sqrt(eta_old[seg] * dfdb[seg])
    raise PbitsimError(f"unknown ladder kind {kind!r}; allowed: {', '.join(KINDS[:-1])}")


def adaptive(kind, thermo: Thermodynamics, n_rungs, *, flow=None) -> Ladder:
    """A ``kind`` ladder of ``n_rungs`` rungs on ``thermo``'s ``[beta_min, beta_max]``."""
    grid = thermo.grid()
    return Ladder(from_density(grid, density(kind, thermo, grid, flow), n_rungs), kind,
                  {"from_rungs": int(thermo.betas.size)})


def rungs_needed(kind, thermo: Thermodynamics, target, *, flow=None, max_rungs=MAX_RUNGS) -> int:
    """Fewest rungs of a ``kind`` ladder whose every predicted pair acceptance is ``>= target``.

    For ``constant_acceptance`` the count follows in closed form, ``K = 1 + ceil(int sqrt 2 sigma dbeta / s*)``
    with ``s* = 2 sqrt 2 erfcinv(target)``; the others are searched by bisection.  Returns ``max_rungs + 1``
    when even ``max_rungs`` rungs are not enough.
    """
    if not 0.0 < float(target) < 1.0:
        raise PbitsimError(f"target acceptance must be in (0, 1), got {target}")
    grid = thermo.grid()
    eta = density(kind, thermo, grid, flow)

    def ok(k):
        return bool(np.all(predicted_acceptance(thermo, from_density(grid, eta, k)) >= target))
    lo, hi = 2, 2
    while not ok(hi):
        if hi >= max_rungs:
            return max_rungs + 1
        lo, hi = hi, min(2 * hi, max_rungs)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi if not ok(lo) else lo


def constant_acceptance_estimate(thermo: Thermodynamics, target) -> float:
    """Closed-form rung count of the constant-acceptance ladder (continuous, before rounding up)."""
    grid = thermo.grid()
    s_star = 2.0 * np.sqrt(2.0) * erfcinv(float(target))
    total = np.trapezoid(np.sqrt(2.0) * thermo.sigma(grid), grid)
    return 1.0 + total / s_star
