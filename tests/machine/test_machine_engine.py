"""The event engine on a multi-chip machine: exact single-chip law with ideal links, and link delays that
match an independent plain-Python simulation of the read model (docs/multichip.md)."""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.engines import event as event_engine
from pbitsim.engines.options import EngineOptions, EventOptions
from pbitsim.engines.schedule import make_schedule
from pbitsim.errors import PbitsimError
from pbitsim.testing.conformance import assert_engine_conforms
from pbitsim.testing.engine_suite import random_ising

from reference_sim import simulate_reference
from tiny_machines import async_machine

PAIR_J = [[0.0, 1.0], [1.0, 0.0]]
PAIR_H = [0.2, -0.1]
PAIR = ps.IsingModel.from_dense(PAIR_J, PAIR_H)


def _clocked_machine(count):
    from pbitsim.machine.spec import machine_from_dict

    return machine_from_dict({"chips": {"type": "ideal", "count": count},
                              "links": {"latency_ns": 3.0, "bandwidth_spins_per_ns": 2.0}}, source="clocked.toml")


@pytest.mark.parametrize("reads", ["auto", "history"])
@pytest.mark.parametrize("kind", ["asynchronous", "clocked"])
def test_ideal_links_reproduce_the_single_chip_trajectory(tmp_path, kind, reads):
    """Ideal links: the machine's cached reads (auto) and its ring-buffer reads (history) are, bit for bit,
    the single chip's (the auto path is also checked against exact enumeration below, and with real links
    against the independent reference in test_split_reads.py)."""
    model = random_ising(7, seed=3)
    machine = (async_machine(tmp_path, count=3) if kind == "asynchronous" else _clocked_machine(3)).ideal_links()
    prog = ps.compile(model, machine, seed=1)
    assert prog.partition.cut_edges > 0 and prog.links.cross.any()
    single = ps.compile(model, machine.event_chip, seed=1)
    schedule = make_schedule(300, 10, 1, 4, 1.0, 11)
    options = EngineOptions(event=EventOptions(reads=reads))
    a = event_engine.run(prog, schedule, options)
    b = event_engine.run(single, schedule, options)
    assert a.engine == b.engine == f"event-{kind}"
    assert a.info["reads"] == b.info["reads"]
    assert a.info["reads"].startswith("history" if reads == "history" else "cached")
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.energies, b.energies)
    assert a.info["links"]["max_link_delay_ns"] == 0.0


def test_ideal_links_sample_the_exact_law(tmp_path):
    model = random_ising(6, seed=5)
    machine = async_machine(tmp_path, count=3).ideal_links()

    def run(m, seed):
        return ps.simulate(ps.compile(m, machine, seed=seed), sweeps=1500, burn_in=50, replicas=32, seed=seed)

    assert_engine_conforms(run, model, seed=3)          # incl. the power check at beta * 1.1


def _engine_energy(machine, seed=2):
    s = ps.simulate(ps.compile(PAIR, machine, seed=1), sweeps=2000, burn_in=50, replicas=32, seed=seed)
    return s.info["time_avg_energy"], s.info["time_avg_energy_stderr"]


@pytest.mark.parametrize("latency, bandwidth, every_cycles", [
    (0.25, 1e9, 0),       # streaming, short latency
    (1.0, 1e9, 0),        # latency = the neuron time
    (0.5, 2.0, 0),        # + serialization: 1 boundary spin at 2 spins/ns adds 0.5 ns
    (0.25, 1e9, 2),       # batched: snapshots every 2 ns
])
def test_link_reads_match_the_independent_reference(tmp_path, latency, bandwidth, every_cycles):
    machine = async_machine(tmp_path, latency_ns=latency, bandwidth=bandwidth, every_cycles=every_cycles)
    e, se = _engine_energy(machine)
    age = latency + 1.0 / bandwidth
    r, sr = simulate_reference(PAIR_J, PAIR_H, [0, 1], age_ns=age, period_ns=float(every_cycles),
                               t_end=30000.0, seed=7)
    exact = ps.exact_law(PAIR, 1.0).mean_energy
    z = abs(e - r) / np.hypot(se, sr)
    assert z < 4.5, (e, se, r, sr)
    # power: the link error is many error bars wide, so agreeing with the reference means something
    assert abs(e - exact) > 8 * se and abs(r - exact) > 4 * sr, (e, r, exact)


def test_error_rises_with_latency(tmp_path):
    exact = ps.exact_law(PAIR, 1.0).mean_energy
    errors, bars = [], []
    for latency in (0.0, 0.25, 1.0, 4.0):
        m = async_machine(tmp_path, latency_ns=max(latency, 1.0))
        m = m.ideal_links() if latency == 0.0 else m.with_params({"links.latency_ns": latency})
        e, se = _engine_energy(m)
        errors.append(e - exact)
        bars.append(se)
    assert abs(errors[0]) < 4 * bars[0]                         # the single-chip law
    for k in range(3):                                         # then each step many error bars up
        assert errors[k + 1] - errors[k] > 4 * np.hypot(bars[k], bars[k + 1]), (errors, bars)


def test_serialization_is_added_to_the_latency_exactly(tmp_path):
    """L = 0.25 ns with 1 boundary spin at 1 spin/ns reads exactly as L = 1.25 ns with unlimited bandwidth."""
    a = ps.simulate(ps.compile(PAIR, async_machine(tmp_path, latency_ns=0.25, bandwidth=1.0)), sweeps=200,
                    replicas=2, seed=4)
    b = ps.simulate(ps.compile(PAIR, async_machine(tmp_path, latency_ns=1.25, bandwidth=float("inf"))),
                    sweeps=200, replicas=2, seed=4)
    np.testing.assert_array_equal(a.states, b.states)
    assert a.info["links"]["links"][0]["serialization_ns"] == 1.0


def test_machine_needs_an_event_engine(tmp_path):
    prog = ps.compile(PAIR, async_machine(tmp_path))
    with pytest.raises(PbitsimError, match="a multi-chip machine runs on the event engine"):
        ps.simulate(prog, sweeps=10, engine="chromatic")


def test_compile_report_and_determinism(tmp_path):
    model = random_ising(12, seed=1, density=0.5)
    m = async_machine(tmp_path, count=3)
    a, b = ps.compile(model, m, seed=4), ps.compile(model, m, seed=4)
    np.testing.assert_array_equal(a.partition.part, b.partition.part)
    rep = a.report
    assert rep["machine"] == "test" and rep["n_chips"] == 3 and sum(rep["partition"]["load"]) == 12
    assert rep["partition"]["eta"] == pytest.approx(a.partition.cut_edges / a.logical.n_edges)
    assert isinstance(a, ps.Program)


def test_a_machine_program_refuses_to_be_saved_as_a_chip_program(tmp_path):
    prog = ps.compile(PAIR, async_machine(tmp_path), seed=1)
    with pytest.raises(PbitsimError, match="cannot be saved as a program file"):
        prog.save(str(tmp_path / "p.npz"))
    assert not (tmp_path / "p.npz").exists()
