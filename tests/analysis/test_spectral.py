r"""Exact spectral analysis (pbitsim.analysis.spectral) against hand-derived values and simulation.

Two spins, ``E = -J m_1 m_2``, no field, ``t = tanh(beta J)``.  A heat-bath
update of spin ``i`` gives ``E[m_i' | m] = t m_j``.

Random scan (site drawn uniformly, one step):
  ``T(m_1 + m_2) = ((1+t)/2)(m_1 + m_2)``, ``T(m_1 - m_2) = ((1-t)/2)(m_1 - m_2)``,
  ``T(m_1 m_2) = t`` (a constant, so the centred ``m_1 m_2 - t`` has eigenvalue 0).
  Spectrum ``{1, (1+t)/2, (1-t)/2, 0}``; gap ``(1 - t)/2``; the slow mode
  ``m_1 + m_2`` is odd.
Systematic scan (site 1, then site 2):
  ``T m_1 = t m_2``, ``T m_2 = t^2 m_2``, ``T(m_1 m_2) = t``.
  Spectrum ``{1, t^2, 0, 0}``; gap ``1 - t^2``.
"""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.analysis.autocorrelation import integrated_time_chains
from pbitsim.analysis.exact import exact_law
from pbitsim.analysis.spectral import (gradient_observables, is_reversible, observable_relaxation, parameter_labels,
                              sample_chain, scheme_for_chip, spectrum, stationary_law, transition_matrix)


def pair(J):
    return ps.IsingModel.from_dense([[0.0, J], [J, 0.0]])


def random_model(n, seed, h_scale=0.3):
    rng = np.random.default_rng(seed)
    J = np.triu(rng.normal(size=(n, n)), 1)
    return ps.IsingModel.from_dense(J + J.T, h_scale * rng.normal(size=n))


@pytest.mark.parametrize("beta_j", [0.5, 1.0, 2.0])
def test_two_spin_random_scan_gap_by_hand(beta_j):
    t = np.tanh(beta_j)
    m = pair(beta_j)
    T = transition_matrix(m, 1.0, "random_scan")
    s = spectrum(T, exact_law(m).probs)
    assert s.reversible
    assert np.allclose(s.eigenvalues, [1, (1 + t) / 2, (1 - t) / 2, 0], atol=1e-12)
    assert s.gap == pytest.approx((1 - t) / 2, rel=1e-12)
    assert s.relaxation_time == pytest.approx(-1 / np.log((1 + t) / 2), rel=1e-10)
    assert s.parity()[1] == pytest.approx(-1.0)          # m_1 + m_2 is odd
    # per sweep (2 steps): eigenvalues squared
    s2 = spectrum(transition_matrix(m, 1.0, "random_scan", sweep=True))
    assert s2.gap == pytest.approx(1 - ((1 + t) / 2) ** 2, rel=1e-10)


@pytest.mark.parametrize("scheme", ["systematic", "chromatic"])
def test_two_spin_sweep_gap_by_hand(scheme):
    t = np.tanh(0.8)
    T = transition_matrix(pair(0.8), 1.0, scheme)
    s = spectrum(T)
    assert not s.reversible
    assert np.allclose(np.sort(np.abs(s.eigenvalues))[::-1], [1, t * t, 0, 0], atol=1e-12)
    assert s.gap == pytest.approx(1 - t * t, rel=1e-12)


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


def test_complex_eigenvalues_of_a_sweep():
    """A 4-spin systematic sweep with a complex pair; decomposition and weights stay exact."""
    m = random_model(4, seed=1)
    T = transition_matrix(m, 1.0, "systematic")
    s = spectrum(T)
    assert np.abs(s.eigenvalues.imag).max() > 0.1
    assert np.allclose(s.right @ np.diag(s.eigenvalues) @ s.left, T, atol=1e-10)
    assert np.allclose(s.left @ s.right, np.eye(16), atol=1e-9)
    rel = observable_relaxation(T, s.pi, gradient_observables(m), spec=s)
    assert np.allclose(rel.weights.sum(axis=1), 1.0)
    assert np.allclose(rel.mode_tau(), rel.tau, rtol=1e-8)
    # power series of the stationary autocorrelation, summed directly
    f0 = gradient_observables(m)[0] - rel.mean[0]
    acc, v = 0.0, f0.copy()
    for _ in range(400):
        v = T @ v
        acc += s.pi @ (f0 * v)
    assert rel.tau[0] == pytest.approx(1 + 2 * acc / rel.variance[0], rel=1e-9)


def test_sparse_forms_agree_with_dense():
    m = random_model(6, seed=3)
    for scheme in ("random_scan", "systematic"):
        Td = transition_matrix(m, 1.0, scheme, sweep=True)
        To = transition_matrix(m, 1.0, scheme, sweep=True, dense=False)
        sd, so = spectrum(Td), spectrum(To, n_modes=4)
        assert np.allclose(np.abs(so.eigenvalues[:3]), np.abs(sd.eigenvalues[:3]), atol=1e-8)
        F = gradient_observables(m)[:3]
        rd = observable_relaxation(Td, sd.pi, F, modes=False)
        ro = observable_relaxation(To, sd.pi, F, modes=False)
        assert np.allclose(ro.tau, rd.tau, rtol=1e-6)
        assert np.allclose(stationary_law(To), sd.pi, atol=1e-9)
    # one random-scan step as a sparse matrix: reversible, symmetric ARPACK path
    Ts = transition_matrix(m, 1.0, "random_scan", dense=False)
    ss = spectrum(Ts, exact_law(m).probs, n_modes=4)
    sd = spectrum(transition_matrix(m, 1.0, "random_scan"), exact_law(m).probs)
    assert ss.reversible and np.allclose(ss.eigenvalues[:3], sd.eigenvalues[:3], atol=1e-10)


def test_scheme_for_chip():
    chip = ps.load_chip("ideal")
    assert scheme_for_chip(chip.with_params({"clock.mode": "sequential", "clock.scan": "random"})) == "random_scan"
    assert scheme_for_chip(chip.with_params({"clock.mode": "chromatic"})) == "chromatic"


def test_exact_tau_matches_simulated_chain():
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
    codes = sample_chain(T, 25_000, initial=pi, n_chains=8, seed=11)    # stationary starts
    x = np.moveaxis(F[:, codes], 0, -1)                                  # (chains, steps, obs)
    est = integrated_time_chains(x, common_window=True)
    assert rel.tau.max() > 20.0                              # a chain with real correlations
    assert np.all(np.abs(est.tau - rel.tau) < 4 * est.error)
    own = integrated_time_chains(x)
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


def test_datapath_program_uses_chip_conditionals():
    from pbitsim.analysis.kernel_law import kernel_stationary_law
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
