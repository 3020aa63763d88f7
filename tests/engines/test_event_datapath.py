"""The event-driven engine through the hardware datapath (fixed point, tables, k-bit words, LFSRs, variation).

Exact references:

- the chromatic datapath engine itself: with ideal clocked timing (colour
  phases, no skew, jitter or delay) the event engine makes the same decisions
  from the same random numbers, so trajectories agree state for state;
- :func:`pbitsim.analysis.kernel_law.kernel_stationary_law`: the exact stationary law
  of the colour-sweep datapath kernel (Markov words: xoroshiro, no input noise);
- random-scan Gibbs with the datapath's exact conditionals
  (:func:`pbitsim.analysis.kernel_law.random_scan_matrix`): the law of Poisson p-bits
  with equal rates and no delay (the update sequence is a uniform random scan,
  and a continuous-time chain sampled on a clock has the jump chain's law).

Statistics as in ``tests/test_kernel_law.py``: a chi-square of the pooled state
histogram with replica standard errors (so autocorrelation is included),
accepted below the 99.9 % quantile of a sum of squared Student-t(R-1)
variables; the same samples must reject the Boltzmann law by ``REJECT`` times
that limit, and their TV distance from Boltzmann must be the predicted one.
"""
import importlib.resources
import math
import textwrap

import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import load_chip
from pbitsim.compiler.hardware import build_datapath
from pbitsim.engines import event as event_engine
from pbitsim.engines.schedule import make_schedule
from pbitsim.engines.options import EngineOptions, EventOptions
from pbitsim.errors import PbitsimError
from pbitsim.analysis.exact import exact_law, total_variation
from pbitsim.analysis.kernel_law import datapath_p_plus, kernel_stationary_law, random_scan_matrix, stationary
from pbitsim.compiler.chip_graph import chip_graph
from pbitsim.compiler.pipeline import place_model
from pbitsim.spin_glass import random_spin_glass
from pbitsim.testing import fixed_format, ideal_chip_with, law_test, random_ising, tv_test

REPLICAS = 16
REJECT = 10.0


def random_model(n, seed, j_scale=1.5, h_scale=1.0, density=0.8):
    return random_ising(n, seed, j_scale, h_scale, density)


chip = ideal_chip_with
fixed = fixed_format

# s[4][2] codes, an 8-entry |I| table of 10-bit thresholds, compared with 4-bit xoroshiro words:
# a Markov chain whose law is far from Boltzmann
LUT_XORO = dict(weights=fixed(6, 2), bias=fixed(6, 2), accumulator=fixed(6, 1),
                pbit={"activation": "lut", "lut_input_bits": 3, "lut_output_bits": 10},
                rng={"kind": "xoroshiro", "output_bits": 4})
CLOCKED = {"mode": "clocked", "frequency_mhz": 1000.0}
ASYNC = {"mode": "asynchronous"}


def check_law(run, exact, boltzmann):
    """The samples match ``exact``, reject Boltzmann widely, and sit at the predicted TV from it."""
    chi2, limit = law_test(run.states, exact)
    chi2_b, limit_b = law_test(run.states, boltzmann)
    tv_b, tol = tv_test(run.states, boltzmann)
    predicted = total_variation(exact, boltzmann)
    numbers = dict(chi2=chi2, limit=limit, chi2_boltzmann=chi2_b, limit_boltzmann=limit_b, tv_boltzmann=tv_b,
                   predicted_tv=predicted, tv_tol=tol)
    assert chi2 < limit, f"event engine does not sample the exact datapath law: {numbers}"
    assert chi2_b > REJECT * limit_b, f"indistinguishable from Boltzmann: {numbers}"
    assert abs(tv_b - predicted) < tol and predicted > 5 * tol, numbers
    return numbers


def sample(program, sweeps, seed=1, **kw):
    return ps.simulate(program, sweeps=sweeps, burn_in=100, replicas=REPLICAS, seed=seed, **kw)


# --------------------------------------------------------------------------- exactness


@pytest.mark.parametrize("name, params", [
    ("fpga-sparse-ising", {}),                                           # per-p-bit XNOR LFSR, |I| table
    ("fpga-lfsr-shared", {}),                                            # shared windows, wrapping adder
    ("fpga-xoroshiro-pwl", {}),                                          # hard sigmoid, 16-bit words
    ("analog-variation", {"pbit.stuck_fraction": 0.05}),                 # gain, offset, noise, stuck, mismatch
])
def test_ideal_clocked_timing_replays_the_chromatic_datapath_engine(name, params):
    """Colour phases on clock edges, no skew, jitter or delay: same decisions from the same random numbers."""
    spec = load_chip(name).with_params(params)
    model = random_spin_glass(chip_graph(spec), 3, field_scale=0.5)
    chromatic = ps.simulate(place_model(model, spec), sweeps=20, burn_in=3, replicas=3, seed=5)
    clocked = place_model(model, spec.with_params({"clock.mode": "clocked", "clock.frequency_mhz": 1000.0}))
    event = ps.simulate(clocked, sweeps=20, burn_in=3, replicas=3, seed=5)
    assert chromatic.engine == "chromatic+datapath" and event.engine == "event-clocked+datapath"
    assert event.info["reads"] == "cached fields" and event.info["datapath"] == chromatic.info["datapath"]
    np.testing.assert_array_equal(event.states, chromatic.states)
    np.testing.assert_allclose(event.energies, chromatic.energies, rtol=0, atol=1e-9)


