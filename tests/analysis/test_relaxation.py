"""Exact relaxation of observables (pbitsim.analysis.relaxation) against simulation and symmetry."""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.analysis.autocorrelation import integrated_time_replicas
from pbitsim.analysis.exact import exact_law
from pbitsim.analysis.relaxation import gradient_observables, observable_relaxation, parameter_labels
from pbitsim.analysis.spectral import spectrum
from pbitsim.analysis.transition import sample_replicas, transition_matrix


def random_model(n, seed, h_scale=0.3):
    rng = np.random.default_rng(seed)
    J = np.triu(rng.normal(size=(n, n)), 1)
    return ps.IsingModel.from_dense(J + J.T, h_scale * rng.normal(size=n))


def test_exact_tau_matches_simulated_replicas():
    """Exact tau of each gradient observable vs Sokal's estimate on a long run of the same matrix.

    The couplings' observables have a small share in a slow mode (exact
    tau ~ 1.5-1.9 against 23 for the fields): each one's own Sokal window
    closes before that mode's tail and under-reports by many error bars;
    the common window (the slowest column's) agrees with the exact values.
    """
    m = random_model(4, seed=4)
    T = transition_matrix(m, 0.8, "systematic")
    pi = exact_law(m, 0.8).probs
    F = gradient_observables(m)
    rel = observable_relaxation(T, pi, F, modes=False)
    codes = sample_replicas(T, 25_000, initial=pi, n_replicas=8, seed=11)    # stationary starts
    x = np.moveaxis(F[:, codes], 0, -1)                                  # (replicas, steps, obs)
    est = integrated_time_replicas(x, common_window=True)
    assert rel.tau.max() > 20.0                              # real correlations
    assert np.all(np.abs(est.tau - rel.tau) < 4 * est.error)
    own = integrated_time_replicas(x)
    assert np.any(rel.tau - own.tau > 10 * own.error)         # the truncation bias, for the record


def test_zero_field_slow_mode_is_odd_and_unseen_by_couplings():
    n = 4
    m = ps.IsingModel.from_dense(np.ones((n, n)) - np.eye(n))
    T = transition_matrix(m, 1.0, "systematic")
    s = spectrum(T)
    assert s.gap < 0.01
    assert s.parity()[1] == pytest.approx(-1.0)
    even = gradient_observables(m, biases=False)
    rel = observable_relaxation(T, s.pi, even, spec=s)
    assert np.abs(rel.weights[:, 1]).max() < 1e-12
    assert rel.tau.max() < 0.01 * s.mode_integrated_time
    odd = observable_relaxation(T, s.pi, gradient_observables(m)[-n:], spec=s)
    assert np.all(np.real(odd.weights[:, 1]) > 0.9)


def test_gradient_observables_layout():
    m = random_model(3, seed=0)
    F = gradient_observables(m)
    labels = parameter_labels(m)
    assert F.shape == (len(labels), 8) and labels[-1] == ("h", 2)
    state = np.array([1, -1, 1])
    code = 1 + 4
    for row, lab in zip(F, labels):
        want = state[lab[1]] * state[lab[2]] if lab[0] == "J" else state[lab[1]]
        assert row[code] == want
