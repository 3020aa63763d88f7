r"""Engine conformance checks: a sampler agrees with exact enumeration, at tolerances from its own error bars.

Like ``dimod.testing``, these helpers ship inside the package so that every
engine -- and any sampler a user writes -- runs the same checks.  A sampler is
wrapped as a callable ``run(model, seed) -> Samples``::

    from pbitsim.simulate import simulate
    from pbitsim.testing.conformance import assert_engine_conforms

    def run(model, seed):
        return simulate(model, "ideal", sweeps=2000, burn_in=100, replicas=32, seed=seed)

    assert_engine_conforms(run, model, seed=1)

Statistics
----------
The samples are grouped into ``B >= 16`` blocks: the replicas, or, with fewer
replicas, contiguous batches of each chain (batch means; valid when a batch is
much longer than the autocorrelation time).  For each observable ``O`` -- the
marginals ``<m_i>``, the edge correlations ``<m_u m_v>`` and the energy
``<E>`` -- the estimate is the mean of the block means and its standard error
is ``se = sd(block means) / sqrt(B)``, floored at the i.i.d. error
``sqrt(Var_p(O) / N)`` (``N`` samples in all, ``Var_p`` under the law being
tested) so that blocks which happen to agree exactly never give a zero error
bar.  The samples agree with a law ``p`` when every
``|z| = |estimate - <O>_p| / se`` is at most ``z_max`` (default 5).

The pooled histogram of visited states is compared with ``p`` through its
half chi-square ``X = sum_k (p_hat_k - p_k)^2 / (2 p_k)`` (``KL(p_hat || p) ~ X``
when every state is well sampled).  Even a perfect sampler gives
``E X = sum_k Var(p_hat_k) / (2 p_k)``, which is ``(K - 1) / (2 N)`` for ``N``
independent samples over ``K`` states and larger by the autocorrelation time
for a Markov chain.  That noise level ``Q`` is estimated without bias from the
spread of the per-block histograms, so ``U = X - Q`` has mean exactly zero for
a correct sampler (whatever the autocorrelation or the number of unvisited
states) and mean ``sum_k bias_k^2 / (2 p_k) > 0`` for a biased one.  ``U`` is a
degenerate U-statistic over pairs of blocks,
``U = mean_{b != b'} <x_b, x_b'>_w`` with ``x_b = p_hat^(b) - p`` and weights
``w_k = 1 / (2 p_k)``, whose standard error comes from the same pairs; the
histogram agrees with ``p`` when ``U / se(U) <= z_max``.  Since
``KL(p_hat || p) <= 2 X``, the KL itself is then bounded by
``2 (Q + z_max se(U))``, which is asserted too.

Power
-----
A check that passes a broken sampler is a defect.  :func:`assert_engine_conforms`
therefore also asserts that the *same* estimates are rejected against the law
at ``beta * wrong_beta_factor`` (default 1.1): the error bars are small enough
to see a 10 % temperature error.
"""
from __future__ import annotations

from dataclasses import dataclass

import math

import numpy as np

from ..analysis.exact import (ExactLaw, empirical_distribution, exact_law, kl_divergence, states_to_codes,
                              total_variation)
from ..models import RBM

__all__ = [
    "BlockStatistics",
    "HistogramCheck",
    "assert_engine_conforms",
    "assert_matches_law",
    "assert_rejects_law",
    "assert_samples_consistent",
    "assert_seed_reproducible",
    "block_statistics",
    "histogram_check",
    "law_test",
    "tv_test",
    "z_scores",
]

MIN_BLOCKS = 16
MAX_HISTOGRAM_SPINS = 16


