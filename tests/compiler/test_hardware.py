"""The datapath compiler (pbitsim.compiler.hardware): LUT, activations, quantization report, variation draws.

Slow, independent references written from ``docs/datapath.md`` are the
oracle; exact-law and engine behaviour are tested in ``test_kernel_law.py``
and ``engines/test_datapath_engine.py``.
"""
import math

import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import load_chip
from pbitsim.compiler.hardware import RNG_CODES, build_datapath, build_lut, conditional_p_plus, rng_code
from pbitsim.compiler.quantize import number_format
from pbitsim.errors import ChipSpecError
from pbitsim.compiler.seeding import lfsr_states
from pbitsim.analysis.exact import codes_to_states
from pbitsim.kernels import pbit_update as K
from pbitsim.kernels.activation import fast_tanh_max_error
from pbitsim.chip.lfsr_taps import MAXIMAL_TAPS, taps_to_mask


def model_chip(name="ideal", **overrides):
    """A shipped chip moved onto the model's own graph, with dotted overrides."""
    return load_chip(name).with_params({"topology": {"kind": "model"}, **overrides})


def random_model(n, seed, j_scale=1.0, h_scale=0.5):
    rng = np.random.default_rng(seed)
    J = np.triu(rng.uniform(-j_scale, j_scale, (n, n)), 1)
    return ps.IsingModel.from_dense(J + J.T, rng.uniform(-h_scale, h_scale, n))


def dense_kernel_weights(dp, values):
    """Dense ``(n, n)`` matrix of per-entry kernel ``values`` back in physical order (row = receiver)."""
    g, n = dp.graph, dp.graph.h.shape[0]
    W = np.zeros((n, n))
    for i in range(n):
        sl = slice(g.indptr[i], g.indptr[i + 1])
        W[i, g.indices[sl]] = values[sl]
    inv = np.argsort(dp.order)
    return W[inv][:, inv]


# ----------------------------------------------------------------- activation accuracy
def test_fast_tanh_accuracy():
    assert fast_tanh_max_error() < 2e-6


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("beta,in_bits,out_bits,shift", [(1.0, 5, 32, 0), (0.37, 4, 8, 0), (2.5, 3, 12, 1),
                                                         (1.0, 6, 16, -1)])
