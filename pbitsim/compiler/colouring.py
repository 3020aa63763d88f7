"""Graph colouring for chromatic (clocked) Gibbs sampling.

P-bits of one colour share no edge, so every p-bit of a colour class can be
updated in the same clock phase and a sweep over the classes is still an exact
Gibbs sampler; fewer colours mean fewer phases per sweep (4 on Pegasus).

Colourings are canonical (classes ordered by decreasing size, ties by smallest
node index), always validated, and cached per graph in memory and on disk
(``$PBITSIM_CACHE_DIR/colourings/`` or ``~/.cache/pbitsim/colourings/``).

Large graphs (more than :data:`LARGE_GRAPH_NODES` nodes, e.g. a 10^6-p-bit
chip): ``structured`` -- the colouring a chip family has by construction
(:class:`~pbitsim.topologies.arrays.TopologyArrays` ``colours``: lattices and
Chimera 2, King's graph, Pegasus and Zephyr 4) -- costs nothing, and the
networkx strategies would take minutes and gigabytes, so ``auto`` there means
``structured`` (falling back to an exact 2-colouring or a Numba smallest-last
greedy colouring) and ``smallest_last`` runs the Numba kernel
(:mod:`pbitsim.kernels.graph_colouring`; same rule, its own tie-breaks).
Below the threshold every strategy runs exactly as before.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from functools import partial

import networkx as nx
import numpy as np
from networkx.algorithms.coloring import greedy_coloring as _greedy
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order, connected_components

from pbitsim.files.atomic import save_npy_atomic
from pbitsim.errors import TopologyError
from pbitsim.kernels.graph_colouring import adjacency, greedy_colours, smallest_last_order, two_colouring
from pbitsim.topologies.arrays import TopologyArrays, canonical_edges

#: Accepted strategy names -> canonical name (networkx ``greedy_color`` names + aliases).
STRATEGY_ALIASES: dict[str, str] = {
    "largest_first": "largest_first",
    "random_sequential": "random_sequential",
    "smallest_last": "smallest_last",
    "independent_set": "independent_set",
    "connected_sequential_bfs": "connected_sequential_bfs",
    "connected_sequential_dfs": "connected_sequential_dfs",
    "connected_sequential": "connected_sequential_bfs",
    "saturation_largest_first": "saturation_largest_first",
    "dsatur": "saturation_largest_first",
    "DSATUR": "saturation_largest_first",
    "bipartite": "bipartite",
    "auto": "auto",
    "structured": "structured",
    "construction": "structured",
}
#: Above this many nodes ``auto`` and ``smallest_last`` run in Numba (see the module docstring).
LARGE_GRAPH_NODES = 100_000
#: ``auto`` keeps the fewest colours among these (DSATUR only below this many nodes).
_AUTO_CANDIDATES = ("smallest_last", "connected_sequential_dfs", "saturation_largest_first")
_AUTO_DSATUR_MAX_NODES = 3000
_CACHE_VERSION = b"pbitsim-colouring-v1"
_MEMORY_CACHE: dict[str, np.ndarray] = {}
_MEMORY_CACHE_MAX = 128


@dataclass(frozen=True)
class Colouring:
    """A proper vertex colouring of a graph on nodes ``0..n-1``.

    Attributes
    ----------
    colours : numpy.ndarray
        int32 ``(n,)``, ``colours[i]`` in ``0..n_colours-1``; read-only. Colour 0
        is the largest class.
    n_colours : int
        Number of colour classes (clock phases per sweep).
    strategy : str
        Canonical name of the strategy that produced it.
    """

    colours: np.ndarray
    n_colours: int
    strategy: str

    def classes(self) -> list[np.ndarray]:
        """Sorted int64 node indices of each colour class, in colour order."""
        perm, ptr = self.order()
        return [perm[ptr[c]:ptr[c + 1]] for c in range(self.n_colours)]

    def order(self) -> tuple[np.ndarray, np.ndarray]:
        """Nodes sorted by (colour, index) and the CSR pointer into them.

        Returns
        -------
        perm : numpy.ndarray
            int64 ``(n,)``; class ``c`` is ``perm[colour_ptr[c]:colour_ptr[c+1]]``.
        colour_ptr : numpy.ndarray
            int64 ``(n_colours + 1,)``, ``colour_ptr[0] == 0``, ``colour_ptr[-1] == n``.
        """
        perm = np.argsort(self.colours, kind="stable").astype(np.int64)
        counts = np.bincount(self.colours, minlength=self.n_colours)
        ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return perm, ptr


def edge_arrays(G_or_edges) -> tuple[int, np.ndarray, np.ndarray]:
    """Return ``(n, rows, cols)``: unique undirected edges with ``rows < cols``, sorted.

    Accepts a networkx graph on nodes ``0..n-1``, a
    :class:`~pbitsim.topologies.arrays.TopologyArrays` (returned as is: already
    canonical) or a tuple ``(n, rows, cols)`` (either orientation, duplicates
    allowed, e.g. from a symmetric CSR matrix).  Self-loops cannot be coloured
    and raise :class:`TopologyError`.
    """
    if isinstance(G_or_edges, TopologyArrays):
        return G_or_edges.edge_arrays()
    if isinstance(G_or_edges, nx.Graph):
        n = G_or_edges.number_of_nodes()
        if set(G_or_edges.nodes()) != set(range(n)):
            raise TopologyError(f"graph nodes must be the integers 0..{n - 1}")
        e = np.array(list(G_or_edges.edges()), dtype=np.int64).reshape(-1, 2)
    else:
        try:
            n, rows, cols = G_or_edges
        except (TypeError, ValueError):
            raise TypeError("expected a networkx graph or a tuple (n, rows, cols)") from None
        n = int(n)
        e = np.stack([np.asarray(rows, np.int64).ravel(), np.asarray(cols, np.int64).ravel()], 1)
    if e.size and (e.min() < 0 or e.max() >= n):
        raise TopologyError(f"edge index out of range 0..{n - 1}")
    loops = e[e[:, 0] == e[:, 1]]
    if len(loops):
        raise TopologyError(f"node {loops[0, 0]} has a self-loop; it cannot be coloured")
    lo, hi = np.minimum(e[:, 0], e[:, 1]), np.maximum(e[:, 0], e[:, 1])
    keys = lo * n + hi
    if keys.size < 2 or np.all(keys[1:] > keys[:-1]):  # already canonical: skip the sort
        return n, np.ascontiguousarray(lo), np.ascontiguousarray(hi)
    rows, cols = canonical_edges(n, lo, hi)
    return n, rows, cols


def validate_colouring(n: int, rows, cols, colours) -> None:
    """Raise :class:`TopologyError` unless ``colours`` is a proper colouring.

    Checks shape ``(n,)``, non-negative integer colours and that no edge
    ``(rows[k], cols[k])`` joins two nodes of one colour (naming the first such
    edge): neighbours updated in the same phase would break Gibbs sampling.
    """
    colours = np.asarray(colours)
    if colours.shape != (n,) or not np.issubdtype(colours.dtype, np.integer):
        raise TopologyError(f"colours must be an integer array of shape ({n},), got "
                            f"{colours.dtype} {colours.shape}")
    if n and colours.min() < 0:
        raise TopologyError(f"colours must be >= 0, got {colours.min()}")
    rows, cols = np.asarray(rows, np.int64), np.asarray(cols, np.int64)
    bad = np.flatnonzero(colours[rows] == colours[cols])
    if len(bad):
        u, v = int(rows[bad[0]]), int(cols[bad[0]])
        more = f" (and {len(bad) - 1} more conflicting edges)" if len(bad) > 1 else ""
        raise TopologyError(
            f"colouring is not proper: edge ({u}, {v}) joins two nodes of colour {colours[u]}{more}"
        )


def canonical_colors(colours) -> np.ndarray:
    """Renumber colours: classes by decreasing size, ties by smallest node index.

    Returns an int32 array with colours ``0..n_colours-1`` (unused numbers removed).
    """
    colours = np.asarray(colours, dtype=np.int64)
    used, first, inverse, counts = np.unique(
        colours, return_index=True, return_inverse=True, return_counts=True
    )
    rank = np.empty(len(used), dtype=np.int64)
    rank[np.lexsort((first, -counts))] = np.arange(len(used))
    return rank[inverse.ravel()].astype(np.int32)


def _bipartite_colors(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Exact 2-colouring by BFS parity per connected component."""
    A = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    A = A + A.T
    _, labels = connected_components(A, directed=False)
    colours = np.zeros(n, dtype=np.int64)
    _, roots = np.unique(labels, return_index=True)
    for root in roots:
        order, pred = breadth_first_order(A, root, directed=False, return_predecessors=True)
        for v in order[1:]:
            colours[v] = 1 - colours[pred[v]]
    clash = np.flatnonzero(colours[rows] == colours[cols])
    if len(clash):
        u, v = int(rows[clash[0]]), int(cols[clash[0]])
        raise TopologyError(f"graph is not bipartite: edge ({u}, {v}) closes an odd cycle")
    return colours


