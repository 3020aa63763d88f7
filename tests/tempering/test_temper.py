"""``temper``: determinism (seed, thread count), bad input, files, CLI (pbitsim/tempering/temper.py, result.py,
pbitsim/commands/temper.py)."""
import json

import numba
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.cli import main as cli_main
from pbitsim.errors import PbitsimError
from pbitsim.tempering import TemperResult, temper
from pbitsim.testing.engine_suite import DATAPATHS, FRUSTRATED, ideal_chip_with

BETAS = [0.3, 0.6, 1.0]
CHIPS = {"ideal": "ideal", "fixed": ideal_chip_with(**DATAPATHS["fixed"]),
         "analog": ideal_chip_with(**DATAPATHS["analog"])}


def _run(chip, threads, seed=3, **kw):
    old = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        return temper(FRUSTRATED, chip, betas=BETAS, sweeps=60, chains=5, seed=seed, store_states=True, **kw)
    finally:
        numba.set_num_threads(old)


@pytest.mark.parametrize("chip, kw", [("ideal", {}), ("ideal", {"engine": "naive_parallel"}),
                                      ("ideal", {"engine": "sequential"}), ("fixed", {}),
                                      ("fixed", {"kernel": "generic"}), ("analog", {})])
def test_same_seed_same_run_on_any_thread_count(chip, kw):
    a = _run(CHIPS[chip], 1, **kw)
    b = _run(CHIPS[chip], min(2, numba.config.NUMBA_NUM_THREADS), **kw)
    for name in ("energies", "labels", "states", "swap_counts"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    c = _run(CHIPS[chip], 1, seed=4, **kw)
    assert not np.array_equal(a.states, c.states)


def test_fast_and_generic_datapath_kernels_agree():
    a = _run(CHIPS["fixed"], 1, kernel="fast")
    b = _run(CHIPS["fixed"], 1, kernel="generic")
    assert a.engine.endswith("fast") and b.engine.endswith("generic")
    assert np.array_equal(a.states, b.states) and np.array_equal(a.labels, b.labels)


@pytest.mark.parametrize("kw, words", [
    ({"betas": [1.0]}, "at least 2 rungs"),
    ({"betas": [0.2, 0.1, 0.5]}, "strictly monotone"),
    ({"betas": [0.0, 1.0]}, "> 0"),
    ({"sweeps": 0}, "sweeps must be an integer >= 1"),
    ({"swap_every": 20}, "swap_every = 20 is larger than sweeps = 10"),
    ({"chains": 0}, "chains must be"),
    ({"store_states": "yes"}, "store_states"),
    ({"engine": "warp"}, "unknown engine 'warp'"),
])
def test_bad_input_gets_one_clear_error(kw, words):
    args = {"betas": BETAS, "sweeps": 10, **kw}
    with pytest.raises(PbitsimError, match=words):
        temper(FRUSTRATED, "ideal", **args)


def test_result_is_frozen_and_saved_atomically(tmp_path):
    r = temper(FRUSTRATED, "ideal", betas=BETAS, sweeps=40, chains=2, seed=1)
    assert ps.temper is temper
    with pytest.raises(AttributeError):
        r.seed = 2
    r.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["temper.json", "temper.npz"]
    back = TemperResult.load(tmp_path)
    assert np.array_equal(back.energies, r.energies) and np.array_equal(back.states, r.states)
    assert np.allclose(back.diagnostics.acceptance, r.diagnostics.acceptance)
    meta = json.loads((tmp_path / "temper.json").read_text())
    assert meta["n_rungs"] == 3 and len(meta["diagnostics"]["heat_capacity"]) == 3
    with pytest.raises(PbitsimError, match="not a tempering result"):
        TemperResult.load(tmp_path / "nothing")


def test_cli_writes_results_ladders_and_plot(tmp_path, capsys):
    model = tmp_path / "m.npz"
    ps.save_model(FRUSTRATED, model)
    out = tmp_path / "run"
    assert cli_main(["temper", "ideal", "--model", str(model), "--out", str(out), "--rungs", "4", "--sweeps", "200",
                     "--burn-in", "20", "--chains", "2", "--target", "0.5"]) == 0
    text = capsys.readouterr().out
    assert "swap acceptance per pair" in text and "rungs needed" in text
    names = {p.name for p in out.iterdir()}
    assert {"temper.npz", "temper.json", "ladder.json", "temper.png", "rungs_needed.json",
            "ladder_constant_acceptance.json"} <= names
    need = json.loads((out / "rungs_needed.json").read_text())
    assert need["target_acceptance"] == 0.5 and need["geometric"] >= 2
    # a saved ladder is reused
    assert cli_main(["temper", "ideal", "--model", str(model), "--out", str(tmp_path / "again"), "--ladder",
                     str(out / "ladder_constant_acceptance.json"), "--sweeps", "50", "--no-plots"]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text("[0.5, 0.5]")
    assert cli_main(["temper", "ideal", "--model", str(model), "--out", str(tmp_path / "x"), "--ladder",
                     str(bad)]) == 2
    assert "strictly monotone" in capsys.readouterr().err
