r"""Exact laws of tempering on small models: swap acceptance by enumeration, and the whole PT chain.

- :func:`swap_acceptance`: for rungs whose kernels sample Boltzmann, the pairs are independent at a swap,
  ``(s, s') ~ pi_k (x) pi_{k+1}``, so pair ``k`` is accepted with probability
  ``E[min(1, exp((beta_{k+1} - beta_k)(E(s') - E(s))))]``, summed over all ``2^n x 2^n`` state pairs.
- :func:`tempering_law`: for any kernel (a quantized datapath, naive parallel), the stationary law of the
  whole tempering chain on the ``(2^n)^K`` joint states (rung-ordered): a round is ``T_0^w (x) ... (x)
  T_{K-1}^w`` (``w = swap_every`` sweeps of each rung's exact kernel, :mod:`pbitsim.analysis.kernel_law`)
  followed by the swap pass of its parity.  It returns each rung's marginal law at the recorded times
  (after a swap; the even and odd rounds averaged) and each pair's acceptance.  For Boltzmann kernels it
  reduces to ``pi_k`` and :func:`swap_acceptance`.

Energies and betas are physical (chip units, ``program.physical_beta``), as the run swaps them.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ..analysis.exact import all_energies, boltzmann_from_energies
from ..analysis.kernel_law import (
    datapath_p_plus,
    phase_matrix,
    random_scan_matrix,
    schedule_phases,
    sweep_matrix,
)
from ..errors import PbitsimError

#: largest joint state space (2^n)^K of :func:`tempering_law`
MAX_JOINT_STATES = 4096
#: power iterations of :func:`tempering_law`
MAX_ITERATIONS = 200_000


def swap_acceptance(model, physical_betas) -> np.ndarray:
    """Exact acceptance (K-1,) of each adjacent pair of Boltzmann rungs of ``model`` (n <= 12)."""
    if model.n > 12:
        raise PbitsimError(f"exact swap acceptance enumerates 4^n state pairs; n = {model.n} > 12")
    E = all_energies(model)
    b = np.asarray(physical_betas, dtype=np.float64)
    laws = [boltzmann_from_energies(E, x)[0] for x in b]
    out = np.empty(b.size - 1)
    dE = E[None, :] - E[:, None]  # E(s') - E(s): s at rung k (rows), s' at k+1 (columns)
    for k in range(b.size - 1):
        acc = np.minimum(1.0, np.exp(np.minimum((b[k + 1] - b[k]) * dE, 0.0)))
        out[k] = laws[k] @ acc @ laws[k + 1]
    return out


def rung_kernel(program, beta_user, mode):
    """Exact one-sweep transition matrix (2^n, 2^n) of ``program`` under ``mode`` at the user's ``beta``.

    ``mode``: ``chromatic`` / ``clocked`` (colour phases), ``sequential`` (systematic, or random scan as the
    chip says), ``naive_parallel`` (all at once), ``asynchronous`` (Poisson p-bits for one neuron time:
    ``expm(sum_i (T_i - I))``, ``T_i`` the heat-bath update of p-bit ``i``)."""
    p = datapath_p_plus(program, beta_user)
    if mode == "asynchronous":  # Poisson p-bits, one update per p-bit and sweep on average: exp(sum_i (T_i - I))
        n_states = p.shape[0]
        Q = sum(phase_matrix(p, [i]) for i in range(program.n_physical)) - program.n_physical * np.eye(n_states)
        return scipy.linalg.expm(Q)
    if mode == "clocked":
        mode = "chromatic"
    if mode == "sequential" and program.chip.clock.scan == "random":
        return np.linalg.matrix_power(random_scan_matrix(p).toarray(), program.n_physical)
    return sweep_matrix(p, schedule_phases(program, mode))


def _swap_matrix(E, betas, parity, N, K):
    """Sparse swap pass of ``parity`` on rung-ordered joint codes ``c = sum_k s_k N^k``; and the acceptance
    probability of each proposed pair per joint state ``(N^K, K-1)`` (NaN for pairs not proposed)."""
    codes = np.arange(N ** K, dtype=np.int64)
    digits = (codes[:, None] // (N ** np.arange(K))) % N            # (N^K, K)
    acc = np.full((codes.size, K - 1), np.nan)
    pairs = list(range(parity, K - 1, 2))
    for k in pairs:
        a, b = digits[:, k], digits[:, k + 1]
        acc[:, k] = np.minimum(1.0, np.exp(np.minimum((betas[k + 1] - betas[k]) * (E[b] - E[a]), 0.0)))
    # independent pairs: expand over the 2^|pairs| accept/reject patterns
    prob = np.ones((1, codes.size))
    targets = codes[None, :].copy()
    for k in pairs:
        a, b = digits[:, k], digits[:, k + 1]
        swapped = targets + (b - a) * N ** k + (a - b) * N ** (k + 1)
        prob = np.concatenate([prob * acc[:, k], prob * (1.0 - acc[:, k])])
        targets = np.concatenate([swapped, targets])
    rows = np.tile(codes, prob.shape[0])
    S = sp.csr_matrix((prob.ravel(), (rows, targets.ravel())), shape=(codes.size, codes.size))
    S.sum_duplicates()
    return S, acc


def tempering_law(program, betas_user, *, mode=None, swap_every=1):
    """``(marginals (K, 2^n), acceptance (K-1,))``: the exact rung laws and pair acceptances of tempering.

    ``mode`` is the engine's schedule (default the chip's clock mode: ``chromatic``, ``sequential`` or
    ``naive_parallel``); needs ``(2^n)^K <= MAX_JOINT_STATES`` and a Markov datapath (no LFSR, no input noise).
    """
    mode = mode or program.chip.clock.mode
    b_user = np.asarray(betas_user, dtype=np.float64)
    K, n = b_user.size, program.n_physical
    N = 1 << n
    if N ** K > MAX_JOINT_STATES:
        raise PbitsimError(f"the exact tempering law needs (2^n)^K <= {MAX_JOINT_STATES}; got n = {n}, K = {K}")
    E = all_energies(program.physical)
    betas = np.array([program.physical_beta(x) for x in b_user])
    kernels = [np.linalg.matrix_power(rung_kernel(program, b_user[k], mode), swap_every) for k in range(K)]

    def sweep(rho):  # rho @ (T_{K-1} (x) ... (x) T_0): joint code c = sum_k s_k N^k, axis K-1-k is rung k
        r = rho.reshape((N,) * K)
        for k in range(K):
            a = K - 1 - k
            r = np.moveaxis(np.tensordot(r, kernels[k], axes=([a], [0])), -1, a)
        return r.reshape(-1)
    S0, acc0 = _swap_matrix(E, betas, 0, N, K)
    S1, acc1 = _swap_matrix(E, betas, 1, N, K)
    S0t, S1t = S0.T.tocsr(), S1.T.tocsr()
    rho1 = np.full(N ** K, 1.0 / N ** K)
    for _ in range(MAX_ITERATIONS):      # power iteration of a period (even round, odd round)
        new = S1t @ sweep(S0t @ sweep(rho1))
        done = np.abs(new - rho1).sum() < 1e-13
        rho1 = new / new.sum()
        if done:
            break
    else:
        raise PbitsimError("the exact tempering law did not converge")  # pragma: no cover
    pre0 = sweep(rho1)                   # before the swaps of an even round
    rho0 = S0t @ pre0                    # after it
    pre1 = sweep(rho0)
    acc = np.where(np.isnan(acc0), 0.0, acc0).T @ pre0 + np.where(np.isnan(acc1), 0.0, acc1).T @ pre1
    mix = 0.5 * (rho0 + rho1)
    joint = mix.reshape((N,) * K)          # axes: rung K-1, ..., rung 0
    marg = np.stack([joint.sum(axis=tuple(a for a in range(K) if a != K - 1 - k)) for k in range(K)])
    return marg, acc
