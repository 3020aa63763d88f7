"""Node/edge counts, labels and metadata of every topology family, and the dispatcher."""

import networkx as nx
import numpy as np
import pytest

from pbitsim.errors import TopologyError
from pbitsim.topologies import (
    TOPOLOGY_KEYS,
    TOPOLOGY_KINDS,
    TOPOLOGY_REQUIRED_KEYS,
    chimera_graph,
    complete_graph,
    king_graph,
    lattice_graph,
    pegasus_graph,
    random_regular_graph,
    topology_graph,
    zephyr_graph,
)


def check_contract(G, family):
    """Every graph: simple, nodes 0..n-1, family/params tagged, float (x, y) pos."""
    assert isinstance(G, nx.Graph) and not G.is_directed() and not G.is_multigraph()
    assert sorted(G.nodes()) == list(range(G.number_of_nodes()))
    assert nx.number_of_selfloops(G) == 0
    assert G.graph["family"] == family
    assert isinstance(G.graph["params"], dict)
    for _, p in G.nodes(data="pos"):
        assert len(p) == 2 and all(isinstance(c, float) for c in p)


@pytest.mark.parametrize(
    "builder, args, family, n_nodes, n_edges",
    [
        (chimera_graph, (2,), "chimera", 32, 80),
        (chimera_graph, (2, 3, 2), "chimera", 24, 38),
        (chimera_graph, (16,), "chimera", 2048, 6016),
        (pegasus_graph, (2,), "pegasus", 40, 164),
        (pegasus_graph, (4,), "pegasus", 264, 1604),
        (pegasus_graph, (4, False), "pegasus", 288, 1632),
        (pegasus_graph, (14,), "pegasus", 4264, 30404),
        (pegasus_graph, (16,), "pegasus", 5640, 40484),
        (zephyr_graph, (1,), "zephyr", 48, 280),
        (zephyr_graph, (2,), "zephyr", 160, 1224),
        (zephyr_graph, (1, 2), "zephyr", 24, 76),
        (king_graph, (3, 3), "king", 9, 20),
        (king_graph, (1, 5), "king", 5, 4),
        (king_graph, (4, 4, True), "king", 16, 64),
        (king_graph, (2, 2, True), "king", 4, 6),
        (lattice_graph, ((3, 4),), "lattice", 12, 17),
        (lattice_graph, ((5, 5), True), "lattice", 25, 50),
        (lattice_graph, ((4, 4), True), "lattice", 16, 32),
        (lattice_graph, ((3, 3, 3), True), "lattice", 27, 81),
        (lattice_graph, ((4, 4, 4), True), "lattice", 64, 192),
        (lattice_graph, ((2, 3, 4),), "lattice", 24, 46),
        (lattice_graph, ((2, 2), True), "lattice", 4, 4),
        (lattice_graph, ((1, 4), True), "lattice", 4, 4),
        (lattice_graph, ((1, 1, 1), True), "lattice", 1, 0),
        (complete_graph, (7,), "complete", 7, 21),
        (complete_graph, (1,), "complete", 1, 0),
    ],
)
def test_family_sizes(builder, args, family, n_nodes, n_edges):
    G = builder(*args)
    check_contract(G, family)
    assert G.number_of_nodes() == n_nodes
    assert G.number_of_edges() == n_edges


def test_dwave_labels_keep_original_index_in_sorted_order():
    import dwave.graphs as dg

    original = dg.pegasus_graph(4)
    G = pegasus_graph(4)
    idx = [G.nodes[v]["dwave_index"] for v in range(len(G))]
    assert idx == sorted(original.nodes())
    assert idx != list(range(len(G)))  # fabric_only labels are not contiguous
    back = {v: G.nodes[v]["dwave_index"] for v in G}
    assert {frozenset((back[u], back[v])) for u, v in G.edges()} == {
        frozenset(e) for e in original.edges()
    }
    assert G.nodes[0]["pegasus_index"] == original.nodes[idx[0]]["pegasus_index"]
    assert G.graph["params"] == {"m": 4, "fabric_only": True}


def test_chimera_and_zephyr_keep_coordinates():
    C = chimera_graph(2)
    assert C.nodes[0]["chimera_index"] == (0, 0, 0, 0)
    Z = zephyr_graph(1)
    assert len(Z.nodes[5]["zephyr_index"]) == 5
    assert Z.graph["params"] == {"m": 1, "t": 4}


def test_king_interior_node_has_eight_neighbours():
    G = king_graph(5, 5)
    assert sorted(G[12]) == [6, 7, 8, 11, 13, 16, 17, 18]
    assert all(d == 8 for _, d in king_graph(4, 5, periodic=True).degree())


def test_lattice_is_row_major():
    G = lattice_graph((3, 4, 5))
    i, j, k = 1, 2, 3
    v = (i * 4 + j) * 5 + k
    assert sorted(G[v]) == sorted([v - 20, v + 20, v - 5, v + 5, v - 1, v + 1])
    assert G.nodes[v]["pos"] != G.nodes[v + 20]["pos"]  # 3D slices do not overlap


