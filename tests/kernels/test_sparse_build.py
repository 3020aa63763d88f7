"""Symmetric CSR from canonical edges, the symmetry check and the upper triangle, against scipy."""

import numpy as np
import scipy.sparse as sp

from pbitsim.kernels.sparse_build import (
    is_canonical,
    is_symmetric,
    symmetric_csr,
    upper_triangle,
)
from pbitsim.models import IsingModel


def random_canonical(rng, n, m):
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = u != v
    key = np.unique(np.minimum(u, v)[keep] * n + np.maximum(u, v)[keep])
    return key // n, key % n


def test_symmetric_csr_matches_scipy():
    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 40):
        r, c = random_canonical(rng, n, 3 * n)
        vals = rng.choice([0.0, 1.5, -2.0, 0.25], r.size)
        assert is_canonical(n, r, c)
        indptr, indices, data = symmetric_csr(n, r, c, vals)
        M = sp.coo_matrix((vals, (r, c)), shape=(n, n)).tocsr()
        ref = (M + M.T).tocsr()
        ref.eliminate_zeros()
        ref.sort_indices()
        assert np.array_equal(indptr, ref.indptr) and np.array_equal(indices, ref.indices)
        assert np.array_equal(data, ref.data)
        ur, uc, uv = upper_triangle(indptr, indices, data)
        nz = vals != 0
        assert np.array_equal(ur, r[nz]) and np.array_equal(uc, c[nz]) and np.array_equal(uv, vals[nz])


def test_is_canonical_rejects_disorder_duplicates_and_lower_entries():
    r, c = np.array([0, 0, 1]), np.array([1, 2, 2])
    assert is_canonical(3, r, c)
    assert not is_canonical(3, r[::-1].copy(), c[::-1].copy())
    assert not is_canonical(3, np.array([0, 0]), np.array([1, 1]))
    assert not is_canonical(3, np.array([1]), np.array([0]))
    assert not is_canonical(2, r, c)


def test_is_symmetric_catches_one_sided_and_unequal_entries():
    J = sp.csr_matrix(np.array([[0, 1.0, 0], [1.0, 0, 2.0], [0, 2.0, 0]]))
    assert is_symmetric(J.indptr, J.indices, J.data, 1e-12)
    one_sided = sp.csr_matrix(np.array([[0, 1.0, 0], [0, 0, 0], [0, 0, 0]]))
    assert not is_symmetric(one_sided.indptr, one_sided.indices, one_sided.data, 1e-12)
    unequal = sp.csr_matrix(np.array([[0, 1.0], [1.5, 0]]))
    assert not is_symmetric(unequal.indptr, unequal.indices, unequal.data, 1e-12)


def test_ising_from_edges_fast_path_equals_general_path():
    rng = np.random.default_rng(5)
    n = 30
    r, c = random_canonical(rng, n, 80)
    vals = rng.uniform(-1, 1, r.size)
    fast = IsingModel.from_edges(r, c, vals, n=n)                       # canonical: symmetric_csr
    general = IsingModel.from_edges(np.concatenate([r, c]), np.concatenate([c, r]),
                                    np.concatenate([vals, vals]), n=n)  # both orientations
    assert (fast.J != general.J).nnz == 0 and fast.J.has_sorted_indices
    assert all(np.array_equal(a, b) for a, b in zip(fast.edges(), general.edges()))


def test_is_symmetric_agrees_with_scipy_on_random_matrices():
    rng = np.random.default_rng(9)
    for trial in range(200):
        n = int(rng.integers(1, 9))
        A = rng.choice([0.0, 0.0, 1.0, -1.0, 2.0], size=(n, n))
        if trial % 2:
            A = np.triu(A, 1)
            A = A + A.T
            if trial % 4 == 1 and n > 1:  # perturb one entry
                i, j = rng.integers(0, n, 2)
                if i != j:
                    A[i, j] += rng.choice([0.0, 1e-15, 0.5])
        np.fill_diagonal(A, 0.0)
        J = sp.csr_matrix(A)
        J.sort_indices()
        want = not np.any(np.abs(A - A.T) > 1e-12)
        assert is_symmetric(J.indptr, J.indices, J.data, 1e-12) == want, A
