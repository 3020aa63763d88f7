"""The tempering study scripts run (reduced) and their numbers are sane: scripts/studies/pt_digits.py,
scripts/studies/pt_vs_sa.py."""
import importlib.util
import json
import os
from types import SimpleNamespace

import numpy as np

import pbitsim as ps
from pbitsim.training.digits import demo_rbm_path

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_script(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "scripts", "studies", f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_pt_digits_pipeline_on_the_demo_rbm(tmp_path):
    pt = load_script("pt_digits")
    program = ps.compile(ps.load_model(demo_rbm_path()), "ideal")
    args = SimpleNamespace(rungs=5, beta_min=0.1, sweeps=150, burn_in=20, chains=2)
    runs, needed, thermo = pt.ladder_runs(program, args, seed=1)
    assert set(runs) == set(pt.KINDS) and all(r.n_rungs == 5 for r in runs.values())
    report = pt.summarise(runs, needed, thermo)
    assert report["C_max"] > 0 and all(2 <= n <= 4097 for n in needed.values())
    for lad in report["ladders"].values():
        assert all(0.0 <= a <= 1.0 for a in lad["acceptance"])
    path = pt.figure({"ideal": (runs, needed, thermo)}, str(tmp_path / "f.png"))
    assert os.path.getsize(path) > 10_000
    json.dumps(report)


def test_pt_vs_sa_quick(capsys):
    report = load_script("pt_vs_sa").main(["--quick"])
    res = report["results"]
    for s in ("100", "1000"):
        r = res[s]
        assert 0.0 <= r["pt_best_residual_per_spin"] <= r["pt_final_residual_per_spin"] + 1e-12
        assert r["sa_residual_per_spin"] >= 0.0
    assert res["1000"]["pt_best_residual_per_spin"] < res["100"]["pt_best_residual_per_spin"]
    assert np.all(np.array(report["e_ref_per_spin"]) < -1.0)
