"""`pbitsim demo` runs end to end and its outputs are real (README's first command)."""
import json
import math
import os

from pbitsim.cli import main
from pbitsim.export import read_export


def test_demo_outputs_exist_and_are_non_trivial(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--estimates", "8", "--samples", "60"]) == 0
    text = capsys.readouterr().out
    assert "fpga-sparse-ising" in text and "Q" in text
    png = out / "snr_comparison.png"
    assert png.exists() and png.stat().st_size > 5000
    summary = json.loads((out / "summary.json").read_text())
    for chip, row in summary["snr"].items():
        for key in ("q", "q_hat", "bias_sq", "variance"):
            assert row[key] is not None and math.isfinite(row[key]), (chip, key)
    # the FPGA chip's gradient is measurably worse than the ideal chip's
    assert summary["snr"]["fpga-sparse-ising"]["q"] < summary["snr"]["ideal"]["q"]
    manifest = json.loads((out / "fpga-export" / "manifest.json").read_text())
    for f in manifest["files"]:
        assert os.path.getsize(out / "fpga-export" / f["name"]) > 0
    program = read_export(out / "fpga-export")          # the export reads back and verifies
    assert program.n_physical == summary["compile"]["n_physical"]
