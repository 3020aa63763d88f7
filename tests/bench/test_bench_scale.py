"""The scale benchmark section: one small case timed in process, rows, targets and the table."""

import pytest

from pbitsim.bench import scale
from pbitsim.bench.cli import add_arguments


def test_small_case_runs_and_reports_memory():
    row = scale.run_case("tiny-king", sweeps=4, topology={"kind": "king", "shape": [12, 10]})
    assert row["n"] == 120 and row["edges"] == 4 * 120 - 3 * 22 + 2 and row["colours"] == 4
    assert row["build_s"] > 0 and row["compile_s"] > 0 and row["sweeps_s"] > 0
    assert row["peak_rss_bytes"] > 10**7
    done = scale._finish(dict(row))
    assert done["bytes_per_pbit"] == pytest.approx(row["peak_rss_bytes"] / 120)
    assert done["total_s"] == pytest.approx(row["build_s"] + row["compile_s"] + row["sweeps_s"])


def test_targets_and_table():
    base = {"case": "pegasus-P206", "n": 1_000_000, "edges": 7_000_000, "colours": 4, "sweeps": 100}
    good = scale._finish({**base, "build_s": 2.0, "compile_s": 3.0, "sweeps_s": 4.0, "peak_rss_bytes": 1.2e9})
    slow_setup = scale._finish({**base, "build_s": 10.0, "compile_s": 11.0, "sweeps_s": 4.0,
                                "peak_rss_bytes": 1.2e9})
    fat = scale._finish({**base, "build_s": 2.0, "compile_s": 3.0, "sweeps_s": 4.0, "peak_rss_bytes": 1.6e9})
    assert good["meets_targets"] and not slow_setup["meets_targets"] and not fat["meets_targets"]
    assert good["setup_over_sweeps"] == pytest.approx(1.25) and good["bytes_per_pbit"] == pytest.approx(1200)
    table = scale.format_scale_table([good, {"case": "king-3163x3163", "error": "MemoryError"}])
    assert "| pegasus-P206 | 1,000,000 |" in table and "met" in table and "error: MemoryError" in table


def test_cli_selects_the_section():
    import argparse

    args = add_arguments(argparse.ArgumentParser()).parse_args(["--scale-big"])
    assert args.scale_big and not args.scale
    assert set(scale.SCALE_CASES) == {"pegasus-P206", "king-1000x1000"}
    assert all(scale.BIG_CASES[k]["shape"][0] ** 2 > 10**7 - 10**5 for k in scale.BIG_CASES)
