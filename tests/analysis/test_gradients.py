"""Gradient estimators (pbitsim.analysis.gradients) against slow, direct enumeration.

Every exact quantity is checked against a naive sum over all ``2^n`` joint
states written here from the definitions (binary energy, features by hand),
and the chip-sampled model term against the exact one within the error bars of
independent replicas.
"""
import itertools

import numpy as np
import pytest

import pbitsim as ps
from pbitsim.errors import PbitsimError
from pbitsim.analysis.exact import codes_to_states, exact_law
from pbitsim.analysis.gradients import (data_term, estimate_gradients, exact_feature_variance, exact_gradient,
                               exact_model_term, features, model_term_under_law, model_terms,
                               parameter_layout, rbm_exact_moments)


def small_rbm(nv=4, nh=3, seed=0, scale=1.0):
    g = np.random.default_rng(seed)
    return ps.RBM(g.normal(0, scale, (nv, nh)), g.normal(0, 0.5, nv), g.normal(0, 0.5, nh))


def naive_rbm_moments(rbm, beta=1.0):
    """<v h'>, <v>, <h>, log Z by brute force over binary (v, h)."""
    nv, nh = rbm.W.shape
    vs, hs, ws = [], [], []
    for bits in itertools.product((0, 1), repeat=nv + nh):
        v, h = np.array(bits[:nv], float), np.array(bits[nv:], float)
        vs.append(v)
        hs.append(h)
        ws.append(-beta * rbm.energy(v, h))
    vs, hs, ws = np.array(vs), np.array(hs), np.array(ws)
    log_z = np.log(np.exp(ws - ws.max()).sum()) + ws.max()
    p = np.exp(ws - log_z)
    return (np.einsum("s,si,sj->ij", p, vs, hs), p @ vs, p @ hs, log_z, p, vs, hs)


@pytest.mark.parametrize("nv,nh", [(5, 3), (3, 5), (4, 4)])
@pytest.mark.parametrize("beta", [1.0, 0.6])
def test_rbm_exact_moments_match_brute_force(nv, nh, beta):
    rbm = small_rbm(nv, nh, seed=nv * 10 + nh)
    vh, v, h, log_z, *_ = naive_rbm_moments(rbm, beta)
    mom = rbm_exact_moments(rbm, beta)
    np.testing.assert_allclose(mom["vh"], vh, atol=1e-12)
    np.testing.assert_allclose(mom["v"], v, atol=1e-12)
    np.testing.assert_allclose(mom["h"], h, atol=1e-12)
    assert mom["log_z"] == pytest.approx(log_z, abs=1e-10)
    # the same model term from the spin enumeration of the Ising form (another route)
    law = exact_law(rbm.to_ising(), beta)
    np.testing.assert_allclose(model_term_under_law(rbm, law.probs, beta=beta), exact_model_term(rbm, beta),
                               atol=1e-12)


def test_layout_and_features_by_hand():
    rbm = small_rbm(3, 2)
    lay = parameter_layout(rbm)
    assert lay.kind == "rbm" and lay.size == 3 * 2 + 3 + 2
    assert [n for n, _ in lay.blocks] == ["W", "b", "c"]
    s = np.array([1, -1, 1, -1, 1], dtype=np.int8)   # v = (1,0,1), h = (0,1)
    phi = features(rbm, s)
    parts = lay.split(phi)
    np.testing.assert_array_equal(parts["W"], np.outer([1, 0, 1], [0, 1]))
    np.testing.assert_array_equal(parts["b"], [1, 0, 1])
    np.testing.assert_array_equal(parts["c"], [0, 1])
    # Ising: couplings in model.edges() order, then fields
    J = np.zeros((4, 4))
    J[0, 2] = J[2, 0] = 0.5
    J[1, 3] = J[3, 1] = -0.3
    m = ps.IsingModel.from_dense(J, np.zeros(4))
    lay = parameter_layout(m)
    assert lay.blocks == (("J", (2,)), ("h", (4,)))
    np.testing.assert_array_equal(features(m, np.array([1, -1, -1, -1])), [-1, 1, 1, -1, -1, -1])


def test_data_term_rbm_uses_exact_hidden_conditionals():
    rbm = small_rbm(4, 3, seed=2)
    g = np.random.default_rng(1)
    data = (g.random((25, 4)) < 0.5).astype(np.uint8)
    d = parameter_layout(rbm).split(data_term(rbm, data, beta=0.8))
    ph = 1 / (1 + np.exp(-0.8 * (data @ rbm.W + rbm.c)))
    np.testing.assert_allclose(d["W"], data.T @ ph / 25, atol=1e-12)
    np.testing.assert_allclose(d["b"], data.mean(0), atol=1e-12)
    np.testing.assert_allclose(d["c"], ph.mean(0), atol=1e-12)
    # ±1 data is the same data
    np.testing.assert_allclose(data_term(rbm, 2 * data.astype(int) - 1, beta=0.8),
                               data_term(rbm, data, beta=0.8), atol=1e-12)
    with pytest.raises(PbitsimError, match="0/1"):
        data_term(rbm, np.full((2, 4), 0.5))
    with pytest.raises(PbitsimError, match="samples x 4"):
        data_term(rbm, np.zeros((2, 5)))


