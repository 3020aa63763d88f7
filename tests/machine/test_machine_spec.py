"""Machine descriptions: shipped files load, overrides re-validate, and every bad input is one clear error."""
import math

import pytest

import pbitsim as ps
from pbitsim.errors import ChipSpecError, PbitsimError
from pbitsim.machine.spec import machine_from_dict, shipped_machine_names
from pbitsim.models import IsingModel

from tiny_machines import async_machine


def _machine(**tables):
    data = {"chips": {"type": "ideal", "count": 4}, "links": {"latency_ns": 10.0, "bandwidth_spins_per_ns": 2.0}}
    for k, v in tables.items():
        data[k] = {**data.get(k, {}), **v} if isinstance(v, dict) else v
    return machine_from_dict(data, source="m.toml")


def test_shipped_machines_load_by_name():
    assert {"fpga-quad", "async-pair"} <= set(shipped_machine_names())
    quad = ps.load_machine("fpga-quad")
    assert quad.count == 4 and quad.chip.name == "fpga-sparse-ising" and quad.capacity == 680
    assert [(ln.a, ln.b) for ln in quad.links] == [(0, 1), (0, 3), (1, 2), (2, 3)]          # a ring
    # 32 bits per cycle at 125 MHz = 4 spins per ns
    assert all(math.isclose(ln.bandwidth_spins_per_ns, 4.0) for ln in quad.links)
    assert quad.exchange_period_ns == 0.0 and quad.event_chip.clock.mode == "clocked"
    pair = ps.load_machine("async-pair")
    assert pair.policy == "batched" and math.isclose(pair.exchange_period_ns, 4 * pair.cycle_ns)
    assert pair.event_chip.topology.kind == "model" and pair.event_chip.clock.mode == "asynchronous"


def test_generated_topologies_and_explicit_overrides():
    line = _machine(links={"topology": "line"})
    assert [(ln.a, ln.b) for ln in line.links] == [(0, 1), (1, 2), (2, 3)]
    assert len(_machine().links) == 6                                                         # all to all
    m = _machine(links={"topology": "explicit"}, link=[{"between": [0, 1], "latency_ns": 3.0},
                                                        {"between": [2, 1]}, {"between": [3, 2]}])
    assert [(ln.a, ln.b, ln.latency_ns) for ln in m.links] == [(0, 1, 3.0), (1, 2, 10.0), (2, 3, 10.0)]


def test_with_params_revalidates():
    m = _machine().with_params({"links.latency_ns": 50.0, "chips.count": 8, "exchange.policy": "batched",
                                "exchange.every_cycles": 3})
    assert m.count == 8 and {ln.latency_ns for ln in m.links} == {50.0} and m.exchange_period_ns == 3.0
    with pytest.raises(ChipSpecError, match="latency_ns = 0.0 must be > 0"):
        _machine().with_params({"links.latency_ns": 0.0})
    with pytest.raises(ChipSpecError, match="must be .section.key."):
        _machine().with_params({"latency_ns": 1.0})


@pytest.mark.parametrize("tables, message", [
    ({"link": [{"between": [0, 7]}]}, r"\[\[link\]\] 1 between = \[0, 7\]: unknown link endpoint chip 7 "
                                      r"\(the machine has chips 0..3\)"),
    ({"link": [{"between": [-1, 2]}]}, "unknown link endpoint chip -1"),
    ({"link": [{"between": [1, 1]}]}, "joins a chip to itself"),
    ({"links": {"latency_ns": 0.0}}, r"\[links\] latency_ns = 0.0 must be > 0"),
    ({"links": {"latency_ns": -5.0}}, r"\[links\] latency_ns = -5.0 must be > 0"),
    ({"links": {"bandwidth_spins_per_ns": 0.0}}, r"\[links\] bandwidth_spins_per_ns = 0.0 must be > 0"),
    ({"links": {"bandwidth_spins_per_ns": -1.0}}, "must be > 0"),
    ({"link": [{"between": [0, 1], "bandwidth_bits_per_cycle": 0}]}, "bandwidth_bits_per_cycle = 0 must be > 0"),
    ({"link": [{"between": [0, 1], "latency_ns": -1.0}]}, r"\[\[link\]\] latency_ns = -1.0 must be > 0"),
    ({"links": {"bandwidth_bits_per_cycle": 4.0}}, "gives both bandwidth_spins_per_ns and bandwidth_bits_per_cycle"),
    ({"link": [{"between": [0, 1]}, {"between": [1, 0]}]}, "chips 0 and 1 are linked twice"),
    ({"links": {"topology": "explicit"}, "link": [{"between": [0, 1]}]}, "chip 2 has no route to chip 0"),
    ({"links": {"topology": "mesh"}}, "topology = 'mesh' is not allowed; allowed values: all_to_all"),
    ({"chips": {"count": 0}}, r"\[chips\] count = 0 must be >= 1"),
    ({"chips": {"type": "no-such-chip"}}, r"\[chips\] type = 'no-such-chip': unknown chip"),
    ({"chips": {"type": "ideal", "colour": 1}}, "unknown key 'colour' in \\[chips\\]"),
    ({"exchange": {"every_cycles": 4}}, "every_cycles = 4 applies to policy = 'batched' only"),
    ({"exchange": {"policy": "batched", "every_cycles": 0}}, "every_cycles = 0 must be >= 1"),
    ({"wires": {}}, "unknown key or section 'wires'"),
])
def test_bad_machine_is_one_clear_error(tables, message):
    with pytest.raises(ChipSpecError, match=message) as info:
        _machine(**tables)
    assert str(info.value).startswith("m.toml: ") and "\n" not in str(info.value)


