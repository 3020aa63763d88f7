r"""Energy models: :class:`IsingModel` (bipolar spins) and :class:`RBM` (binary 0/1 units).

Ising convention (bipolar, ``m_i in {-1, +1}``)::

    E(m) = -sum_{i<j} J_ij m_i m_j - sum_i h_i m_i + offset
    p(m) ∝ exp(-beta * E(m))

RBM convention (binary, ``v_i, h_j in {0, 1}``)::

    E(v, h) = -v'Wh - b'v - c'h

The map ``x = (s + 1) / 2`` turns an RBM into an Ising model with
``J_vh = W/4``, ``h_v = b/2 + rowsum(W)/4``, ``h_h = c/2 + colsum(W)/4`` and a
constant ``offset = -(sum W/4 + sum b/2 + sum c/2)``, so energies agree exactly.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .files.atomic import save_npz_atomic
from .errors import ModelError
from .files.npz import open_npz
from .kernels.sparse_build import is_canonical, is_symmetric, symmetric_csr, upper_triangle

__all__ = ["IsingModel", "RBM", "load_model", "save_model"]


def _as_finite_vector(x, n, what, source):
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 0 and n is not None:
        arr = np.full(n, float(arr))
    if arr.ndim != 1:
        raise ModelError(f"{source}{what} must be a 1-D array, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ModelError(f"{source}{what} has length {arr.shape[0]}, expected {n}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ModelError(f"{source}{what} contains a non-finite value ({arr[bad]}) at index {bad}")
    return arr


@dataclass(frozen=True, eq=False)
class IsingModel:
    r"""Ising model on ``n`` bipolar spins with sparse symmetric couplings.

    ``E(m) = -sum_{i<j} J_ij m_i m_j - sum_i h_i m_i + offset``.

    Attributes
    ----------
    J : scipy.sparse.csr_matrix, float64, shape (n, n)
        Symmetric, zero diagonal, explicit zeros removed, sorted indices.
    h : ndarray, float64, shape (n,)
    offset : float
        Constant energy shift (keeps RBM <-> Ising energies exactly equal).
    """

    J: sp.csr_matrix
    h: np.ndarray
    offset: float = 0.0
    name: str = field(default="", compare=False)

    def __post_init__(self):
        J, h = self.J, self.h
        if not sp.issparse(J):
            raise ModelError("IsingModel.J must be a scipy.sparse matrix; use IsingModel.from_dense")
        if J.ndim != 2 or J.shape[0] != J.shape[1]:
            raise ModelError(f"J must be square, got shape {J.shape}")
        n = J.shape[0]
        h = _as_finite_vector(h, n, "h", "")
        J = sp.csr_matrix(J, dtype=np.float64)
        J.sum_duplicates()
        J.eliminate_zeros()
        J.sort_indices()
        if not np.all(np.isfinite(J.data)):
            coo = J.tocoo()
            k = int(np.flatnonzero(~np.isfinite(coo.data))[0])
            raise ModelError(
                f"J contains a non-finite value ({coo.data[k]}) at ({coo.row[k]}, {coo.col[k]})")
        if J.diagonal().any():
            i = int(np.flatnonzero(J.diagonal())[0])
            raise ModelError(f"J must have a zero diagonal; J[{i},{i}] = {J[i, i]}")
        tol = 1e-12 * max(1.0, float(J.data.max(initial=0.0)), -float(J.data.min(initial=0.0)))  # no |J| copy
        if not is_symmetric(J.indptr, J.indices, J.data, tol):  # in place; J - J.T only to name the entry
            asym = (J - J.T).tocoo()
            big = np.abs(asym.data) > tol
            k = int(np.flatnonzero(big)[0])
            r, c = int(asym.row[k]), int(asym.col[k])
            raise ModelError(f"J must be symmetric; J[{r},{c}] = {J[r, c]} but J[{c},{r}] = {J[c, r]}")
        if not np.isfinite(self.offset):
            raise ModelError(f"offset must be finite, got {self.offset}")
        object.__setattr__(self, "J", J)
        object.__setattr__(self, "h", h)
        object.__setattr__(self, "offset", float(self.offset))

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_dense(cls, J, h=None, *, offset=0.0, name=""):
        """Build from a dense symmetric ``(n, n)`` coupling matrix and fields ``h``."""
        J = np.asarray(J, dtype=np.float64)
        if J.ndim != 2 or J.shape[0] != J.shape[1]:
            raise ModelError(f"J must be a square 2-D array, got shape {J.shape}")
        if not np.all(np.isfinite(J)):
            r, c = map(int, np.argwhere(~np.isfinite(J))[0])
            raise ModelError(f"J contains a non-finite value ({J[r, c]}) at ({r}, {c})")
        h = np.zeros(J.shape[0]) if h is None else h
        return cls(sp.csr_matrix(J), h, offset, name)

    @classmethod
    def from_sparse(cls, J, h=None, *, offset=0.0, name=""):
        """Build from any scipy.sparse symmetric matrix (or a ``(rows, cols, vals)`` triplet).

        A triplet may list each edge once (either orientation) or both ways; a
        one-way triplet is symmetrised.
        """
        if isinstance(J, tuple) and len(J) == 3:
            return cls.from_edges(*J, h=h, offset=offset, name=name)
        if not sp.issparse(J):
            raise ModelError(f"from_sparse expects a scipy.sparse matrix, got {type(J).__name__}")
        h = np.zeros(J.shape[0]) if h is None else h
        return cls(sp.csr_matrix(J, dtype=np.float64), h, offset, name)

    @classmethod
    def from_edges(cls, rows, cols, vals, h=None, *, n=None, offset=0.0, name=""):
        """Build from COO triplets (one entry per edge, or both orientations)."""
        rows = np.asarray(rows)
        cols = np.asarray(cols)
        vals = np.asarray(vals, dtype=np.float64)
        if not (rows.shape == cols.shape == vals.shape) or rows.ndim != 1:
            raise ModelError(
                f"J_row, J_col, J_val must be 1-D and of equal length; got {rows.shape}, {cols.shape}, {vals.shape}")
        for arr, what in ((rows, "J_row"), (cols, "J_col")):
            if arr.size and (not np.issubdtype(arr.dtype, np.integer)):
                if not np.all(np.equal(np.mod(arr, 1), 0)):
                    raise ModelError(f"{what} must hold integer indices")
            if arr.size and arr.min() < 0:
                raise ModelError(f"{what} holds a negative index ({arr.min()})")
        rows = rows.astype(np.int64, copy=False)
        cols = cols.astype(np.int64, copy=False)
        if h is not None:
            h = np.asarray(h, dtype=np.float64)
        if n is None:
            n = h.shape[0] if h is not None and h.ndim == 1 else (int(max(rows.max(initial=-1), cols.max(initial=-1))) + 1)
        if rows.size and max(rows.max(), cols.max()) >= n:
            raise ModelError(f"edge index {int(max(rows.max(), cols.max()))} out of range for n = {n}")
        if np.any(rows == cols):
            k = int(np.flatnonzero(rows == cols)[0])
            raise ModelError(f"self-coupling at ({rows[k]}, {cols[k]}); J must have a zero diagonal")
        if not np.all(np.isfinite(vals)):
            k = int(np.flatnonzero(~np.isfinite(vals))[0])
            raise ModelError(f"J_val contains a non-finite value ({vals[k]}) at ({rows[k]}, {cols[k]})")
        if is_canonical(n, rows, cols):  # rows < cols, sorted, unique (e.g. chip edge arrays): CSR in place
            indptr, indices, data = symmetric_csr(n, rows, cols, vals)
            h = np.zeros(n) if h is None else h
            return cls(sp.csr_matrix((data, indices, indptr), shape=(n, n)), h, offset, name)
        if rows.size and (np.all(rows < cols) or np.all(rows > cols)):  # one orientation: mirror it
            M = sp.coo_matrix((np.concatenate([vals, vals]), (np.concatenate([rows, cols]),
                                                             np.concatenate([cols, rows]))), shape=(n, n)).tocsr()
            M.eliminate_zeros()  # as M + M.T below drops the couplings that are exactly 0
            h = np.zeros(n) if h is None else h
            return cls(M, h, offset, name)
        M = sp.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
        sym = M - M.T
        sym.eliminate_zeros()
        if sym.nnz:  # one-way listing (or inconsistent): symmetrise where only one side given
            upper_lower = M.multiply(M.T != 0)
            if upper_lower.nnz:
                # both orientations present for some pairs: they must agree
                d = (upper_lower - upper_lower.T)
                d.eliminate_zeros()
                if d.nnz:
                    c = d.tocoo()
                    raise ModelError(
                        f"J triplets give J[{c.row[0]},{c.col[0]}] != J[{c.col[0]},{c.row[0]}]")
            M = M + M.T - upper_lower
        h = np.zeros(n) if h is None else h
        return cls(sp.csr_matrix(M), h, offset, name)

    # ----------------------------------------------------------------- properties
    @property
    def n(self) -> int:
        """Number of spins."""
        return self.J.shape[0]

    @property
    def n_edges(self) -> int:
        return self.J.nnz // 2

    def edges(self):
        """Upper-triangle couplings ``(rows, cols, vals)`` with ``rows < cols`` (int64, int64, float64)."""
        J = self.J  # canonical CSR (sorted indices): the upper triangle comes out lexsorted
        return upper_triangle(J.indptr, J.indices, J.data)

    def csr(self):
        """CSR arrays ``(indptr int64, indices int32, weights float64)`` of the symmetric J."""
        return (self.J.indptr.astype(np.int64), self.J.indices.astype(np.int32),
                self.J.data.astype(np.float64))

    def dense(self):
        return self.J.toarray()

    def graph(self):
        """The coupling graph as a ``networkx.Graph`` on nodes ``0..n-1`` (weights on edges)."""
        import networkx as nx

        G = nx.Graph()
        G.add_nodes_from(range(self.n))
        r, c, v = self.edges()
        G.add_weighted_edges_from(zip(r.tolist(), c.tolist(), v.tolist()))
        return G

    def fingerprint(self) -> str:
        """Hash of the exact parameters (for caches and result keys)."""
        r, c, v = self.edges()
        hsh = hashlib.sha256()
        for arr in (np.array([self.n]), r, c, v, self.h, np.array([self.offset])):
            hsh.update(np.ascontiguousarray(arr).tobytes())
        return hsh.hexdigest()[:16]

    # ----------------------------------------------------------------- physics
    def local_fields(self, states):
        """Input ``I = h + J m`` for states of shape ``(..., n)`` (float64)."""
        m = np.asarray(states, dtype=np.float64)
        flat = m.reshape(-1, self.n)
        return (flat @ self.J.T + self.h).reshape(m.shape) if flat.size else np.zeros(m.shape)

    def energy(self, states):
        """Energy ``E(m)`` for bipolar states of shape ``(n,)`` or ``(..., n)``."""
        m = np.asarray(states, dtype=np.float64)
        if m.shape[-1] != self.n:
            raise ModelError(f"states have {m.shape[-1]} spins, model has {self.n}")
        flat = m.reshape(-1, self.n)
        Jm = np.asarray(self.J @ flat.T).T
        e = -0.5 * np.einsum("ij,ij->i", flat, Jm) - flat @ self.h + self.offset
        return e.reshape(m.shape[:-1]) if m.ndim > 1 else float(e[0])

    def scaled(self, factor):
        """The same model with couplings, fields and offset multiplied by ``factor``."""
        return IsingModel(self.J * float(factor), self.h * float(factor), self.offset * float(factor), self.name)

    def save(self, path):
        """Write ``.npz`` with COO keys ``J_row, J_col, J_val, h`` (and ``offset``), atomically."""
        r, c, v = self.edges()
        return save_npz_atomic(path, J_row=r, J_col=c, J_val=v, h=self.h, offset=np.float64(self.offset))

    def __repr__(self):
        return f"IsingModel(n={self.n}, edges={self.n_edges}{', name=' + repr(self.name) if self.name else ''})"


@dataclass(frozen=True, eq=False)
class RBM:
    r"""Restricted Boltzmann machine, binary units: ``E(v,h) = -v'Wh - b'v - c'h``.

    Attributes
    ----------
    W : ndarray, float64, shape (n_visible, n_hidden)
    b : ndarray, float64, shape (n_visible,)  visible biases
    c : ndarray, float64, shape (n_hidden,)   hidden biases
    """

    W: np.ndarray
    b: np.ndarray
    c: np.ndarray
    name: str = field(default="", compare=False)

    def __post_init__(self):
        W = np.asarray(self.W, dtype=np.float64)
        if W.ndim != 2:
            raise ModelError(f"RBM W must be 2-D (n_visible x n_hidden), got shape {W.shape}")
        if not np.all(np.isfinite(W)):
            r, c = map(int, np.argwhere(~np.isfinite(W))[0])
            raise ModelError(f"RBM W contains a non-finite value ({W[r, c]}) at ({r}, {c})")
        b = _as_finite_vector(self.b, W.shape[0], "b (visible biases)", "RBM ")
        c = _as_finite_vector(self.c, W.shape[1], "c (hidden biases)", "RBM ")
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "b", b)
        object.__setattr__(self, "c", c)

    @property
    def n_visible(self):
        return self.W.shape[0]

    @property
    def n_hidden(self):
        return self.W.shape[1]

    @property
    def n(self):
        return self.n_visible + self.n_hidden

    def energy(self, v, h):
        """Binary energy ``-v'Wh - b'v - c'h`` for 0/1 arrays ``(..., n_visible)``, ``(..., n_hidden)``."""
        v = np.asarray(v, dtype=np.float64)
        h = np.asarray(h, dtype=np.float64)
        return -np.einsum("...i,ij,...j->...", v, self.W, h) - v @ self.b - h @ self.c

    def to_ising(self) -> IsingModel:
        """Exact spin model on ``n_visible + n_hidden`` spins (visible first), same energies."""
        nv, nh = self.W.shape
        W4 = self.W / 4.0
        hv = self.b / 2.0 + self.W.sum(axis=1) / 4.0
        hh = self.c / 2.0 + self.W.sum(axis=0) / 4.0
        offset = -(self.W.sum() / 4.0 + self.b.sum() / 2.0 + self.c.sum() / 2.0)
        blk = sp.bmat([[None, sp.csr_matrix(W4)], [sp.csr_matrix(W4.T), None]], format="csr")
        if blk.shape != (nv + nh, nv + nh):  # bmat drops empty blocks' shapes
            blk = sp.csr_matrix((nv + nh, nv + nh))
        return IsingModel(blk, np.concatenate([hv, hh]), offset, self.name)

    @classmethod
    def from_ising(cls, model: IsingModel, n_visible: int, *, name=""):
        """Inverse of :meth:`to_ising`: requires couplings only between spins ``< n_visible`` and the rest."""
        n = model.n
        if not 0 < n_visible < n:
            raise ModelError(f"n_visible must be in 1..{n - 1}, got {n_visible}")
        D = model.dense()
        if np.any(D[:n_visible, :n_visible]) or np.any(D[n_visible:, n_visible:]):
            raise ModelError("model is not bipartite between the first n_visible spins and the rest")
        W = 4.0 * D[:n_visible, n_visible:]
        b = 2.0 * (model.h[:n_visible] - W.sum(axis=1) / 4.0)
        c = 2.0 * (model.h[n_visible:] - W.sum(axis=0) / 4.0)
        return cls(W, b, c, name or model.name)

    def save(self, path):
        """Write ``.npz`` with keys ``W, b, c``, atomically; returns the path."""
        return save_npz_atomic(path, W=self.W, b=self.b, c=self.c)

    def __repr__(self):
        return f"RBM(n_visible={self.n_visible}, n_hidden={self.n_hidden})"


