"""Compile inputs: IsingModel, RBM, scikit-learn BernoulliRBM, (J, h) arrays, DBMs, files; bad inputs."""
import numpy as np
import pytest
import scipy.sparse as sp

import pbitsim as ps
from pbitsim.errors import ModelError
from pbitsim.analysis.exact import codes_to_states
from pbitsim.compiler import as_logical, boltzmann_to_ising, dbm_to_ising, load_compile_input
from pbitsim.models import RBM, IsingModel, binary_to_spins


def all_binary(n):
    return (codes_to_states(np.arange(1 << n), n) + 1) // 2


def test_sklearn_bernoulli_rbm_components_are_hidden_by_visible():
    import sklearn.neural_network as sklearn  # the [learn] extra, installed by the README set-up
    rng = np.random.default_rng(0)
    X = (rng.random((40, 6)) < 0.4).astype(float)
    est = sklearn.BernoulliRBM(n_components=3, n_iter=2, random_state=0).fit(X)
    lm = as_logical(est)
    assert lm.kind == "sklearn BernoulliRBM" and lm.layers == [6, 3]
    np.testing.assert_array_equal(lm.rbm.W, est.components_.T)
    np.testing.assert_array_equal(lm.rbm.b, est.intercept_visible_)
    np.testing.assert_array_equal(lm.rbm.c, est.intercept_hidden_)
    p = ps.compile(est, "ideal")
    assert p.rbm is not None and p.n_logical == 9
    with pytest.raises(ModelError, match="fit the BernoulliRBM first"):
        as_logical(sklearn.BernoulliRBM(n_components=3))


def test_plain_arrays_dense_and_sparse():
    J = np.array([[0, 1.0, 0], [1.0, 0, -0.5], [0, -0.5, 0]])
    h = np.array([0.1, 0.0, -0.2])
    for given in ((J, h), (sp.csr_matrix(J), h), (J.tolist(), h.tolist())):
        m = as_logical(given).ising
        np.testing.assert_array_equal(m.dense(), J)
        np.testing.assert_array_equal(m.h, h)
    np.testing.assert_array_equal(as_logical((J, None)).ising.h, 0.0)


def test_dbm_energy_is_exact_over_all_states():
    rng = np.random.default_rng(1)
    sizes = [3, 2, 2]
    W = [rng.normal(size=(3, 2)), rng.normal(size=(2, 2))]
    b = [rng.normal(size=k) for k in sizes]
    m = dbm_to_ising(W, b)
    x = all_binary(7).astype(float)
    x0, x1, x2 = x[:, :3], x[:, 3:5], x[:, 5:]
    E = (-np.einsum("si,ij,sj->s", x0, W[0], x1) - np.einsum("si,ij,sj->s", x1, W[1], x2)
         - x0 @ b[0] - x1 @ b[1] - x2 @ b[2])
    np.testing.assert_allclose(m.energy(binary_to_spins(x)), E, atol=1e-12)
    for given in (W, (W, b), {"weights": W, "biases": b}):
        lm = as_logical(given)
        assert lm.kind == "dbm" and lm.layers == sizes
    np.testing.assert_allclose(as_logical((W, b)).ising.energy(binary_to_spins(x)), E, atol=1e-12)
    # one weight matrix: the RBM conversion exactly
    r = RBM(W[0], b[0], b[1])
    one = dbm_to_ising([W[0]], [b[0], b[1]])
    np.testing.assert_array_equal(one.dense(), r.to_ising().dense())
    np.testing.assert_array_equal(one.h, r.to_ising().h)


def test_general_binary_boltzmann_machine():
    rng = np.random.default_rng(2)
    A = np.triu(rng.normal(size=(4, 4)) * (rng.random((4, 4)) < 0.6), 1)
    W = A + A.T
    bias = rng.normal(size=4)
    m = boltzmann_to_ising(W, bias, offset=0.5)
    x = all_binary(4).astype(float)
    E = -0.5 * np.einsum("si,ij,sj->s", x, W, x) - x @ bias + 0.5
    np.testing.assert_allclose(m.energy(binary_to_spins(x)), E, atol=1e-12)


