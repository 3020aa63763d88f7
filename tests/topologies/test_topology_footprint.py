"""Closed-form sizes of every topology family, and refusal of graphs that cannot fit in memory."""

import time

import pytest

from pbitsim.errors import TopologyError
from pbitsim.topologies import topology_graph, topology_size, validate_topology_params
from pbitsim.topologies.footprint import available_memory_bytes

CASES = [
    ("chimera", {"size": 1}),
    ("chimera", {"size": 2, "cols": 3, "tile": 4}),
    ("chimera", {"size": 3, "cols": 2, "tile": 2}),
    ("chimera", {"size": 1, "cols": 4, "tile": 3}),
    ("pegasus", {"size": 2}),
    ("pegasus", {"size": 5}),
    ("pegasus", {"size": 3, "fabric_only": False}),
    ("pegasus", {"size": 7, "fabric_only": False}),
    ("zephyr", {"size": 1}),
    ("zephyr", {"size": 3, "tile": 2}),
    ("zephyr", {"size": 2, "tile": 3}),
    ("king", {"shape": [3, 3]}),
    ("king", {"shape": [1, 5]}),
    ("king", {"shape": [4, 7], "periodic": True}),
    ("king", {"shape": [2, 2], "periodic": True}),
    ("king", {"shape": [1, 3], "periodic": True}),
    ("king", {"shape": [2, 5], "periodic": True}),
    ("lattice", {"shape": [3, 4]}),
    ("lattice", {"shape": [2, 3, 4]}),
    ("lattice", {"shape": [5, 5], "periodic": True}),
    ("lattice", {"shape": [2, 2], "periodic": True}),
    ("lattice", {"shape": [1, 4], "periodic": True}),
    ("lattice", {"shape": [3, 2, 1], "periodic": True}),
    ("random_regular", {"n": 20, "degree": 3}),
    ("complete", {"n": 9}),
    ("complete", {"n": 1}),
]


@pytest.mark.parametrize("kind, params", CASES)
def test_closed_form_counts_match_the_built_graph(kind, params):
    size = topology_size(kind, params)
    G = topology_graph(kind, params)
    assert (size.n_nodes, size.n_edges) == (G.number_of_nodes(), G.number_of_edges())
    assert size.bytes > 0


def test_known_chip_sizes():
    """Published counts: P16 fabric 5,640/40,484, P14 4,264/30,404, C16 2,048/6,016, Z(6,4) 1,248/11,400."""
    got = [(s.n_nodes, s.n_edges) for s in (
        topology_size("pegasus", {"size": 16}), topology_size("pegasus", {"size": 14}),
        topology_size("chimera", {"size": 16}), topology_size("zephyr", {"size": 6}))]
    assert got == [(5640, 40484), (4264, 30404), (2048, 6016), (1248, 11400)]


def test_edgelist_size_streams_the_file(tmp_path):
    f = tmp_path / "g.txt"
    f.write_text("# comment\n0 1\n1 2\n2,0\n\n1 0  # repeated edge: counted, merged when built\n5 6\n")
    size = topology_size("edgelist", {"path": str(f)})
    G = topology_graph("edgelist", {"path": str(f)})
    assert size.n_nodes == G.number_of_nodes() == 7
    assert size.n_edges == 5 and G.number_of_edges() == 4  # an upper bound
    f.write_text("n 12\n0 1\n")
    assert (topology_size("edgelist", {"path": str(f)}).n_nodes,
            topology_graph("edgelist", {"path": str(f)}).number_of_nodes()) == (12, 12)


@pytest.mark.parametrize("kind, params, key", [
    ("pegasus", {"size": 100000}, 'key "size" = 100000'),
    ("chimera", {"size": 10**6}, 'key "size" = 1000000'),
    ("zephyr", {"size": 10**5}, 'key "size" = 100000'),
    ("king", {"shape": [10**6, 10**6]}, 'key "shape" = [1000000, 1000000]'),
    ("lattice", {"shape": [10**4, 10**4, 10**4], "periodic": True}, 'key "shape"'),
    ("random_regular", {"n": 10**12, "degree": 4}, 'key "n" = 1000000000000'),
    ("complete", {"n": 10**7}, 'key "n" = 10000000'),
])
def test_huge_topologies_are_refused_at_once(kind, params, key):
    """Sizes no machine holds are refused from their parameters alone, fast, naming key, size and memory."""
    t0 = time.perf_counter()
    with pytest.raises(TopologyError) as err:
        validate_topology_params(kind, params)
    assert time.perf_counter() - t0 < 1.0
    msg = str(err.value)
    assert "\n" not in msg
    assert f'topology "{kind}"' in msg and key in msg
    assert "p-bits" in msg and "memory" in msg and "this machine has" in msg


def test_budget_decides(tmp_path):
    """The same graph passes a large budget and fails a small one; the estimate is above the real count."""
    size = topology_size("king", {"shape": [10, 10]})
    validate_topology_params("king", {"shape": [10, 10]}, memory_bytes=size.bytes)
    with pytest.raises(TopologyError, match=r'key "shape" = \[10, 10\] gives 100 p-bits and 342 edges'):
        validate_topology_params("king", {"shape": [10, 10]}, memory_bytes=size.bytes - 1)
    f = tmp_path / "g.txt"
    f.write_text("n 1000000000000\n0 1\n")  # a declared node count nothing can hold
    with pytest.raises(TopologyError, match=r'topology "edgelist": key "path" = .* gives 1e\+12 p-bits'):
        validate_topology_params("edgelist", {"path": str(f)})


def test_available_memory_is_read():
    mem, source = available_memory_bytes()
    assert 2**26 < mem < 2**63 - 1 and source


def test_huge_chip_file_fails_on_load(tmp_path):
    import pbitsim as ps
    from pbitsim.errors import ChipSpecError

    f = tmp_path / "huge.toml"
    f.write_text('name = "huge"\n[topology]\nkind = "pegasus"\nsize = 100000\n')
    t0 = time.perf_counter()
    with pytest.raises(ChipSpecError, match=r'huge.toml: \[topology\] topology "pegasus": key "size" = 100000'):
        ps.load_chip(str(f))
    assert time.perf_counter() - t0 < 1.0
