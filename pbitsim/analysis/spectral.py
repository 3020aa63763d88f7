r"""Exact spectral analysis of p-bit update schemes on small models (n <= 14).

The chain lives on the ``2^n`` state codes of :mod:`pbitsim.analysis.exact` (bit ``i``
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

Observable relaxation: for ``f`` with ``f0 = f - pi f`` and stationary
autocovariance ``C(t) = <f0, T^t f0>_pi`` (``<u, v>_pi = sum_s pi(s) u(s) v(s)``)::

    tau_f = 1 + 2 sum_{t>=1} C(t)/C(0) = 2 <f0, Z f0>_pi / C(0) - 1,
    Z = (I - T + 1 pi')^{-1}  (the fundamental matrix; Z f0 = sum_t T^t f0)

exact for non-reversible chains.  Expanding ``f0 = sum_k c_k r_k`` in right
eigenvectors (``c_k = l_k . f0`` with biorthonormal left ones), the weight of
mode ``k`` is ``a_k = c_k <f0, r_k>_pi / C(0)``: ``sum_k a_k = 1`` and
``tau_f = Re sum_k a_k (1 + lambda_k) / (1 - lambda_k)``.  (Sweep matrices have
a large zero eigenvalue, often defective; its modes' individual weights carry
no meaning, only their sum, and they add nothing to ``tau_f - 1``.)  For reversible ``T``
the ``a_k = |<f0, r_k>_pi|^2 / C(0)`` are non-negative: the share of ``f``'s
variance in mode ``k``.  An observable with ``a_1 = 0`` does not see the
slowest mode at all.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .exact import codes_to_states, exact_law, states_to_codes
from .kernel_law import (datapath_p_plus, gibbs_p_plus, random_scan_matrix, schedule_phases,
                         sparse_phase_matrix, stationary)
from ..compiler.program import Program, as_ising, place_model

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


def chain_p_plus(model_or_program, beta):
    """Conditionals ``(2^n, n)`` the chain uses: ideal Gibbs, or the chip datapath's for a Program.

    For a Program the state space is physical and ``beta`` is the user's
    (multiplied by ``program.beta_factor``, as :func:`pbitsim.simulate` does).
    """
    if isinstance(model_or_program, Program):
        prog = model_or_program
        phys_beta = float(beta) * getattr(prog, "beta_factor", 1.0)
        if prog.chip.is_ideal_datapath:
            return gibbs_p_plus(prog.physical, phys_beta)
        return datapath_p_plus(prog, phys_beta)
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
    p = chain_p_plus(model_or_program, beta) if p_plus is None else np.asarray(p_plus, dtype=np.float64)
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


# ----------------------------------------------------------------- spectrum
@dataclass(frozen=True)
class SpectralResult:
    r"""Eigen-decomposition of a transition matrix, modes sorted by ``|lambda|`` (largest first).

    Attributes
    ----------
    eigenvalues : ndarray (n_modes,)
        ``eigenvalues[0] = 1``; complex dtype unless the chain is reversible.
    right : ndarray (2^n, n_modes)
        Right eigenvectors ``T r_k = lambda_k r_k``, ``r_0 = 1``, ``<r_k, r_k>_pi = 1``.
    left : ndarray (n_modes, 2^n)
        Left eigenvectors, biorthonormal: ``left @ right = I`` (``left[0] = pi``).
        For a reversible chain ``left[k] = pi * r_k``.
    pi : ndarray (2^n,)
    reversible : bool
    complete : bool
        All ``2^n`` modes (dense), or only the leading ones (sparse solver).
    """

    eigenvalues: np.ndarray
    right: np.ndarray
    left: np.ndarray
    pi: np.ndarray
    reversible: bool
    complete: bool

    @property
    def lambda2(self) -> float:
        """``|lambda_2|``, the second-largest eigenvalue modulus."""
        return float(np.abs(self.eigenvalues[1]))

    @property
    def gap(self) -> float:
        """Spectral gap ``1 - |lambda_2|``."""
        return 1.0 - self.lambda2

    @property
    def relaxation_time(self) -> float:
        """``-1 / log |lambda_2|`` (in steps of ``T``)."""
        lam = self.lambda2
        return float("inf") if lam >= 1.0 else (0.0 if lam == 0.0 else -1.0 / np.log(lam))

    @property
    def mode_integrated_time(self) -> float:
        """``(1 + |lambda_2|) / (1 - |lambda_2|)``: ``tau_int`` of an observable living in the slowest mode."""
        lam = self.lambda2
        return float("inf") if lam >= 1.0 else (1.0 + lam) / (1.0 - lam)

    def parity(self):
        r"""Global spin-flip parity of each mode, ``<r_k, r_k o flip>_pi / <r_k, r_k>_pi``.

        ``+1`` even, ``-1`` odd, when the chain is flip-symmetric (no fields)
        and the eigenvalue is simple; a mix otherwise.
        """
        flip = np.arange(self.pi.size) ^ (self.pi.size - 1)
        r = self.right
        num = np.einsum("s,sk,sk->k", self.pi, r.conj(), r[flip])
        den = np.einsum("s,sk,sk->k", self.pi, r.conj(), r)
        return np.real(num / den)


def _normalise(lam, R, L, pi, reversible, complete):
    order = np.lexsort((-np.real(lam), -np.round(np.abs(lam), 12)))
    lam, R, L = lam[order], R[:, order], L[order]
    scale = np.sqrt(np.einsum("s,sk->k", pi, np.abs(R) ** 2))
    # phase: make the largest entry of each right vector real positive
    idx = np.abs(R).argmax(axis=0)
    ph = R[idx, np.arange(R.shape[1])]
    ph = ph / np.abs(ph)
    R = R / (scale * ph)
    L = L * (scale * ph)[:, None]
    if reversible:
        lam, R, L = np.real(lam), np.real(R), np.real(L)
    return SpectralResult(lam, R, L, pi, reversible, complete)


def _dense_spectrum(T, pi, reversible):
    if reversible and pi.min() > 0:
        d = np.sqrt(pi)
        S = d[:, None] * T / d[None, :]
        lam, U = scipy.linalg.eigh(0.5 * (S + S.T))
        return _normalise(lam, U / d[:, None], (U * d[:, None]).T, pi, True, True)
    lam, VL, R = scipy.linalg.eig(T, left=True, right=True)
    L = VL.conj().T
    L = L / np.einsum("ks,sk->k", L, R)[:, None]      # exact biorthonormality for simple eigenvalues
    if np.abs(L @ R - np.eye(lam.size)).max() > 1e-8:  # degenerate eigenvalues: try R^{-1}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                Linv = scipy.linalg.inv(R, check_finite=False)
        except np.linalg.LinAlgError:                  # defective: keep the scaled left vectors
            Linv = None
        if Linv is not None and np.all(np.isfinite(Linv)) and np.abs(Linv @ R - np.eye(lam.size)).max() < 1e-8:
            L = Linv
    return _normalise(lam, R, L, pi, False, True)


def _sparse_spectrum(T, pi, reversible, n_modes):
    N = T.shape[0]
    k = min(n_modes, N - 2)
    if reversible and pi.min() > 0:
        d = np.sqrt(pi)
        S = sp.diags(d) @ T @ sp.diags(1.0 / d)
        S = 0.5 * (S + S.T)
        lam, U = spla.eigsh(S, k=k, which="LM", tol=1e-12)
        return _normalise(lam, U / d[:, None], (U * d[:, None]).T, pi, True, False)
    op = spla.aslinearoperator(T)
    lam, R = spla.eigs(op, k=k, which="LM", tol=1e-12)
    lam_l, VL = spla.eigs(op.H, k=k, which="LM", tol=1e-12)
    match = np.array([np.argmin(np.abs(np.conj(lam_l) - x)) for x in lam])
    L = VL[:, match].conj().T
    L = L / np.einsum("ks,sk->k", L, R)[:, None]
    return _normalise(lam, R, L, pi, False, False)


def spectrum(T, pi=None, *, n_modes=None) -> SpectralResult:
    r"""Eigenvalues and left/right eigenvectors of a transition matrix.

    Dense ``T`` with ``n_modes=None``: the full decomposition (LAPACK; the
    symmetrised ``D^{1/2} T D^{-1/2}`` when reversible).  Sparse matrices,
    operators, or a given ``n_modes``: the ``n_modes`` (default 12) eigenvalues
    of largest modulus from ARPACK (``scipy.sparse.linalg.eigsh`` / ``eigs``).

    Parameters
    ----------
    T : ndarray, sparse matrix or LinearOperator, (2^n, 2^n)
    pi : ndarray (2^n,), optional
        Stationary law; computed when not given.
    """
    pi = stationary_law(T) if pi is None else np.asarray(pi, dtype=np.float64)
    reversible = is_reversible(T, pi)
    if isinstance(T, np.ndarray) and n_modes is None:
        return _dense_spectrum(T, pi, reversible)
    return _sparse_spectrum(T, pi, reversible, n_modes or 12)


# ----------------------------------------------------------------- observables
@dataclass(frozen=True)
class ObservableRelaxation:
    r"""Exact stationary autocorrelation of observables under ``T``.

    Attributes
    ----------
    tau : ndarray (n_obs,)
        ``tau_f = 1 + 2 sum_{t>=1} rho_f(t)`` (1 for independent samples); NaN
        where ``Var_pi f = 0``.
    mean, variance : ndarray (n_obs,)
        ``E_pi f`` and ``Var_pi f`` (one sample).
    weights : ndarray (n_obs, n_modes) or None
        Mode weights ``a_k`` (see the module docstring); real and >= 0 for a
        reversible chain, complex otherwise.  ``weights[:, 1]`` is what each
        observable sees of the slowest mode.
    eigenvalues : ndarray (n_modes,) or None
    converged : bool
        False when an iterative solve (large sparse chains) missed its tolerance.
    """

    tau: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    weights: np.ndarray | None
    eigenvalues: np.ndarray | None
    converged: bool = True

    def mode_tau(self, *, zero=1e-6):
        r"""``tau`` rebuilt from the modes: ``1 + 2 Re sum_k a_k lambda_k / (1 - lambda_k)``.

        Equal to ``Re sum_k a_k (1 + lambda_k)/(1 - lambda_k)`` since ``sum_k a_k = 1``,
        but modes with ``|lambda_k| < zero`` drop out: sweep matrices have a
        large, often defective, zero eigenvalue whose individual vectors are
        not meaningful.  Equals ``tau`` when all non-zero modes are held.
        """
        lam = self.eigenvalues[1:]
        term = np.where(np.abs(lam) < zero, 0.0, lam / (1 - lam))
        return 1.0 + 2.0 * np.real(self.weights[:, 1:] @ term)


def _fundamental_solve(T, pi, F0):
    """``Z F0`` column by column, ``Z = (I - T + 1 pi')^{-1}``; returns (G, converged)."""
    N = pi.size
    if isinstance(T, np.ndarray):
        A = np.eye(N) - T + np.outer(np.ones(N), pi)
        return scipy.linalg.solve(A, F0), True
    op = spla.aslinearoperator(T)
    A = spla.LinearOperator((N, N), matvec=lambda x: x - op.matvec(x) + pi @ x, dtype=np.float64)
    G = np.empty_like(F0)
    ok = True
    for j in range(F0.shape[1]):
        G[:, j], info = spla.gmres(A, F0[:, j], rtol=1e-11, restart=80, maxiter=2000)
        ok &= info == 0
    if not ok:
        warnings.warn("observable_relaxation: GMRES did not converge for every observable",
                      RuntimeWarning, stacklevel=3)
    return G, ok


def observable_relaxation(T, pi, f, *, spec=None, modes=True) -> ObservableRelaxation:
    r"""Exact integrated autocorrelation time of observables ``f`` under ``T``.

    Parameters
    ----------
    T : ndarray, sparse matrix or LinearOperator (2^n, 2^n)
    pi : ndarray (2^n,)
        Stationary law of ``T``.
    f : ndarray (2^n,) or (n_obs, 2^n)
        Observable values per state code.
    spec : SpectralResult, optional
        Reused for the mode weights (else computed when ``modes``).
    modes : bool
        Compute the mode weights (costs an eigen-decomposition if ``spec`` is not given).

    Returns
    -------
    ObservableRelaxation
        Arrays of length ``n_obs`` (length 1 for a single observable).
    """
    pi = np.asarray(pi, dtype=np.float64)
    F = np.atleast_2d(np.asarray(f, dtype=np.float64))
    if F.shape[1] != pi.size:
        raise ValueError(f"observables have {F.shape[1]} states, chain has {pi.size}")
    mean = F @ pi
    F0 = F - mean[:, None]
    var = (F0 ** 2) @ pi
    G, ok = _fundamental_solve(T, pi, F0.T)
    s0 = np.einsum("s,os,so->o", pi, F0, G)
    flat = var <= 1e-14 * np.maximum(1.0, (F ** 2) @ pi)
    tau = np.where(flat, np.nan, 2.0 * s0 / np.where(flat, 1.0, var) - 1.0)
    weights = eig = None
    if modes:
        spec = spectrum(T, pi) if spec is None else spec
        c = F0 @ spec.left.T                                            # (n_obs, n_modes)
        proj = np.einsum("s,os,sk->ok", pi, F0, spec.right)             # <f0, r_k>_pi
        weights = c * proj / np.where(flat, 1.0, var)[:, None]
        if spec.reversible:
            weights = np.real(weights)
        eig = spec.eigenvalues
    return ObservableRelaxation(tau, mean, var, weights, eig, bool(ok))


def sample_chain(T, n_steps, *, initial, n_chains=1, seed=None):
    r"""Run ``n_chains`` independent copies of the exact chain ``T`` (dense) for ``n_steps`` steps.

    Parameters
    ----------
    T : ndarray (N, N)
    n_steps : int
    initial : ndarray
        A law over the ``N`` states (float, sums to 1) from which each chain's
        ``X_0`` is drawn, or integer start codes ``(n_chains,)``.
    seed : int or None

    Returns
    -------
    int64 ndarray (n_chains, n_steps): the codes of ``X_1 .. X_{n_steps}`` (``X_0`` not included).
    """
    T = np.asarray(T, dtype=np.float64)
    N = T.shape[0]
    rng = np.random.default_rng(seed)
    init = np.asarray(initial)
    if np.issubdtype(init.dtype, np.integer):
        state = np.broadcast_to(init, (n_chains,)).astype(np.int64)
    else:
        state = np.searchsorted(np.cumsum(init), rng.random(n_chains) * init.sum(), side="right")
    state = np.minimum(state, N - 1)
    cum = np.cumsum(T, axis=1)
    cum[:, -1] = 1.0
    flat = (cum + np.arange(N)[:, None]).ravel()       # row r spans (r, r + 1]: one global search
    out = np.empty((n_chains, int(n_steps)), dtype=np.int64)
    for t in range(int(n_steps)):
        u = rng.random(n_chains)
        state = np.minimum(np.searchsorted(flat, state + u, side="right") - state * N, N - 1)
        out[:, t] = state
    return out


# ----------------------------------------------------------------- gradient observables
def parameter_labels(model, *, biases=True):
    """Labels of the gradient components: ``("J", i, j)`` per edge (``model.edges()`` order), then ``("h", i)``."""
    model, _ = as_ising(model.logical if isinstance(model, Program) else model)
    r, c, _ = model.edges()
    labels = [("J", int(i), int(j)) for i, j in zip(r, c)]
    return labels + ([("h", i) for i in range(model.n)] if biases else [])


def gradient_observables(model_or_program, *, biases=True):
    r"""Gradient observables over all states: ``m_i m_j`` per edge, then ``m_i`` per spin.

    Returns float64 ``(n_edges [+ n], 2^n)``; row order as
    :func:`parameter_labels`.  For a Program the columns are *physical* state
    codes and the rows the logical model's observables of the unembedded state.
    """
    if isinstance(model_or_program, Program):
        prog = model_or_program
        F = gradient_observables(prog.logical, biases=biases)
        phys = codes_to_states(np.arange(1 << prog.n_physical), prog.n_physical)
        return F[:, states_to_codes(prog.unembed(phys))]
    model, _ = as_ising(model_or_program)
    if model.n > MAX_SPECTRAL_SPINS:
        raise ValueError(f"gradient observables over all states need n <= {MAX_SPECTRAL_SPINS}")
    m = codes_to_states(np.arange(1 << model.n), model.n).astype(np.float64)
    r, c, _ = model.edges()
    rows = [m[:, r].T * m[:, c].T]
    if biases:
        rows.append(m.T)
    return np.concatenate(rows, axis=0)


def boltzmann_moments(model, beta, *, biases=True, law=None):
    """Exact ``E_p[m_i m_j]`` (edges) and ``E_p[m_i]`` under the Boltzmann law, in gradient order.

    ``law``: the model's ``exact_law(model, beta)`` if already computed.
    """
    model, _ = as_ising(model.logical if isinstance(model, Program) else model)
    if law is None:
        law = exact_law(model, beta)
    r, c, _ = model.edges()
    parts = [law.correlations[r, c]] + ([law.means] if biases else [])
    return np.concatenate(parts)
