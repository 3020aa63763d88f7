r"""The packed run schedule every sweep kernel takes, and the window of sweeps one call runs.

Packed kernel parameters: one convention
----------------------------------------
Scalars reach a kernel as small typed vectors with named slots, never as loose
arguments: ``schedule`` int64 (:data:`N_SCHEDULE`,) below for every sweep
kernel (chromatic, sequential, both datapath kernels), ``cfg`` int64 /
``real`` float64 for the p-bit datapath (:mod:`pbitsim.kernels.pbit_update`),
``par`` int64 for the fast datapath (:mod:`pbitsim.kernels.datapath_fast`),
``iparams`` int64 / ``fparams`` float64 for the event kernel
(:mod:`pbitsim.kernels.event`).  Each module names its slots with upper-case
constants (``S_*``, ``P_*``, ``I_*``, ``F_*``) and ``N_*`` for the length; the
Python layer fills them by name.

Windows (chunked runs)
----------------------
A run is ``burn_in`` sweeps, then ``n_samples`` units of ``thin`` sweeps, a
sample recorded at the end of each unit: ``total = burn_in + n_samples * thin``
sweeps on a global sweep counter ``g``.  One kernel call runs the sweeps
``g in [schedule[S_FROM], schedule[S_TO])`` and carries everything a later call
needs (states, RNG streams and, where a kernel accumulates in floating point,
its carry array), so any cut of ``[0, total)`` into windows gives bit-identical
states and energies.  The engines cut long runs into windows of well under a
second so that Ctrl-C is honoured between them (:mod:`pbitsim.engines.chunked`).

Unit ``t = 0`` is the burn-in (``burn_in`` sweeps, possibly 0), unit
``t >= 1`` ends with sample ``t - 1``.  A unit is finished (its sample
recorded) by the call whose window contains its last sweep.
"""
import numpy as np
from numba import njit

#: ``schedule`` slots: burn-in sweeps, samples, sweeps per sample, kernel mode flag, window [from, to)
S_BURN_IN, S_N_SAMPLES, S_THIN, S_MODE, S_FROM, S_TO = range(6)
N_SCHEDULE = 6


def make_schedule_vector(burn_in, n_samples, thin, mode=0, start=None, stop=None):
    """The int64 ``schedule`` vector; the window defaults to the whole run."""
    total = burn_in + n_samples * thin
    out = np.zeros(N_SCHEDULE, dtype=np.int64)
    out[[S_BURN_IN, S_N_SAMPLES, S_THIN, S_MODE, S_FROM, S_TO]] = (
        burn_in, n_samples, thin, mode, 0 if start is None else start, total if stop is None else stop)
    return out


def total_sweeps(schedule):
    """``burn_in + n_samples * thin`` of a ``schedule`` vector."""
    return int(schedule[S_BURN_IN] + schedule[S_N_SAMPLES] * schedule[S_THIN])


@njit(cache=True, inline="always")
def window_start(schedule):
    """``(t, done)`` at the window's first sweep: the current unit and the sweeps it already ran."""
    burn_in, thin, g0 = schedule[S_BURN_IN], schedule[S_THIN], schedule[S_FROM]
    if g0 == 0 or g0 < burn_in:
        return np.int64(0), g0
    q = g0 - burn_in
    return 1 + q // thin, q % thin


@njit(cache=True, inline="always")
def unit_length(schedule, t):
    """Sweeps of unit ``t``: ``burn_in`` for ``t = 0``, else ``thin``."""
    return schedule[S_BURN_IN] if t == 0 else schedule[S_THIN]
