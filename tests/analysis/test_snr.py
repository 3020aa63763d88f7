"""Gradient SNR (pbitsim.analysis.snr): the estimators against exact values, and a quantized chip's bias.

Error bars: every statistical check compares a mean over independent repeats
(seeds, or chains) with an exact value, using the standard error of that mean
from the repeats themselves; the limit is 4 standard errors unless noted.
"""
import dataclasses
import json

import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import chip_from_dict, load_chip
from pbitsim.errors import PbitsimError
from pbitsim.analysis.exact import codes_to_states, exact_law
from pbitsim.analysis.gradients import (data_term, exact_feature_variance, exact_gradient, exact_model_term,
                               model_term_under_law)
from pbitsim.analysis.kernel_law import kernel_stationary_law
from pbitsim.analysis.snr import SNRReport, gradient_snr, q_hat, q_hat_jackknife, snr_from_states

Z = 4.0


def small_rbm(nv=4, nh=3, seed=3):
    g = np.random.default_rng(seed)
    return ps.RBM(g.normal(0, 1.0, (nv, nh)), g.normal(0, 0.5, nv), g.normal(0, 0.5, nh))


def small_ising(n=6, seed=5):
    g = np.random.default_rng(seed)
    J = np.triu(g.normal(0, 0.6, (n, n)) * (g.random((n, n)) < 0.6), 1)
    return ps.IsingModel.from_dense(J + J.T, g.normal(0, 0.4, n))


def binary_data(n_cols, seed=11, rows=30):
    return (np.random.default_rng(seed).random((rows, n_cols)) < 0.6).astype(np.uint8)


def iid_states(model, probs, R, K, seed):
    """``(R, K, n)`` independent exact samples of ``probs`` (logical spin codes)."""
    codes = np.random.default_rng(seed).choice(probs.size, size=(R, K), p=probs)
    return codes_to_states(codes, model.n)


def zscore(values, exact):
    v = np.asarray(values, dtype=float)
    return (v.mean() - exact) / (v.std(ddof=1) / np.sqrt(v.size))


# ----------------------------------------------------------------- Qhat against exact Q
@pytest.mark.parametrize("kind", ["rbm", "ising"])
def test_q_hat_is_unbiased_for_independent_exact_samples(kind):
    """K independent exact samples per estimate: ghat is unbiased, so E[Qhat] = Q = K |g|^2 / tr Cov(phi).

    Exact Q comes from the exact moments alone; each seed draws R estimates from
    the enumerated law directly (the only noise is sampling).  The numerator
    ``|gbar|^2 - T/R`` and ``T`` are unbiased exactly; the ratio carries an
    O(1/R) Jensen bias (about 2 % here, about two error bars of 300 seeds), and
    the jackknife version removes it.  Qhat is compared with ``Q`` plus that
    second-order bias predicted by the delta method from the seeds' spread.
    """
    model = small_rbm() if kind == "rbm" else small_ising()
    data = binary_data(model.n_visible if kind == "rbm" else model.n)
    ising = model.to_ising() if kind == "rbm" else model
    probs = exact_law(ising).probs
    R, K, seeds = 16, 20, 300
    g = exact_gradient(model, data)
    V = exact_feature_variance(model)
    Q = K * (g @ g) / V
    q, qj, q_op, num, T, bias, mse = [], [], [], [], [], [], []
    for s in range(seeds):
        rep = snr_from_states(model, iid_states(model, probs, R, K, s), data, n_bootstrap=20, seed=s)
        q.append(rep.q_hat)
        qj.append(rep.q_hat_jackknife)
        q_op.append(rep.exact["q"])
        num.append(rep.gbar_norm_sq - rep.trace_cov / R)
        T.append(rep.trace_cov)
        bias.append(rep.exact["bias_sq"])
        mse.append(rep.exact["mse"])
    # second-order (delta-method) bias of a ratio N/T of unbiased N, T, from the seeds' own spread
    num_a, T_a = np.asarray(num), np.asarray(T)
    ratio_bias = Q * (T_a.var(ddof=1) / (V / K) ** 2 - np.cov(num_a, T_a)[0, 1] / ((g @ g) * V / K))
    op_bias = Q * np.var(mse, ddof=1) / (V / K) ** 2          # same for |g|^2 / mean|ghat - g|^2
    z = {"numerator": zscore(num, g @ g), "T": zscore(T, V / K), "q_hat": zscore(q, Q + ratio_bias),
         "q_hat_jackknife": zscore(qj, Q), "q_operational": zscore(q_op, Q + op_bias),
         "mse": zscore(mse, V / K), "bias_sq": zscore(bias, 0.0)}
    print(kind, "Q", Q, "mean Qhat", np.mean(q), "predicted ratio bias", ratio_bias, z)
    assert all(abs(v) < Z for v in z.values()), z
    assert abs(z["q_hat"]) < 3 and abs(z["q_hat_jackknife"]) < 3 and abs(z["q_operational"]) < 3, z
    assert abs(ratio_bias) < 0.05 * Q           # the ratio bias is small: Qhat is usable as it is
    # the test has power: a 10 % error in Q would be many error bars
    assert abs(zscore(q, 1.1 * Q)) > Z


