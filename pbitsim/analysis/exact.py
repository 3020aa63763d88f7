r"""Exact enumeration of small Ising models: the test oracle for every sampler.

State ``k`` in ``0 .. 2^n - 1`` encodes spins ``m_i = +1`` if bit ``i`` of ``k``
is set, else ``-1`` (bit ``i`` is spin ``i``, little-endian).  The Boltzmann law
is ``p(m) = exp(-beta * E(m)) / Z`` with ``E`` as in :class:`pbitsim.IsingModel`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..errors import ModelError

MAX_EXACT_SPINS = 24


@njit(cache=True)
def _gray_code_energies(n, indptr, indices, weights, h, offset, out):
    """Energies of all ``2^n`` states (out: float64 (2^n,)) by a Gray-code walk."""
    m = -np.ones(n, dtype=np.float64)
    field = h.copy()
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            field[i] -= weights[k]
    e = offset
    for i in range(n):
        e += h[i]  # -h_i m_i with m_i = -1
        for k in range(indptr[i], indptr[i + 1]):
            if indices[k] > i:
                e -= weights[k]  # -J_ij m_i m_j with m_i m_j = +1
    index = 0
    out[0] = e
    for step in range(1, 1 << n):
        # bit to flip: number of trailing zeros of step
        i = 0
        s = step
        while (s & 1) == 0:
            s >>= 1
            i += 1
        e += 2.0 * m[i] * field[i]
        m[i] = -m[i]
        index ^= 1 << i
        d = 2.0 * m[i]
        for k in range(indptr[i], indptr[i + 1]):
            field[indices[k]] += weights[k] * d
        out[index] = e


@njit(cache=True)
def _moments(n, probs, means, corr):
    """Accumulate <m_i> (means, (n,)) and <m_i m_j> (corr, (n, n)) over all states."""
    m = np.empty(n, dtype=np.float64)
    for k in range(probs.shape[0]):
        p = probs[k]
        if p == 0.0:
            continue
        for i in range(n):
            m[i] = 1.0 if (k >> i) & 1 else -1.0
            means[i] += p * m[i]
        for i in range(n):
            pm = p * m[i]
            for j in range(i + 1, n):
                corr[i, j] += pm * m[j]
    for i in range(n):
        corr[i, i] = 1.0
        for j in range(i + 1, n):
            corr[j, i] = corr[i, j]


def all_energies(model):
    """Energies of all ``2^n`` states, float64 array indexed by state code."""
    n = model.n
    if n > MAX_EXACT_SPINS:
        raise ModelError(f"exact enumeration supports n <= {MAX_EXACT_SPINS} spins, model has {n}")
    indptr, indices, weights = model.csr()
    out = np.empty(1 << n, dtype=np.float64)
    _gray_code_energies(n, indptr, indices, weights, model.h.astype(np.float64), float(model.offset), out)
    return out


def boltzmann_from_energies(energies, beta):
    """Normalised ``exp(-beta E)`` and ``log Z``, computed stably."""
    a = -beta * np.asarray(energies, dtype=np.float64)
    amax = a.max()
    w = np.exp(a - amax)
    z = w.sum()
    return w / z, float(amax + np.log(z))


@dataclass(frozen=True)
class ExactLaw:
    """Exact Boltzmann law of a small model at inverse temperature ``beta``.

    Attributes: ``probs`` (2^n,), ``energies`` (2^n,), ``log_z``, ``means`` (n,)
    ``<m_i>``, ``correlations`` (n, n) ``<m_i m_j>`` (ones on the diagonal),
    ``mean_energy`` and ``energy_variance``.
    """

    n: int
    beta: float
    probs: np.ndarray
    energies: np.ndarray
    log_z: float
    means: np.ndarray
    correlations: np.ndarray
    mean_energy: float
    energy_variance: float

    def edge_correlations(self, rows, cols):
        return self.correlations[np.asarray(rows), np.asarray(cols)]


def law_from_probs(probs, energies, beta, log_z=float("nan")):
    """Moments of an arbitrary law over the ``2^n`` states (e.g. a non-ideal kernel's)."""
    probs = np.asarray(probs, dtype=np.float64)
    n = int(round(np.log2(probs.shape[0])))
    means = np.zeros(n)
    corr = np.zeros((n, n))
    _moments(n, probs, means, corr)
    e_mean = float(probs @ energies)
    e_var = float(probs @ (energies - e_mean) ** 2)
    return ExactLaw(n, float(beta), probs, energies, log_z, means, corr, e_mean, e_var)


def exact_law(model, beta=1.0):
    """Enumerate the Boltzmann law of ``model`` (n <= 24) at inverse temperature ``beta``."""
    energies = all_energies(model)
    probs, log_z = boltzmann_from_energies(energies, beta)
    return law_from_probs(probs, energies, beta, log_z)


def partition_function(model, beta=1.0):
    """``log Z`` of the Boltzmann law."""
    return boltzmann_from_energies(all_energies(model), beta)[1]


def states_to_codes(states):
    """Bipolar states ``(..., n)`` -> integer state codes ``(...)`` (bit i = spin i is +1)."""
    s = np.asarray(states)
    n = s.shape[-1]
    if n > 62:
        raise ValueError("state codes need n <= 62")
    bits = (s > 0).astype(np.int64)
    return bits @ (np.int64(1) << np.arange(n, dtype=np.int64))


def codes_to_states(codes, n):
    """Integer state codes -> bipolar int8 states ``(..., n)``."""
    codes = np.asarray(codes, dtype=np.int64)
    bits = (codes[..., None] >> np.arange(n, dtype=np.int64)) & 1
    return (2 * bits - 1).astype(np.int8)


def empirical_distribution(states, n=None):
    """Histogram of visited states over all ``2^n`` codes, normalised (float64)."""
    s = np.asarray(states)
    n = s.shape[-1] if n is None else n
    codes = states_to_codes(s.reshape(-1, s.shape[-1]))
    return np.bincount(codes, minlength=1 << n).astype(np.float64) / codes.shape[0]


def kl_divergence(p, q, *, eps=0.0):
    """``KL(p || q) = sum p log(p/q)`` in nats; ``q`` may be floored at ``eps``."""
    p = np.asarray(p, dtype=np.float64)
    q = np.maximum(np.asarray(q, dtype=np.float64), eps)
    mask = p > 0
    if np.any(q[mask] == 0):
        return float("inf")
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def total_variation(p, q):
    return 0.5 * float(np.abs(np.asarray(p) - np.asarray(q)).sum())
