"""Slope timing (pbitsim.bench.timing) and the workloads it runs on (pbitsim.bench.workloads)."""
import pytest

import pbitsim as ps
from pbitsim.bench.timing import slope_seconds_per_sweep, time_pbitsim
from pbitsim.bench.workloads import graph_named, spin_glass_named
from pbitsim.spin_glass import random_spin_glass
from pbitsim.topologies import lattice_graph


def test_slope_removes_the_fixed_cost_and_keeps_the_best_repeat():
    calls = []

    def run(k):  # 0.5 s fixed + 2 ms per sweep, the first repeat of each size 1 s slower
        calls.append(k)
        return 0.5 + 0.002 * k + (1.0 if calls.count(k) == 1 else 0.0)

    assert slope_seconds_per_sweep(run, 400, 2) == pytest.approx(0.002)
    assert calls == [400, 400, 100, 100]
    assert slope_seconds_per_sweep(lambda k: 0.003 * k, 1, 1) == pytest.approx(0.003)  # one sweep: no slope


def test_slope_swamped_by_noise_falls_back_to_the_plain_average():
    # the short run took longer than the long one (a loaded machine): never report ~0 ns/update
    times = {20: 0.010, 5: 0.012}
    assert slope_seconds_per_sweep(lambda k: times[k], 20, 1) == pytest.approx(0.010 / 20)


def test_time_pbitsim_on_a_small_glass():
    model = random_spin_glass(lattice_graph((4, 4), periodic=True), 1)
    ns, layout = time_pbitsim(model, replicas=2, sweeps=16, repeats=1)
    assert ns > 0 and layout in ("single", "replica_major")


def test_workloads_are_seeded_and_named():
    assert graph_named("lattice128").number_of_nodes() == 128 * 128
    with pytest.raises(ValueError, match="unknown graph 'nope'"):
        graph_named("nope")
    a, b = spin_glass_named("lattice128"), spin_glass_named("lattice128")
    assert isinstance(a, ps.IsingModel) and a.n_edges == 2 * 128 * 128
    assert (a.edges()[2] == b.edges()[2]).all() and (a.edges()[2] != spin_glass_named("lattice128", 2).edges()[2]).any()
