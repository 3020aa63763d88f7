"""Symmetric CSR matrices from edge lists, and a symmetry check, without temporaries (numpy + numba only).

For a 10^6-p-bit chip (7.6 x 10^6 couplers) scipy's ``coo -> csr`` route and
the ``J - J.T`` symmetry check each allocate several hundred megabytes; these
kernels do the same work in place.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def is_canonical(n, rows, cols):
    """True when ``0 <= rows < cols < n`` and the pairs are strictly increasing in ``(rows, cols)`` order."""
    for e in range(rows.shape[0]):
        r, c = rows[e], cols[e]
        if r < 0 or r >= c or c >= n:
            return False
        if e and (r < rows[e - 1] or (r == rows[e - 1] and c <= cols[e - 1])):
            return False
    return True


@njit(cache=True)
def symmetric_csr(n, rows, cols, vals):
    """Canonical symmetric CSR of canonical upper-triangle edges (see :func:`is_canonical`).

    Entry ``(r, c, v)`` is stored at ``[r, c]`` and ``[c, r]``; couplings equal
    to 0 are dropped.  Returns ``indptr`` int64 ``(n + 1,)``, ``indices``
    int32 ``(nnz,)`` (sorted within each row) and ``data`` float64 ``(nnz,)``.
    """
    lower = np.zeros(n, dtype=np.int64)      # entries left of the diagonal in each row
    indptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(rows.shape[0]):
        if vals[e] != 0.0:
            indptr[rows[e] + 1] += 1
            indptr[cols[e] + 1] += 1
            lower[cols[e]] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    lo_fill = indptr[:-1].copy()
    hi_fill = indptr[:-1] + lower
    indices = np.empty(indptr[n], dtype=np.int32)
    data = np.empty(indptr[n], dtype=np.float64)
    for e in range(rows.shape[0]):
        v = vals[e]
        if v == 0.0:
            continue
        r, c = rows[e], cols[e]
        indices[hi_fill[r]] = c              # row r: c > r, arriving in increasing c
        data[hi_fill[r]] = v
        hi_fill[r] += 1
        indices[lo_fill[c]] = r              # row c: r < c, arriving in increasing r
        data[lo_fill[c]] = v
        lo_fill[c] += 1
    return indptr, indices, data


@njit(cache=True)
def is_symmetric(indptr, indices, data, tol):
    """True when ``|J[i, j] - J[j, i]| <= tol`` for every stored entry (missing entries are 0).

    One pass, O(nnz), no allocation beyond a cursor per row: rows must have
    sorted indices.  Rows are scanned in increasing ``i``, so the entries
    ``(j, i)``, ``i < j``, of row ``j`` are met in their stored order; each
    upper entry ``(i, j)`` is matched against the cursor of row ``j``, and
    lower entries passed over (or left at the end) had no partner.  The
    diagonal is not looked at.
    """
    n = indptr.shape[0] - 1
    pos = indptr[:-1].copy()
    for i in range(n):
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            if j <= i:
                continue
            q = pos[j]
            end = indptr[j + 1]
            while q < end and indices[q] < i:      # (j, k), k < i: no (k, j) was stored
                if abs(data[q]) > tol:
                    return False
                q += 1
            if q < end and indices[q] == i:
                if abs(data[p] - data[q]) > tol:
                    return False
                q += 1
            elif abs(data[p]) > tol:
                return False
            pos[j] = q
    for j in range(n):
        for q in range(pos[j], indptr[j + 1]):
            if indices[q] >= j:
                break
            if abs(data[q]) > tol:
                return False
    return True


@njit(cache=True)
def upper_triangle(indptr, indices, data):
    """Entries ``i < j`` of a CSR matrix with sorted rows, in ``(i, j)`` order.

    Returns ``rows`` int64, ``cols`` int64 and ``vals`` float64, each ``(n_upper,)``.
    """
    n = indptr.shape[0] - 1
    count = 0
    for i in range(n):
        for p in range(indptr[i], indptr[i + 1]):
            if indices[p] > i:
                count += 1
    rows = np.empty(count, dtype=np.int64)
    cols = np.empty(count, dtype=np.int64)
    vals = np.empty(count, dtype=np.float64)
    k = 0
    for i in range(n):
        for p in range(indptr[i], indptr[i + 1]):
            if indices[p] > i:
                rows[k] = i
                cols[k] = indices[p]
                vals[k] = data[p]
                k += 1
    return rows, cols, vals
