"""The event engine's table-driven datapath (pbitsim.engines.event_datapath) against its generic golden path.

The generic path runs :func:`pbitsim.kernels.pbit_update.decide` on every
update (itself checked bit for bit in ``tests/engines/test_event_datapath.py``
against the chromatic datapath engine and the exact kernel laws).  The fast
path must make the same decisions from the same random words, so whole
trajectories agree: every flip's time, p-bit and value, the sampled states
and energies, on chips covering both accumulator overflows, symmetric and
signed tables, tanh / hard-sigmoid thresholds, Fibonacci and Galois
registers, XOR and XNOR feedback, per-p-bit and shared LFSRs, stuck p-bits
and xoroshiro words, under the three input reads (cached, FIFO-delayed, ring
buffers) and both event sources (Poisson, clocked with skew).
"""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import load_chip
from pbitsim.compiler.pipeline import place_model
from pbitsim.engines import event as event_engine
from pbitsim.engines.event_datapath import event_datapath, physical_csr
from pbitsim.engines.options import EngineOptions, EventOptions
from pbitsim.engines.schedule import make_schedule
from pbitsim.errors import ChipSpecError
from pbitsim.topologies import king_graph

# name: (chip, overrides, coupling scale, field scale)
CHIPS = {
    "lfsr-fibonacci-xnor-symmetric-saturate": ("fpga-sparse-ising", {}, 1.0, 0.5),
    "lfsr-galois-xor-k<L": ("fpga-sparse-ising", {"rng.structure": "galois", "rng.feedback": "xor",
                                                   "rng.output_bits": 20}, 0.5, 0.5),
    "lfsr-stuck": ("fpga-sparse-ising", {"pbit.stuck_fraction": 0.2, "pbit.variation_seed": 4}, 1.0, 0.5),
    "lfsr-shared-wrap": ("fpga-lfsr-shared", {}, 0.25, 0.25),
    "lfsr-shared-galois": ("fpga-lfsr-shared", {"rng.structure": "galois"}, 0.25, 0.25),
    "xoroshiro-hard-sigmoid": ("fpga-xoroshiro-pwl", {}, 0.3, 0.3),
    "xoroshiro-tanh-align-down": ("fpga-xoroshiro-pwl", {"pbit.activation": "tanh", "accumulator.frac_bits": 3,
                                                         "accumulator.total_bits": 7}, 0.3, 0.3),
    "xoroshiro-signed-lut-wrap": ("fpga-sparse-ising", {"rng.kind": "xoroshiro", "rng.output_bits": 16,
                                                        "pbit.lut_symmetric": False, "accumulator.overflow": "wrap",
                                                        "accumulator.total_bits": 5}, 1.0, 0.5),
}
# name: (clock and timing overrides, the input reads they must select)
TIMINGS = {
    "poisson-fifo": ({"clock.mode": "asynchronous", "timing.synapse_delay_ns": 0.3}, "delayed"),
    "poisson-history": ({"clock.mode": "asynchronous", "timing.synapse_delay_ns": 0.3,
                         "timing.synapse_delay_sigma_ns": 0.2}, "history"),
    "clocked-skew-fresh": ({"clock.mode": "clocked", "clock.frequency_mhz": 1000.0, "clock.skew_ps": 80.0},
                           "cached"),
}


def king_model(seed, j_scale, h_scale, rows=6, cols=6):
    """Couplings and fields on a coarse grid of rounding ties and out-of-range values (saturation, wrap)."""
    G = king_graph(rows, cols)
    r, c = np.array(sorted(G.edges())).T
    rng = np.random.default_rng(seed)
    grid = np.array([-20.0, -3.25, -1.75, -0.75, -0.25, 0.0, 0.25, 0.75, 1.25, 2.5, 17.0]) + 1 / 64
    return ps.IsingModel.from_edges(r, c, j_scale * rng.choice(grid, r.size),
                                    h_scale * rng.choice(grid, rows * cols), n=rows * cols)


def program_for(chip_name, timing_name, seed=3):
    name, over, js, hs = CHIPS[chip_name]
    spec = load_chip(name).with_params({"topology": {"kind": "model"}, **over, **TIMINGS[timing_name][0]})
    return place_model(king_model(seed, js, hs), spec, scale=1.0)  # values in chip units


