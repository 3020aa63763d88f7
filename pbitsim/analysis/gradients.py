r"""Log-likelihood gradient estimators of Boltzmann machines: data term minus a sampled model term.

For parameters ``theta`` of ``p(x) ∝ exp(-beta E(x; theta))`` the gradient of the
mean log-likelihood, per unit of ``beta``, is ``g = <phi>_data - <phi>_model``
with ``phi = -dE/dtheta`` the *gradient observables*:

* Ising (spin parameterisation, ``m in {-1,+1}^n``): ``phi = (m_i m_j for each
  coupled pair i<j, m_i for each spin)``, blocks ``J`` (``model.edges()`` order)
  and ``h``.  The data term clamps every spin to the data.
* RBM (binary parameterisation, ``v, h in {0,1}``, ``E = -v'Wh - b'v - c'h``):
  ``phi = (v h' (row-major), v, h)``, blocks ``W``, ``b``, ``c``.  The data term
  clamps ``v`` to the data and takes the hidden units' conditional expectations
  exactly, ``E[h|v] = sigmoid(beta (c + W'v))``.

The model term of one estimate is the average of ``phi`` over the ``K`` samples
of one chain (``B`` burn-in sweeps, then ``K`` samples): ``ghat = d - mean_k
phi(s_k)``.  With ``rao_blackwell=True`` an RBM's sampled hidden units are
replaced by ``E[h|v]`` (lower variance, same expectation under the exact law).
Exact model terms come from enumeration (:mod:`pbitsim.analysis.exact`, ``n <= 20``) or,
for an RBM, from summing analytically over the smaller layer (up to 20 units).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import PbitsimError
from .exact import codes_to_states, exact_law, law_from_probs
from ..models import RBM, IsingModel

__all__ = ["GradientLayout", "parameter_layout", "data_term", "features", "model_terms",
           "estimate_gradients", "exact_model_term", "model_term_under_law", "rbm_exact_moments",
           "exact_feature_variance", "exact_gradient", "MAX_EXACT_SPINS", "MAX_EXACT_LAYER"]

#: Joint enumeration of an Ising model (or an RBM's ``n_visible + n_hidden``) up to this many spins.
MAX_EXACT_SPINS = 20
#: An RBM's exact moments sum analytically over a layer of at most this many units.
MAX_EXACT_LAYER = 20
_CHUNK = 1 << 13  # layer states per chunk in the analytic RBM sums


@dataclass(frozen=True)
class GradientLayout:
    """How a flat gradient vector splits into named parameter blocks.

    Attributes
    ----------
    kind : str
        ``"rbm"`` (binary parameterisation) or ``"ising"`` (spin parameterisation).
    blocks : tuple of (name, shape)
        ``(("W", (nv, nh)), ("b", (nv,)), ("c", (nh,)))`` or ``(("J", (n_edges,)), ("h", (n,)))``.
    """

    kind: str
    blocks: tuple

    @property
    def size(self) -> int:
        return int(sum(int(np.prod(shape)) for _, shape in self.blocks))

    def slices(self) -> dict:
        """``{name: slice}`` into the flat vector."""
        out, start = {}, 0
        for name, shape in self.blocks:
            stop = start + int(np.prod(shape))
            out[name] = slice(start, stop)
            start = stop
        return out

    def split(self, vec) -> dict:
        """``{name: array of the block's shape}`` from a flat ``(..., size)`` vector."""
        vec = np.asarray(vec)
        return {name: vec[..., sl].reshape(vec.shape[:-1] + shape)
                for (name, shape), sl in zip(self.blocks, self.slices().values())}


def parameter_layout(model) -> GradientLayout:
    """The :class:`GradientLayout` of an :class:`RBM` or :class:`IsingModel`."""
    if isinstance(model, RBM):
        nv, nh = model.W.shape
        return GradientLayout("rbm", (("W", (nv, nh)), ("b", (nv,)), ("c", (nh,))))
    if isinstance(model, IsingModel):
        return GradientLayout("ising", (("J", (model.n_edges,)), ("h", (model.n,))))
    raise TypeError(f"expected an IsingModel or RBM, got {type(model).__name__}")


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _as_data(model, data):
    """Data rows as float64: binary ``{0,1}`` visible units (RBM) or spins ``±1`` (Ising)."""
    x = np.asarray(data)
    n_cols = model.n_visible if isinstance(model, RBM) else model.n
    if x.ndim != 2 or x.shape[1] != n_cols:
        raise PbitsimError(f"data must be a 2-D array (samples x {n_cols}), got shape {x.shape}")
    if x.shape[0] == 0:
        raise PbitsimError("data has no rows")
    values = np.unique(x)
    if np.all(np.isin(values, (0, 1))):
        binary = x.astype(np.float64)
    elif np.all(np.isin(values, (-1, 1))):
        binary = (x.astype(np.float64) + 1.0) / 2.0
    else:
        raise PbitsimError(f"data must hold 0/1 (or ±1) values, found {values[:5].tolist()}")
    return binary if isinstance(model, RBM) else 2.0 * binary - 1.0


def data_term(model, data, beta=1.0):
    r"""Exact data term ``<phi>_data`` (flat, float64, ``layout.size``).

    RBM: ``<v E[h|v]'>``, ``<v>``, ``<E[h|v]>`` with ``E[h|v] = sigmoid(beta (c + W'v))``
    over the rows of ``data`` (0/1 or ±1, ``(N, n_visible)``).  Ising: the
    clamped moments ``<m_i m_j>`` over coupled pairs and ``<m_i>`` of ``data``
    (``(N, n)``, ±1 or 0/1).
    """
    x = _as_data(model, data)
    n_rows = x.shape[0]
    if isinstance(model, RBM):
        ph = _sigmoid(beta * (x @ model.W + model.c))
        return np.concatenate([(x.T @ ph / n_rows).ravel(), x.mean(axis=0), ph.mean(axis=0)])
    r, c, _ = model.edges()
    return np.concatenate([(x[:, r] * x[:, c]).mean(axis=0), x.mean(axis=0)])


def _split_rbm_states(model, states):
    nv = model.n_visible
    s = np.asarray(states, dtype=np.float64)
    return (s[..., :nv] + 1.0) / 2.0, (s[..., nv:] + 1.0) / 2.0


def features(model, states, *, beta=1.0, rao_blackwell=False):
    r"""Gradient observables ``phi(s)`` of each state: ``(..., n)`` ±1 spins -> ``(..., size)`` float64.

    RBM states list the visible spins first (as :meth:`RBM.to_ising`).  Meant for
    time series (autocorrelation); use :func:`model_terms` for averages.
    """
    if isinstance(model, RBM):
        v, h = _split_rbm_states(model, states)
        if rao_blackwell:
            h = _sigmoid(beta * (v @ model.W + model.c))
        vh = (v[..., :, None] * h[..., None, :]).reshape(v.shape[:-1] + (-1,))
        return np.concatenate([vh, v, h], axis=-1)
    m = np.asarray(states, dtype=np.float64)
    r, c, _ = model.edges()
    return np.concatenate([m[..., r] * m[..., c], m], axis=-1)


def model_terms(model, states, *, beta=1.0, rao_blackwell=False):
    r"""Model term of each chain: ``mean_k phi(s_k)`` for states ``(chains, K, n)`` -> ``(chains, size)``."""
    s = np.asarray(states)
    if s.ndim != 3:
        raise PbitsimError(f"states must be (chains, samples, n), got shape {s.shape}")
    K = s.shape[1]
    if isinstance(model, RBM):
        v, h = _split_rbm_states(model, s)
        if rao_blackwell:
            h = _sigmoid(beta * (v @ model.W + model.c))
        vh = np.einsum("rki,rkj->rij", v, h) / K
        return np.concatenate([vh.reshape(s.shape[0], -1), v.mean(axis=1), h.mean(axis=1)], axis=1)
    m = s.astype(np.float64)
    r, c, _ = model.edges()
    return np.concatenate([(m[:, :, r] * m[:, :, c]).mean(axis=1), m.mean(axis=1)], axis=1)


def estimate_gradients(model, states, data, *, beta=1.0, rao_blackwell=False):
    r"""One gradient estimate per chain: ``ghat_r = <phi>_data - mean_k phi(s_{r,k})``, ``(chains, size)``."""
    return data_term(model, data, beta)[None, :] - model_terms(model, states, beta=beta,
                                                               rao_blackwell=rao_blackwell)


# ------------------------------------------------------------------ exact references
def rbm_exact_moments(rbm, beta=1.0):
    r"""Exact ``<v h'>``, ``<v>``, ``<h>`` and ``log Z`` of an RBM, summing over the smaller layer.

    With the hidden layer enumerated, ``p(h) ∝ exp(beta c'h) prod_i (1 + exp(beta (b_i + W_i h)))``
    and ``E[v|h] = sigmoid(beta (b + W h))``; symmetrically for the visible layer.
    Cost ``O(2^min(nv, nh) nv nh)``.

    Returns
    -------
    dict with ``vh`` (nv, nh), ``v`` (nv,), ``h`` (nh,), ``log_z`` (float)
    """
    nv, nh = rbm.W.shape
    if min(nv, nh) > MAX_EXACT_LAYER:
        raise PbitsimError(f"exact RBM moments need a layer of <= {MAX_EXACT_LAYER} units; "
                           f"this RBM is {nv} x {nh}")
    W, b, c = beta * rbm.W, beta * rbm.b, beta * rbm.c
    swap = nv < nh  # enumerate the smaller layer, called "e"; the other is summed out
    We, be, bo = (W.T, b, c) if swap else (W, c, b)   # W as (other, enumerated); biases e, other
    n_e = We.shape[1]
    log_w, m_e, m_o, m_oe = [], np.zeros(n_e), np.zeros(We.shape[0]), np.zeros(We.shape)
    chunks = []
    for start in range(0, 1 << n_e, _CHUNK):
        codes = np.arange(start, min(start + _CHUNK, 1 << n_e), dtype=np.int64)
        e = ((codes[:, None] >> np.arange(n_e)) & 1).astype(np.float64)
        act = e @ We.T + bo                       # (chunk, n_other)
        lw = e @ be + np.logaddexp(0.0, act).sum(axis=1)
        chunks.append((e, act, lw))
        log_w.append(lw)
    all_lw = np.concatenate(log_w)
    amax = all_lw.max()
    log_z = float(amax + np.log(np.exp(all_lw - amax).sum()))
    for e, act, lw in chunks:
        p = np.exp(lw - log_z)
        po = _sigmoid(act)                        # E[other | e]
        m_e += p @ e
        m_o += p @ po
        m_oe += (po * p[:, None]).T @ e
    if swap:
        return {"vh": m_oe.T.copy(), "v": m_e, "h": m_o, "log_z": log_z}
    return {"vh": m_oe, "v": m_o, "h": m_e, "log_z": log_z}


def _rbm_moments_to_vector(mom):
    return np.concatenate([mom["vh"].ravel(), mom["v"], mom["h"]])


def _spin_moments_to_vector(model, means, corr):
    """Model term from spin means ``(n,)`` and correlations ``(n, n)`` of the joint law."""
    if isinstance(model, RBM):
        nv = model.n_visible
        mv, mh = means[:nv], means[nv:]
        vh = (1.0 + mv[:, None] + mh[None, :] + corr[:nv, nv:]) / 4.0
        return np.concatenate([vh.ravel(), (1.0 + mv) / 2.0, (1.0 + mh) / 2.0])
    r, c, _ = model.edges()
    return np.concatenate([corr[r, c], means])


def exact_model_term(model, beta=1.0):
    r"""Exact ``<phi>_model`` under ``exp(-beta E)`` (flat), or ``None`` when it cannot be computed.

    RBMs: analytic sum over the smaller layer (``min(nv, nh) <= 20``); Ising
    models: enumeration (``n <= 20``).
    """
    if isinstance(model, RBM):
        if min(model.W.shape) > MAX_EXACT_LAYER:
            return None
        return _rbm_moments_to_vector(rbm_exact_moments(model, beta))
    if model.n > MAX_EXACT_SPINS:
        return None
    law = exact_law(model, beta)
    return _spin_moments_to_vector(model, law.means, law.correlations)


def exact_gradient(model, data, beta=1.0):
    """The exact gradient ``g = <phi>_data - <phi>_model`` (flat), or ``None`` if not computable."""
    mt = exact_model_term(model, beta)
    return None if mt is None else data_term(model, data, beta) - mt


def model_term_under_law(model, probs, *, beta=1.0, rao_blackwell=False):
    r"""Expected model term ``sum_s pi(s) phi(s)`` under any law ``pi`` over state codes.

    ``probs`` has length ``2^n`` over the codes of :mod:`pbitsim.analysis.exact` (logical
    spins, RBM visible first), e.g. a non-ideal kernel's stationary law: the
    expectation of an estimator whose chains sample ``pi``.
    """
    probs = np.asarray(probs, dtype=np.float64)
    n = model.n
    if probs.shape != (1 << n,):
        raise PbitsimError(f"law has {probs.shape[0]} entries, expected 2^{n}")
    if isinstance(model, RBM) and rao_blackwell:
        states = codes_to_states(np.arange(1 << n), n)
        return probs @ features(model, states, beta=beta, rao_blackwell=True)
    law = law_from_probs(probs, np.zeros(1 << n), beta)
    return _spin_moments_to_vector(model, law.means, law.correlations)


def exact_feature_variance(model, beta=1.0):
    r"""``sum_p Var_model(phi_p)``: ``tr Cov`` of one exact independent sample's observables.

    For ``K`` independent exact samples per estimate, ``tr Cov(ghat) = this / K``
    and ``Q = K |g|^2 / this``.  Binary observables have ``Var = E phi - (E phi)^2``;
    spin observables ``Var = 1 - (E phi)^2``.  ``None`` when not computable.
    """
    mt = exact_model_term(model, beta)
    if mt is None:
        return None
    if isinstance(model, RBM):
        return float(np.sum(mt - mt ** 2))
    return float(np.sum(1.0 - mt ** 2))
