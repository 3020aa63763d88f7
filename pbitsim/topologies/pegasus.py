"""Pegasus topology (D-Wave Advantage), the graph of the FPGA sparse Ising machines."""

from __future__ import annotations

import networkx as nx
import numpy as np

from pbitsim.topologies._common import check_bool, check_int, relabel_dwave
from pbitsim.topologies.arrays import TopologyArrays, canonical_edges
from pbitsim.topologies.edge_kernels import pegasus_raw_edges, relabel_sorted

#: ``dwave.graphs`` default (``offsets_index=0``) vertical and horizontal qubit offsets.
PEGASUS_OFFSETS = ((2, 2, 2, 2, 10, 10, 10, 10, 6, 6, 6, 6), (6, 6, 6, 6, 2, 2, 2, 2, 10, 10, 10, 10))


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


def pegasus_coordinates(m: int, labels) -> np.ndarray:
    """int64 ``(len(labels), 4)``: Pegasus coordinates ``(u, w, k, z)`` of D-Wave linear indices.

    ``q = ((u*m + w)*12 + k)*(m - 1) + z`` (``dwave.graphs`` convention).
    """
    q = np.asarray(labels, dtype=np.int64)
    m1 = m - 1
    return np.stack([q // (12 * m * m1), (q // (12 * m1)) % m, (q // m1) % 12, q % m1], axis=1)


def pegasus_arrays(m: int, fabric_only: bool = True) -> TopologyArrays:
    """Pegasus P(m) as arrays: the graph of :func:`pegasus_graph`, same node order, without networkx.

    Nodes ``0..N-1`` are the fabric's D-Wave linear indices in increasing order
    (``labels``).  Colouring by construction (4 colours, optimal: Pegasus has
    K4 subgraphs): ``colour = 2*u + (k + z) mod 2``.  Internal couplers join
    the two orientations ``u``; external couplers change ``z`` by one and odd
    couplers ``k`` by one at fixed ``u``, so no coupler joins equal colours.
    """
    m = check_int("m", m, 2)
    fabric_only = check_bool("fabric_only", fabric_only)
    off0, off1 = (np.array(o, dtype=np.int64) for o in PEGASUS_OFFSETS)
    if fabric_only:
        start = np.array([off1.min(), off0.min()], dtype=np.int64)
        end = np.array([12 - off1.max(), 12 - off0.max()], dtype=np.int64)
    else:
        start = end = np.zeros(2, dtype=np.int64)
    m1 = m - 1
    u, v = pegasus_raw_edges(m, start, end, off0, off1, 180 * m * m1)
    u_, w, k, z = pegasus_coordinates(m, np.arange(24 * m * m1)).T
    present = ~(((w == 0) & (k < start[u_])) | ((w == m1) & (k >= 12 - end[u_])))
    relabel_sorted(present, u, v)
    labels = np.flatnonzero(present)
    rows, cols = canonical_edges(labels.size, u, v)
    colours = 2 * u_[present] + (k[present] + z[present]) % 2
    return TopologyArrays("pegasus", {"m": m, "fabric_only": fabric_only}, int(labels.size), rows, cols,
                          labels, colours)
