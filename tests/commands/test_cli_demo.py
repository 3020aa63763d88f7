"""`pbitsim demo` runs end to end, its outputs are real (README's first command), and it is all or nothing."""
import json
import math
import os
import sys

import pytest

import pbitsim.commands.demo as demo
from pbitsim.cli import main
from pbitsim.export import read_export

FAST = ["--estimates", "8", "--samples", "60", "--scale-seconds", "3"]      # the demo at reduced size


def leaves(obj, path="summary"):
    """Every ``(path, value)`` leaf of a JSON document."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from leaves(v, f"{path}[{i}]")
    else:
        yield path, obj


def test_leaves_check_catches_a_null():
    bad = {"snr": {"ideal": {"tau_int_gradient_median": None, "q_ci": [1.0, float("nan")]}}}
    assert [p for p, v in leaves(bad) if v is None or (isinstance(v, float) and not math.isfinite(v))] == [
        "summary.snr.ideal.tau_int_gradient_median", "summary.snr.ideal.q_ci[1]"]


def test_demo_outputs_exist_and_are_non_trivial(tmp_path, capsys):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "keep.txt").write_text("a user's file")       # an existing folder: results move in beside it
    assert main(["demo", "--out", str(out), *FAST]) == 0
    captured = capsys.readouterr()
    text = captured.out
    assert "fpga-sparse-ising" in text and "Q" in text
    assert captured.err == ""                           # no progress bar when stderr is not a terminal
    png = out / "snr_comparison.png"
    assert png.exists() and png.stat().st_size > 5000
    summary = json.loads((out / "summary.json").read_text())
    # every field is set: no null, no NaN/inf (a renamed report key would show up here as null)
    missing = [p for p, v in leaves(summary) if v is None or (isinstance(v, float) and not math.isfinite(v))]
    assert not missing, missing
    assert set(summary["snr"]) == {"ideal", "fpga-sparse-ising", "fpga-sparse-ising-percentile-rule"}
    # the demo's program is the scale policy's; today's percentile rule is the comparison row
    assert summary["compile"]["scale_policy"] == demo.DEMO_SCALE_POLICY == "law"
    assert 0 <= summary["compile"]["saturation_rate"] <= 1 and 0 <= summary["compile"]["fraction_zeroed_J"] < 1
    assert "percentile rule (comparison)" in text and "hidden KL" in text
    for row in summary["snr"].values():
        assert row["hidden_kl"] >= 0
    assert summary["snr"]["ideal"]["hidden_kl"] < 0.05 < summary["snr"]["fpga-sparse-ising-percentile-rule"]["hidden_kl"]
    for chip, row in summary["snr"].items():
        assert row["tau_int_gradient_median"] >= 1 and row["q_hat_ci"][0] <= row["q_hat"] <= row["q_hat_ci"][1]
        report = json.loads((out / f"snr_{chip}.json").read_text())
        assert row["tau_int_gradient_median"] == report["autocorrelation"]["gradient_observables"]["tau_median"]
    # the FPGA chip's gradient is measurably worse than the ideal chip's
    assert summary["snr"]["fpga-sparse-ising"]["q"] < summary["snr"]["ideal"]["q"]
    manifest = json.loads((out / "fpga-export" / "manifest.json").read_text())
    for f in manifest["files"]:
        assert os.path.getsize(out / "fpga-export" / f["name"]) > 0
    program = read_export(out / "fpga-export")          # the export reads back and verifies
    assert program.n_physical == summary["compile"]["n_physical"]
    assert (out / "keep.txt").read_text() == "a user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]       # no temporary folder left


@pytest.mark.parametrize("error, existing", [(KeyboardInterrupt, False), (OSError, True)])
def test_interrupted_or_failed_demo_leaves_nothing(tmp_path, monkeypatch, capsys, existing, error):
    """Ctrl-C (or a failure) after program.npz is written: no output folder, or an existing one untouched.

    On a terminal (faked) the progress bar shows the stage it stopped in; it is silent otherwise.
    """
    monkeypatch.setattr(type(sys.stderr), "isatty", lambda self: error is KeyboardInterrupt, raising=False)
    out = tmp_path / "demo"
    if existing:
        out.mkdir()
        (out / "keep.txt").write_text("old")

    def fail(*args, **kwargs):
        assert any(p.name == "program.npz" for p in tmp_path.rglob("program.npz"))   # a late step
        raise error("stop")

    monkeypatch.setattr(demo, "gradient_snr", fail)
    assert main(["demo", "--out", str(out), *FAST]) == (130 if error is KeyboardInterrupt else 2)
    err = capsys.readouterr().err
    if error is KeyboardInterrupt:
        assert "interrupted" in err and "demo: SNR on the ideal chip" in err
    else:
        assert err.startswith("pbitsim demo: error: stop") and "demo:" not in err.replace("pbitsim demo:", "")
    assert sorted(p.name for p in tmp_path.iterdir()) == (["demo"] if existing else [])
    if existing:
        assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_demo_refuses_a_file_as_out(tmp_path, capsys):
    target = tmp_path / "f"
    target.write_text("x")
    assert main(["demo", "--out", str(target), *FAST]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]
