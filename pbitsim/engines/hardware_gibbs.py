"""Engine for chips with a hardware datapath (fixed point, LUT, LFSR, device variation).

Same schedule semantics as the chromatic engine; the schedule of phases is the
colour classes (chromatic), one p-bit per phase (sequential systematic scan)
or one phase of all p-bits (naive parallel).  A fixed-point chip without
analog effects or stuck p-bits runs the specialised kernel
:func:`pbitsim.kernels.datapath_fast.run_datapath_fast` (same states for the
same seed, energies equal to rounding); every other chip runs the generic
:func:`pbitsim.kernels.chromatic_datapath.run_datapath`.
"""
from __future__ import annotations

import copy

import numpy as np

from ..compiler.seeding import datapath_streams
from ..errors import ChipSpecError
from ..kernels import pbit_update as K
from ..kernels import datapath_fast as F
from ..kernels.chromatic_datapath import run_datapath
from ..kernels.fixed_point import OVERFLOW_SATURATE
from ..kernels.run_window import S_FROM, S_TO, make_schedule_vector
from .chunked import run_windows
from .epilogue import finish, keep_states
from .options import KERNELS, EngineOptions
from .schedule import initial_states, program_cached

#: largest decision table (entries) of the fast kernel
MAX_TABLE = 1 << 16


def phase_schedule(program, mode):
    """``(order, colour_ptr)``: kernel order of the physical p-bits and the phase pointer."""
    n = program.n_physical
    if mode == "chromatic":
        return program.colouring.order()
    if mode == "sequential":
        return np.arange(n, dtype=np.int64), np.arange(n + 1, dtype=np.int64)
    if mode == "naive_parallel":
        return np.arange(n, dtype=np.int64), np.array([0, n], dtype=np.int64)
    raise ChipSpecError(f"the datapath engine runs chromatic, sequential or naive_parallel, not {mode!r}")


def _int64_bits(x):
    """A uint64 bit pattern (Python int) as the int64 the kernels' ``par`` vector stores."""
    x = int(x) & ((1 << 64) - 1)
    return x - (1 << 64) if x >= 1 << 63 else x


def _sum_bounds(kd, graph):
    """``(lo_sum, hi_sum)``: bounds of every reachable wide sum ``hc_i + sum_j wc_ij m_j``."""
    n = kd.hint.size
    rowabs = np.zeros(n, dtype=np.int64)
    np.add.at(rowabs, np.repeat(np.arange(n), np.diff(graph.indptr)), np.abs(kd.wint))
    return (int((kd.hint - rowabs).min()), int((kd.hint + rowabs).max())) if n else (0, 0)


def _saturation_range(cfg):
    """``(sat_lo, sat_hi)``: every wide sum ``A <= sat_lo`` (``>= sat_hi``) saturates the accumulator low
    (high), so it decides as ``sat_lo`` (``sat_hi``) does; None for a wrapping accumulator."""
    if cfg[K.ACC_OVERFLOW] != OVERFLOW_SATURATE:
        return None
    up, down = int(cfg[K.ALIGN_UP]), int(cfg[K.ALIGN_DOWN])
    bits = int(cfg[K.ACC_BITS])
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if up:
        return lo >> up, -((-hi) >> up)                    # A << up <= lo, >= hi
    return ((lo + 1) << down) - 1, hi << down             # A >> down <= lo, >= hi


def table_range(kd, graph, max_table=None):
    """``(a_lo, a_hi, clip)``: the wide sums the decision table covers, and whether the kernel must clip
    ``A`` into them (only where the accumulator saturates); None if no table of at most ``max_table``
    (default :data:`MAX_TABLE`) entries is exact."""
    max_table = MAX_TABLE if max_table is None else max_table
    lo_sum, hi_sum = _sum_bounds(kd, graph)
    if max(abs(lo_sum), abs(hi_sum)) + 1 >= 1 << (62 - int(kd.cfg[K.ALIGN_UP])):
        return None                                       # the generic kernel's shift could overflow
    if hi_sum - lo_sum < max_table:
        return lo_sum, hi_sum, False
    sat = _saturation_range(kd.cfg)
    if sat is None:
        return None
    a_lo, a_hi = max(lo_sum, sat[0]), min(hi_sum, sat[1])
    a_hi = max(a_hi, a_lo)
    return (a_lo, a_hi, True) if a_hi - a_lo < max_table else None


def _word_mode(cfg):
    if cfg[K.RNG_KIND] != K.RNG_LFSR:
        return F.WORDS_XOROSHIRO
    galois = cfg[K.LFSR_GALOIS] != 0
    if cfg[K.LFSR_SHARED]:
        return F.WORDS_SHARED_GALOIS if galois else F.WORDS_SHARED_FIBONACCI
    return F.WORDS_GALOIS if galois else F.WORDS_FIBONACCI


def _narrow(x, dtypes=(np.int8, np.int16, np.int32, np.int64)):
    """``x`` (int64) in the narrowest signed dtype of ``dtypes`` that holds it."""
    m = int(np.abs(x).max()) if x.size else 0
    for dt in dtypes:
        if m <= np.iinfo(dt).max:
            return x.astype(dt)
    return x


