r"""Plain sequential Gibbs sampling: the slow, obviously-correct reference kernel.

One p-bit at a time, input recomputed from scratch (``I_i = h_i + sum_j J_ij m_j``),
exact ``math.tanh``, float64 uniforms: ``m_i <- +1`` with probability
``(1 + tanh(beta I_i)) / 2``.  Systematic scan visits ``0..n-1`` in order;
random scan picks ``n`` sites uniformly per sweep.  Arrays as in
:mod:`pbitsim.kernels.chromatic` (no relabelling needed).
"""
import math

import numpy as np
from numba import njit, prange

from .rng import next_double
from .run_window import S_FROM, S_MODE, S_N_SAMPLES, S_TO, unit_length, window_start


@njit(cache=True)
def _update_site(indptr, indices, weights, h, beta, s, i, rng, r):
    acc = h[i]
    for k in range(indptr[i], indptr[i + 1]):
        acc += weights[k] * s[indices[k]]
    p_plus = 0.5 * (1.0 + math.tanh(beta * acc))
    s[i] = 1 if next_double(rng, r) < p_plus else -1


@njit(cache=True)
def sequential_sweeps(indptr, indices, weights, h, beta, s, rng, r, n_sweeps, random_scan):
    n = h.shape[0]
    for _ in range(n_sweeps):
        if random_scan:
            for _k in range(n):
                i = min(int(next_double(rng, r) * n), n - 1)
                _update_site(indptr, indices, weights, h, beta, s, i, rng, r)
        else:
            for i in range(n):
                _update_site(indptr, indices, weights, h, beta, s, i, rng, r)


@njit(cache=True)
def state_energy(indptr, indices, weights, h, s):
    e = 0.0
    for i in range(h.shape[0]):
        acc = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            acc += weights[k] * s[indices[k]]
        e -= s[i] * (0.5 * acc + h[i])
    return e


@njit(cache=True, parallel=True)
def run_sequential(indptr, indices, weights, h, beta, state, rng, schedule, out_states, out_energies):
    """The sweeps of ``schedule``'s window (:mod:`pbitsim.kernels.run_window`; ``schedule[S_MODE]`` 1 =
    random scan); outputs as in chromatic.  Only states and streams are carried between windows."""
    n_samples, g0, g1 = schedule[S_N_SAMPLES], schedule[S_FROM], schedule[S_TO]
    random_scan = schedule[S_MODE] != 0
    store = out_states.shape[1] > 0
    for rr in prange(state.shape[0]):
        r = np.int64(rr)  # signed (the prange index is unsigned): one specialisation of the helpers
        s = state[r]
        t, done = window_start(schedule)
        g = g0
        while t <= n_samples:
            steps = unit_length(schedule, t)
            k = min(steps - done, g1 - g)
            sequential_sweeps(indptr, indices, weights, h, beta, s, rng, r, k, random_scan)
            g += k
            done += k
            if done < steps:
                break
            if t > 0:
                out_energies[r, t - 1] = state_energy(indptr, indices, weights, h, s)
                if store:
                    for i in range(s.shape[0]):
                        out_states[r, t - 1, i] = s[i]
            t += 1
            done = 0
