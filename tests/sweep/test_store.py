"""Damaged point files are set aside and recomputed; temp files of interrupted writes are cleaned."""
import json
import os

import pytest

import pbitsim.sweep.runner as runner
from pbitsim.cli import main as cli_main
from pbitsim.sweep import load_sweep, run_sweep

SWEEP = """
name = "store"
chip = "king-lattice"
model = "spin_glass"
metrics = ["energy"]
seed = 5
[run]
sweeps = 100
burn_in = 10
replicas = 2
[grid]
"clock.frequency_mhz" = [100.0, 200.0, 300.0]
"""


def _table(rows):
    return [{k: v for k, v in r.items() if k not in ("wall_s", "flips_per_s")} for r in rows]


@pytest.fixture
def finished(tmp_path):
    (tmp_path / "sweep.toml").write_text(SWEEP)
    spec = load_sweep(str(tmp_path / "sweep.toml"))
    out = tmp_path / "out"
    rows = run_sweep(spec, str(out), workers=0, progress=False)
    files = sorted(f for f in os.listdir(out / "points") if f.endswith(".json"))
    assert len(files) == 3
    return spec, out, files, _table(rows)


@pytest.mark.parametrize("damage", [
    b"",                                        # `: > file`
    b'{"params": {"clock.frequency_mhz": 1',     # truncated write
    b"\x00\xff garbage",                         # not text
    b"[]",                                       # JSON, not a record
])
def test_damaged_point_is_set_aside_and_recomputed(finished, monkeypatch, damage):
    spec, out, files, reference = finished
    (out / "points" / files[1]).write_bytes(damage)
    calls = []
    real = runner.evaluate_point
    monkeypatch.setattr(runner, "evaluate_point", lambda task: calls.append(task) or real(task))
    lines = []
    rows = run_sweep(spec, str(out), workers=0, progress=False, log=lines.append)
    assert len(calls) == 1
    assert _table(rows) == reference
    moved = out / "points" / "corrupt" / files[1]
    assert moved.read_bytes() == damage
    assert "1 damaged point file(s) set aside in" in lines[0] and "corrupt" in lines[0]
    assert json.loads((out / "points" / files[1]).read_text())["key"] == files[1][:-5]


def test_record_with_a_missing_metric_or_foreign_key_is_damaged(finished):
    spec, out, files, reference = finished
    rec = json.loads((out / "points" / files[0]).read_text())
    del rec["metrics"]["energy"]
    (out / "points" / files[0]).write_text(json.dumps(rec))
    other = json.loads((out / "points" / files[2]).read_text())
    (out / "points" / files[1]).write_text(json.dumps(other))       # a valid record under the wrong name
    rows = run_sweep(spec, str(out), workers=0, progress=False)
    assert _table(rows) == reference
    assert sorted(os.listdir(out / "points" / "corrupt")) == sorted(files[:2])


def test_leftover_temp_files_are_removed(finished):
    spec, out, files, reference = finished
    stale = [out / "points" / f".{files[0]}.k3j2h1.tmp", out / ".results.json.abc123.tmp"]
    for p in stale:
        p.write_text('{"half": ')
    lines = []
    rows = run_sweep(spec, str(out), workers=0, progress=False, log=lines.append)
    assert not any(p.exists() for p in stale)
    assert "2 leftover temp file(s) removed" in lines[0] and "3 points reused, 0 to compute" in lines[0]
    assert _table(rows) == reference


def test_cli_resume_of_an_emptied_point_file_has_no_traceback(finished, capsys):
    spec, out, files, reference = finished
    (out / "points" / files[2]).write_bytes(b"")
    rc = cli_main(["sweep", spec.source, "--out", str(out), "--workers", "0", "--no-plot"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "Traceback" not in captured.err and "set aside in" in captured.out
    assert json.loads((out / "results.json").read_text())[2]["energy"] == reference[2]["energy"]
