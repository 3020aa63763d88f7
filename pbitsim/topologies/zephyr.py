"""Zephyr topology (D-Wave Advantage2)."""

from __future__ import annotations

import networkx as nx

from pbitsim.topologies._common import check_int, relabel_dwave


def zephyr_graph(m: int, t: int = 4) -> nx.Graph:
    """Build the Zephyr graph Z(m, t) with contiguous integer labels.

    Parameters
    ----------
    m : int
        Grid size (>= 1).
    t : int
        Tile parameter (4 on D-Wave hardware); Z(m, t) has ``4*t*m*(2*m+1)``
        nodes.

    Returns
    -------
    networkx.Graph
        Nodes ``0..N-1`` in order of the D-Wave linear index, with node
        attributes ``dwave_index``, ``zephyr_index`` (u, w, k, j, z) and ``pos``;
        ``G.graph["family"] == "zephyr"``.
    """
    import dwave.graphs as dg  # lazy: importing dwave.graphs costs ~0.4 s

    m = check_int("m", m, 1)
    t = check_int("t", t, 1)
    G = dg.zephyr_graph(m, t)
    pos = dg.zephyr_layout(G)
    return relabel_dwave(G, "zephyr", {"m": m, "t": t}, pos)


def zephyr_size(m: int, t: int = 4) -> tuple[int, int]:
    """Node and edge counts of :func:`zephyr_graph` ``(m, t)``, in closed form.

    ``4*t*m*(2m+1)`` nodes and ``2*t*(8*(t+1)*m**2 - 2m - 3)`` edges (Z(6, 4):
    1,248 and 11,400).
    """
    return 4 * t * m * (2 * m + 1), 2 * t * (8 * (t + 1) * m * m - 2 * m - 3)
