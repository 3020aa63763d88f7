"""Mistiming ratio: closed form on a 2-spin chain, AR(1) series, state features of a program."""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.analysis.exact import codes_to_states, exact_law
from pbitsim.analysis.gradients import features
from pbitsim.analysis.mistiming import exact_mistiming, magnetization, mistiming_from_series, state_features
from pbitsim.analysis.transition import transition_matrix

from small_models import pair


def test_exact_pair_closed_form():
    """Random-scan step of a zero-field pair: tau(M) = (3+t)/(1-t), tau(m1 m2) = 1, ratio (1-t)/(3+t)."""
    J, beta = 0.9, 1.0
    t = np.tanh(beta * J)
    model = pair(J)
    T = transition_matrix(model, beta, "random_scan")
    pi = exact_law(model, beta).probs
    m = codes_to_states(np.arange(4), 2).astype(float)
    F = np.vstack([m[:, 0] * m[:, 1], m[:, 0]])
    mt = exact_mistiming(T, pi, magnetization(m), F, [1.0, 0.0])
    assert mt.tau_magnetization == pytest.approx((3 + t) / (1 - t), rel=1e-10)
    assert mt.tau_projection == pytest.approx(1.0, abs=1e-10)
    assert mt.ratio_projection == pytest.approx((1 - t) / (3 + t), rel=1e-10)
    assert mt.mistiming == pytest.approx((3 + t) / (1 - t), rel=1e-10)
    # m_1 = (S + D)/2 with S = m_1 + m_2 (eigenvalue (1+t)/2, variance share (1+t)/2) and D = m_1 - m_2
    lp, lm = (1 + t) / 2, (1 - t) / 2
    assert mt.tau_components[1] == pytest.approx(lp * (1 + lp) / (1 - lp) + lm * (1 + lm) / (1 - lm), rel=1e-10)
    assert mt.tau_max == pytest.approx(mt.tau_components[1])


def _ar1(rho, shape, rng):
    x = np.empty(shape)
    x[:, 0] = rng.normal(size=shape[0])
    e = rng.normal(size=shape) * np.sqrt(1 - rho ** 2)
    for k in range(1, shape[1]):
        x[:, k] = rho * x[:, k - 1] + e[:, k]
    return x


def test_series_ar1_known_taus():
    """AR(1) with coefficient rho has tau = (1+rho)/(1-rho); M at 0.8 (9), gradient at 0.5 (3), noise (1)."""
    rng = np.random.default_rng(4)
    R, T = 8, 20000
    M = _ar1(0.8, (R, T), rng)
    feats = np.stack([_ar1(0.5, (R, T), rng), rng.normal(size=(R, T))], axis=2)
    mt = mistiming_from_series(M, feats, [2.0, 0.0])
    assert abs(mt.tau_magnetization - 9.0) < 4 * mt.error_magnetization
    assert abs(mt.tau_projection - 3.0) < 4 * mt.error_projection
    assert mt.tau_components[1] == pytest.approx(1.0, abs=0.1)
    assert mt.ratio_projection == pytest.approx(1 / 3, rel=0.15)
    assert mt.mistiming == pytest.approx(3.0, rel=0.15)
    assert mt.reliable
    # power: a projection on the white-noise column is told apart from the AR(1) one
    other = mistiming_from_series(M, feats, [0.0, 1.0])
    assert abs(other.tau_projection - 3.0) > 4 * other.error_projection


def test_state_features_follow_the_program():
    rng = np.random.default_rng(0)
    rbm = ps.RBM(rng.normal(0, 1, (3, 2)), rng.normal(0, 0.3, 3), rng.normal(0, 0.3, 2))
    F, M = state_features(rbm)
    states = codes_to_states(np.arange(32), 5)
    np.testing.assert_allclose(F, features(rbm, states).T)
    np.testing.assert_allclose(M, states.mean(axis=1))
    prog = ps.compile(rbm, "ideal")
    Fp, Mp = state_features(rbm, prog)
    logical = prog.unembed(codes_to_states(np.arange(1 << prog.n_physical), prog.n_physical))
    np.testing.assert_allclose(Fp, features(rbm, logical).T)


def test_validation():
    M = np.zeros((2, 10))
    with pytest.raises(ValueError, match="matching"):
        mistiming_from_series(M, np.zeros((2, 9, 3)), [1, 0, 0])
    with pytest.raises(ValueError, match="non-zero"):
        mistiming_from_series(M, np.zeros((2, 10, 3)), [0, 0, 0])
    with pytest.raises(ValueError, match="entries"):
        mistiming_from_series(M, np.zeros((2, 10, 3)), [1, 0])