def _greedy_colors(n, rows, cols, strategy: str, seed: int) -> np.ndarray:
    """Colour with ``networkx.greedy_color`` (seeded for ``random_sequential``)."""
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(rows.tolist(), cols.tolist()))
    if strategy == "random_sequential":
        strategy = partial(_greedy.strategy_random_sequential, seed=seed)
    mapping = nx.greedy_color(G, strategy=strategy)
    colours = np.zeros(n, dtype=np.int64)
    if mapping:
        colours[list(mapping)] = list(mapping.values())
    return colours


def _numba_smallest_last(n, rows, cols) -> np.ndarray:
    """Greedy colouring in smallest-last order (:mod:`pbitsim.kernels.graph_colouring`), O(n + E)."""
    indptr, indices = adjacency(n, rows, cols)
    return greedy_colours(n, indptr, indices, smallest_last_order(n, indptr, indices))


def _large_colours(n, rows, cols, strategy: str, known) -> np.ndarray:
    """``structured`` (any size) and, above :data:`LARGE_GRAPH_NODES`, ``auto`` / ``smallest_last``.

    ``known``: the family's colouring by construction, or None.
    """
    if strategy in ("structured", "auto") and known is not None:
        return canonical_colors(known)
    if strategy == "auto":
        indptr, indices = adjacency(n, rows, cols)
        colours, u, _ = two_colouring(n, indptr, indices)
        if u < 0:
            return canonical_colors(colours)
        return canonical_colors(greedy_colours(n, indptr, indices, smallest_last_order(n, indptr, indices)))
    return canonical_colors(_numba_smallest_last(n, rows, cols))


