"""Custom topologies read from a plain-text edge list."""

from __future__ import annotations

import os

import networkx as nx
import numpy as np

from pbitsim.errors import TopologyError
from pbitsim.topologies._common import circle_positions, finish_graph, graph_from_edges
from pbitsim.topologies.arrays import TopologyArrays, canonical_edges


def _parse_int(token: str, where: str, line: str) -> int:
    """Parse one non-negative node index; errors cite ``file:line``."""
    try:
        value = int(token)
    except ValueError:
        raise TopologyError(f"{where}: expected integer node indices, got {line!r}") from None
    if value < 0:
        raise TopologyError(f"{where}: negative node index {value} in {line!r}")
    return value


def _records(lines, path: str):
    """Yield ``("n", N)`` or ``("edge", i, j)`` per meaningful line, validated; errors cite ``file:line``."""
    n_declared, seen_edge = None, False
    for lineno, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        where = f"{path}:{lineno}"
        tokens = line.replace(",", " ").split()
        if tokens[0].lower() == "n":
            if n_declared is not None or seen_edge or len(tokens) != 2:
                raise TopologyError(
                    f"{where}: a node-count line 'n N' is allowed once, before any edge; got {line!r}"
                )
            n_declared = _parse_int(tokens[1], where, line)
            yield ("n", n_declared)
            continue
        if len(tokens) != 2:
            raise TopologyError(f"{where}: expected one edge 'i j' per line, got {line!r}")
        i, j = (_parse_int(t, where, line) for t in tokens)
        if i == j:
            raise TopologyError(f"{where}: self-loop ({i}, {j}) is not allowed")
        if n_declared is not None and max(i, j) >= n_declared:
            raise TopologyError(
                f"{where}: node index {max(i, j)} out of range for n = {n_declared}"
            )
        seen_edge = True
        yield ("edge", i, j)


def _parse_lines(lines, path: str) -> tuple[int | None, list[tuple[int, int]]]:
    """Return the declared node count (or None) and the edges of an edge-list file."""
    n_declared, edges = None, []
    for rec in _records(lines, path):
        if rec[0] == "n":
            n_declared = rec[1]
        else:
            edges.append(rec[1:])
    return n_declared, edges


def _open_lines(path: str):
    try:
        return open(path, encoding="utf-8")
    except OSError as exc:
        raise TopologyError(f"cannot read edge list {path}: {exc}") from None


def edgelist_size(path) -> tuple[int, int]:
    """Node count and an upper bound on the edge count of :func:`edgelist_graph` ``(path)``.

    Streams the file once through the same parser, keeping only the declared
    ``n`` (or the largest index) and the number of edge lines, so its memory
    does not grow with the file. Repeated edges are counted each time they
    appear (the graph merges them), so the edge count is an upper bound.
    """
    path = os.fspath(path)
    n_declared, n_max, n_lines = None, -1, 0
    with _open_lines(path) as fh:
        try:
            for rec in _records(fh, path):
                if rec[0] == "n":
                    n_declared = rec[1]
                else:
                    n_lines += 1
                    n_max = max(n_max, rec[1], rec[2])
        except UnicodeDecodeError as exc:
            raise TopologyError(f"cannot read edge list {path}: {exc}") from None
    return (n_declared if n_declared is not None else n_max + 1), n_lines


def _read_edges(path: str) -> tuple[int, np.ndarray]:
    """``(n, edges)`` of an edge-list file (int64 ``(E, 2)``, as listed)."""
    try:
        with open(path, encoding="utf-8") as fh:
            n_declared, edges = _parse_lines(fh, path)
    except (OSError, UnicodeDecodeError) as exc:
        raise TopologyError(f"cannot read edge list {path}: {exc}") from None
    if n_declared is None and not edges:
        raise TopologyError(f"{path}: no edges and no 'n N' line; the graph would be empty")
    arr = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    n = n_declared if n_declared is not None else int(arr.max()) + 1
    return n, arr


def edgelist_arrays(path) -> TopologyArrays:
    """The graph of :func:`edgelist_graph` as arrays (repeated edges merged); same errors."""
    path = os.fspath(path)
    n, arr = _read_edges(path)
    rows, cols = canonical_edges(n, arr[:, 0], arr[:, 1])
    return TopologyArrays("edgelist", {"path": path}, n, rows, cols)


def edgelist_graph(path) -> nx.Graph:
    """Read a graph from a text file with one edge ``i j`` per line.

    Format: indices separated by whitespace or a comma; ``#`` starts a comment;
    blank lines are ignored. An optional first line ``n N`` fixes the node count
    (so isolated nodes at the end are kept); otherwise ``n = max index + 1``.
    Repeated edges (either orientation) are merged.

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.

    Returns
    -------
    networkx.Graph
        Nodes ``0..n-1`` on a circle (``pos``); ``family == "edgelist"``.

    Raises
    ------
    TopologyError
        If the file cannot be read, or a line is malformed, has a negative
        index, a self-loop or an index ``>= N``; the message gives ``file:line``.
    """
    path = os.fspath(path)
    n, arr = _read_edges(path)
    G = graph_from_edges(n, arr)
    return finish_graph(G, "edgelist", {"path": path}, circle_positions(n))
