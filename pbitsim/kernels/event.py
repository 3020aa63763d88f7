r"""Event-driven p-bit kernels: continuous time (ns), exact synapse delays and output lags.

Update rule (bipolar p-bit): at each of its update times ``t`` p-bit ``i``
reads its input through the synapses,

    ``I_i(t) = h_i + sum_j J(i <- j) y_j(t - d_ij)``,

where ``y_j`` is the output p-bit ``j`` shows its neighbours and ``d_ij`` the
delay of the wire ``j -> i``, and decides.  Ideal float chips
(``pbit is None``, a separate compiled specialisation without any datapath
code in its loop): :func:`pbit_decision`,
``m_i <- sgn(tanh(beta * I_i) - u)``, ``u ~ U(-1, 1)``.  Every other chip: the
hardware datapath's :func:`pbitsim.kernels.pbit_update.decide` (the same function
the chromatic datapath kernel calls; ``docs/datapath.md``) on ``I_i`` computed
with the datapath's input weights — for a fixed-point chip the wide integer
sum ``hc_i + sum_j wc(i <- j) y_j`` of the codes, then accumulator overflow,
beta shift, table/activation and the random word.  Stuck p-bits return their
value (the engine sets it in the initial state).

Fixed-point inputs are carried in float64 holding exact integers: every
partial sum of the codes is bounded by ``max_i (|hc_i| + sum_j |wc_ij|)``,
which the engine checks to be below ``2**53``, so the cached, FIFO-delayed and
history reads are all exact integer arithmetic, and ``decide`` receives the
exact wide sum.  Coupling mismatch makes ``J(i <- j) != J(j <- i)``: reads of
row ``i`` use ``inputs[0]`` (row-aligned), the update of neighbours' cached inputs
when ``j`` changes uses ``inputs[1]`` (entry ``k`` of row ``j`` holds
``J(indices[k] <- j)``).  Energies are always those of the ideal model
(``graph``).

Shared LFSR registers (``[rng] shared``) advance by ``steps_per_update``
shifts at the chip times ``k * fparams[F_LFSR_PERIOD]``, ``k = 0, 1, ...`` (one
clock period, or one mean neuron time for asynchronous chips); an update at
time ``t`` sees the ticks strictly before ``t``.  Per-p-bit registers advance
at each update of their p-bit (inside ``decide``).

Every signal is read as a left limit: a change at exactly the read time is not
yet seen, so p-bits updating at the same instant read each other's old values
(the synchronous update).

Output ``y``: with response time 0 it is the state ``m``; otherwise it follows
``m`` through a memoryless lag (see :mod:`pbitsim.engines.timing`): whenever
``y_i != m_i`` a catch-up is pending at ``pend[i] = t_flip + Exp(tau_r)``; a
state that flips back first cancels it.  Catch-ups sit in a second binary heap
(lazy deletion: an entry is live only while ``pend[i]`` still equals its time)
and are applied, in time order, before any update that comes after them.

Three ways to read inputs (``iparams[I_READ]``), all exact
----------------------------------------------------------
(implemented in :mod:`pbitsim.kernels.event_reads`)

- :data:`READ_FRESH` (no delay, no lag, no simultaneous neighbours): cached
  inputs ``f = h + J m`` kept exact incrementally, ``O(1)`` per update and
  ``O(degree)`` per flip, as in the chromatic kernel.
- :data:`READ_FIFO` (one delay ``d`` for every synapse): output changes are
  queued in time order with arrival time ``t + d`` in a FIFO ring and added to
  the cached *delayed* inputs ``f = h + J y(t - d)`` once their arrival time is
  before the reading update; ``O(1)`` per update.
- :data:`READ_HISTORY` (per-edge delays): each p-bit keeps a ring buffer of the
  times of its last ``B`` output changes (``B`` a power of two; values
  alternate, so times suffice); ``y_j(t - d)`` is the current output with one
  sign change per change at a time ``>= t - d``; ``O(degree)`` per update.

Bounded buffers never fail silently: a FIFO that fills, or a read needing a
change older than the ring buffer holds, stops the replica with a status code
and the engine reruns it with larger buffers (same seed, same trajectory).

Event sources (``iparams[I_SOURCE]``, see :mod:`pbitsim.kernels.event_queue`)
-----------------------------------------------------------------------------
- :data:`SOURCE_POISSON`: the superposed Poisson process, ``O(1)`` per event.
- :data:`SOURCE_POISSON_HEAP`: the same law through the binary heap (one
  pending time per p-bit), a cross-check of the shortcut.
- :data:`SOURCE_CLOCKED`: update ``k`` of p-bit ``i`` at
  ``k * period + phase_i + jitter * z``, ``z ~ N(0, 1)`` (never before the
  previous one), ordered by the binary heap.
- :data:`SOURCE_CLOCKED_STATIC`: the same without jitter: the order of the
  updates within a period never changes, so the kernel replays one sorted
  period, ``O(1)`` per event.

Array conventions
-----------------
- ``graph`` = ``(indptr int64 (n+1,), indices int32 (nnz,), weights float64
  (nnz,), h float64 (n,), delay float64 (nnz,), split int64 (n,))``: symmetric
  CSR ``J`` (both directions) of the ideal model (energies), ``delay[k]`` the
  delay with which row ``i`` reads column ``indices[k]``; ``split[i]`` the
  first cross-chip entry of row ``i`` (``indptr[i + 1]`` on one chip).  On a
  multi-chip machine ``delay`` is ``(2 nnz,)``, read ages then exchange periods
  (:func:`~pbitsim.kernels.event_reads.read_time`, :mod:`pbitsim.machine.links`),
  each row lists its on-chip entries first, and ``iparams[I_CROSS]`` says
  whether any entry is cross-chip: the on-chip part of a row is read by
  ``iparams[I_READ]`` exactly as on one chip (cached, FIFO-delayed or ring
  buffers), the cross-chip part through the ring buffers, kept for the
  boundary p-bits (those with a cross-chip entry in their row; by symmetry,
  those read through a link): ``O(cross-chip degree)`` per update.
- ``inputs`` = ``(w_in float64 (nnz,), w_out float64 (nnz,), h_in float64
  (n,))``: the weights the synapses read, on ``graph``'s pattern (``w_in[k]`` =
  ``J(i <- indices[k])`` in row ``i``, ``w_out[k]`` = ``J(indices[k] <- i)``);
  for the ideal chip ``(weights, weights, h)``.
- ``pbit``: None (the ideal p-bit) or the datapath of
  :mod:`pbitsim.kernels.pbit_update`, ``(cfg int64 (N_CFG,), real float64
  (N_REAL,), gain float64 (n,), offset float64 (n,), stuck int8 (n,), lut
  uint64 (size,), slot int64 (n,), off int64 (n,), par int64 (N_PAR,), table
  uint64 (2 m,))``.  ``table`` empty: every update runs the generic golden
  :func:`~pbitsim.kernels.pbit_update.decide` on the wide sum ``A``
  (:func:`chip_decision`).  Otherwise the table-driven fast path
  (:func:`table_word`, :func:`~pbitsim.kernels.datapath_fast.table_decision`):
  ``par`` and ``table`` are a :class:`pbitsim.kernels.datapath_fast.FastDatapath`'s,
  the inputs ``h_in`` hold ``hc_i - a_lo`` so an input *is* the table index
  ``A - a_lo``, a stuck p-bit keeps its value without drawing a word, any
  other draws the word ``decide`` draws and looks it up: bit-identical with
  ``decide``, without reading the configuration vectors per update.
- ``lfsr`` uint64 (replicas, n_registers): LFSR registers, in/out (unused
  without an LFSR).
- ``source`` = ``(times float64 (n,), aux float64 (n,), index int64 (n,))``:
  Poisson: ``tau_i``, alias probabilities, alias indices; clocked with the
  heap: ``phase_i`` (the rest unused); static clocked, one slot per update of a
  period in time order: ``phase_i mod period``, the first period ``q`` in which
  the slot fires (update ``k`` of p-bit ``i`` falls in period ``k + q``), and
  the slot's p-bit.
- ``fparams`` float64 (:data:`N_FPARAMS`,), ``iparams`` int64 (:data:`N_IPARAMS`,):
  the named slots ``F_*`` and ``I_*`` below.
- ``state`` int8 (replicas, n) ±1, in/out; ``rng`` uint64 (replicas, 2).
- ``out`` = ``(states int8 (replicas, S or 0, n), energies float64 (replicas,
  S), stats float64 (replicas, N_STATS))``.
- ``moments`` = ``(edges int32 (2, n_edges), sum_m float64 (replicas, n or 0),
  sum_mm float64 (replicas, n_edges))``.
- ``log`` = ``(times float64 (replicas, cap), pbits int32 (replicas, cap),
  values int8 (replicas, cap))``: every flip of ``m`` from time 0 on, while it fits.
"""
import numpy as np
from numba import njit, prange

