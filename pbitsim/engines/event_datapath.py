r"""What the event kernel reads to decide an update: synapse weights aligned with the CSR, and the p-bit datapath.

The event engine (:mod:`pbitsim.engines.event`) runs the physical model's
symmetric CSR ``(indptr, indices)``.  This module aligns a chip's datapath
(:meth:`pbitsim.compiler.program.Program.datapath`, physical order) with it and
chooses how every update decides (:mod:`pbitsim.kernels.event`,
``chip_decision``):

- the ideal chip: its own weights and the float p-bit (``pbit = None``);
- ``"generic"``: the golden :func:`pbitsim.kernels.pbit_update.decide` on the
  wide integer sum ``A = hc_i + sum_j wc(i <- j) y_j`` (fixed point, integer codes
  carried exactly in float64) or the float input (float datapath); every chip;
- ``"fast"``: the decision table of the chromatic integer kernel
  (:func:`pbitsim.engines.hardware_gibbs.fast_datapath`,
  :func:`pbitsim.kernels.datapath_fast.table_decision`): the inputs hold
  ``A - a_lo``, the table index, and one update is a random word
  (:func:`pbitsim.kernels.pbit_update.random_word`) and a table lookup.  It covers
  fixed-point chips without analog effects whose table is small (as the
  chromatic fast kernel) and, unlike that kernel, stuck p-bits (checked per
  update).  Bit-identical with ``"generic"``: same decisions from the same
  random words, so the same trajectories (``tests/engines/test_event_fast_datapath.py``).

``kernel="auto"`` (:class:`~pbitsim.engines.options.EngineOptions`) takes the
fast path where it applies.  The arrays depend on the program and ``beta``
only, so they are cached on the program
(:func:`pbitsim.engines.schedule.program_cached`): repeated runs reuse them.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..errors import ChipSpecError, PbitsimError
from ..kernels import datapath_fast as F
from ..kernels import pbit_update as D
from .hardware_gibbs import fast_datapath
from .options import KERNELS
from .schedule import program_cached

#: fixed-point sums are carried in float64; every partial sum must stay an exact integer
MAX_EXACT_SUM = 1 << 53


@dataclass(frozen=True, eq=False)
class EventDatapath:
    """The kernel's ``inputs`` and ``pbit`` (see :mod:`pbitsim.kernels.event`) for one program and ``beta``.

    ``datapath`` is the program's :class:`~pbitsim.compiler.hardware.Datapath`
    (None for the ideal chip); ``kernel`` is ``"ideal"``, ``"generic"`` or ``"fast"``.
    """

    inputs: tuple
    pbit: tuple | None
    datapath: object
    kernel: str


def csr_keys(indptr, indices):
    """``(row * n + column, row)`` of every stored entry (int64)."""
    n = indptr.shape[0] - 1
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    return rows * n + indices.astype(np.int64), rows


def positions(keys, wanted):
    """Index into ``keys`` of each of ``wanted`` (the same set of distinct entries)."""
    o = np.argsort(keys, kind="stable")
    pos = o[np.minimum(np.searchsorted(keys, wanted, sorter=o), keys.size - 1)] if keys.size else o
    if not np.array_equal(keys[pos], wanted):
        raise PbitsimError("the coupling pattern is not symmetric: the event engine needs both directions of "
                           "every coupling")
    return pos


def fast_table(dp):
    """The :class:`~pbitsim.kernels.datapath_fast.FastDatapath` of ``dp`` for the event kernel, or None.

    As :func:`~pbitsim.engines.hardware_gibbs.fast_datapath`, except that stuck
    p-bits are allowed: the table ignores them (the kernel returns a stuck
    p-bit's value before drawing a word, as ``decide`` does).
    """
    kd = dp.kernel
    if np.any(kd.stuck != 0):
        dp = dataclasses.replace(dp, kernel=kd._replace(stuck=np.zeros_like(kd.stuck)))
    return fast_datapath(dp)


def _check_exact(chip, rows, w_int, h_int):
    row_abs = np.abs(h_int.astype(np.float64))                 # float64: no int64 overflow in the check
    np.add.at(row_abs, rows, np.abs(w_int.astype(np.float64)))
    bound = float(row_abs.max()) if row_abs.size else 0.0
    if bound >= MAX_EXACT_SUM:
        raise PbitsimError(f"chip {chip.name!r}: a p-bit's wide input sum can reach {bound:.4g} lsb, beyond "
                           "the 2**53 the event engine sums exactly; use fewer weight bits")


def _build(program, beta, csr, kernel):
    chip = program.chip
    indptr, indices, weights, h = csr
    if chip.is_ideal_datapath:
        return EventDatapath((weights, weights, h), None, None, "ideal")
    n = program.n_physical
    dp = program.datapath(beta)
    kd = dp.kernel
    fk = fast_table(dp) if kernel != "generic" else None
    if kernel == "fast" and fk is None:
        raise ChipSpecError(f"chip {chip.name!r}: the event engine's fast datapath needs fixed point without "
                            "analog effects and a small decision table; use kernel='auto' or 'generic'")
    keys, rows = csr_keys(indptr, indices)
    at = positions(csr_keys(dp.graph.indptr, dp.graph.indices)[0], keys)   # datapath entry of each entry
    mirror = positions(keys, indices.astype(np.int64) * n + rows)           # entry (j, i) of entry (i, j)
    if kd.cfg[D.FIXED]:
        w_int = kd.wint[at].astype(np.int64)
        _check_exact(chip, rows, w_int, kd.hint.astype(np.int64))
        # generic: float64 codes; fast: hc - a_lo (the table index) and the weight codes in the fast
        # kernel's narrow dtype (less memory traffic per flip; the sums stay exact float64 integers)
        w_in = w_int.astype(np.float64 if fk is None else fk.wint.dtype)
        h_in = (kd.hint if fk is None else fk.hint).astype(np.float64)
    else:
        w_in, h_in = kd.wflt[at].astype(np.float64), kd.hflt.astype(np.float64)
    slot = kd.slot
    if chip.rng.kind == "lfsr" and not chip.rng.shared:  # register k: k-th p-bit in colour-sorted order
        perm, _ = program.colouring.order()
        slot = np.empty(n, dtype=np.int64)
        slot[perm] = np.arange(n)
    par, table = ((np.zeros(F.N_PAR, dtype=np.int64), np.zeros(0, dtype=np.uint64)) if fk is None
                  else (fk.par.astype(np.int64), np.ascontiguousarray(fk.table, dtype=np.uint64)))
    inputs = (np.ascontiguousarray(w_in), np.ascontiguousarray(w_in[mirror]), np.ascontiguousarray(h_in))
    pbit = (kd.cfg.astype(np.int64), kd.real.astype(np.float64), kd.gain.astype(np.float64),
            kd.offset.astype(np.float64), kd.stuck.astype(np.int8), kd.lut.astype(np.uint64),
            np.ascontiguousarray(slot, dtype=np.int64), kd.off.astype(np.int64), par, table)
    return EventDatapath(inputs, pbit, dp, "generic" if fk is None else "fast")


def event_datapath(program, beta, csr, kernel="auto") -> EventDatapath:
    """The kernel's inputs and p-bit datapath for ``program`` at physical ``beta`` (cached on the program).

    Parameters
    ----------
    csr : tuple
        ``(indptr int64, indices int32, weights float64, h float64)`` of the
        physical model (:func:`physical_csr`).
    kernel : "auto", "fast" or "generic"
        The decision path (module docstring); "fast" on a chip it does not
        cover is a :class:`~pbitsim.errors.ChipSpecError`.
    """
    if kernel not in KERNELS:
        raise ChipSpecError(f"unknown datapath kernel {kernel!r}; allowed: {', '.join(KERNELS)}")
    return program_cached(program, "event_datapath", (float(beta), kernel),
                          lambda: _build(program, beta, csr, kernel))


def physical_csr(program):
    """``(indptr int64, indices int32, weights float64, h float64)`` of the physical model (cached)."""
    def build():
        indptr, indices, weights = program.physical.csr()
        return indptr, indices, weights, program.physical.h.astype(np.float64)
    return program_cached(program, "event_csr", None, build)