def _fingerprint(n, rows, cols, strategy: str, seed: int) -> str:
    """sha256 of the canonical edge set, strategy and (for random_sequential) seed."""
    h = hashlib.sha256(_CACHE_VERSION)
    h.update(np.int64(n).tobytes())
    h.update(np.ascontiguousarray(np.stack([rows, cols], 1), dtype="<i8").tobytes())
    h.update(strategy.encode())
    h.update(np.int64(seed if strategy == "random_sequential" else 0).tobytes())
    return h.hexdigest()


def _cache_dir() -> str:
    """``$PBITSIM_CACHE_DIR/colourings`` if set, else ``~/.cache/pbitsim/colourings``."""
    root = os.environ.get("PBITSIM_CACHE_DIR") or os.path.join("~", ".cache", "pbitsim")
    return os.path.join(os.path.expanduser(root), "colourings")


def _load_disk(path: str, n, rows, cols) -> np.ndarray | None:
    """Load and revalidate a cached colouring; None if missing, corrupt or improper."""
    try:
        colours = np.load(path, allow_pickle=False)
        validate_colouring(n, rows, cols, colours)
    except (OSError, ValueError, EOFError):
        return None
    return canonical_colors(colours)


def _save_disk(path: str, colours: np.ndarray) -> None:
    """Write atomically (:func:`pbitsim.files.atomic.save_npy_atomic`); skip on OSError."""
    try:
        save_npy_atomic(path, colours)
    except OSError:
        pass


def _compute(n, rows, cols, strategy: str, seed: int) -> np.ndarray:
    """Run the strategy and return canonical int32 colours."""
    if strategy == "auto":
        return _auto_colors(n, rows, cols)
    if strategy == "bipartite":
        raw = _bipartite_colors(n, rows, cols)
    else:
        raw = _greedy_colors(n, rows, cols, strategy, seed)
    return canonical_colors(raw)