def fast_datapath(dp):
    """The :class:`pbitsim.kernels.datapath_fast.FastDatapath` of ``dp``, or None if it needs the generic kernel.

    Fast: fixed point, no analog effects, no stuck p-bit, a LUT or ``k <= 53``
    word bits (so a float compare is an integer one), at most 63 word bits,
    a decision table of at most :data:`MAX_TABLE` entries.
    """
    kd, cfg = dp.kernel, dp.kernel.cfg
    k = int(cfg[K.RNG_BITS])
    if not cfg[K.FIXED] or cfg[K.ANALOG] or np.any(kd.stuck != 0):
        return None
    if k > 63 or (cfg[K.ACTIVATION] != K.ACT_LUT and k > 53):
        return None
    bounds = table_range(kd, dp.graph)
    if bounds is None:
        return None
    a_lo, a_hi, clip = bounds
    m = a_hi - a_lo + 1
    thr, inv = np.zeros(m, dtype=np.uint64), np.zeros(m, dtype=np.uint8)
    sh = int(K.decision_table(cfg, kd.real, kd.lut, np.int64(a_lo), thr, inv))
    # +1 iff (w >> sh) < thr (inverted: >=), i.e. iff w < thr << sh: the interval [0, T) or [T, 2**k)
    T = np.minimum(thr, np.uint64(1 << (k - sh))) << np.uint64(sh)
    flag = inv != 0
    table = np.stack([np.where(flag, T, np.uint64(0)), np.where(flag, np.uint64(1 << k) - T, T)], axis=1)
    table = table.astype(np.uint64).ravel()               # (lo, span) interleaved
    width = int(cfg[K.LFSR_WIDTH])
    par = np.zeros(F.N_PAR, dtype=np.int64)
    par[F.P_CLIP], par[F.P_TOP_INDEX] = clip, m - 1
    par[F.P_RNG], par[F.P_K], par[F.P_KMASK] = _word_mode(cfg), k, (1 << k) - 1
    par[F.P_MASK], par[F.P_TOGGLE] = cfg[K.LFSR_MASK], cfg[K.LFSR_TOGGLE]
    par[F.P_WMASK], par[F.P_TOP] = _int64_bits((1 << width) - 1), width - 1
    par[F.P_XNOR], par[F.P_STEPS] = cfg[K.LFSR_XNOR], cfg[K.LFSR_STEPS]
    lo_sum, hi_sum = _sum_bounds(kd, dp.graph)          # cached sums hold A - a_lo
    sums = np.int32 if max(abs(lo_sum - a_lo), abs(hi_sum - a_lo)) < 2 ** 31 else np.int64
    n = kd.hint.size
    nbr = dp.graph.indices.astype(np.uint16 if n <= 1 << 16 else np.int32)
    return F.FastDatapath(par, table, (kd.hint - a_lo).astype(sums), _narrow(kd.wint), _narrow(kd.wtint), nbr,
                          kd.slot, kd.off)


def run(program, schedule, options=None, *, mode="chromatic"):
    """Run ``program`` through its chip's datapath and return :class:`Samples`.

    ``options.kernel`` (:class:`~pbitsim.engines.options.EngineOptions`): ``"auto"`` (fast when
    possible), ``"fast"`` (error when the chip needs the generic kernel) or ``"generic"``.
    """
    options = EngineOptions() if options is None else options
    chip, kernel = program.chip, options.kernel
    if kernel not in KERNELS:
        raise ChipSpecError(f"unknown datapath kernel {kernel!r}; allowed: {', '.join(KERNELS)}")
    if mode == "sequential" and chip.clock.scan == "random":
        raise ChipSpecError(f"chip {chip.name!r}: random-scan sequential mode is only available with the "
                            "ideal float datapath")
    order, colour_ptr = program_cached(program, ("phases", mode), None, lambda: phase_schedule(program, mode))
    beta = schedule.beta
    dp = program.datapath(beta, order)
    fk = program_cached(program, ("fast", mode), beta, lambda: fast_datapath(dp)) if kernel != "generic" else None
    if kernel == "fast" and fk is None:
        raise ChipSpecError(f"chip {chip.name!r}: the fast datapath kernel needs fixed point without analog "
                            "effects or stuck p-bits and a small decision table")
    n, R, S = program.n_physical, schedule.replicas, schedule.n_samples
    state, rng, lfsr = datapath_streams(dp, chip, schedule.seed, initial_states(n, R, schedule.seed, options.initial))
    out_states = np.zeros((R, S if keep_states(options) else 0, n), dtype=np.int8)
    out_energies = np.zeros((R, S))
    sched = make_schedule_vector(schedule.burn_in, S, schedule.thin)
    carry = np.zeros((R, 3))

    def step(g0, g1):
        sched[S_FROM], sched[S_TO] = g0, g1
        if fk is None:
            run_datapath(dp.graph, dp.kernel, colour_ptr, state, rng, lfsr, sched, out_states, out_energies)
        else:
            F.run_datapath_fast(dp.graph, fk, colour_ptr, state, rng, lfsr, sched, out_states, out_energies, carry)

    sweeps = schedule.total_sweeps
    wall = run_windows(step, sweeps, n * R, window_sweeps=options.window_sweeps, progress=options.progress,
                       label=f"{mode}+datapath")
    n_phases = colour_ptr.shape[0] - 1
    info = {"datapath": copy.deepcopy(dp.report), "n_phases": int(n_phases),
            "kernel": "generic" if fk is None else "fast"}
    return finish(program, schedule, options, engine=f"{mode}+datapath", states=out_states, energies=out_energies,
                  order=order, wall=wall, updates=sweeps * n * R, sweeps=sweeps,
                  simulated_ns=1e3 * sweeps * n_phases / chip.clock.frequency_mhz, info=info)
