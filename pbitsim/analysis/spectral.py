r"""Eigen-decomposition of exact transition matrices: eigenvalues, left/right eigenvectors, gap.

The matrices come from :mod:`pbitsim.analysis.transition` (``T[s, s']`` from
state code ``s`` to ``s'``; functions act on the right, laws on the left).
Modes are sorted by ``|lambda|``; right eigenvectors are normalised in the
stationary inner product ``<u, v>_pi = sum_s pi(s) u(s) v(s)`` and the left
ones are biorthonormal to them.  A reversible ``T`` (random scan) is
decomposed through the symmetric ``D^{1/2} T D^{-1/2}`` (``D = diag(pi)``) and
has real eigenvalues; the sweep schemes are not reversible and may have
complex ones.  How much of each mode an observable sees is in
:mod:`pbitsim.analysis.relaxation`.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .transition import is_reversible, stationary_law


# ----------------------------------------------------------------- spectrum
@dataclass(frozen=True)
class SpectralResult:
    r"""Eigen-decomposition of a transition matrix, modes sorted by ``|lambda|`` (largest first).

    Attributes
    ----------
    eigenvalues : ndarray (n_modes,)
        ``eigenvalues[0] = 1``; complex dtype unless ``T`` is reversible.
    right : ndarray (2^n, n_modes)
        Right eigenvectors ``T r_k = lambda_k r_k``, ``r_0 = 1``, ``<r_k, r_k>_pi = 1``.
    left : ndarray (n_modes, 2^n)
        Left eigenvectors, biorthonormal: ``left @ right = I`` (``left[0] = pi``).
        For a reversible ``T`` ``left[k] = pi * r_k``.
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

        ``+1`` even, ``-1`` odd, when ``T`` is flip-symmetric (no fields)
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
    d = np.einsum("ks,sk->k", L, R)
    L = L / np.where(d == 0, 1.0, d)[:, None]          # exact biorthonormality for simple eigenvalues
    if np.abs(L @ R - np.eye(lam.size)).max() > 1e-8:  # degenerate or defective eigenvalues: try R^{-1}
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