def test_clocked_fixed_point_lut_chip_samples_the_colour_sweep_kernel_law():
    program = place_model(random_model(5, 2), chip(**LUT_XORO, clock=CLOCKED), scale=1.0)  # values in chip units
    run = sample(program, 12_000)
    assert run.info["reads"] == "cached fields"
    check_law(run, kernel_stationary_law(program, 1.0, "chromatic"), exact_law(program.physical).probs)
    chi2, limit = law_test(run.states, kernel_stationary_law(program, 1.1, "chromatic"))  # power: beta * 1.1
    assert chi2 > REJECT * limit
    # the schedule matters: random-scan Gibbs with the same conditionals is a different law, rejected
    chi2, limit = law_test(run.states, stationary(random_scan_matrix(datapath_p_plus(program, 1.0)).toarray()))
    assert chi2 > REJECT * limit


@pytest.mark.parametrize("sections", [
    dict(LUT_XORO),
    # float datapath, asymmetric couplings J(i <- j) != J(j <- i), gain/offset spread, stuck p-bit, hard sigmoid
    dict(weights={"mismatch_rel_sigma": 0.4, "mismatch_abs_sigma": 0.3},
         pbit={"activation": "hard_sigmoid", "gain_sigma": 0.3, "offset_sigma": 0.3, "stuck_fraction": 0.2,
               "variation_seed": 3},
         rng={"kind": "xoroshiro", "output_bits": 12}),
], ids=["fixed-lut-4bit", "mismatch-variation"])
def test_asynchronous_datapath_samples_the_random_scan_law(sections):
    """Poisson p-bits (equal rates, no delay) through the datapath: random-scan Gibbs with its conditionals."""
    program = place_model(random_model(5, 4), chip(**sections, clock=ASYNC), scale=1.0)  # values in chip units
    exact = stationary(random_scan_matrix(datapath_p_plus(program, 1.0)).toarray())
    run = sample(program, 6_000)
    assert run.info["reads"] == "cached fields" and run.engine == "event-asynchronous+datapath"
    check_law(run, exact, exact_law(program.physical).probs)
    chi2, limit = law_test(run.states, kernel_stationary_law(program, 1.0, "chromatic"))  # not the sweep law
    assert chi2 > REJECT * limit
    # power: the acceptance test (chi2 < limit) rejects the same kernel's law at beta * 1.1
    hotter = stationary(random_scan_matrix(datapath_p_plus(program, 1.1)).toarray())
    chi2, limit = law_test(run.states, hotter)
    assert chi2 > limit, (chi2, limit)


@pytest.mark.parametrize("weights", [{}, {"mismatch_rel_sigma": 0.3, "mismatch_abs_sigma": 0.2}],
                         ids=["symmetric", "mismatch"])
def test_delayed_integer_inputs_are_exact(weights):
    """Uniform delays through the FIFO of cached integer sums and through the ring buffers (a fresh
    sum per read): identical trajectories, which needs exact sums and the transposed weights J(i <- j)
    on the scatter side when couplings are asymmetric."""
    spec = load_chip("fpga-sparse-ising").with_params(
        {"topology": {"kind": "model"}, "clock.mode": "asynchronous", "timing.synapse_delay_ns": 0.4,
         **{f"weights.{k}": v for k, v in weights.items()}})
    program = place_model(random_model(12, 7, j_scale=1.2, h_scale=0.5, density=0.5), spec, scale=1.0)
    schedule = make_schedule(400, replicas=3, seed=9)
    fifo = event_engine.run(program, schedule)
    hist = event_engine.run(program, schedule, EngineOptions(event=EventOptions(reads="history")))
    assert fifo.info["reads"].startswith("delayed") and hist.info["reads"].startswith("history")
    np.testing.assert_array_equal(fifo.states, hist.states)
    assert 0.05 < np.mean(fifo.states[:, 1:] != fifo.states[:, :-1]) < 0.95   # it moves


# --------------------------------------------------------------------------- devices and mechanics


