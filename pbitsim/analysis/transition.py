r"""Exact transition matrices of p-bit update schemes on small models (n <= 14).

The Markov chain lives on the ``2^n`` state codes of :mod:`pbitsim.analysis.exact` (bit ``i``
set = spin ``i`` is +1).  ``T[s, s']`` is the probability of going from ``s``
to ``s'`` in one step; functions act on the right (``(T f)(s) = E[f(X_1) |
X_0 = s]``), laws on the left (``pi T = pi``).

Schemes (:func:`transition_matrix`):

``random_scan``
    One step = one site drawn uniformly and resampled, ``T = (1/n) sum_i T_i``.
    Reversible (detailed balance with the Boltzmann law) for ideal Gibbs, all
    eigenvalues real in ``[0, 1]``.  Units are *steps*; ``sweep=True`` returns
    ``T^n`` (the sequential engine's random-scan sweep: ``n`` random sites), so
    relaxation times come out in sweeps like the other schemes.
``systematic``
    One sweep ``T_0 T_1 ... T_{n-1}`` (site 0 first).  Not reversible:
    eigenvalues may be complex.
``chromatic``
    One sweep through the colour classes in colour order (the chromatic
    engine's phases).  Exact Gibbs, not reversible.
``naive_parallel``
    Every site resampled at once from the same state: the synchronous law,
    not Boltzmann (dense, n <= 12).

Given a :class:`~pbitsim.compiler.program.Program` whose chip has a non-ideal datapath,
the conditionals are the datapath's exact ``P(m_i = +1 | m)``
(:func:`pbitsim.analysis.kernel_law.datapath_p_plus`; an LFSR is treated as an ideal
``k``-bit random source, its sequence correlations are not in the matrix).

Spectra of these matrices are in :mod:`pbitsim.analysis.spectral`, the exact
relaxation of observables under them in :mod:`pbitsim.analysis.relaxation`.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .kernel_law import (datapath_p_plus, gibbs_p_plus, random_scan_matrix, schedule_phases,
                         sparse_phase_matrix, stationary)
from ..compiler.pipeline import place_model
from ..compiler.program import Program, as_ising

SCHEMES = ("random_scan", "systematic", "chromatic", "naive_parallel")
#: Up to this many spins :func:`transition_matrix` returns a dense array.
DENSE_MAX_SPINS = 10
#: Largest model the exact analysis accepts (sparse / operator form above DENSE_MAX_SPINS).
MAX_SPECTRAL_SPINS = 14
_NAIVE_MAX_SPINS = 12


# ----------------------------------------------------------------- matrices
class ProductOperator(spla.LinearOperator):
    """``T = F_0 F_1 ... F_{K-1}`` of sparse factors, never formed (for eigs / gmres)."""

    def __init__(self, factors):
        self.factors = list(factors)
        n = self.factors[0].shape[0]
        super().__init__(np.float64, (n, n))

    def _matvec(self, x):
        for F in reversed(self.factors):
            x = F @ x
        return x

    def _matmat(self, X):
        return self._matvec(X)

    def _rmatvec(self, x):
        for F in self.factors:
            x = F.T @ x
        return x

    def _adjoint(self):
        return ProductOperator([F.T for F in reversed(self.factors)])


def update_p_plus(model_or_program, beta):
    """Conditionals ``(2^n, n)`` each update uses: ideal Gibbs, or the chip datapath's for a Program.

    For a Program the state space is physical and ``beta`` is the user's (the
    chip runs at ``program.physical_beta(beta)``, as :func:`pbitsim.simulate` does).
    """
    if isinstance(model_or_program, Program):
        prog = model_or_program
        if prog.chip.is_ideal_datapath:
            return gibbs_p_plus(prog.physical, prog.physical_beta(beta))
        return datapath_p_plus(prog, beta)
    model, _ = as_ising(model_or_program)
    return gibbs_p_plus(model, float(beta))


def scheme_for_chip(chip):
    """The scheme a chip's clock runs (``[clock] mode`` and ``scan``), or None for event-driven modes."""
    mode = chip.clock.mode
    if mode == "sequential":
        return "random_scan" if chip.clock.scan == "random" else "systematic"
    return mode if mode in SCHEMES else None


def _phases(model_or_program, scheme, n):
    if scheme == "systematic":
        return [np.array([i]) for i in range(n)]
    if scheme == "chromatic":
        prog = model_or_program if isinstance(model_or_program, Program) else place_model(model_or_program)
        return schedule_phases(prog, "chromatic")
    return [np.arange(n)]                                          # naive_parallel


