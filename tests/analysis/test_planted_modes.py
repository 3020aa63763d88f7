"""Planting modes: spin couplings and fields as documented, and the planted wells slow the chain down."""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.analysis.exact import exact_law
from pbitsim.analysis.planted_modes import pattern_signs, plant_modes
from pbitsim.analysis.spectral import spectrum
from pbitsim.analysis.transition import transition_matrix


def _base():
    rng = np.random.default_rng(1)
    return ps.RBM(rng.normal(0, 0.3, (5, 2)), rng.normal(0, 0.5, 5), rng.normal(0, 0.5, 2))


def _spin(rbm):
    return rbm.W / 4.0, rbm.b / 2.0 + rbm.W.sum(axis=1) / 4.0, rbm.c / 2.0 + rbm.W.sum(axis=0) / 4.0


def test_planted_spin_parameters():
    base = _base()
    xi = np.array([[1, -1, 1, 1, -1]])
    out = plant_modes(base, xi, 2.0)
    J, hv, hh = _spin(out)
    J0, hv0, hh0 = _spin(base)
    np.testing.assert_allclose(J[:, 0], 2.0 * xi[0] / 4.0)
    np.testing.assert_allclose(J[:, 1], J0[:, 1])
    np.testing.assert_allclose(hv, hv0, atol=1e-12)          # visible spin fields kept
    assert hh[0] == pytest.approx(0.0, abs=1e-12) and hh[1] == pytest.approx(hh0[1])
    same = plant_modes(base, np.zeros((0, 5)), 2.0)
    np.testing.assert_allclose(same.W, base.W)
    np.testing.assert_allclose(same.b, base.b)


def test_planting_closes_the_gap():
    """A strong planted pattern makes two wells: the global gap drops more than tenfold."""
    base = _base()
    gaps = []
    for k in (0, 1):
        model = plant_modes(base, np.ones((k, 5)), 4.0)
        T = transition_matrix(model, 1.0, "chromatic")
        gaps.append(spectrum(T, exact_law(model.to_ising(), 1.0).probs).gap)
    assert gaps[1] < gaps[0] / 10


def test_pattern_signs_and_validation():
    data = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 0]])
    out = pattern_signs(data, [0, 0, 1], [0, 1])
    np.testing.assert_array_equal(out, [[1, 1, 1], [-1, -1, -1]])
    with pytest.raises(ValueError, match="label"):
        pattern_signs(data, [0, 0, 1], [2])
    with pytest.raises(ValueError, match="hidden units"):
        plant_modes(_base(), np.ones((3, 5)), 1.0)
    with pytest.raises(ValueError, match="-1 and \\+1"):
        plant_modes(_base(), np.zeros((1, 5)), 1.0)
