"""Exact transition matrices of update schemes (pbitsim.analysis.transition): laws they keep or break."""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.analysis.exact import exact_law
from pbitsim.analysis.kernel_law import kernel_stationary_law
from pbitsim.analysis.spectral import spectrum
from pbitsim.analysis.transition import is_reversible, scheme_for_chip, stationary_law, transition_matrix


from small_models import pair, random_model


@pytest.mark.parametrize("scheme", ["random_scan", "systematic", "chromatic"])
def test_gibbs_schemes_keep_boltzmann(scheme):
    m = random_model(5, seed=2)
    law = exact_law(m, 0.7).probs
    T = transition_matrix(m, 0.7, scheme, sweep=True)
    assert np.allclose(T.sum(axis=1), 1.0)
    assert np.allclose(law @ T, law, atol=1e-13)
    s = spectrum(T)
    assert s.eigenvalues[0] == pytest.approx(1.0)
    assert np.allclose(s.pi, law, atol=1e-10)
    assert np.allclose(s.left[0], law, atol=1e-10)
    assert np.all(np.abs(s.eigenvalues[1:]) < 1 - 1e-6)
    assert is_reversible(T, law) == (scheme == "random_scan")


def test_naive_parallel_is_not_boltzmann():
    m = random_model(4, seed=5)
    T = transition_matrix(m, 1.0, "naive_parallel")
    assert np.abs(stationary_law(T) - exact_law(m).probs).sum() > 0.05


def test_scheme_for_chip():
    chip = ps.load_chip("ideal")
    assert scheme_for_chip(chip.with_params({"clock.mode": "sequential", "clock.scan": "random"})) == "random_scan"
    assert scheme_for_chip(chip.with_params({"clock.mode": "chromatic"})) == "chromatic"


def test_datapath_program_uses_chip_conditionals():
    chip = ps.load_chip("ideal").with_params({"weights.format": "fixed", "weights.total_bits": 4,
                                              "weights.frac_bits": 1})
    m = random_model(4, seed=6)
    prog = ps.place_model(m, chip)
    T = transition_matrix(prog, 1.0, "chromatic")
    assert np.allclose(stationary_law(T), kernel_stationary_law(prog, 1.0, "chromatic"), atol=1e-10)
    assert np.abs(stationary_law(T) - exact_law(m).probs).sum() > 1e-3


def test_bad_scheme():
    with pytest.raises(ValueError, match="unknown scheme"):
        transition_matrix(pair(1.0), 1.0, "metropolis")
