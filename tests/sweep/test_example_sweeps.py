"""The shipped example sweeps validate, and a shrunken one runs end to end with plots."""
import glob
import os

import pytest

from pbitsim.chip.spec import load_chip
from pbitsim.analysis.exact import exact_law
from pbitsim.sweep.plots import plot_sweep
from pbitsim.sweep import load_sweep, run_sweep
from pbitsim.sweep.metrics import load_sweep_model
from pbitsim.sweep.spec import SweepSpec

EXAMPLES = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "examples", "*_sweep.toml")))


def test_examples_exist():
    names = {os.path.basename(p) for p in EXAMPLES}
    assert {"precision_sweep.toml", "rng_sweep.toml", "variation_sweep.toml", "delay_sweep.toml"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=os.path.basename)
def test_example_sweep_validates(path):
    spec = load_sweep(path)
    assert len(spec.points()) >= 4


def test_shrunken_variation_sweep_runs_and_plots(tmp_path):
    spec = load_sweep([p for p in EXAMPLES if p.endswith("variation_sweep.toml")][0])
    small = SweepSpec(spec.name, spec.source, spec.chip, spec.model, spec.metrics, 1, spec.seed,
                      {**spec.run, "sweeps": 300, "replicas": 8},
                      {"pbit.gain_sigma": [0.0, 0.4], "pbit.input_noise_sigma": [0.0, 0.5]}, {})
    rows = run_sweep(small, str(tmp_path), workers=0, progress=False)
    assert len(rows) == 4
    # values, not just "kl >= 0": the variation-free point samples the exact law (energy per spin within
    # 4 replica standard errors of exact enumeration); a gain spread of 0.4 is seen many error bars away
    # and raises KL and TV above the clean point's
    model = load_sweep_model(spec.model, load_chip(spec.chip), spec.seed)
    exact = exact_law(model, spec.run["beta"]).mean_energy / model.n
    by = {(r["pbit.gain_sigma"], r["pbit.input_noise_sigma"]): r for r in rows}
    clean = by[(0.0, 0.0)]
    assert abs(clean["energy"] - exact) < 4 * clean["energy_err"], (clean, exact)
    for noise in (0.0, 0.5):
        spread = by[(0.4, noise)]
        assert spread["energy"] - exact > 10 * spread["energy_err"], (spread, exact)
        assert spread["kl"] > 2 * clean["kl"] and spread["tv"] > 2 * clean["tv"], (spread, clean)
    files = plot_sweep(str(tmp_path))
    assert any(f.endswith("kl_heatmap.png") for f in files)
    assert all(os.path.getsize(f) > 1000 for f in files)
