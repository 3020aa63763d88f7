"""Every fenced ``bash`` and ``python`` block of README.md runs, top to bottom, in a fresh folder.

A new user on a fresh clone runs the README's blocks in order from the clone's
root. This test does the same in a temporary folder holding a copy of
``docs/examples/`` (the only repository files the blocks name), with two
documented reductions so it takes seconds, not minutes:

- each ``pbitsim`` command runs in this process (``pbitsim.cli.main``), with
  the arguments of :data:`REDUCE` appended for its subcommand (argparse keeps
  the last value of an option, so ``--epochs 2 ... --epochs 1`` trains one
  epoch); the commands are otherwise exactly as written;
- the sweep files in the copy of ``docs/examples/`` are cut by
  :func:`reduce_sweep` to two points of one repeat with small estimates.

The two setup blocks (``python -m pip install ... && pbitsim demo`` and
``... && python -m pytest``) are recognised by their content and skipped
explicitly: installing is not a test's business, and pytest inside pytest
would recurse. A bash line that is not a ``pbitsim`` command fails the test,
so the README cannot grow a block this test does not really run.

Beyond the exit codes, the outputs each block promises are checked to exist
and to hold sane numbers (finite, right shapes, energies near the exact ones).
"""
import json
import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

import pbitsim
from pbitsim.cli import main

ROOT = Path(pbitsim.__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)

#: Arguments appended to each subcommand of the README (the last value of an option wins).
REDUCE = {
    "train": ["--epochs", "1", "--subset", "64", "--snr-estimates", "0", "--no-progress"],
    "run": ["--sweeps", "200", "--replicas", "2"],
    "snr": ["--estimates", "4", "--samples", "20", "--bootstrap", "50"],
    "sweep": ["--workers", "0"],
    "bench": ["--graphs", "pegasus16", "--peers", "", "--sweeps", "20", "--repeats", "1", "--replicas", "1"],
}


def reduce_sweep(text: str) -> str:
    """A sweep TOML cut to one repeat, 4 estimates of 20 samples and the first two values of every axis."""
    text = re.sub(r"^repeats = \d+", "repeats = 1", text, flags=re.M)
    text = re.sub(r"^estimates = \d+", "estimates = 4", text, flags=re.M)
    text = re.sub(r"^samples_per_estimate = \d+", "samples_per_estimate = 20", text, flags=re.M)
    return re.sub(r"^(\"[^\"]+\" = \[)([^,\]]+), ([^,\]]+),[^\]]*\]", r"\1\2, \3]", text, flags=re.M)


def readme_blocks():
    """``(language, text)`` of every fenced block, in order."""
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(README.read_text(encoding="utf-8"))]


def is_setup(text: str) -> bool:
    return "pip install" in text


def test_readme_has_the_blocks_this_test_expects():
    blocks = readme_blocks()
    setup = [t for lang, t in blocks if is_setup(t)]
    assert len(setup) == 2
    assert "pbitsim demo" in setup[0] and "python -m pytest" in setup[1]
    runnable = [lang for lang, t in blocks if not is_setup(t)]
    assert set(runnable) == {"bash", "python"} and runnable.count("python") >= 1
    commands = {shlex.split(line, comments=True)[1] for lang, t in blocks if lang == "bash" and not is_setup(t)
                for line in t.splitlines() if shlex.split(line, comments=True)}
    assert commands - {"models", "compile", "export"} <= set(REDUCE)  # every heavy command has its reduction


def run_bash(text, capsys):
    """Run each line (a ``pbitsim`` command) in this process; return the stdout of each, by subcommand."""
    outputs = {}
    for line in text.splitlines():
        argv = shlex.split(line, comments=True)
        if not argv:
            continue
        assert argv[0] == "pbitsim", f"README bash line is not a pbitsim command; teach this test: {line!r}"
        args = argv[1:] + REDUCE.get(argv[1], [])
        capsys.readouterr()
        code = main(args)
        captured = capsys.readouterr()
        assert code == 0, (line, captured.err)
        outputs[argv[1]] = captured.out
    return outputs


