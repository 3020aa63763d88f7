"""Size and memory of a topology, estimated from its parameters before it is built.

Each family module has a closed-form ``<family>_size(...) -> (n_nodes, n_edges)``
next to its builder (``pegasus_size`` beside ``pegasus_graph``); this module
turns the counts into bytes and compares them with the machine's memory, so
``[topology] kind = "pegasus", size = 100000`` is refused in milliseconds with
a one-line reason instead of being built until the kernel kills the process.

Memory model: ``bytes = n_nodes * node_bytes + n_edges * edge_bytes`` with
per-family constants, rounded up 1.15-1.35x from the measured peak of the
whole path of a chip above the interpreter's ~180 MB (edge arrays, the random
model ``pbitsim run`` puts on it, compilation, 100 sweeps of one replica;
``pbitsim bench --scale``): about 200 B per p-bit and 120 B per coupler
(Pegasus P206: 1.30 GB; King's graph 1000 x 1000: 0.88 GB; 10^7-p-bit
lattice 3.9 GB, King's graph 6.3 GB).  Families built
as arrays (:mod:`pbitsim.topologies.arrays`) share one pair of constants;
``random_regular`` and ``edgelist`` are drawn or parsed through Python objects
(networkx, lists of tuples) and cost more.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from pbitsim.errors import TopologyError

__all__ = [
    "TopologySize",
    "available_memory_bytes",
    "check_topology_fits",
    "estimate_topology",
]

#: (bytes per node, bytes per edge) of a built graph, per family.
_BYTES: dict[str, tuple[int, int]] = {
    "chimera": (250, 140),
    "pegasus": (250, 140),
    "zephyr": (250, 140),
    "king": (250, 140),
    "lattice": (250, 140),
    "random_regular": (1800, 250),
    "complete": (250, 140),
    "edgelist": (1800, 250),
}

#: The ``[topology]`` key that sets the size of each family (named in errors).
SIZE_KEYS: dict[str, str] = {
    "chimera": "size",
    "pegasus": "size",
    "zephyr": "size",
    "king": "shape",
    "lattice": "shape",
    "random_regular": "n",
    "complete": "n",
    "edgelist": "path",
}


@dataclass(frozen=True)
class TopologySize:
    """Estimated size of a topology graph.

    Attributes
    ----------
    kind : str
        The family (``[topology] kind``).
    n_nodes, n_edges : int
        Node (p-bit) and edge (coupler) counts; exact for every family except
        ``edgelist``, whose edge count is the number of edge lines (an upper
        bound: repeated edges are merged when built).
    bytes : int
        Estimated peak memory of building the graph, compiling a model on it
        and running one replica, bytes.
    """

    kind: str
    n_nodes: int
    n_edges: int
    bytes: int


def estimate_topology(kind: str, builder, args) -> TopologySize:
    """Size of ``builder(*args)`` without calling it (``builder`` is a family's ``*_graph``)."""
    from pbitsim.topologies import SIZE_FUNCTIONS

    n_nodes, n_edges = SIZE_FUNCTIONS[builder](*args)
    node_b, edge_b = _BYTES[kind]
    return TopologySize(kind, int(n_nodes), int(n_edges), int(n_nodes) * node_b + int(n_edges) * edge_b)


def available_memory_bytes() -> tuple[int, str]:
    """Memory this process may use, bytes, and where the number comes from.

    ``MemAvailable`` of ``/proc/meminfo`` (Linux); else free physical pages
    from ``os.sysconf``; else total physical memory.
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024, "MemAvailable in /proc/meminfo"
    except (OSError, ValueError, IndexError):
        pass
    for names, what in ((("SC_AVPHYS_PAGES",), "available physical memory"),
                        (("SC_PHYS_PAGES",), "physical memory")):
        try:
            return os.sysconf(names[0]) * os.sysconf("SC_PAGE_SIZE"), what
        except (ValueError, OSError, AttributeError):
            continue
    return 2**63 - 1, "unknown memory"


def format_bytes(n: float) -> str:
    """``1.5 GB`` style (powers of 1000)."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.3g} {unit}"
        n /= 1000.0
    return f"{n:.3g} PB"  # pragma: no cover


def check_topology_fits(size: TopologySize, value, *, memory_bytes: int | None = None) -> None:
    """Raise :class:`TopologyError` if ``size.bytes`` exceeds the machine's available memory.

    Parameters
    ----------
    size : TopologySize
        From :func:`estimate_topology`.
    value
        The value of the size key (``SIZE_KEYS[size.kind]``), quoted in the message.
    memory_bytes : int, optional
        The budget, bytes; default :func:`available_memory_bytes`.
    """
    if memory_bytes is None:
        memory_bytes, source = available_memory_bytes()
    else:
        source = "given budget"
    if size.bytes <= memory_bytes:
        return
    key = SIZE_KEYS[size.kind]
    raise TopologyError(
        f'topology "{size.kind}": key "{key}" = {value!r} gives {size.n_nodes:.4g} p-bits and '
        f"{size.n_edges:.4g} edges, about {format_bytes(size.bytes)} of memory to build; this machine "
        f"has {format_bytes(memory_bytes)} ({source}); choose a smaller {key}"
    )
