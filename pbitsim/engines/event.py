r"""Event-driven engine: asynchronous and clocked p-bits in continuous time (validate, allocate, seed, run).

Time is chip time in ns.  What ``sweeps`` means here: one sweep lasts
``TimingSpec.sweep_ns`` — the mean neuron time ``[timing] neuron_time_ns``
for asynchronous chips (on average one update per p-bit), or one clock period
over all colour phases (``n_colors / frequency``) for clocked chips.  A run
of ``burn_in`` and ``sweeps`` sweeps with thinning ``thin`` therefore

- runs ``t_burn = burn_in * sweep_ns`` of chip time first,
- then samples the states on a sampling clock of period
  ``thin * sweep_ns`` at ``t_burn + k * period``, ``k = 1 .. sweeps // thin``
  (a sample sees every event strictly before its tick),
- and stops at ``t_end = t_burn + (sweeps // thin) * period``.

``duration_ns``, ``sample_period_ns`` and ``burn_in_ns`` replace the three
derived times when given.  The dwell-time-weighted time averages of the
magnetisation and energy over ``[t_burn, t_end]`` are exact integrals of the
piecewise-constant trajectory (``Samples.info``).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..errors import PbitsimError
from ..kernels import event as K
from ..kernels.event_queue import alias_table
from ..samples import Samples, Timing
from ..timing import TimingSpec, timing_from_program, validate_timing
from .schedule import initial_states, replica_streams

QUEUES = ("auto", "shortcut", "heap")
MAX_HISTORY_BYTES = 1 << 30  # ring buffers of one replica may not exceed this


@dataclass(frozen=True)
class FlipLog:
    """Every flip of every replica: ``(time ns, p-bit, new value)``, in time order per replica.

    ``times`` float64, ``pbits`` int32 and ``values`` int8 are ``(replicas,
    max_flips)``, valid up to ``counts[r]``; ``initial`` int8 ``(replicas, n)``
    are the states at time 0, so the log replays the whole trajectory.
    """

    times: np.ndarray
    pbits: np.ndarray
    values: np.ndarray
    counts: np.ndarray
    initial: np.ndarray

    def replica(self, r):
        """``(times, pbits, values)`` of replica ``r``."""
        c = int(self.counts[r])
        return self.times[r, :c], self.pbits[r, :c], self.values[r, :c]


@dataclass(frozen=True)
class Window:
    """The sampling window in chip time (ns)."""

    burn_in_ns: float
    sample_period_ns: float
    n_samples: int

    @property
    def end_ns(self):
        return self.burn_in_ns + self.n_samples * self.sample_period_ns


def _positive(name, value):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise PbitsimError(f"{name} must be a number, got {value!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise PbitsimError(f"{name} must be finite and > 0, got {value!r}")
    return v


def make_window(schedule, sweep_ns, *, duration_ns=None, sample_period_ns=None, burn_in_ns=None):
    """Chip-time window from a :class:`RunSchedule` (``sweeps`` in units of ``sweep_ns``) and overrides."""
    period = (_positive("sample_period_ns", sample_period_ns) if sample_period_ns is not None
              else schedule.thin * sweep_ns)
    burn = float(schedule.burn_in * sweep_ns) if burn_in_ns is None else float(burn_in_ns)
    if not (math.isfinite(burn) and burn >= 0):
        raise PbitsimError(f"burn_in_ns must be finite and >= 0, got {burn_in_ns!r}")
    if duration_ns is not None:
        n_samples = int(math.floor(_positive("duration_ns", duration_ns) / period * (1 + 1e-12)))
        if n_samples < 1:
            raise PbitsimError(f"duration_ns = {duration_ns} is shorter than the sample period "
                               f"{period} ns: no sample would be taken")
    else:
        n_samples = schedule.n_samples
    return Window(burn, period, n_samples)


def _read_mode(program, timing: TimingSpec):
    """How inputs are read (see :mod:`pbitsim.kernels.event`).

    - cached exact inputs when nothing is delayed or lagged and no two
      neighbours can update at one instant;
    - cached delayed inputs fed by a FIFO of changes when every synapse has
      the same delay (changes then arrive in the order they happen);
    - per-p-bit ring buffers of output changes when delays differ per edge.
    """
    d = timing.delay_ns
    if d.size and np.any(d != d[0]):
        return K.READ_HISTORY
    if timing.response_time_ns > 0 or (d.size and d[0] > 0):
        return K.READ_FIFO
    if timing.mode == "clocked" and timing.jitter_ns == 0:
        u, v, _ = program.physical.edges()
        if np.any(timing.phase_ns[u] == timing.phase_ns[v]):
            return K.READ_FIFO  # simultaneous neighbours must read each other's old values
    return K.READ_FRESH


def _pow2_at_least(x):
    return int(2 ** math.ceil(math.log2(max(x, 1.0))))


def history_size(timing: TimingSpec):
    """Ring-buffer length: a power of two well above the changes one delay window can hold."""
    mu = timing.max_delay_ns / timing.min_update_interval_ns
    return _pow2_at_least(max(8.0, mu + 6.0 * math.sqrt(mu) + 4.0))


def _expected_updates(timing, t_end):
    if timing.mode == "asynchronous":
        return t_end * float(np.sum(1.0 / timing.neuron_time_ns))
    return timing.n * (t_end / timing.period_ns + 1.0)


def _source(timing, queue):
    if queue not in QUEUES:
        raise PbitsimError(f"queue must be one of {', '.join(QUEUES)}, got {queue!r}")
    if timing.mode == "clocked":
        if queue == "shortcut":
            raise PbitsimError("queue='shortcut' applies to asynchronous (Poisson) p-bits only")
        return K.SOURCE_CLOCKED, timing.phase_ns, "heap"
    if queue == "heap":
        return K.SOURCE_POISSON_HEAP, timing.neuron_time_ns, "heap"
    return K.SOURCE_POISSON, timing.neuron_time_ns, ("uniformization" if timing.equal_rates else "alias")


def run(program, schedule, *, mode=None, timing=None, duration_ns=None, sample_period_ns=None,
        burn_in_ns=None, store_states=True, moments=False, initial=None, record_flips=False,
        queue="auto", reads="auto", hist_size=None, fifo_size=None):
    """Run the event kernel on ``program`` and return :class:`Samples` (physical order).

    Parameters
    ----------
    mode : "asynchronous" or "clocked", optional
        Event sources; default the chip's ``[clock] mode``.
    timing : TimingSpec, optional
        Hand-made timing (default: drawn from the chip, see :mod:`pbitsim.timing`).
    duration_ns, sample_period_ns, burn_in_ns : float, optional
        Override the window derived from ``schedule`` (see the module docstring).
    record_flips : bool
        Put a :class:`FlipLog` of every flip into ``info["flip_log"]``.
    queue : "auto", "shortcut" or "heap"
        Poisson p-bits: O(1) superposition draw (auto) or the binary heap.
    reads : "auto" or "history"
        Input reads: the fastest exact method (auto) or always the ring buffers (a cross-check).
    hist_size, fifo_size : int, optional
        Initial ring-buffer / FIFO lengths (powers of two); grown automatically on overflow.
    """
    if timing is None:
        timing = timing_from_program(program, mode)
    else:
        timing = validate_timing(timing, program.n_physical, int(program.physical.J.nnz))
    win = make_window(schedule, timing.sweep_ns, duration_ns=duration_ns,
                      sample_period_ns=sample_period_ns, burn_in_ns=burn_in_ns)
    indptr, indices, weights = program.physical.csr()
    h = program.physical.h.astype(np.float64)
    n, R, S = h.shape[0], schedule.replicas, win.n_samples
    src, node_time, source_name = _source(timing, queue)
    rates = 1.0 / timing.neuron_time_ns
    prob, alias = alias_table(rates) if n else (np.ones(0), np.zeros(0, dtype=np.int64))
    if reads not in ("auto", "history"):
        raise PbitsimError(f"reads must be 'auto' or 'history', got {reads!r}")
    read = _read_mode(program, timing) if reads == "auto" else K.READ_HISTORY
    B = int(hist_size) if hist_size else history_size(timing)
    if B < 1 or B & (B - 1):
        raise PbitsimError(f"hist_size must be a power of two, got {hist_size}")
    t_end = win.end_ns
    fparams = np.zeros(K.N_FPARAMS)
    fparams[[K.F_BETA, K.F_T_BURN, K.F_SAMPLE_PERIOD, K.F_T_END, K.F_TOTAL_RATE, K.F_PERIOD, K.F_JITTER,
             K.F_RESPONSE, K.F_DELAY]] = (schedule.beta, win.burn_in_ns, win.sample_period_ns, t_end,
                                          rates.sum(), timing.period_ns, timing.jitter_ns,
                                          timing.response_time_ns, timing.max_delay_ns)
    if fifo_size is None:
        fifo_size = _pow2_at_least(64.0 + n * (1.0 + timing.max_delay_ns / timing.min_update_interval_ns))
    if fifo_size < 1 or fifo_size & (fifo_size - 1):
        raise PbitsimError(f"fifo_size must be a power of two, got {fifo_size}")
    graph = (indptr, indices, weights, h, timing.delay_ns)
    source = (np.ascontiguousarray(node_time), prob, alias)
    init = initial_states(n, R, schedule.seed, initial)
    if moments:
        u, v, _ = program.physical.edges()
        edges = np.stack([u, v]).astype(np.int32)
        mom = (edges, np.zeros((R, n)), np.zeros((R, edges.shape[1])))
    else:
        edges = None
        mom = (np.zeros((2, 0), dtype=np.int32), np.zeros((R, 0)), np.zeros((R, 0)))
    cap = int(1.2 * _expected_updates(timing, t_end) + 100) if record_flips else 0
    while True:
        iparams = np.zeros(K.N_IPARAMS, dtype=np.int64)
        iparams[[K.I_SOURCE, K.I_N_SAMPLES, K.I_READ, K.I_EQUAL_RATES, K.I_HIST_SIZE, K.I_FIFO_SIZE]] = (
            src, S, read, timing.equal_rates, B, fifo_size)
        state = init.copy()
        out = (np.zeros((R, S if store_states else 0, n), dtype=np.int8), np.zeros((R, S)),
               np.zeros((R, K.N_STATS)))
        log = (np.zeros((R, cap)), np.zeros((R, cap), dtype=np.int32), np.zeros((R, cap), dtype=np.int8))
        for a in mom[1:]:
            a[:] = 0.0
        rng = replica_streams(schedule.seed, R)
        _warm_up(graph, source, fparams, iparams, state, out, mom, log)
        t0 = time.perf_counter()
        K.run_events(graph, source, fparams, iparams, state, rng, out, mom, log)
        wall = time.perf_counter() - t0
        stats = out[2]
        if np.any(stats[:, K.ST_STATUS] == K.STATUS_FIFO_OVERFLOW):
            fifo_size *= 4
            if fifo_size * 16 > MAX_HISTORY_BYTES:
                raise PbitsimError(f"synapse-delay queue overflow: more than {fifo_size // 4} output changes "
                                   f"within one delay window ({timing.max_delay_ns:.4g} ns); shorten the "
                                   "delay or lengthen the neuron time")
            continue
        if np.any(stats[:, K.ST_STATUS] == K.STATUS_HISTORY_OVERFLOW):
            B *= 4
            if n * B * 8 > MAX_HISTORY_BYTES:
                raise PbitsimError(
                    f"synapse-delay history overflow: a p-bit changed more than {B // 4} times within "
                    f"one delay window ({timing.max_delay_ns:.4g} ns) and a {B}-entry ring buffer would "
                    "exceed the memory cap; shorten the delays or lengthen the neuron time")
            continue
        if record_flips and stats[:, K.ST_FLIPS].max() > cap:
            cap = int(stats[:, K.ST_FLIPS].max())
            continue
        break
    return _samples(program, schedule, timing, win, out, mom, log, init, edges, wall,
                    source_name, read, B, record_flips)


def _warm_up(graph, source, fparams, iparams, state, out, mom, log):
    """Load (or compile) the kernel outside the timed region: a call with zero replicas."""
    K.run_events(graph, source, fparams, iparams, state[:0], np.zeros((0, 2), dtype=np.uint64),
                 tuple(a[:0] for a in out), (mom[0], mom[1][:0], mom[2][:0]), tuple(a[:0] for a in log))


def _samples(program, schedule, timing, win, out, mom, log, init, edges, wall, source_name, read, B,
             record_flips):
    out_states, energies, stats = out
    offset = program.physical.offset
    energies = energies + offset
    n, R, S = program.n_physical, schedule.replicas, win.n_samples
    t_end = win.end_ns
    span = t_end - win.burn_in_ns
    updates = int(stats[:, K.ST_UPDATES].sum())
    flips = int(stats[:, K.ST_FLIPS].sum())
    avg_m = stats[:, K.ST_AREA_M] / (span * max(n, 1))
    avg_e = stats[:, K.ST_AREA_E] / span + offset
    info = {
        "event_mode": timing.mode, "event_source": source_name,
        "reads": {K.READ_FRESH: "cached fields", K.READ_FIFO: "delayed cached fields (FIFO)",
                  K.READ_HISTORY: f"history ring buffers ({B} entries)"}[read],
        "burn_in_ns": win.burn_in_ns, "sample_period_ns": win.sample_period_ns, "end_ns": t_end,
        "events": updates, "flips": flips,
        "flips_per_ns": flips / (t_end * R) if t_end > 0 else float("nan"),
        "events_per_s": updates / wall if wall > 0 else float("inf"),
        "time_avg_magnetization": float(avg_m.mean()),
        "time_avg_energy": float(avg_e.mean()),
        "time_avg_energy_stderr": float(avg_e.std(ddof=1) / np.sqrt(R)) if R > 1 else float("nan"),
        **timing.summary(),
    }
    if record_flips:
        info["flip_log"] = FlipLog(log[0], log[1], log[2], stats[:, K.ST_FLIPS].astype(np.int64), init)
    sweeps = int(round(t_end / timing.sweep_ns))
    return Samples(
        states=out_states if out_states.shape[1] == S else None,
        energies=energies, beta=schedule.beta, seed=schedule.seed, engine=f"event-{timing.mode}",
        chip=program.chip.name, timing=Timing(wall, updates, sweeps, simulated_ns=t_end),
        mean_m=(mom[1] / S) if edges is not None else None,
        mean_mm=(mom[2] / S) if edges is not None else None,
        edges=edges.astype(np.int64) if edges is not None else None, program=program, info=info)
