"""IsingModel and RBM: exact RBM <-> Ising conversion, validation, constructors, .npz round trips."""
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pbitsim.errors import ModelError, PbitsimError
from pbitsim.models import RBM, IsingModel, binary_to_spins, load_model, save_model, spins_to_binary

FLOATS = st.floats(-8.0, 8.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def rbms(draw, max_visible=5, max_hidden=4):
    nv = draw(st.integers(1, max_visible))
    nh = draw(st.integers(1, max_hidden))
    W = draw(arrays(np.float64, (nv, nh), elements=FLOATS))
    b = draw(arrays(np.float64, (nv,), elements=FLOATS))
    c = draw(arrays(np.float64, (nh,), elements=FLOATS))
    return RBM(W, b, c)


def all_binary(n):
    return np.array(list(itertools.product([0, 1], repeat=n)), dtype=np.int8).reshape(-1, n)


def brute_energy(J, h, offset, m):
    """-sum_{i<j} J_ij m_i m_j - sum_i h_i m_i + offset, written out as loops."""
    n = len(m)
    e = offset
    for i in range(n):
        e -= h[i] * m[i]
        for j in range(i + 1, n):
            e -= J[i, j] * m[i] * m[j]
    return e


# ----------------------------------------------------------------------------- RBM <-> Ising
@settings(max_examples=60, deadline=None)
@given(rbms())
def test_rbm_to_ising_energies_equal_for_every_binary_state(rbm):
    ising = rbm.to_ising()
    assert ising.n == rbm.n_visible + rbm.n_hidden
    x = all_binary(ising.n)
    v, hid = x[:, :rbm.n_visible], x[:, rbm.n_visible:]
    e_rbm = rbm.energy(v, hid)
    e_ising = ising.energy(binary_to_spins(x))
    scale = np.maximum(1.0, np.abs(e_rbm))
    assert np.all(np.abs(e_rbm - e_ising) <= 1e-9 * scale)


@settings(max_examples=200, deadline=None)
@given(rbms())
def test_rbm_ising_round_trip_recovers_parameters(rbm):
    back = RBM.from_ising(rbm.to_ising(), rbm.n_visible)
    tol = 1e-12  # |entries| <= 8: a few ulps of the row/column sums, far below 1e-12
    np.testing.assert_allclose(back.W, rbm.W, rtol=0, atol=tol)
    np.testing.assert_allclose(back.b, rbm.b, rtol=0, atol=tol)
    np.testing.assert_allclose(back.c, rbm.c, rtol=0, atol=tol)


def test_rbm_to_ising_formulas():
    """J_vh = W/4, h_v = b/2 + rowsum(W)/4, h_h = c/2 + colsum(W)/4 (DESIGN.md)."""
    W = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    b, c = np.array([0.2, -0.4]), np.array([1.0, 0.0, -0.6])
    ising = RBM(W, b, c).to_ising()
    D = ising.dense()
    np.testing.assert_allclose(D[:2, 2:], W / 4)
    np.testing.assert_allclose(D[2:, :2], W.T / 4)
    assert not D[:2, :2].any() and not D[2:, 2:].any()
    np.testing.assert_allclose(ising.h, np.concatenate([b / 2 + W.sum(1) / 4, c / 2 + W.sum(0) / 4]))


def test_all_zero_rbm_converts():
    ising = RBM(np.zeros((2, 3)), np.zeros(2), np.zeros(3)).to_ising()
    assert ising.n == 5 and ising.n_edges == 0 and ising.offset == 0.0


def test_from_ising_rejects_non_bipartite_and_bad_split():
    tri = IsingModel.from_dense(np.ones((3, 3)) - np.eye(3))
    with pytest.raises(ModelError, match="bipartite"):
        RBM.from_ising(tri, 1)
    with pytest.raises(ModelError, match="n_visible"):
        RBM.from_ising(tri, 3)


@settings(max_examples=40, deadline=None)
@given(arrays(np.int8, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=st.sampled_from([-1, 1])))
def test_spin_binary_maps_are_inverse(s):
    np.testing.assert_array_equal(binary_to_spins(spins_to_binary(s)), s)
    assert set(np.unique(spins_to_binary(s))) <= {0, 1}


# ----------------------------------------------------------------------------- energy
def test_energy_matches_the_written_formula():
    rng = np.random.default_rng(0)
    A = np.triu(rng.normal(size=(5, 5)), 1)
    J, h = A + A.T, rng.normal(size=5)
    model = IsingModel.from_dense(J, h, offset=1.5)
    states = np.array(list(itertools.product([-1, 1], repeat=5)), dtype=np.int8)
    expect = [brute_energy(J, h, 1.5, m) for m in states]
    np.testing.assert_allclose(model.energy(states), expect, rtol=1e-12, atol=1e-12)
    assert isinstance(model.energy(states[3]), float)
    assert model.energy(states.reshape(4, 8, 5)).shape == (4, 8)
    np.testing.assert_allclose(model.local_fields(states), states @ J + h)


def test_scaled_multiplies_everything():
    model = IsingModel.from_dense([[0, 2.0], [2.0, 0]], [1.0, -1.0], offset=3.0)
    s = np.array([[1, -1], [1, 1]])
    np.testing.assert_allclose(model.scaled(0.5).energy(s), 0.5 * model.energy(s))


# ----------------------------------------------------------------------------- constructors agree
def test_dense_sparse_and_edges_constructors_agree():
    rng = np.random.default_rng(5)
    A = np.triu(rng.normal(size=(6, 6)) * (rng.random((6, 6)) < 0.5), 1)
    J, h = A + A.T, rng.normal(size=6)
    r, c = np.nonzero(A)
    models = [
        IsingModel.from_dense(J, h),
        IsingModel.from_sparse(sp.csr_matrix(J), h),
        IsingModel.from_sparse(sp.coo_matrix(J), h),
        IsingModel.from_sparse((r, c, A[r, c]), h),            # triplet, one orientation
        IsingModel.from_edges(r, c, A[r, c], h),
        IsingModel.from_edges(c, r, A[r, c], h),                # the other orientation
        IsingModel.from_edges(np.r_[r, c], np.r_[c, r], np.r_[A[r, c], A[r, c]], h),  # both
    ]
    states = np.array(list(itertools.product([-1, 1], repeat=6)), dtype=np.int8)
    ref = models[0]
    for m in models[1:]:
        np.testing.assert_array_equal(m.dense(), ref.dense())
        np.testing.assert_array_equal(m.h, ref.h)
        np.testing.assert_allclose(m.energy(states), ref.energy(states), rtol=0, atol=1e-12)
        assert m.fingerprint() == ref.fingerprint()
    er, ec, ev = ref.edges()
    assert np.all(er < ec) and ref.n_edges == len(r) == len(ev)


def test_from_edges_infers_n_and_defaults_h():
    m = IsingModel.from_edges([0], [3], [1.0])
    assert m.n == 4 and not m.h.any()
    m = IsingModel.from_edges([0], [1], [1.0], n=5)
    assert m.n == 5


def test_csr_arrays_have_kernel_dtypes():
    indptr, indices, weights = IsingModel.from_dense([[0, 1.0], [1.0, 0]]).csr()
    assert indptr.dtype == np.int64 and indices.dtype == np.int32 and weights.dtype == np.float64


def test_scalar_field_broadcasts():
    m = IsingModel.from_dense(np.zeros((3, 3)), 0.5)
    np.testing.assert_array_equal(m.h, [0.5, 0.5, 0.5])


# ----------------------------------------------------------------------------- validation errors
BAD_MODELS = [
    ("asymmetric", lambda: IsingModel.from_dense([[0, 1.0], [2.0, 0]]), r"symmetric.*J\[0,1\]"),
    ("nan_J", lambda: IsingModel.from_dense([[0, np.nan], [np.nan, 0]]), r"non-finite.*\(0, 1\)"),
    ("inf_J_sparse", lambda: IsingModel.from_sparse(sp.csr_matrix([[0, np.inf], [np.inf, 0]])), "non-finite"),
    ("nonzero_diagonal", lambda: IsingModel.from_dense([[1.0, 0], [0, 0]]), r"zero diagonal.*J\[0,0\]"),
    ("non_square", lambda: IsingModel.from_dense(np.zeros((2, 3))), r"square.*\(2, 3\)"),
    ("one_d_J", lambda: IsingModel.from_dense(np.zeros(3)), "square"),
    ("h_wrong_length", lambda: IsingModel.from_dense(np.zeros((2, 2)), [1.0, 2.0, 3.0]), "h has length 3, expected 2"),
    ("h_two_d", lambda: IsingModel.from_dense(np.zeros((2, 2)), np.zeros((2, 2))), "h must be a 1-D"),
    ("nan_h", lambda: IsingModel.from_dense(np.zeros((2, 2)), [0.0, np.nan]), "h contains a non-finite value.*index 1"),
    ("inf_offset", lambda: IsingModel.from_dense(np.zeros((2, 2)), offset=np.inf), "offset"),
    ("dense_to_from_sparse", lambda: IsingModel.from_sparse(np.zeros((2, 2))), "scipy.sparse"),
    ("self_coupling_edge", lambda: IsingModel.from_edges([1], [1], [1.0]), r"self-coupling at \(1, 1\)"),
    ("edge_out_of_range", lambda: IsingModel.from_edges([0], [5], [1.0], n=3), "out of range"),
    ("negative_index", lambda: IsingModel.from_edges([-1], [1], [1.0]), "negative index"),
    ("ragged_triplets", lambda: IsingModel.from_edges([0, 1], [1], [1.0]), "equal length"),
    ("inconsistent_orientations", lambda: IsingModel.from_edges([0, 1], [1, 0], [1.0, 2.0]), r"J\[0,1\] != J\[1,0\]"),
    ("nan_edge", lambda: IsingModel.from_edges([0], [1], [np.nan]), "non-finite"),
    ("rbm_nan_W", lambda: RBM(np.array([[0.0, np.nan]]), [0.0], [0.0, 0.0]), r"RBM W contains a non-finite.*\(0, 1\)"),
    ("rbm_1d_W", lambda: RBM(np.ones(3), [0.0], [0.0]), "2-D"),
    ("rbm_b_length", lambda: RBM(np.ones((2, 2)), [0.0], [0.0, 0.0]), r"b \(visible biases\) has length 1, expected 2"),
    ("rbm_c_nan", lambda: RBM(np.ones((1, 2)), [0.0], [0.0, np.inf]), r"c \(hidden biases\).*non-finite"),
    ("energy_wrong_n", lambda: IsingModel.from_dense(np.zeros((2, 2))).energy(np.ones(3)), "3 spins, model has 2"),
]


@pytest.mark.parametrize("make, pattern", [(m, p) for _, m, p in BAD_MODELS], ids=[i for i, _, _ in BAD_MODELS])
def test_bad_model_inputs_raise_model_error_naming_the_problem(make, pattern):
    with pytest.raises(ModelError, match=pattern) as info:
        make()
    assert isinstance(info.value, PbitsimError) and isinstance(info.value, ValueError)


# ----------------------------------------------------------------------------- load / save
def _random_ising(seed=0, n=5):
    rng = np.random.default_rng(seed)
    A = np.triu(rng.normal(size=(n, n)) * (rng.random((n, n)) < 0.6), 1)
    return IsingModel.from_dense(A + A.T, rng.normal(size=n), offset=0.75)


def test_load_dense_ising_npz(tmp_path):
    model = _random_ising(1)
    path = tmp_path / "dense.npz"
    np.savez(path, J=model.dense(), h=model.h)
    back = load_model(path)
    assert isinstance(back, IsingModel) and back.name == "dense.npz"
    np.testing.assert_array_equal(back.dense(), model.dense())
    np.testing.assert_array_equal(back.h, model.h)
    assert back.offset == 0.0


def test_save_and_load_coo_ising_npz(tmp_path):
    model = _random_ising(2)
    path = tmp_path / "coo.npz"
    save_model(model, path)
    with np.load(path) as data:
        assert {"J_row", "J_col", "J_val", "h"} <= set(data.files)
    back = load_model(str(path))
    assert back.fingerprint() == model.fingerprint()
    assert back.offset == model.offset


def test_coo_ising_with_trailing_isolated_spins(tmp_path):
    """n comes from h, so spins after the last edge are not lost."""
    path = tmp_path / "isolated.npz"
    np.savez(path, J_row=np.array([0]), J_col=np.array([1]), J_val=np.array([0.5]), h=np.zeros(4))
    assert load_model(path).n == 4


def test_save_and_load_rbm_npz(tmp_path):
    rng = np.random.default_rng(3)
    rbm = RBM(rng.normal(size=(4, 2)), rng.normal(size=4), rng.normal(size=2))
    path = tmp_path / "rbm.npz"
    rbm.save(path)
    back = load_model(path)
    assert isinstance(back, RBM)
    np.testing.assert_array_equal(back.W, rbm.W)
    np.testing.assert_array_equal(back.b, rbm.b)
    np.testing.assert_array_equal(back.c, rbm.c)


def test_save_is_atomic_and_leaves_no_temporaries(tmp_path):
    _random_ising(4).save(tmp_path / "m.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


BAD_FILES = [
    ("missing_file", None, "no such model file"),
    ("not_npz", "garbage", r"not a valid \.npz archive \(no zip header; starts with b'garb'\)"),
    ("random_bytes", bytes(np.random.default_rng(0).integers(0, 256, 300, dtype=np.uint8)),
     r"not a valid \.npz archive \(no zip header"),
    ("empty_file", b"", r"not a valid \.npz archive \(no zip header; empty file\)"),
    ("npy_array", b"\x93NUMPY\x01\x00", r"a single \.npy array, not an \.npz archive"),
    ("object_array", {"J": np.array([[0, 1], [1, 0]], dtype=object), "h": np.zeros(2)},
     r"key 'J' holds Python objects \(an object array\)"),
    ("zero_spins", {"J": np.zeros((0, 0)), "h": np.zeros(0)}, "the model has 0 spins"),
    ("rbm_zero_units", {"W": np.zeros((0, 0)), "b": np.zeros(0), "c": np.zeros(0)}, "the model has 0 spins"),
    ("strings", {"J": np.array([["a", "b"], ["c", "d"]]), "h": np.zeros(2)}, "could not convert string"),
    ("offset_vector", {"J": np.zeros((2, 2)), "h": np.zeros(2), "offset": np.zeros(3)},
     r"key 'offset' must be one number, got shape \(3,\)"),
    ("wrong_keys", {"weights": np.zeros((2, 2))}, r"unrecognised keys \['weights'\]"),
    ("rbm_missing_c", {"W": np.zeros((2, 2)), "b": np.zeros(2)}, r"lacks keys \['c'\]"),
    ("rbm_extra_key", {"W": np.zeros((2, 2)), "b": np.zeros(2), "c": np.zeros(2), "J": np.zeros(1)}, "unexpected keys"),
    ("ising_missing_h", {"J": np.zeros((2, 2))}, "lacks key 'h'"),
    ("ising_both_forms", {"J": np.zeros((2, 2)), "J_row": np.zeros(1), "h": np.zeros(2)}, "not both"),
    ("coo_missing_val", {"J_row": np.array([0]), "J_col": np.array([1]), "h": np.zeros(2)}, r"lacks keys \['J_val'\]"),
    ("nan_weights", {"J": np.array([[0, np.nan], [np.nan, 0]]), "h": np.zeros(2)}, "non-finite"),
    ("non_square_J", {"J": np.zeros((2, 3)), "h": np.zeros(2)}, "square"),
    ("rbm_nan", {"W": np.full((1, 1), np.inf), "b": np.zeros(1), "c": np.zeros(1)}, "non-finite"),
]


@pytest.mark.parametrize("content, pattern", [(c, p) for _, c, p in BAD_FILES], ids=[i for i, _, _ in BAD_FILES])
def test_bad_model_files_raise_model_error_naming_file_and_problem(tmp_path, content, pattern):
    name = "bad_model.npz"
    path = tmp_path / name
    if isinstance(content, dict):
        np.savez(path, **content)
    elif isinstance(content, str):
        path.write_text(content)
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=pattern) as info:
        load_model(path)
    assert str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)
    assert "pickle" not in str(info.value)


def test_damaged_archive_member_names_the_key(tmp_path):
    """A zip whose member bytes are corrupted (CRC error on read) is reported with file and key."""
    path = tmp_path / "damaged.npz"
    np.savez(path, J=np.zeros((40, 40)), h=np.zeros(40))
    raw = bytearray(path.read_bytes())
    k = raw.index(b"\x93NUMPY") + 200  # inside J's data (stored, not compressed)
    raw[k:k + 8] = b"\xff" * 8
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelError, match=r"damaged\.npz: key 'J' is damaged \(BadZipFile"):
        load_model(path)


def test_a_folder_is_not_a_model_file(tmp_path):
    with pytest.raises(ModelError, match="is a directory, not a model file"):
        load_model(tmp_path)