def test_biased_sampler_is_caught_by_bias_and_operational_q():
    """Exact samples of the wrong law (beta 0.8 for a beta-1 target): Qhat is not Q; bias_sq is the exact bias."""
    model = small_rbm()
    data = binary_data(4)
    wrong = exact_law(model.to_ising(), 0.8).probs
    R, K = 32, 50
    exact_bias = float(np.sum((exact_model_term(model, 0.8) - exact_model_term(model, 1.0)) ** 2))
    q, q_op, bias = [], [], []
    for s in range(60):
        rep = snr_from_states(model, iid_states(model, wrong, R, K, 1000 + s), data, n_bootstrap=20, seed=s)
        q.append(rep.q_hat)
        q_op.append(rep.exact["q"])
        bias.append(rep.exact["bias_sq"])
    assert abs(zscore(bias, exact_bias)) < Z
    assert exact_bias > 20 * np.std(bias) / np.sqrt(len(bias))
    # Qhat reads |E ghat|^2 / T, blind to the bias: well above the operational Q
    assert zscore(np.subtract(q, q_op), 0.0) > Z


def test_q_hat_formula_and_jackknife_by_hand():
    G = np.array([[1.0, 2.0], [3.0, 2.0], [2.0, 5.0]])
    gbar = G.mean(0)
    T = G.var(0, ddof=1).sum()
    q, norm, t = q_hat(G)
    assert t == pytest.approx(T) and norm == pytest.approx(gbar @ gbar)
    assert q == pytest.approx((gbar @ gbar - T / 3) / T)
    loo = [q_hat(np.delete(G, i, 0))[0] for i in range(3)]
    assert q_hat_jackknife(G) == pytest.approx(3 * q - 2 * np.mean(loo))
    with pytest.raises(PbitsimError):
        q_hat(G[:1])


# ----------------------------------------------------------------- a quantized chip's bias
def quantized_chip():
    """Fixed-point weights/biases (lsb 1/4), 8-bit LUT, 8-bit xoroshiro words: a Markov datapath."""
    d = load_chip("ideal").to_dict()
    d["name"] = "quantized-test"
    fixed = {"format": "fixed", "total_bits": 6, "frac_bits": 2}
    d["weights"].update(fixed)
    d["bias"].update(fixed)
    d["accumulator"].update({"format": "fixed", "total_bits": 8, "frac_bits": 2})
    d["pbit"].update({"activation": "lut", "lut_input_bits": 5, "lut_output_bits": 8})
    d["rng"].update({"kind": "xoroshiro", "output_bits": 8})
    return chip_from_dict(d, source="quantized test chip")