def test_dbm_and_ising_files(tmp_path):
    rng = np.random.default_rng(3)
    W0, W1 = rng.normal(size=(4, 3)), rng.normal(size=(3, 2))
    np.savez(tmp_path / "dbm.npz", W0=W0, W1=W1, b0=np.zeros(4), b1=np.ones(3), b2=np.zeros(2))
    m = load_compile_input(tmp_path / "dbm.npz")
    assert m.n == 9
    np.testing.assert_allclose(m.dense(), dbm_to_ising([W0, W1], [np.zeros(4), np.ones(3), np.zeros(2)]).dense())
    np.savez(tmp_path / "nob.npz", W0=W0, W1=W1)
    assert load_compile_input(tmp_path / "nob.npz").n == 9
    np.savez(tmp_path / "halfb.npz", W0=W0, W1=W1, b0=np.zeros(4))
    with pytest.raises(ModelError, match="every layer b0..b2 or none"):
        load_compile_input(tmp_path / "halfb.npz")
    IsingModel.from_edges([0], [1], [1.0], n=2).save(tmp_path / "ising.npz")
    assert isinstance(as_logical(str(tmp_path / "ising.npz")).ising, IsingModel)
    np.save(tmp_path / "arr.npy", np.ones(3))
    with pytest.raises(ModelError, match="not an .npz archive"):
        load_compile_input(tmp_path / "arr.npy")
    with pytest.raises(ModelError, match="no such model file"):
        load_compile_input(tmp_path / "missing.npz")


# ----------------------------------------------------------------------------- bad inputs
def test_nan_weights_are_named():
    W = np.ones((3, 2))
    W[1, 0] = np.nan
    with pytest.raises(ModelError, match=r"h contains a non-finite value \(nan\) at index 0"):
        ps.compile((np.zeros((2, 2)), [np.nan, 0.0]), "ideal")
    with pytest.raises(ModelError, match=r"RBM W contains a non-finite value \(nan\) at \(1, 0\)"):
        ps.compile(RBM(W, np.zeros(3), np.zeros(2)), "ideal")
    with pytest.raises(ModelError, match=r"DBM weight matrix 1 contains a non-finite value"):
        ps.compile([np.ones((2, 3)), W.T], "ideal")
    with pytest.raises(ModelError, match=r"non-finite value \(inf\)"):
        ps.compile((np.array([[0, np.inf], [np.inf, 0]]), None), "ideal")


def test_mismatched_shapes_are_named():
    with pytest.raises(ModelError, match=r"RBM b \(visible biases\) has length 4, expected 3"):
        ps.compile(RBM(np.ones((3, 2)), np.zeros(4), np.zeros(2)), "ideal")
    with pytest.raises(ModelError, match=r"DBM weight matrices 0 and 1 do not chain"):
        ps.compile([np.ones((3, 2)), np.ones((3, 2))], "ideal")
    with pytest.raises(ModelError, match=r"needs 3 bias vectors"):
        ps.compile(([np.ones((3, 2)), np.ones((2, 2))], [np.zeros(3)]), "ideal")
    with pytest.raises(ModelError, match=r"DBM bias vector 1 has shape \(5,\), expected \(2,\)"):
        ps.compile(([np.ones((3, 2)), np.ones((2, 2))], [np.zeros(3), np.zeros(5), np.zeros(2)]), "ideal")
    with pytest.raises(ModelError, match=r"h has length 2, expected 3"):
        ps.compile((np.zeros((3, 3)), np.zeros(2)), "ideal")
    with pytest.raises(ModelError, match="J must be symmetric"):
        ps.compile((np.array([[0, 1.0], [2.0, 0]]), None), "ideal")


def test_unsupported_objects_are_refused():
    with pytest.raises(ModelError, match="cannot compile a int"):
        ps.compile(3, "ideal")
    with pytest.raises(ModelError, match="a DBM dict needs key 'weights'"):
        ps.compile({"W": np.ones((2, 2))}, "ideal")
