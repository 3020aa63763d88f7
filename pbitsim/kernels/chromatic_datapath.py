r"""Chromatic / sequential / naive-parallel sweeps through the hardware datapath.

Every update uses the p-bit's input from its neighbours' current states — in
integers when the chip is fixed point (cached wide sums updated on flips, which
is exact), recomputed by a gather for float datapaths — then calls
:func:`pbitsim.kernels.pbit_update.decide`.  The schedule is a list of phases
``colour_ptr`` over colour-ordered p-bits: colours for chromatic, singletons for
systematic sequential scan, one phase holding everything for naive parallel.
Within a phase all p-bits read the state at the start of the phase.

This is the generic kernel: every chip, every configuration read at run time.
The common fixed-point chip (no analog effects, no stuck p-bits) runs the
specialised :func:`pbitsim.kernels.datapath_fast.run_datapath_fast` instead
(chosen by :mod:`pbitsim.engines.hardware_gibbs`), which draws the same random
numbers and makes the same decisions.  :func:`_phase` and :func:`_phase_cached`
are also the FPGA export's golden-vector steps.

Arrays: ``g`` is a :class:`pbitsim.compiler.hardware.KernelGraph` namedtuple (CSR of
the ideal physical model, colour order, for energies), ``dp`` a
:class:`pbitsim.compiler.hardware.KernelDatapath` namedtuple (codes, tables, per-p-bit
parameters).  ``state`` int8 (R, n); ``rng`` uint64 (R, 2); ``lfsr`` uint64
(R, n_registers).
"""
import numpy as np
from numba import njit, prange

from .pbit_update import FIXED, LFSR_SHARED, RNG_KIND, RNG_LFSR, advance_shared, decide
from .run_window import S_FROM, S_N_SAMPLES, S_TO, unit_length, window_start


@njit(cache=True)
def _phase(g, dp, colour_ptr, c, s, tmp, rng, r, lfsr):
    a0 = colour_ptr[c]
    b0 = colour_ptr[c + 1]
    fixed = dp.cfg[FIXED] != 0
    for i in range(a0, b0):
        a_int = np.int64(0)
        x = 0.0
        if fixed:
            a_int = dp.hint[i]
            for k in range(g.indptr[i], g.indptr[i + 1]):
                a_int += dp.wint[k] * s[g.indices[k]]
        else:
            x = dp.hflt[i]
            for k in range(g.indptr[i], g.indptr[i + 1]):
                x += dp.wflt[k] * s[g.indices[k]]
        tmp[i] = decide(dp.cfg, dp.real, dp.gain, dp.offset, dp.stuck, dp.lut, i, a_int, x,
                        rng, r, lfsr, dp.slot[i], dp.off[i])
    for i in range(a0, b0):
        s[i] = tmp[i]


@njit(cache=True)
def _phase_cached(g, dp, colour_ptr, c, s, fint, tmp, rng, r, lfsr):
    """Integer datapath phase with cached wide sums ``fint`` (exact: integer arithmetic).

    Same decisions and random draws as :func:`_phase`; on a flip of p-bit i the
    inputs of its neighbours change by ``2 m_i J(j <- i)`` (``dp.wtint``).
    """
    a0 = colour_ptr[c]
    b0 = colour_ptr[c + 1]
    for i in range(a0, b0):
        tmp[i] = decide(dp.cfg, dp.real, dp.gain, dp.offset, dp.stuck, dp.lut, i, fint[i], 0.0,
                        rng, r, lfsr, dp.slot[i], dp.off[i])
    for i in range(a0, b0):
        new = tmp[i]
        if new != s[i]:
            s[i] = new
            d = np.int64(2 * new)
            for k in range(g.indptr[i], g.indptr[i + 1]):
                fint[g.indices[k]] += dp.wtint[k] * d


@njit(cache=True)
def integer_inputs(g, dp, s, fint):
    """Wide integer sums ``hc_i + sum_j Jc(i <- j) m_j`` for every p-bit (int64)."""
    for i in range(s.shape[0]):
        a = dp.hint[i]
        for k in range(g.indptr[i], g.indptr[i + 1]):
            a += dp.wint[k] * s[g.indices[k]]
        fint[i] = a


@njit(cache=True)
def datapath_sweeps(g, dp, colour_ptr, s, fint, tmp, rng, r, lfsr, n_sweeps):
    """``n_sweeps`` sweeps of one replica (gather form for float datapaths, cached sums ``fint`` for
    fixed point: :func:`integer_inputs` of ``s`` on entry, kept so on return)."""
    shared = dp.cfg[RNG_KIND] == RNG_LFSR and dp.cfg[LFSR_SHARED] != 0
    fixed = dp.cfg[FIXED] != 0
    for _ in range(n_sweeps):
        if shared:
            advance_shared(dp.cfg, lfsr, r)
        for c in range(colour_ptr.shape[0] - 1):
            if fixed:
                _phase_cached(g, dp, colour_ptr, c, s, fint, tmp, rng, r, lfsr)
            else:
                _phase(g, dp, colour_ptr, c, s, tmp, rng, r, lfsr)


@njit(cache=True)
def ideal_energy(g, s):
    e = 0.0
    for i in range(s.shape[0]):
        acc = 0.0
        for k in range(g.indptr[i], g.indptr[i + 1]):
            acc += g.weights[k] * s[g.indices[k]]
        e -= s[i] * (0.5 * acc + g.h[i])
    return e


@njit(cache=True, parallel=True)
def run_datapath(g, dp, colour_ptr, state, rng, lfsr, schedule, out_states, out_energies):
    """The sweeps of ``schedule``'s window (:mod:`pbitsim.kernels.run_window`); outputs as in
    :func:`pbitsim.kernels.chromatic.run_chromatic`.  Nothing but states, RNG streams and registers is
    carried between windows (cached sums are exact integers, rebuilt from the states)."""
    n_samples, g0, g1 = schedule[S_N_SAMPLES], schedule[S_FROM], schedule[S_TO]
    n = state.shape[1]
    store = out_states.shape[1] > 0
    fixed = dp.cfg[FIXED] != 0
    for rr in prange(state.shape[0]):
        r = np.int64(rr)  # signed, as other callers pass it: one specialisation of the helpers
        s = state[r]
        tmp = np.empty(n, dtype=np.int8)
        fint = np.empty(n if fixed else 0, dtype=np.int64)  # exact integer inputs, updated on flips
        if fixed:
            integer_inputs(g, dp, s, fint)
        t, done = window_start(schedule)
        gs = g0
        while t <= n_samples:
            steps = unit_length(schedule, t)
            k = min(steps - done, g1 - gs)
            datapath_sweeps(g, dp, colour_ptr, s, fint, tmp, rng, r, lfsr, k)
            gs += k
            done += k
            if done < steps:
                break
            if t > 0:
                out_energies[r, t - 1] = ideal_energy(g, s)
                if store:
                    for i in range(n):
                        out_states[r, t - 1, i] = s[i]
            t += 1
            done = 0
