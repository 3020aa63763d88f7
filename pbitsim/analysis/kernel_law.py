r"""Exact transition matrices and stationary laws of p-bit update schedules (small n).

For a schedule of phases ``C_1, ..., C_K`` (sets of p-bits updated together
from the same state) and exact conditionals ``P(m_i = +1 | m)``, the phase
matrix is ``T_C[s, s'] = prod_{i in C} P(s'_i | s) * [s'_j = s_j for j not in C]``
and one sweep is ``T = T_{C_1} ... T_{C_K}``.  Its stationary law is what the
kernel samples — the Boltzmann law for exact Gibbs, something else for a
quantized/LUT datapath or a naive parallel schedule.  States use the codes of
:mod:`pbitsim.analysis.exact` (bit ``i`` set = spin ``i`` is +1).

Functions taking a program take the user's ``beta``, as :func:`pbitsim.simulate`
does: the chip runs at ``program.physical_beta(beta)`` and the conditionals come
from the program's own cached datapath (:meth:`Program.datapath`), so a law and a
run of the same program at the same ``beta`` describe the same hardware.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ..compiler.hardware import conditional_p_plus

from .exact import MAX_EXACT_SPINS, codes_to_states

MAX_KERNEL_SPINS = 12


def gibbs_p_plus(model, beta):
    """Ideal heat-bath conditionals ``(1 + tanh(beta I_i)) / 2`` for all ``2^n`` states, ``(2^n, n)``."""
    states = codes_to_states(np.arange(1 << model.n), model.n).astype(np.float64)
    return 0.5 * (1.0 + np.tanh(beta * model.local_fields(states)))


def phase_transitions(p_plus, phase):
    """Yield ``(target codes, probabilities)`` per joint outcome of the p-bits in ``phase``.

    For each of the ``2^|phase|`` outcomes, row ``s`` moves to ``target[s]``
    with probability ``prob[s]`` (product of the independent p-bit updates).
    """
    n_states = p_plus.shape[0]
    phase = np.asarray(phase, dtype=np.int64)
    codes = np.arange(n_states, dtype=np.int64)
    clear = codes & ~np.int64(sum(1 << int(i) for i in phase))
    for assign in range(1 << phase.size):
        prob = np.ones(n_states)
        target = clear.copy()
        for b, i in enumerate(phase):
            if (assign >> b) & 1:
                prob *= p_plus[:, i]
                target |= np.int64(1) << np.int64(i)
            else:
                prob *= 1.0 - p_plus[:, i]
        yield target, prob


def phase_matrix(p_plus, phase):
    """Dense ``(2^n, 2^n)`` matrix of one phase: p-bits in ``phase`` updated from the same state."""
    n_states = p_plus.shape[0]
    codes = np.arange(n_states, dtype=np.int64)
    M = np.zeros((n_states, n_states))
    for target, prob in phase_transitions(p_plus, phase):
        np.add.at(M, (codes, target), prob)
    return M


def sweep_matrix(p_plus, phases):
    """Transition matrix of one sweep through ``phases`` (a list of index arrays)."""
    n_states = p_plus.shape[0]
    if n_states > (1 << MAX_KERNEL_SPINS):
        raise ValueError(f"kernel matrices support n <= {MAX_KERNEL_SPINS} p-bits")
    T = np.eye(n_states)
    for phase in phases:
        T = T @ phase_matrix(p_plus, phase)
    return T


def stationary(T):
    """Stationary distribution ``pi = pi T`` (the eigenvalue-1 left eigenvector), normalised."""
    n = T.shape[0]
    A = np.vstack([T.T - np.eye(n), np.ones((1, n))])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi = scipy.linalg.lstsq(A, b)[0]
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def schedule_phases(program, mode):
    """Phases (physical indices) of ``mode`` on a program: colour classes, singletons or everything."""
    n = program.n_physical
    if mode == "chromatic":
        return program.colouring.classes()
    if mode == "sequential":
        return [np.array([i]) for i in range(n)]
    if mode == "naive_parallel":
        return [np.arange(n)]
    raise ValueError(f"unknown schedule {mode!r}")


def datapath_p_plus(program, beta, *, lfsr_as_ideal=False):
    """Exact conditionals of the program's chip datapath at the user's ``beta`` for all states,
    ``(2^n, n)``, physical order (the datapath runs at ``program.physical_beta(beta)``).

    ``lfsr_as_ideal``: an LFSR chip's words taken as independent uniform ``k``-bit
    integers (the law the datapath would sample with a perfect source; see
    :mod:`pbitsim.analysis.rng_correlation`)."""
    n = program.n_physical
    if n > MAX_EXACT_SPINS:
        raise ValueError(f"exact conditionals need n <= {MAX_EXACT_SPINS}")
    dp = program.datapath(program.physical_beta(beta))
    states = codes_to_states(np.arange(1 << n), n)
    return conditional_p_plus(dp, states, lfsr_as_ideal=lfsr_as_ideal)


def kernel_stationary_law(program, beta, mode=None, *, lfsr_as_ideal=False):
    """Stationary law over state codes of the program's chip kernel (datapath + schedule) at the user's ``beta``."""
    mode = mode or program.chip.clock.mode
    p = datapath_p_plus(program, beta, lfsr_as_ideal=lfsr_as_ideal)
    return stationary(sweep_matrix(p, schedule_phases(program, mode)))


def sparse_phase_matrix(p_plus, phase):
    """:func:`phase_matrix` as a ``scipy.sparse`` CSR matrix (``2^|phase|`` entries per row)."""
    n_states = p_plus.shape[0]
    codes = np.arange(n_states, dtype=np.int64)
    rows, cols, vals = [], [], []
    for target, prob in phase_transitions(p_plus, phase):
        rows.append(codes)
        cols.append(target)
        vals.append(prob)
    M = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_states, n_states))
    M.sum_duplicates()
    return M


def random_scan_matrix(p_plus):
    r"""One step of random-scan Gibbs: a site ``i`` drawn uniformly, then updated; sparse CSR.

    ``T = (1/n) sum_i T_{\{i\}}``: ``n + 1`` entries per row (stay, or flip one
    of ``n`` spins).  Reversible when the conditionals come from a joint law
    (ideal Gibbs: detailed balance with the Boltzmann law).  One *sweep* of
    the sequential engine's random scan is ``n`` such steps, ``T^n``.
    """
    n_states, n = p_plus.shape
    codes = np.arange(n_states, dtype=np.int64)
    bits = (codes[:, None] >> np.arange(n, dtype=np.int64)) & 1
    p_flip = np.where(bits == 1, 1.0 - p_plus, p_plus) / n          # (2^n, n)
    rows = np.concatenate([np.repeat(codes, n), codes])
    cols = np.concatenate([(codes[:, None] ^ (np.int64(1) << np.arange(n, dtype=np.int64))).ravel(), codes])
    vals = np.concatenate([p_flip.ravel(), 1.0 - p_flip.sum(axis=1)])
    return sp.csr_matrix((vals, (rows, cols)), shape=(n_states, n_states))