def test_quantized_chip_bias_equals_exact_kernel_law_bias():
    """|E ghat - g|^2 measured on the chip = the exact bias of the quantized kernel's stationary law."""
    model = small_rbm(seed=5)
    data = binary_data(4, seed=2)
    chip = quantized_chip()
    program = ps.compile(model, chip)       # scaled to fill the 6-bit format, beta_factor < 1
    assert program.beta_factor < 1
    pi = kernel_stationary_law(program, 1.0)             # the user's beta; the chip runs at beta_factor
    expected_estimate = data_term(model, data) - model_term_under_law(model, pi)
    g = exact_gradient(model, data)
    exact_bias = float(np.sum((expected_estimate - g) ** 2))

    rep = gradient_snr(model, chip, data, estimates=64, samples_per_estimate=2000, burn_in=100, seed=3,
                       n_bootstrap=400)
    assert rep.setup["beta_factor"] == program.beta_factor
    e = rep.exact
    print(rep.summary())
    # the scalar bias, with its bootstrap error bar
    assert abs(e["bias_sq"] - exact_bias) < Z * e["bias_sq_stderr"], (e["bias_sq"], exact_bias)
    assert exact_bias > 10 * e["bias_sq_stderr"]         # far from the ideal chip's zero
    # every parameter's mean estimate sits on the kernel law's expectation ...
    se = np.sqrt(rep.parameter_variance / rep.setup["estimates"])
    z_kernel = (rep.gradient_mean - expected_estimate) / se
    z_ideal = (rep.gradient_mean - g) / se
    assert np.max(np.abs(z_kernel)) < 4.5, z_kernel
    assert np.max(np.abs(z_ideal)) > 5 * 4.5             # ... and not on the ideal gradient
    # the report's own kernel-law prediction is the same number
    assert rep.kernel["bias_sq"] == pytest.approx(exact_bias, rel=1e-9)
    # MSE splits into bias^2 + variance; Qhat overstates Q because the estimator is biased
    assert e["mse"] == pytest.approx(e["bias_sq"] + e["variance"], rel=1e-9)
    assert rep.q_hat > 3 * e["q"]


def test_ideal_chip_is_unbiased_and_q_hat_tracks_q():
    model = small_rbm(seed=5)
    data = binary_data(4, seed=2)
    rep = gradient_snr(model, "ideal", data, estimates=32, samples_per_estimate=500, burn_in=50, seed=4,
                       n_bootstrap=400)
    e = rep.exact
    assert abs(e["bias_sq"]) < Z * e["bias_sq_stderr"]
    assert rep.kernel["bias_sq"] < 1e-12 and rep.kernel["kl_kernel_vs_target"] < 1e-12
    lo, hi = rep.q_hat_ci
    assert lo <= e["q"] * 1.1 and e["q"] * 0.9 <= hi


# ----------------------------------------------------------------- autocorrelation section
def test_magnetization_and_gradient_autocorrelation_disagree_without_fields():
    """Zero-field ferromagnet: the magnetization barely flips while the even observables m_i m_j mix fast."""
    n = 6
    J = np.full((n, n), 0.6)
    np.fill_diagonal(J, 0)
    model = ps.IsingModel.from_dense(J)
    data = np.where(np.random.default_rng(0).random((20, n)) < 0.5, 1, -1)
    rep = gradient_snr(model, "ideal", data, estimates=8, samples_per_estimate=4000, burn_in=50, seed=2,
                       n_bootstrap=50)
    a = rep.autocorrelation
    tau_J = a["gradient_observables"]["blocks"]["J"]["tau_median"]
    tau_m = a["magnetization"]["tau"]
    assert tau_J < 3 and tau_m > 30 * tau_J, a
    assert a["ratio_magnetization_to_gradient_median"] > 1


