r"""Where the next event comes from: a binary min-heap, the O(1) Poisson superposition, event-time variates.

An event is a pair ``(time, id)``: ``time`` float64 (ns), ``id`` int64 (what
happens, e.g. the p-bit that updates).  Events are ordered by time, ties by
id, so the pop order is a deterministic total order even when clocked p-bits
share an edge time.

Layout
------
``times`` float64 (capacity,) and ``ids`` int64 (capacity,) hold the heap in
the usual implicit-tree layout (children of slot ``k`` are ``2k+1`` and
``2k+2``); the number of live events ``size`` is passed in and returned, so
the kernels keep it in a local variable.  No function allocates; pushing into
a full heap is the caller's bug and is checked by the caller (capacity is
known up front: one pending event per source).

Costs: push, pop and :func:`heap_replace_top` are ``O(log size)``;
:func:`heap_replace_top` (pop the earliest event and push its successor in one
sift-down) is what a clocked p-bit uses, half the work of pop + push.

Poisson sources need no heap: independent Poisson processes of rates
``lambda_i`` are one Poisson process of rate ``Lambda = sum_i lambda_i`` whose
points carry mark ``i`` with probability ``lambda_i / Lambda``.  The next event
is ``Exp(1) / Lambda`` later and its p-bit an ``O(1)`` draw
(:func:`poisson_mark`: uniform when all rates are equal — uniformization — or
Walker's alias method otherwise).  ``Exp(1)`` comes from a 256-layer ziggurat
(:func:`exponential`), which needs one 64-bit word for ~99% of draws.
"""
import math

import numpy as np
from numba import njit

from .rng import next_double, next_u64


@njit(inline="always", cache=True)
def event_before(t_a, id_a, t_b, id_b):
    """True when event ``(t_a, id_a)`` comes strictly before ``(t_b, id_b)``."""
    return t_a < t_b or (t_a == t_b and id_a < id_b)


@njit(cache=True)
def _sift_up(times, ids, k):
    t = times[k]
    e = ids[k]
    while k > 0:
        parent = (k - 1) >> 1
        if event_before(t, e, times[parent], ids[parent]):
            times[k] = times[parent]
            ids[k] = ids[parent]
            k = parent
        else:
            break
    times[k] = t
    ids[k] = e


@njit(cache=True)
def _sift_down(times, ids, size, k):
    t = times[k]
    e = ids[k]
    while True:
        c = 2 * k + 1
        if c >= size:
            break
        if c + 1 < size and event_before(times[c + 1], ids[c + 1], times[c], ids[c]):
            c += 1
        if event_before(times[c], ids[c], t, e):
            times[k] = times[c]
            ids[k] = ids[c]
            k = c
        else:
            break
    times[k] = t
    ids[k] = e


@njit(cache=True)
def heap_push(times, ids, size, t, event_id):
    """Insert ``(t, event_id)``; returns the new size (``size + 1``)."""
    times[size] = t
    ids[size] = event_id
    _sift_up(times, ids, size)
    return size + 1


@njit(cache=True)
def heap_pop(times, ids, size):
    """Remove the earliest event; returns ``(time, id, new_size)`` (size must be > 0)."""
    t = times[0]
    e = ids[0]
    size -= 1
    if size > 0:
        times[0] = times[size]
        ids[0] = ids[size]
        _sift_down(times, ids, size, 0)
    return t, e, size


@njit(cache=True)
def heap_replace_top(times, ids, size, t, event_id):
    """Pop the earliest event and push ``(t, event_id)`` in one sift-down; size is unchanged.

    Returns the popped ``(time, id)``.
    """
    t0 = times[0]
    e0 = ids[0]
    times[0] = t
    ids[0] = event_id
    _sift_down(times, ids, size, 0)
    return t0, e0


@njit(cache=True)
def heapify(times, ids, size):
    """Arrange the first ``size`` entries into a heap in place (Floyd, ``O(size)``)."""
    k = (size >> 1) - 1
    while k >= 0:
        _sift_down(times, ids, size, k)
        k -= 1


@njit(cache=True)
def heap_is_valid(times, ids, size):
    """Check the heap property on the first ``size`` entries (for tests)."""
    for k in range(1, size):
        parent = (k - 1) >> 1
        if event_before(times[k], ids[k], times[parent], ids[parent]):
            return False
    return True


def new_heap(capacity):
    """Empty heap storage: ``(times float64 (capacity,), ids int64 (capacity,))``."""
    return np.empty(capacity, dtype=np.float64), np.empty(capacity, dtype=np.int64)


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


@njit(cache=True)
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