from .activation import fast_tanh
from .datapath_fast import (P_CLIP, P_K, P_KMASK, P_MASK, P_RNG, P_STEPS, P_TOGGLE, P_TOP, P_TOP_INDEX, P_XNOR,
                            WORDS_FIBONACCI, WORDS_GALOIS, WORDS_SHARED_GALOIS, WORDS_XOROSHIRO, table_decision)
from .lfsr import lfsr_step
from .pbit_update import FIXED, advance_shared, decide
from .event_queue import exponential, heap_pop, heap_push, heap_replace_top, heapify, poisson_mark, standard_normal
from .rng import next_double, next_u64
from .event_reads import (READ_FIFO, READ_FRESH, READ_HISTORY, current_field, emit_output_change,
                          fifo_drain, history_input, partial_field, scatter_change, work_arrays)

SOURCE_POISSON, SOURCE_POISSON_HEAP, SOURCE_CLOCKED, SOURCE_CLOCKED_STATIC = 0, 1, 2, 3
# fparams slots
(F_BETA, F_T_BURN, F_SAMPLE_PERIOD, F_T_END, F_TOTAL_RATE, F_PERIOD, F_JITTER, F_RESPONSE,
 F_DELAY, F_LFSR_PERIOD) = range(10)
N_FPARAMS = 10
# iparams slots
I_SOURCE, I_N_SAMPLES, I_READ, I_EQUAL_RATES, I_HIST_SIZE, I_FIFO_SIZE, I_SHARED_LFSR, I_CROSS = range(8)
N_IPARAMS = 8
# stats columns
ST_UPDATES, ST_FLIPS, ST_AREA_M, ST_AREA_E, ST_STATUS = range(5)
N_STATS = 5
STATUS_OK, STATUS_HISTORY_OVERFLOW, STATUS_FIFO_OVERFLOW = 0, 1, 2