def test_exact_gradient_is_the_log_likelihood_gradient():
    """Finite differences of the exact mean log-likelihood equal g (binary parameterisation)."""
    rbm = small_rbm(4, 3, seed=4)
    data = (np.random.default_rng(2).random((30, 4)) < 0.4).astype(np.uint8)

    def mean_ll(W, b, c):
        r = ps.RBM(W, b, c)
        log_z = rbm_exact_moments(r)["log_z"]
        fe = -(data @ b) - np.logaddexp(0, data @ W + c).sum(1)
        return float(np.mean(-fe) - log_z)

    g = exact_gradient(rbm, data)
    theta = [rbm.W.copy(), rbm.b.copy(), rbm.c.copy()]
    fd = []
    for k, arr in enumerate(theta):
        for idx in np.ndindex(arr.shape):
            plus = [t.copy() for t in theta]
            minus = [t.copy() for t in theta]
            plus[k][idx] += 1e-5
            minus[k][idx] -= 1e-5
            fd.append((mean_ll(*plus) - mean_ll(*minus)) / 2e-5)
    np.testing.assert_allclose(g, fd, atol=1e-7)


def test_ising_exact_gradient_matches_brute_force():
    g = np.random.default_rng(5)
    J = np.triu(g.normal(0, 0.7, (6, 6)) * (g.random((6, 6)) < 0.6), 1)
    m = ps.IsingModel.from_dense(J + J.T, g.normal(0, 0.3, 6))
    data = np.where(g.random((40, 6)) < 0.5, 1, -1)
    states = codes_to_states(np.arange(64), 6).astype(float)
    p = exact_law(m, 0.9).probs
    r, c, _ = m.edges()
    want = np.concatenate([(data[:, r] * data[:, c]).mean(0) - p @ (states[:, r] * states[:, c]),
                           data.mean(0) - p @ states])
    np.testing.assert_allclose(exact_gradient(m, data, 0.9), want, atol=1e-12)
    var = p @ (np.concatenate([states[:, r] * states[:, c], states], 1) ** 2) - (
        p @ np.concatenate([states[:, r] * states[:, c], states], 1)) ** 2
    assert exact_feature_variance(m, 0.9) == pytest.approx(var.sum(), rel=1e-12)


def test_exact_feature_variance_rbm_brute_force():
    rbm = small_rbm(3, 3, seed=9)
    *_, p, vs, hs = naive_rbm_moments(rbm)
    phi = np.concatenate([np.einsum("si,sj->sij", vs, hs).reshape(len(p), -1), vs, hs], 1)
    var = p @ phi ** 2 - (p @ phi) ** 2
    assert exact_feature_variance(rbm) == pytest.approx(var.sum(), rel=1e-12)


def test_rao_blackwell_has_the_same_expectation_under_the_exact_law():
    rbm = small_rbm(4, 3, seed=6)
    law = exact_law(rbm.to_ising(), 1.0)
    np.testing.assert_allclose(model_term_under_law(rbm, law.probs, rao_blackwell=True),
                               exact_model_term(rbm), atol=1e-12)


def test_chip_model_term_matches_exact_within_error_bars():
    """Ideal chip: each replica's model term scatters around the exact one (z-scores from replicas)."""
    rbm = small_rbm(5, 3, seed=7)
    run = ps.simulate(rbm, "ideal", sweeps=2000, burn_in=100, replicas=32, seed=3)
    mt = model_terms(rbm, run.unembed())
    z = (mt.mean(0) - exact_model_term(rbm)) / (mt.std(0, ddof=1) / np.sqrt(mt.shape[0]))
    assert np.max(np.abs(z)) < 4.5, z
    # and estimate_gradients is data term minus that
    data = np.ones((3, 5), dtype=np.uint8)
    np.testing.assert_allclose(estimate_gradients(rbm, run.unembed(), data), data_term(rbm, data) - mt)


def test_exact_references_refuse_when_too_large():
    big = ps.RBM(np.zeros((30, 25)), np.zeros(30), np.zeros(25))
    assert exact_model_term(big) is None and exact_gradient(big, np.zeros((2, 30))) is None
    with pytest.raises(PbitsimError, match="layer"):
        rbm_exact_moments(big)
