"""PCD training (pbitsim.training.pcd), likelihoods, digits data and the shipped demo RBM."""
import itertools
import os

import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import chip_from_dict, load_chip
from pbitsim.training.digits import demo_rbm_path, load_binary_digits, load_data
from pbitsim.errors import PbitsimError
from pbitsim.analysis.gradients import rbm_exact_moments
from pbitsim.analysis.exact import codes_to_states, exact_law
from pbitsim.training.pcd import (ais_log_partition, chip_subgraph_edges, free_energy, ising_log_likelihood,
                              log_likelihood, reconstruction_error, train_ising, train_rbm)


@pytest.fixture(scope="module")
def digits_subset():
    return load_binary_digits(n_samples=400, seed=0)


@pytest.fixture(scope="module")
def trained(digits_subset):
    return train_rbm(digits_subset, n_hidden=6, epochs=5, batch_size=20, seed=1, progress=False,
                     snr_estimates=8, snr_samples=50)


def test_training_on_digits_improves_reconstruction_and_log_likelihood(trained):
    h = trained.history
    assert [e["epoch"] for e in h] == list(range(6))
    assert all(e["ll_method"] == "exact" for e in h)
    first, last = h[0], h[-1]
    print([(e["recon_error"], e["log_likelihood"], e["q_hat"]) for e in h])
    assert last["recon_error"] < 0.92 * first["recon_error"]
    assert last["log_likelihood"] > first["log_likelihood"] + 0.8      # nats per image
    # the logged LL is the exact one of the returned weights
    ll, method = log_likelihood(trained.rbm, load_binary_digits(n_samples=400, seed=0))
    assert method == "exact" and ll == pytest.approx(last["log_likelihood"], abs=1e-9)
    assert all(np.isfinite(e["q_hat"]) and "q" in e for e in h)
    assert trained.replica_states.shape == (20, 64 + 6)


def test_training_is_reproducible_and_saves_loadable_weights(trained, digits_subset, tmp_path):
    again = train_rbm(digits_subset, n_hidden=6, epochs=1, batch_size=20, seed=1, progress=False,
                      snr_estimates=0, log_likelihood_method="none")
    once = train_rbm(digits_subset, n_hidden=6, epochs=1, batch_size=20, seed=1, progress=False,
                     snr_estimates=0, log_likelihood_method="none")
    np.testing.assert_array_equal(again.rbm.W, once.rbm.W)
    path = trained.save(tmp_path / "w.npz", history_path=tmp_path / "w.history.json")
    loaded = ps.load_model(path)
    assert isinstance(loaded, ps.RBM)
    np.testing.assert_array_equal(loaded.W, trained.rbm.W)
    np.testing.assert_array_equal(loaded.c, trained.rbm.c)
    assert os.path.exists(tmp_path / "w.history.json")


def test_exact_log_likelihood_against_brute_force():
    g = np.random.default_rng(3)
    rbm = ps.RBM(g.normal(0, 1, (5, 3)), g.normal(0, 1, 5), g.normal(0, 1, 3))
    data = (g.random((12, 5)) < 0.5).astype(np.uint8)
    vs = np.array(list(itertools.product((0, 1), repeat=5)), float)
    log_z = np.log(np.exp(-free_energy(rbm, vs)).sum())
    want = float(np.mean(-free_energy(rbm, data)) - log_z)
    assert log_likelihood(rbm, data, method="exact")[0] == pytest.approx(want, abs=1e-10)
    # free energy is -log sum_h exp(-E(v, h))
    hs = np.array(list(itertools.product((0, 1), repeat=3)), float)
    v = data[0].astype(float)
    fe = -np.log(np.exp([-rbm.energy(v, h) for h in hs]).sum())
    assert free_energy(rbm, data[:1])[0] == pytest.approx(fe, abs=1e-12)


@pytest.mark.parametrize("scale", [0.3, 1.0])
def test_ais_matches_exact_log_partition(scale):
    g = np.random.default_rng(0)
    rbm = ps.RBM(g.normal(0, scale, (30, 6)), g.normal(0, 1, 30), g.normal(0, 1, 6))
    exact = rbm_exact_moments(rbm)["log_z"]
    est, err = ais_log_partition(rbm, n_runs=100, n_betas=1000, seed=1)
    assert abs(est - exact) < 4 * err, (est, exact, err)


