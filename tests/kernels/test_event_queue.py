"""The event queues of the event engine: binary heap vs heapq, Poisson superposition draws, ziggurat."""
import heapq

import numpy as np
import pytest
from scipy import stats

from pbitsim.kernels.event_queue import (alias_table, fill_exponential, heap_is_valid, heap_pop, heap_push,
                                         heap_replace_top, heapify, new_heap)
from pbitsim.kernels.rng import seed_streams


def _random_ops(seed, n_ops, p_push=0.6, tie_grid=None):
    g = np.random.default_rng(seed)
    ops = []
    for _ in range(n_ops):
        t = float(g.integers(0, tie_grid)) if tie_grid else float(g.random())
        ops.append((g.random() < p_push, t, int(g.integers(0, 50))))
    return ops


@pytest.mark.parametrize("tie_grid", [None, 5])
def test_heap_matches_heapq_on_random_push_pop(tie_grid):
    """Same pops in the same order as heapq on (time, id) tuples, ties broken by id."""
    times, ids = new_heap(4000)
    size = 0
    ref = []
    for push, t, e in _random_ops(1 + (tie_grid or 0), 3000, tie_grid=tie_grid):
        if push or not ref:
            size = heap_push(times, ids, size, t, e)
            heapq.heappush(ref, (t, e))
        else:
            t0, e0, size = heap_pop(times, ids, size)
            assert (t0, e0) == heapq.heappop(ref)
        assert size == len(ref)
    assert heap_is_valid(times, ids, size)
    while ref:
        t0, e0, size = heap_pop(times, ids, size)
        assert (t0, e0) == heapq.heappop(ref)
    assert size == 0


def test_replace_top_is_pop_then_push():
    g = np.random.default_rng(7)
    times, ids = new_heap(300)
    size = 0
    ref = []
    for k in range(200):
        t = float(g.random())
        size = heap_push(times, ids, size, t, k)
        heapq.heappush(ref, (t, k))
    for k in range(2000):
        t = float(g.random()) + k * 1e-3
        popped = heap_replace_top(times, ids, size, t, k)
        assert popped == heapq.heapreplace(ref, (t, k))
    assert heap_is_valid(times, ids, size)
    assert sorted(zip(times[:size], ids[:size])) == sorted(ref)


def test_heapify_builds_a_valid_heap():
    g = np.random.default_rng(3)
    times = g.random(257)
    ids = np.arange(257, dtype=np.int64)
    heapify(times, ids, 257)
    assert heap_is_valid(times, ids, 257)
    out = []
    size = 257
    while size:
        t, e, size = heap_pop(times, ids, size)
        out.append(t)
    assert out == sorted(out)


def test_alias_table_reproduces_weights():
    w = np.array([0.05, 1.0, 3.0, 0.0, 0.5, 2.45])
    prob, alias = alias_table(w)
    # exact probability of each index under the table
    p = np.zeros(w.size)
    for c in range(w.size):
        p[c] += prob[c] / w.size
        p[alias[c]] += (1 - prob[c]) / w.size
    np.testing.assert_allclose(p, w / w.sum(), atol=1e-12)


def test_ziggurat_exponential_is_exp1():
    rng = seed_streams(11, 1)
    x = np.empty(400_000)
    fill_exponential(rng, 0, x)
    assert x.min() >= 0
    assert stats.kstest(x, "expon").pvalue > 1e-3
    # mean 1, variance 1, and the tail beyond the base layer (r ~ 7.697) has the right weight
    assert abs(x.mean() - 1) < 5 / np.sqrt(x.size)
    assert abs(x.var() - 1) < 5 * np.sqrt(8 / x.size)
    tail = np.mean(x > 7.0)
    assert abs(tail - np.exp(-7.0)) < 5 * np.sqrt(np.exp(-7.0) / x.size)