def _auto_colors(n, rows, cols) -> np.ndarray:
    """Fewest colours among an exact 2-colouring (if bipartite) and a few greedy strategies."""
    try:
        return canonical_colors(_bipartite_colors(n, rows, cols))
    except TopologyError:
        pass
    best = None
    for strategy in _AUTO_CANDIDATES:
        if strategy == "saturation_largest_first" and n > _AUTO_DSATUR_MAX_NODES:
            continue
        colours = canonical_colors(_greedy_colors(n, rows, cols, strategy, 0))
        if best is None or colours.max() < best.max():
            best = colours
    return best


def _uses_kernels(n: int, strategy: str) -> bool:
    return strategy == "structured" or (n > LARGE_GRAPH_NODES and strategy in ("auto", "smallest_last"))


def colour_graph(G_or_edges, strategy: str = "smallest_last", *, seed: int = 0,
                 cache: bool = True) -> Colouring:
    """Colour a graph so that no edge joins two nodes of one colour.

    Parameters
    ----------
    G_or_edges : networkx.Graph, TopologyArrays or tuple
        A graph on nodes ``0..n-1``, a chip topology as arrays (carrying its
        colouring by construction, if any) or ``(n, rows, cols)`` edge arrays.
    strategy : str
        A ``networkx.greedy_color`` strategy (``largest_first``,
        ``random_sequential``, ``smallest_last``, ``independent_set``,
        ``connected_sequential_bfs``, ``connected_sequential_dfs``,
        ``saturation_largest_first``), the alias ``dsatur``, or ``bipartite``
        (exact 2-colouring; raises if the graph has an odd cycle), or ``auto``
        (the fewest colours among bipartite, smallest_last,
        connected_sequential_dfs and, below 3,000 nodes, DSATUR), or
        ``structured`` (alias ``construction``: the family's colouring by
        construction when ``G_or_edges`` is a TopologyArrays that has one, else a
        Numba smallest-last greedy colouring).  Above
        :data:`LARGE_GRAPH_NODES` nodes ``auto`` is ``structured`` (or an exact
        2-colouring, or Numba smallest-last) and ``smallest_last`` runs in Numba.
        ``smallest_last`` colours Pegasus with 4 colours in well under a second;
        DSATUR (~40 s) and ``independent_set`` (~2 min) are far slower there.
    seed : int
        Seed of ``random_sequential`` (ignored by the other strategies).
    cache : bool
        Reuse and store results in the in-memory and on-disk caches.

    Returns
    -------
    Colouring
        Canonical, validated colouring (classes by decreasing size).
    """
    if strategy not in STRATEGY_ALIASES:
        raise ValueError(
            f"unknown colouring strategy {strategy!r}; allowed: {', '.join(STRATEGY_ALIASES)}"
        )
    strategy = STRATEGY_ALIASES[strategy]
    n, rows, cols = edge_arrays(G_or_edges)
    colours = None
    if _uses_kernels(n, strategy):
        known = G_or_edges.colours if isinstance(G_or_edges, TopologyArrays) else None
        colours = _large_colours(n, rows, cols, strategy, known)
    elif cache:
        key = _fingerprint(n, rows, cols, strategy, int(seed))
        path = os.path.join(_cache_dir(), key + ".npy")
        colours = _MEMORY_CACHE.get(key)
        if colours is None:
            colours = _load_disk(path, n, rows, cols)
            if colours is None:
                colours = _compute(n, rows, cols, strategy, int(seed))
                _save_disk(path, colours)
            if len(_MEMORY_CACHE) >= _MEMORY_CACHE_MAX:
                _MEMORY_CACHE.pop(next(iter(_MEMORY_CACHE)))
            _MEMORY_CACHE[key] = colours
    else:
        colours = _compute(n, rows, cols, strategy, int(seed))
    validate_colouring(n, rows, cols, colours)
    colours = colours.copy()
    colours.setflags(write=False)
    return Colouring(colours=colours, n_colours=int(colours.max()) + 1 if n else 0, strategy=strategy)


def clear_colouring_cache() -> None:
    """Empty the in-memory cache (the on-disk cache is left alone)."""
    _MEMORY_CACHE.clear()
