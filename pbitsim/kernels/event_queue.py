r"""A binary min-heap of timed events over plain arrays, for the event-driven kernels.

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
"""
import numpy as np
from numba import njit


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
