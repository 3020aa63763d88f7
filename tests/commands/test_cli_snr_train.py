"""`pbitsim snr` and `pbitsim train` on tiny settings: outputs written, bad input -> one line, exit 2."""
import json

import numpy as np
import pytest

import pbitsim as ps
from pbitsim.cli import main
from pbitsim.training.digits import demo_rbm_path


@pytest.fixture()
def small_model(tmp_path):
    g = np.random.default_rng(0)
    path = tmp_path / "rbm.npz"
    ps.RBM(g.normal(0, 1, (6, 3)), g.normal(0, 0.5, 6), np.zeros(3)).save(path)
    data = tmp_path / "data.npz"
    np.savez(data, data=(g.random((20, 6)) < 0.5).astype(np.uint8))
    return path, data


def test_snr_prints_report_and_writes_json(small_model, tmp_path, capsys):
    model, data = small_model
    out = tmp_path / "out"
    rc = main(["snr", "ideal", "--model", str(model), "--data", str(data), "--estimates", "4", "--samples", "30",
               "--burn-in", "5", "--bootstrap", "50", "--seed", "3", "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "Qhat" in text and "equals Q only for an unbiased estimator" in text and "snr.json" in text
    report = json.loads((out / "snr.json").read_text())
    assert report["setup"]["estimates"] == 4 and report["setup"]["seed"] == 3
    assert report["exact"] is not None and report["kernel"] is not None
    assert not list(out.glob(".*"))          # no temporary files left behind
    # R = 4 is below the minimum: the warning is in the printed report and in the JSON
    assert "WARNING: only R = 4 independent estimates" in text
    assert report["warnings"] and "R = 8" in report["warnings"][0]
    lo, hi = report["q_hat_ci"]              # None = unbounded end
    assert (lo is None or lo <= report["q_hat"]) and (hi is None or report["q_hat"] <= hi)


@pytest.mark.parametrize("terminal", [False, True])
def test_snr_progress_bar_only_on_a_terminal(small_model, capsys, monkeypatch, terminal):
    model, data = small_model
    monkeypatch.setattr(type(__import__("sys").stderr), "isatty", lambda self: terminal, raising=False)
    rc = main(["snr", "ideal", "--model", str(model), "--data", str(data), "--estimates", "8", "--samples", "20",
               "--burn-in", "5", "--bootstrap", "20"])
    assert rc == 0
    err = capsys.readouterr().err
    assert ("snr: autocorrelation" in err) if terminal else err == ""


def test_snr_on_digits_with_the_demo_rbm(tmp_path, capsys):
    rc = main(["snr", "ideal", "--model", demo_rbm_path(), "--estimates", "3", "--samples", "10",
               "--burn-in", "5", "--bootstrap", "20"])
    assert rc == 0
    assert "analytic sum over 10 units" in capsys.readouterr().out


def test_train_writes_loadable_weights_and_history(tmp_path, capsys):
    out = tmp_path / "w.npz"
    rc = main(["train", "ideal", "--epochs", "1", "--hidden", "3", "--subset", "40", "--batch", "20",
               "--snr-estimates", "2", "--seed", "1", "--out", str(out)])
    assert rc == 0
    captured = capsys.readouterr()
    assert "recon err" in captured.out and "train" in captured.err   # the table, and the progress bar
    rbm = ps.load_model(out)
    assert rbm.W.shape == (64, 3)
    hist = json.loads((tmp_path / "w.history.json").read_text())
    assert [h["epoch"] for h in hist["history"]] == [0, 1]


def test_train_sparse_ising_on_a_chip_graph(tmp_path, capsys):
    out = tmp_path / "ising.npz"
    rc = main(["train", "king-lattice", "--ising", "--epochs", "1", "--subset", "40", "--batch", "20",
               "--snr-estimates", "0", "--no-progress", "--out", str(out)])
    assert rc == 0 and "pseudo-LL" in capsys.readouterr().out
    model = ps.load_model(out)
    assert isinstance(model, ps.IsingModel) and model.n == 64


@pytest.mark.parametrize("argv, needle", [
    (["snr", "ideal", "--model", "/nonexistent/m.npz"], "no such model file"),
    (["snr", "ideal", "--model", "{model}", "--data", "{bad}"], "no key 'data'"),
    (["snr", "ideal", "--model", "{model}", "--data", "/nonexistent/d.npz"], "no such data file"),
    (["snr", "ideal", "--model", "{model}"], "columns"),                       # digits are 64 wide
    (["snr", "no-such-chip", "--model", "{model}"], "unknown chip"),
    (["snr", "ideal", "--model", "{model}", "--data", "{data}", "--estimates", "1"], "estimates"),
    (["train", "ideal", "--out", "{tmp}/w.txt"], ".npz"),
    (["train", "ideal", "--out", "{tmp}/w.npz", "--data", "{bad}"], "no key 'data'"),
    (["train", "ideal", "--out", "{tmp}/w.npz", "--lr", "-1", "--subset", "10"], "lr"),
])
def test_bad_input_is_one_line_and_exit_2(argv, needle, small_model, tmp_path, capsys):
    model, data = small_model
    bad = tmp_path / "bad.npz"
    np.savez(bad, samples=np.zeros((3, 6)))
    argv = [a.format(model=model, data=data, bad=bad, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err
