r"""Event-driven p-bit kernels: continuous time (ns), exact synapse delays and output lags.

Update rule (bipolar p-bit, :func:`pbit_decision`): at each of its update
times ``t`` p-bit ``i`` sets ``m_i <- sgn(tanh(beta * I_i) - u)``,
``u ~ U(-1, 1)``, with the input read through the synapses,

    ``I_i(t) = h_i + sum_j J_ij y_j(t - d_ij)``,

where ``y_j`` is the output p-bit ``j`` shows its neighbours and ``d_ij`` the
delay of the wire ``j -> i``.  Every signal is read as a left limit: a change
at exactly the read time is not yet seen, so p-bits updating at the same
instant read each other's old values (the synchronous update).

Output ``y``: with response time 0 it is the state ``m``; otherwise it follows
``m`` through a memoryless lag (see :mod:`pbitsim.timing`): whenever
``y_i != m_i`` it catches up after an ``Exp(tau_r)`` time.  The catch-up is
kept *pending* (``pend[i]``) and committed lazily — when ``i`` next flips —
which is exact because nobody reads the future.

Exact delayed reads
-------------------
Each p-bit keeps a ring buffer of the times of its last ``B`` committed output
changes (``B`` a power of two; values alternate, so times suffice).  The value
of ``y_j`` at ``t - d`` is the current output with one sign change per
recorded change at a time ``>= t - d``.  If a read would need a change older
than the buffer holds, the replica stops with status :data:`STATUS_HISTORY_OVERFLOW`
and the engine reruns it with a larger buffer (same seed, same result).
With no delays and no lag the kernel keeps exact cached inputs instead
(``O(1)`` per update, ``O(degree)`` per flip), like the chromatic kernel.

Event sources (``iparams[I_SOURCE]``)
-------------------------------------
- :data:`SOURCE_POISSON`: independent Poisson p-bits are one Poisson process
  of total rate ``Lambda = sum_i 1/tau_i`` whose points are marked with p-bit
  ``i`` with probability ``(1/tau_i)/Lambda``: exponential gaps plus an
  ``O(1)`` uniform draw (equal rates: uniformization) or Walker alias draw.
- :data:`SOURCE_POISSON_HEAP`: the same law through the binary heap (one
  pending time per p-bit), a cross-check of the shortcut.
- :data:`SOURCE_CLOCKED`: update ``k`` of p-bit ``i`` at
  ``k * period + phase_i + jitter * z``, ``z ~ N(0, 1)`` (never before the
  previous one), ordered by the heap of :mod:`pbitsim.kernels.event_queue`.

Array conventions
-----------------
- ``graph`` = ``(indptr int64 (n+1,), indices int32 (nnz,), weights float64
  (nnz,), h float64 (n,), delay float64 (nnz,))``: symmetric CSR ``J`` (both
  directions), ``delay[k]`` the delay with which row ``i`` reads column
  ``indices[k]``.
- ``source`` = ``(node_time float64 (n,), alias_prob float64 (n,), alias_idx
  int64 (n,))``; ``node_time`` is ``tau_i`` (Poisson) or ``phase_i`` (clocked).
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
import math

import numpy as np
from numba import njit, prange

from .activation import fast_tanh
from .event_queue import heap_push, heap_replace_top
from .rng import next_double, next_u64

SOURCE_POISSON, SOURCE_POISSON_HEAP, SOURCE_CLOCKED = 0, 1, 2
READ_FRESH, READ_FIFO, READ_HISTORY = 0, 1, 2
# fparams slots
(F_BETA, F_T_BURN, F_SAMPLE_PERIOD, F_T_END, F_TOTAL_RATE, F_PERIOD, F_JITTER, F_RESPONSE,
 F_DELAY) = range(9)
N_FPARAMS = 9
# iparams slots
I_SOURCE, I_N_SAMPLES, I_HIST_SIZE, I_READ, I_EQUAL_RATES, I_FIFO_SIZE, I_PER_EDGE_DELAY = range(7)
N_IPARAMS = 7
# stats columns
ST_UPDATES, ST_FLIPS, ST_AREA_M, ST_AREA_E, ST_STATUS, ST_T_LAST_EVENT = range(6)
N_STATS = 6
STATUS_OK, STATUS_HISTORY_OVERFLOW = 0, 1


@njit(inline="always", cache=True)
def pbit_decision(field, beta, rng, r):
    """The p-bit: ``+1`` with probability ``(1 + tanh(beta * field)) / 2``, else ``-1`` (int8).

    ``u = 2 U[0, 1) - 1`` from 53 random bits of stream ``r``; the one place a
    hardware datapath (fixed point, table, LFSR) would replace.
    """
    u = 2.0 * next_double(rng, r) - 1.0
    return np.int8(1) if fast_tanh(beta * field) > u else np.int8(-1)


def _ziggurat_tables(n_layers=256):
    """Layer edges ``x`` (n_layers+1,) and ``exp(-x)`` of an equal-area ziggurat under ``exp(-x)``.

    ``x[1] = r`` is the base layer's edge, ``x[0] = v / exp(-r)`` its pseudo
    width (so the base layer carries the tail), ``x[n_layers] = 0``; every
    layer has area ``v = (r + 1) exp(-r)``.  ``r`` is found by bisection so
    that the top layer closes at height 1.
    """
    def overshoot(r):
        v = (r + 1.0) * math.exp(-r)
        x = r
        for _ in range(n_layers - 2):
            y = math.exp(-x) + v / x
            if y >= 1.0:
                return True
            x = -math.log(y)
        return math.exp(-x) + v / x >= 1.0

    lo, hi = 1.0, 20.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if overshoot(mid) else (lo, mid)
    r = hi
    v = (r + 1.0) * math.exp(-r)
    x = np.empty(n_layers + 1)
    x[0], x[1] = v / math.exp(-r), r
    for k in range(2, n_layers):
        x[k] = -math.log(math.exp(-x[k - 1]) + v / x[k - 1])
    x[n_layers] = 0.0
    return x, np.exp(-x)


_ZIG_X, _ZIG_F = _ziggurat_tables()
_ZIG_R = float(_ZIG_X[1])


@njit(inline="always", cache=True)
def exponential(rng, r):
    """``Exp(1)`` variate by the ziggurat method (exact; ~99% of draws cost one 64-bit word).

    Low 8 bits pick a layer, the top 53 bits a uniform position in it; the
    base layer's overhang is the tail ``x > r``, drawn as ``r + Exp(1)``.
    """
    while True:
        bits = next_u64(rng, r)
        k = np.int64(bits & np.uint64(0xFF))
        x = np.float64(bits >> np.uint64(11)) * (1.0 / 9007199254740992.0) * _ZIG_X[k]
        if x < _ZIG_X[k + 1]:
            return x
        if k == 0:
            return _ZIG_R - math.log(1.0 - next_double(rng, r))
        y = _ZIG_F[k] + next_double(rng, r) * (_ZIG_F[k + 1] - _ZIG_F[k])
        if y < math.exp(-x):
            return x


@njit(inline="always", cache=True)
def standard_normal(rng, r):
    """``N(0, 1)`` variate (Box-Muller, one of the pair)."""
    u1 = 1.0 - next_double(rng, r)
    u2 = next_double(rng, r)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True)
def fill_exponential(rng, r, out):
    """Fill ``out`` (float64, 1-D) with ``Exp(1)`` variates from stream ``r`` (for tests)."""
    for q in range(out.shape[0]):
        out[q] = exponential(rng, r)


@njit(inline="always", cache=True)
def poisson_mark(alias_prob, alias_idx, n, equal_rates, rng, r):
    """P-bit of the next point of the superposed Poisson process (uniform or Walker alias)."""
    x = next_u64(rng, r)
    col = np.int64(((x >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32))
    if equal_rates:
        return col
    u = np.float64(x & np.uint64(0xFFFFFFFF)) * (1.0 / 4294967296.0)
    return col if u < alias_prob[col] else alias_idx[col]


@njit(inline="always", cache=True)
def delayed_output(j, t_read, s, y, last, cnt, hist, pend, mask):
    """``y_j`` just before ``t_read`` (int64 ±1), or 0 if the ring buffer lost the needed change.
    """
    if pend[j] < t_read:  # the pending catch-up has happened by then: output = state
        return np.int64(s[j])
    v = np.int64(y[j])
    if last[j] < t_read:
        return v
    c = cnt[j]
    b = mask + 1
    m = c if c < b else b
    for q in range(m):
        if hist[j, (c - 1 - q) & mask] < t_read:
            return v
        v = -v
    if c > b:
        return np.int64(0)
    return v


@njit(inline="always", cache=True)
def commit_output_change(i, t, y, last, cnt, hist, mask):
    """Record that output ``y_i`` changed sign at time ``t``."""
    hist[i, cnt[i] & mask] = t
    cnt[i] += 1
    last[i] = t
    y[i] = -y[i]


@njit(inline="always", cache=True)
def output_follows_flip(i, t, tau_r, y, last, cnt, hist, pend, mask, rng, r):
    """Update output bookkeeping after state ``m_i`` flipped at time ``t``."""
    if tau_r == 0.0:
        commit_output_change(i, t, y, last, cnt, hist, mask)
    elif pend[i] < np.inf:  # output was catching up to the old state
        if pend[i] < t:  # ... and got there first: commit, then chase the new state
            commit_output_change(i, pend[i], y, last, cnt, hist, mask)
            pend[i] = t + tau_r * exponential(rng, r)
        else:  # state flipped back before the output moved: nothing to show
            pend[i] = np.inf
    else:
        pend[i] = t + tau_r * exponential(rng, r)


@njit(inline="always", cache=True)
def current_field(indptr, indices, weights, h, s, i):
    """``h_i + sum_j J_ij m_j`` of the current states (for the energy)."""
    acc = h[i]
    for k in range(indptr[i], indptr[i + 1]):
        acc += weights[k] * s[indices[k]]
    return acc


@njit(cache=True)
def initial_energy(indptr, indices, weights, h, s):
    """``E(m) = -1/2 m'Jm - h'm`` of one state (no offset)."""
    e = 0.0
    for i in range(h.shape[0]):
        acc = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            acc += weights[k] * s[indices[k]]
        e -= s[i] * (0.5 * acc + h[i])
    return e


@njit(inline="always", cache=True)
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


@njit(inline="always", cache=True)
def scatter_change(indptr, indices, weights, f, j, value):
    """Output ``y_j`` became ``value``: add ``2 value J_ij`` to each neighbour's input ``f_i``."""
    d = 2.0 * value
    for k in range(indptr[j], indptr[j + 1]):
        f[indices[k]] += weights[k] * d


