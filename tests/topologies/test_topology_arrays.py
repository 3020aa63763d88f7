"""Topologies as arrays: the same nodes, labels, coordinates and edges as dwave-graphs / networkx, proper colourings."""

import networkx as nx
import numpy as np
import pytest

from pbitsim.errors import TopologyError
from pbitsim.topologies import (
    TopologyArrays,
    chimera_arrays,
    complete_arrays,
    king_arrays,
    lattice_arrays,
    pegasus_arrays,
    random_regular_arrays,
    topology_arrays,
    topology_graph,
    zephyr_arrays,
)
from pbitsim.topologies.edge_kernels import sort_edges
from pbitsim.topologies.footprint import estimate_topology
from pbitsim.topologies.pegasus import pegasus_coordinates
from pbitsim.topologies.zephyr import zephyr_coordinates


def edge_set(a: TopologyArrays):
    return set(zip(a.rows.tolist(), a.cols.tolist()))


def check_canonical(a: TopologyArrays):
    """rows < cols, strictly increasing (row, col) keys, read-only int64."""
    assert a.rows.dtype == np.int64 and a.cols.dtype == np.int64
    assert not a.rows.flags.writeable and not a.cols.flags.writeable
    assert np.all(a.rows < a.cols) and (a.cols.size == 0 or a.cols.max() < a.n)
    keys = a.rows * a.n + a.cols
    assert np.all(np.diff(keys) > 0)


def check_proper(a: TopologyArrays, n_colours):
    c = a.colours
    assert c is not None and c.shape == (a.n,)
    assert not np.any(c[a.rows] == c[a.cols])
    assert len(np.unique(c)) == n_colours


def dwave_edges_as_labels(G):
    return {(min(u, v), max(u, v)) for u, v in G.edges()}


def array_edges_as_labels(a):
    lab = a.labels
    return {(int(lab[u]), int(lab[v])) for u, v in zip(a.rows, a.cols)}


@pytest.mark.parametrize("m, fabric_only", [(2, True), (2, False), (3, True), (4, True), (4, False), (6, True),
                                            (9, True), (9, False)])
def test_pegasus_matches_dwave_graphs(m, fabric_only):
    import dwave.graphs as dg

    G = dg.pegasus_graph(m, fabric_only=fabric_only)
    a = pegasus_arrays(m, fabric_only)
    check_canonical(a)
    assert a.labels.tolist() == sorted(G.nodes())
    assert array_edges_as_labels(a) == dwave_edges_as_labels(G)
    coords = pegasus_coordinates(m, a.labels)
    assert [tuple(q) for q in coords.tolist()] == [G.nodes[v]["pegasus_index"] for v in a.labels.tolist()]
    check_proper(a, 4)


@pytest.mark.parametrize("args", [(1,), (2,), (3, 2, 2), (2, 5, 1), (4,), (8, 3, 4)])
def test_chimera_matches_dwave_graphs(args):
    import dwave.graphs as dg

    G = dg.chimera_graph(*args)
    a = chimera_arrays(*args)
    check_canonical(a)
    assert a.labels.tolist() == sorted(G.nodes()) == list(range(a.n))
    assert array_edges_as_labels(a) == dwave_edges_as_labels(G)
    check_proper(a, 2)


@pytest.mark.parametrize("args", [(1,), (2,), (1, 2), (3,), (4, 3), (5, 1), (6,)])
def test_zephyr_matches_dwave_graphs(args):
    import dwave.graphs as dg

    G = dg.zephyr_graph(*args)
    a = zephyr_arrays(*args)
    check_canonical(a)
    assert a.labels.tolist() == sorted(G.nodes()) == list(range(a.n))
    assert array_edges_as_labels(a) == dwave_edges_as_labels(G)
    m, t = args[0], args[1] if len(args) > 1 else 4
    coords = zephyr_coordinates(m, t, a.labels)
    assert [tuple(q) for q in coords.tolist()] == [G.nodes[v]["zephyr_index"] for v in a.labels.tolist()]
    check_proper(a, 4)


def relabel_row_major(G, shape):
    """networkx grid graphs have tuple nodes; number them in row-major order."""
    return {(int(np.ravel_multi_index(u, shape)), int(np.ravel_multi_index(v, shape))) for u, v in G.edges()}


def canonical(pairs):
    return {(min(u, v), max(u, v)) for u, v in pairs}


@pytest.mark.parametrize("shape, periodic", [((5, 7), False), ((6, 4), True), ((5, 5), True), ((3, 4, 5), False),
                                             ((4, 4, 6), True), ((1, 6), False)])
def test_lattice_matches_networkx_grid(shape, periodic):
    a = lattice_arrays(shape, periodic)
    check_canonical(a)
    if len(shape) == 2:
        G = nx.grid_2d_graph(*shape, periodic=periodic)
    else:
        G = nx.grid_graph(dim=list(reversed(shape)), periodic=periodic)  # node tuples in ``shape`` order
    ref = canonical(relabel_row_major(G, shape))
    assert edge_set(a) == ref and a.n == int(np.prod(shape))
    if periodic and any(L % 2 for L in shape):
        assert a.colours is None  # an odd cycle: no 2-colouring by construction
    else:
        check_proper(a, 2 if a.n_edges else 1)


