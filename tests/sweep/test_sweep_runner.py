"""Sweeps: resume after a real kill gives the same table; Dask LocalCluster == local pool; bad specs fail early."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from pbitsim.sweep import SweepSpecError, load_sweep, parse_sweep, run_sweep

SWEEP = """
name = "resume"
chip = "king-lattice"
model = "spin_glass"
metrics = ["energy", "magnetization"]
repeats = 3
seed = 7
[run]
sweeps = 400
burn_in = 20
replicas = 2
[grid]
"clock.frequency_mhz" = [100.0, 200.0]
"clock.colouring" = ["auto", "smallest_last"]
"""


def _write(tmp_path, text, name="sweep.toml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def _table(rows):
    drop = {"flips_per_s", "wall_s"}
    return [{k: v for k, v in r.items() if k not in drop} for r in rows]


def test_killed_sweep_resumes_to_identical_table(tmp_path):
    path = _write(tmp_path, SWEEP)
    spec = load_sweep(path)
    reference = _table(run_sweep(spec, str(tmp_path / "ref"), workers=0, progress=False))
    assert len(reference) == 12
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "pbitsim.cli", "sweep", path, "--out", str(out), "--workers", "0", "--no-plot"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    points = out / "points"
    deadline = time.time() + 120
    while time.time() < deadline:
        if points.exists() and len([f for f in os.listdir(points) if f.endswith(".json")]) >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = [f for f in os.listdir(points) if f.endswith(".json")]
    assert 3 <= len(done) < 12, "the kill must land mid-sweep"
    for f in done:  # every file that exists is complete JSON (atomic writes)
        json.loads((points / f).read_text())
    resumed = run_sweep(spec, str(out), workers=0, progress=False)
    assert _table(resumed) == reference
    assert len(os.listdir(points)) == 12  # nothing duplicated, no temp files left


def test_rerun_skips_finished_points(tmp_path, monkeypatch):
    spec = load_sweep(_write(tmp_path, SWEEP))
    run_sweep(spec, str(tmp_path / "o"), workers=0, progress=False, max_points=5)
    import pbitsim.sweep.runner as runner

    calls = []
    real = runner.evaluate_point
    monkeypatch.setattr(runner, "evaluate_point", lambda task: calls.append(task) or real(task))
    rows = run_sweep(spec, str(tmp_path / "o"), workers=0, progress=False)
    assert len(calls) == 7 and len(rows) == 12


def test_dask_local_cluster_matches_local_pool(tmp_path):
    text = SWEEP.replace("repeats = 3", "repeats = 1")
    spec = load_sweep(_write(tmp_path, text))
    pool = _table(run_sweep(spec, str(tmp_path / "pool"), workers=2, progress=False))
    dask = _table(run_sweep(spec, str(tmp_path / "dask"), workers=2, scheduler="local", progress=False))
    assert pool == dask and len(pool) == 4


BAD = [
    ('"clock.nonsense" = [1, 2]', "nonsense"),
    ('"weights.total_bits" = [1, 6]', "total_bits"),
    ('"clock.mode" = []', "non-empty"),
    ('"rng.kind" = ["lfsr16"]', "rng"),
]


@pytest.mark.parametrize("grid_line,needle", BAD)
def test_bad_grid_fails_before_work(tmp_path, grid_line, needle):
    text = SWEEP.split("[grid]")[0] + "[grid]\n" + grid_line + "\n"
    with pytest.raises(SweepSpecError, match=needle) as exc:
        load_sweep(_write(tmp_path, text))
    assert "sweep.toml" in str(exc.value)


@pytest.mark.parametrize("patch,needle", [
    ({"metrics": ["energy", "speed"]}, "speed"),
    ({"metrics": []}, "metrics"),
    ({"grid": {}}, "no parameters"),
    ({"points": [{}]}, "points"),
    ({"points": [{"clock.frequency_mhz": 5.0}]}, "appears in"),
    ({"repeats": 0}, "repeats"),
    ({"run": {"sweeps": "many"}}, "sweeps"),
    ({"bogus": 1}, "bogus"),
    ({"zip": {"clock.jitter_ps": [1.0, 2.0], "clock.skew_ps": [0.0]}}, "equal lengths"),
    ({"zip": {"clock.frequency_mhz": [1.0]}}, "both"),
])
def test_bad_spec_keys(patch, needle):
    data = {"chip": "ideal", "model": "demo_rbm", "metrics": ["energy"], "grid": {"clock.frequency_mhz": [1.0]}}
    data.update(patch)
    with pytest.raises(SweepSpecError, match=needle):
        parse_sweep(data, source="bad.toml")


def test_explicit_points_are_crossed_with_the_grid():
    data = {"chip": "ideal", "model": "demo_rbm", "metrics": ["energy"], "repeats": 2,
            "grid": {"clock.frequency_mhz": [100.0, 200.0]},
            "points": [{"rng.kind": "ideal"}, {"rng.kind": "xoroshiro", "rng.output_bits": 16}]}
    spec = parse_sweep(data, source="pts.toml")
    pts = spec.points()
    assert len(pts) == 2 * 2 * 2
    assert {p.param_dict.get("rng.output_bits") for p in pts} == {None, 16}
    assert len({spec.point_key(p) for p in pts}) == len(pts)
