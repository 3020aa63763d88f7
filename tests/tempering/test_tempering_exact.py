"""Exact laws of tempering (pbitsim/tempering/exact.py) and the table cost of a rung's beta (precision.py)."""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.analysis.exact import exact_law
from pbitsim.analysis.kernel_law import kernel_stationary_law
from pbitsim.errors import PbitsimError
from pbitsim.tempering.exact import swap_acceptance, tempering_law
from pbitsim.tempering.precision import table_error
from pbitsim.testing.engine_suite import DATAPATHS, FRUSTRATED, ideal_chip_with

BETAS = np.array([0.4, 1.0])


def test_boltzmann_kernels_give_boltzmann_rungs_and_the_product_acceptance():
    program = ps.place_model(FRUSTRATED, "ideal")
    marg, acc = tempering_law(program, BETAS, mode="sequential", swap_every=2)
    for k, b in enumerate(BETAS):
        assert np.allclose(marg[k], exact_law(program.physical, b).probs, atol=1e-7)
    assert np.allclose(acc, swap_acceptance(program.physical, BETAS), atol=1e-7)
    # the product formula by brute force for one pair
    E = exact_law(program.physical, 1.0).energies
    p, q = exact_law(program.physical, 0.4).probs, exact_law(program.physical, 1.0).probs
    brute = sum(p[s] * q[t] * min(1.0, np.exp(0.6 * (E[t] - E[s]))) for s in range(16) for t in range(16))
    assert np.isclose(acc[0], brute)


def test_a_non_boltzmann_kernel_is_pulled_away_from_its_own_law_by_the_swaps():
    program = ps.place_model(FRUSTRATED, "ideal")
    marg, _ = tempering_law(program, BETAS, mode="naive_parallel")
    own = kernel_stationary_law(program, 1.0, "naive_parallel")
    boltz = exact_law(program.physical, 1.0).probs
    gap = np.abs(marg[1] - own).sum() / 2
    assert 1e-4 < gap < np.abs(boltz - own).sum() / 2     # close to, not equal to, the kernel's law


def test_too_large_and_bad_inputs():
    with pytest.raises(PbitsimError, match="<= 4096"):
        tempering_law(ps.place_model(FRUSTRATED, "ideal"), [0.2, 0.4, 0.6, 1.0])
    with pytest.raises(PbitsimError, match="n = 13 > 12"):
        swap_acceptance(ps.IsingModel.from_dense(np.zeros((13, 13))), BETAS)


def test_table_error_of_a_rung():
    ideal = ps.place_model(FRUSTRATED, "ideal")
    assert np.all(table_error(ideal, BETAS) == 0.0)
    coarse = ps.place_model(FRUSTRATED, ideal_chip_with(**DATAPATHS["fixed"]))
    err = table_error(coarse, [0.05, 1.0])
    assert err[0] > 0.1 and err[1] < err[0]            # a short table clips |I|: worst at the hot rung
    fpga = ps.place_model(FRUSTRATED, ideal_chip_with(
        weights={"format": "fixed", "total_bits": 6, "frac_bits": 1},
        bias={"format": "fixed", "total_bits": 6, "frac_bits": 1},
        accumulator={"format": "fixed", "total_bits": 6, "frac_bits": 1},
        pbit={"activation": "lut", "lut_input_bits": 5, "lut_output_bits": 32}))
    b = fpga.physical_beta(1.0)
    # only I = -16 (no |I| = 16 entry: it reads 15.5) differs from tanh, by (tanh(16 b) - tanh(15.5 b)) / 2
    assert np.isclose(table_error(fpga, [1.0])[0], 0.5 * (np.tanh(16 * b) - np.tanh(15.5 * b)), atol=1e-9)