@pytest.mark.parametrize("rows, cols, periodic", [(5, 6, False), (4, 6, True), (5, 5, True), (1, 7, False),
                                                  (8, 3, False)])
def test_king_matches_strong_product_of_paths(rows, cols, periodic):
    a = king_arrays(rows, cols, periodic)
    check_canonical(a)
    make = nx.cycle_graph if periodic else nx.path_graph
    G = nx.strong_product(make(rows), make(cols))
    assert edge_set(a) == canonical(relabel_row_major(G, (rows, cols)))
    if periodic and (rows % 2 or cols % 2):
        assert a.colours is None
    else:
        check_proper(a, 4 if rows > 1 and cols > 1 else 2)


def test_random_regular_and_complete_match_networkx():
    a = random_regular_arrays(40, 3, seed=7)
    check_canonical(a)
    assert edge_set(a) == canonical(nx.random_regular_graph(3, 40, seed=7).edges())
    assert a.colours is None
    k = complete_arrays(6)
    assert edge_set(k) == canonical(nx.complete_graph(6).edges())
    check_proper(k, 6)


def test_dispatcher_arrays_equal_graphs(tmp_path):
    (tmp_path / "g.txt").write_text("n 6\n0 1\n1 2\n2 1\n4 3\n")
    cases = {
        "chimera": {"size": 2, "cols": 3, "tile": 2},
        "pegasus": {"size": 3, "fabric_only": False},
        "zephyr": {"size": 2, "tile": 3},
        "king": {"shape": [4, 5], "periodic": True},
        "lattice": {"shape": [3, 3, 2]},
        "random_regular": {"n": 12, "degree": 3, "seed": 1},
        "complete": {"n": 5},
        "edgelist": {"path": "g.txt"},
    }
    for kind, params in cases.items():
        a = topology_arrays(kind, params, base_dir=tmp_path)
        G = topology_graph(kind, params, base_dir=tmp_path)
        check_canonical(a)
        assert a.family == kind and a.n == G.number_of_nodes()
        assert edge_set(a) == canonical(G.edges())
        assert G.graph["params"] == a.params
        H = a.to_networkx()
        assert set(H.edges()) == set(G.edges()) and a.to_networkx() is H  # built once
        with pytest.raises(nx.NetworkXError):
            H.add_edge(0, 1)  # frozen


def test_has_edges_and_degrees():
    a = king_arrays(4, 4)
    G = nx.strong_product(nx.path_graph(4), nx.path_graph(4))
    G = nx.relabel_nodes(G, {v: v[0] * 4 + v[1] for v in G})
    u, v = np.meshgrid(np.arange(16), np.arange(16))
    got = a.has_edges(u.ravel(), v.ravel())
    want = np.array([G.has_edge(int(x), int(y)) for x, y in zip(u.ravel(), v.ravel())])
    assert np.array_equal(got, want) and got.sum() == 2 * a.n_edges
    assert np.array_equal(a.degrees(), [G.degree(i) for i in range(16)])
    assert a.has_edges(a.rows, a.cols).all()


def test_colourings_by_construction_at_moderate_sizes():
    for a, k in ((pegasus_arrays(40), 4), (zephyr_arrays(10, 2), 4), (king_arrays(300, 200), 4),
                 (lattice_arrays((60, 50, 40)), 2), (chimera_arrays(30, 20, 4), 2)):
        check_canonical(a)
        check_proper(a, k)


def test_a_wrong_colouring_is_caught():
    """Power check of ``check_proper``: a colouring by z alone is not proper on Pegasus."""
    a = pegasus_arrays(4)
    z = pegasus_coordinates(4, a.labels)[:, 3]
    assert np.any(z[a.rows] == z[a.cols])


def test_sort_edges_matches_numpy_unique():
    rng = np.random.default_rng(3)
    for n in (1, 2, 10, 50):
        u = rng.integers(0, n, 300)
        v = rng.integers(0, n, 300)
        keep = u != v
        u, v = u[keep], v[keep]
        rows, cols = sort_edges(n, u, v)
        ref = np.unique(np.sort(np.stack([u, v], 1), axis=1), axis=0).reshape(-1, 2)
        assert np.array_equal(rows, ref[:, 0]) and np.array_equal(cols, ref[:, 1])


def test_memory_check_refuses_before_building():
    with pytest.raises(TopologyError, match=r'"size" = 200.*p-bits.*memory'):
        topology_arrays("pegasus", {"size": 200}, memory_bytes=10**8)
    # a 10^6-p-bit chip is estimated at 1.3 GB (measured peak 1.3 GB with the interpreter), not refused on 8 GB
    from pbitsim.topologies import pegasus_graph

    size = estimate_topology("pegasus", pegasus_graph, (206, True))
    assert size.n_nodes == 1_011_880 and 1.1e9 < size.bytes < 2.0e9
