r"""Exact relaxation of observables under a transition matrix, and the gradient observables.

Observable relaxation: for ``f`` with ``f0 = f - pi f`` and stationary
autocovariance ``C(t) = <f0, T^t f0>_pi`` (``<u, v>_pi = sum_s pi(s) u(s) v(s)``)::

    tau_f = 1 + 2 sum_{t>=1} C(t)/C(0) = 2 <f0, Z f0>_pi / C(0) - 1,
    Z = (I - T + 1 pi')^{-1}  (the fundamental matrix; Z f0 = sum_t T^t f0)

exact for non-reversible ``T`` too.  Expanding ``f0 = sum_k c_k r_k`` in right
eigenvectors (``c_k = l_k . f0`` with biorthonormal left ones), the weight of
mode ``k`` is ``a_k = c_k <f0, r_k>_pi / C(0)``: ``sum_k a_k = 1`` and
``tau_f = Re sum_k a_k (1 + lambda_k) / (1 - lambda_k)``.  (Sweep matrices have
a large zero eigenvalue, often defective; its modes' individual weights carry
no meaning, only their sum, and they add nothing to ``tau_f - 1``.)  For reversible ``T``
the ``a_k = |<f0, r_k>_pi|^2 / C(0)`` are non-negative: the share of ``f``'s
variance in mode ``k``.  An observable with ``a_1 = 0`` does not see the
slowest mode at all.

The gradient observables of a Boltzmann machine (``m_i m_j`` per edge, ``m_i`` per
spin) over all state codes, and their exact Boltzmann means, are here too.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg as spla

from .exact import codes_to_states, exact_law, states_to_codes
from .spectral import spectrum
from .transition import MAX_SPECTRAL_SPINS
from ..compiler.program import Program, as_ising


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
        reversible ``T``, complex otherwise.  ``weights[:, 1]`` is what each
        observable sees of the slowest mode.
    eigenvalues : ndarray (n_modes,) or None
    converged : bool
        False when an iterative solve (large sparse matrices) missed its tolerance.
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
        raise ValueError(f"observables have {F.shape[1]} states, the transition matrix has {pi.size}")
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