def spins_to_binary(s):
    """Bipolar ``{-1,+1}`` -> binary ``{0,1}`` (int8)."""
    return ((np.asarray(s) + 1) // 2).astype(np.int8)


def binary_to_spins(x):
    """Binary ``{0,1}`` -> bipolar ``{-1,+1}`` (int8)."""
    return (2 * np.asarray(x) - 1).astype(np.int8)


_ISING_KEYS = {"J", "J_row", "J_col", "J_val", "h", "offset"}
_RBM_KEYS = {"W", "b", "c"}


def load_model(path):
    """Load an :class:`IsingModel` or :class:`RBM` from ``.npz``.

    Keys: Ising ``J`` (dense symmetric) or ``J_row, J_col, J_val`` (COO), and ``h``
    (optional ``offset``); RBM ``W`` (n_visible x n_hidden), ``b``, ``c``.

    Raises
    ------
    ModelError
        One line naming the file and the problem: not an ``.npz`` archive, an
        object array, missing or unknown keys, wrong shapes, non-numeric or
        non-finite values, or a model with no spins.
    """
    path = os.fspath(path)
    with open_npz(path, ModelError, "model") as data:
        try:
            model = _model_from_archive(data, os.path.basename(path))
        except ModelError as exc:
            msg = str(exc)
            raise ModelError(msg if msg.startswith(f"{path}: ") else f"{path}: {msg}") from None
        except (TypeError, ValueError) as exc:  # e.g. strings where numbers belong
            raise ModelError(f"{path}: {exc}") from None
    if model.n == 0:
        raise ModelError(f"{path}: the model has 0 spins (empty arrays); nothing to simulate")
    return model


def _model_from_archive(data, name):
    keys = set(data.files)
    if "W" in keys:
        extra = keys - _RBM_KEYS
        if extra:
            raise ModelError(f"unexpected keys {sorted(extra)} in an RBM file (allowed: W, b, c)")
        missing = _RBM_KEYS - keys
        if missing:
            raise ModelError(f"RBM file lacks keys {sorted(missing)} (needs W, b, c)")
        return RBM(data["W"], data["b"], data["c"], name=name)
    if keys & {"J", "J_row"}:
        extra = keys - _ISING_KEYS
        if extra:
            raise ModelError(f"unexpected keys {sorted(extra)} in an Ising file "
                             "(allowed: J or J_row/J_col/J_val, h, offset)")
        if "h" not in keys:
            raise ModelError("Ising file lacks key 'h'")
        offset = 0.0
        if "offset" in keys:
            off = np.asarray(data["offset"])
            if off.size != 1 or not np.issubdtype(off.dtype, np.number):
                raise ModelError(f"key 'offset' must be one number, got shape {off.shape} of {off.dtype}")
            offset = float(off.reshape(()))
        if "J" in keys:
            if keys & {"J_row", "J_col", "J_val"}:
                raise ModelError("give either dense 'J' or 'J_row/J_col/J_val', not both")
            return IsingModel.from_dense(data["J"], data["h"], offset=offset, name=name)
        missing = {"J_row", "J_col", "J_val"} - keys
        if missing:
            raise ModelError(f"sparse Ising file lacks keys {sorted(missing)}")
        h = data["h"]
        return IsingModel.from_edges(data["J_row"], data["J_col"], data["J_val"], h,
                                     n=np.asarray(h).shape[0] if np.asarray(h).ndim == 1 else None,
                                     offset=offset, name=name)
    raise ModelError(f"unrecognised keys {sorted(keys)}; expected an Ising model "
                     "(J or J_row/J_col/J_val, h) or an RBM (W, b, c)")


def save_model(model, path):
    """Save an IsingModel or RBM to ``.npz`` (atomic)."""
    return model.save(path)
