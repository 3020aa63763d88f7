r"""How the event kernel reads p-bit inputs: cached, FIFO-delayed or from per-p-bit ring buffers.

The three read methods of :mod:`pbitsim.kernels.event` (see its docstring for
the maths and the array layouts), all exact:

- :data:`READ_FRESH`: cached inputs ``f = h + J m`` kept exact incrementally
  (:func:`scatter_change` on every flip);
- :data:`READ_FIFO`: one delay ``d`` for every synapse; output changes queued
  in time order (:func:`fifo_push`) and applied to the cached *delayed* inputs
  once their arrival time is before the reading update (:func:`fifo_drain`);
- :data:`READ_HISTORY`: per-edge delays; each p-bit keeps a ring buffer of the
  times of its last ``B`` output changes (:func:`history_push`) and
  :func:`history_input` rebuilds ``h_i + sum_j J_ij y_j(t - d_ij)``.

On a multi-chip machine ``delay`` has length ``2 nnz`` and cross-chip entries
read the last boundary snapshot that came through their link (:func:`read_time`;
:mod:`pbitsim.machine.links`).  Each CSR row is ordered on-chip entries first:
``split[i]`` is the first cross-chip entry of row ``i`` (``indptr[i + 1]`` on
one chip).  The on-chip part ``indptr[i] <= k < split[i]`` is read as on one
chip (any of the three methods: :func:`partial_field`, :func:`scatter_change`
and :func:`fifo_drain` touch only it), the cross-chip part always through the
ring buffers (:func:`history_input` over ``split[i] <= k < indptr[i + 1]``).

``fifo`` = ``(times float64 (cap,), changes int64 (cap,), [head, tail] int64
(2,))`` with ``cap`` a power of two, a change stored as ``(j + 1) * value``;
``histo`` = ``(y int8 (n,), last float64 (n,), cnt int64 (n,), hist float64
(n, B))``.
"""
import numpy as np
from numba import njit

READ_FRESH, READ_FIFO, READ_HISTORY = 0, 1, 2


@njit(inline="always", cache=True)
def history_read(j, t_read, y, last, cnt, hist, mask):
    """``y_j`` just before ``t_read`` (int64 ±1), or 0 if the ring buffer lost the needed change."""
    v = np.int64(y[j])
    if last[j] < t_read:  # the usual case: no change since t_read
        return v
    c = cnt[j]
    b = mask + 1
    m = c if c < b else b
    for q in range(m):
        if hist[j, (c - 1 - q) & mask] < t_read:
            return v
        v = -v
    return np.int64(0) if c > b else v


@njit(inline="always", cache=True)
def read_time(t, delay, k, nnz, linked):
    """When entry ``k`` reads its neighbour: ``t - d_k``, or on a link with exchange period ``P_k > 0``
    (``delay[nnz + k]``) the last snapshot that arrived, ``floor((t - d_k) / P_k) * P_k``."""
    tr = t - delay[k]
    if linked:
        p = delay[nnz + k]
        if p > 0.0:
            tr = np.floor(tr / p) * p
    return tr


@njit(cache=True)
def history_input(acc, t, k0, k1, indices, weights, delay, linked, histo):
    """``acc + sum_k J_k y_j(tau_k(t))`` over the entries ``k0 <= k < k1`` (``j = indices[k]``) from the ring
    buffers ``histo``; NaN if one lost a needed change (or ``acc`` is NaN).

    ``tau_k = t - delay[k]`` (synapse delays; on a multi-chip machine ``delay[k]`` is the read age
    ``d_ij + L + S``).  ``linked``: ``delay`` has length ``2 nnz`` and ``delay[nnz + k]`` is the exchange
    period ``P`` of entry ``k`` (:func:`read_time`; :mod:`pbitsim.machine.links`).
    """
    y, last, cnt, hist = histo
    mask = hist.shape[1] - 1
    lost = False
    nnz = indices.shape[0]
    for k in range(k0, k1):
        v = history_read(indices[k], read_time(t, delay, k, nnz, linked), y, last, cnt, hist, mask)
        lost |= v == 0
        acc += weights[k] * v
    return np.nan if lost else acc


@njit(cache=True)
def history_push(j, t, value, y, last, cnt, hist, mask):
    """Record that output ``y_j`` became ``value`` at time ``t``."""
    hist[j, cnt[j] & mask] = t
    cnt[j] += 1
    last[j] = t
    y[j] = value


