"""Exact enumeration, the oracle of every sampler test, checked against brute force."""
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pbitsim.errors import ModelError
from pbitsim.analysis.exact import (
    MAX_EXACT_SPINS,
    all_energies,
    codes_to_states,
    empirical_distribution,
    exact_law,
    kl_divergence,
    law_from_probs,
    partition_function,
    states_to_codes,
    total_variation,
)
from pbitsim.models import RBM, IsingModel


def random_model(n, seed, density=0.7, field_scale=0.5, offset=0.0):
    rng = np.random.default_rng(seed)
    A = np.triu(rng.normal(size=(n, n)) * (rng.random((n, n)) < density), 1)
    return IsingModel.from_dense(A + A.T, field_scale * rng.normal(size=n), offset=offset)


def brute_force(model, beta):
    """Itertools enumeration in the code order of pbitsim.analysis.exact (bit i of the code = spin i is +1)."""
    n = model.n
    J, h = model.dense(), model.h
    states, energies = [], []
    for code in range(1 << n):
        m = [1 if (code >> i) & 1 else -1 for i in range(n)]
        e = model.offset - sum(h[i] * m[i] for i in range(n))
        e -= sum(J[i, j] * m[i] * m[j] for i, j in itertools.combinations(range(n), 2))
        states.append(m)
        energies.append(e)
    states, energies = np.array(states, dtype=float), np.array(energies)
    w = np.array([math.exp(-beta * e) for e in energies])
    z = w.sum()
    p = w / z
    return {"states": states, "energies": energies, "probs": p, "log_z": math.log(z),
            "means": p @ states, "corr": (states * p[:, None]).T @ states,
            "mean_energy": p @ energies, "energy_variance": p @ (energies - p @ energies) ** 2}


@pytest.mark.parametrize("n, seed, beta, offset", [(1, 0, 1.0, 0.0), (2, 1, 0.5, 2.0), (3, 2, 1.3, -1.0),
                                                   (5, 3, 1.0, 0.0), (7, 4, 0.7, 3.5), (8, 5, 2.0, 0.0)])
