"""Colourings by construction, the Numba greedy/2-colouring kernels, and what large graphs get."""

import networkx as nx
import numpy as np
import pytest

from pbitsim.compiler import colouring as colouring_module
from pbitsim.compiler.chip_graph import restrict_colouring
from pbitsim.compiler.colouring import (
    canonical_colors,
    clear_colouring_cache,
    colour_graph,
    edge_arrays,
)
from pbitsim.kernels.graph_colouring import (
    adjacency,
    greedy_colours,
    smallest_last_order,
    two_colouring,
)
from pbitsim.topologies import (
    king_arrays,
    lattice_arrays,
    pegasus_arrays,
    random_regular_arrays,
    zephyr_arrays,
)


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PBITSIM_CACHE_DIR", str(tmp_path / "cache"))
    clear_colouring_cache()
    yield
    clear_colouring_cache()


def proper(n, rows, cols, colours):
    colours = np.asarray(colours)
    return colours.shape == (n,) and not np.any(colours[rows] == colours[cols])


def degeneracy(n, rows, cols):
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(zip(rows.tolist(), cols.tolist()))
    return max(nx.core_number(G).values(), default=0)


@pytest.mark.parametrize("seed", range(5))
def test_numba_smallest_last_is_proper_and_within_degeneracy_bound(seed):
    G = nx.gnm_random_graph(80, 300, seed=seed)
    n, rows, cols = edge_arrays(G)
    indptr, indices = adjacency(n, rows, cols)
    order = smallest_last_order(n, indptr, indices)
    assert sorted(order.tolist()) == list(range(n))
    colours = greedy_colours(n, indptr, indices, order)
    assert proper(n, rows, cols, colours)
    assert colours.max() + 1 <= degeneracy(n, rows, cols) + 1
    again = greedy_colours(n, indptr, indices, smallest_last_order(n, indptr, indices))
    assert np.array_equal(colours, again)  # deterministic


def test_numba_smallest_last_order_removes_a_minimum_degree_vertex_each_time():
    G = nx.gnm_random_graph(60, 200, seed=11)
    n, rows, cols = edge_arrays(G)
    indptr, indices = adjacency(n, rows, cols)
    order = smallest_last_order(n, indptr, indices)
    H = G.copy()
    for v in order[::-1]:  # removal order
        assert H.degree(int(v)) == min(d for _, d in H.degree())
        H.remove_node(int(v))


def test_greedy_in_a_bad_order_is_caught():
    """Power check: a 'colouring' that ignores neighbours is improper and the check says so."""
    n, rows, cols = king_arrays(5, 5).edge_arrays()
    assert not proper(n, rows, cols, np.arange(n) % 3)


def test_two_colouring_finds_parity_or_an_odd_cycle():
    n, rows, cols = lattice_arrays((6, 5)).edge_arrays()
    indptr, indices = adjacency(n, rows, cols)
    colours, u, v = two_colouring(n, indptr, indices)
    assert u == v == -1 and proper(n, rows, cols, colours)
    n, rows, cols = lattice_arrays((5, 5), True).edge_arrays()  # odd torus
    indptr, indices = adjacency(n, rows, cols)
    colours, u, v = two_colouring(n, indptr, indices)
    assert u >= 0 and colours[u] == colours[v]
    assert ((rows == u) & (cols == v)).any()


@pytest.mark.parametrize("arrays, k", [(king_arrays(7, 9), 4), (pegasus_arrays(5), 4), (zephyr_arrays(2), 4),
                                       (lattice_arrays((4, 5, 6)), 2)])
def test_structured_strategy_uses_the_construction(arrays, k):
    col = colour_graph(arrays, "structured")
    assert col.strategy == "structured" and col.n_colours == k
    assert np.array_equal(col.colours, canonical_colors(arrays.colours))
    assert proper(arrays.n, arrays.rows, arrays.cols, col.colours)
    assert colour_graph(arrays, "construction").n_colours == k  # alias


def test_structured_without_a_construction_falls_back_to_numba_greedy():
    a = random_regular_arrays(200, 3, seed=4)
    col = colour_graph(a, "structured")
    assert proper(a.n, a.rows, a.cols, col.colours) and col.n_colours <= 4
    odd = lattice_arrays((5, 7), True)
    col = colour_graph(odd.edge_arrays(), "structured")
    assert proper(odd.n, odd.rows, odd.cols, col.colours) and 3 <= col.n_colours <= 5  # odd cycles: >= 3


def test_small_graphs_keep_the_networkx_colouring():
    """Below the threshold arrays and networkx graphs get the very same colouring as before."""
    for a in (king_arrays(8, 8), pegasus_arrays(4)):
        for strategy in ("auto", "smallest_last"):
            from_arrays = colour_graph(a, strategy, cache=False)
            from_graph = colour_graph(a.to_networkx(), strategy, cache=False)
            assert np.array_equal(from_arrays.colours, from_graph.colours)


def test_large_graph_rules(monkeypatch):
    monkeypatch.setattr(colouring_module, "LARGE_GRAPH_NODES", 50)
    king = king_arrays(10, 10)
    auto = colour_graph(king, "auto")
    assert auto.n_colours == 4 and np.array_equal(auto.colours, canonical_colors(king.colours))
    even = lattice_arrays((10, 10), True)
    assert colour_graph(even.edge_arrays(), "auto").n_colours == 2  # exact 2-colouring, no construction given
    rr = random_regular_arrays(120, 4, seed=1)
    for strategy in ("auto", "smallest_last"):
        col = colour_graph(rr, strategy)
        assert proper(rr.n, rr.rows, rr.cols, col.colours)
        n, rows, cols = rr.edge_arrays()
        indptr, indices = adjacency(n, rows, cols)
        ref = canonical_colors(greedy_colours(n, indptr, indices, smallest_last_order(n, indptr, indices)))
        assert np.array_equal(col.colours, ref)


def test_restricting_to_every_node_is_the_identity():
    col = colour_graph(king_arrays(6, 6), "auto")
    assert restrict_colouring(col, np.arange(36)) is col
    sub = restrict_colouring(col, np.arange(0, 36, 2))
    assert np.array_equal(sub.colours, canonical_colors(col.colours[::2]))


def test_edge_arrays_canonicalises_unsorted_input_like_numpy_unique():
    rng = np.random.default_rng(0)
    u, v = rng.integers(0, 30, 200), rng.integers(0, 30, 200)
    keep = u != v
    n, rows, cols = edge_arrays((30, u[keep], v[keep]))
    assert n == 30
    ref = np.unique(np.sort(np.stack([u[keep], v[keep]], 1), axis=1), axis=0)
    assert np.array_equal(rows, ref[:, 0]) and np.array_equal(cols, ref[:, 1])