def test_lut_thresholds_formula(symmetric, beta, in_bits, out_bits, shift):
    chip = model_chip(**{"pbit.activation": "lut", "pbit.lut_input_bits": in_bits,
                         "pbit.lut_output_bits": out_bits, "pbit.lut_symmetric": symmetric,
                         "accumulator.beta_shift": shift})
    lsb = 0.25
    lut = build_lut(chip, beta, lsb)
    size = 2 ** in_bits
    assert lut.dtype == np.uint64 and lut.shape == (size,)
    for k in range(size):
        v = (k if symmetric else k - size // 2) * lsb * 2.0 ** shift
        expect = min(max(round(2 ** out_bits * (1 + math.tanh(beta * v)) / 2), 0), 2 ** out_bits - 1)
        assert int(lut[k]) == expect, k
    assert int(lut.max()) <= 2 ** out_bits - 1          # clipped: a threshold fits its L bits


def test_reference_rtl_table():
    """fpga-sparse-ising: 32 entries of |I| = 0, 0.5, ..., 15.5, 32-bit thresholds."""
    chip = load_chip("fpga-sparse-ising")
    m = random_model(4, 0)
    dp = build_datapath(chip.with_params({"topology": {"kind": "model"}}), m, 1.0, np.arange(4))
    lut = dp.lut_thresholds
    assert lut.shape == (32,)
    assert int(lut[0]) == 2 ** 31                      # P = 1/2 at I = 0
    assert int(lut[1]) == round(2 ** 32 * (1 + math.tanh(0.5)) / 2)
    assert int(lut[-1]) == 2 ** 32 - 1                 # saturated entries: never exactly 1
    assert dp.kernel.real[K.LSB] == 0.5


def test_lut_with_beta_shift_agrees_with_tanh_activation():
    """Regression: the table's step must be the *shifted* accumulator lsb (was counted twice)."""
    m = random_model(5, 3, j_scale=1.5)
    base = {"weights.format": "fixed", "weights.total_bits": 10, "weights.frac_bits": 4,
            "bias.format": "fixed", "bias.total_bits": 10, "bias.frac_bits": 4,
            "accumulator.format": "fixed", "accumulator.total_bits": 12, "accumulator.frac_bits": 4,
            "accumulator.beta_shift": 2, "rng.kind": "xoroshiro", "rng.output_bits": 40}
    lut_chip = model_chip(**base, **{"pbit.activation": "lut", "pbit.lut_input_bits": 8,
                                     "pbit.lut_output_bits": 40})
    tanh_chip = model_chip(**base)
    states = codes_to_states(np.arange(32), 5)
    p_lut = conditional_p_plus(build_datapath(lut_chip, m, 0.9, np.arange(5)), states)
    p_tanh = conditional_p_plus(build_datapath(tanh_chip, m, 0.9, np.arange(5)), states)
    np.testing.assert_allclose(p_lut, p_tanh, atol=3e-6)


def test_float_lut_indexes_by_rounded_input():
    chip = model_chip(**{"pbit.activation": "lut", "pbit.lut_input_bits": 4, "pbit.lut_output_bits": 20,
                         "accumulator.frac_bits": 2, "rng.kind": "xoroshiro", "rng.output_bits": 20})
    m = ps.IsingModel.from_dense(np.array([[0.0, 0.3], [0.3, 0.0]]), np.array([0.2, -5.0]))
    dp = build_datapath(chip, m, 1.0, np.arange(2))
    p = conditional_p_plus(dp, np.array([[1, 1], [1, -1]]))
    lut = dp.lut_thresholds.astype(float) / 2 ** 20
    # p-bit 0: x = 0.2 +- 0.3 -> 0.5 (index 2), -0.1 (index 0); p-bit 1: x = -4.7 -> index -19 -> clip 15
    assert p[0, 0] == lut[2] and p[1, 0] == lut[0]
    assert p[0, 1] == pytest.approx(1 - lut[15])


# ----------------------------------------------------------------- quantization report
def test_quantization_report_hand_checked():
    """s[4][1] (step 0.5, range -16 .. 15.5), nearest-even, saturate: the datapath's own quantization of
    off-grid physical values (a compiled program is already on the grid; see test_quantize.py)."""
    J = np.zeros((3, 3))
    J[0, 1] = J[1, 0] = 0.3      # -> 0.5, error 0.2 (twice: one entry per receiving p-bit)
    J[1, 2] = J[2, 1] = 20.0     # -> 15.5 saturated, error 4.5 (twice)
    h = np.array([0.25, -0.75, 1.0])  # 0.5 -> 0 (tie to even), -1.5 -> -2 (tie to even), exact
    m = ps.IsingModel.from_dense(J, h)
    chip = model_chip("fpga-sparse-ising")
    rep = build_datapath(chip, m, 1.0, np.arange(3)).report
    w, b = rep["weights"], rep["bias"]
    assert w["n"] == 4
    assert w["max_abs_error"] == pytest.approx(4.5)
    assert w["rms_error"] == pytest.approx(math.sqrt((2 * 0.2 ** 2 + 2 * 4.5 ** 2) / 4))
    assert w["fraction_clipped"] == 0.5
    assert w["max_abs_in"] == 20.0 and w["max_abs_out"] == 15.5
    assert b["n"] == 3
    assert b["max_abs_error"] == pytest.approx(0.25)
    assert b["rms_error"] == pytest.approx(math.sqrt(2 * 0.25 ** 2 / 3))
    assert b["fraction_clipped"] == 0.0 and b["max_abs_out"] == 1.0
    assert rep["weight_format"] == "Q(6,1) signed saturate nearest_even"
    assert rep["accumulator_format"].startswith("Q(6,1) signed saturate")
    assert rep["activation"] == "lut" and rep["rng"] == "lfsr" and rep["rng_bits"] == 32
    assert rep["lfsr_taps"] == [32, 22, 2, 1]
    assert ps.compile(m, chip).colouring.n_colours == 2  # a path 0-1-2 is bipartite
    # and the codes themselves
    dp = build_datapath(chip, m, 1.0, np.arange(3))
    assert list(dp.kernel.hint) == [0, -2, 2]
    np.testing.assert_array_equal(dense_kernel_weights(dp, dp.kernel.wint),
                                  [[0, 1, 0], [1, 0, 31], [0, 31, 0]])


def test_mixed_fraction_bits_align_to_common_scale():
    chip = model_chip("fpga-sparse-ising", **{"weights.frac_bits": 3, "weights.total_bits": 8,
                                              "accumulator.frac_bits": 2, "accumulator.total_bits": 8})
    m = ps.IsingModel.from_dense(np.array([[0.0, 0.375], [0.375, 0.0]]), np.array([1.5, -0.5]))
    dp = build_datapath(chip, m, 1.0, np.arange(2))
    cfg = dp.kernel.cfg
    # F = max(3, 1) = 3: bias codes 3, -1 become 12, -4; the sum is shifted down by 1 to the accumulator
    assert list(dp.kernel.hint) == [12, -4] and list(dp.kernel.wint) == [3, 3]
    assert cfg[K.ALIGN_DOWN] == 1 and cfg[K.ALIGN_UP] == 0
    assert dp.kernel.real[K.LSB] == 0.25


# ----------------------------------------------------------------- device variation is part of the chip
def test_variation_draws_do_not_depend_on_kernel_order():
    """Regression: mismatch and stochastic rounding were drawn in kernel (colour) order."""
    chip = model_chip(**{"weights.mismatch_rel_sigma": 0.3, "weights.mismatch_abs_sigma": 0.1,
                         "weights.format": "fixed", "weights.total_bits": 12, "weights.frac_bits": 6,
                         "weights.rounding": "stochastic", "bias.format": "fixed", "bias.total_bits": 12,
                         "bias.frac_bits": 3, "bias.rounding": "stochastic",
                         "accumulator.format": "fixed", "accumulator.total_bits": 16,
                         "accumulator.frac_bits": 6, "pbit.gain_sigma": 0.2, "pbit.offset_sigma": 0.1,
                         "pbit.stuck_fraction": 0.4, "pbit.variation_seed": 5})
    m = random_model(7, 1)
    a = build_datapath(chip, m, 1.0, np.arange(7))
    b = build_datapath(chip, m, 1.0, np.array([4, 0, 6, 2, 5, 1, 3]))
    np.testing.assert_array_equal(dense_kernel_weights(a, a.kernel.wint), dense_kernel_weights(b, b.kernel.wint))
    inv = np.argsort(b.order)
    for field in ("hint", "gain", "offset", "stuck"):
        np.testing.assert_array_equal(getattr(a.kernel, field), getattr(b.kernel, field)[inv], err_msg=field)
    # a different variation seed is a different chip
    c = build_datapath(chip.with_params({"pbit.variation_seed": 6}), m, 1.0, np.arange(7))
    assert not np.array_equal(c.kernel.gain, a.kernel.gain)


def test_variation_statistics():
    chip = model_chip(**{"pbit.gain_sigma": 0.1, "pbit.offset_sigma": 0.2, "pbit.stuck_fraction": 0.05,
                         "weights.mismatch_rel_sigma": 0.05, "weights.mismatch_abs_sigma": 0.02})
    n = 2000
    rows = np.arange(n - 1)
    m = ps.IsingModel.from_edges(rows, rows + 1, np.ones(n - 1), np.zeros(n), n=n)
    kd = build_datapath(chip, m, 1.0, np.arange(n)).kernel
    assert kd.gain.std() == pytest.approx(0.1, rel=5 / math.sqrt(2 * n))
    assert kd.gain.mean() == pytest.approx(1.0, abs=5 * 0.1 / math.sqrt(n))
    assert kd.offset.std() == pytest.approx(0.2, rel=5 / math.sqrt(2 * n))
    assert np.count_nonzero(kd.stuck == 1) == 50 and np.count_nonzero(kd.stuck == -1) == 50
    dev = kd.wflt - 1.0                                  # J = 1: deviation has std sqrt(0.05^2 + 0.02^2)
    assert dev.std() == pytest.approx(math.hypot(0.05, 0.02), rel=5 / math.sqrt(dev.size))
    assert kd.cfg[K.ANALOG] == 1


def test_stuck_pbits_have_degenerate_conditionals():
    chip = model_chip(**{"pbit.stuck_fraction": 0.5, "rng.kind": "xoroshiro", "rng.output_bits": 16})
    m = random_model(4, 2)
    dp = build_datapath(chip, m, 1.0, np.arange(4))
    p = conditional_p_plus(dp, codes_to_states(np.arange(16), 4))
    for i in np.flatnonzero(dp.kernel.stuck):
        assert np.all(p[:, i] == (1.0 if dp.kernel.stuck[i] > 0 else 0.0))


# ----------------------------------------------------------------- RNG configuration
def test_rng_config_words():
    m = random_model(10, 0)
    chip = model_chip("fpga-lfsr-shared", **{"rng.clocking": "per-update", "rng.steps_per_update": 4})
    dp = build_datapath(chip, m, 1.0, np.array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]))
    kd = dp.kernel
    # registers wired by physical index: group = p // 4, window offset = (p % 4) * 4 stages
    np.testing.assert_array_equal(kd.slot, dp.order // 4)
    np.testing.assert_array_equal(kd.off, (dp.order % 4) * 4)
    assert dp.n_registers == 3
    assert kd.cfg[K.RNG_BITS] == 16 and kd.cfg[K.LFSR_STEPS] == 4 and kd.cfg[K.LFSR_SHARED] == 1
    regs = lfsr_states(dp, 7, 2, chip)
    assert regs.shape == (2, 3) and regs.dtype == np.uint64
    assert np.all(regs != np.uint64(2 ** 32 - 1)) and np.all(regs < np.uint64(2 ** 32))  # no XNOR lock-up
    # ideal RNG: 53-bit words for tanh/hard sigmoid, L-bit words for a table
    assert build_datapath(model_chip(), m, 1.0, np.arange(10)).kernel.cfg[K.RNG_BITS] == 53
    lut_ideal = model_chip(**{"pbit.activation": "lut", "pbit.lut_output_bits": 12})
    assert build_datapath(lut_ideal, m, 1.0, np.arange(10)).kernel.cfg[K.RNG_BITS] == 12


def test_64_bit_lfsr_mask():
    """Regression: a 64-bit tap mask overflowed the int64 config vector."""
    chip = model_chip("fpga-sparse-ising", **{"rng.width": 64, "rng.taps": [], "rng.output_bits": 64,
                                              "pbit.lut_output_bits": 63})
    m = random_model(3, 0)
    dp = build_datapath(chip, m, 1.0, np.arange(3))
    assert np.uint64(dp.kernel.cfg[K.LFSR_MASK].view(np.uint64)) == np.uint64(taps_to_mask(MAXIMAL_TAPS[64]))
    run = ps.simulate(m, chip, sweeps=200, replicas=2, seed=3)
    assert run.states.shape == (2, 200, 3)
    assert 0.2 < (run.states > 0).mean() < 0.8


# ----------------------------------------------------------------- shipped chips
def chip_features(chip):
    """The datapath features a chip description uses."""
    p, r, w, a = chip.pbit, chip.rng, chip.weights, chip.accumulator
    fixed = chip.is_fixed_point
    return {name for name, used in [
        ("fixed point", fixed), ("wrap overflow", fixed and "wrap" in (w.overflow, chip.bias.overflow, a.overflow)),
        ("beta shift", fixed and a.beta_shift != 0), ("lut", p.activation == "lut"),
        ("hard sigmoid", p.activation == "hard_sigmoid"), ("xoroshiro k-bit", r.kind == "xoroshiro"),
        ("per-p-bit lfsr", r.kind == "lfsr" and not r.shared), ("shared lfsr", r.kind == "lfsr" and r.shared),
        ("gain variation", p.gain_sigma > 0), ("offset variation", p.offset_sigma > 0),
        ("stuck p-bits", p.stuck_fraction > 0), ("input noise", p.input_noise_sigma > 0),
        ("coupling mismatch", w.mismatch_rel_sigma > 0 or w.mismatch_abs_sigma > 0)] if used}


def test_every_datapath_feature_ships_in_some_chip():
    from pbitsim.chip.spec import shipped_chip_names
    covered = set().union(*(chip_features(load_chip(name)) for name in shipped_chip_names()))
    assert covered >= {
        "fixed point", "wrap overflow", "beta shift", "lut", "hard sigmoid", "xoroshiro k-bit",
        "per-p-bit lfsr", "shared lfsr", "gain variation", "offset variation", "stuck p-bits",
        "input noise", "coupling mismatch"}


def test_reference_rtl_chip_is_the_documented_datapath():
    c = load_chip("fpga-sparse-ising")
    assert (c.weights.total_bits, c.weights.frac_bits, c.weights.overflow) == (6, 1, "saturate")
    assert (c.bias.total_bits, c.bias.frac_bits) == (6, 1)
    assert (c.accumulator.total_bits, c.accumulator.frac_bits, c.accumulator.overflow) == (6, 1, "saturate")
    assert (c.pbit.activation, c.pbit.lut_input_bits, c.pbit.lut_output_bits, c.pbit.lut_symmetric) == \
        ("lut", 5, 32, True)
    assert (c.rng.kind, c.rng.width, tuple(c.rng.taps), c.rng.feedback, c.rng.structure, c.rng.output_bits,
            c.rng.shared, c.rng.steps_per_update) == ("lfsr", 32, (32, 22, 2, 1), "xnor", "fibonacci", 32, False, 1)


@pytest.mark.parametrize("name", ["fpga-sparse-ising", "fpga-lfsr-shared", "fpga-xoroshiro-pwl",
                                  "analog-variation"])
def test_cli_runs_datapath_chip(name, capsys):
    from pbitsim.cli import main
    assert main(["run", name, "--sweeps", "50", "--burn-in", "5", "--replicas", "2"]) == 0
    assert "datapath" in capsys.readouterr().out


# ----------------------------------------------------------------- one format, one RNG code space
def test_one_number_format_for_the_compiler_and_the_datapath():
    """The datapath runs each section's own overflow mode; the compiler programs the same grid, saturating."""
    chip = load_chip("fpga-lfsr-shared")                      # accumulator wraps
    m = ps.IsingModel.from_dense([[0, 1.0], [1.0, 0]], [0.5, -0.25])
    dp = build_datapath(chip, m, 1.0, np.arange(2))
    assert (dp.weight_format, dp.bias_format, dp.acc_format) == tuple(
        number_format(chip, s) for s in ("weights", "bias", "accumulator"))
    assert dp.acc_format.overflow == "wrap"
    for s in ("weights", "bias", "accumulator"):
        run, programmed = number_format(chip, s), number_format(chip, s, saturate=True)
        assert programmed == run.__class__(run.total_bits, run.frac_bits, True, run.rounding, "saturate")
    assert number_format(load_chip("ideal"), "weights") is None


def test_rng_kinds_have_one_code_space():
    assert [rng_code(k) for k in ("ideal", "xoroshiro", "lfsr")] == [K.RNG_IDEAL, K.RNG_XOROSHIRO, K.RNG_LFSR]
    assert len(set(RNG_CODES.values())) == len(RNG_CODES) == 3
    for name, kind in (("ideal", "ideal"), ("fpga-xoroshiro-pwl", "xoroshiro"), ("fpga-sparse-ising", "lfsr")):
        chip = load_chip(name).with_params({"topology": {"kind": "model"}})
        kd = build_datapath(chip, ps.IsingModel.from_dense(np.zeros((2, 2))), 1.0, np.arange(2)).kernel
        assert kd.cfg[K.RNG_KIND] == rng_code(kind)
    with pytest.raises(ChipSpecError, match="unknown \\[rng\\] kind 'quantum'; allowed: ideal, xoroshiro, lfsr"):
        rng_code("quantum")


# ----------------------------------------------------------------- LFSR clocking (issue 16)
@pytest.mark.parametrize("mode, steps, expect", [
    ("chromatic", 1, lambda C, n: C), ("clocked", 1, lambda C, n: C), ("chromatic", 3, lambda C, n: 3 * C),
    ("sequential", 1, lambda C, n: n), ("naive_parallel", 2, lambda C, n: 2)])
def test_free_running_shifts_follow_clock_and_colouring(mode, steps, expect):
    from pbitsim.compiler.hardware import lfsr_shifts_per_update
    m = random_model(7, 1)                                  # dense: 7 colours
    chip = model_chip("fpga-sparse-ising", **{"clock.mode": mode, "rng.steps_per_update": steps})
    assert chip.rng.clocking == "free-running"
    p = ps.compile(m, chip)
    C, n = p.colouring.n_colours, p.n_physical
    assert C == 7
    assert p.datapath(1.0).kernel.cfg[K.LFSR_STEPS] == expect(C, n) == lfsr_shifts_per_update(chip, C, n)
    assert p.report["lfsr_clocking"] == "free-running" and p.report["lfsr_shifts_per_update"] == expect(C, n)
    assert p.datapath(1.0).report["lfsr_shifts_per_update"] == expect(C, n)
    per = ps.compile(m, chip.with_params({"rng.clocking": "per-update"}))   # as written, whatever the clock
    assert per.datapath(1.0).kernel.cfg[K.LFSR_STEPS] == steps == per.report["lfsr_shifts_per_update"]


def test_asynchronous_free_running_shifts_are_the_mean_cycles_between_updates():
    from pbitsim.compiler.hardware import lfsr_shifts_per_update
    chip = model_chip("fpga-sparse-ising", **{"clock.mode": "asynchronous", "clock.frequency_mhz": 500.0,
                                              "timing.neuron_time_ns": 10.0})
    assert lfsr_shifts_per_update(chip, 4, 10) == 5                  # 10 ns * 500 MHz cycles
    assert lfsr_shifts_per_update(chip.with_params({"timing.neuron_time_ns": 0.1}), 4, 10) == 1   # at least 1


def test_shared_free_running_windows_move_with_the_colour():
    """Colour c reads s (C - 1 - c) stages further along; too far for the register is an error."""
    m = random_model(8, 2)
    chip = model_chip("fpga-lfsr-shared", **{"rng.share_shift": 2, "rng.output_bits": 8})
    p = ps.compile(m, chip)
    C = p.colouring.n_colours
    order = p.colouring.order()[0]
    kd = p.datapath(1.0, order).kernel
    colour = np.asarray(p.colouring.colours)[order]
    np.testing.assert_array_equal(kd.off, (order % 4) * 2 + (C - 1 - colour))
    assert kd.cfg[K.LFSR_STEPS] == C
    per = ps.compile(m, chip.with_params({"rng.clocking": "per-update"})).datapath(1.0, order).kernel
    np.testing.assert_array_equal(per.off, (order % 4) * 2)
    with pytest.raises(ChipSpecError, match="free-running shared LFSR windows need"):
        ps.compile(m, chip.with_params({"rng.output_bits": 16, "rng.share_shift": 5})).datapath(1.0)


def test_64_bit_thresholds_do_not_overflow():
    """lut_output_bits = 64 (docs/chips.md allows it): uint64 thresholds, exact ends, 64-bit comparator."""
    from pbitsim.compiler.hardware import thresholds_from_probabilities
    t = thresholds_from_probabilities(np.array([0.0, 0.5, 0.75, 1.0 - 2.0 ** -60, 1.0]), 64)
    assert t.dtype == np.uint64
    assert [int(x) for x in t] == [0, 1 << 63, 3 << 62, 2 ** 64 - 1, 2 ** 64 - 1]
    chip = model_chip("fpga-sparse-ising", **{"pbit.lut_output_bits": 64, "rng.width": 64, "rng.taps": [],
                                              "rng.output_bits": 64})
    m = random_model(5, 3, j_scale=8.0)
    dp = build_datapath(chip, m, 1.0, np.arange(5))
    lut = dp.lut_thresholds
    top = 2 ** 64 * (1 + math.tanh(15.5)) / 2                          # 2**64 (1 - 3.4e-14): not saturated
    assert lut.dtype == np.uint64 and int(lut[0]) == 1 << 63 and abs(int(lut[-1]) - top) <= 2 ** 11
    assert np.all(np.diff(lut.astype(object)) >= 0)                     # monotone, no wrap-around
    ideal = build_datapath(chip.with_params({"rng.kind": "xoroshiro", "rng.output_bits": 53}), m, 1.0, np.arange(5))
    p = conditional_p_plus(ideal, codes_to_states(np.arange(32), 5))
    assert np.all((p > 0) & (p < 1))
    # k = L = 64: +1 iff T > w, compared as uint64 on both sides of the top threshold
    from pbitsim.kernels.pbit_update import decide
    kd = dp.kernel
    big = np.int64(10 ** 6)                                            # saturates: top table entry
    T = int(lut[-1])
    for start in (2 ** 64 - 2, 2 ** 62, 12345):                        # words above and below T
        lfsr = np.array([[np.uint64(start)]], dtype=np.uint64)
        out = decide(kd.cfg, kd.real, kd.gain, kd.offset, kd.stuck, kd.lut, 0, big, 0.0,
                     np.zeros((1, 2), dtype=np.uint64), 0, lfsr, 0, 0)
        assert out == (1 if T > int(lfsr[0, 0]) else -1)
    run = ps.simulate(ps.compile(m, chip), sweeps=50, replicas=2, seed=1)
    assert set(np.unique(run.states)) <= {-1, 1}
