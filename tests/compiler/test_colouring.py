"""Colourings are proper, canonical, cached per graph, and checked when loaded."""

import os

import networkx as nx
import numpy as np
import pytest

from pbitsim.compiler import colouring as colouring_module
from pbitsim.compiler.colouring import (
    Colouring,
    canonical_colors,
    clear_colouring_cache,
    colour_graph,
    edge_arrays,
    validate_colouring,
)
from pbitsim.errors import TopologyError
from pbitsim.topologies import (
    chimera_graph,
    complete_graph,
    king_graph,
    lattice_graph,
    pegasus_graph,
    random_regular_graph,
    zephyr_graph,
)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Every test gets an empty cache directory and an empty memory cache."""
    monkeypatch.setenv("PBITSIM_CACHE_DIR", str(tmp_path / "cache"))
    clear_colouring_cache()
    yield
    clear_colouring_cache()


def assert_proper(G, col):
    """Independent check: no edge inside one colour, colours 0..k-1 all used."""
    assert isinstance(col, Colouring)
    assert col.colours.dtype == np.int32 and col.colours.shape == (G.number_of_nodes(),)
    for u, v in G.edges():
        assert col.colours[u] != col.colours[v]
    assert set(col.colours.tolist()) == set(range(col.n_colours))
    sizes = np.bincount(col.colours)
    assert np.all(np.diff(sizes) <= 0)  # canonical: classes by decreasing size


GRAPHS = {
    "chimera": lambda: chimera_graph(3),
    "zephyr": lambda: zephyr_graph(1),
    "pegasus4": lambda: pegasus_graph(4),
    "king": lambda: king_graph(5, 6),
    "king_periodic": lambda: king_graph(5, 6, periodic=True),
    "lattice_open": lambda: lattice_graph((5, 7)),
    "lattice_even": lambda: lattice_graph((6, 6), periodic=True),
    "lattice_odd": lambda: lattice_graph((5, 5), periodic=True),
    "cubic_odd": lambda: lattice_graph((3, 3, 3), periodic=True),
    "random_regular": lambda: random_regular_graph(30, 4, seed=2),
    "complete": lambda: complete_graph(7),
}
STRATEGIES = ["smallest_last", "largest_first", "random_sequential", "independent_set",
              "connected_sequential_bfs", "connected_sequential_dfs", "dsatur"]


@pytest.mark.parametrize("name", sorted(GRAPHS))
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_family_every_strategy_is_proper(name, strategy):
    G = GRAPHS[name]()
    assert_proper(G, colour_graph(G, strategy, seed=3))


def test_known_colour_counts():
    assert colour_graph(complete_graph(7)).n_colours == 7
    assert colour_graph(lattice_graph((5, 7))).n_colours == 2
    assert colour_graph(king_graph(4, 4), "dsatur").n_colours == 4
    assert colour_graph(lattice_graph((5, 5), periodic=True), "dsatur").n_colours == 3
    assert colour_graph(chimera_graph(3), "dsatur").n_colours == 2


def test_pegasus_p16_smallest_last_gives_four_colours():
    G = pegasus_graph(16)
    col = colour_graph(G, "smallest_last", cache=False)
    assert_proper(G, col)
    assert col.n_colours == 4


def test_bipartite_strategy():
    G = lattice_graph((6, 8), periodic=True)
    col = colour_graph(G, "bipartite")
    assert_proper(G, col)
    assert col.n_colours == 2 and col.strategy == "bipartite"
    two_parts = nx.union(lattice_graph((2, 2)), lattice_graph((3, 1)), rename=("a", "b"))
    H = nx.convert_node_labels_to_integers(two_parts)
    assert colour_graph(H, "bipartite").n_colours == 2
    with pytest.raises(TopologyError, match="not bipartite: edge"):
        colour_graph(lattice_graph((5, 5), periodic=True), "bipartite")


def test_isolated_nodes_and_empty_graph():
    col = colour_graph((5, [0], [1]))
    assert col.n_colours == 2 and col.colours[0] != col.colours[1]
    assert np.bincount(col.colours).tolist() == [4, 1]
    empty = colour_graph((0, [], []))
    assert empty.n_colours == 0 and empty.colours.shape == (0,)
    perm, ptr = empty.order()
    assert perm.shape == (0,) and ptr.tolist() == [0]


def test_edge_arrays_input_matches_graph_input():
    G = king_graph(4, 5, periodic=True)
    n, rows, cols = edge_arrays(G)
    both = (n, np.concatenate([rows, cols]), np.concatenate([cols, rows]))  # CSR-style, both ways
    a, b = colour_graph(G, cache=False), colour_graph(both, cache=False)
    assert np.array_equal(a.colours, b.colours)
    with pytest.raises(TopologyError, match="self-loop"):
        colour_graph((3, [0, 1], [1, 1]))
    with pytest.raises(TopologyError, match="out of range"):
        colour_graph((3, [0], [3]))
    with pytest.raises(TopologyError, match="0..2"):
        colour_graph(nx.path_graph([1, 2, 3]))


def test_unknown_strategy_lists_allowed_names():
    with pytest.raises(ValueError) as info:
        colour_graph(complete_graph(3), "rainbow")
    for name in ("smallest_last", "dsatur", "bipartite", "saturation_largest_first"):
        assert name in str(info.value)


def test_aliases_and_seeds():
    G = random_regular_graph(40, 5, seed=1)
    assert colour_graph(G, "dsatur").strategy == "saturation_largest_first"
    assert np.array_equal(colour_graph(G, "dsatur").colours,
                          colour_graph(G, "saturation_largest_first", cache=False).colours)
    r1 = colour_graph(G, "random_sequential", seed=1, cache=False)
    r1b = colour_graph(G, "random_sequential", seed=1, cache=False)
    assert np.array_equal(r1.colours, r1b.colours)
    seeds = {colour_graph(G, "random_sequential", seed=s).colours.tobytes() for s in range(6)}
    assert len(seeds) > 1


def test_validation_names_the_bad_edge():
    n, rows, cols = edge_arrays(lattice_graph((3, 3)))
    good = colour_graph((n, rows, cols)).colours
    validate_colouring(n, rows, cols, good)
    bad = good.copy()
    bad[4] = bad[1]  # centre takes its upper neighbour's colour
    with pytest.raises(TopologyError, match=r"edge \(1, 4\) joins two nodes of colour"):
        validate_colouring(n, rows, cols, bad)
    with pytest.raises(TopologyError, match="shape"):
        validate_colouring(n, rows, cols, good[:-1])
    with pytest.raises(TopologyError, match=">= 0"):
        validate_colouring(n, rows, cols, good - 5)
    with pytest.raises(TopologyError, match="integer"):
        validate_colouring(n, rows, cols, good.astype(float))


def test_canonical_order_size_then_smallest_index():
    assert canonical_colors([5, 5, 2, 9, 9, 9, 2]).tolist() == [1, 1, 2, 0, 0, 0, 2]
    assert canonical_colors([3, 1, 3, 1]).tolist() == [0, 1, 0, 1]


def test_order_and_classes_consistent_with_colors():
    col = colour_graph(random_regular_graph(50, 3, seed=4))
    perm, ptr = col.order()
    assert perm.dtype == np.int64 and ptr.dtype == np.int64
    assert ptr.shape == (col.n_colours + 1,) and ptr[0] == 0 and ptr[-1] == 50
    assert sorted(perm.tolist()) == list(range(50))
    for c, members in enumerate(col.classes()):
        assert members.dtype == np.int64
        assert np.array_equal(members, np.sort(members))
        assert np.array_equal(members, perm[ptr[c]:ptr[c + 1]])
        assert np.array_equal(members, np.flatnonzero(col.colours == c))
    with pytest.raises(ValueError):
        col.colours[0] = 1  # read-only: cached colourings cannot be corrupted by callers


def cache_files(tmp_path):
    d = tmp_path / "cache" / "colourings"
    return sorted(d.glob("*.npy")) if d.exists() else []


def test_disk_cache_round_trip(tmp_path, monkeypatch):
    G = pegasus_graph(4)
    first = colour_graph(G)
    files = cache_files(tmp_path)
    assert len(files) == 1
    assert np.array_equal(np.load(files[0]), first.colours)
    assert not list(files[0].parent.glob("*.tmp"))
    clear_colouring_cache()

    def fail(*args, **kwargs):
        raise AssertionError("should have come from the disk cache")

    monkeypatch.setattr(colouring_module, "_compute", fail)
    again = colour_graph(G)
    assert np.array_equal(again.colours, first.colours) and again.n_colours == first.n_colours
    colour_graph(G)  # memory hit
    with pytest.raises(AssertionError):
        colour_graph(G, "largest_first")  # different strategy, different key


def test_corrupt_or_improper_cache_file_is_ignored_and_rewritten(tmp_path):
    G = king_graph(4, 4)
    good = colour_graph(G).colours.copy()
    (path,) = cache_files(tmp_path)
    for payload in (b"not a numpy file", None):
        clear_colouring_cache()
        if payload is None:
            np.save(path, np.zeros(16, dtype=np.int32))  # loads fine but is not proper
        else:
            path.write_bytes(payload)
        assert np.array_equal(colour_graph(G).colours, good)
        assert np.array_equal(np.load(path), good)


def test_unwritable_cache_dir_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "file_not_dir"
    blocker.write_text("x")
    monkeypatch.setenv("PBITSIM_CACHE_DIR", str(blocker))
    col = colour_graph(king_graph(3, 3))
    assert col.n_colours == 4


def test_cache_false_touches_no_disk(tmp_path):
    colour_graph(king_graph(3, 3), cache=False)
    assert cache_files(tmp_path) == []
    assert not os.path.exists(tmp_path / "cache")
