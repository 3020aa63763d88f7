"""`pbitsim run`: summary and files, --out refused when non-empty unless --overwrite, all-or-nothing writes."""
import json
import os

import numpy as np
import pytest

import pbitsim.commands.run as run_command
from pbitsim.cli import main
from pbitsim.models import IsingModel
from pbitsim.samples import Samples


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    IsingModel.from_dense(np.array([[0, 0.8], [0.8, 0]]), [0.2, 0.0]).save(tmp_path / "pair.npz")
    return tmp_path


def run(out, *extra):
    return main(["run", "ideal", "--model", "pair.npz", "--sweeps", "400", "--replicas", "4", "--out", out, *extra])


def test_run_writes_samples_and_a_sane_summary(work, capsys):
    assert run("r") == 0
    text = capsys.readouterr().out
    assert "p-bits      2" in text and "wrote r/samples.npz and summary.json" in text
    with np.load(work / "r" / "samples.npz") as z:
        states, energies = z["states"], z["energies"]
    assert states.shape == (4, 400, 2) and set(np.unique(states)) == {-1, 1}
    assert energies.shape == (4, 400) and np.all(np.isfinite(energies))
    # the mean energy is the exact one, E(m) = -0.8 m0 m1 - 0.2 m0 at beta = 1 (1600 correlated samples, sd ~0.9)
    E = np.array([[-0.8 * a * b - 0.2 * a for b in (-1, 1)] for a in (-1, 1)])
    p = np.exp(-E) / np.exp(-E).sum()
    assert abs(energies.mean() - (p * E).sum()) < 0.12, (energies.mean(), (p * E).sum())
    summary = json.loads((work / "r" / "summary.json").read_text())
    assert summary["p_bits"] == 2 and summary["edges"] == 1 and np.isfinite(summary["magnetization"])
    assert sorted(os.listdir(work)) == ["pair.npz", "r"]  # no temporary folders left


def test_run_refuses_a_non_empty_out_unless_overwrite(work, capsys):
    assert run("r") == 0
    first = (work / "r" / "samples.npz").read_bytes()
    capsys.readouterr()
    assert run("r", "--seed", "7") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "output directory r is not empty (2 entries)" in err and "--overwrite" in err
    assert (work / "r" / "samples.npz").read_bytes() == first
    assert run("r", "--seed", "7", "--overwrite") == 0
    assert (work / "r" / "samples.npz").read_bytes() != first
    assert sorted(os.listdir(work / "r")) == ["samples.npz", "summary.json"]


def test_run_into_an_existing_empty_folder(work):
    (work / "r").mkdir()
    assert run("r") == 0 and sorted(os.listdir(work / "r")) == ["samples.npz", "summary.json"]


def test_interrupt_during_the_run_writes_nothing(work, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_command, "simulate", interrupted)
    assert run("r") == 130
    assert capsys.readouterr().err == "pbitsim run: interrupted\n"
    assert sorted(os.listdir(work)) == ["pair.npz"]


def test_interrupt_while_writing_leaves_no_partial_folder(work, capsys, monkeypatch):
    """Ctrl-C after samples.npz is written but before summary.json: no r/, no temporary sibling."""
    real_save = Samples.save

    def save_then_interrupt(self, path):
        real_save(self, path)
        raise KeyboardInterrupt

    monkeypatch.setattr(Samples, "save", save_then_interrupt)
    assert run("r") == 130
    assert sorted(os.listdir(work)) == ["pair.npz"]
    (work / "r").mkdir()
    (work / "r" / "old.txt").write_text("previous results")
    assert run("r", "--overwrite") == 130
    assert sorted(os.listdir(work)) == ["pair.npz", "r"] and os.listdir(work / "r") == ["old.txt"]


def test_run_asks_for_a_progress_bar_and_stays_quiet_off_a_terminal(work, capsys, monkeypatch):
    seen = {}
    real = run_command.simulate

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(run_command, "simulate", spy)
    assert run("r") == 0
    assert seen["progress"] is True
    assert capsys.readouterr().err == ""  # stderr is not a terminal here: no bar
