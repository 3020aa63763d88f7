"""Chip topologies: one module per graph family, plus the ``[topology]`` dispatcher.

Each family has two builders over the same nodes and edges:
``<family>_arrays`` returns a :class:`~pbitsim.topologies.arrays.TopologyArrays`
(canonical int64 edge arrays, D-Wave labels, a colouring by construction; Numba,
seconds and ~130 MB for 10^6 p-bits) -- what the compiler uses --, and
``<family>_graph`` a ``networkx.Graph`` with integer nodes ``0..n-1``
(isolated ones included), ``G.graph["family"]``, ``G.graph["params"]`` and a
``pos`` node attribute (x, y) for plotting, for small chips.  The D-Wave
``*_graph`` builders go through ``dwave.graphs`` (the reference the arrays are
tested against), imported only then, so importing this package stays cheap.
"""

from __future__ import annotations

import os

import networkx as nx

from pbitsim.errors import TopologyError
from pbitsim.topologies._common import check_bool, check_int, check_shape
from pbitsim.topologies.arrays import TopologyArrays
from pbitsim.topologies.chimera import chimera_arrays, chimera_graph, chimera_size
from pbitsim.topologies.edgelist import edgelist_arrays, edgelist_graph, edgelist_size
from pbitsim.topologies.footprint import SIZE_KEYS, TopologySize, check_topology_fits, estimate_topology
from pbitsim.topologies.king import king_arrays, king_graph, king_size
from pbitsim.topologies.lattice import lattice_arrays, lattice_graph, lattice_size
from pbitsim.topologies.pegasus import pegasus_arrays, pegasus_graph, pegasus_size
from pbitsim.topologies.random_graphs import (
    complete_arrays,
    complete_graph,
    complete_size,
    random_regular_arrays,
    random_regular_graph,
    random_regular_size,
)
from pbitsim.topologies.zephyr import zephyr_arrays, zephyr_graph, zephyr_size

__all__ = [
    "TOPOLOGY_KINDS",
    "TOPOLOGY_KEYS",
    "TOPOLOGY_REQUIRED_KEYS",
    "TopologyArrays",
    "TopologySize",
    "chimera_arrays",
    "chimera_graph",
    "complete_arrays",
    "complete_graph",
    "edgelist_arrays",
    "edgelist_graph",
    "king_arrays",
    "king_graph",
    "lattice_arrays",
    "lattice_graph",
    "networkx_view",
    "pegasus_arrays",
    "pegasus_graph",
    "random_regular_arrays",
    "random_regular_graph",
    "topology_arrays",
    "topology_graph",
    "topology_size",
    "validate_topology_params",
    "zephyr_arrays",
    "zephyr_graph",
]

#: Keys allowed in a chip's ``[topology]`` table, per kind (besides ``kind``).
TOPOLOGY_KEYS: dict[str, tuple[str, ...]] = {
    "chimera": ("size", "cols", "tile"),
    "pegasus": ("size", "fabric_only"),
    "zephyr": ("size", "tile"),
    "king": ("shape", "periodic"),
    "lattice": ("shape", "periodic"),
    "random_regular": ("n", "degree", "seed"),
    "complete": ("n",),
    "edgelist": ("path",),
    "model": (),
}

#: The subset of :data:`TOPOLOGY_KEYS` that must be present.
TOPOLOGY_REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "chimera": ("size",),
    "pegasus": ("size",),
    "zephyr": ("size",),
    "king": ("shape",),
    "lattice": ("shape",),
    "random_regular": ("n", "degree"),
    "complete": ("n",),
    "edgelist": ("path",),
    "model": (),
}

TOPOLOGY_KINDS: tuple[str, ...] = tuple(TOPOLOGY_KEYS)

