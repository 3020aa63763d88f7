"""Graph colouring kernels for large graphs (numpy + numba only): adjacency, smallest-last greedy, 2-colouring.

Graphs are given as canonical edge arrays ``rows < cols`` on nodes ``0..n-1``;
:func:`adjacency` turns them into a symmetric CSR ``(indptr, indices)``.
Every kernel is deterministic: ties are broken by node index, so the same graph
always gets the same colours.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def adjacency(n, rows, cols):
    """Symmetric CSR of an undirected edge list.

    Returns ``indptr`` int64 ``(n + 1,)`` and ``indices`` int64 ``(2E,)``;
    neighbours of ``i`` are ``indices[indptr[i]:indptr[i+1]]``, in edge order.
    """
    indptr = np.zeros(n + 1, dtype=np.int64)
    for e in range(rows.shape[0]):
        indptr[rows[e] + 1] += 1
        indptr[cols[e] + 1] += 1
    for i in range(n):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    indices = np.empty(indptr[n], dtype=np.int64)
    for e in range(rows.shape[0]):
        a, b = rows[e], cols[e]
        indices[fill[a]] = b
        fill[a] += 1
        indices[fill[b]] = a
        fill[b] += 1
    return indptr, indices


@njit(cache=True)
def smallest_last_order(n, indptr, indices):
    """Smallest-last vertex ordering (Matula and Beck), O(n + E) with degree buckets.

    Repeatedly removes a vertex of least remaining degree (among those, the one
    most recently moved into that bucket; initially the largest index first)
    and returns the removal order reversed, so that greedy colouring in this
    order uses at most ``degeneracy + 1`` colours.

    Returns
    -------
    order : int64 (n,)
    """
    deg = np.empty(n, dtype=np.int64)
    max_deg = 0
    for i in range(n):
        deg[i] = indptr[i + 1] - indptr[i]
        max_deg = max(max_deg, deg[i])
    head = np.full(max_deg + 1, -1, dtype=np.int64)   # doubly linked list per degree
    nxt = np.full(n, -1, dtype=np.int64)
    prv = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        d = deg[i]
        nxt[i] = head[d]
        if head[d] >= 0:
            prv[head[d]] = i
        head[d] = i
    removed = np.zeros(n, dtype=np.bool_)
    order = np.empty(n, dtype=np.int64)
    low = 0
    for step in range(n):
        while head[low] < 0:
            low += 1
        v = head[low]
        head[low] = nxt[v]                              # pop v
        if nxt[v] >= 0:
            prv[nxt[v]] = -1
        removed[v] = True
        order[n - 1 - step] = v
        for p in range(indptr[v], indptr[v + 1]):
            w = indices[p]
            if removed[w]:
                continue
            d = deg[w]                                  # unlink w from bucket d
            if prv[w] >= 0:
                nxt[prv[w]] = nxt[w]
            else:
                head[d] = nxt[w]
            if nxt[w] >= 0:
                prv[nxt[w]] = prv[w]
            d -= 1                                      # push w onto bucket d - 1
            deg[w] = d
            prv[w] = -1
            nxt[w] = head[d]
            if head[d] >= 0:
                prv[head[d]] = w
            head[d] = w
        if low > 0:
            low -= 1
    return order


@njit(cache=True)
def greedy_colours(n, indptr, indices, order):
    """Greedy colouring in ``order``: each vertex takes the smallest colour no coloured neighbour has.

    Returns int64 ``(n,)`` colours ``0..k-1``.
    """
    colours = np.full(n, -1, dtype=np.int64)
    stamp = np.full(n + 1, -1, dtype=np.int64)
    for v in order:
        for p in range(indptr[v], indptr[v + 1]):
            c = colours[indices[p]]
            if c >= 0:
                stamp[c] = v
        c = 0
        while stamp[c] == v:
            c += 1
        colours[v] = c
    return colours


@njit(cache=True)
def two_colouring(n, indptr, indices):
    """Exact 2-colouring by breadth-first parity, components rooted at their smallest node.

    Returns ``(colours int64 (n,), u, v)``: ``u = v = -1`` if the graph is
    bipartite, else an edge ``(u, v)`` that closes an odd cycle.
    """
    colours = np.full(n, -1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    for root in range(n):
        if colours[root] >= 0:
            continue
        colours[root] = 0
        queue[0] = root
        head, tail = 0, 1
        while head < tail:
            v = queue[head]
            head += 1
            for p in range(indptr[v], indptr[v + 1]):
                w = indices[p]
                if colours[w] < 0:
                    colours[w] = 1 - colours[v]
                    queue[tail] = w
                    tail += 1
                elif colours[w] == colours[v]:
                    return colours, min(v, w), max(v, w)
    return colours, -1, -1
