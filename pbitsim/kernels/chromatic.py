r"""Chromatic (graph-coloured) Gibbs kernels over plain arrays, float datapath.

Update rule (bipolar p-bit): ``m_i <- sgn(tanh(beta * I_i) - r)``, ``r ~ U(-1, 1)``,
``I_i = h_i + sum_j J_ij m_j``.  Colour classes are updated in sequence; all
p-bits of one colour read the same state, which is exact Gibbs sampling
because a colour class has no internal edge.

Array conventions (shared by every kernel here)
-----------------------------------------------
Nodes are relabelled so that colour ``c`` is the contiguous range
``color_ptr[c] : color_ptr[c+1]``.

- ``indptr`` int64 (n+1,), ``indices`` int32 (nnz,), ``weights`` float64 (nnz,):
  symmetric CSR coupling matrix J (both directions stored).
- ``h`` float64 (n,); ``beta`` float.
- ``state`` int8 (replicas, n), values -1/+1.
- ``field`` float64 (replicas, n): cached inputs ``I = h + J m`` (kept exact
  incrementally: a flip of ``m_i`` adds ``2 m_i J_ij`` to each neighbour).
- ``energy`` float64 (replicas,): running ``E(m)`` without the constant offset.
- ``rng`` uint64 (replicas, 2): one xoroshiro128+ stream per replica, so the
  result does not depend on how replicas are split over threads.
"""
import numpy as np
from numba import njit, prange

from .activation import fast_tanh
from .rng import next_u64, u64_to_two_symmetric


@njit(cache=True)
def compute_fields(indptr, indices, weights, h, state, field):
    """``field[r] = h + J state[r]`` for every replica (exact recomputation)."""
    n = h.shape[0]
    for r in range(state.shape[0]):
        for i in range(n):
            acc = h[i]
            for k in range(indptr[i], indptr[i + 1]):
                acc += weights[k] * state[r, indices[k]]
            field[r, i] = acc


@njit(cache=True)
def compute_energies(indptr, indices, weights, h, state, energy):
    """``energy[r] = -1/2 m'Jm - h'm`` for every replica (no constant offset)."""
    n = h.shape[0]
    for r in range(state.shape[0]):
        e = 0.0
        for i in range(n):
            acc = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                acc += weights[k] * state[r, indices[k]]
            e -= state[r, i] * (0.5 * acc + h[i])
        energy[r] = e


@njit(cache=True, inline="always")
def _flip(indptr, indices, weights, s, f, i, new):
    """Set ``s[i] = new`` and update neighbours' fields; returns the energy change."""
    de = -2.0 * new * f[i]  # E changes by 2 m_old I_i = -2 m_new I_i
    s[i] = new
    d = 2.0 * new
    for k in range(indptr[i], indptr[i + 1]):
        f[indices[k]] += weights[k] * d
    return de


@njit(cache=True)
def chromatic_sweeps(indptr, indices, weights, color_ptr, beta, s, f, rng, r, n_sweeps):
    """``n_sweeps`` colour-by-colour sweeps of replica ``r`` (1-D views ``s``, ``f``).

    Returns the total energy change.  Two 32-bit uniforms are drawn per 64-bit
    RNG output.
    """
    de = 0.0
    n_colors = color_ptr.shape[0] - 1
    for _ in range(n_sweeps):
        for c in range(n_colors):
            a = color_ptr[c]
            b = color_ptr[c + 1]
            i = a
            while i < b:
                u0, u1 = u64_to_two_symmetric(next_u64(rng, r))
                t = fast_tanh(beta * f[i])
                new = np.int8(1) if t > u0 else np.int8(-1)
                if new != s[i]:
                    de += _flip(indptr, indices, weights, s, f, i, new)
                i += 1
                if i < b:
                    t = fast_tanh(beta * f[i])
                    new = np.int8(1) if t > u1 else np.int8(-1)
                    if new != s[i]:
                        de += _flip(indptr, indices, weights, s, f, i, new)
                    i += 1
    return de


@njit(cache=True)
def naive_parallel_sweeps(indptr, indices, weights, beta, s, f, tmp, rng, r, n_sweeps):
    """Every p-bit updated at once from the same state (NOT Gibbs; shows why colouring matters)."""
    de = 0.0
    n = s.shape[0]
    for _ in range(n_sweeps):
        i = 0
        while i < n:
            u0, u1 = u64_to_two_symmetric(next_u64(rng, r))
            tmp[i] = np.int8(1) if fast_tanh(beta * f[i]) > u0 else np.int8(-1)
            if i + 1 < n:
                tmp[i + 1] = np.int8(1) if fast_tanh(beta * f[i + 1]) > u1 else np.int8(-1)
            i += 2
        for i in range(n):
            if tmp[i] != s[i]:
                # energy change of a simultaneous move is recomputed by the caller
                s[i] = tmp[i]
                d = 2.0 * tmp[i]
                for k in range(indptr[i], indptr[i + 1]):
                    f[indices[k]] += weights[k] * d
    return de


@njit(cache=True)
def record_moments(s, edge_u, edge_v, sum_m, sum_mm):
    """Add one sample's ``m_i`` (sum_m, (n,)) and ``m_u m_v`` per edge (sum_mm, (n_edges,))."""
    for i in range(s.shape[0]):
        sum_m[i] += s[i]
    for e in range(edge_u.shape[0]):
        sum_mm[e] += s[edge_u[e]] * s[edge_v[e]]


@njit(cache=True, parallel=True)
def run_chromatic(indptr, indices, weights, h, color_ptr, beta, state, rng, schedule,
                  edges, out_states, out_energies, sum_m, sum_mm):
    """Burn in, then take samples every ``thin`` sweeps, for all replicas in parallel.

    ``schedule`` int64 (4,): ``(burn_in, n_samples, thin, mode)`` with mode 0 =
    chromatic, 1 = naive parallel.  ``edges`` int32 (2, n_edges) upper-triangle
    pairs for the running moments.  ``out_states`` int8 (replicas, S, n) with
    ``S`` = n_samples or 0 (states not stored); ``out_energies`` float64
    (replicas, n_samples); ``sum_m`` float64 (replicas, n); ``sum_mm`` float64
    (replicas, n_edges) (n_edges = 0 disables the edge moments).
    """
    burn_in, n_samples, thin, mode = schedule[0], schedule[1], schedule[2], schedule[3]
    n = h.shape[0]
    n_rep = state.shape[0]
    store = out_states.shape[1] > 0
    edge_u = edges[0]
    edge_v = edges[1]
    for r in prange(n_rep):
        s = state[r]
        f = np.empty(n, dtype=np.float64)
        tmp = np.empty(n, dtype=np.int8)
        e = 0.0
        for i in range(n):
            acc = h[i]
            for k in range(indptr[i], indptr[i + 1]):
                acc += weights[k] * s[indices[k]]
            f[i] = acc
            e -= s[i] * (acc + h[i]) * 0.5
        for t in range(n_samples + 1):
            steps = burn_in if t == 0 else thin
            if mode == 0:
                e += chromatic_sweeps(indptr, indices, weights, color_ptr, beta, s, f, rng, r, steps)
            else:
                naive_parallel_sweeps(indptr, indices, weights, beta, s, f, tmp, rng, r, steps)
                e = 0.0
                for i in range(n):
                    e -= s[i] * (f[i] + h[i]) * 0.5
            if t == 0:
                continue
            out_energies[r, t - 1] = e
            if store:
                for i in range(n):
                    out_states[r, t - 1, i] = s[i]
            if sum_m.shape[1] > 0:
                record_moments(s, edge_u, edge_v, sum_m[r], sum_mm[r])