#: Each family's builder -> its closed-form ``(n_nodes, n_edges)`` (same arguments).
SIZE_FUNCTIONS = {
    chimera_graph: chimera_size,
    pegasus_graph: pegasus_size,
    zephyr_graph: zephyr_size,
    king_graph: king_size,
    lattice_graph: lattice_size,
    random_regular_graph: random_regular_size,
    complete_graph: complete_size,
    edgelist_graph: edgelist_size,
}

#: Each family's networkx builder -> its array builder (same arguments, same nodes and edges).
ARRAY_FUNCTIONS = {
    chimera_graph: chimera_arrays,
    pegasus_graph: pegasus_arrays,
    zephyr_graph: zephyr_arrays,
    king_graph: king_arrays,
    lattice_graph: lattice_arrays,
    random_regular_graph: random_regular_arrays,
    complete_graph: complete_arrays,
    edgelist_graph: edgelist_arrays,
}
#: Family name -> networkx builder (for :func:`networkx_view`).
_GRAPH_FUNCTIONS = {"chimera": chimera_graph, "pegasus": pegasus_graph, "zephyr": zephyr_graph,
                    "king": king_graph, "lattice": lattice_graph, "random_regular": random_regular_graph,
                    "complete": complete_graph, "edgelist": edgelist_graph}


def _edgelist_path(p: dict, base_dir) -> str:
    """Resolve the ``path`` key against the TOML file's directory."""
    path = p["path"]
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise TopologyError(f'topology "edgelist": key "path" must be a file path, got {path!r}')
    path = os.path.expanduser(os.fspath(path))
    if not os.path.isabs(path) and base_dir is not None:
        path = os.path.join(os.fspath(base_dir), path)
    return path


def _checked_call(kind: str, p: dict, base_dir):
    """Validate the values of ``p`` under their TOML names; return ``(builder, args)``."""
    f = kind
    if kind == "chimera":
        m = check_int("size", p["size"], 1, family=f)
        n = check_int("cols", p.get("cols", m), 1, family=f)
        return chimera_graph, (m, n, check_int("tile", p.get("tile", 4), 1, family=f))
    if kind == "pegasus":
        m = check_int("size", p["size"], 2, family=f)
        return pegasus_graph, (m, check_bool("fabric_only", p.get("fabric_only", True), family=f))
    if kind == "zephyr":
        m = check_int("size", p["size"], 1, family=f)
        return zephyr_graph, (m, check_int("tile", p.get("tile", 4), 1, family=f))
    if kind in ("king", "lattice"):
        shape = check_shape("shape", p["shape"], (2,) if kind == "king" else (2, 3), family=f)
        periodic = check_bool("periodic", p.get("periodic", False), family=f)
        return (king_graph, (*shape, periodic)) if kind == "king" else (lattice_graph, (shape, periodic))
    if kind == "random_regular":
        n = check_int("n", p["n"], 1, family=f)
        degree = check_int("degree", p["degree"], 0, family=f)
        if degree >= n or (n * degree) % 2:
            raise TopologyError(
                f'topology "random_regular": key "degree" must be in 0..{n - 1} with '
                f"n*degree even, got n={n}, degree={degree}"
            )
        return random_regular_graph, (n, degree, check_int("seed", p.get("seed", 0), 0, family=f))
    if kind == "complete":
        return complete_graph, (check_int("n", p["n"], 1, family=f),)
    path = _edgelist_path(p, base_dir)
    if not os.path.isfile(path):
        raise TopologyError(f'topology "edgelist": key "path": no such file {path!r}')
    return edgelist_graph, (path,)


def _checked_params(kind: str, params: dict) -> dict:
    """Check the kind and the key names; return the params without ``kind``."""
    if kind not in TOPOLOGY_KEYS:
        raise TopologyError(
            f"unknown topology kind {kind!r}; allowed kinds: {', '.join(TOPOLOGY_KINDS)}"
        )
    p = dict(params)
    if p.pop("kind", kind) != kind:
        raise TopologyError(f"topology kind mismatch: {kind!r} vs params kind {params['kind']!r}")
    allowed = TOPOLOGY_KEYS[kind]
    for key in p:
        if key not in allowed:
            raise TopologyError(
                f'topology "{kind}": unknown key "{key}"; allowed keys: {", ".join(allowed) or "(none)"}'
            )
    for key in TOPOLOGY_REQUIRED_KEYS[kind]:
        if key not in p:
            raise TopologyError(f'topology "{kind}": missing required key "{key}"')
    return p