def transition_matrix(model_or_program, beta, scheme, *, p_plus=None, sweep=False, dense=None):
    r"""Exact transition matrix of an update scheme (see the module docstring for schemes).

    Parameters
    ----------
    model_or_program : IsingModel, RBM or Program
        A Program uses its physical p-bits and, for a non-ideal chip, its datapath's conditionals.
    beta : float
    scheme : {"random_scan", "systematic", "chromatic", "naive_parallel"}
    p_plus : ndarray (2^n, n), optional
        Conditionals ``P(m_i = +1 | m)`` to use instead (e.g. a hand-made kernel).
    sweep : bool
        ``random_scan`` only: return the ``n``-step (one sweep) matrix ``T^n``.
    dense : bool, optional
        Force a dense array (n <= 12) or the sparse form; default dense for n <= 10.

    Returns
    -------
    ndarray (2^n, 2^n), scipy.sparse CSR (random scan, large n) or :class:`ProductOperator`
    (sweep schemes, large n).  Rows sum to one.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; allowed: {', '.join(SCHEMES)}")
    p = update_p_plus(model_or_program, beta) if p_plus is None else np.asarray(p_plus, dtype=np.float64)
    n_states, n = p.shape
    if n_states != 1 << n or n > MAX_SPECTRAL_SPINS:
        raise ValueError(f"exact transition matrices need p_plus of shape (2^n, n) with n <= "
                         f"{MAX_SPECTRAL_SPINS}, got {p.shape}")
    if dense is None:
        dense = n <= DENSE_MAX_SPINS or scheme == "naive_parallel"
    if dense and n > _NAIVE_MAX_SPINS:
        raise ValueError(f"dense transition matrices need n <= {_NAIVE_MAX_SPINS}, model has {n}")
    if scheme == "random_scan":
        T = random_scan_matrix(p)
        if not sweep:
            return T.toarray() if dense else T
        if dense:
            return np.linalg.matrix_power(T.toarray(), n)
        return ProductOperator([T] * n)
    factors = [sparse_phase_matrix(p, ph) for ph in _phases(model_or_program, scheme, n)]
    if not dense:
        return ProductOperator(factors)
    T = factors[0].toarray()
    for F in factors[1:]:
        T = np.asarray(T @ F)
    return T


def stationary_law(T):
    """Stationary law ``pi T = pi`` of a dense, sparse or operator transition matrix."""
    if isinstance(T, np.ndarray):
        return stationary(T)
    op = spla.aslinearoperator(T)
    w, v = spla.eigs(op.H, k=1, which="LM", tol=1e-12)
    pi = np.abs(np.real(v[:, 0]))
    return pi / pi.sum()


def is_reversible(T, pi, *, tol=1e-10):
    """Detailed balance ``pi_s T[s,s'] = pi_s' T[s',s]`` (dense or sparse; operators: False)."""
    if isinstance(T, np.ndarray):
        F = pi[:, None] * T
        return bool(np.abs(F - F.T).max() <= tol * max(F.max(), 1e-300))
    if sp.issparse(T):
        F = sp.diags(pi) @ T
        D = abs(F - F.T)
        return bool(D.nnz == 0 or D.max() <= tol * max(F.max(), 1e-300))
    return False


def sample_replicas(T, n_steps, *, initial, n_replicas=1, seed=None):
    r"""Run ``n_replicas`` independent replicas of the exact Markov chain ``T`` (dense) for ``n_steps`` steps.

    Parameters
    ----------
    T : ndarray (N, N)
    n_steps : int
    initial : ndarray
        A law over the ``N`` states (float, sums to 1) from which each replica's
        ``X_0`` is drawn, or integer start codes ``(n_replicas,)``.
    seed : int or None

    Returns
    -------
    int64 ndarray (n_replicas, n_steps): the codes of ``X_1 .. X_{n_steps}`` (``X_0`` not included).
    """
    T = np.asarray(T, dtype=np.float64)
    N = T.shape[0]
    rng = np.random.default_rng(seed)
    init = np.asarray(initial)
    if np.issubdtype(init.dtype, np.integer):
        state = np.broadcast_to(init, (n_replicas,)).astype(np.int64)
    else:
        state = np.searchsorted(np.cumsum(init), rng.random(n_replicas) * init.sum(), side="right")
    state = np.minimum(state, N - 1)
    cum = np.cumsum(T, axis=1)
    cum[:, -1] = 1.0
    flat = (cum + np.arange(N)[:, None]).ravel()       # row r spans (r, r + 1]: one global search
    out = np.empty((n_replicas, int(n_steps)), dtype=np.int64)
    for t in range(int(n_steps)):
        u = rng.random(n_replicas)
        state = np.minimum(np.searchsorted(flat, state + u, side="right") - state * N, N - 1)
        out[:, t] = state
    return out
