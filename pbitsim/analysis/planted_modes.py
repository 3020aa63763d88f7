r"""Planting metastable modes in an RBM: hidden units made into strong pattern detectors.

Planting pattern ``xi in {-1,+1}^{n_v}`` in hidden unit ``j`` with strength ``s``
sets, in the spin picture of :meth:`pbitsim.RBM.to_ising` (``J_vh = W/4``,
``h_v = b/2 + rowsum(W)/4``, ``h_h = c/2 + colsum(W)/4``)::

    J_{i j} = s xi_i / 4   for every visible i,      h_j = 0   (hidden spin field),

and keeps every visible spin field ``h_i`` of the base RBM (``b`` is adjusted
for the change of ``rowsum(W)``).  Summing the planted unit out gives the
visible law a factor ``cosh(beta s xi.m / 4)``: two wells, around ``+xi`` and
``-xi``, whose barrier grows with ``s n_v``.  ``k`` planted units with distinct
patterns make ``2k`` wells; hopping between wells of *different* patterns
changes ``<m_i h_j>`` and is seen by the gradient, hopping from ``+xi`` to
``-xi`` with the hidden unit flipping along is a global-flip move that even
observables (``m_i m_j``) do not see.  Patterns are the sign of class means
of data, or random.
"""
from __future__ import annotations

import numpy as np

from ..models import RBM


def pattern_signs(data, labels, classes):
    r"""``sign(mean - 1/2)`` of the 0/1 rows of each class, ``(len(classes), n_v)`` in ``{-1,+1}`` (ties -> +1)."""
    x = np.asarray(data, dtype=np.float64)
    y = np.asarray(labels)
    out = []
    for c in classes:
        rows = x[y == c]
        if rows.shape[0] == 0:
            raise ValueError(f"no rows with label {c!r}")
        out.append(np.where(rows.mean(axis=0) >= 0.5, 1.0, -1.0))
    return np.array(out)


def plant_modes(rbm, patterns, strength):
    r"""A copy of ``rbm`` with ``patterns[j]`` planted in hidden unit ``j`` for ``j < len(patterns)``.

    Parameters
    ----------
    rbm : RBM
        Base model (``n_v`` visible, ``n_h >= len(patterns)`` hidden).
    patterns : ndarray (k, n_v)
        ±1 patterns; ``k = 0`` returns an equal copy.
    strength : float
        ``s``: the planted spin coupling is ``s xi_i / 4`` (binary ``W_ij = s xi_i``).

    Returns
    -------
    RBM
        Hidden units ``>= k`` and all visible spin fields as in ``rbm``.
    """
    W = np.array(rbm.W, dtype=np.float64)
    b = np.array(rbm.b, dtype=np.float64)
    c = np.array(rbm.c, dtype=np.float64)
    P = np.asarray(patterns, dtype=np.float64)
    P = P.reshape(-1, W.shape[0]) if P.size else np.zeros((0, W.shape[0]))
    k = P.shape[0]
    if k > W.shape[1]:
        raise ValueError(f"{k} patterns but the RBM has only {W.shape[1]} hidden units")
    if not np.all(np.abs(P) == 1):
        raise ValueError("patterns must hold only -1 and +1")
    if not np.isfinite(strength):
        raise ValueError(f"strength must be finite, got {strength}")
    old_rows = W.sum(axis=1)
    W[:, :k] = strength * P.T
    b = b + (old_rows - W.sum(axis=1)) / 2.0        # keep h_v = b/2 + rowsum(W)/4
    c[:k] = -W[:, :k].sum(axis=0) / 2.0             # planted hidden spin field h_j = 0
    return RBM(W, b, c)
