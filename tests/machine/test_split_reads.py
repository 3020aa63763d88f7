"""A machine's split reads (pbitsim.machine.links.LinkPlan.read_split, pbitsim.kernels.event): on-chip entries
through the single chip's cached / FIFO-delayed inputs, cross-chip entries through the ring buffers.

The split is an optimisation only: with real link latency and batching it must give the trajectories of
reading every entry through the ring buffers (``reads="history"``), bit for bit, on the ideal chip (exact
dyadic sums), a fixed-point datapath chip, clocked and asynchronous clocks, a uniform synapse delay and an
output lag (the FIFO); and its law must match the independent plain-Python simulation of the read model
(``reference_sim.py``) on a model with both on-chip and cross-chip couplings.
"""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.engines import event as event_engine
from pbitsim.engines.options import EngineOptions, EventOptions
from pbitsim.engines.schedule import make_schedule
from pbitsim.machine.spec import machine_from_dict

from reference_sim import simulate_reference
from tiny_machines import async_machine


def dyadic_ising(n, seed, density=0.5):
    """Couplings in {±1/4, ±1/2, ±1} and fields in {0, ±1/4}: every partial sum is exact in float64, so
    cached and recomputed inputs are equal bit for bit."""
    rng = np.random.default_rng(seed)
    J = np.triu(rng.choice([-1.0, -0.5, -0.25, 0.25, 0.5, 1.0], (n, n)) * (rng.random((n, n)) < density), 1)
    return ps.IsingModel.from_dense(J + J.T, rng.choice([-0.25, 0.0, 0.25], n))


def _machine(tmp_path, case):
    links = {"latency_ns": 3.0, "bandwidth_spins_per_ns": 2.0}
    batched = {"policy": "batched", "every_cycles": 2}
    if case == "async":
        return async_machine(tmp_path, count=3, latency_ns=1.5, bandwidth=4.0, every_cycles=2)
    if case == "async-fifo":       # a uniform synapse delay: on-chip reads through the FIFO
        m = async_machine(tmp_path, count=3, latency_ns=0.7, bandwidth=4.0, every_cycles=1)
        return m.with_params({"timing.synapse_delay_ns": 0.4})
    if case == "async-lag":        # output lag: catch-ups go onto the FIFO and into the ring buffers
        m = async_machine(tmp_path, count=3, latency_ns=0.7, bandwidth=4.0, every_cycles=1)
        return m.with_params({"timing.response_time_ns": 0.3})
    chip = {"clocked": "ideal", "fixed-point": "fpga-sparse-ising"}[case]
    return machine_from_dict({"chips": {"type": chip, "count": 3}, "links": links, "exchange": batched},
                             source=f"{case}.toml")


@pytest.mark.parametrize("case, on_chip", [("async", "cached"), ("async-fifo", "delayed"), ("async-lag", "delayed"),
                                           ("clocked", "cached"), ("fixed-point", "cached")])
def test_split_reads_equal_all_history_reads(tmp_path, case, on_chip):
    prog = ps.compile(dyadic_ising(14, seed=2), _machine(tmp_path, case), seed=1)
    _, split, linked = prog.links.read_split(*prog.physical.csr()[:2])
    indptr = prog.physical.csr()[0]
    assert linked and np.any(split > indptr[:-1]) and np.any(split < indptr[1:])   # both parts are used
    assert prog.links.period_ns.max() > 0 and prog.links.offset_ns.max() > 0          # latency and batching
    beta = 0.2 if case == "fixed-point" else 1.0      # the chip scales couplings up: keep it flipping
    schedule = make_schedule(300, 10, 1, 4, beta, 6)
    fast = event_engine.run(prog, schedule, EngineOptions(event=EventOptions(record_flips=True)))
    slow = event_engine.run(prog, schedule, EngineOptions(event=EventOptions(reads="history", record_flips=True)))
    assert fast.info["reads"].startswith(on_chip) and "cross-chip entries: history" in fast.info["reads"]
    assert slow.info["reads"].startswith("history")
    assert fast.engine == slow.engine and (case != "fixed-point" or fast.info["kernel"] == "fast")
    np.testing.assert_array_equal(fast.states, slow.states)
    np.testing.assert_array_equal(fast.energies, slow.energies)
    a, b = fast.info["flip_log"], slow.info["flip_log"]
    np.testing.assert_array_equal(a.counts, b.counts)
    for r in range(4):
        for x, y in zip(a.replica(r), b.replica(r)):
            np.testing.assert_array_equal(x, y)
    assert a.counts.min() > 100


def test_read_split_orders_rows_on_chip_first(tmp_path):
    prog = ps.compile(dyadic_ising(10, seed=4), async_machine(tmp_path, count=2), seed=1)
    indptr, indices, _ = prog.physical.csr()
    order, split, linked = prog.links.read_split(indptr, indices)
    part = prog.partition.part
    rows = np.repeat(np.arange(prog.n_physical), np.diff(indptr))
    assert linked and sorted(order.tolist()) == list(range(indices.size))
    assert np.array_equal(rows[order], rows)                                  # entries stay in their row
    for i in range(prog.n_physical):
        cols = indices[order[indptr[i]:indptr[i + 1]]]
        k = split[i] - indptr[i]
        assert np.all(part[cols[:k]] == part[i]) and np.all(part[cols[k:]] != part[i])
        assert np.all(np.diff(order[indptr[i]:split[i]]) > 0) and np.all(np.diff(order[split[i]:indptr[i + 1]]) > 0)
    ideal = ps.compile(dyadic_ising(10, seed=4), async_machine(tmp_path, count=2).ideal_links(), seed=1)
    order, split, linked = ideal.links.read_split(indptr, indices)
    assert not linked and np.array_equal(order, np.arange(indices.size)) and np.array_equal(split, indptr[1:])


# a 4-ring with fields: over 2 chips, two couplings on chip and two across
RING = ps.IsingModel.from_edges([0, 1, 2, 0], [1, 2, 3, 3], [1.0, 0.9, 1.1, 0.8], [0.2, -0.1, 0.15, 0.0])


@pytest.mark.parametrize("latency, every_cycles", [(1.0, 0), (0.25, 2)])
def test_split_reads_match_the_independent_reference(tmp_path, latency, every_cycles):
    prog = ps.compile(RING, async_machine(tmp_path, latency_ns=latency, every_cycles=every_cycles), seed=1)
    part = prog.partition.part
    u, v, _ = prog.physical.edges()
    assert np.any(part[u] == part[v]) and np.any(part[u] != part[v])       # on-chip and cross-chip couplings
    run = ps.simulate(prog, sweeps=2000, burn_in=50, replicas=32, seed=2)
    assert run.info["reads"].startswith("cached fields; cross-chip")
    e, se = run.info["time_avg_energy"], run.info["time_avg_energy_stderr"]
    J = prog.physical.J.toarray().tolist()
    r, sr = simulate_reference(J, prog.physical.h.tolist(), part.tolist(), age_ns=latency,
                               period_ns=float(every_cycles), t_end=30000.0, seed=7)
    r += prog.physical.offset
    exact = ps.exact_law(RING, 1.0).mean_energy
    assert abs(e - r) / np.hypot(se, sr) < 4.5, (e, se, r, sr)
    # power: the link error is many error bars wide, so agreeing with the reference means something
    assert abs(e - exact) > 8 * se and abs(r - exact) > 4 * sr, (e, r, exact)
