"""A chip graph as arrays: the form every topology family is built in, at any size.

A :class:`TopologyArrays` holds the canonical edge list of a graph on nodes
``0..n-1`` (``rows < cols``, lexicographically sorted, no duplicates, int64,
read-only), the original D-Wave linear index of each node for the D-Wave
families, and a proper colouring known by construction where the family has
one.  Building a Pegasus P206 (10^6 p-bits, 7.6 x 10^6 couplers) this way takes
about a second and ~130 MB, against minutes and gigabytes for a networkx graph;
the networkx view (:meth:`TopologyArrays.to_networkx`) is built only on demand,
for small chips (plots, subgraph search, minor embedding).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pbitsim.topologies.edge_kernels import sort_edges

__all__ = ["TopologyArrays", "canonical_edges", "frozen"]


def frozen(a, dtype=np.int64) -> np.ndarray:
    """A read-only contiguous copy-free view of ``a`` as ``dtype``."""
    a = np.ascontiguousarray(a, dtype=dtype)
    a.setflags(write=False)
    return a


def canonical_edges(n: int, u, v) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, cols)``: the pairs ``(u, v)`` with ``rows < cols``, sorted, duplicates merged (int64).

    Self-loops must not occur (the families never produce them).
    """
    return sort_edges(int(n), np.ascontiguousarray(u, dtype=np.int64), np.ascontiguousarray(v, dtype=np.int64))


@dataclass(frozen=True, eq=False)
class TopologyArrays:
    """A topology graph as arrays (see the module docstring).

    Attributes
    ----------
    family : str
        ``[topology] kind`` (``"pegasus"``, ``"king"`` ...).
    params : dict
        The arguments of the family's builder (as in ``G.graph["params"]``).
    n : int
        Number of nodes (p-bits).
    rows, cols : numpy.ndarray
        int64 ``(n_edges,)``, ``rows < cols``, sorted by ``(rows, cols)``, read-only.
    labels : numpy.ndarray or None
        int64 ``(n,)``: D-Wave linear index of each node (increasing), for the
        D-Wave families; None otherwise.
    colours : numpy.ndarray or None
        int32 ``(n,)``: a proper colouring known by construction (not yet
        canonical), or None when the family has none for these parameters.
    """

    family: str
    params: dict
    n: int
    rows: np.ndarray
    cols: np.ndarray
    labels: np.ndarray | None = None
    colours: np.ndarray | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "rows", frozen(self.rows))
        object.__setattr__(self, "cols", frozen(self.cols))
        if self.labels is not None:
            object.__setattr__(self, "labels", frozen(self.labels))
        if self.colours is not None:
            object.__setattr__(self, "colours", frozen(self.colours, np.int32))

    def __repr__(self):
        return f"TopologyArrays({self.family!r}, {self.params}, n={self.n}, n_edges={self.n_edges})"

    @property
    def n_edges(self) -> int:
        return int(self.rows.size)

    def number_of_nodes(self) -> int:
        """``n`` (the networkx spelling, so code written for graphs reads both)."""
        return self.n

    def number_of_edges(self) -> int:
        return self.n_edges

    def edge_arrays(self) -> tuple[int, np.ndarray, np.ndarray]:
        """``(n, rows, cols)``, the form :func:`pbitsim.compiler.colouring.edge_arrays` returns."""
        return self.n, self.rows, self.cols

    def degrees(self) -> np.ndarray:
        """int64 ``(n,)``: degree of every node."""
        return (np.bincount(self.rows, minlength=self.n) + np.bincount(self.cols, minlength=self.n)).astype(np.int64)

    def has_edges(self, u, v) -> np.ndarray:
        """bool: is ``(u[k], v[k])`` an edge (either orientation)? Vectorised binary search."""
        u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        if lo.shape == self.rows.shape and np.array_equal(lo, self.rows) and np.array_equal(hi, self.cols):
            return np.ones(lo.shape, dtype=bool)  # exactly the chip's edges (a model made on the chip)
        keys = self.rows * self.n + self.cols  # sorted, since (rows, cols) is
        want = lo * self.n + hi
        if not keys.size:
            return np.zeros(want.shape, dtype=bool)
        idx = np.minimum(np.searchsorted(keys, want), keys.size - 1)
        return keys[idx] == want

    def to_networkx(self):
        """The same graph as a ``networkx.Graph`` with the family's node attributes (built once, cached).

        Built by the family's ``*_graph`` function (D-Wave families through
        ``dwave.graphs``, the reference), so it carries ``pos``, ``dwave_index``
        and the D-Wave coordinates.  Meant for small chips.
        """
        G = self._cache.get("networkx")
        if G is None:
            import networkx as nx

            from pbitsim.topologies import networkx_view

            G = nx.freeze(networkx_view(self))
            self._cache["networkx"] = G
        return G