@njit(cache=True)
def fifo_grow(fifo_t, fifo_p, head, tail):
    """Double a full FIFO ring (entries ``head..tail-1``), returning the new arrays in order at 0.."""
    cap = fifo_t.shape[0]
    mask = cap - 1
    new_t = np.empty(2 * cap, dtype=np.float64)
    new_p = np.empty(2 * cap, dtype=np.int64)
    for q in range(tail - head):
        new_t[q] = fifo_t[(head + q) & mask]
        new_p[q] = fifo_p[(head + q) & mask]
    return new_t, new_p


@njit(cache=True)
def _init_heap(node_time, jitter, heap_t, heap_i, rng, r, clocked):
    """One pending event per p-bit: its first clock edge (clocked) or Poisson time."""
    size = 0
    for i in range(node_time.shape[0]):
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
def _run_replica(graph, source, fparams, iparams, s, rng, r, out, moments, log):
    """Simulate replica ``r`` (state ``s`` = its row, updated in place); fills its rows of the outputs."""
    indptr, indices, weights, h, delay = graph
    node_time, alias_prob, alias_idx = source
    out_states, out_energies, stats = out
    edges, sum_m, sum_mm = moments
    log_t, log_p, log_v = log
    beta, t_burn, period_s, t_end = fparams[F_BETA], fparams[F_T_BURN], fparams[F_SAMPLE_PERIOD], fparams[F_T_END]
    total_rate, period, jitter = fparams[F_TOTAL_RATE], fparams[F_PERIOD], fparams[F_JITTER]
    tau_r, d0 = fparams[F_RESPONSE], fparams[F_DELAY]
    src, n_samples, read = iparams[I_SOURCE], iparams[I_N_SAMPLES], iparams[I_READ]
    equal_rates = iparams[I_EQUAL_RATES] != 0
    per_edge = iparams[I_PER_EDGE_DELAY] != 0
    n = h.shape[0]
    n_hist = n if read == READ_HISTORY else 0
    mask = iparams[I_HIST_SIZE] - 1
    cap = log_t.shape[1]
    # inputs f: exact (FRESH) or delayed by d0 (FIFO) cached fields
    f = np.empty(n if read != READ_HISTORY else 0, dtype=np.float64)
    for i in range(f.shape[0]):
        f[i] = current_field(indptr, indices, weights, h, s, i)
    fifo_t = np.empty(iparams[I_FIFO_SIZE] if read == READ_FIFO else 1, dtype=np.float64)
    fifo_p = np.empty(fifo_t.shape[0], dtype=np.int64)  # p-bit, sign = new value
    head = 0
    tail = 0
    # outputs and their ring buffers (HISTORY)
    y = s.copy()
    last = np.full(n_hist, -np.inf)
    pend = np.full(n_hist, np.inf)
    cnt = np.zeros(n_hist, dtype=np.int64)
    hist = np.empty((n_hist, mask + 1), dtype=np.float64)
    # event source
    n_heap = n if src != SOURCE_POISSON else 0
    heap_t = np.empty(n_heap, dtype=np.float64)
    heap_i = np.empty(n_heap, dtype=np.int64)
    cycle = np.zeros(n_heap, dtype=np.int64)
    size = _init_heap(node_time, jitter, heap_t, heap_i, rng, r, src == SOURCE_CLOCKED) if n_heap else 0
    e = initial_energy(indptr, indices, weights, h, s)
    msum = 0.0
    for i in range(n):
        msum += s[i]
    area_m = 0.0
    area_e = 0.0
    t_last = 0.0
    n_updates = 0
    n_flips = 0
    k_sample = 0
    t_sample = t_burn + period_s
    status = STATUS_OK
    t = 0.0
    while True:
        if src == SOURCE_POISSON:
            t += exponential(rng, r) / total_rate
            i = poisson_mark(alias_prob, alias_idx, n, equal_rates, rng, r)
        else:
            t, i = next_heap_event(heap_t, heap_i, size, cycle, node_time, period, jitter,
                                   src == SOURCE_CLOCKED, rng, r)
        while k_sample < n_samples and t_sample <= t:  # a tick sees events strictly before it
            record_sample(s, e, r, k_sample, out_states, out_energies, edges, sum_m, sum_mm)
            k_sample += 1
            t_sample = t_burn + (k_sample + 1) * period_s
        if t >= t_end:
            break
        # ---- input of p-bit i at time t
        if read == READ_FRESH:
            field = f[i]
        elif read == READ_FIFO:
            while head < tail and fifo_t[head & (fifo_t.shape[0] - 1)] < t:  # arrivals before t
                q = fifo_p[head & (fifo_t.shape[0] - 1)]
                scatter_change(indptr, indices, weights, f, abs(q) - 1, 1 if q > 0 else -1)
                head += 1
            field = f[i]
        else:
            field = h[i]
            if per_edge:
                for k in range(indptr[i], indptr[i + 1]):
                    v = delayed_output(indices[k], t - delay[k], s, y, last, cnt, hist, pend, mask)
                    if v == 0:
                        status = STATUS_HISTORY_OVERFLOW
                    field += weights[k] * v
            else:
                t_read = t - d0
                for k in range(indptr[i], indptr[i + 1]):
                    v = delayed_output(indices[k], t_read, s, y, last, cnt, hist, pend, mask)
                    if v == 0:
                        status = STATUS_HISTORY_OVERFLOW
                    field += weights[k] * v
            if status != STATUS_OK:
                break
        new = pbit_decision(field, beta, rng, r)
        n_updates += 1
        if new == s[i]:
            continue
        # ---- flip: energy, time averages, log, what the neighbours will see
        if read == READ_FRESH:
            de = -2.0 * new * field
            scatter_change(indptr, indices, weights, f, i, new)
        else:
            de = -2.0 * new * current_field(indptr, indices, weights, h, s, i)
        if t > t_burn:
            dt = t - max(t_last, t_burn)
            area_m += msum * dt
            area_e += e * dt
        t_last = t
        s[i] = new
        msum += 2.0 * new
        e += de
        if n_flips < cap:
            log_t[r, n_flips] = t
            log_p[r, n_flips] = i
            log_v[r, n_flips] = new
        n_flips += 1
        if read == READ_FIFO:
            if tail - head == fifo_t.shape[0]:
                fifo_t, fifo_p = fifo_grow(fifo_t, fifo_p, head, tail)
                tail -= head
                head = 0
            fifo_t[tail & (fifo_t.shape[0] - 1)] = t + d0
            fifo_p[tail & (fifo_t.shape[0] - 1)] = (i + 1) if new > 0 else -(i + 1)
            tail += 1
        elif read == READ_HISTORY:
            output_follows_flip(i, t, tau_r, y, last, cnt, hist, pend, mask, rng, r)
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
    stats[r, ST_T_LAST_EVENT] = t