def test_random_regular_degrees_and_seed():
    G = random_regular_graph(20, 3, seed=5)
    check_contract(G, "random_regular")
    assert all(d == 3 for _, d in G.degree())
    assert set(G.edges()) == set(random_regular_graph(20, 3, seed=5).edges())
    assert G.graph["params"] == {"n": 20, "degree": 3, "seed": 5}
    assert random_regular_graph(4, 0).number_of_nodes() == 4  # isolated nodes kept


def test_dispatcher_builds_each_kind(tmp_path):
    (tmp_path / "g.txt").write_text("0 1\n1 2\n")
    cases = {
        "chimera": {"size": 1, "cols": 2, "tile": 2},
        "pegasus": {"size": 2, "fabric_only": False},
        "zephyr": {"size": 1, "tile": 2},
        "king": {"shape": [2, 3], "periodic": False},
        "lattice": {"shape": [2, 2, 2], "periodic": True},
        "random_regular": {"n": 6, "degree": 3, "seed": 1},
        "complete": {"n": 4},
        "edgelist": {"path": "g.txt"},
    }
    assert set(cases) | {"model"} == set(TOPOLOGY_KINDS)
    for kind, params in cases.items():
        assert set(params) <= set(TOPOLOGY_KEYS[kind])
        G = topology_graph(kind, params, base_dir=tmp_path)
        check_contract(G, kind)
    assert topology_graph("chimera", {"size": 1, "cols": 2, "tile": 2}).number_of_nodes() == 8
    assert topology_graph("lattice", {"kind": "lattice", "shape": [3, 3]}).number_of_edges() == 12
    assert set(TOPOLOGY_REQUIRED_KEYS) == set(TOPOLOGY_KINDS)


@pytest.mark.parametrize(
    "kind, params, words",
    [
        ("hexagonal", {}, ["hexagonal", "chimera", "pegasus", "edgelist", "model"]),
        ("model", {}, ['"model"', "model's own graph"]),
        ("chimera", {"size": 2, "rows": 3}, ['"rows"', "size, cols, tile"]),
        ("chimera", {}, ['missing', '"size"']),
        ("chimera", {"size": 0}, ['"size"', ">= 1"]),
        ("chimera", {"size": 2.5}, ['"size"', "integer"]),
        ("chimera", {"size": True}, ['"size"', "integer"]),
        ("chimera", {"size": 2, "tile": 0}, ['"tile"', ">= 1"]),
        ("pegasus", {"size": 1}, ['"size"', ">= 2"]),
        ("pegasus", {"size": 4, "fabric_only": "yes"}, ['"fabric_only"', "true or false"]),
        ("pegasus", {"size": 4, "tile": 4}, ['"tile"', "size, fabric_only"]),
        ("zephyr", {"size": -1}, ['"size"', ">= 1"]),
        ("king", {"shape": [3]}, ['"shape"', "2 integers"]),
        ("king", {"shape": [3, 3, 3]}, ['"shape"', "2 integers"]),
        ("king", {"shape": 3}, ['"shape"']),
        ("king", {"shape": [3, 3], "periodic": 1}, ['"periodic"', "true or false"]),
        ("lattice", {"shape": [2, 2, 2, 2]}, ['"shape"', "2 or 3"]),
        ("lattice", {"shape": [4, 0]}, ['"shape[1]"', ">= 1"]),
        ("lattice", {"shape": "4x4"}, ['"shape"']),
        ("random_regular", {"n": 5, "degree": 3}, ['"degree"', "even"]),
        ("random_regular", {"n": 4, "degree": 4}, ['"degree"', "0..3"]),
        ("random_regular", {"n": 4}, ["missing", '"degree"']),
        ("random_regular", {"n": 4, "degree": 2, "seed": -1}, ['"seed"', ">= 0"]),
        ("complete", {"n": 0}, ['"n"', ">= 1"]),
        ("complete", {"n": 3, "size": 3}, ['"size"', "allowed keys: n"]),
        ("edgelist", {"path": 3}, ['"path"']),
        ("edgelist", {"path": "does_not_exist.txt"}, ["does_not_exist.txt"]),
        ("edgelist", {}, ["missing", '"path"']),
    ],
)
def test_dispatcher_errors(kind, params, words, tmp_path):
    with pytest.raises(TopologyError) as info:
        topology_graph(kind, params, base_dir=tmp_path)
    for word in words:
        assert word in str(info.value)


def test_direct_builders_reject_bad_arguments():
    with pytest.raises(TopologyError, match='"m"'):
        pegasus_graph(1)
    with pytest.raises(TopologyError, match="even"):
        random_regular_graph(5, 3)
    with pytest.raises(TopologyError, match='"shape"'):
        lattice_graph((4,))
    assert isinstance(TopologyError("x"), ValueError)


def test_import_does_not_load_dwave():
    import subprocess
    import sys

    code = "import sys, pbitsim.topologies; print('dwave.graphs' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_positions_are_distinct_for_grids():
    for G in (king_graph(3, 4), lattice_graph((3, 4)), lattice_graph((2, 3, 4))):
        pos = np.array([G.nodes[v]["pos"] for v in G])
        assert len(np.unique(pos, axis=0)) == len(G)
