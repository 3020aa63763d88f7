"""Update orders: palindrome, reversibility, a 2-spin closed form, and the reference chain against the matrices."""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.analysis.autocorrelation import integrated_time_replicas
from pbitsim.analysis.exact import exact_law
from pbitsim.analysis.relaxation import observable_relaxation
from pbitsim.analysis.scan_orders import kernel_conditionals, order_kernel, palindrome, sample_order
from pbitsim.analysis.transition import is_reversible, stationary_law

from small_models import pair


def _rbm():
    rng = np.random.default_rng(2)
    return ps.RBM(rng.normal(0, 1.2, (3, 2)), rng.normal(0, 0.5, 3), rng.normal(0, 0.5, 2))


def test_palindrome():
    out = palindrome([[0], [1, 2], [3]])
    assert [list(p) for p in out] == [[0], [1, 2], [3], [1, 2], [0]]
    assert [list(p) for p in palindrome([[5]])] == [[5]]
    with pytest.raises(ValueError):
        palindrome([])


def test_pair_closed_form():
    """Two spins, one colour each: chromatic and palindromic sweeps both have lambda_1 = tanh(beta J)^2."""
    J, beta = 0.7, 1.0
    t2 = np.tanh(beta * J) ** 2
    for order, work in (("chromatic", 2), ("palindromic", 3)):
        K = order_kernel(pair(J), beta, order)
        lam = np.sort(np.abs(np.linalg.eigvals(K.T)))[::-1]
        np.testing.assert_allclose(lam, [1.0, t2, 0.0, 0.0], atol=1e-12)
        assert K.updates_per_step == work and K.sweeps_per_step == work / 2


def test_reversibility_and_stationary_law():
    rbm = _rbm()
    pi = exact_law(rbm.to_ising(), 1.0).probs
    rev = {}
    for order in ("chromatic", "palindromic", "random_scan"):
        K = order_kernel(rbm, 1.0, order)
        np.testing.assert_allclose(pi @ K.T, pi, atol=1e-12)
        rev[order] = is_reversible(K.T, pi)
    assert rev == {"chromatic": False, "palindromic": True, "random_scan": True}
    # two colours: the palindrome has the chromatic sweep's non-zero spectrum, at n + n_v updates per step
    lc = np.sort(np.abs(np.linalg.eigvals(order_kernel(rbm, 1.0, "chromatic").T)))[::-1][:4]
    Kp = order_kernel(rbm, 1.0, "palindromic")
    lp = np.sort(np.abs(np.linalg.eigvals(Kp.T)))[::-1][:4]
    np.testing.assert_allclose(lp, lc, atol=1e-10)
    assert Kp.updates_per_step == 5 + 3


def test_reference_chain_matches_the_matrix():
    """Sampled law and tau_int of the reference chain agree with the exact ones; a wrong order is rejected."""
    rbm = _rbm()
    p = kernel_conditionals(rbm, 1.0)
    pi = exact_law(rbm.to_ising(), 1.0).probs
    f = np.arange(32) % 3 == 0                            # an arbitrary observable of the state code
    taus = {}
    for order in ("chromatic", "random_scan"):
        K = order_kernel(rbm, 1.0, order)
        codes = sample_order(p, "random_scan" if K.phases is None else K.phases, 6000, n_replicas=8, seed=5)
        hist = np.bincount(codes.ravel(), minlength=32) / codes.size
        assert np.abs(hist - pi).max() < 0.02
        exact = observable_relaxation(K.T, pi, f.astype(float), modes=False).tau[0]
        meas = integrated_time_replicas(f[codes].astype(float))
        assert abs(meas.tau - exact) < 4 * meas.error
        taus[order] = (exact, meas)
    # power: the random-scan measurement is far from the chromatic exact value
    (ec, _), (_, mr) = taus["chromatic"], taus["random_scan"]
    assert abs(mr.tau - ec) > 4 * mr.error


def test_datapath_program_and_validation():
    rbm = _rbm()
    prog = ps.compile(rbm, "fpga-sparse-ising")
    K = order_kernel(prog, 1.0, "chromatic")
    assert K.T.shape == (1 << prog.n_physical,) * 2
    np.testing.assert_allclose(K.T.sum(axis=1), 1.0, atol=1e-12)
    pi = stationary_law(K.T)
    np.testing.assert_allclose(pi @ K.T, pi, atol=1e-10)
    with pytest.raises(ValueError, match="unknown order"):
        order_kernel(rbm, 1.0, "zigzag")
    with pytest.raises(ValueError, match="random_scan"):
        sample_order(kernel_conditionals(rbm, 1.0), "random", 3)