def run(program, kernel, *, sweeps=80, burn_in=5, replicas=3, seed=11, beta=0.5):
    options = EngineOptions(kernel=kernel, event=EventOptions(record_flips=True))
    return event_engine.run(program, make_schedule(sweeps, burn_in, 1, replicas, beta, seed), options)


@pytest.mark.parametrize("timing_name", list(TIMINGS))
@pytest.mark.parametrize("chip_name", list(CHIPS))
def test_fast_path_replays_the_generic_golden_trajectories(chip_name, timing_name):
    program = program_for(chip_name, timing_name)
    fast, generic = run(program, "fast"), run(program, "generic")
    assert fast.info["kernel"] == "fast" and generic.info["kernel"] == "generic"
    assert fast.info["reads"].startswith(TIMINGS[timing_name][1]), fast.info["reads"]
    a, b = fast.info["flip_log"], generic.info["flip_log"]
    assert a.counts.min() > 40, "too few flips for the comparison to mean anything"
    np.testing.assert_array_equal(a.counts, b.counts)
    for r in range(a.counts.size):
        for x, y in zip(a.replica(r), b.replica(r)):
            np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(fast.states, generic.states)
    np.testing.assert_array_equal(fast.energies, generic.energies)
    assert fast.info["events"] == generic.info["events"]


def test_stuck_pbits_keep_their_value_and_auto_takes_the_fast_path():
    program = program_for("lfsr-stuck", "poisson-fifo")
    run_ = run(program, "auto")
    stuck = program.datapath(0.5).kernel.stuck                    # physical order, as the event engine runs
    assert run_.info["kernel"] == "fast" and np.count_nonzero(stuck) > 0
    fixed = stuck != 0
    assert np.all(run_.states[:, :, fixed] == stuck[fixed])
    log = run_.info["flip_log"]
    assert not np.isin(log.pbits[0, :log.counts[0]], np.flatnonzero(fixed)).any()


def test_fast_path_changes_the_decision_when_the_table_does():
    """Power: the comparison sees a one-entry change of the decision table."""
    program = program_for("xoroshiro-hard-sigmoid", "poisson-fifo")
    reference = run(program, "fast")
    edp = event_datapath(program, 0.5, physical_csr(program), "fast")
    table = edp.pbit[9]
    middle = table.shape[0] // 2 & ~1
    saved = table[middle:middle + 2].copy()
    table[middle:middle + 2] = (0, 0)                  # that wide sum now always decides -1
    try:
        changed = run(program, "fast")
    finally:
        table[middle:middle + 2] = saved
    assert not np.array_equal(changed.states, reference.states)


def test_chips_outside_the_fast_path():
    """Analog effects need the generic path: 'auto' falls back, 'fast' is refused with the chip's name."""
    spec = load_chip("fpga-sparse-ising").with_params({"topology": {"kind": "model"}, "pbit.gain_sigma": 0.1,
                                                       "clock.mode": "asynchronous"})
    program = place_model(king_model(2, 1.0, 0.5), spec, scale=1.0)
    assert run(program, "auto", sweeps=5).info["kernel"] == "generic"
    with pytest.raises(ChipSpecError, match="fpga-sparse-ising.*fast datapath"):
        run(program, "fast", sweeps=5)
    with pytest.raises(ChipSpecError, match="unknown datapath kernel"):
        run(program, "fastest", sweeps=5)
    ideal = place_model(king_model(2, 0.3, 0.3), load_chip("ideal").with_params({"clock.mode": "asynchronous"}))
    assert "kernel" not in run(ideal, "fast", sweeps=5).info      # the ideal chip has no datapath to choose


def test_datapath_arrays_are_cached_on_the_program():
    program = program_for("lfsr-fibonacci-xnor-symmetric-saturate", "poisson-fifo")
    csr = physical_csr(program)
    assert physical_csr(program) is csr
    first = event_datapath(program, 0.8, csr, "auto")
    assert event_datapath(program, 0.8, csr, "auto") is first
    assert event_datapath(program, 0.9, csr, "auto") is not first    # another beta: another table
