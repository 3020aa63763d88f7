r"""Parallel-tempering rounds over plain arrays: every replica swept at its rung's beta, then swaps.

A *round* is ``n_sweeps`` sweeps of every replica (each calling the
engine's own per-replica sweep function at the beta of the rung it currently
holds), then one swap pass, then a record.  Threads take whole chains
(a ``prange`` over chains, each running every round of the window): no
barrier per round, so a short round costs no thread synchronisation.
Replicas never move in memory: a swap exchanges *labels* (which replica sits
at which rung), so each replica keeps its state, cached inputs and random
streams, and the run is identical for any thread count.

Swap pass (deterministic even/odd, "DEO"): round ``t`` proposes the pairs
``(k, k+1)`` with ``k = t mod 2, t mod 2 + 2, ...`` of every chain (an
independent copy of the ladder); the pair is exchanged with probability
``min(1, exp((beta_{k+1} - beta_k) (E_b - E_a)))`` (``a`` at rung ``k``,
``b`` at ``k+1``), one uniform of the chain's own xoroshiro128+ stream per
proposal.  ``betas`` are physical inverse temperatures (ascending), ``E`` the
energies of the ideal physical model (for a fixed-point chip: its quantized
Ising energy in chip units).

Arrays: ``at`` int32 (X, K): replica at rung ``k`` of chain ``x`` (replica
``r = x K + j`` starts at rung ``j``); ``rung`` int32 (R,): its inverse;
``energy`` float64 (R,); ``counts`` float64 (X, 3, K-1): per chain, proposals,
accepted swaps and the summed acceptance probabilities ``min(1, e^d)``; outputs
``out_e`` float64 (X, T, K) energies by rung, ``out_lab`` int32 (X, T, K)
replica by rung, ``out_s`` int8 (X, T or 0, K, n) states by rung (kernel order).
"""
import math

import numpy as np
from numba import njit, prange

from ..compiler.hardware import KernelDatapath
from ..kernels.chromatic import compute_fields, energy_from_fields, sweeps
from ..kernels.chromatic_datapath import datapath_sweeps, ideal_energy, integer_inputs
from ..kernels.datapath_fast import FastDatapath, fast_sweeps, wide_sums
from ..kernels.rng import next_double
from ..kernels.sequential import sequential_sweeps, state_energy


@njit(cache=True)
def swap_pass(x, parity, betas, energy, at, rung, rng, counts):
    """One DEO swap pass over chain ``x`` (its uniforms from ``rng`` stream ``x``; ``counts`` (X, 3, K-1))."""
    K = at.shape[1]
    for k in range(parity, K - 1, 2):
        a = at[x, k]
        b = at[x, k + 1]
        d = (betas[k + 1] - betas[k]) * (energy[b] - energy[a])
        p = 1.0 if d >= 0.0 else math.exp(d)
        u = next_double(rng, x)
        counts[x, 0, k] += 1.0
        counts[x, 2, k] += p
        if u < p:
            at[x, k] = b
            at[x, k + 1] = a
            rung[a] = k + 1
            rung[b] = k
            counts[x, 1, k] += 1.0


@njit(cache=True)
def record(x, t, at, energy, state, n, out_e, out_lab, out_s):
    """Write chain ``x``'s energies, labels and (if ``out_s`` is not empty) states by rung at record ``t``."""
    for k in range(at.shape[1]):
        r = at[x, k]
        out_e[x, t, k] = energy[r]
        out_lab[x, t, k] = r
        if out_s.shape[1] > 0:
            for i in range(n):
                out_s[x, t, k, i] = np.int8(state[r, i])


@njit(cache=True)
def round_end(x, t, t0, betas, energy, at, rung, swap_rng, counts, state, n, out_e, out_lab, out_s):
    """Swap and record chain ``x`` after the sweeps of round ``t`` (records only when ``out_e`` has rounds)."""
    swap_pass(x, t % 2, betas, energy, at, rung, swap_rng, counts)
    if out_e.shape[1] > 0:
        record(x, t - t0, at, energy, state, n, out_e, out_lab, out_s)


# ------------------------------------------------------------------ ideal float chip
@njit(cache=True)
def init_ideal_fields(graph, state, fields, energy):
    """Cached inputs ``fields`` (R, n + C) and energies of the float states ``state`` (R, n + C)."""
    for r in range(state.shape[0]):
        compute_fields(graph[0], graph[1], graph[2], graph[3], state[r], fields[r])
        energy[r] = energy_from_fields(graph[3], state[r], fields[r])


@njit(cache=True, parallel=True)
def rounds_chromatic(graph, colour_ptr, betas, n_sweeps, naive, work, at, rung, energy, swap_rng, counts,
                     window, out):
    """Rounds ``window[0] <= t < window[1]`` (round 0 is the first recorded one when ``window[2] == 0``) on the
    ideal float chip: :func:`pbitsim.kernels.chromatic.sweeps` (chromatic, or naive parallel if ``naive``).

    ``work = (state, fields, d, u, flips, lanes)``: float64 (R, n + C) ×4, int32 (R, n), uint64 (R, 2, L).
    """
    state, fields, d, u, flips, lanes = work
    h = graph[3]
    n = h.shape[0]
    out_e, out_lab, out_s = out
    for x in prange(at.shape[0]):
        for t in range(window[0], window[1]):
            for k in range(at.shape[1]):
                r = at[x, k]
                de = sweeps(graph, colour_ptr, betas[k], state[r], fields[r], d[r], flips[r], lanes[r], u[r],
                            n_sweeps, naive, 0.0)
                energy[r] = energy_from_fields(h, state[r], fields[r]) if naive else energy[r] + de
            round_end(x, t, window[2], betas, energy, at, rung, swap_rng, counts, state, n, out_e, out_lab, out_s)