@njit(inline="always", cache=True)
def pbit_decision(field, beta, rng, r):
    """The ideal p-bit: ``+1`` with probability ``(1 + tanh(beta * field)) / 2``, else ``-1`` (int8).

    ``u = 2 U[0, 1) - 1`` from 53 random bits of stream ``r`` (the float fast
    path; every other chip runs :func:`chip_decision`).
    """
    u = 2.0 * next_double(rng, r) - 1.0
    return np.int8(1) if fast_tanh(beta * field) > u else np.int8(-1)


@njit(inline="always", cache=True)
def chip_decision(pbit, i, field, rng, r, lfsr):
    """The chip datapath's :func:`~pbitsim.kernels.pbit_update.decide` on the input ``field`` (int8 ±1).

    The generic path (empty ``table``): ``field`` is the exact wide integer
    sum ``A`` of the codes (fixed point; an integer-valued float64) or the
    float input (float datapath).
    """
    cfg, real, gain, offset, stuck, lut, slot, off, _, _ = pbit
    a_int = np.int64(field) if cfg[FIXED] != 0 else np.int64(0)
    return decide(cfg, real, gain, offset, stuck, lut, i, a_int, field, rng, r, lfsr, slot[i], off[i])


@njit(cache=True)
def table_config(par):
    """The fast path's constants, read once per run from ``par`` (:mod:`pbitsim.kernels.datapath_fast`):
    ``(words, k, tap mask, Galois toggle, width, xnor, galois, steps, kmask, top index, clip)``."""
    words = par[P_RNG]
    galois = words == WORDS_GALOIS or words == WORDS_SHARED_GALOIS
    return (words, par[P_K], np.uint64(par[P_MASK]), np.uint64(par[P_TOGGLE]), par[P_TOP] + 1, par[P_XNOR] != 0,
            galois, par[P_STEPS], np.uint64(par[P_KMASK]), par[P_TOP_INDEX], par[P_CLIP] != 0)