def test_reconstruction_error_definition():
    rbm = ps.RBM(np.zeros((3, 2)), np.zeros(3), np.zeros(2))
    assert reconstruction_error(rbm, np.array([[1, 0, 1]])) == pytest.approx(0.25)


def test_training_runs_on_a_quantized_chip(digits_subset):
    d = load_chip("ideal").to_dict()
    fixed = {"format": "fixed", "total_bits": 8, "frac_bits": 4}
    d["weights"].update(fixed)
    d["bias"].update(fixed)
    d["accumulator"].update({"format": "fixed", "total_bits": 10, "frac_bits": 4})
    d["rng"].update({"kind": "xoroshiro", "output_bits": 16})
    res = train_rbm(digits_subset[:100], n_hidden=4, chip=chip_from_dict(d), epochs=1, batch_size=25, seed=2,
                    progress=False, snr_estimates=4, snr_samples=20)
    assert np.all(np.isfinite(res.rbm.W)) and len(res.history) == 2


def test_digits_and_data_files(tmp_path):
    x, y = load_binary_digits(return_labels=True)
    assert x.shape == (1797, 64) and x.dtype == np.uint8 and set(np.unique(x)) == {0, 1}
    assert y.shape == (1797,)
    np.savez(tmp_path / "d.npz", data=2 * x[:10].astype(int) - 1)      # ±1 is accepted
    np.testing.assert_array_equal(load_data(str(tmp_path / "d.npz"), 64), x[:10])
    np.savez(tmp_path / "bad.npz", other=x[:3])
    with pytest.raises(PbitsimError, match="no key 'data'"):
        load_data(str(tmp_path / "bad.npz"))
    with pytest.raises(PbitsimError, match="columns"):
        load_data("digits", 10)
    with pytest.raises(PbitsimError, match="0/1"):
        load_data(np.full((2, 3), 2))
    with pytest.raises(PbitsimError, match="lr"):
        train_rbm(x[:10], 2, epochs=1, lr=-1.0, progress=False)


def test_shipped_demo_rbm_loads():
    path = demo_rbm_path()
    assert os.path.exists(path), "run scripts/train_demo_rbm.py"
    rbm = ps.load_model(path)
    assert isinstance(rbm, ps.RBM) and rbm.n_visible == 64 and rbm.n_hidden <= 16
    x = load_binary_digits()
    untrained = ps.RBM(np.zeros((64, rbm.n_hidden)), np.zeros(64), np.zeros(rbm.n_hidden))
    assert log_likelihood(rbm, x)[0] > log_likelihood(untrained, x)[0] + 10


def test_sparse_ising_on_a_chip_graph_learns_toward_the_true_model():
    """Fully visible BM on a 4x4 King's-graph chip, data from a known sparse model on that graph."""
    d = load_chip("ideal").to_dict()
    d["topology"] = {"kind": "king", "shape": [4, 4], "periodic": False}
    chip = chip_from_dict(d, source="king 4x4")
    rows, cols = chip_subgraph_edges(chip, 16)
    assert rows.size == 42                                  # 24 straight + 18 diagonal King edges
    g = np.random.default_rng(0)
    true = ps.IsingModel.from_edges(rows, cols, g.normal(0.3, 0.3, rows.size), g.normal(0, 0.3, 16), n=16)
    law = exact_law(true)
    x = ((codes_to_states(g.choice(law.probs.size, size=500, p=law.probs), 16) + 1) // 2).astype(np.uint8)
    res = train_ising(x, chip, epochs=5, lr=0.05, batch_size=25, seed=0, progress=False, snr_estimates=4,
                      snr_samples=50)
    h = res.history
    _, true_ll = ising_log_likelihood(true, 2.0 * x - 1.0)
    assert h[-1]["log_likelihood"] > h[0]["log_likelihood"] + 0.3
    assert h[-1]["log_likelihood"] < true_ll + 0.1          # cannot beat the data's own model by much
    assert h[-1]["pseudo_log_likelihood"] > h[0]["pseudo_log_likelihood"]
    assert isinstance(res.model, ps.IsingModel) and res.model.n_edges == 42
    assert all("q_hat" in e for e in h)
