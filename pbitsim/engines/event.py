r"""Event-driven engine: asynchronous and clocked p-bits in continuous time (validate, allocate, seed, run).

Time is chip time in ns.  What ``sweeps`` means here: one sweep lasts
``TimingSpec.sweep_ns`` — the mean neuron time ``[timing] neuron_time_ns``
for asynchronous chips (on average one update per p-bit), or one clock period
over all colour phases (``n_colours / frequency``) for clocked chips.  A run
of ``burn_in`` and ``sweeps`` sweeps with thinning ``thin`` therefore

- runs ``t_burn = burn_in * sweep_ns`` of chip time first,
- then samples the states on a sampling clock of period
  ``thin * sweep_ns`` at ``t_burn + k * period``, ``k = 1 .. sweeps // thin``
  (a sample sees every event strictly before its tick),
- and stops at ``t_end = t_burn + (sweeps // thin) * period``.

``duration_ns``, ``sample_period_ns`` and ``burn_in_ns`` replace the three
derived times when given.

Chips other than the ideal float one run their hardware datapath
(:meth:`pbitsim.compiler.program.Program.datapath` in physical order, decided by
:func:`pbitsim.kernels.pbit_update.decide`, as in the chromatic datapath
engine, or bit-identically by the chromatic fast kernel's decision table where
it applies: ``options.kernel``, :mod:`pbitsim.engines.event_datapath`): fixed-point inputs as exact integer sums, tables, ``k``-bit words,
LFSRs, device variation, stuck p-bits (set at time 0, never updated) and
coupling mismatch (p-bit ``i`` reads ``J(i <- j)``).  Per-p-bit LFSR register
``k`` belongs to the ``k``-th p-bit in colour-sorted order, as in the
chromatic datapath engine, so both engines start every p-bit from the same
register; it advances at each update of its p-bit.  Shared registers advance
once per ``sweep_ns`` (a clock period; a mean neuron time for asynchronous
chips), at ``t = k * sweep_ns``.  With ideal clocked timing the event engine
then reproduces the chromatic datapath engine's trajectories exactly.  The dwell-time-weighted time averages of the
magnetisation and energy over ``[t_burn, t_end]`` are exact integrals of the
piecewise-constant trajectory (``Samples.info``).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..compiler.seeding import datapath_streams
from ..errors import PbitsimError
from ..kernels import event as K
from ..kernels.event_queue import alias_table
from .epilogue import finish
from .event_datapath import MAX_EXACT_SUM, event_datapath, physical_csr  # noqa: F401 (MAX_EXACT_SUM: API)
from .options import QUEUES, READS, EngineOptions
from .timing import TimingSpec, timing_from_program, validate_timing
from .schedule import initial_states, program_cached, replica_streams

MAX_BUFFER_BYTES = 1 << 30  # delay buffers of one replica may not exceed this


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
        ph = np.mod(timing.phase_ns, timing.period_ns)
        if np.any(ph[u] == ph[v]):
            return K.READ_FIFO  # simultaneous neighbours must read each other's old values
    return K.READ_FRESH


def _pow2_at_least(x):
    return int(2 ** math.ceil(math.log2(max(x, 1.0))))


def history_size(timing: TimingSpec, links=None):
    """Ring-buffer length: a power of two well above the changes one delay window can hold.

    ``links`` (a :class:`pbitsim.machine.links.LinkPlan`): the window includes link delays and exchange periods.
    """
    age = timing.max_delay_ns if links is None else links.max_read_age_ns(timing.delay_ns)
    mu = age / timing.min_update_interval_ns
    return _pow2_at_least(max(8.0, mu + 6.0 * math.sqrt(mu) + 4.0))


def _expected_updates(timing, t_end):
    if timing.mode == "asynchronous":
        return t_end * float(np.sum(1.0 / timing.neuron_time_ns))
    return timing.n * (t_end / timing.period_ns + 1.0)


def _source(timing, queue):
    """``(source kind, (times, aux, index) arrays, name)`` for the kernel (see :mod:`pbitsim.kernels.event`)."""
    if queue not in QUEUES:
        raise PbitsimError(f"queue must be one of {', '.join(QUEUES)}, got {queue!r}")
    n = timing.n
    unused = (np.zeros(n), np.zeros(n, dtype=np.int64))
    if timing.mode == "clocked":
        if queue == "shortcut" and timing.jitter_ns > 0:
            raise PbitsimError("queue='shortcut' needs a clock without jitter (the update order then never "
                               "changes); use 'auto' or 'heap'")
        if queue != "heap" and timing.jitter_ns == 0:
            # no jitter: one period's updates in time order, replayed every period
            q, ph = np.divmod(timing.phase_ns, timing.period_ns)
            order = np.lexsort((np.arange(n), ph))
            return K.SOURCE_CLOCKED_STATIC, (ph[order], q[order], order.astype(np.int64)), "static clock schedule"
        return K.SOURCE_CLOCKED, (timing.phase_ns, *unused), "heap"
    if queue == "heap":
        return K.SOURCE_POISSON_HEAP, (timing.neuron_time_ns, *unused), "heap"
    return (K.SOURCE_POISSON, (timing.neuron_time_ns, *alias_table(1.0 / timing.neuron_time_ns)),
            "uniformization" if timing.equal_rates else "alias")


@dataclass
class _Buffers:
    """Buffer lengths of one run, grown on overflow (kernel status codes)."""

    hist: int
    fifo: int
    log: int

    def grow(self, stats, timing, n, record_flips):
        """True (and larger buffers) when the kernel must run again."""
        status = stats[:, K.ST_STATUS]
        if np.any(status == K.STATUS_FIFO_OVERFLOW):
            self.fifo *= 4
            if self.fifo * 16 > MAX_BUFFER_BYTES:
                raise PbitsimError(f"synapse-delay queue overflow: more than {self.fifo // 4} output changes "
                                   f"within one delay window ({timing.max_delay_ns:.4g} ns); shorten the "
                                   "delay or lengthen the neuron time")
            return True
        if np.any(status == K.STATUS_HISTORY_OVERFLOW):
            self.hist *= 4
            if n * self.hist * 8 > MAX_BUFFER_BYTES:
                raise PbitsimError(
                    f"synapse-delay history overflow: a p-bit changed more than {self.hist // 4} times within "
                    f"one delay window ({timing.max_delay_ns:.4g} ns) and a {self.hist}-entry ring buffer "
                    "would exceed the memory cap; shorten the delays or lengthen the neuron time")
            return True
        if record_flips and stats[:, K.ST_FLIPS].max() > self.log:
            self.log = int(stats[:, K.ST_FLIPS].max())
            return True
        return False


def _power_of_two(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1 or value & (value - 1):
        raise PbitsimError(f"{name} must be a power of two, got {value!r}")
    return int(value)


def run(program, schedule, options=None, *, mode=None):
    """Run the event kernel on ``program`` and return :class:`Samples` (physical order).

    Parameters
    ----------
    mode : "asynchronous" or "clocked", optional
        Event sources; default the chip's ``[clock] mode``.
    options : EngineOptions, optional
        ``options.event`` (:class:`~pbitsim.engines.options.EventOptions`): hand-made ``timing``
        (default drawn from the chip, :mod:`pbitsim.engines.timing`); ``duration_ns``,
        ``sample_period_ns``, ``burn_in_ns`` overriding the window derived from ``schedule``
        (module docstring); ``record_flips`` (a :class:`FlipLog` in ``info["flip_log"]``);
        ``queue`` ("auto", "shortcut" or "heap": ``O(1)`` event sources where exact, or the binary
        heap); ``reads`` ("auto" or "history": the fastest exact input reads, or always the ring
        buffers, a cross-check); ``hist_size``, ``fifo_size`` (initial ring-buffer / FIFO lengths,
        powers of two, grown on overflow).  ``options.moments`` accumulates ``<m_i>`` and edge
        ``<m_u m_v>`` over the samples.  Non-ideal chips run their hardware datapath (module
        docstring); ``info["datapath"]`` then holds the quantization report.
    """
    options = EngineOptions() if options is None else options
    ev = options.event
    n, R = program.n_physical, schedule.replicas
    if n == 0:
        raise PbitsimError("the model has no spins: nothing to simulate")
    if ev.timing is None:  # drawn from the chip once per program and mode (the chip instance's devices)
        timing = program_cached(program, ("event_timing", mode), None, lambda: timing_from_program(program, mode))
    else:
        timing = validate_timing(ev.timing, n, int(program.physical.J.nnz))
    win = make_window(schedule, timing.sweep_ns, duration_ns=ev.duration_ns,
                      sample_period_ns=ev.sample_period_ns, burn_in_ns=ev.burn_in_ns)
    if ev.reads not in READS:
        raise PbitsimError(f"reads must be 'auto' or 'history', got {ev.reads!r}")
    links = getattr(program, "links", None)  # a multi-chip machine: cross-chip reads through its links
    read = _read_mode(program, timing) if ev.reads == "auto" else K.READ_HISTORY
    src, source, source_name = _source(timing, ev.queue)
    delay_window = timing.max_delay_ns / timing.min_update_interval_ns
    buf = _Buffers(
        hist=_power_of_two("hist_size", ev.hist_size) if ev.hist_size is not None else history_size(timing, links),
        fifo=(_power_of_two("fifo_size", ev.fifo_size) if ev.fifo_size is not None
              else _pow2_at_least(64.0 + n * (1.0 + delay_window))),
        log=int(1.2 * _expected_updates(timing, win.end_ns) + 100) if ev.record_flips else 0)
    indptr, indices, weights, h = csr = physical_csr(program)
    rates = 1.0 / timing.neuron_time_ns
    edp = event_datapath(program, schedule.beta, csr, options.kernel)
    inputs, pbit, dp = edp.inputs, edp.pbit, edp.datapath
    if links is None:
        graph, cross = (indptr, indices, weights, h, timing.delay_ns, np.ascontiguousarray(indptr[1:])), False
    else:
        graph, inputs, cross = _machine_reads(program, links, csr, timing, inputs)
    fparams = np.zeros(K.N_FPARAMS)
    fparams[[K.F_BETA, K.F_T_BURN, K.F_SAMPLE_PERIOD, K.F_T_END, K.F_TOTAL_RATE, K.F_PERIOD, K.F_JITTER,
             K.F_RESPONSE, K.F_DELAY, K.F_LFSR_PERIOD]] = (
        schedule.beta, win.burn_in_ns, win.sample_period_ns, win.end_ns, rates.sum(), timing.period_ns,
        timing.jitter_ns, timing.response_time_ns, timing.max_delay_ns, timing.sweep_ns)
    shared_lfsr = dp is not None and program.chip.rng.kind == "lfsr" and bool(program.chip.rng.shared)
    init = initial_states(n, R, schedule.seed, options.initial)
    if dp is None:
        rng0, lfsr0 = replica_streams(schedule.seed, R), np.zeros((R, 0), dtype=np.uint64)
    else:  # the datapath's order is physical; stuck p-bits show their value from time 0 on
        init, rng0, lfsr0 = datapath_streams(dp, program.chip, schedule.seed, init)
    moments = options.moments
    edges = np.stack(program.physical.edges()[:2]).astype(np.int32) if moments else np.zeros((2, 0), np.int32)
    S = win.n_samples
    while True:
        iparams = np.zeros(K.N_IPARAMS, dtype=np.int64)
        iparams[[K.I_SOURCE, K.I_N_SAMPLES, K.I_READ, K.I_EQUAL_RATES, K.I_HIST_SIZE, K.I_FIFO_SIZE,
                 K.I_SHARED_LFSR, K.I_CROSS]] = (src, S, read, timing.equal_rates, buf.hist, buf.fifo, shared_lfsr,
                                                 cross)
        state = init.copy()
        lfsr = lfsr0.copy()
        out = (np.zeros((R, S if options.store_states else 0, n), dtype=np.int8), np.zeros((R, S)),
               np.zeros((R, K.N_STATS)))
        mom = (edges, np.zeros((R, n if moments else 0)), np.zeros((R, edges.shape[1])))
        log = (np.zeros((R, buf.log)), np.zeros((R, buf.log), dtype=np.int32),
               np.zeros((R, buf.log), dtype=np.int8))
        rng = rng0.copy()
        _warm_up(graph, inputs, pbit, source, fparams, iparams, state, lfsr, out, mom, log)
        t0 = time.perf_counter()
        K.run_events(graph, inputs, pbit, source, fparams, iparams, state, rng, lfsr, out, mom, log)
        wall = time.perf_counter() - t0
        if not buf.grow(out[2], timing, n, ev.record_flips):
            break
    info = _info(program, timing, win, out[2], wall, source_name, read, buf.hist, R, cross)
    if dp is not None:
        info["datapath"] = dict(dp.report)
        info["kernel"] = edp.kernel
        if shared_lfsr:
            info["lfsr_shared_tick_ns"] = timing.sweep_ns
    if links is not None:
        info["links"] = links.report()
    if ev.record_flips:
        info["flip_log"] = FlipLog(*log, out[2][:, K.ST_FLIPS].astype(np.int64), init)
    return finish(program, schedule, options, engine=f"event-{timing.mode}" + ("" if dp is None else "+datapath"),
                  states=out[0], energies=out[1], wall=wall, updates=info["events"],
                  sweeps=int(round(win.end_ns / timing.sweep_ns)), simulated_ns=win.end_ns,
                  mean_m=mom[1] / S if moments else None, mean_mm=mom[2] / S if moments else None, info=info)


def _machine_reads(program, links, csr, timing, inputs):
    """``(graph, inputs, cross)`` of a multi-chip machine: CSR entries ordered on-chip first per row.

    On-chip entries (and cross-chip ones on ideal links) are read as on one chip, by the read mode of
    :func:`_read_mode`; only entries behind a link (``L + S > 0`` or ``P > 0``) read the ring buffers
    (:meth:`pbitsim.machine.links.LinkPlan.read_split`; ``cross`` is False when there is none).  The
    entry order is cached on the program; delays and input weights follow it.
    """
    indptr, indices, weights, h = csr

    def build():
        order, split, cross = links.read_split(indptr, indices)
        return order, split, cross, np.ascontiguousarray(indices[order]), np.ascontiguousarray(weights[order])

    order, split, cross, indices_o, weights_o = program_cached(program, "event_machine_split", None, build)
    nnz = indices.shape[0]
    d = links.kernel_delays(timing.delay_ns)
    delay = np.ascontiguousarray(np.concatenate([d[:nnz][order], d[nnz:][order]]))
    w_in, w_out, h_in = inputs
    inputs = (np.ascontiguousarray(w_in[order]), np.ascontiguousarray(w_out[order]), h_in)
    return (indptr, indices_o, weights_o, h, delay, split), inputs, cross


def _warm_up(graph, inputs, pbit, source, fparams, iparams, state, lfsr, out, mom, log):
    """Load (or compile) the kernel outside the timed region: a call with zero replicas."""
    K.run_events(graph, inputs, pbit, source, fparams, iparams, state[:0], np.zeros((0, 2), dtype=np.uint64),
                 lfsr[:0], tuple(a[:0] for a in out), (mom[0], mom[1][:0], mom[2][:0]), tuple(a[:0] for a in log))


def _info(program, timing, win, stats, wall, source_name, read, hist_size, R, cross=False):
    """``Samples.info``: throughput, dwell-time-weighted time averages, how the run was done."""
    n = program.n_physical
    span = win.end_ns - win.burn_in_ns
    updates = int(stats[:, K.ST_UPDATES].sum())
    flips = int(stats[:, K.ST_FLIPS].sum())
    avg_m = stats[:, K.ST_AREA_M] / (span * n)
    avg_e = stats[:, K.ST_AREA_E] / span + program.physical.offset

    def stderr(x):
        return float(x.std(ddof=1) / np.sqrt(R)) if R > 1 else float("nan")

    reads = {K.READ_FRESH: "cached fields", K.READ_FIFO: "delayed cached fields (FIFO)",
             K.READ_HISTORY: f"history ring buffers ({hist_size} entries)"}[read]
    if cross and read != K.READ_HISTORY:
        reads += f"; cross-chip entries: history ring buffers ({hist_size} entries)"
    return {
        "event_mode": timing.mode, "event_source": source_name, "reads": reads,
        "burn_in_ns": win.burn_in_ns, "sample_period_ns": win.sample_period_ns, "end_ns": win.end_ns,
        "events": updates, "flips": flips,
        "flips_per_ns": flips / (win.end_ns * R),  # per replica (one chip)
        "events_per_s": updates / wall if wall > 0 else float("inf"),
        "time_avg_magnetization": float(avg_m.mean()), "time_avg_magnetization_stderr": stderr(avg_m),
        "time_avg_energy": float(avg_e.mean()), "time_avg_energy_stderr": stderr(avg_e),
        **timing.summary(),
    }