def test_stuck_pbits_stay_stuck():
    spec = chip(**{**LUT_XORO, "pbit": {**LUT_XORO["pbit"], "stuck_fraction": 0.3, "variation_seed": 11}},
                clock=ASYNC, timing={"synapse_delay_ns": 0.3, "response_time_ns": 0.2})
    program = place_model(random_model(10, 5), spec)
    stuck = build_datapath(spec, program.physical, 1.0, np.arange(10), chip_nodes=program.chip_nodes).kernel.stuck
    assert np.count_nonzero(stuck) == 3
    run = ps.simulate(program, sweeps=300, replicas=4, seed=2, record_flips=True,
                      initial=np.where(stuck != 0, -stuck, 1).astype(np.int8))   # stuck ones start wrong
    for i in np.flatnonzero(stuck):
        assert np.all(run.states[:, :, i] == stuck[i])
    log = run.info["flip_log"]
    assert np.all(log.initial[:, stuck != 0] == stuck[stuck != 0])
    assert not np.isin(np.concatenate([log.replica(r)[1] for r in range(4)]), np.flatnonzero(stuck)).any()
    assert run.info["flips"] > 100


def test_lfsr_chip_is_deterministic_across_thread_counts(thread_outputs):
    code = textwrap.dedent("""
        import hashlib, numpy as np, pbitsim as ps
        from pbitsim.chip.spec import load_chip
        from pbitsim.compiler.chip_graph import chip_graph
        from pbitsim.compiler.pipeline import place_model
        from pbitsim.spin_glass import random_spin_glass
        for name in ("fpga-sparse-ising", "fpga-lfsr-shared"):
            spec = load_chip(name).with_params({"clock.mode": "asynchronous", "timing.synapse_delay_ns": 0.2,
                                                "timing.neuron_time_sigma": 0.2})
            program = place_model(random_spin_glass(chip_graph(spec), 1), spec)
            s = ps.simulate(program, sweeps=30, replicas=5, seed=42)
            print(hashlib.sha256(s.states.tobytes() + s.energies.tobytes()).hexdigest(), s.info["flips"])
    """)
    out = thread_outputs(code)
    assert out[0] == out[1] and len(out[0].splitlines()) == 2


def test_shared_lfsr_ticks_once_per_neuron_time():
    """Asynchronous shared registers tick every mean neuron time: two uncoupled p-bits at I = 0 reading the
    same window (share_shift 0) decide alike iff their updates fall between the same two ticks."""
    spec = chip(weights=fixed(6, 1), bias=fixed(6, 1), accumulator=fixed(6, 1),
                pbit={"activation": "lut", "lut_input_bits": 3, "lut_output_bits": 16},
                rng={"kind": "lfsr", "width": 32, "output_bits": 16, "shared": True, "share_group": 2,
                     "share_shift": 0, "steps_per_update": 32},
                clock=ASYNC, timing={"neuron_time_ns": 1.0})
    pair = ps.IsingModel.from_dense(np.zeros((2, 2)), np.zeros(2))
    run = ps.simulate(pair, spec, sweeps=4000, replicas=8, seed=3)
    assert run.info["lfsr_shared_tick_ns"] == 1.0
    # before a sample tick t = k (integer ns) a p-bit's last update falls in [k-1-j, k-j) with probability
    # e^-j (1 - e^-1): both in the same window (one word: they agree) with probability
    # (1 - e^-1)^2 / (1 - e^-2); otherwise they agree with probability 1/2.  A register advanced at each
    # update instead would give 1/2.
    agree = (run.states[..., 0] == run.states[..., 1]).mean(axis=1)
    same = (1 - math.exp(-1)) ** 2 / (1 - math.exp(-2))
    expected = same + 0.5 * (1 - same)
    err = agree.std(ddof=1) / math.sqrt(agree.size)
    assert abs(agree.mean() - expected) < 5 * err, (agree.mean(), expected, err)


def test_cli_runs_the_fpga_chip_asynchronously(tmp_path, capsys):
    from pbitsim.cli import main

    assert main(["run", "fpga-sparse-ising", "--engine", "asynchronous", "--sweeps", "20", "--burn-in", "2"]) == 0
    out = capsys.readouterr().out
    assert "timing      asynchronous" in out and "datapath    Q(6,1)" in out and "rng lfsr (32 bits)" in out
    text = importlib.resources.files("hardware_models").joinpath("fpga-sparse-ising.toml").read_text()
    assert 'mode = "chromatic"' in text
    path = tmp_path / "fpga-async.toml"
    path.write_text(text.replace('mode = "chromatic"', 'mode = "asynchronous"')
                    + "\n[timing]\nneuron_time_ns = 2.0\nsynapse_delay_ns = 0.2\n")
    assert main(["run", str(path), "--sweeps", "20", "--burn-in", "2", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert "synapse 0.2 ns" in out and "delayed cached fields" in out and "datapath    Q(6,1)" in out


def test_sums_beyond_2_53_are_refused():
    spec = chip(weights=fixed(62, 55), bias=fixed(62, 55), accumulator=fixed(62, 55), clock=ASYNC)
    with pytest.raises(PbitsimError, match=r"2\*\*53"):
        ps.simulate(random_model(4, 1), spec, sweeps=2)
