"""Every example TOML in docs/examples runs at reduced size: every metric it asks for is finite in every
row, and every plot it draws carries data (lines/images with finite values, labelled axes with units)."""
import glob
import os

import matplotlib.pyplot as plt
import numpy as np
import pytest
import tomllib

from pbitsim.analysis.exact import exact_law
from pbitsim.chip.spec import load_chip
from pbitsim.sweep import load_sweep, parse_sweep, run_sweep
from pbitsim.sweep.metrics import load_sweep_model
from pbitsim.sweep.plots import plot_sweep, sweep_figures
from pbitsim.sweep.spec import SweepSpec

EXAMPLE_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "examples")
ALL_TOML = sorted(glob.glob(os.path.join(EXAMPLE_DIR, "*.toml")))


def _load(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


SWEEPS = [p for p in ALL_TOML if "metrics" in _load(p)]
CHIPS = [p for p in ALL_TOML if p not in SWEEPS]

# a reduced [run]: the same metrics and code paths, seconds instead of minutes
SMALL_RUN = {"sweeps": 300, "burn_in": 20, "replicas": 4, "estimates": 4, "samples_per_estimate": 20}


def shrink(data):
    """The same sweep with 2 values per axis (first and last), 1 repeat, small runs."""
    small = dict(data, repeats=1)
    small["run"] = {**data.get("run", {}), **SMALL_RUN}
    for table in ("grid", "zip"):
        if table in data:
            small[table] = {k: [v[0], v[-1]] for k, v in data[table].items()}
    if "points" in data:
        small["points"] = data["points"][:2]
    return small


def test_examples_exist():
    names = {os.path.basename(p) for p in SWEEPS}
    assert {"precision_sweep.toml", "rng_sweep.toml", "variation_sweep.toml", "delay_sweep.toml"} <= names
    assert CHIPS, "the example chip descriptions"


@pytest.mark.parametrize("path", SWEEPS, ids=os.path.basename)
def test_example_sweep_validates_at_full_size(path):
    spec = load_sweep(path)
    assert len(spec.points()) >= 4


@pytest.mark.parametrize("path", CHIPS, ids=os.path.basename)
def test_example_chip_loads_and_is_used_by_a_sweep(path):
    load_chip(path)
    used = {os.path.normpath(load_sweep(s).chip) for s in SWEEPS}
    assert os.path.normpath(path) in used


def _series(ax):
    """The data line of every errorbar series drawn on ``ax``."""
    return [c.lines[0] for c in ax.containers if hasattr(c, "lines")]


def _assert_figure_has_data(stem, fig):
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        series, images = _series(ax), ax.get_images()
        assert series or images, f"{stem}: empty axes"
        for line in series:
            y = np.asarray(line.get_ydata(), dtype=float)
            assert y.size and np.all(np.isfinite(y)), f"{stem}: no or non-finite y data {y}"
            # one connected line per series along the swept axis, not one dot per series
            assert y.size >= 2, f"{stem}: a series with a single point"
        for im in images:
            assert np.isfinite(np.asarray(im.get_array(), dtype=float)).all(), f"{stem}: heat map gaps"
        assert ax.get_xlabel() and ax.get_ylabel(), f"{stem}: unlabelled axis"


@pytest.mark.parametrize("path", [p for p in SWEEPS if "machine" not in _load(p)], ids=os.path.basename)
def test_example_sweep_runs_every_metric_finite_and_plots_data(path, tmp_path):
    # machine sweeps (a ~10^5 p-bit model) run reduced in tests/machine/test_multichip_example.py
    spec = parse_sweep(shrink(_load(path)), source=path, base_dir=os.path.dirname(os.path.abspath(path)))
    rows = run_sweep(spec, str(tmp_path / "out"), workers=0, progress=False)
    assert len(rows) == len(spec.points()) >= 2
    for row in rows:
        for metric in spec.metrics:
            assert metric in row and np.isfinite(row[metric]), (os.path.basename(path), metric, row)
    figs = sweep_figures(str(tmp_path / "out"))
    stems = {stem for stem, _ in figs}
    for metric in spec.metrics:
        assert any(s.startswith(f"{metric}_vs_") for s in stems), (metric, stems)
    for stem, fig in figs:
        _assert_figure_has_data(stem, fig)
        plt.close(fig)
    written = plot_sweep(str(tmp_path / "out"))
    assert {os.path.splitext(os.path.basename(w))[0] for w in written} == stems


def test_zip_sweep_is_one_line_along_the_zipped_axis_with_units(tmp_path):
    data = {"name": "z", "chip": "ideal", "model": os.path.join(EXAMPLE_DIR, "small_glass.npz"),
            "metrics": ["energy"], "run": {"sweeps": 200, "burn_in": 10, "replicas": 2},
            "zip": {"clock.frequency_mhz": [100.0, 200.0, 400.0], "timing.neuron_time_ns": [1.0, 2.0, 3.0]}}
    spec = parse_sweep(data, source="z.toml")
    run_sweep(spec, str(tmp_path), workers=0, progress=False)
    (stem, fig), = sweep_figures(str(tmp_path))
    ax = fig.axes[0]
    data_lines = _series(ax)
    plt.close(fig)
    assert len(data_lines) == 1
    assert list(data_lines[0].get_xdata()) == [100.0, 200.0, 400.0]
    assert "MHz" in ax.get_xlabel() and "zipped" in ax.get_xlabel()
    assert ax.get_legend() is None


def test_shrunken_variation_sweep_values(tmp_path):
    spec = load_sweep([p for p in SWEEPS if p.endswith("variation_sweep.toml")][0])
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
