"""Bad input fails before any work and before anything is created: exit 2, one line naming the problem,
no traceback, nothing written."""
import os

import numpy as np
import pytest

from pbitsim.cli import main as cli_main

EXAMPLES = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "examples"))

GOOD = f"""
name = "checks"
chip = "ideal"
model = "{EXAMPLES}/small_glass.npz"
metrics = ["energy", "kl"]
[run]
sweeps = 50
burn_in = 5
replicas = 2
[grid]
"pbit.gain_sigma" = [0.0, 0.1]
"""


def _nan_model(tmp_path):
    J = np.zeros((3, 3))
    J[0, 1] = J[1, 0] = np.nan
    np.savez(tmp_path / "nan.npz", J=J, h=np.zeros(3))
    return str(tmp_path / "nan.npz")


CASES = {
    "negative sweeps": (lambda t: GOOD.replace("sweeps = 50", "sweeps = -10"), "sweeps"),
    "zero replicas": (lambda t: GOOD.replace("replicas = 2", "replicas = 0"), "replicas"),
    "bad beta": (lambda t: GOOD.replace("burn_in = 5", "burn_in = 5\nbeta = -1.0"), "beta"),
    "kl on a large model": (lambda t: GOOD.replace(f'"{EXAMPLES}/small_glass.npz"', '"demo_rbm"'), "kl"),
    "NaN model": (lambda t: GOOD.replace(f"{EXAMPLES}/small_glass.npz", _nan_model(t)), "nan"),
    "missing model": (lambda t: GOOD.replace("small_glass.npz", "nope.npz"), "nope.npz"),
    "missing data file": (lambda t: GOOD.replace('"energy", "kl"', '"Q_hat"').replace(
        "burn_in = 5", 'burn_in = 5\ndata = "nodata.npz"'), "data"),
    "data of the wrong width": (lambda t: GOOD.replace('"energy", "kl"', '"Q"'), "data"),
}


def _run(argv, capsys):
    rc = cli_main(argv)
    captured = capsys.readouterr()
    return rc, captured.err.strip().splitlines()


@pytest.mark.parametrize("case", list(CASES))
def test_bad_sweep_fails_before_creating_anything(tmp_path, capsys, case):
    make, needle = CASES[case]
    (tmp_path / "s.toml").write_text(make(tmp_path))
    out = tmp_path / "out"
    rc, err = _run(["sweep", str(tmp_path / "s.toml"), "--out", str(out), "--workers", "0"], capsys)
    assert rc == 2
    assert len(err) == 1 and needle in err[0].lower() and "s.toml" in err[0], err
    assert not out.exists()


def test_out_that_is_a_file_fails_before_work(tmp_path, capsys):
    (tmp_path / "s.toml").write_text(GOOD)
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    rc, err = _run(["sweep", str(tmp_path / "s.toml"), "--out", str(target), "--workers", "0"], capsys)
    assert rc == 2 and len(err) == 1 and "--out" in err[0] and "not a directory" in err[0], err
    assert target.read_text() == "keep me"


def test_out_that_holds_something_else_is_refused(tmp_path, capsys):
    (tmp_path / "s.toml").write_text(GOOD)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("x")
    rc, err = _run(["sweep", str(tmp_path / "s.toml"), "--out", str(out), "--workers", "0"], capsys)
    assert rc == 2 and len(err) == 1 and "sweep.json" in err[0], err
    assert os.listdir(out) == ["notes.txt"]


def test_good_sweep_passes_the_same_checks(tmp_path, capsys):
    (tmp_path / "s.toml").write_text(GOOD)
    rc, err = _run(["sweep", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"), "--workers", "0",
                    "--no-plot"], capsys)
    assert rc == 0, err
    assert (tmp_path / "out" / "results.csv").exists()
