r"""Q predictors (pbitsim.analysis.predictors) against the exact finite-run Q and measured Q.

``Q = |g|^2 / E|ghat - g|^2``.  ``q_exact_markov`` is exact for a finite
run (burn-in, K, initial law), so the measured Q (mean over seeds) must
agree with it within the measurement's own interval; the stationary
predictors must agree with the exact value when K >> tau; and on a
zero-field ferromagnet the global-gap predictor must be blind.
"""
import dataclasses

import numpy as np
import pytest

import pbitsim as ps
from pbitsim.analysis.exact import exact_law
from pbitsim.analysis.predictors import (scheme_analysis, measure_q, predict_q_global_gap, predict_q_projected,
                                q_exact_markov, q_exact_independent)


def glass(n=5, seed=0, h_scale=0.4):
    rng = np.random.default_rng(seed)
    J = np.triu(rng.uniform(-1, 1, (n, n)), 1)
    return ps.IsingModel.from_dense(J + J.T, h_scale * rng.uniform(-1, 1, n))


def ferro(n=4):
    return ps.IsingModel.from_dense(np.ones((n, n)) - np.eye(n))


def within(q, lo, hi):
    return lo <= q <= hi


def test_independent_q_from_moments():
    m = glass()
    law = exact_law(m, 0.9)
    r, c, _ = m.edges()
    mom = np.concatenate([law.correlations[r, c], law.means])
    d = np.linspace(-0.5, 0.5, mom.size)
    q = q_exact_independent(m, 0.9, 50, data_moments=d)
    assert q.signal == pytest.approx(np.sum((d - mom) ** 2))
    assert q.q == pytest.approx(50 * q.signal / np.sum(1 - mom ** 2))
    # an i.i.d. sampler (T = 1 pi'): every method gives the independent Q
    a = scheme_analysis(m, 0.9, "systematic")
    N = a.pi.size
    iid = dataclasses.replace(a, T=np.tile(a.pi, (N, 1)),
                              relaxation=dataclasses.replace(a.relaxation, tau=np.ones_like(a.relaxation.tau)),
                              spectrum=dataclasses.replace(a.spectrum, eigenvalues=np.r_[1.0, np.zeros(N - 1)]))
    for fn in (predict_q_projected, predict_q_global_gap):
        assert fn(m, 0.9, "systematic", 50, data_moments=d, analysis=iid).q == pytest.approx(q.q)
    exact = q_exact_markov(m, 0.9, "systematic", 50, data_moments=d, analysis=iid, initial="stationary")
    assert exact.q == pytest.approx(q.q, rel=1e-9)
    meas = measure_q(m, 0.9, "systematic", 50, 2000, data_moments=d, analysis=iid, initial="stationary", seed=3)
    assert within(q.q, meas.q_low, meas.q_high)


@pytest.mark.parametrize("scheme", ["random_scan", "systematic", "chromatic"])
def test_measured_q_matches_exact_markov(scheme):
    m = glass(seed=1)
    a = scheme_analysis(m, 1.0, scheme)
    exact = q_exact_markov(m, 1.0, scheme, 20, burn_in=3, analysis=a)
    meas = measure_q(m, 1.0, scheme, 20, 1500, burn_in=3, analysis=a, seed=5)
    assert within(exact.q, meas.q_low, meas.q_high)
    assert exact.bias2 > 0                                  # 3 sweeps of burn-in leave a bias


def test_engine_measurement_matches_exact_markov():
    m = glass(seed=2)
    exact = q_exact_markov(m, 1.0, "chromatic", 30, burn_in=20)
    meas = measure_q(m, 1.0, "chromatic", 30, 600, burn_in=20, method="engine", seed=1)
    assert meas.method.startswith("engine")
    assert within(exact.q, meas.q_low, meas.q_high)


def test_stationary_predictor_is_exact_for_long_estimates():
    """K >> tau, stationary start: the projected predictor is the exact Q to O(tau/K)."""
    m = glass(seed=3)
    for scheme in ("random_scan", "systematic"):
        a = scheme_analysis(m, 1.0, scheme)
        p = predict_q_projected(m, 1.0, scheme, 2000, analysis=a)
        e = q_exact_markov(m, 1.0, scheme, 2000, initial="stationary", analysis=a)
        assert p.q == pytest.approx(e.q, rel=0.02)


def test_zero_field_global_gap_is_blind_projected_tracks():
    """4-spin all-to-all ferromagnet, J = 1, beta = 1, couplings only (no bias parameters).

    The slowest mode is the global flip (odd, |lambda_2| ~ 0.996 per sweep);
    the even m_i m_j have ~0 weight in it, so their tau is ~1 while the
    global-gap predictor charges every observable ~450 sweeps.
    """
    m, beta, K = ferro(4), 1.0, 100
    a = scheme_analysis(m, beta, "systematic", biases=False)
    assert a.spectrum.parity()[1] == pytest.approx(-1.0)
    assert np.abs(a.relaxation.weights[:, 1]).max() < 1e-12
    meas = measure_q(m, beta, "systematic", K, 400, biases=False, analysis=a, seed=2)
    proj = predict_q_projected(m, beta, "systematic", K, biases=False, analysis=a)
    glob = predict_q_global_gap(m, beta, "systematic", K, biases=False, analysis=a)
    assert 0.5 < proj.q / meas.q < 2.0
    assert meas.q / glob.q > 10.0
    # learning the fields too: m_i sees the flip mode, and both predictors say Q is tiny
    a_h = scheme_analysis(m, beta, "systematic", biases=True)
    assert predict_q_projected(m, beta, "systematic", K, analysis=a_h).q < 0.1 * proj.q


def test_chip_bias_enters_predictions():
    chip = ps.load_chip("ideal").with_params({"weights.format": "fixed", "weights.total_bits": 3,
                                              "weights.frac_bits": 0})
    m = glass(n=4, seed=4)
    prog = ps.place_model(m, chip)
    a = scheme_analysis(prog, 1.0, "chromatic")
    b = a.relaxation.mean - a.target
    assert np.sum(b ** 2) > 1e-3
    p = predict_q_projected(prog, 1.0, "chromatic", 10_000, analysis=a)
    assert p.bias2 == pytest.approx(np.sum(b ** 2))
    e = q_exact_markov(prog, 1.0, "chromatic", 200, initial="stationary", analysis=a)
    assert e.bias2 == pytest.approx(np.sum(b ** 2), rel=1e-9)
    meas = measure_q(prog, 1.0, "chromatic", 200, 300, analysis=a, seed=0)
    assert meas.bias2 == pytest.approx(p.bias2, rel=0.2)


def test_bad_arguments():
    m = glass()
    with pytest.raises(ValueError, match="data_moments"):
        q_exact_independent(m, 1.0, 10, data_moments=np.zeros(3))
    with pytest.raises(ValueError, match="K"):
        predict_q_projected(m, 1.0, "systematic", 0)
    with pytest.raises(ValueError, match="n_seeds"):
        measure_q(m, 1.0, "systematic", 10, 1)
