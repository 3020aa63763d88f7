"""Reduced runs of the mixing studies (scripts/studies/), their files and numbers checked against theory."""
import importlib.util
import json
import os

import numpy as np
import pytest

STUDIES = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "scripts", "studies")


def _load(name):
    spec = importlib.util.spec_from_file_location(f"study_{name}", os.path.join(STUDIES, f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _files(out):
    assert os.path.getsize(out + ".png") > 1000
    with open(out + ".json") as fh:
        return json.load(fh)


def test_planted_modes_quick(tmp_path):
    out = str(tmp_path / "pm")
    result = _load("planted_modes").main(["--quick", "--out", out])
    assert _files(out)["rows"] == json.loads(json.dumps(result["rows"]))
    rows = result["rows"]
    assert len(rows) == 2 * 3 * 2                          # bases x k x schemes
    for r in rows:
        assert 0 < r["global_gap"] <= 1 + 1e-12
        # a projected gap is never below the global one
        assert r["projected_gap_couplings"] >= r["global_gap"] - 1e-10
        assert r["projected_gap_all"] >= r["global_gap"] - 1e-10
        if r["base"] == "symmetric":
            # zero fields: the slowest mode is odd, invisible to the couplings m_i m_j, seen by the biases
            assert r["slowest_weight_couplings"] < 1e-12
            assert r["projected_gap_couplings"] > r["global_gap"] + 1e-3
            assert r["projected_gap_all"] == pytest.approx(r["global_gap"], abs=1e-10)
    for base in ("trained", "symmetric"):
        g = {r["k"]: r["global_gap"] for r in rows if r["base"] == base and r["scheme"] == "chromatic"}
        assert g[1] < g[0] / 3                              # one planted pattern: two wells, a slow hop


def test_reversibility_quick(tmp_path):
    out = str(tmp_path / "rv")
    result = _load("reversibility").main(["--quick", "--out", out])
    _files(out)
    ideal = {r["order"]: r for r in result["rows"] if r["chip"] == "ideal"}
    assert not ideal["chromatic"]["reversible"]
    assert ideal["palindromic"]["reversible"] and ideal["random_scan"]["reversible"]
    # two colours (visible, hidden): the palindrome has the chromatic sweep's spectrum at (n + n_v) / n the work
    assert ideal["palindromic"]["gap"] == pytest.approx(ideal["chromatic"]["gap"], abs=1e-8)
    assert ideal["palindromic"]["sweeps_per_step"] == pytest.approx((6 + 4) / 6)
    for r in result["rows"]:
        assert 0 < r["gap"] <= 1 + 1e-12
        assert r["exact"]["tau_projection"] > 0 and r["exact"]["tau_magnetization"] > 0
        assert "reference" in r["simulated"]
    # every measured tau (reference chains and engines) agrees with the exact prediction
    assert result["agreement"]["all_within"], result["agreement"]
    assert any(k.startswith("engine:") for r in result["rows"] for k in r["simulated"])


def test_tau_mistiming_quick(tmp_path):
    out = str(tmp_path / "tm")
    result = _load("tau_mistiming").main(["--quick", "--chips", "ideal", "--no-demo", "--out", out])
    _files(out)
    rows = result["rows"]
    assert [r["epoch"] for r in rows] == [0, 1]
    for r in rows:
        for key in ("tau_magnetization", "tau_projection", "tau_max"):
            assert np.isfinite(r[key]) and r[key] > 0.3
        assert r["tau_max"] >= r["tau_projection"] * 0.5
        assert r["ratio_projection"] == pytest.approx(r["tau_projection"] / r["tau_magnetization"])
        assert r["mistiming"] >= 1.0
    assert result["max_mistiming"] == pytest.approx(max(r["mistiming"] for r in rows))