@njit(inline="always", cache=True)
def scatter_change(k0, k1, indices, weights, f, value):
    """Output ``y_j`` became ``value``: add ``2 value weights[k]`` to the input ``f_i`` of each neighbour
    ``i = indices[k]``, ``k0 <= k < k1`` (the cached part of row ``j``; ``weights[k]`` is ``J(i <- j)``, the
    transpose when couplings differ)."""
    d = 2.0 * value
    for k in range(k0, k1):
        f[indices[k]] += weights[k] * d


@njit(inline="always", cache=True)  # inline: the event kernel calls it on every flip (a call costs more than the sum)
def current_field(indptr, indices, weights, h, s, i):
    """``h_i + sum_j J_ij m_j`` of the current states (for the energy)."""
    return partial_field(h[i], indptr[i], indptr[i + 1], indices, weights, s)


@njit(inline="always", cache=True)
def partial_field(acc, k0, k1, indices, weights, s):
    """``acc + sum_k weights[k] m_{indices[k]}`` over the entries ``k0 <= k < k1`` of the current states."""
    for k in range(k0, k1):
        acc += weights[k] * s[indices[k]]
    return acc


@njit(inline="always", cache=True)
def fifo_push(fifo, t_arrive, j, value):
    """Queue "output ``y_j`` becomes ``value`` at ``t_arrive``"; False if the ring is full."""
    fifo_t, fifo_p, ptr = fifo
    cap = fifo_t.shape[0]
    if ptr[1] - ptr[0] == cap:
        return False
    fifo_t[ptr[1] & (cap - 1)] = t_arrive
    fifo_p[ptr[1] & (cap - 1)] = (j + 1) * value  # p-bit and sign in one int64
    ptr[1] += 1
    return True


@njit(inline="always", cache=True)
def fifo_drain(fifo, t, indptr, split, indices, weights, f):
    """Apply every queued change that arrives strictly before ``t`` to the delayed inputs ``f`` (the cached
    entries ``indptr[j] <= k < split[j]`` of each changed row ``j``)."""
    fifo_t, fifo_p, ptr = fifo
    mask = fifo_t.shape[0] - 1
    while ptr[0] < ptr[1] and fifo_t[ptr[0] & mask] < t:
        q = fifo_p[ptr[0] & mask]
        j = abs(q) - 1
        scatter_change(indptr[j], split[j], indices, weights, f, 1 if q > 0 else -1)
        ptr[0] += 1


@njit(inline="always", cache=True)
def emit_output_change(j, t, value, read, boundary, d0, fifo, histo):
    """Output ``y_j`` becomes ``value`` at ``t``: onto the FIFO and/or into the ring buffer (history reads,
    or ``boundary``: p-bit ``j`` is read through a link); False on FIFO overflow."""
    if read == READ_HISTORY or boundary:
        y, last, cnt, hist = histo
        history_push(j, t, value, y, last, cnt, hist, hist.shape[1] - 1)
    if read == READ_FIFO:
        return fifo_push(fifo, t + d0, j, value)
    return True


@njit(cache=True)
def work_arrays(indptr, split, indices, weights, h, s, read, cross, fifo_size, hist_size, lagged):
    """Per-replica buffers: inputs ``f``, FIFO ``(times, changes, [head, tail])``, ring buffers
    ``(y, last, cnt, hist)``, catch-ups ``(pend, heap times, heap ids)``.  Unused ones are empty.

    ``f_i`` caches ``h_i`` plus the entries ``indptr[i] <= k < split[i]`` (the on-chip part of row ``i``;
    the whole row on one chip); ``cross``: the ring buffers are kept for the cross-chip entries too.
    """
    n = h.shape[0]
    f = np.empty(n if read != READ_HISTORY else 0, dtype=np.float64)
    for i in range(f.shape[0]):  # exact inputs h + J m (= delayed inputs at t = 0)
        f[i] = partial_field(h[i], indptr[i], split[i], indices, weights, s)
    size = fifo_size if read == READ_FIFO else 1
    fifo = (np.empty(size, dtype=np.float64), np.empty(size, dtype=np.int64), np.zeros(2, dtype=np.int64))
    n_hist = n if read == READ_HISTORY or cross else 0
    histo = (s.copy(), np.full(n_hist, -np.inf), np.zeros(n_hist, dtype=np.int64),
             np.empty((n_hist, hist_size), dtype=np.float64))
    n_resp = 2 * n + 64 if lagged else 0
    catch = (np.full(n, np.inf), np.empty(n_resp, dtype=np.float64), np.empty(n_resp, dtype=np.int64))
    return f, fifo, histo, catch
