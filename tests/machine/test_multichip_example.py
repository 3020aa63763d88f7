"""docs/examples/multichip_sweep.toml: validates at full size (~10^5 p-bits over 4 and 16 chips) and runs
reduced (a 12 x 12 King's graph on the same machine) with its numbers checked and its plots drawn."""
import math
import os
import pathlib
import tomllib

import matplotlib.pyplot as plt
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.machine.partition import check_fits_machine
from pbitsim.sweep import load_sweep, parse_sweep, run_sweep
from pbitsim.sweep.plots import sweep_figures
from pbitsim.topologies import topology_size

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
EXAMPLE = os.path.join(ROOT, "docs", "examples", "multichip_sweep.toml")


def test_example_validates_at_full_size():
    spec = load_sweep(EXAMPLE)
    assert spec.machine == "king-cluster" and len(spec.points()) == 24
    machine = ps.load_machine(spec.machine)
    n = topology_size(machine.chip.topology.kind, machine.chip.topology.param_dict).n_nodes
    assert n == 316 * 316                                        # ~10^5 p-bits
    for count in spec.grid["machine.chips.count"]:
        assert 4 <= count <= 16
        check_fits_machine(n, machine.with_params({"machine.chips.count": count}))


def _reduced(tmp_path):
    """The example on a 12 x 12 King's-graph chip type (capacity 72: 2+ boards), 2 values per axis."""
    chip = pathlib.Path(ROOT, "machines", "chips", "king-316.toml").read_text()
    (tmp_path / "king-16.toml").write_text(chip.replace("shape = [316, 316]", "shape = [12, 12]"))
    m = pathlib.Path(ROOT, "machines", "king-cluster.toml").read_text()
    (tmp_path / "cluster.toml").write_text(m.replace('type = "chips/king-316.toml"', 'type = "king-16.toml"')
                                           .replace("capacity = 32768", "capacity = 72"))
    with open(EXAMPLE, "rb") as f:
        data = tomllib.load(f)
    data["machine"] = str(tmp_path / "cluster.toml")
    data["run"] = {**data["run"], "sweeps": 200, "replicas": 8}
    grid = data["grid"]
    data["grid"] = {"machine.links.latency_ns": [grid["machine.links.latency_ns"][0],
                                                 grid["machine.links.latency_ns"][-1]],
                    "machine.exchange.every_cycles": [16],
                    "machine.chips.count": [grid["machine.chips.count"][0], grid["machine.chips.count"][-1]]}
    return parse_sweep(data, source=EXAMPLE, base_dir=str(tmp_path))


def test_reduced_example_numbers_and_plots(tmp_path):
    spec = _reduced(tmp_path)
    rows = run_sweep(spec, str(tmp_path / "out"), workers=0, progress=False)
    assert len(rows) == 4
    by = {(r["machine.links.latency_ns"], r["machine.chips.count"]): r for r in rows}
    for r in rows:
        for m in spec.metrics:
            assert np.isfinite(r[m]), (m, r)
    for count in (4, 16):
        near, far = by[(5.0, count)], by[(400.0, count)]
        # the error rises with latency, many error bars up, and the gradient SNR drops with it
        assert far["energy_error"] - near["energy_error"] > 4 * math.hypot(far["energy_error_err"],
                                                                           near["energy_error_err"]), (near, far)
        assert far["energy_error"] > 5 * far["energy_error_err"]
        assert far["snr_loss_db"] > near["snr_loss_db"] and far["snr_loss_db"] > 1.0
        assert far["max_link_delay_ns"] >= 400.0 > near["max_link_delay_ns"] >= 5.0
    for lat in (5.0, 400.0):
        few, many = by[(lat, 4)], by[(lat, 16)]
        assert many["eta"] > 1.5 * few["eta"] > 0                 # more chips cut more couplings ...
        assert many["energy_error"] > few["energy_error"]        # ... and cost more
    figs = dict(sweep_figures(str(tmp_path / "out")))
    for stem in ("energy_error_vs_eta", "snr_loss_db_vs_eta", "energy_error_vs_machine.links.latency_ns"):
        ax = figs[stem].axes[0]
        lines = [c.lines[0] for c in ax.containers]
        assert lines and all(len(ln.get_xdata()) == 2 and np.isfinite(ln.get_ydata()).all() for ln in lines)
        assert ax.get_xlabel() and ax.get_ylabel()
    assert "ns" in figs["energy_error_vs_machine.links.latency_ns"].axes[0].get_xlabel()
    for fig in figs.values():
        plt.close(fig)


def test_machine_sweep_bad_input(tmp_path):
    base = {"machine": "fpga-quad", "model": "spin_glass", "metrics": ["eta"], "grid": {"machine.chips.count": [2]}}
    with pytest.raises(ps.PbitsimError, match="give 'chip' or 'machine', not both"):
        parse_sweep({**base, "chip": "ideal"}, source="s.toml")
    with pytest.raises(ps.PbitsimError, match="unknown metric 'kl'; allowed on a machine: energy_error"):
        parse_sweep({**base, "metrics": ["kl"]}, source="s.toml")
    with pytest.raises(ps.PbitsimError, match=r"latency_ns = -1.0 must be > 0"):
        parse_sweep({**base, "grid": {"machine.links.latency_ns": [-1.0]}}, source="s.toml")
    with pytest.raises(ps.PbitsimError, match="unknown machine 'nope'"):
        parse_sweep({**base, "machine": "nope"}, source="s.toml")
