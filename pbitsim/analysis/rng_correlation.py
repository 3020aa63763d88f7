r"""How correlated are the random words an LFSR chip's p-bits use, and is that why a law check fails?

A p-bit's update is Markov in the spins only if its random words are
independent and uniform.  An LFSR makes them a deterministic sequence: a
Fibonacci register shifted ``s`` times between two updates of its p-bit hands
out words ``w' = (w << s | s fresh bits) mod 2**k``, so for uniforms
``u = w / 2**k`` the successive-word correlation is ``corr(u, frac(2**s u)) =
2**-s`` (0.5 at one shift per update, 0.06 at four).  The comparator sees the
correlation of ``1[u < q]`` and ``1[u' < q]``: at one shift and ``q = 1/4`` it is
1/3 (``u < 1/4`` forces ``u' < 1/2``).  A shared register hands neighbouring
p-bits delayed copies of one bit sequence, so their words are equal at some lag.

:func:`rng_correlation` measures both on the words the program's chip really
draws (same registers, seeds, shifts per update and windows as the engines;
``[rng] clocking`` and the derived shifts are in ``program.datapath(...).report``).
:func:`kernel_law_check` compares a run with the datapath's exact Markov law
(LFSR words taken as ideal, :func:`pbitsim.analysis.kernel_law.kernel_stationary_law`
with ``lfsr_as_ideal=True``) and, when it fails and the words are correlated,
names the LFSR as the likely cause.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..compiler.seeding import lfsr_states
from ..errors import PbitsimError
from ..kernels import pbit_update as K
from ..kernels.lfsr import lfsr_register_walk
from ..testing.conformance import block_statistics, z_scores
from .exact import all_energies, law_from_probs
from .kernel_law import kernel_stationary_law

#: thresholds ``q`` of the comparator whose output correlation is measured
QUANTILES = (0.125, 0.25, 0.5, 0.75, 0.875)
#: a successive-decision or neighbour correlation above this is "high"
HIGH_CORRELATION = 0.05


@dataclass(frozen=True)
class RngCorrelation:
    """Correlations of the random words of an LFSR chip's p-bits (see the module docstring).

    ``successive_word``: largest ``|corr(u_t, u_{t+1})|`` over the p-bits examined
    (``u_t`` = the ``t``-th word of a p-bit over ``2**k``); ``successive_decision``:
    largest ``|corr(1[u_t < q], 1[u_{t+1} < q])|`` over those p-bits and
    ``q`` in :data:`QUANTILES`; ``neighbour``: for shared registers, the largest
    ``|corr(u^i_t, u^j_{t-lag})|`` between two p-bits of one register over lags
    ``0..max_lag`` (``neighbour_lag`` where it occurs), else None.  ``noise`` is
    ``1/sqrt(n_draws)``, the standard deviation of such a correlation for
    independent words.
    """

    chip: str
    clocking: str
    shifts_per_update: int
    shared: bool
    k: int
    n_pbits: int
    n_draws: int
    successive_word: float
    successive_decision: float
    neighbour: float | None
    neighbour_lag: int | None
    noise: float

    @property
    def high(self) -> bool:
        """True when successive or neighbouring words are correlated beyond :data:`HIGH_CORRELATION`."""
        worst = max(self.successive_decision, self.neighbour or 0.0)
        return worst > max(HIGH_CORRELATION, 5.0 * self.noise)

    def summary(self) -> str:
        """One line for reports."""
        text = (f"LFSR ({self.clocking}, {self.shifts_per_update} shift(s) per update, k = {self.k}): "
                f"successive words corr {self.successive_word:.3f}, comparator outputs corr "
                f"{self.successive_decision:.3f}")
        if self.neighbour is not None:
            text += f", neighbouring p-bits of a shared register corr {self.neighbour:.3f} at lag {self.neighbour_lag}"
        return text + f" (independent words: ~{self.noise:.3f})"


def _corr(a, b):
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    den = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (a * b).sum(axis=0) / den
    return np.nan_to_num(c)


def pbit_words(program, *, seed=0, n_draws=4096, max_pbits=64):
    """The first ``n_draws`` words of the first ``max_pbits`` p-bits (kernel order), uint64 ``(n_draws, m)``.

    Returns ``(words, k, shifts, datapath)``; the words are those the engines
    draw for run seed ``seed`` (replica 0), ignoring stuck p-bits (which draw none).
    """
    chip = program.chip
    if chip.rng.kind != "lfsr":
        raise PbitsimError(f"chip {chip.name!r} has [rng] kind = {chip.rng.kind!r}, not an LFSR")
    order, _ = program.colouring.order()
    dp = program.datapath(program.physical_beta(1.0), order)
    cfg, kd = dp.kernel.cfg, dp.kernel
    k, shifts = int(cfg[K.RNG_BITS]), int(cfg[K.LFSR_STEPS])
    m = min(int(max_pbits), program.n_physical)
    regs0 = lfsr_states(dp, seed, 1, chip)[0]
    shared = bool(cfg[K.LFSR_SHARED])
    slots = kd.slot[:m] if shared else np.arange(m)
    used = np.unique(slots)
    walk = np.zeros((int(n_draws), used.size), dtype=np.uint64)
    mask = np.uint64(int(cfg[K.LFSR_MASK]) & 0xFFFFFFFFFFFFFFFF)      # uint64 bits held in an int64
    lfsr_register_walk(regs0[used].copy(), mask, int(cfg[K.LFSR_WIDTH]), bool(cfg[K.LFSR_XNOR]),
                       bool(cfg[K.LFSR_GALOIS]), shifts, walk)
    col = np.searchsorted(used, slots)
    kmask = np.uint64((1 << k) - 1) if k < 64 else np.uint64(0xFFFFFFFFFFFFFFFF)
    off = kd.off[:m].astype(np.uint64) if shared else np.zeros(m, dtype=np.uint64)
    words = (walk[:, col] >> off[None, :]) & kmask
    return words, k, shifts, dp


def rng_correlation(program, *, seed=0, n_draws=4096, max_pbits=64, max_lag=8) -> RngCorrelation:
    """Successive-word (and, for shared registers, neighbour) correlations of a program's LFSR words.

    Parameters
    ----------
    program : Program
        On a chip with ``[rng] kind = "lfsr"``.
    seed : int
        Run seed (initial registers, as ``simulate(..., seed=seed)``).
    n_draws, max_pbits : int
        Words per p-bit and p-bits examined (the first ``max_pbits`` in colour order).
    max_lag : int
        Largest lag (in draws) searched between p-bits of one shared register.
    """
    if n_draws < max_lag + 8:
        raise PbitsimError(f"n_draws = {n_draws} must exceed max_lag + 8 = {max_lag + 8}")
    words, k, shifts, dp = pbit_words(program, seed=seed, n_draws=n_draws, max_pbits=max_pbits)
    u = words.astype(np.float64) * 2.0 ** -k
    succ = float(np.abs(_corr(u[1:], u[:-1])).max(initial=0.0))
    dec = 0.0
    for q in QUANTILES:
        b = (u < q).astype(np.float64)
        dec = max(dec, float(np.abs(_corr(b[1:], b[:-1])).max(initial=0.0)))
    neigh, neigh_lag = None, None
    shared = bool(dp.kernel.cfg[K.LFSR_SHARED])
    if shared:
        neigh, neigh_lag = _neighbour_correlation(u, dp.kernel.slot[:u.shape[1]], max_lag)
    chip = program.chip
    return RngCorrelation(chip.name, chip.rng.clocking, shifts, shared, k, u.shape[1], u.shape[0], succ, dec,
                          neigh, neigh_lag, 1.0 / math.sqrt(u.shape[0]))


def _neighbour_correlation(u, slot, max_lag):
    """Largest ``|corr(u_i[t], u_j[t - lag])|`` over p-bit pairs ``i != j`` of one register and lags."""
    best, best_lag = 0.0, 0
    n = u.shape[0]
    for g in np.unique(slot):
        cols = np.flatnonzero(slot == g)
        if cols.size < 2:
            continue
        for lag in range(max_lag + 1):
            a, b = u[lag:][:, cols], u[:n - lag][:, cols]
            a = (a - a.mean(axis=0)) / np.maximum(a.std(axis=0), 1e-300)
            b = (b - b.mean(axis=0)) / np.maximum(b.std(axis=0), 1e-300)
            c = a.T @ b / a.shape[0]
            np.fill_diagonal(c, 0.0)
            m = float(np.abs(c).max())
            if m > best:
                best, best_lag = m, lag
    return best, best_lag


@dataclass(frozen=True)
class KernelLawCheck:
    """A run against the datapath's exact Markov law (LFSR words taken as ideal).

    ``max_z`` and ``worst``: the largest z-score among ``<m_i>``, edge
    ``<m_i m_j>`` and ``<E>`` and which one; ``rng``: the chip's word
    correlations (None without an LFSR); ``cause``: a sentence naming the LFSR
    when the check fails and its words are correlated, else None.
    """

    max_z: float
    worst: str
    z_max: float
    rng: RngCorrelation | None
    cause: str | None

    @property
    def passed(self) -> bool:
        return self.max_z <= self.z_max

    def message(self) -> str:
        head = (f"{'agrees with' if self.passed else 'departs from'} the datapath's exact kernel law: "
                f"max |z| = {self.max_z:.1f} ({self.worst})")
        return head + (f"; likely cause: {self.cause}" if self.cause else "")


def kernel_law_check(samples, program, beta=1.0, *, mode=None, z_max=5.0, seed=0) -> KernelLawCheck:
    """Compare ``samples`` (a run of ``program``, states stored) with the exact kernel law.

    The law is :func:`pbitsim.analysis.kernel_law.kernel_stationary_law` of the
    program at the user's ``beta`` (``mode``: the schedule, default the chip's
    clock mode), with LFSR words taken as independent uniform ``k``-bit words.
    When the run departs from it (some ``|z| > z_max``) on an LFSR chip whose
    successive or neighbouring words are correlated (:attr:`RngCorrelation.high`),
    ``cause`` names the LFSR and its clocking.
    """
    probs = kernel_stationary_law(program, beta, mode, lfsr_as_ideal=True)
    law = law_from_probs(probs, all_energies(program.physical), beta)
    stats = block_statistics(samples, program.physical, beta=beta)
    zs = z_scores(stats, law)
    name, i = max(((nm, int(np.argmax(a))) for nm, a in zs.items() if a.size), key=lambda t: zs[t[0]][t[1]])
    worst = {"m": f"<m_{i}>", "mm": "edge <m_{0} m_{1}>".format(*stats.edges[:, i]) if name == "mm" else "",
             "energy": "<E>"}[name]
    max_z = float(zs[name][i])
    rng = rng_correlation(program, seed=seed, n_draws=2048, max_pbits=32) if program.chip.rng.kind == "lfsr" else None
    cause = None
    if max_z > z_max and rng is not None and rng.high:
        cause = (f"the LFSR: {rng.summary()}; the kernel law assumes independent words. "
                 + ("Clock the registers free-running (one shift per clock cycle: [rng] clocking = "
                    "'free-running') or shift more per update." if rng.clocking == "per-update"
                    else "Shift more per update, use a wider register or unshared registers."))
    return KernelLawCheck(max_z, worst, float(z_max), rng, cause)