@dataclass(frozen=True)
class BlockStatistics:
    """Estimates of the conformance observables from one run, with block standard errors.

    Attributes
    ----------
    beta : float
        Inverse temperature the run claims to sample.
    n_samples : int
        ``N``, samples pooled over replicas.
    n_blocks : int
        ``B``, blocks behind the standard errors (replicas or batches).
    edges : int64 ndarray (2, n_edges)
        Upper-triangle coupled pairs ``(u, v)`` of the model.
    means, means_se : float64 ndarray (n,)
        ``<m_i>`` and its block standard error.
    edge_corr, edge_corr_se : float64 ndarray (n_edges,)
        ``<m_u m_v>`` on the edges and its block standard error.
    energy, energy_se : float
        ``<E>`` (offset included) and its block standard error.
    codes : int64 ndarray (replicas, samples)
        State code of every sample (see :mod:`pbitsim.analysis.exact`).
    min_blocks : int
        The blocking rule behind the standard errors (replicas, or batches of each chain).
    tau : float
        Largest integrated autocorrelation time (in samples) among the observables, >= 1
        (block variance over i.i.d. variance, times the block length; for reports).
    """

    beta: float
    n_samples: int
    n_blocks: int
    edges: np.ndarray
    means: np.ndarray
    means_se: np.ndarray
    edge_corr: np.ndarray
    edge_corr_se: np.ndarray
    energy: float
    energy_se: float
    codes: np.ndarray
    min_blocks: int
    tau: float

    @property
    def n_effective(self) -> float:
        """``N / tau``: the number of effectively independent samples."""
        return self.n_samples / self.tau


@dataclass(frozen=True)
class HistogramCheck:
    """The state-histogram comparison (see the module docstring).

    ``kl`` is ``KL(p_hat || p)``; ``chi2_half`` is ``X``; ``noise`` is ``Q``, the
    run's own estimate of ``E X`` for a correct sampler (``(K-1)/(2 N_eff)``);
    ``u = X - Q`` with standard error ``u_se``; ``kl_bound = 2 (Q + z_max u_se)``.
    """

    kl: float
    chi2_half: float
    noise: float
    u: float
    u_se: float
    z_max: float
    n_blocks: int
    n_states: int

    @property
    def z(self) -> float:
        return self.u / self.u_se if self.u_se > 0 else (0.0 if self.u <= 0 else float("inf"))

    @property
    def n_effective(self) -> float:
        """``(K - 1) / (2 Q)``: as many i.i.d. draws would give the same ``E X = (K - 1) / (2 N)``.

        Meaningful when every state is well sampled; when most states are rarely
        seen, ``Q`` is dominated by them and usually falls far below its mean.
        """
        return (self.n_states - 1) / (2.0 * self.noise) if self.noise > 0 else float("inf")

    @property
    def kl_bound(self) -> float:
        return 2.0 * (self.noise + self.z_max * self.u_se)

    @property
    def passed(self) -> bool:
        return self.z <= self.z_max and self.kl <= self.kl_bound


def _require(condition, message):
    """Raise :class:`AssertionError` with ``message`` unless ``condition`` (works under ``python -O``)."""
    if not condition:
        raise AssertionError(message)


def _ising(model):
    return model.to_ising() if isinstance(model, RBM) else model


