r"""What :func:`pbitsim.compile` accepts, turned into one logical :class:`IsingModel`.

Accepted inputs (all converted exactly, energies equal up to the stored offset):

- :class:`~pbitsim.IsingModel`;
- :class:`~pbitsim.RBM` (binary units, :meth:`RBM.to_ising`);
- a fitted scikit-learn ``BernoulliRBM`` (``components_`` is
  ``(n_hidden, n_visible)``, so ``W = components_.T``; ``b = intercept_visible_``,
  ``c = intercept_hidden_``);
- a plain ``(J, h)`` pair: a dense symmetric array or a scipy.sparse matrix, and
  fields (``h`` may be None);
- a deep Boltzmann machine (binary units) given as a list of weight matrices
  ``[W_0, ..., W_{L-1}]``, ``W_l`` of shape ``(n_l, n_{l+1})``, optionally with
  biases: ``(weights, biases)`` or ``{"weights": [...], "biases": [...]}``;
- a path to an ``.npz`` file: Ising (``J`` or ``J_row/J_col/J_val``, ``h``), RBM
  (``W, b, c``; see :func:`pbitsim.load_model`) or DBM (``W0, W1, ...`` and
  optional ``b0, b1, ...``).

DBM convention (layers ``x_0 .. x_L`` of 0/1 units, layer 0 visible)::

    E(x) = -sum_l x_l' W_l x_{l+1} - sum_l b_l' x_l

A general binary Boltzmann machine ``E(x) = -sum_{i<j} W_ij x_i x_j - b'x``
maps to spins through ``x = (s + 1)/2`` as ``J = W/4``,
``h = b/2 + rowsum(W)/4``, ``offset = -(sum_{i<j} W_ij / 4 + sum_i b_i / 2)``
(:func:`boltzmann_to_ising`); spins are numbered layer by layer.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..errors import ModelError
from ..models import RBM, IsingModel, load_model
from ..files.npz import open_npz

__all__ = ["LogicalModel", "as_logical", "boltzmann_to_ising", "dbm_to_ising", "load_compile_input"]


@dataclass(frozen=True)
class LogicalModel:
    """A compile input as spins: the Ising model, the RBM it came from (if any) and a description."""

    ising: IsingModel
    rbm: RBM | None = None
    kind: str = "ising"
    layers: list = field(default_factory=list)


def boltzmann_to_ising(W, b=None, *, offset=0.0, name="") -> IsingModel:
    r"""Exact spin form of a binary Boltzmann machine ``E(x) = -sum_{i<j} W_ij x_i x_j - b'x``.

    Parameters
    ----------
    W : (n, n) symmetric array or scipy.sparse matrix, zero diagonal
    b : (n,) array, optional
    offset : float
        Constant added to the binary energy.
    """
    Ws = sp.csr_matrix(W, dtype=np.float64)
    n = Ws.shape[0]
    b = np.zeros(n) if b is None else np.asarray(b, dtype=np.float64)
    if b.shape != (n,):
        raise ModelError(f"biases have shape {b.shape}, expected ({n},) for a {n}-unit machine")
    if not np.all(np.isfinite(Ws.data)) or not np.all(np.isfinite(b)):
        raise ModelError("Boltzmann machine weights or biases contain a non-finite value")
    J = IsingModel(Ws / 4.0, np.zeros(n)).J  # validates symmetry and the zero diagonal
    rowsum = np.asarray(Ws.sum(axis=1)).ravel()
    h = b / 2.0 + rowsum / 4.0
    off = float(offset) - (Ws.sum() / 8.0 + b.sum() / 2.0)  # sum_{i<j} W_ij = sum_ij W_ij / 2
    return IsingModel(J, h, off, name)


def dbm_to_ising(weights, biases=None, *, name="") -> IsingModel:
    """Exact spin form of a layered DBM (see the module docstring); spins numbered layer by layer."""
    if not isinstance(weights, (list, tuple)) or not weights:
        raise ModelError("a DBM is a non-empty list of weight matrices [W_0, ..., W_{L-1}]")
    Ws = []
    for l, w in enumerate(weights):
        w = np.asarray(w, dtype=np.float64)
        if w.ndim != 2:
            raise ModelError(f"DBM weight matrix {l} must be 2-D, got shape {w.shape}")
        if not np.all(np.isfinite(w)):
            r, c = map(int, np.argwhere(~np.isfinite(w))[0])
            raise ModelError(f"DBM weight matrix {l} contains a non-finite value ({w[r, c]}) at ({r}, {c})")
        if Ws and Ws[-1].shape[1] != w.shape[0]:
            raise ModelError(f"DBM weight matrices {l - 1} and {l} do not chain: shape {Ws[-1].shape} "
                             f"is followed by {w.shape} (W_l must be (n_l, n_l+1))")
        Ws.append(w)
    sizes = [Ws[0].shape[0]] + [w.shape[1] for w in Ws]
    if biases is None:
        biases = [np.zeros(k) for k in sizes]
    if not isinstance(biases, (list, tuple)) or len(biases) != len(sizes):
        got = len(biases) if isinstance(biases, (list, tuple)) else repr(biases)
        raise ModelError(f"a DBM with {len(Ws)} weight matrices has {len(sizes)} layers and needs "
                         f"{len(sizes)} bias vectors, got {got}")
    bs = []
    for l, (bl, k) in enumerate(zip(biases, sizes)):
        bl = np.asarray(bl, dtype=np.float64)
        if bl.shape != (k,):
            raise ModelError(f"DBM bias vector {l} has shape {bl.shape}, expected ({k},) for layer {l}")
        if not np.all(np.isfinite(bl)):
            raise ModelError(f"DBM bias vector {l} contains a non-finite value")
        bs.append(bl)
    if len(Ws) == 1:
        return RBM(Ws[0], bs[0], bs[1], name).to_ising()
    n = sum(sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    rows, cols, vals = [], [], []
    for l, w in enumerate(Ws):
        r, c = np.nonzero(w)
        rows.append(r + starts[l])
        cols.append(c + starts[l + 1])
        vals.append(w[r, c])
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    W = sp.coo_matrix((np.concatenate([v, v]), (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(n, n))
    return boltzmann_to_ising(W.tocsr(), np.concatenate(bs), name=name)


def _is_2d(w):
    if sp.issparse(w):
        return True
    if isinstance(w, np.ndarray):
        return w.ndim == 2
    if isinstance(w, (list, tuple)):
        try:
            return np.asarray(w, dtype=np.float64).ndim == 2
        except (TypeError, ValueError):
            return False
    return False


def _is_matrix_list(x):
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(_is_2d(w) for w in x)


def _from_sklearn(est):
    for attr in ("components_", "intercept_visible_", "intercept_hidden_"):
        if not hasattr(est, attr):
            raise ModelError(f"{type(est).__name__} has no attribute {attr!r}: fit the BernoulliRBM first")
    W = np.asarray(est.components_, dtype=np.float64)
    if W.ndim != 2:
        raise ModelError(f"BernoulliRBM components_ must be 2-D (n_hidden x n_visible), got {W.shape}")
    rbm = RBM(W.T, est.intercept_visible_, est.intercept_hidden_, name=type(est).__name__)
    return LogicalModel(rbm.to_ising(), rbm, "sklearn BernoulliRBM", [rbm.n_visible, rbm.n_hidden])


def load_compile_input(path):
    """An IsingModel, RBM (via :func:`pbitsim.load_model`) or DBM (keys ``W0, W1, ...``, ``b0, ...``) file."""
    path = os.fspath(path)
    data = open_npz(path, ModelError, "model")
    with data:
        keys = set(data.files)
        if "W0" in keys:
            L = sum(1 for k in keys if k.startswith("W") and k[1:].isdigit())
            allowed = {f"W{l}" for l in range(L)} | {f"b{l}" for l in range(L + 1)}
            extra = keys - allowed
            if extra:
                raise ModelError(f"{path}: unexpected keys {sorted(extra)} in a DBM file "
                                 f"(W0..W{L - 1}, b0..b{L})")
            weights = [data[f"W{l}"] for l in range(L)]
            has_b = [f"b{l}" in keys for l in range(L + 1)]
            if any(has_b) and not all(has_b):
                raise ModelError(f"{path}: give DBM biases for every layer b0..b{L} or none")
            biases = [data[f"b{l}"] for l in range(L + 1)] if all(has_b) else None
            try:
                return dbm_to_ising(weights, biases, name=os.path.basename(path))
            except ModelError as exc:
                raise ModelError(f"{path}: {exc}") from None
    return load_model(path)


def as_logical(model) -> LogicalModel:
    """Turn any accepted compile input (see the module docstring) into a :class:`LogicalModel`."""
    if isinstance(model, IsingModel):
        return LogicalModel(model)
    if isinstance(model, RBM):
        return LogicalModel(model.to_ising(), model, "rbm", [model.n_visible, model.n_hidden])
    if isinstance(model, (str, os.PathLike)):
        return as_logical(load_compile_input(model))
    if hasattr(model, "components_") or type(model).__name__ == "BernoulliRBM":
        return _from_sklearn(model)
    if isinstance(model, dict):
        unknown = set(model) - {"weights", "biases"}
        if unknown or "weights" not in model:
            raise ModelError(f"a DBM dict needs key 'weights' (and optionally 'biases'); got keys {sorted(model)}")
        return _dbm(model["weights"], model.get("biases"))
    if isinstance(model, tuple) and len(model) == 2 and isinstance(model[0], (list, tuple)) \
            and _is_matrix_list(model[0]):
        return _dbm(list(model[0]), model[1])          # (weights, biases)
    if isinstance(model, tuple) and len(model) == 2 and _is_2d(model[0]) and not _is_2d(model[1]):
        J, h = model                                   # (J, h)
        if sp.issparse(J):
            return LogicalModel(IsingModel.from_sparse(J, h))
        return LogicalModel(IsingModel.from_dense(J, h))
    if _is_matrix_list(model):
        return _dbm(list(model), None)                 # [W_0, ..., W_{L-1}]
    raise ModelError(f"cannot compile a {type(model).__name__}: expected an IsingModel, RBM, scikit-learn "
                     "BernoulliRBM, (J, h) arrays, a DBM (list of weight matrices, optionally with biases) "
                     "or a path to an .npz model")


def _dbm(weights, biases):
    ising = dbm_to_ising(list(weights), None if biases is None else list(biases))
    sizes = [int(np.shape(weights[0])[0])] + [int(np.shape(w)[1]) for w in weights]
    return LogicalModel(ising, None, "dbm", sizes)
