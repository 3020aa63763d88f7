r"""Reversible and non-reversible update orders of the same conditionals, with the work each step costs.

With exact conditionals (Gibbs) every single-phase update ``P_C`` (a colour
class ``C`` resampled from the same state) is self-adjoint in ``L^2(pi)``.
Orders built from them (per *step*; ``n`` spins, colour classes ``C_1..C_K``):

``chromatic``    ``P_{C_1} P_{C_2} ... P_{C_K}``: the chip's sweep.  Not reversible.
``palindromic``  ``P_{C_1} ... P_{C_{K-1}} P_{C_K} P_{C_{K-1}} ... P_{C_1}``: its own adjoint, so
                 reversible (the kernel a detailed-balance convergence theorem
                 needs); costs ``n + sum_{k<K} |C_k|`` updates per step.
``random_scan``  ``n`` single-site updates at uniformly drawn sites (``T^n`` of
                 :func:`pbitsim.analysis.kernel_law.random_scan_matrix`).  Reversible.

For two colours (an RBM: visible, hidden) ``P_v P_h P_v`` has exactly the non-zero
spectrum of ``P_v P_h`` (cyclic products share non-zero eigenvalues and
``P_v^2 = P_v``): repeating the palindrome *is* the chromatic chain read after
its ``v`` phase, for ``n + n_v`` updates per step instead of ``n``.  A fixed-point
datapath's conditionals need not come from one joint law; then no order is reversible.

Comparisons at equal work use ``updates_per_step / n``, the step's cost in
sweeps: ``tau_sweeps = tau_steps * updates_per_step / n`` is the cost, in
sweeps, of one effective sample.  :func:`sample_order` runs any order on the
conditionals directly (a reference chain, independent of the matrices).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kernel_law import datapath_p_plus, random_scan_matrix, schedule_phases, sweep_matrix
from .transition import update_p_plus
from ..compiler.pipeline import place_model
from ..compiler.program import Program

ORDERS = ("chromatic", "palindromic", "random_scan")


def palindrome(phases):
    """``C_1 .. C_{K-1} C_K C_{K-1} .. C_1`` of a list of phases (index arrays)."""
    phases = [np.asarray(p, dtype=np.int64) for p in phases]
    if not phases:
        raise ValueError("palindrome needs at least one phase")
    return phases + phases[-2::-1]


def kernel_conditionals(model_or_program, beta):
    r"""``P(m_i = +1 | m)`` for all states, ``(2^n, n)``: ideal Gibbs, or a Program's datapath.

    An LFSR chip's words are taken as independent uniform integers (``lfsr_as_ideal``):
    the matrices then describe the datapath with a perfect random source; the LFSR's
    sequence correlations are not in them.
    """
    if isinstance(model_or_program, Program) and not model_or_program.chip.is_ideal_datapath:
        return datapath_p_plus(model_or_program, beta, lfsr_as_ideal=True)
    return update_p_plus(model_or_program, beta)


def colour_phases(model_or_program):
    """Colour classes (physical indices) of a Program, or of a model placed on its own graph."""
    prog = model_or_program if isinstance(model_or_program, Program) else place_model(model_or_program)
    return [np.asarray(c, dtype=np.int64) for c in schedule_phases(prog, "chromatic")]


@dataclass(frozen=True)
class OrderKernel:
    """One step of an update order: its dense matrix and what it costs.

    Attributes
    ----------
    order : str
    T : ndarray (2^n, 2^n)
        Transition matrix of one step.
    updates_per_step : int
        Single p-bit updates one step performs.
    n : int
        Spins (physical p-bits).
    phases : list of ndarray or None
        The phase sequence (None for random scan).
    """

    order: str
    T: np.ndarray
    updates_per_step: int
    n: int
    phases: list | None

    @property
    def sweeps_per_step(self) -> float:
        """``updates_per_step / n``: one step's cost in sweeps."""
        return self.updates_per_step / self.n


def order_kernel(model_or_program, beta, order, *, p_plus=None) -> OrderKernel:
    r"""Dense one-step matrix of ``order`` (``chromatic``, ``palindromic`` or ``random_scan``).

    ``p_plus`` (``(2^n, n)``) overrides the conditionals; by default the ideal
    Gibbs ones of a model, or a Program's datapath (:func:`kernel_conditionals`).
    """
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}; allowed: {', '.join(ORDERS)}")
    p = kernel_conditionals(model_or_program, beta) if p_plus is None else np.asarray(p_plus, dtype=np.float64)
    n = p.shape[1]
    if order == "random_scan":
        T = np.linalg.matrix_power(random_scan_matrix(p).toarray(), n)
        return OrderKernel(order, T, n, n, None)
    phases = colour_phases(model_or_program)
    if order == "palindromic":
        phases = palindrome(phases)
    return OrderKernel(order, sweep_matrix(p, phases), int(sum(ph.size for ph in phases)), n, phases)


def sample_order(p_plus, phases, n_steps, *, n_replicas=1, seed=None, initial=None):
    r"""Run a phase sequence on exact conditionals; one sample per step (after the whole sequence).

    Parameters
    ----------
    p_plus : ndarray (2^n, n)
        ``P(m_i = +1 | m)`` per state code.
    phases : list of index arrays, or ``"random_scan"``
        Phases applied in order each step (all p-bits of a phase updated from the
        same state), or ``n`` uniformly drawn single sites per step.
    n_steps, n_replicas : int
    seed : int or None
    initial : ndarray (n_replicas,) int, optional
        Start codes (default: uniform random states).

    Returns
    -------
    int64 ndarray (n_replicas, n_steps) of state codes.
    """
    p = np.asarray(p_plus, dtype=np.float64)
    n_states, n = p.shape
    if isinstance(phases, str) and phases != "random_scan":
        raise ValueError(f"phases must be a list of index arrays or 'random_scan', got {phases!r}")
    rng = np.random.default_rng(seed)
    codes = (rng.integers(0, n_states, n_replicas) if initial is None
             else np.broadcast_to(np.asarray(initial, dtype=np.int64), (n_replicas,)).copy())
    out = np.empty((n_replicas, int(n_steps)), dtype=np.int64)
    one = np.int64(1)
    for t in range(int(n_steps)):
        seq = ([rng.integers(0, n, n_replicas)[:, None] for _ in range(n)] if isinstance(phases, str)
               else [np.broadcast_to(np.asarray(ph, dtype=np.int64), (n_replicas, len(ph))) for ph in phases])
        for sites in seq:
            up = rng.random(sites.shape) < p[codes[:, None], sites]
            bits = one << sites
            mask = np.bitwise_or.reduce(bits, axis=1)
            codes = (codes & ~mask) | np.bitwise_or.reduce(np.where(up, bits, 0), axis=1)
        out[:, t] = codes
    return out