@njit(cache=True, parallel=True)
def rounds_sequential(graph, betas, n_sweeps, random_scan, state, rng, at, rung, energy, swap_rng, counts,
                      window, out):
    """Rounds on the ideal float chip, one p-bit at a time (:func:`pbitsim.kernels.sequential.sequential_sweeps`)."""
    indptr, indices, weights, h = graph
    n = h.shape[0]
    out_e, out_lab, out_s = out
    for x in prange(at.shape[0]):
        for t in range(window[0], window[1]):
            for k in range(at.shape[1]):
                r = np.int64(at[x, k])
                sequential_sweeps(indptr, indices, weights, h, betas[k], state[r], rng, r, n_sweeps, random_scan)
                energy[r] = state_energy(indptr, indices, weights, h, state[r])
            round_end(x, t, window[2], betas, energy, at, rung, swap_rng, counts, state, n, out_e, out_lab, out_s)


# ------------------------------------------------------------------ hardware datapath
@njit(cache=True)
def rung_datapath(dp, real, lut):
    """``dp`` with the beta-dependent parts (``real``, ``lut``) of one rung."""
    return KernelDatapath(dp.cfg, real, dp.gain, dp.offset, dp.stuck, lut, dp.wint, dp.hint, dp.wflt, dp.hflt,
                          dp.slot, dp.off, dp.wtint)


@njit(cache=True)
def init_datapath(g, dp, state, fint, energy):
    """Integer inputs (fixed point) and ideal energies of every replica."""
    for r in range(state.shape[0]):
        if fint.shape[1] > 0:
            integer_inputs(g, dp, state[r], fint[r])
        energy[r] = ideal_energy(g, state[r])


@njit(cache=True, parallel=True)
def rounds_datapath(g, dp, reals, luts, colour_ptr, betas, n_sweeps, work, at, rung, energy, swap_rng, counts,
                    window, out):
    """Rounds through the generic datapath (:func:`pbitsim.kernels.chromatic_datapath.datapath_sweeps`); rung
    ``k`` runs ``dp`` with ``reals[k]`` and ``luts[k]`` (its beta and activation table).

    ``work = (state int8 (R, n), fint int64 (R, n or 0), tmp int8 (R, n), rng uint64 (R, 2), lfsr uint64 (R, m))``.
    """
    state, fint, tmp, rng, lfsr = work
    n = state.shape[1]
    out_e, out_lab, out_s = out
    for x in prange(at.shape[0]):
        for t in range(window[0], window[1]):
            for k in range(at.shape[1]):
                r = np.int64(at[x, k])
                datapath_sweeps(g, rung_datapath(dp, reals[k], luts[k]), colour_ptr, state[r], fint[r], tmp[r], rng, r,
                                lfsr, n_sweeps)
                energy[r] = ideal_energy(g, state[r])
            round_end(x, t, window[2], betas, energy, at, rung, swap_rng, counts, state, n, out_e, out_lab, out_s)


@njit(cache=True)
def init_fast(g, fk, state, fint, energy):
    """Cached wide sums and ideal energies of every replica (fast datapath)."""
    for r in range(state.shape[0]):
        wide_sums(g, fk, state[r], fint[r])
        energy[r] = ideal_energy(g, state[r])


@njit(cache=True)
def rung_fast(fk, table):
    """``fk`` with the decision table of one rung."""
    return FastDatapath(fk.par, table, fk.hint, fk.wint, fk.wt, fk.nbr, fk.slot, fk.off)


@njit(cache=True, parallel=True)
def rounds_fast(g, fk, tables, colour_ptr, betas, n_sweeps, work, at, rung, energy, swap_rng, counts, window, out):
    """Rounds through the fast integer datapath (:func:`pbitsim.kernels.datapath_fast.fast_sweeps`); rung ``k``
    uses the decision table ``tables[k]``.  ``work = (state, fint, words, flips, rng, lfsr)``."""
    state, fint, words, flips, rng, lfsr = work
    n = state.shape[1]
    out_e, out_lab, out_s = out
    for x in prange(at.shape[0]):
        for t in range(window[0], window[1]):
            for k in range(at.shape[1]):
                r = np.int64(at[x, k])
                fast_sweeps(g, rung_fast(fk, tables[k]), colour_ptr, state[r], (fint[r], words[r], flips[r]),
                            rng, r, lfsr[r], n_sweeps, False, 0.0)
                energy[r] = ideal_energy(g, state[r])
            round_end(x, t, window[2], betas, energy, at, rung, swap_rng, counts, state, n, out_e, out_lab, out_s)
