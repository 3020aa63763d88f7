r"""Spectra of exact transition matrices (pbitsim.analysis.spectral) against hand-derived values.

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

from pbitsim.analysis.exact import exact_law
from pbitsim.analysis.relaxation import gradient_observables, observable_relaxation
from pbitsim.analysis.spectral import spectrum
from pbitsim.analysis.transition import stationary_law, transition_matrix


from small_models import pair, random_model


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
