"""Exact laws of non-ideal kernels (pbitsim.analysis.kernel_law) against the sampler and against Boltzmann.

For each hardware feature that keeps the chain Markov, the stationary law of
the exact sweep matrix (built from the datapath's exact conditional
probabilities) must match what ``simulate`` samples, within a tolerance taken
from the samples' own replica spread; the same samples must sit many error
bars away from the ideal Boltzmann law, by the amount the kernel law predicts.

Statistics (tolerances from the samples themselves, 16 independent replicas):
``law_test`` is a chi-square of the pooled state histogram against a law, each
bin's error bar the replica standard error (so autocorrelation is included),
accepted below the 99.9 % quantile of a sum of squared Student-t(15)
variables (calibrated on the ideal chip: 40 seeds of 6-spin glasses at
|J| <= 1.5 stay below 0.72 of that limit).  The same samples must exceed
``REJECT`` times the limit against the Boltzmann law, and their total-variation
distance from Boltzmann must equal the kernel law's within the 99.9 % noise
quantile of the TV (``tv_test``).
"""
import math

import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import load_chip
from pbitsim.compiler.hardware import build_datapath, conditional_p_plus
from pbitsim.errors import ChipSpecError
from pbitsim.analysis.exact import codes_to_states, exact_law, total_variation
from pbitsim.analysis.kernel_law import (datapath_p_plus, gibbs_p_plus, kernel_stationary_law, phase_matrix,
                                schedule_phases, stationary, sweep_matrix)
from pbitsim.compiler.pipeline import place_model
from pbitsim.testing import fixed_format, ideal_chip_with, law_test, random_ising, tv_test

REPLICAS = 16
REJECT = 10.0       # a wrong law must miss by this many times the acceptance limit


# ----------------------------------------------------------------- helpers
def random_model(n, seed, j_scale=1.0, h_scale=0.5, density=0.7):
    return random_ising(n, seed, j_scale, h_scale, density)


chip = ideal_chip_with
fixed = fixed_format


def programmed(model, chip):
    """The model's values in chip units (``scale=1``): these tests check the datapath's law for given codes."""
    return place_model(model, chip, scale=1.0)


def check_against_kernel_law(program, mode=None, *, sweeps=20_000, seed=1, beta=1.0):
    """Sample; the histogram matches the exact kernel law and misses Boltzmann by the predicted TV."""
    pi_kernel = kernel_stationary_law(program, beta, mode)
    boltz = exact_law(program.physical, program.physical_beta(beta)).probs
    run = ps.simulate(program, sweeps=sweeps, burn_in=200, replicas=REPLICAS, seed=seed, beta=beta,
                      engine=mode)
    chi2_k, limit_k = law_test(run.states, pi_kernel)
    chi2_b, limit_b = law_test(run.states, boltz)
    tv_b, tol = tv_test(run.states, boltz)
    predicted = total_variation(pi_kernel, boltz)
    # for the power check below: the same kernel's law at beta * 1.1
    chi2_w, limit_w = law_test(run.states, kernel_stationary_law(program, 1.1 * beta, mode))
    numbers = dict(chi2_kernel=chi2_k, limit_kernel=limit_k, chi2_boltzmann=chi2_b, limit_boltzmann=limit_b,
                   tv_boltzmann=tv_b, predicted_tv=predicted, tv_tol=tol,
                   chi2_kernel_beta_1_1=chi2_w, limit_kernel_beta_1_1=limit_w)
    print(numbers)
    assert chi2_k < limit_k, f"sampler does not match the exact kernel law: {numbers}"
    assert chi2_w > REJECT * limit_w, f"the kernel-law check cannot see beta * 1.1: {numbers}"
    # the same test rejects the ideal law by a wide margin ...
    assert chi2_b > REJECT * limit_b, f"kernel law indistinguishable from Boltzmann: {numbers}"
    # ... and the sampler's distance from it is the one the kernel law predicts
    assert abs(tv_b - predicted) < tol and predicted > 5 * tol, numbers
    return run, pi_kernel, numbers


# ----------------------------------------------------------------- kernel_law itself
def test_ideal_gibbs_schedules_preserve_boltzmann_and_naive_parallel_does_not():
    m = random_model(6, 3)
    prog = place_model(m, "ideal")
    p = gibbs_p_plus(m, 1.0)
    boltz = exact_law(m, 1.0).probs
    for mode in ("chromatic", "sequential"):
        T = sweep_matrix(p, schedule_phases(prog, mode))
        np.testing.assert_allclose(T.sum(axis=1), 1.0, atol=1e-12)
        pi = stationary(T)
        np.testing.assert_allclose(pi @ T, pi, atol=1e-12)
        np.testing.assert_allclose(pi, boltz, atol=1e-10)
    pi_par = stationary(sweep_matrix(p, schedule_phases(prog, "naive_parallel")))
    assert total_variation(pi_par, boltz) > 0.05