def test_missing_bandwidth_and_clockless_chip_type():
    with pytest.raises(ChipSpecError, match="needs a bandwidth"):
        machine_from_dict({"chips": {"type": "ideal", "count": 2}, "links": {"latency_ns": 1.0}}, source="m.toml")
    from pbitsim.chip.spec import load_chip
    import os
    import tempfile

    d = load_chip("ideal").to_dict()
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "seq.toml"), "w") as f:
            f.write('[topology]\nkind = "model"\n[clock]\nmode = "sequential"\n')
        with pytest.raises(ChipSpecError, match="clock mode 'sequential', which has no chip time"):
            machine_from_dict({"chips": {"type": "seq.toml"}, "links": {"bandwidth_spins_per_ns": 1.0}},
                              source="m.toml", base_dir=tmp)
    assert d["clock"]["mode"] == "chromatic"


def test_unknown_machine_name_and_missing_file(tmp_path):
    with pytest.raises(ChipSpecError, match="unknown machine 'nope'; shipped machines: .*fpga-quad"):
        ps.load_machine("nope")
    with pytest.raises(ChipSpecError, match="no such machine description file"):
        ps.load_machine(str(tmp_path / "absent.toml"))


def _no_work(monkeypatch):
    """Make compiling or partitioning fail loudly: the error must come before any work."""
    import pbitsim.compiler.pipeline as pipeline
    import pbitsim.machine.program as program

    def boom(*a, **k):
        raise AssertionError("work started before the input was checked")

    monkeypatch.setattr(pipeline, "_physical_model", boom)
    monkeypatch.setattr(program, "partition_model", boom)


def test_more_chips_than_pbits_fails_before_any_work(tmp_path, monkeypatch):
    _no_work(monkeypatch)
    model = IsingModel.from_dense([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    with pytest.raises(PbitsimError, match="has 4 chips but the model has only 3 p-bits"):
        ps.compile(model, async_machine(tmp_path, count=4))


def test_model_beyond_capacity_fails_before_any_work(tmp_path, monkeypatch):
    _no_work(monkeypatch)
    model = IsingModel.from_dense([[0.0] * 9 for _ in range(9)])
    m = async_machine(tmp_path, count=2, chips={"type": "async-ideal.toml", "count": 2, "capacity": 4})
    with pytest.raises(PbitsimError, match=r"model has 9 p-bits, machine 'test' holds 2 x 4 = 8: the partition "
                                           "cannot fit the chips' capacity"):
        ps.compile(model, m)


def test_machine_takes_no_embedding(tmp_path):
    model = IsingModel.from_dense([[0, 1], [1, 0]])
    with pytest.raises(PbitsimError, match="method must be 'auto' or 'identity'"):
        ps.compile(model, async_machine(tmp_path), method="embed")


def test_cli_bad_machine_is_one_line(tmp_path, capsys):
    from pbitsim.cli import main

    bad = tmp_path / "bad.toml"
    bad.write_text('[chips]\ntype = "ideal"\ncount = 2\n[links]\nlatency_ns = 1.0\nbandwidth_spins_per_ns = 1.0\n'
                   '[[link]]\nbetween = [0, 5]\n')
    assert main(["partition", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown link endpoint chip 5" in err, err