@njit(cache=True, parallel=True)
def run_events(graph, source, fparams, iparams, state, rng, out, moments, log):
    """Run every replica (``prange``; replica ``r`` uses only stream ``r``, so thread count is irrelevant).

    See the module docstring for every argument's layout.  Per replica,
    ``out[2][r]`` receives ``(updates, flips, integral of sum_i m_i dt,
    integral of E dt, status, time of the last event)`` over the window
    ``[t_burn, t_end]``.
    """
    for r in prange(state.shape[0]):
        _run_replica(graph, source, fparams, iparams, state[r], rng, r, out, moments, log)


def alias_table(weights):
    """Walker/Vose alias table for drawing index ``i`` with probability ``weights[i] / sum``.

    Returns ``(prob float64 (n,), alias int64 (n,))``: draw a column ``c``
    uniformly, keep it with probability ``prob[c]``, else take ``alias[c]``.
    """
    w = np.asarray(weights, dtype=np.float64)
    n = w.shape[0]
    scaled = w * (n / w.sum())
    prob = np.ones(n)
    alias = np.arange(n, dtype=np.int64)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        a = small.pop()
        b = large.pop()
        prob[a] = scaled[a]
        alias[a] = b
        scaled[b] = scaled[b] + scaled[a] - 1.0
        (small if scaled[b] < 1.0 else large).append(b)
    return prob, alias
