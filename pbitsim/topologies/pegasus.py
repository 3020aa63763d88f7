"""Pegasus topology (D-Wave Advantage), the graph of the FPGA sparse Ising machines."""

from __future__ import annotations

import networkx as nx

from pbitsim.topologies._common import check_bool, check_int, relabel_dwave


def pegasus_graph(m: int, fabric_only: bool = True) -> nx.Graph:
    """Build the Pegasus graph P(m) with contiguous integer labels.

    Parameters
    ----------
    m : int
        Size parameter (>= 2); P16 is the Advantage chip, P14 fabric-only the
        4,264-p-bit sparse DBM of Niazi et al. (2024).
    fabric_only : bool
        Keep only the qubits of the main fabric (``dwave.graphs`` default); P16
        then has 5,640 nodes and 40,484 edges.

    Returns
    -------
    networkx.Graph
        Nodes ``0..N-1`` in sorted order of the (non-contiguous) D-Wave linear
        index, with node attributes ``dwave_index``, ``pegasus_index`` (u, w, k,
        z) and ``pos``; ``G.graph["family"] == "pegasus"``.
    """
    import dwave.graphs as dg  # lazy: importing dwave.graphs costs ~0.4 s

    m = check_int("m", m, 2)
    fabric_only = check_bool("fabric_only", fabric_only)
    G = dg.pegasus_graph(m, fabric_only=fabric_only)
    pos = dg.pegasus_layout(G)
    return relabel_dwave(G, "pegasus", {"m": m, "fabric_only": fabric_only}, pos)


def pegasus_size(m: int, fabric_only: bool = True) -> tuple[int, int]:
    """Node and edge counts of :func:`pegasus_graph` ``(m, fabric_only)``, in closed form.

    Full P(m): ``24*m*(m-1)`` nodes and ``12*(3m-4)*(5m-3)`` edges; the main
    fabric drops ``8*(m-1)`` qubits: ``8*(m-1)*(3m-1)`` nodes and
    ``4*(45m**2 - 90m + 41)`` edges (P16: 5,640 and 40,484).
    """
    if fabric_only:
        return 8 * (m - 1) * (3 * m - 1), 4 * (45 * m * m - 90 * m + 41)
    return 24 * m * (m - 1), 12 * (3 * m - 4) * (5 * m - 3)