def test_phase_matrix_single_pbit_is_heat_bath():
    m = random_model(3, 0)
    p = gibbs_p_plus(m, 0.7)
    M = phase_matrix(p, [1])
    for code in range(8):
        up, down = code | 2, code & ~2
        assert M[code, up] == pytest.approx(p[code, 1])
        assert M[code, down] == pytest.approx(1 - p[code, 1])
        assert M[code].sum() == pytest.approx(1.0)


def test_ideal_datapath_conditionals_equal_gibbs():
    m = random_model(5, 4)
    prog = place_model(m, "ideal")
    np.testing.assert_allclose(datapath_p_plus(prog, 1.3), gibbs_p_plus(m, 1.3), atol=2e-6)


def test_non_markov_datapaths_have_no_exact_conditionals():
    m = random_model(4, 1)
    for c in (load_chip("fpga-sparse-ising").with_params({"topology": {"kind": "model"}}),
              chip(pbit={"input_noise_sigma": 0.1})):
        dp = build_datapath(c, m, 1.0, np.arange(4))
        with pytest.raises(ChipSpecError):
            conditional_p_plus(dp, codes_to_states(np.arange(16), 4))


def ref_conditional(J, h, beta, state, i, *, wbits, wfrac, hbits, hfrac, abits, afrac, lut_bits, L, k):
    """Slow, independent P(+1) of a fixed-point + symmetric-LUT + k-bit-RNG p-bit (saturating)."""
    def code(x, bits, frac):
        c = round(x * 2 ** frac)  # Python round: ties to even
        return max(-2 ** (bits - 1), min(2 ** (bits - 1) - 1, c))
    F = max(wfrac, hfrac)
    A = code(h[i], hbits, hfrac) << (F - hfrac)
    A += sum((code(J[i, j], wbits, wfrac) << (F - wfrac)) * state[j] for j in range(len(h)) if J[i, j] != 0)
    A = A << (afrac - F) if afrac >= F else A >> (F - afrac)
    a = max(-2 ** (abits - 1), min(2 ** (abits - 1) - 1, A))
    t = min(round(2 ** L * (1 + math.tanh(beta * min(abs(a), 2 ** lut_bits - 1) * 2.0 ** -afrac)) / 2), 2 ** L - 1)
    p = (t >> (L - k)) / 2 ** k if k < L else t / 2 ** L
    return 1 - p if a < 0 else p


def test_conditional_p_plus_matches_slow_reference():
    m = random_model(5, 7, j_scale=3.0, h_scale=2.0)
    fmt = dict(wbits=6, wfrac=2, hbits=5, hfrac=1, abits=6, afrac=1, lut_bits=3, L=10, k=6)
    c = chip(weights=fixed(6, 2), bias=fixed(5, 1), accumulator=fixed(6, 1),
             pbit={"activation": "lut", "lut_input_bits": 3, "lut_output_bits": 10},
             rng={"kind": "xoroshiro", "output_bits": 6})
    states = codes_to_states(np.arange(32), 5)
    p = conditional_p_plus(build_datapath(c, m, 0.8, np.arange(5)), states)
    J = m.J.toarray()
    for code in range(32):
        for i in range(5):
            assert p[code, i] == ref_conditional(J, m.h, 0.8, states[code], i, **fmt)


def test_law_test_accepts_the_ideal_sampler_and_rejects_a_wrong_beta():
    """The statistic itself: an exact Gibbs sampler passes against Boltzmann, fails at beta * 1.1."""
    m = random_model(6, 12, j_scale=1.5)
    run = ps.simulate(place_model(m, "ideal"), sweeps=20_000, burn_in=200, replicas=REPLICAS, seed=2)
    chi2, limit = law_test(run.states, exact_law(m, 1.0).probs)
    assert chi2 < limit
    chi2, limit = law_test(run.states, exact_law(m, 1.1).probs)
    assert chi2 > 2 * limit


# ----------------------------------------------------------------- sampler == exact kernel law
LUT_XORO = dict(weights=fixed(6, 2), bias=fixed(6, 2), accumulator=fixed(6, 1),
                pbit={"activation": "lut", "lut_input_bits": 3, "lut_output_bits": 10},
                rng={"kind": "xoroshiro", "output_bits": 4})


@pytest.mark.parametrize("k", [4, 14])   # comparator drops threshold bits (k < L) or word bits (k > L)
def test_fixed_point_lut_xoroshiro_kbit(k):
    c = chip(**{**LUT_XORO, "rng": {"kind": "xoroshiro", "output_bits": k}})
    prog = programmed(random_model(6, 2, j_scale=1.5, h_scale=1.0), c)
    _, _, r = check_against_kernel_law(prog)
    assert r["predicted_tv"] > 0.05


