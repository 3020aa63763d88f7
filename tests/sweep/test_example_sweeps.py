"""The shipped example sweeps validate, and a shrunken one runs end to end with plots."""
import glob
import os

import pytest

from pbitsim.plotting import plot_sweep
from pbitsim.sweep import load_sweep, run_sweep
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
                      {**spec.run, "sweeps": 300, "replicas": 2},
                      {"pbit.gain_sigma": [0.0, 0.4], "pbit.input_noise_sigma": [0.0, 0.5]}, {})
    rows = run_sweep(small, str(tmp_path), workers=0, progress=False)
    assert len(rows) == 4 and all(r["kl"] >= 0 for r in rows)
    files = plot_sweep(str(tmp_path))
    assert any(f.endswith("kl_heatmap.png") for f in files)
    assert all(os.path.getsize(f) > 1000 for f in files)