# ----------------------------------------------------------------- report surface
def test_report_surface_to_dict_summary_frozen():
    model = small_rbm()
    rep = gradient_snr(model, "ideal", binary_data(4), estimates=8, samples_per_estimate=50, burn_in=10,
                       seed=1, n_bootstrap=50)
    assert isinstance(rep, SNRReport)
    d = json.loads(json.dumps(rep.to_dict()))
    for key in ("q_hat", "q_hat_ci", "q_hat_note", "q_hat_ci_method", "warnings", "blocks", "per_parameter",
                "exact", "kernel", "autocorrelation", "setup"):
        assert key in d
    assert d["q_hat_ci"][0] <= d["q_hat"] <= d["q_hat_ci"][1] and d["warnings"] == []     # R = 8: no warning
    assert "unbiased" in d["q_hat_note"]
    assert set(d["blocks"]) == {"W", "b", "c"}
    assert {"5%", "50%", "95%"} <= set(d["per_parameter"]["quantiles"])
    assert d["setup"]["seed"] == 1
    # the KL is a value, not just ">= 0": 400 correlated samples of a 2^7-state law leave a positive KL, at
    # least Pinsker's 2 TV^2 for the same histogram, and on the ideal chip within a few times the KL of as
    # many i.i.d. exact draws (the chain's autocorrelation only inflates it modestly)
    kl, tv, kl_iid = d["exact"]["kl"], d["exact"]["tv"], d["exact"]["kl_iid_same_n"]
    assert kl >= 2 * tv ** 2 > 0 and kl_iid > 0
    assert kl < 3 * kl_iid, (kl, kl_iid)
    text = rep.summary()
    for needle in ("Qhat", "equals Q only for an unbiased estimator", "bias^2", "tau_int magnetization"):
        assert needle in text
    with pytest.raises(dataclasses.FrozenInstanceError):
        rep.q_hat = 0.0
    # same seed, same numbers
    again = gradient_snr(model, "ideal", binary_data(4), estimates=8, samples_per_estimate=50, burn_in=10,
                         seed=1, n_bootstrap=50)
    assert again.q_hat == rep.q_hat and again.q_hat_ci == rep.q_hat_ci


def test_digits_rbm_uses_exact_marginals_and_other_chips_run():
    g = np.random.default_rng(0)
    rbm = ps.RBM(g.normal(0, 0.1, (64, 4)), np.full(64, -0.5), np.zeros(4))
    rep = gradient_snr(rbm, "ideal", "digits", estimates=4, samples_per_estimate=30, burn_in=10, seed=1,
                       n_bootstrap=50)
    assert "analytic sum over 4 units" in rep.exact["reference"] and "kl" not in rep.exact
    assert rep.setup["n_data"] == 1797 and rep.kernel is None
    # asynchronous (event engine) and LFSR datapath chips on the model's own graph
    model = small_rbm()
    for overrides in ({"clock": {"mode": "asynchronous"}},
                      {"rng": {"kind": "lfsr", "width": 32, "taps": [32, 22, 2, 1], "output_bits": 32},
                       "weights": {"format": "fixed", "total_bits": 6, "frac_bits": 1}}):
        d = load_chip("ideal").to_dict()
        for sec, keys in overrides.items():
            d[sec].update(keys)
        rep = gradient_snr(model, chip_from_dict(d), binary_data(4), estimates=4, samples_per_estimate=50,
                           burn_in=10, seed=2, n_bootstrap=20)
        assert np.isfinite(rep.q_hat) and rep.kernel is None   # no state-only Markov kernel
        assert rep.exact["bias_sq_stderr"] > 0


def test_bad_input():
    model = small_rbm()
    with pytest.raises(PbitsimError, match="estimates"):
        gradient_snr(model, "ideal", binary_data(4), estimates=1)
    with pytest.raises(PbitsimError, match="columns"):
        gradient_snr(model, "ideal", binary_data(5), estimates=2)
    with pytest.raises(PbitsimError, match="no such"):
        gradient_snr("/nonexistent/model.npz", "ideal", binary_data(4))
    with pytest.raises(PbitsimError, match="states"):
        snr_from_states(model, np.ones((2, 3, 5)), binary_data(4))


def test_kernel_reference_on_a_real_chip_graph_with_a_permuted_placement():
    """fpga-xoroshiro-pwl (Pegasus, hard sigmoid, 16-bit xoroshiro): placed by subgraph search, not identity."""
    g = np.random.default_rng(0)
    model = ps.RBM(g.normal(0, 1.5, (6, 3)), g.normal(0, 1, 6), np.zeros(3))
    program = ps.compile(model, "fpga-xoroshiro-pwl")
    assert not np.array_equal(program.placement, np.arange(program.n_physical))
    rep = gradient_snr(program, None, binary_data(6), estimates=32, samples_per_estimate=1000, seed=0,
                       n_bootstrap=400)
    e, k = rep.exact, rep.kernel
    assert abs(e["bias_sq"] - k["bias_sq"]) < Z * e["bias_sq_stderr"], (e["bias_sq"], k["bias_sq"])
    assert k["bias_sq"] > 5 * e["bias_sq_stderr"]