def test_fixed_point_wrap_overflow():
    m = random_model(5, 11, j_scale=1.5, h_scale=1.0, density=1.0)
    c = chip(weights=fixed(7, 1), bias=fixed(7, 1), accumulator=fixed(4, 1, "wrap"),
             rng={"kind": "xoroshiro", "output_bits": 16})
    prog = programmed(m, c)
    run, pi_wrap, _ = check_against_kernel_law(prog, beta=0.5)
    # wrap really triggers: inputs outside the accumulator's range -4 .. 3.5, weighted by the
    # kernel's stationary law, hit on average > 0.5 p-bits per state
    fields = m.local_fields(codes_to_states(np.arange(32), 5).astype(np.float64))
    wrapping = ((fields < -4) | (fields > 3.5)).sum(axis=1)
    assert pi_wrap @ wrapping > 0.5
    # and it matters: the saturating accumulator has a different law, which the samples reject
    pi_sat = kernel_stationary_law(programmed(m, c.with_params({"accumulator.overflow": "saturate"})), 0.5)
    chi2, limit = law_test(run.states, pi_sat)
    assert chi2 > REJECT * limit


def test_float_hard_sigmoid_ideal_rng():
    prog = programmed(random_model(7, 5, j_scale=0.8), chip(pbit={"activation": "hard_sigmoid"}))
    check_against_kernel_law(prog)


def test_gain_offset_variation_and_stuck_pbits():
    c = chip(**{**LUT_XORO, "pbit": {**LUT_XORO["pbit"], "gain_sigma": 0.3, "offset_sigma": 0.4,
                                      "stuck_fraction": 0.25, "variation_seed": 3}})
    prog = programmed(random_model(8, 6, j_scale=1.2), c)
    run, pi, _ = check_against_kernel_law(prog, sweeps=10_000)
    stuck = prog.datapath(1.0).kernel.stuck
    assert np.count_nonzero(stuck) == 2
    for i in np.flatnonzero(stuck):
        assert np.all(run.states[:, :, i] == stuck[i])


def test_coupling_mismatch_asymmetric():
    c = chip(weights={"mismatch_rel_sigma": 0.4, "mismatch_abs_sigma": 0.2})
    m = random_model(6, 8, j_scale=1.5, density=1.0)
    prog = programmed(m, c)
    kd = build_datapath(c, m, 1.0, np.arange(6))
    W = np.zeros((6, 6))
    for i in range(6):
        sl = slice(kd.graph.indptr[i], kd.graph.indptr[i + 1])
        W[i, kd.graph.indices[sl]] = kd.kernel.wflt[sl]
    assert np.abs(W - W.T).max() > 0.2          # J_ij != J_ji: no Boltzmann law of any model
    check_against_kernel_law(prog)


@pytest.mark.parametrize("mode", ["sequential", "naive_parallel"])
def test_schedules_with_datapath(mode):
    prog = programmed(random_model(6, 9, j_scale=1.0), chip(**LUT_XORO))
    run, _, _ = check_against_kernel_law(prog, mode)
    if mode == "naive_parallel":  # updating neighbours together is a different law again
        chi2, limit = law_test(run.states, kernel_stationary_law(prog, 1.0, "chromatic"))
        assert chi2 > REJECT * limit


def test_compiled_program_law_at_the_user_beta():
    """A compiled (scaled, beta_factor < 1) program: the law at the user's beta is what simulate samples at
    the same beta (both run the chip at program.physical_beta(beta), from the program's one datapath)."""
    c = chip(weights=fixed(6, 1), bias=fixed(6, 1), accumulator=fixed(8, 1),
             pbit={"activation": "lut", "lut_input_bits": 6, "lut_output_bits": 12},
             rng={"kind": "xoroshiro", "output_bits": 12})
    prog = ps.compile(random_model(6, 3, j_scale=0.6, h_scale=0.4), c)
    assert prog.beta_factor < 0.5
    run = ps.simulate(prog, sweeps=20_000, burn_in=200, replicas=REPLICAS, seed=4, beta=1.5)
    assert run.info["physical_beta"] == prog.physical_beta(1.5)
    chi2, limit = law_test(run.states, kernel_stationary_law(prog, 1.5))
    assert chi2 < limit, (chi2, limit)
    for wrong in (1.1 * 1.5, 1.5 / prog.beta_factor):   # power: beta * 1.1; beta_factor forgotten
        chi2, limit = law_test(run.states, kernel_stationary_law(prog, wrong))
        assert chi2 > REJECT * limit, (wrong, chi2, limit)
    # fine 6-bit weights: the quantized law is close to the model's Boltzmann law at the user's beta
    tv, tol = tv_test(run.states, exact_law(prog.logical, 1.5).probs)
    assert tv < 0.05, (tv, tol)
