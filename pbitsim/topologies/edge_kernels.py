"""Numba kernels that write the edges of the D-Wave families and sort edge lists (numpy + numba only).

Each ``*_raw_edges`` kernel mirrors, loop for loop, the generator of the same
family in ``dwave.graphs`` (1.2), writing D-Wave *linear indices* into
preallocated ``int64`` arrays instead of adding them to a networkx graph; the
edge sets are identical (tests compare them with ``dwave.graphs``).
:func:`sort_edges` turns any edge list into the canonical form the simulator
uses everywhere: ``rows < cols``, lexicographically sorted, no duplicates.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def sort_edges(n, u, v):
    """Canonical edges of the pairs ``(u[k], v[k])`` on nodes ``0..n-1``.

    A counting sort on the smaller endpoint, then an insertion sort of each
    (short) bucket; O(n + E) for bounded degree.  Self-loops must have been
    removed by the caller.

    Parameters
    ----------
    n : int
    u, v : int64 (E,)
        Endpoints, either orientation, duplicates allowed.

    Returns
    -------
    rows, cols : int64 (E',)
        ``rows < cols``, sorted by ``(rows, cols)``, duplicates removed.
    """
    E = u.shape[0]
    ptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(E):
        a = min(u[e], v[e])
        ptr[a + 1] += 1
    for i in range(n):
        ptr[i + 1] += ptr[i]
    fill = ptr[:-1].copy()
    hi = np.empty(E, dtype=np.int64)
    for e in range(E):
        a = min(u[e], v[e])
        hi[fill[a]] = max(u[e], v[e])
        fill[a] += 1
    rows = np.empty(E, dtype=np.int64)
    cols = np.empty(E, dtype=np.int64)
    k = 0
    for a in range(n):
        s, t = ptr[a], ptr[a + 1]
        for i in range(s + 1, t):  # insertion sort of one bucket
            x = hi[i]
            j = i - 1
            while j >= s and hi[j] > x:
                hi[j + 1] = hi[j]
                j -= 1
            hi[j + 1] = x
        for i in range(s, t):
            if i > s and hi[i] == hi[i - 1]:
                continue
            rows[k] = a
            cols[k] = hi[i]
            k += 1
    if k == E:
        return rows, cols
    return rows[:k].copy(), cols[:k].copy()


@njit(cache=True)
def relabel_sorted(labels_present, u, v):
    """Map linear indices to their rank among ``labels_present`` (bool over all linear indices), in place."""
    rank = np.full(labels_present.shape[0], -1, dtype=np.int64)
    r = 0
    for q in range(labels_present.shape[0]):
        if labels_present[q]:
            rank[q] = r
            r += 1
    for e in range(u.shape[0]):
        u[e] = rank[u[e]]
        v[e] = rank[v[e]]


@njit(cache=True)
def pegasus_raw_edges(m, fabric_start, fabric_end, off0, off1, n_max_edges):
    """Edges of Pegasus P(m) as D-Wave linear indices ``((u*m + w)*12 + k)*(m-1) + z``.

    Mirrors ``dwave.graphs.pegasus_graph`` (external, odd and internal
    couplers, each filtered to the fabric ``fabric_start/fabric_end`` (int64
    (2,), per orientation u)); ``off0, off1`` are the vertical and horizontal
    offsets (int64 (12,)).  Returns ``(u, v)`` int64, trimmed to the edges
    written (at most ``n_max_edges``).
    """
    m1 = m - 1
    eu = np.empty(n_max_edges, dtype=np.int64)
    ev = np.empty(n_max_edges, dtype=np.int64)
    e = 0
    for u in range(2):
        for w in range(m):
            k0 = fabric_start[u] if w == 0 else 0
            k1 = 12 - (fabric_end[u] if w == m1 else 0)
            for k in range(k0, k1):          # external couplers
                base = ((u * m + w) * 12 + k) * m1
                for z in range(m1 - 1):
                    eu[e] = base + z
                    ev[e] = base + z + 1
                    e += 1
            for k in range(k0, k1, 2):       # odd couplers
                base = ((u * m + w) * 12 + k) * m1
                for z in range(m1):
                    eu[e] = base + z
                    ev[e] = base + m1 + z
                    e += 1
    for w in range(m):                        # internal couplers
        for kk in range(12):
            ka = 0 if w else off1[kk]
            kb = 12 if w < m1 else off1[kk]
            for k in range(ka, kb):
                for z in range(m1):
                    w1 = z + (1 if kk < off0[k] else 0)
                    z1 = w - (1 if k < off1[kk] else 0)
                    # qfilter of both ends: (0, w, k, z) and (1, w1, kk, z1)
                    if w == 0 and k < fabric_start[0]:
                        continue
                    if w == m1 and k >= 12 - fabric_end[0]:
                        continue
                    if w1 == 0 and kk < fabric_start[1]:
                        continue
                    if w1 == m1 and kk >= 12 - fabric_end[1]:
                        continue
                    eu[e] = (w * 12 + k) * m1 + z
                    ev[e] = ((m + w1) * 12 + kk) * m1 + z1
                    e += 1
    return eu[:e], ev[:e]  # views: the few unused slots are freed with them


@njit(cache=True)
def zephyr_raw_edges(m, t, n_edges):
    """Edges of Zephyr Z(m, t) as D-Wave linear indices ``(((u*M + w)*t + k)*2 + j)*m + z``, ``M = 2m+1``.

    Mirrors ``dwave.graphs.zephyr_graph``: external, odd and internal couplers.
    """
    M = 2 * m + 1
    eu = np.empty(n_edges, dtype=np.int64)
    ev = np.empty(n_edges, dtype=np.int64)
    e = 0
    for u in range(2):
        for w in range(M):
            for k in range(t):
                for j in range(2):           # external
                    base = (((u * M + w) * t + k) * 2 + j) * m
                    for z in range(m - 1):
                        eu[e] = base + z
                        ev[e] = base + z + 1
                        e += 1
                b0 = (((u * M + w) * t + k) * 2) * m
                for a in range(2):           # odd
                    for z in range(a, m):
                        eu[e] = b0 + z
                        ev[e] = b0 + m + z - a
                        e += 1
    for w in range(m):                        # internal
        for z in range(m):
            for h in range(t):
                for k in range(t):
                    for i in range(2):
                        for j in range(2):
                            for a in range(2):
                                for b in range(2):
                                    w0 = 2 * w + 1 + a * (2 * i - 1)
                                    w1 = 2 * z + 1 + b * (2 * j - 1)
                                    eu[e] = ((w0 * t + k) * 2 + j) * m + z
                                    ev[e] = ((((M + w1) * t + h) * 2) + i) * m + w
                                    e += 1
    return eu[:e], ev[:e]  # views: the few unused slots are freed with them


@njit(cache=True)
def chimera_raw_edges(m, n, t, n_edges):
    """Edges of Chimera C(m, n, t) as linear indices ``((i*n + j)*2 + u)*t + k`` (``dwave.graphs`` order)."""
    eu = np.empty(n_edges, dtype=np.int64)
    ev = np.empty(n_edges, dtype=np.int64)
    e = 0
    for i in range(m):
        for j in range(n):
            cell = (i * n + j) * 2 * t
            for k0 in range(t):              # K_{t,t} inside the cell
                for k1 in range(t):
                    eu[e] = cell + k0
                    ev[e] = cell + t + k1
                    e += 1
            for k in range(t):
                if j + 1 < n:                # horizontal: shore 1 to the next column
                    eu[e] = cell + t + k
                    ev[e] = cell + 2 * t + t + k
                    e += 1
                if i + 1 < m:                # vertical: shore 0 to the next row
                    eu[e] = cell + k
                    ev[e] = cell + n * 2 * t + k
                    e += 1
    return eu[:e], ev[:e]  # views: the few unused slots are freed with them


@njit(cache=True)
def grid_raw_edges(shape, offsets, periodic):
    """Pairs ``(site, site + offset)`` of a row-major grid (wrapped or dropped at borders), self-loops removed.

    ``shape`` int64 (d,), ``offsets`` int64 (n_offsets, d).  Duplicates (sides
    of length 2 on a torus) are left for :func:`sort_edges`.
    """
    d = shape.shape[0]
    n = 1
    for a in range(d):
        n *= shape[a]
    n_off = offsets.shape[0]
    eu = np.empty(n * n_off, dtype=np.int64)
    ev = np.empty(n * n_off, dtype=np.int64)
    coord = np.zeros(d, dtype=np.int64)
    e = 0
    for s in range(n):
        for o in range(n_off):
            t = 0
            ok = True
            for a in range(d):
                c = coord[a] + offsets[o, a]
                if c < 0 or c >= shape[a]:
                    if not periodic:
                        ok = False
                        break
                    c %= shape[a]
                t = t * shape[a] + c
            if ok and t != s:
                eu[e] = s
                ev[e] = t
                e += 1
        a = d - 1                            # next site in row-major order
        while a >= 0:
            coord[a] += 1
            if coord[a] < shape[a]:
                break
            coord[a] = 0
            a -= 1
    return eu[:e], ev[:e]  # views: the few unused slots are freed with them