def _block_layout(R, S, n_blocks_min):
    """``(batches per replica, samples per batch)`` giving at least ``n_blocks_min`` blocks."""
    per_rep = 1 if R >= n_blocks_min else -(-n_blocks_min // R)
    if per_rep > S:
        raise ValueError(f"need at least {n_blocks_min} blocks: {R} replicas of {S} samples are too few")
    return per_rep, S // per_rep


def _blocks(x, n_blocks_min):
    """Reshape per-replica series ``x`` (R, S, ...) into block means (B, ...) and the block length."""
    R, S = x.shape[:2]
    per_rep, length = _block_layout(R, S, n_blocks_min)
    x = x[:, :per_rep * length]
    blocks = x.reshape((R, per_rep, length) + x.shape[2:]).mean(axis=2)
    return blocks.reshape((R * per_rep,) + x.shape[2:]), length


def _block_estimate(series, n_blocks_min):
    """Mean, standard error and autocorrelation time of each column of ``series`` (R, S, k)."""
    blocks, length = _blocks(series, n_blocks_min)
    B = blocks.shape[0]
    mean = blocks.mean(axis=0)
    block_var = blocks.var(axis=0, ddof=1)
    se = np.sqrt(block_var / B)
    iid_var = series.reshape(-1, series.shape[-1]).var(axis=0)
    ok = iid_var > 1e-12
    tau = np.ones_like(mean)
    tau[ok] = length * block_var[ok] / iid_var[ok]
    return mean, se, np.clip(tau, 1.0, float(length)), B


def block_statistics(samples, model, *, beta=None, min_blocks=MIN_BLOCKS) -> BlockStatistics:
    """Block estimates of ``<m_i>``, edge ``<m_u m_v>``, ``<E>`` and the state histogram.

    Parameters
    ----------
    samples : Samples
        With stored states ``(replicas, samples, n)`` of ``model``'s spins.
    model : IsingModel or RBM
        Defines the edges and the energy (an RBM is taken as its exact spin model).
    beta : float, optional
        The inverse temperature the run should sample (default ``samples.beta``).
    min_blocks : int
        Smallest number of blocks behind a standard error (16).
    """
    model = _ising(model)
    if samples.states is None:
        raise ValueError("conformance checks need the stored states (store_states=True)")
    states = np.asarray(samples.states)
    if states.ndim != 3 or states.shape[-1] != model.n:
        raise ValueError(f"states must be (replicas, samples, {model.n}), got {states.shape}")
    R, S, n = states.shape
    u, v, _ = model.edges()
    m = states.astype(np.float64)
    series = np.concatenate([m, m[:, :, u] * m[:, :, v],
                             np.asarray(samples.energies, dtype=np.float64)[:, :, None]], axis=2)
    mean, se, tau, B = _block_estimate(series, min_blocks)
    E = u.shape[0]
    codes = states_to_codes(states) if n <= MAX_HISTOGRAM_SPINS else np.zeros((R, 0), dtype=np.int64)
    return BlockStatistics(
        beta=float(samples.beta if beta is None else beta), n_samples=R * S, n_blocks=B,
        edges=np.stack([u, v]), means=mean[:n], means_se=se[:n],
        edge_corr=mean[n:n + E], edge_corr_se=se[n:n + E],
        energy=float(mean[-1]), energy_se=float(se[-1]), codes=codes,
        min_blocks=min_blocks, tau=float(tau.max()))


def z_scores(stats: BlockStatistics, law: ExactLaw) -> dict:
    """``{"m": (n,), "mm": (n_edges,), "energy": (1,)}`` z-scores of the estimates against ``law``.

    Each standard error is floored at the i.i.d. error ``sqrt(Var_law(O) / N)``.
    """
    N = stats.n_samples
    u, v = stats.edges
    exact_m = law.means
    exact_mm = law.correlations[u, v]

    def z(est, se, exact, var):
        floor = np.sqrt(np.maximum(var, 0.0) / N)
        err = np.maximum(se, floor)
        diff = np.abs(np.asarray(est) - exact)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(err > 0, diff / np.where(err > 0, err, 1.0), np.where(diff > 1e-12, np.inf, 0.0))
        return np.atleast_1d(out)

    return {"m": z(stats.means, stats.means_se, exact_m, 1.0 - exact_m ** 2),
            "mm": z(stats.edge_corr, stats.edge_corr_se, exact_mm, 1.0 - exact_mm ** 2),
            "energy": z(stats.energy, stats.energy_se, law.mean_energy, law.energy_variance)}


def _worst(stats, law):
    """``(max |z|, description of the worst observable)``."""
    zs = z_scores(stats, law)
    name, k = max(((nm, int(np.argmax(a))) for nm, a in zs.items() if a.size),
                  key=lambda t: zs[t[0]][t[1]])
    u, v = stats.edges
    if name == "m":
        what = f"<m_{k}> = {stats.means[k]:.5f} ± {stats.means_se[k]:.5f}, exact {law.means[k]:.5f}"
    elif name == "mm":
        what = (f"<m_{u[k]} m_{v[k]}> = {stats.edge_corr[k]:.5f} ± {stats.edge_corr_se[k]:.5f}, "
                f"exact {law.correlations[u[k], v[k]]:.5f}")
    else:
        what = f"<E> = {stats.energy:.5f} ± {stats.energy_se:.5f}, exact {law.mean_energy:.5f}"
    return float(zs[name][k]), what


def histogram_check(stats: BlockStatistics, law: ExactLaw, *, z_max=5.0) -> HistogramCheck:
    """Compare the state histogram with ``law`` by the block U-statistic of the module docstring."""
    n = law.n
    if n > MAX_HISTOGRAM_SPINS or stats.codes.shape[1] == 0:
        raise ValueError(f"the histogram check needs n <= {MAX_HISTOGRAM_SPINS} spins, got {n}")
    p = np.asarray(law.probs, dtype=np.float64)
    K = p.shape[0]
    R, S = stats.codes.shape
    per_rep, length = _block_layout(R, S, stats.min_blocks)
    B = R * per_rep
    codes = stats.codes[:, :per_rep * length].reshape(B, length)
    labels = np.repeat(np.arange(B, dtype=np.int64), length) * K + codes.reshape(-1)
    freq = np.bincount(labels, minlength=B * K).reshape(B, K) / length  # (B, K) block histograms
    pooled = freq.mean(axis=0)
    support = p > 0
    if np.any(pooled[~support] > 0):
        return HistogramCheck(float("inf"), float("inf"), 0.0, float("inf"), 0.0, z_max, B, K)
    x = freq[:, support] - p[support]
    w = 0.5 / p[support]
    gram = (x * w) @ x.T  # <x_b, x_b'>_w, (B, B)
    off = ~np.eye(B, dtype=bool)
    u = float(gram[off].mean())
    u_se = float(np.sqrt(2.0 / (B * (B - 1)) * np.mean(gram[off] ** 2)))
    chi2_half = float(np.sum(w * (pooled[support] - p[support]) ** 2))
    noise = float(np.sum(w * freq[:, support].var(axis=0, ddof=1)) / B)
    return HistogramCheck(kl_divergence(pooled, p), chi2_half, noise, u, u_se, float(z_max), B, K)


def assert_samples_consistent(samples, model, *, replicas=None, n_samples=None, rtol=1e-9):
    """Shapes and dtypes of a :class:`Samples`, ±1 states, and energies equal to ``model.energy(states)``.

    ``states`` int8 ``(replicas, samples, n)``; ``energies`` float64 ``(replicas, samples)``
    (offset included).
    """
    model = _ising(model)
    st, en = samples.states, np.asarray(samples.energies)
    _require(st is not None, "states were not stored")
    _require(st.dtype == np.int8, f"states dtype {st.dtype}, expected int8")
    _require(st.ndim == 3 and st.shape[2] == model.n, f"states shape {st.shape}, expected (R, S, {model.n})")
    _require(en.dtype == np.float64, f"energies dtype {en.dtype}, expected float64")
    _require(en.shape == st.shape[:2], f"energies shape {en.shape} != states shape[:2] {st.shape[:2]}")
    if replicas is not None:
        _require(st.shape[0] == replicas, f"{st.shape[0]} replicas, expected {replicas}")
    if n_samples is not None:
        _require(st.shape[1] == n_samples, f"{st.shape[1]} samples per replica, expected {n_samples}")
    bad = np.abs(st) != 1
    if bad.any():
        raise AssertionError(f"states hold values other than ±1, e.g. {st[bad][0]}")
    expect = model.energy(st)
    scale = 1.0 + np.abs(expect)
    err = np.abs(en - expect) / scale
    if err.size:
        k = np.unravel_index(int(np.argmax(err)), err.shape)
        _require(err[k] <= rtol, f"energy at replica {k[0]}, sample {k[1]} is {en[k]!r} but "
                                 f"model.energy(state) = {expect[k]!r}")


def assert_matches_law(stats: BlockStatistics, law: ExactLaw, *, z_max=5.0, histogram=None):
    """Every observable within ``z_max`` standard errors of ``law``; the state histogram too.

    ``histogram=None`` checks the histogram when ``n <= MAX_HISTOGRAM_SPINS``.
    """
    worst, what = _worst(stats, law)
    _require(worst <= z_max, f"sampler disagrees with the exact law at beta={law.beta}: {what} "
                             f"(|z| = {worst:.1f} > {z_max}; {stats.n_blocks} blocks, "
                             f"{stats.n_samples} samples, tau ~ {stats.tau:.1f})")
    if histogram is None:
        histogram = law.n <= MAX_HISTOGRAM_SPINS
    if histogram:
        chk = histogram_check(stats, law, z_max=z_max)
        _require(chk.z <= z_max,
                 f"state histogram disagrees with the exact law at beta={law.beta}: X = {chk.chi2_half:.4g} "
                 f"exceeds its noise level Q = {chk.noise:.4g} by {chk.u:.3g} ± {chk.u_se:.2g} "
                 f"(z = {chk.z:.1f} > {z_max})")
        _require(chk.kl <= chk.kl_bound,
                 f"KL(p_hat || p) = {chk.kl:.4g} exceeds 2 (Q + {z_max} se) = {chk.kl_bound:.4g}")
        return chk
    return None


def assert_rejects_law(stats: BlockStatistics, law: ExactLaw, *, z_max=5.0):
    """The power check: the same estimates are *rejected* against a wrong ``law``.

    Some observable's ``|z|`` must exceed ``z_max``; returns that largest ``|z|``.
    """
    worst, what = _worst(stats, law)
    _require(worst > z_max, f"the tolerance is too loose: the samples are also consistent with the law "
                            f"at beta={law.beta} (max |z| = {worst:.1f} <= {z_max}; worst {what})")
    return worst


def assert_engine_conforms(run, model, *, seed=0, beta=None, z_max=5.0, histogram=None,
                           wrong_beta_factor=1.1, min_blocks=MIN_BLOCKS):
    """Run ``run(model, seed)`` and assert it samples the exact Boltzmann law of ``model``.

    Checks, in order: :func:`assert_samples_consistent`; every marginal, edge
    correlation and the mean energy within ``z_max`` block standard errors of
    :func:`pbitsim.analysis.exact.exact_law` at ``beta`` (default: the run's own);
    the state histogram (``histogram``: default when ``n <= 16``, see :func:`histogram_check`); and,
    unless ``wrong_beta_factor`` is None, that the same estimates are rejected
    at ``beta * wrong_beta_factor`` (the power check).

    Returns
    -------
    (BlockStatistics, ExactLaw, HistogramCheck or None)
    """
    samples = run(model, seed)
    assert_samples_consistent(samples, model)
    stats = block_statistics(samples, model, beta=beta, min_blocks=min_blocks)
    law = exact_law(_ising(model), stats.beta)
    chk = assert_matches_law(stats, law, z_max=z_max, histogram=histogram)
    if wrong_beta_factor is not None:
        assert_rejects_law(stats, exact_law(_ising(model), stats.beta * wrong_beta_factor), z_max=z_max)
    return stats, law, chk


def assert_seed_reproducible(run, model, seed=0):
    """Same seed: identical states and energies; another seed: different states."""
    a, b, c = run(model, seed), run(model, seed), run(model, seed + 1)
    np.testing.assert_array_equal(a.states, b.states, err_msg="same seed gave different states")
    np.testing.assert_array_equal(a.energies, b.energies, err_msg="same seed gave different energies")
    _require(a.seed == b.seed == seed, f"recorded seed {a.seed} != {seed}")
    _require(not np.array_equal(a.states, c.states), "seeds differ but the states are identical")


# ----------------------------------------------------------------- pooled-histogram tests against any law
# (Boltzmann or a non-ideal kernel's stationary law over state codes).  Error bars come from the spread
# between replicas (at least ~16), floored at the binomial standard error; limits are 99.9 % quantiles of
# the null distribution (sums of squared Student-t(R-1) variables).
def law_test(states, law, min_count=50):
    """``(chi2, limit)``: chi-square of the pooled histogram of ``states`` (R, S, n) against ``law``.

    States with expected count ``law * N >= min_count`` are bins of their own,
    the rest one bin.  ``z = (pooled - law) / se`` with ``se`` the replica
    standard error; ``limit`` is what ``chi2`` stays below for a sampler of
    ``law`` with probability 0.999 (conservative: the t tails over-cover).
    """
    R, S, _ = states.shape
    N = R * S
    codes = states_to_codes(states)
    major = np.flatnonzero(law * N >= min_count)
    bins = np.full(law.size, major.size)
    bins[major] = np.arange(major.size)
    hist = np.stack([np.bincount(bins[codes[r]], minlength=major.size + 1) / S for r in range(R)])
    pi = np.bincount(bins, weights=law, minlength=major.size + 1)
    se = np.maximum(hist.std(axis=0, ddof=1) / math.sqrt(R), np.sqrt(pi * (1 - pi) / N))
    keep = se > 0
    z = (hist.mean(axis=0)[keep] - pi[keep]) / se[keep]
    null = (np.random.default_rng(0).standard_t(R - 1, (20_000, z.size)) ** 2).sum(axis=1)
    return float((z ** 2).sum()), float(np.quantile(null, 0.999))


def tv_test(states, law):
    """``(tv, tol)``: TV of the pooled histogram to ``law`` and the 99.9 % quantile of its noise."""
    R, S, n = states.shape
    hist = np.stack([empirical_distribution(states[r], n) for r in range(R)])
    se = np.maximum(hist.std(axis=0, ddof=1) / math.sqrt(R), np.sqrt(law * (1 - law) / (R * S)))
    null = 0.5 * np.abs(np.random.default_rng(1).standard_t(R - 1, (4000, law.size)) * se).sum(axis=1)
    return total_variation(hist.mean(axis=0), law), float(np.quantile(null, 0.999))