@njit(inline="always", cache=True)
def table_word(tc, rng, r, lfsr, reg, off):
    """The random word :func:`~pbitsim.kernels.pbit_update.random_word` draws, from the constants ``tc`` of
    :func:`table_config`: a per-p-bit register (``reg``) shifted ``steps`` times, a shared register's
    window at ``off``, or the top ``k`` bits of xoroshiro stream ``r`` (uint64; not yet masked to ``k`` bits)."""
    words, k, mask, toggle, width, xnor, galois, steps = tc[0], tc[1], tc[2], tc[3], tc[4], tc[5], tc[6], tc[7]
    if words == WORDS_XOROSHIRO:
        w = next_u64(rng, r) >> np.uint64(64 - k)
    elif words == WORDS_FIBONACCI or words == WORDS_GALOIS:
        w = lfsr[r, reg]
        for _ in range(steps):
            w = lfsr_step(w, mask, toggle, width, xnor, galois)
        lfsr[r, reg] = w
    else:
        w = lfsr[r, reg] >> np.uint64(off)
    return w


@njit(inline="always", cache=True)
def shared_ticks_before(cfg, lfsr, r, t, k_tick, tick_ns):
    """Advance the shared LFSR registers of replica ``r`` for their ticks ``k * tick_ns < t``
    (``k >= k_tick``); returns the next tick index."""
    while k_tick * tick_ns < t:
        advance_shared(cfg, lfsr, r)
        k_tick += 1
    return k_tick


@njit(cache=True)
def initial_energy(indptr, indices, weights, h, s):
    """``E(m) = -1/2 m'Jm - h'm`` of one state (no offset)."""
    e = 0.0
    for i in range(h.shape[0]):
        e -= s[i] * (0.5 * (current_field(indptr, indices, weights, h, s, i) - h[i]) + h[i])
    return e


@njit(cache=True)
def record_sample(s, e, r, k, out_states, out_energies, edges, sum_m, sum_mm):
    """Store sample ``k`` of replica ``r``: energy, state (if stored), moments (if requested)."""
    out_energies[r, k] = e
    if out_states.shape[1] > 0:
        out_states[r, k, :] = s
    if sum_m.shape[1] > 0:
        for i in range(s.shape[0]):
            sum_m[r, i] += s[i]
        for q in range(edges.shape[1]):
            sum_mm[r, q] += s[edges[0, q]] * s[edges[1, q]]


@njit(cache=True)
def purge_stale(heap_t, heap_i, size, pend):
    """Drop cancelled catch-ups (``pend[i] != time``) from the catch-up heap; returns the new size."""
    k = 0
    for q in range(size):
        if pend[heap_i[q]] == heap_t[q]:
            heap_t[k] = heap_t[q]
            heap_i[k] = heap_i[q]
            k += 1
    heapify(heap_t, heap_i, k)
    return k


@njit(cache=True)
def init_source_heap(node_time, jitter, heap_t, heap_i, rng, r, clocked):
    """One pending event per p-bit: its first clock edge (clocked) or Poisson time."""
    size = 0
    for i in range(heap_t.shape[0]):
        if clocked:
            t = node_time[i] + (jitter * standard_normal(rng, r) if jitter > 0.0 else 0.0)
        else:
            t = node_time[i] * exponential(rng, r)
        size = heap_push(heap_t, heap_i, size, t, i)
    return size


@njit(inline="always", cache=True)
def next_heap_event(heap_t, heap_i, size, cycle, node_time, period, jitter, clocked, rng, r):
    """Pop the earliest ``(t, i)`` and schedule p-bit ``i``'s next update in the same sift-down."""
    t = heap_t[0]
    i = heap_i[0]
    if clocked:
        cycle[i] += 1
        tn = cycle[i] * period + node_time[i]
        if jitter > 0.0:
            tn += jitter * standard_normal(rng, r)
        tn = max(tn, t)  # a p-bit's own clock edges never reorder
    else:
        tn = t + node_time[i] * exponential(rng, r)
    heap_replace_top(heap_t, heap_i, size, tn, i)
    return t, i