def test_exact_law_equals_brute_force(n, seed, beta, offset):
    model = random_model(n, seed, offset=offset)
    law, ref = exact_law(model, beta), brute_force(model, beta)
    assert law.n == n and law.beta == beta
    np.testing.assert_allclose(law.energies, ref["energies"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(law.probs, ref["probs"], rtol=1e-10, atol=1e-15)
    assert law.log_z == pytest.approx(ref["log_z"], rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(law.means, ref["means"], atol=1e-12)
    np.testing.assert_allclose(law.correlations, ref["corr"], atol=1e-12)
    assert law.mean_energy == pytest.approx(ref["mean_energy"], abs=1e-11)
    assert law.energy_variance == pytest.approx(ref["energy_variance"], abs=1e-10)
    assert law.probs.sum() == pytest.approx(1.0, abs=1e-14)
    np.testing.assert_array_equal(np.diag(law.correlations), np.ones(n))
    u, v, _ = model.edges()
    np.testing.assert_allclose(law.edge_correlations(u, v), ref["corr"][u, v], atol=1e-12)


def test_all_energies_equal_model_energy_in_code_order():
    model = random_model(9, 6, offset=-0.25)
    np.testing.assert_allclose(all_energies(model), model.energy(codes_to_states(np.arange(512), 9)),
                               rtol=1e-12, atol=1e-11)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(1, 8), elements=st.floats(-3, 3, allow_subnormal=False)),
       st.floats(0.0, 3.0))
def test_independent_spins_partition_function(h, beta):
    """No couplings: Z = prod_i 2 cosh(beta h_i), <m_i> = tanh(beta h_i), <m_i m_j> = <m_i><m_j>."""
    model = IsingModel.from_dense(np.zeros((h.size, h.size)), h)
    law = exact_law(model, beta)
    assert law.log_z == pytest.approx(np.sum(np.log(2.0 * np.cosh(beta * h))), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(law.means, np.tanh(beta * h), atol=1e-12)
    outer = np.outer(law.means, law.means)
    np.fill_diagonal(outer, 1.0)
    np.testing.assert_allclose(law.correlations, outer, atol=1e-12)
    assert partition_function(model, beta) == pytest.approx(law.log_z, rel=1e-14, abs=1e-14)


def test_ferromagnetic_pair():
    """p(agree) = e^{beta J} / (e^{beta J} + e^{-beta J}); <m0 m1> = tanh(beta J)."""
    pair = IsingModel.from_dense([[0, 1.0], [1.0, 0]])
    law = exact_law(pair, 1.0)
    assert law.correlations[0, 1] == pytest.approx(np.tanh(1.0), abs=1e-14)
    agree = law.probs[0] + law.probs[3]
    assert agree == pytest.approx(0.5 * (1 + np.tanh(1.0)), abs=1e-14)
    assert agree == pytest.approx(0.8808, abs=1e-4)


def test_beta_zero_is_uniform_and_large_beta_is_stable():
    model = random_model(6, 7)
    np.testing.assert_allclose(exact_law(model, 0.0).probs, np.full(64, 1 / 64), rtol=1e-14)
    assert exact_law(model, 0.0).log_z == pytest.approx(6 * np.log(2))
    hot = exact_law(model.scaled(1000.0), 1.0)  # exp(-beta E) would overflow without the shift
    assert np.all(np.isfinite(hot.probs)) and hot.probs.sum() == pytest.approx(1.0)
    ground = int(np.argmin(all_energies(model)))
    assert hot.probs[ground] > 0.999  # fields break the spin-flip degeneracy


def test_rbm_marginal_over_hidden_units_matches_free_energy():
    """The exact spin law of an RBM, summed over hidden units, is the known visible marginal."""
    rng = np.random.default_rng(8)
    rbm = RBM(rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=2))
    law = exact_law(rbm.to_ising(), 1.0)
    x = (codes_to_states(np.arange(32), 5) + 1) // 2
    v_codes = states_to_codes(2 * x[:, :3] - 1)
    p_v = np.bincount(v_codes, weights=law.probs, minlength=8)
    vs = (codes_to_states(np.arange(8), 3) + 1) // 2
    free = vs @ rbm.b + np.sum(np.log1p(np.exp(rbm.c + vs @ rbm.W)), axis=1)  # -F(v)
    expect = np.exp(free - free.max())
    np.testing.assert_allclose(p_v, expect / expect.sum(), rtol=1e-12)


def test_law_from_probs_moments():
    n = 3
    probs = np.zeros(8)
    probs[0b101] = 1.0  # spins (+1, -1, +1)
    law = law_from_probs(probs, np.arange(8.0), beta=1.0)
    np.testing.assert_array_equal(law.means, [1, -1, 1])
    assert law.correlations[0, 2] == 1 and law.correlations[0, 1] == -1
    assert law.mean_energy == 5.0 and law.energy_variance == 0.0 and law.n == n


def test_too_many_spins_is_refused():
    big = IsingModel.from_dense(np.zeros((MAX_EXACT_SPINS + 1,) * 2))
    with pytest.raises(ModelError, match=f"n <= {MAX_EXACT_SPINS}"):
        exact_law(big)


# ----------------------------------------------------------------------------- state codes
@settings(max_examples=60, deadline=None)
@given(st.integers(1, 20).flatmap(
    lambda n: st.tuples(st.just(n), arrays(np.int64, st.integers(0, 30), elements=st.integers(0, (1 << n) - 1)))))
def test_codes_states_round_trip(n_codes):
    n, codes = n_codes
    states = codes_to_states(codes, n)
    assert states.dtype == np.int8 and states.shape == codes.shape + (n,)
    assert set(np.unique(states)) <= {-1, 1}
    np.testing.assert_array_equal(states_to_codes(states), codes)


@settings(max_examples=40, deadline=None)
@given(arrays(np.int8, st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(1, 12)),
              elements=st.sampled_from([-1, 1])))
def test_states_codes_round_trip(states):
    codes = states_to_codes(states)
    assert codes.shape == states.shape[:-1]
    np.testing.assert_array_equal(codes_to_states(codes, states.shape[-1]), states)


def test_code_convention_bit_i_is_spin_i():
    np.testing.assert_array_equal(codes_to_states(np.array([0b0110]), 4), [[-1, 1, 1, -1]])
    assert states_to_codes(np.array([1, -1, -1, -1])) == 1


# ----------------------------------------------------------------------------- distances
def test_empirical_distribution_kl_and_total_variation():
    states = codes_to_states(np.array([0, 0, 1, 3]), 2)
    p_hat = empirical_distribution(states)
    np.testing.assert_allclose(p_hat, [0.5, 0.25, 0.0, 0.25])
    assert kl_divergence(p_hat, p_hat) == 0.0
    q = np.full(4, 0.25)
    assert kl_divergence(p_hat, q) == pytest.approx(0.5 * np.log(2) + 0 + 0)
    assert kl_divergence(q, p_hat) == float("inf")
    assert np.isfinite(kl_divergence(q, p_hat, eps=1e-9))
    assert total_variation(p_hat, q) == pytest.approx(0.25)
