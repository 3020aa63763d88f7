"""METIS partitions: deterministic from the seed, a real minimum cut (far below random), eta and loads exact."""
import networkx as nx
import numpy as np
import pytest

from pbitsim.errors import PbitsimError
from pbitsim.machine.partition import partition_model
from pbitsim.models import IsingModel


def _csr(G):
    n = G.number_of_nodes()
    rows = np.array([u for u, v in G.edges()] + [v for u, v in G.edges()])
    cols = np.array([v for u, v in G.edges()] + [u for u, v in G.edges()])
    m = IsingModel.from_edges(rows[: rows.size // 2], cols[: cols.size // 2], np.ones(rows.size // 2), n=n)
    indptr, indices, _ = m.csr()
    return indptr, indices


def _cut(part, G):
    return sum(part[u] != part[v] for u, v in G.edges())


def test_grid_partition_is_deterministic_balanced_and_a_real_min_cut():
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(30, 30))
    indptr, indices = _csr(G)
    a = partition_model(indptr, indices, 4, seed=5)
    b = partition_model(indptr, indices, 4, seed=5)
    np.testing.assert_array_equal(a.part, b.part)
    assert a.cut_edges == _cut(a.part, G) and a.n_edges == G.number_of_edges()
    assert a.eta == pytest.approx(a.cut_edges / G.number_of_edges())
    assert a.load.sum() == 900 and a.load.max() <= 900 / 4 * 1.03 + 1
    # 4 quadrants of a 30x30 grid cut 60 couplings; METIS gets close, a random balanced split cuts ~3/4 of all
    assert a.cut_edges <= 80
    rand = np.random.default_rng(0).permutation(np.arange(900) % 4)
    assert _cut(rand, G) > 10 * a.cut_edges
    assert a.report()["eta"] == a.eta and a.report()["load"] == list(a.load)


def test_more_parts_cut_more():
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(24, 24))
    indptr, indices = _csr(G)
    etas = [partition_model(indptr, indices, k, seed=1).eta for k in (1, 2, 4, 16)]
    assert etas[0] == 0.0 and etas == sorted(etas) and etas[-1] > etas[1]


def test_no_couplings_and_tiny_graphs_leave_no_chip_empty():
    indptr, indices = np.zeros(6, dtype=np.int64), np.zeros(0, dtype=np.int64)
    p = partition_model(indptr, indices, 5)
    assert sorted(p.part) == [0, 1, 2, 3, 4] and p.eta == 0.0
    G = nx.path_graph(3)
    q = partition_model(*_csr(G), 3, seed=0)
    assert sorted(q.part) == [0, 1, 2] and q.cut_edges == 2


def test_capacity_tightens_the_balance_and_is_checked_on_the_loads(monkeypatch):
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(10, 11))
    p = partition_model(*_csr(G), 4, capacity=28, seed=2)          # 110 / 4 = 27.5: at most 28 per chip
    assert p.load.max() <= 28
    import pymetis

    class Lopsided:
        vertex_part = [0] * 80 + [1] * 30

    monkeypatch.setattr(pymetis, "part_graph", lambda *a, **k: Lopsided())
    q = partition_model(*_csr(G), 2, capacity=60)                # repaired: 20 p-bits move to chip 1
    assert list(q.load) == [60, 50]
    assert q.cut_edges < 40                 # moved along the boundary (a random choice of 20 cuts ~ 40 more)
    with pytest.raises(PbitsimError, match="cannot split 110 p-bits over 111 chips"):
        partition_model(*_csr(G), 111)