@njit(cache=True)
def _run_replica(graph, inputs, pbit, source, fparams, iparams, s, rng, r, lfsr, out, moments, log):
    """Simulate replica ``r`` (state ``s`` = its row, updated in place); fills its rows of the outputs."""
    indptr, indices, weights, h, delay, split = graph
    w_in, w_out, h_in = inputs  # the ideal chip: its own weights (weights, weights, h)
    if pbit is not None:
        # hoisted out of the loop: unpacking ``pbit`` or reading ``cfg``/``par`` per update costs more
        # than the whole table-driven decision
        cfg, stuck, reg_of, win_of, table = pbit[0], pbit[4], pbit[6], pbit[7], pbit[9]
        fast = table.shape[0] > 0
        tc = table_config(pbit[8])
    node_time, alias_prob, alias_idx = source
    out_states, out_energies, stats = out
    edges, sum_m, sum_mm = moments
    log_t, log_p, log_v = log
    beta, t_burn, period_s, t_end = fparams[F_BETA], fparams[F_T_BURN], fparams[F_SAMPLE_PERIOD], fparams[F_T_END]
    total_rate, period, jitter = fparams[F_TOTAL_RATE], fparams[F_PERIOD], fparams[F_JITTER]
    tau_r, d0 = fparams[F_RESPONSE], fparams[F_DELAY]
    src, n_samples, read = iparams[I_SOURCE], iparams[I_N_SAMPLES], iparams[I_READ]
    equal_rates = iparams[I_EQUAL_RATES] != 0
    shared = iparams[I_SHARED_LFSR] != 0
    cross = iparams[I_CROSS] != 0  # a machine with cross-chip entries: those read the ring buffers
    tick_ns, k_tick = fparams[F_LFSR_PERIOD], np.int64(0)
    lagged = tau_r > 0.0
    n = h.shape[0]
    f, fifo, histo, catch = work_arrays(indptr, split, indices, w_in, h_in, s, read, cross, iparams[I_FIFO_SIZE],
                                        iparams[I_HIST_SIZE], lagged)
    pend, resp_t, resp_i = catch
    n_resp = 0
    n_heap = n if src == SOURCE_POISSON_HEAP or src == SOURCE_CLOCKED else 0
    heap_t = np.empty(n_heap, dtype=np.float64)
    heap_i = np.empty(n_heap, dtype=np.int64)
    cycle = np.zeros(n_heap, dtype=np.int64)
    size = init_source_heap(node_time, jitter, heap_t, heap_i, rng, r, src == SOURCE_CLOCKED)
    e = initial_energy(indptr, indices, weights, h, s)
    msum = 0.0
    for i in range(n):
        msum += s[i]
    area_m = area_e = t_last = t = 0.0
    n_updates = n_flips = k_sample = 0
    t_sample = t_burn + period_s
    status = STATUS_OK
    slot = n - 1  # static clock: the last slot of the period before the first one
    k_period = np.int64(alias_prob.min() - 1.0) if src == SOURCE_CLOCKED_STATIC else np.int64(0)
    while True:
        if src == SOURCE_POISSON:
            t += exponential(rng, r) / total_rate
            i = poisson_mark(alias_prob, alias_idx, n, equal_rates, rng, r)
        elif src == SOURCE_CLOCKED_STATIC:
            while True:  # next slot whose p-bit has started
                slot += 1
                if slot == n:
                    slot = 0
                    k_period += 1
                if k_period >= alias_prob[slot]:
                    break
            t = k_period * period + node_time[slot]
            i = alias_idx[slot]
        else:
            t, i = next_heap_event(heap_t, heap_i, size, cycle, node_time, period, jitter,
                                   src == SOURCE_CLOCKED, rng, r)
        while k_sample < n_samples and t_sample <= t:  # a tick sees events strictly before it
            record_sample(s, e, r, k_sample, out_states, out_energies, edges, sum_m, sum_mm)
            k_sample += 1
            t_sample = t_burn + (k_sample + 1) * period_s
        if t >= t_end:
            break
        while n_resp > 0 and resp_t[0] < t:  # output catch-ups before t go onto the wires
            tau, j, n_resp = heap_pop(resp_t, resp_i, n_resp)
            if pend[j] == tau:  # still live
                pend[j] = np.inf
                if not emit_output_change(j, tau, s[j], read, cross and split[j] < indptr[j + 1], d0, fifo, histo):
                    status = STATUS_FIFO_OVERFLOW
        # ---- the update of p-bit i at time t
        if read == READ_FRESH:
            field = f[i]
        elif read == READ_FIFO:
            fifo_drain(fifo, t, indptr, split, indices, w_out, f)
            field = f[i]
        else:  # on-chip entries have no link (period 0): plain t - d reads
            field = history_input(h_in[i], t, indptr[i], split[i], indices, w_in, delay, False, histo)
        if cross:
            field = history_input(field, t, split[i], indptr[i + 1], indices, w_in, delay, True, histo)
        if (read == READ_HISTORY or cross) and np.isnan(field):
            status = STATUS_HISTORY_OVERFLOW
        if status != STATUS_OK:
            break
        if pbit is None:  # resolved at compile time: the ideal chip's loop has no datapath code
            new = pbit_decision(field, beta, rng, r)
        else:
            if shared:
                k_tick = shared_ticks_before(cfg, lfsr, r, t, k_tick, tick_ns)
            if fast:  # field = A - a_lo; a stuck p-bit draws no word, as in decide
                new = stuck[i]
                if new == 0:
                    w = table_word(tc, rng, r, lfsr, reg_of[i], win_of[i])
                    new = np.int8(1) if table_decision(table, np.int64(field), w, tc[8], tc[9], tc[10]) else np.int8(-1)
            else:
                new = chip_decision(pbit, i, field, rng, r, lfsr)
        n_updates += 1
        if new == s[i]:
            continue
        # ---- a flip: energy (of the ideal model), time averages, log, then what the neighbours will see
        if read == READ_FRESH and pbit is None:
            de = -2.0 * new * (partial_field(f[i], split[i], indptr[i + 1], indices, weights, s) if cross else field)
        else:
            de = -2.0 * new * current_field(indptr, indices, weights, h, s, i)
        if read == READ_FRESH:
            scatter_change(indptr[i], split[i], indices, w_out, f, new)
        if t > t_burn:
            dt = t - max(t_last, t_burn)
            area_m += msum * dt
            area_e += e * dt
        t_last = t
        s[i] = new
        msum += 2.0 * new
        e += de
        if n_flips < log_t.shape[1]:
            log_t[r, n_flips] = t
            log_p[r, n_flips] = i
            log_v[r, n_flips] = new
        n_flips += 1
        if lagged:
            if pend[i] < np.inf:  # the output had not caught up yet: it already shows the new state
                pend[i] = np.inf
            else:
                pend[i] = t + tau_r * exponential(rng, r)
                if n_resp == resp_t.shape[0]:
                    n_resp = purge_stale(resp_t, resp_i, n_resp, pend)
                n_resp = heap_push(resp_t, resp_i, n_resp, pend[i], i)
        elif not emit_output_change(i, t, new, read, cross and split[i] < indptr[i + 1], d0, fifo, histo):
            status = STATUS_FIFO_OVERFLOW
            break
    if status == STATUS_OK:
        while k_sample < n_samples:  # rounding guard: the last clock tick at t_end
            record_sample(s, e, r, k_sample, out_states, out_energies, edges, sum_m, sum_mm)
            k_sample += 1
        dt = t_end - max(t_last, t_burn)
        area_m += msum * dt
        area_e += e * dt
    stats[r, ST_UPDATES] = n_updates
    stats[r, ST_FLIPS] = n_flips
    stats[r, ST_AREA_M] = area_m
    stats[r, ST_AREA_E] = area_e
    stats[r, ST_STATUS] = status


@njit(cache=True, parallel=True)
def run_events(graph, inputs, pbit, source, fparams, iparams, state, rng, lfsr, out, moments, log):
    """Run every replica (``prange``; replica ``r`` uses only stream ``r``, so thread count is irrelevant).

    See the module docstring for every argument's layout.  Per replica,
    ``out[2][r]`` receives ``(updates, flips, integral of sum_i m_i dt,
    integral of E dt, status)``, the integrals over ``[t_burn, t_end]``.
    """
    for r in prange(state.shape[0]):
        # np.int64: the prange index is unsigned in the parallel lowering; a signed copy keeps one
        # compiled signature of _run_replica (a second one doubles the compile time)
        _run_replica(graph, inputs, pbit, source, fparams, iparams, state[r], rng, np.int64(r), lfsr, out, moments,
                     log)
