"""Global vs observable-projected gap: closed forms on a 2-spin chain, symmetry, validation."""
import numpy as np
import pytest

from pbitsim.analysis.exact import codes_to_states, exact_law
from pbitsim.analysis.projected_gap import compare_gaps, gap_from_weights
from pbitsim.analysis.transition import transition_matrix

from small_models import pair, random_model

J, BETA = 0.8, 1.0
T_ = np.tanh(BETA * J)


def _pair_step():
    """Random-scan *step* matrix of two spins, zero field: eigenvalues 1, (1+t)/2, (1-t)/2, 0 (t = tanh beta J)."""
    model = pair(J)
    T = transition_matrix(model, BETA, "random_scan")
    m = codes_to_states(np.arange(4), 2).astype(float)
    return T, exact_law(model, BETA).probs, m


def test_pair_closed_form_gaps_and_taus():
    T, pi, m = _pair_step()
    lam_M, lam_D = (1 + T_) / 2, (1 - T_) / 2
    even = compare_gaps(T, pi, (m[:, 0] * m[:, 1])[None])
    assert even.global_gap == pytest.approx(1 - lam_M, abs=1e-12)
    assert even.projected_gap == 1.0 and even.mode == -1          # m1 m2 only sees the zero mode
    assert even.tau[0] == pytest.approx(1.0, abs=1e-10)
    assert even.slowest_weight < 1e-12
    mag = compare_gaps(T, pi, (m[:, 0] + m[:, 1])[None])
    assert mag.projected_gap == pytest.approx(1 - lam_M, abs=1e-12)
    assert mag.tau[0] == pytest.approx((1 + lam_M) / (1 - lam_M), rel=1e-10)
    assert mag.mode_weight == pytest.approx(1.0, abs=1e-10)
    diff = compare_gaps(T, pi, (m[:, 0] - m[:, 1])[None])
    assert diff.projected_gap == pytest.approx(1 - lam_D, abs=1e-12)
    assert diff.tau[0] == pytest.approx((1 + lam_D) / (1 - lam_D), rel=1e-10)
    assert diff.ratio == pytest.approx((1 - lam_D) / (1 - lam_M), rel=1e-10)


def test_fields_make_the_slowest_mode_visible_to_couplings():
    """Power check: with fields the even observables see the slowest mode, so the gaps coincide."""
    from pbitsim.analysis.relaxation import gradient_observables
    for h_scale, visible in ((0.0, False), (0.5, True)):
        model = random_model(4, seed=3, h_scale=h_scale)
        T = transition_matrix(model, 1.0, "random_scan", sweep=True)
        pi = exact_law(model, 1.0).probs
        g = compare_gaps(T, pi, gradient_observables(model, biases=False))
        assert (g.projected_gap == pytest.approx(g.global_gap, abs=1e-12)) == visible
        assert g.projected_gap >= g.global_gap - 1e-12


def test_non_reversible_sweep_pair():
    """Chromatic sweep of a pair: lambda_1 = t^2, odd; m1 m2 is independent after one sweep."""
    model = pair(J)
    T = transition_matrix(model, BETA, "chromatic")
    pi = exact_law(model, BETA).probs
    m = codes_to_states(np.arange(4), 2).astype(float)
    g = compare_gaps(T, pi, np.vstack([m[:, 0] * m[:, 1], m[:, 1]]))
    assert g.global_gap == pytest.approx(1 - T_ ** 2, abs=1e-10)
    assert g.projected_gap == pytest.approx(1 - T_ ** 2, abs=1e-10)   # m_1 sees it
    g2 = compare_gaps(T, pi, (m[:, 0] * m[:, 1])[None])
    assert g2.projected_gap == 1.0


def test_validation():
    with pytest.raises(ValueError, match="shape"):
        gap_from_weights(np.array([1.0, 0.5]), np.ones((2, 3)))
    with pytest.raises(ValueError, match="tol"):
        gap_from_weights(np.array([1.0, 0.5]), np.ones((1, 2)), tol=0.0)
    T, pi, m = _pair_step()
    import scipy.sparse as sp
    with pytest.raises(ValueError, match="dense"):
        compare_gaps(sp.csr_matrix(T), pi, m.T)
