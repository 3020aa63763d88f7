"""Runs cut into kernel windows: bit-identical whatever the cut, Ctrl-C honoured within seconds, progress bar.

Every sweep kernel carries states, RNG streams and its float accumulators
between windows (:mod:`pbitsim.kernels.run_window`); these tests cut runs at
odd places (inside the burn-in, inside a thinning interval) and demand the
same states, energies and moments bit for bit.
"""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import load_chip
from pbitsim.compiler.pipeline import place_model
from pbitsim.engines import chunked
from pbitsim.engines.options import EngineOptions
from pbitsim.engines.registry import get_engine
from pbitsim.engines.schedule import make_schedule
from pbitsim.spin_glass import random_spin_glass
from pbitsim.testing import fixed_format, ideal_chip_with
from pbitsim.topologies import king_graph

MODEL = random_spin_glass(king_graph(5, 6), 3)
FIXED = ideal_chip_with(weights=fixed_format(8, 4), bias=fixed_format(8, 4), accumulator=fixed_format(12, 4),
                        pbit={"activation": "lut"}, rng={"kind": "lfsr"})
ANALOG = ideal_chip_with(pbit={"gain_sigma": 0.1, "offset_sigma": 0.05})
RANDOM_SCAN = ideal_chip_with(clock={"mode": "sequential", "scan": "random"})

# (engine, chip, options): every sweep-kernel path
PATHS = {
    "chromatic-single": ("chromatic", "ideal", {"layout": "single"}),
    "chromatic-replica-major": ("chromatic", "ideal", {"layout": "replica_major"}),
    "naive-parallel": ("naive_parallel", "ideal", {}),
    "sequential": ("sequential", "ideal", {}),
    "sequential-random": ("sequential", RANDOM_SCAN, {}),
    "datapath-fast": ("chromatic", FIXED, {"kernel": "fast"}),
    "datapath-fast-naive": ("naive_parallel", FIXED, {"kernel": "fast"}),
    "datapath-generic": ("chromatic", ANALOG, {"kernel": "generic"}),
    "datapath-generic-fixed": ("sequential", FIXED, {"kernel": "generic"}),
}


def _run(path, window, thin, moments=False):
    engine, chip, opts = PATHS[path]
    program = place_model(MODEL, chip)
    schedule = make_schedule(30 * thin, burn_in=7, thin=thin, replicas=5, beta=0.7, seed=11)
    return get_engine(engine).run(program, schedule, EngineOptions(window_sweeps=window, moments=moments, **opts))


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("thin", [1, 20])  # 20 >= the fast kernel's TRACK_THIN: both energy modes
def test_any_cut_gives_identical_results(path, thin):
    whole = _run(path, 10 ** 9, thin, moments=True)
    for window in (1, 3, 13):
        part = _run(path, window, thin, moments=True)
        np.testing.assert_array_equal(part.states, whole.states, err_msg=f"{path}, windows of {window}")
        np.testing.assert_array_equal(part.energies, whole.energies, err_msg=f"{path}, windows of {window}")
        np.testing.assert_array_equal(part.mean_m, whole.mean_m)
        np.testing.assert_array_equal(part.mean_mm, whole.mean_mm)
    assert np.mean(whole.states[:, 1:] != whole.states[:, :-1]) > 0.01  # the chains move


def test_windows_cover_the_run_exactly():
    calls = []
    wall = chunked.run_windows(lambda a, b: calls.append((a, b)), 100, 10, window_sweeps=7)
    assert calls[0] == (0, 7) and calls[-1] == (98, 100) and wall >= 0
    assert all(b == c for (_, b), (c, _) in zip(calls, calls[1:]))
    adaptive = []
    chunked.run_windows(lambda a, b: adaptive.append((a, b)), 10 ** 6, 10 ** 3)
    assert adaptive[0] == (0, chunked.FIRST_UPDATES // 10 ** 3) and adaptive[-1][1] == 10 ** 6


def test_progress_bar_only_on_a_terminal(capsys):
    """``progress=True`` with stderr not a terminal (pytest's capture): nothing is printed."""
    s = ps.simulate(MODEL, sweeps=200, replicas=2, seed=1, progress=True)
    assert s.n_samples == 200
    err = capsys.readouterr().err
    assert err == ""


def test_progress_bar_on_a_terminal(monkeypatch, capsys):
    """A long run (first window projected past BAR_AFTER_S) on a terminal shows a tqdm bar on stderr."""
    monkeypatch.setattr(chunked, "BAR_AFTER_S", 0.0)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    chunked.run_windows(lambda a, b: None, 50, 1, window_sweeps=10, progress=True, label="test-run")
    assert "test-run" in capsys.readouterr().err
    chunked.run_windows(lambda a, b: None, 50, 1, window_sweeps=10, progress=False, label="quiet-run")
    assert "quiet-run" not in capsys.readouterr().err


_LONG_RUN = textwrap.dedent("""
    import sys
    import pbitsim as ps
    from pbitsim.spin_glass import random_spin_glass
    from pbitsim.topologies import lattice_graph
    model = random_spin_glass(lattice_graph((48, 48), periodic=True), 1)
    ps.simulate(model, sweeps=20, seed=1)              # load the kernel before saying we are ready
    print("ready", flush=True)
    ps.simulate(model, sweeps=50_000_000, thin=1000, replicas=4, seed=1)
    print("finished", flush=True)
""")


def test_sigint_stops_a_long_simulate_within_seconds():
    """A run of many minutes is interrupted: KeyboardInterrupt within a few seconds of SIGINT."""
    env = {**os.environ, "NUMBA_NUM_THREADS": "2"}
    proc = subprocess.Popen([sys.executable, "-c", _LONG_RUN], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(1.0)                                   # well inside the long kernel run
        t0 = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        elapsed = time.perf_counter() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "finished" not in out
    assert proc.returncode != 0 and "KeyboardInterrupt" in err
    assert elapsed < 5.0, f"took {elapsed:.1f} s to honour SIGINT"
