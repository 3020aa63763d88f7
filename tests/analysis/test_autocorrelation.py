"""Integrated autocorrelation time (pbitsim.analysis.autocorrelation) against series with known tau.

AR(1) ``x_t = phi x_{t-1} + e_t`` has ``rho(t) = phi^t`` and so
``tau_int = 1 + 2 sum_{t>=1} phi^t = (1 + phi) / (1 - phi)``.  The estimate
must land within 4 of its own (Sokal) standard errors, and within 10 %.
"""
import numpy as np
import pytest
import scipy.signal

from pbitsim.analysis.autocorrelation import (autocovariance, effective_sample_size, integrated_time,
                                     integrated_time_replicas)


def ar1(phi, T, seed, k=1):
    rng = np.random.default_rng(seed)
    e = rng.standard_normal((T, k))
    e[0] /= np.sqrt(1 - phi ** 2)                      # stationary start
    x = scipy.signal.lfilter([1.0], [1.0, -phi], e, axis=0)
    return x if k > 1 else x[:, 0]


@pytest.mark.parametrize("phi", [0.5, 0.9])
def test_ar1_matches_theory(phi):
    theory = (1 + phi) / (1 - phi)
    res = integrated_time(ar1(phi, 100_000, seed=int(phi * 10)))
    assert abs(res.tau - theory) < 4 * res.error
    assert abs(res.tau / theory - 1) < 0.1
    assert res.reliable
    assert res.window >= 5 * res.tau
    assert res.ess == pytest.approx(100_000 / res.tau)


def test_iid_is_one_and_columns_are_independent():
    rng = np.random.default_rng(7)
    x = np.column_stack([rng.standard_normal(50_000), ar1(0.8, 50_000, seed=3)])
    res = integrated_time(x)
    assert res.tau.shape == (2,)
    assert abs(res.tau[0] - 1.0) < 0.05
    assert abs(res.tau[1] - 9.0) < 4 * res.error[1]
    assert np.allclose(effective_sample_size(x), 50_000 / res.tau)


def test_short_series_is_flagged_unreliable():
    res = integrated_time(ar1(0.99, 2_000, seed=1))  # tau ~ 199: needs ~10^4 samples
    assert not res.reliable


def test_constant_column_gives_nan_not_a_number():
    x = np.column_stack([np.ones(100), np.random.default_rng(0).standard_normal(100)])
    res = integrated_time(x)
    assert np.isnan(res.tau[0]) and np.isfinite(res.tau[1])
    assert not res.reliable


def test_autocovariance_matches_direct_sum():
    x = ar1(0.6, 500, seed=2)
    c = autocovariance(x)
    y = x - x.mean()
    direct = np.array([np.dot(y[: 500 - t], y[t:]) / 500 for t in range(500)])
    assert np.allclose(c, direct)


def test_chains_see_modes_that_per_chain_centring_hides():
    """Two chains frozen at different levels: pooled about the grand mean -> huge tau."""
    rng = np.random.default_rng(4)
    a = 0.1 * rng.standard_normal((2, 1000)) + np.array([[1.0], [-1.0]])
    assert integrated_time_replicas(a).tau > 100
    assert integrated_time(a[0]).tau < 2
    many = ar1(0.5, 20_000, seed=9).reshape(4, 5000)
    assert abs(integrated_time_replicas(many).tau - 3.0) < 0.3


def test_bad_input():
    with pytest.raises(ValueError):
        integrated_time(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError):
        integrated_time([1.0, np.nan, 2.0])
