"""LFSR clocking against exact references (issue 16, part 1): the distortion and its disappearance.

An 8-spin model on the fpga-sparse-ising datapath (s[4][1] fixed point, 32-entry |I| table, 32-bit
Fibonacci XNOR LFSR per p-bit, k = L = 32) moved onto the model's own graph (4 colours).  The exact
kernel law takes the words as independent and uniform
(:func:`pbitsim.analysis.kernel_law.kernel_stationary_law` with ``lfsr_as_ideal=True``): it is what the
datapath samples with a perfect random source.

- one shift per update (``fpga-sparse-ising-per-update``): successive words correlated 0.5, and the run
  departs from the exact law by |z| >> 5 (about 36 at 20,000 sweeps x 32 replicas here); the check names
  the LFSR as the cause;
- free-running (the shipped ``fpga-sparse-ising``: one shift per clock, 4 colours -> 4 shifts per
  update): word correlation 2**-4, the run agrees with the law (max |z| <= 5), and the same estimates
  reject the law at beta * 1.25 (the check has power).
"""
import math

import numpy as np
import pytest

import pbitsim as ps
from pbitsim.analysis.rng_correlation import (HIGH_CORRELATION, kernel_law_check, pbit_words,
                                              rng_correlation)
from pbitsim.chip.spec import load_chip
from pbitsim.compiler.seeding import datapath_streams, initial_spins, lfsr_states
from pbitsim.kernels.chromatic_datapath import datapath_sweeps, integer_inputs
from pbitsim.errors import PbitsimError
from pbitsim.testing import random_ising


def model_chip(name, **over):
    return load_chip(name).with_params({"topology": {"kind": "model"}, **over})


MODEL = random_ising(8, seed=3, j_scale=1.0, h_scale=0.5)
SWEEPS, REPLICAS = 12_000, 32


def run(chip_name, **over):
    program = ps.compile(MODEL, model_chip(chip_name, **over))
    return program, ps.simulate(program, sweeps=SWEEPS, burn_in=100, replicas=REPLICAS, seed=1)


def test_per_update_clocking_departs_from_the_kernel_law_and_the_check_names_the_lfsr():
    program, samples = run("fpga-sparse-ising-per-update")
    assert program.colouring.n_colours == 4 and program.report["lfsr_shifts_per_update"] == 1
    chk = kernel_law_check(samples, program, 1.0)
    assert not chk.passed and chk.max_z > 12, chk.message()
    assert chk.rng.high and chk.cause is not None and "LFSR" in chk.cause and "free-running" in chk.cause
    assert "likely cause: the LFSR" in chk.message()


def test_free_running_clocking_samples_the_kernel_law():
    program, samples = run("fpga-sparse-ising")
    assert program.report["lfsr_clocking"] == "free-running"
    assert program.report["lfsr_shifts_per_update"] == program.colouring.n_colours == 4
    chk = kernel_law_check(samples, program, 1.0)
    assert chk.passed and chk.cause is None, chk.message()
    power = kernel_law_check(samples, program, 1.25)        # a 25 % temperature error is seen
    assert not power.passed
    assert power.cause is None                              # ... and not blamed on the LFSR (words are fine)


@pytest.mark.parametrize("steps", [1, 2, 4, 8])
def test_successive_word_correlation_is_two_to_minus_shifts(steps):
    """corr(u, frac(2**s u)) = 2**-s for a Fibonacci register shifted s times between draws."""
    program = ps.compile(MODEL, model_chip("fpga-sparse-ising-per-update", **{"rng.steps_per_update": steps}))
    rc = rng_correlation(program, n_draws=8192, max_pbits=8)
    assert rc.shifts_per_update == steps and rc.k == 32 and not rc.shared and rc.neighbour is None
    # max over 8 p-bits of |corr| ~ N(2**-s, 1/n_draws): within 5 sigma
    assert rc.successive_word == pytest.approx(2.0 ** -steps, abs=5 * rc.noise)
    assert rc.high == (steps <= 2)
    assert "successive words corr" in rc.summary()


def test_shared_register_neighbours_read_delayed_copies():
    """fpga-lfsr-shared (free-running, 4 colours): p-bits of one register see each other's words."""
    program = ps.compile(random_ising(8, seed=1, density=0.4), model_chip("fpga-lfsr-shared"))
    rc = rng_correlation(program, n_draws=2048, max_pbits=8, max_lag=8)
    assert rc.shared and rc.neighbour == pytest.approx(1.0) and rc.high
    # the same p-bits on independent (unshared) registers are not correlated with each other
    own = rng_correlation(ps.compile(random_ising(8, seed=1, density=0.4),
                                     model_chip("fpga-lfsr-shared", **{"rng.shared": False})), n_draws=2048)
    assert own.neighbour is None


def test_words_are_the_engines_words():
    """pbit_words reproduces the registers the engine leaves after a run (replica 0, kernel order)."""
    program = ps.compile(MODEL, model_chip("fpga-sparse-ising"))
    words, k, shifts, dp = pbit_words(program, seed=5, n_draws=3, max_pbits=8)
    assert k == 32 and shifts == 4
    # after 3 sweeps every per-p-bit register has made 3 draws: its last word is the register
    order, ptr = program.colouring.order()
    state, rng, lfsr = datapath_streams(dp, program.chip, 5, initial_spins(8, 1, 5))
    s = state[0]
    fint = np.empty(8, dtype=np.int64)
    integer_inputs(dp.graph, dp.kernel, s, fint)
    datapath_sweeps(dp.graph, dp.kernel, ptr, s, fint, np.empty_like(s), rng, 0, lfsr, 3)
    assert np.array_equal(lfsr[0], words[-1])
    assert np.array_equal(lfsr_states(dp, 5, 1, program.chip)[0] != words[0], np.ones(8, dtype=bool))


def test_not_an_lfsr_chip_is_a_clear_error():
    with pytest.raises(PbitsimError, match="not an LFSR"):
        rng_correlation(ps.compile(MODEL, model_chip("fpga-sparse-ising", **{"rng.kind": "xoroshiro"})))
    assert HIGH_CORRELATION > 0 and math.isfinite(HIGH_CORRELATION)
