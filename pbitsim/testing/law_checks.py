"""Statistical checks of sampled states against any exact law over state codes.

The exact law may be Boltzmann (:func:`pbitsim.analysis.exact.exact_law`) or the
stationary law of a non-ideal kernel (:mod:`pbitsim.analysis.kernel_law`).  Error bars
come from the spread between replicas (at least ~16), floored at the binomial
standard error; limits are 99.9 % quantiles of the corresponding null
distribution (sums of squared Student-t(R-1) variables), so a correct sampler
passes with high probability and a wrong law fails by many times the limit.
"""
from __future__ import annotations

import math

import numpy as np

from ..analysis.exact import empirical_distribution, states_to_codes, total_variation


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


def random_ising(n, seed, j_scale=1.0, h_scale=0.5, density=0.7):
    """A seeded random Ising model: ``J_ij ~ U[-j, j]`` on a random ``density`` of pairs, ``h ~ U[-h, h]``."""
    from ..models import IsingModel

    rng = np.random.default_rng(seed)
    J = np.triu(rng.uniform(-j_scale, j_scale, (n, n)) * (rng.random((n, n)) < density), 1)
    return IsingModel.from_dense(J + J.T, rng.uniform(-h_scale, h_scale, n))


def ideal_chip_with(**sections):
    """The ideal chip (the model's own graph) with section overrides, e.g. ``pbit={"activation": "lut"}``."""
    from ..chip.spec import chip_from_dict, load_chip

    d = load_chip("ideal").to_dict()
    for sec, keys in sections.items():
        d[sec].update(keys)
    return chip_from_dict(d, source="test chip")


def fixed_format(total, frac, overflow="saturate"):
    """A ``[weights]``/``[bias]``/``[accumulator]`` table for a signed fixed-point format."""
    return {"format": "fixed", "total_bits": total, "frac_bits": frac, "overflow": overflow}