def _sized_call(kind: str, p: dict, base_dir, memory_bytes=None):
    """:func:`_checked_call`, then refuse a graph that cannot fit in memory; returns ``(builder, args)``."""
    builder, args = _checked_call(kind, p, base_dir)
    size = estimate_topology(kind, builder, args)
    check_topology_fits(size, p[SIZE_KEYS[kind]], memory_bytes=memory_bytes)
    return builder, args


def topology_size(kind: str, params: dict, *, base_dir=None) -> TopologySize:
    """Node/edge counts and estimated memory of a ``[topology]`` table, without building it.

    Closed-form counts per family (``edgelist`` streams its file once); takes
    milliseconds for any size. See :mod:`pbitsim.topologies.footprint`.
    """
    if kind == "model":
        raise TopologyError('topology kind "model" takes the model\'s own graph; it has no size of its own')
    builder, args = _checked_call(kind, _checked_params(kind, params), base_dir)
    return estimate_topology(kind, builder, args)


def validate_topology_params(kind: str, params: dict, *, base_dir=None, memory_bytes=None) -> None:
    """Check a ``[topology]`` table without building the graph (raises :class:`TopologyError`).

    Besides names and values, the estimated memory of the graph
    (:func:`topology_size`) must fit in ``memory_bytes`` (default: the
    machine's available memory), so an impossible size fails at load time.
    """
    p = _checked_params(kind, params)
    if kind != "model":
        _sized_call(kind, p, base_dir, memory_bytes)


def topology_graph(kind: str, params: dict, *, base_dir=None) -> nx.Graph:
    """Build the graph described by a chip's ``[topology]`` table.

    Parameters
    ----------
    kind : str
        One of :data:`TOPOLOGY_KINDS` except ``"model"`` (the ideal chip takes
        the model's own graph, which is built elsewhere).
    params : dict
        The table's other keys (see :data:`TOPOLOGY_KEYS`); a ``kind`` entry
        equal to ``kind`` is ignored.
    base_dir : str or os.PathLike, optional
        Directory of the TOML file; relative ``edgelist`` paths resolve here.

    Raises
    ------
    TopologyError
        Unknown kind or key, missing key, a bad value, or a graph too big for
        the machine's memory; the message names the key and the allowed values
        (or the size, the estimate and the memory).
    """
    if kind == "model":
        raise TopologyError(
            'topology kind "model" takes the model\'s own graph; build it from the model'
        )
    p = _checked_params(kind, params)
    builder, args = _sized_call(kind, p, base_dir)
    return builder(*args)


def topology_arrays(kind: str, params: dict, *, base_dir=None, memory_bytes=None) -> TopologyArrays:
    """Build the graph of a chip's ``[topology]`` table as arrays (no networkx; any size).

    Same arguments, checks and errors as :func:`topology_graph`, including the
    memory check before anything is built (``memory_bytes``: the budget,
    default the machine's available memory); the nodes and edges are those
    of :func:`topology_graph`.
    """
    if kind == "model":
        raise TopologyError(
            'topology kind "model" takes the model\'s own graph; build it from the model'
        )
    p = _checked_params(kind, params)
    builder, args = _sized_call(kind, p, base_dir, memory_bytes)
    return ARRAY_FUNCTIONS[builder](*args)


def networkx_view(arrays: TopologyArrays):
    """The ``networkx.Graph`` of the family that built ``arrays`` (same parameters, nodes and edges)."""
    return _GRAPH_FUNCTIONS[arrays.family](**arrays.params)
