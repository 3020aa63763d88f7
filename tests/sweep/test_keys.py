"""Point keys cover input *contents*: editing the chip file recomputes exactly the affected points."""
import os
import shutil

import numpy as np

import pbitsim.sweep.runner as runner
from pbitsim.sweep import load_sweep, run_sweep
from pbitsim.sweep.keys import point_keys
from pbitsim.sweep.store import plan_sweep

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "examples")

CHIP = """
name = "editable"
description = "a LUT datapath on the model's graph"
[topology]
kind = "model"
[pbit]
activation = "lut"
lut_input_bits = 5
[weights]
format = "fixed"
total_bits = 8
frac_bits = 3
"""

SWEEP = """
name = "edit"
chip = "chip.toml"
model = "glass.npz"
metrics = ["energy", "magnetization"]
seed = 3
[run]
sweeps = 150
burn_in = 10
replicas = 2
[[points]]
"pbit.lut_input_bits" = 3      # overrides the key edited below: its chip does not change
[[points]]
"rng.kind" = "xoroshiro"       # inherits lut_input_bits from the file: its chip changes
"""


def _setup(tmp_path):
    (tmp_path / "chip.toml").write_text(CHIP)
    shutil.copy(os.path.join(EXAMPLES, "small_glass.npz"), tmp_path / "glass.npz")
    (tmp_path / "sweep.toml").write_text(SWEEP)
    return str(tmp_path / "sweep.toml")


def _counting(monkeypatch):
    calls = []
    real = runner.evaluate_point
    monkeypatch.setattr(runner, "evaluate_point", lambda task: calls.append(dict(task["params"])) or real(task))
    return calls


def test_editing_the_chip_file_recomputes_exactly_the_affected_points(tmp_path, monkeypatch):
    path = _setup(tmp_path)
    out = str(tmp_path / "out")
    first = run_sweep(load_sweep(path), out, workers=0, progress=False)
    assert len(first) == 2

    (tmp_path / "chip.toml").write_text(CHIP.replace("lut_input_bits = 5", "lut_input_bits = 2"))
    spec = load_sweep(path)
    plan = plan_sweep(spec, out, point_keys(spec))
    assert plan.reused == 1 and [p.param_dict for p in plan.todo] == [{"rng.kind": "xoroshiro"}]
    calls = _counting(monkeypatch)
    lines = []
    second = run_sweep(spec, out, workers=0, progress=False, log=lines.append)
    assert calls == [{"rng.kind": "xoroshiro"}]
    assert "1 points reused, 1 to compute" in lines[0]
    assert second[0] == first[0]                           # the overriding point: same result
    assert second[1]["energy"] != first[1]["energy"]       # a 2-bit table samples a different law


def test_cosmetic_edits_reuse_and_content_edits_recompute(tmp_path, monkeypatch):
    path = _setup(tmp_path)
    out = str(tmp_path / "out")
    run_sweep(load_sweep(path), out, workers=0, progress=False)
    calls = _counting(monkeypatch)

    (tmp_path / "chip.toml").write_text(CHIP.replace("a LUT datapath", "renamed").replace("editable", "x"))
    run_sweep(load_sweep(path), out, workers=0, progress=False)
    assert calls == []                                     # name/description do not change a result

    with np.load(tmp_path / "glass.npz") as z:             # same path, new bytes
        arrays = {k: z[k] for k in z.files}
    arrays["h"] = arrays["h"] + 0.25
    np.savez(tmp_path / "glass.npz", **arrays)
    run_sweep(load_sweep(path), out, workers=0, progress=False)
    assert len(calls) == 2

    calls.clear()
    (tmp_path / "sweep.toml").write_text(SWEEP.replace("sweeps = 150", "sweeps = 160"))
    run_sweep(load_sweep(path), out, workers=0, progress=False)
    assert len(calls) == 2

    calls.clear()
    (tmp_path / "sweep.toml").write_text(SWEEP.replace("sweeps = 150", "sweeps = 160\nestimates = 3"))
    run_sweep(load_sweep(path), out, workers=0, progress=False)
    assert calls == []                                     # estimates is read by gradient metrics only


def test_keys_change_with_metric_semantics(tmp_path, monkeypatch):
    import pbitsim.sweep.keys as keys

    spec = load_sweep(_setup(tmp_path))
    before = point_keys(spec)
    monkeypatch.setattr(keys, "SEMANTICS_VERSION", keys.SEMANTICS_VERSION + 1)
    after = point_keys(spec)
    assert all(before[p] != after[p] for p in before)
    assert len(set(before.values())) == len(before)