def test_every_readme_block_runs_top_to_bottom(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    for toml in (tmp_path / "docs" / "examples").glob("*.toml"):
        toml.write_text(reduce_sweep(toml.read_text()))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PBITSIM_CACHE_DIR", str(tmp_path / ".cache"))
    outputs, namespace, ran = {}, {}, []
    for lang, text in readme_blocks():
        if is_setup(text):
            continue
        if lang == "bash":
            outputs.update(run_bash(text, capsys))
        else:
            exec(compile(text, "README.md (python block)", "exec"), namespace)
        ran.append(lang)
    assert ran.count("bash") >= 2 and ran.count("python") == 1
    check_python_block(namespace, tmp_path)
    check_bash_outputs(outputs, tmp_path)


def check_python_block(ns, d):
    model = ns["model"]
    assert ns["logical"].shape == (16, 2000, 74) and set(np.unique(ns["logical"])) <= {-1, 1}
    # the block's first run (2 spins; `run` was reassigned since): same call, checked against the exact law
    exact = pbitsim.exact_law(model).mean_energy
    run = pbitsim.simulate(model, "ideal", sweeps=10_000, replicas=8, seed=1)
    e, se = run.mean_energy()
    assert run.states.shape == (8, 10000, 2) and abs(e - exact) < 5 * se, (e, se, exact)
    assert np.isfinite(ns["report"].q_hat) and ns["report"].exact["q"] > 0
    manifest = json.loads((d / "fpga-build" / "manifest.json").read_text())
    assert manifest["n_pbits"] == ns["program"].n_physical > 74  # chains of the minor embedding


def check_bash_outputs(out, d):
    assert "fpga-sparse-ising" in out["models"] and "king-lattice" in out["models"]
    with np.load(d / "weights.npz") as w:
        assert w["W"].shape == (64, 10) and all(np.all(np.isfinite(w[k])) for k in "Wbc")
    with np.load(d / "runs" / "king" / "samples.npz") as s:
        assert s["states"].shape == (2, 200, 1024) and np.all(np.isfinite(s["energies"]))
        assert s["energies"].mean() < -0.5 * 1024  # a spin glass at beta = 1 sits well below 0 per p-bit
    summary = json.loads((d / "runs" / "king" / "summary.json").read_text())
    assert summary["p_bits"] == 1024 and summary["colours"] == 4
    program = pbitsim.Program.load(d / "program.npz")
    assert program.n_logical == 74 and program.chip.name == "fpga-sparse-ising"
    manifest = json.loads((d / "build" / "manifest.json").read_text())
    assert manifest["n_pbits"] == program.n_physical and manifest["n_colours"] >= 2
    snr = json.loads(next((d / "runs" / "snr").glob("*.json")).read_text())
    assert np.isfinite(snr["q_hat"]) and snr["exact"]["q"] > 0
    rows = (d / "runs" / "precision" / "results.csv").read_text().strip().splitlines()
    header, values = rows[0].split(","), [r.split(",") for r in rows[1:]]
    assert len(values) == 4         # 2 precisions x 2 scale policies ([[points]] "compile.scale")
    assert sorted(v[header.index("compile.scale")] for v in values) == ["gradient"] * 2 + ["percentile"] * 2
    for metric in ("Q", "Q_hat", "bias"):
        col = [float(v[header.index(metric)]) for v in values]
        assert np.all(np.isfinite(col)), (metric, col)
    assert list((d / "runs" / "precision" / "plots").glob("*.png"))
    timings = [float(x) for x in re.findall(r"([0-9]+(?:\.[0-9]+)?)\s*ns/update", out["bench"])]
    assert timings and all(0 < t < 1e6 for t in timings), out["bench"]
