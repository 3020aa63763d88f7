"""Link plans: least-latency routes, boundary traffic, serialization delays and the kernel array layout."""
import math

import networkx as nx
import numpy as np
import pytest

from pbitsim.machine.links import plan_links
from pbitsim.machine.partition import Partition
from pbitsim.machine.spec import machine_from_dict
from pbitsim.models import IsingModel


def _line_machine(**exchange):
    return machine_from_dict({"chips": {"type": "ideal", "count": 3},
                              "links": {"topology": "line", "latency_ns": 10.0, "bandwidth_spins_per_ns": 2.0},
                              "link": [{"between": [1, 2], "latency_ns": 30.0, "bandwidth_spins_per_ns": 0.5}],
                              "exchange": exchange}, source="line.toml")


def _path_model(n=6):
    G = nx.path_graph(n)
    u, v = zip(*G.edges())
    return IsingModel.from_edges(np.array(u), np.array(v), np.ones(len(u)), n=n).csr()[:2]


def _plan(machine, part, n=6):
    indptr, indices = _path_model(n)
    p = Partition(np.asarray(part, dtype=np.int64), machine.count, n - 1, 0, np.bincount(part), 0)
    return plan_links(machine, p, indptr, indices, update_interval_ns=4.0), indptr, indices


def test_routes_traffic_and_offsets_by_hand():
    # path 0-1-2-3-4-5 with p-bits {0,1} on chip 0, {2,3} on chip 1, {4,5} on chip 2; plus a coupling 0-5
    # would route 0 -> 1 -> 2; here chips 0 and 2 are not neighbours on the path model
    plan, indptr, indices = _plan(_line_machine(), [0, 0, 1, 1, 2, 2])
    hops = {(h["from"], h["to"]): h for h in plan.hops}
    # chip 0 sends p-bit 1 to chip 1; chip 1 sends p-bit 2 to chip 0 and p-bit 3 to chip 2; chip 2 sends 4
    assert {k: h["boundary_spins"] for k, h in hops.items()} == {(0, 1): 1, (1, 0): 1, (1, 2): 1, (2, 1): 1}
    assert hops[(1, 2)]["serialization_ns"] == pytest.approx(1 / 0.5)
    assert hops[(0, 1)]["serialization_ns"] == pytest.approx(1 / 2.0)
    assert hops[(0, 1)]["needed_spins_per_ns"] == pytest.approx(1 / 4.0)      # every update: 1 spin / 4 ns
    rows = np.repeat(np.arange(6), np.diff(indptr))
    off = {(int(r), int(c)): o for r, c, o in zip(rows, indices, plan.offset_ns)}
    assert off[(2, 1)] == pytest.approx(10.0 + 0.5)     # p-bit 2 (chip 1) reads 1 (chip 0) over link 0-1
    assert off[(4, 3)] == pytest.approx(30.0 + 2.0)     # over link 1-2
    assert off[(1, 0)] == 0.0 and off[(3, 2)] == 0.0    # on chip
    assert plan.cross.sum() == 4 and np.all(plan.period_ns == 0.0)
    k = plan.kernel_delays(np.full(indices.size, 0.25))
    assert k.shape == (2 * indices.size,) and np.allclose(k[:indices.size], 0.25 + plan.offset_ns)
    assert plan.max_read_age_ns(np.zeros(indices.size)) == pytest.approx(32.0)


def test_multi_hop_route_sums_latency_and_serialization():
    # chips 0 and 2 exchange over chip 1 (no direct link): p-bit 1 on chip 0 couples to p-bit 2 on chip 2
    plan, indptr, indices = _plan(_line_machine(), [0, 0, 2, 2, 1, 1])
    rows = np.repeat(np.arange(6), np.diff(indptr))
    off = {(int(r), int(c)): o for r, c, o in zip(rows, indices, plan.offset_ns)}
    hops = {(h["from"], h["to"]): h["boundary_spins"] for h in plan.hops}
    # 0 -> 2 goes 0 -> 1 -> 2; 2 -> 1 carries p-bit 3 for chip 1 and p-bit 2 for chip 0
    assert hops[(0, 1)] == 1 and hops[(1, 2)] == 2 and hops[(2, 1)] == 2 and hops[(1, 0)] == 1
    assert off[(2, 1)] == pytest.approx(10.0 + 1 / 2.0 + 30.0 + 2 / 0.5)
    assert off[(1, 2)] == pytest.approx(30.0 + 2 / 0.5 + 10.0 + 1 / 2.0)


def test_batched_exchange_sets_the_period_on_cross_entries_only():
    m = _line_machine(policy="batched", every_cycles=5)      # ideal chip: 1000 MHz, 1 ns cycles
    plan, _, _ = _plan(m, [0, 0, 1, 1, 2, 2])
    assert plan.exchange_period_ns == 5.0
    assert set(plan.period_ns[plan.cross]) == {5.0} and set(plan.period_ns[~plan.cross]) == {0.0}
    h = next(h for h in plan.hops if (h["from"], h["to"]) == (0, 1))
    assert h["needed_spins_per_ns"] == pytest.approx(1 / 5.0) and h["utilisation"] == pytest.approx(0.1)
    rep = plan.report()
    assert rep["oversubscribed"] == [] and rep["max_link_delay_ns"] == pytest.approx(32.0)


def test_ideal_links_have_no_delay():
    plan, _, _ = _plan(_line_machine().ideal_links(), [0, 0, 1, 1, 2, 2])
    assert np.all(plan.offset_ns == 0.0) and np.all(plan.period_ns == 0.0) and plan.cross.sum() == 4
    assert all(h["serialization_ns"] == 0.0 and math.isinf(h["bandwidth_spins_per_ns"]) for h in plan.hops)
