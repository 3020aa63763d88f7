r"""Training Boltzmann machines by persistent contrastive divergence with an emulated chip as sampler.

Each update takes a minibatch of data (0/1 rows) and ``R`` persistent replicas
(Markov chains carried over from update to update) running on the chip
(``simulate(..., initial=last_states)``, ``k`` sweeps per update) and ascends the
log-likelihood gradient of :mod:`pbitsim.analysis.gradients`::

    g = <phi>_batch - <phi>_replicas,   theta <- theta + lr * (g - decay * W) (+ momentum)

with ``phi = (v h', v, h)`` in the binary parameterisation; the hidden units
enter through ``E[h|v]`` on both sides (``rao_blackwell``, default).  The chip
samples the negative phase exactly as it would in hardware: quantized weights,
its RNG, its schedule.

Per-epoch log: reconstruction error ``mean (v - sigmoid(b + W sigmoid(c + W'v)))^2``;
the mean log-likelihood ``<log p(v)>_data = <-F(v)>_data - log Z`` with the free
energy ``F(v) = -b'v - sum_j softplus(c_j + W_j'v)`` and ``log Z`` exact when
the smaller layer has at most :data:`EXACT_LL_MAX_UNITS` units (sum over it
analytically), else annealed importance sampling (Salakhutdinov & Murray,
ICML 2008); and Qhat of a fresh ``K``-sample gradient estimate on the chip
(:func:`pbitsim.gradient_snr`).

:func:`train_ising` trains a sparse, fully visible Boltzmann machine (spin
parameterisation, couplings only on the edges of a chip graph) the same way;
its log holds the pseudo-log-likelihood, and the exact log-likelihood up to
20 spins.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..files.atomic import save_npz_atomic, write_json_atomic
from .digits import load_data
from ..errors import PbitsimError
from ..analysis.exact import MAX_EXACT_SPINS, partition_function
from ..analysis.gradients import data_term, model_terms, rbm_exact_moments
from ..models import RBM, IsingModel
from ..compiler.chip_graph import chip_graph
from ..compiler.pipeline import as_program, compile_model
from ..compiler.program import as_ising

__all__ = ["train_rbm", "train_ising", "TrainingResult", "free_energy", "log_likelihood",
           "reconstruction_error", "ais_log_partition", "ising_log_likelihood", "EXACT_LL_MAX_UNITS"]

#: Exact log Z (analytic sum over the smaller layer) up to this many units in it.
EXACT_LL_MAX_UNITS = 16


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def free_energy(rbm, v):
    r"""``F(v) = -b'v - sum_j softplus(c_j + W_j'v)`` for 0/1 rows ``(N, nv)``; ``p(v) = exp(-F(v)) / Z``."""
    v = np.asarray(v, dtype=np.float64)
    return -(v @ rbm.b) - np.logaddexp(0.0, v @ rbm.W + rbm.c).sum(axis=1)


def reconstruction_error(rbm, data):
    """Mean squared error of the mean-field reconstruction ``sigmoid(b + W sigmoid(c + W'v))``."""
    v = np.asarray(data, dtype=np.float64)
    recon = _sigmoid(_sigmoid(v @ rbm.W + rbm.c) @ rbm.W.T + rbm.b)
    return float(np.mean((v - recon) ** 2))


def ais_log_partition(rbm, *, n_runs=100, n_betas=1000, base_bias=None, seed=0):
    r"""Annealed importance sampling estimate of ``log Z`` (Salakhutdinov & Murray 2008).

    Anneals from a base RBM with ``W = 0``, ``c = 0`` and visible biases
    ``base_bias`` (default ``b``) through ``log p*_beta(v) = (1 - beta) a'v +
    beta b'v + sum_j softplus(beta (c_j + W_j'v))`` with one Gibbs sweep per
    temperature.  Returns ``(log_z, stderr)``; the stderr is the delta-method
    spread of the importance weights (it does not capture a too-short schedule).
    """
    rng = np.random.default_rng(seed)
    a = rbm.b if base_bias is None else np.asarray(base_bias, dtype=np.float64)
    W, b, c = rbm.W, rbm.b, rbm.c
    nh = W.shape[1]
    betas = np.linspace(0.0, 1.0, int(n_betas))

    def log_p(v, beta):
        return (1 - beta) * (v @ a) + beta * (v @ b) + np.logaddexp(0.0, beta * (v @ W + c)).sum(axis=1)

    v = (rng.random((n_runs, W.shape[0])) < _sigmoid(a)).astype(np.float64)
    log_w = np.zeros(n_runs)
    for k in range(1, betas.size):
        log_w += log_p(v, betas[k]) - log_p(v, betas[k - 1])
        h = (rng.random((n_runs, nh)) < _sigmoid(betas[k] * (v @ W + c))).astype(np.float64)
        v = (rng.random(v.shape) < _sigmoid((1 - betas[k]) * a + betas[k] * (h @ W.T + b))).astype(np.float64)
    log_z_base = float(np.logaddexp(0.0, a).sum() + nh * np.log(2.0))
    m = log_w.max()
    w = np.exp(log_w - m)
    log_z = log_z_base + m + float(np.log(w.mean()))
    stderr = float(w.std(ddof=1) / np.sqrt(n_runs) / w.mean()) if n_runs > 1 else float("nan")
    return log_z, stderr


def log_likelihood(rbm, data, *, method="auto", ais_runs=100, ais_betas=1000, seed=0):
    r"""Mean log-likelihood ``<log p(v)>`` of 0/1 rows, nats per example; returns ``(ll, method)``.

    ``method``: ``"exact"`` (smaller layer <= :data:`EXACT_LL_MAX_UNITS` units),
    ``"ais"``, or ``"auto"`` (exact when feasible).
    """
    if method == "auto":
        method = "exact" if min(rbm.W.shape) <= EXACT_LL_MAX_UNITS else "ais"
    if method == "exact":
        log_z = rbm_exact_moments(rbm)["log_z"]
    elif method == "ais":
        base = np.clip(np.asarray(data, dtype=np.float64).mean(axis=0), 1e-3, 1 - 1e-3)
        log_z, _ = ais_log_partition(rbm, n_runs=ais_runs, n_betas=ais_betas,
                                     base_bias=np.log(base / (1 - base)), seed=seed)
    else:
        raise PbitsimError(f"unknown log-likelihood method {method!r}; use auto, exact or ais")
    return float(-free_energy(rbm, data).mean() - log_z), method


def ising_log_likelihood(model, spins):
    r"""``(pseudo_ll, ll)``: mean pseudo-log-likelihood ``sum_i log sigmoid(2 m_i I_i)`` and, for
    ``n <= 20``, the exact mean ``log p(m) = -E(m) - log Z`` (else None), of ±1 rows."""
    m = np.asarray(spins, dtype=np.float64)
    pseudo = float(np.mean(-np.logaddexp(0.0, -2.0 * m * model.local_fields(m)).sum(axis=1)))
    if model.n > MAX_EXACT_SPINS:
        return pseudo, None
    return pseudo, float(np.mean(-model.energy(m)) - partition_function(model))


@dataclass
class TrainingResult:
    """A trained model (:class:`RBM` or :class:`IsingModel`), the per-epoch ``history`` and the final
    states of the persistent replicas (``replica_states``: int8 ``(replicas, n_physical)``)."""

    model: RBM | IsingModel
    history: list
    replica_states: np.ndarray = field(repr=False)
    setup: dict = field(default_factory=dict)

    @property
    def rbm(self):
        return self.model

    def save(self, path, *, history_path=None):
        """Weights to ``.npz`` (loadable by :func:`pbitsim.load_model`); the history to JSON if asked."""
        m = self.model
        if isinstance(m, RBM):
            out = save_npz_atomic(path, W=m.W, b=m.b, c=m.c)
        else:
            r, c, v = m.edges()
            out = save_npz_atomic(path, J_row=r, J_col=c, J_val=v, h=m.h)
        if history_path:
            write_json_atomic(history_path, {"setup": self.setup, "history": self.history})
        return out


def _seed(seed, *keys):
    return int(np.random.SeedSequence([seed, *keys]).generate_state(1, dtype=np.uint32)[0])


def _positive_int(name, value, lo):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise PbitsimError(f"{name} must be an integer >= {lo}, got {value!r}")


@dataclass(frozen=True)
class _Family:
    """What the PCD loop needs of a model family: flat parameters <-> model, decay mask, epoch metrics."""

    build: object          # theta (P,) -> model
    terms: object          # (model, 0/1 batch, replica states (S, n)) -> (data term, model term), flat (P,)
    decay_mask: np.ndarray  # 1 on couplings, 0 on biases
    metrics: object        # (model, x, epoch) -> dict
    exact: bool            # exact gradient reference feasible (for the per-epoch Q)


def _snr_entry(model, x, chip, seed, epoch, snr):
    from ..analysis.snr import gradient_snr

    estimates, samples, burn_in, exact = snr
    rep = gradient_snr(as_program(model, chip, seed=seed), None, x, estimates=estimates, samples_per_estimate=samples,
                       burn_in=burn_in, seed=_seed(seed, epoch, 11), n_bootstrap=200, exact=exact)
    entry = {"q_hat": rep.q_hat, "q_hat_ci": list(rep.q_hat_ci)}
    if rep.exact:
        entry.update(q=rep.exact["q"], bias_sq=rep.exact["bias_sq"])
    return entry


def _placed(model, chip, program, seed):
    """``pbitsim.compile(model, chip)``, reusing the placement/chains of ``program`` when the coupling
    pattern is unchanged (only the first compile searches for a placement or an embedding).

    Every update is compiled like any other model: scaled and quantized to the
    chip's formats (``beta_factor`` follows the largest weight).
    """
    if program is not None and program.chip.topology.kind != "model":
        logical, _ = as_ising(model)
        r, c, _ = logical.edges()
        r0, c0, _ = program.logical.edges()
        if np.array_equal(r, r0) and np.array_equal(c, c0):
            nodes = program.chip_nodes
            return compile_model(model, chip, mapping=[nodes[chain] for chain in program.chains], seed=seed)
    return as_program(model, chip, seed=seed)


def _pcd(family, theta, x, chip, *, epochs, lr, lr_final, batch_size, replicas, sweeps_per_update, momentum,
         weight_decay, seed, rng, snr, progress):
    """The PCD loop over flat parameters ``theta``; returns ``(theta, history, replica states)``."""
    from tqdm.auto import tqdm

    from ..simulate import simulate

    for name, value in (("lr", lr), ("lr_final", lr if lr_final is None else lr_final)):
        if not (np.isfinite(value) and value > 0):
            raise PbitsimError(f"{name} must be a positive number, got {value!r}")
    lr_end = lr if lr_final is None else lr_final
    n_batches = max(1, int(np.ceil(x.shape[0] / batch_size)))
    n_updates = max(1, epochs * n_batches - 1)
    velocity = np.zeros_like(theta)
    model = family.build(theta)

    def log(epoch, t0):
        entry = {"epoch": epoch, **family.metrics(model, x, epoch)}
        if snr[0] >= 2:
            entry.update(_snr_entry(model, x, chip, seed, epoch, (*snr, family.exact)))
        entry["wall_s"] = time.perf_counter() - t0
        return entry

    t0 = time.perf_counter()
    history = [log(0, t0)]
    history[0]["wall_s"] = 0.0
    state = program = None
    bar = tqdm(total=epochs * n_batches, desc="train", unit="batch", disable=not progress, leave=False)
    try:
        for epoch in range(1, epochs + 1):
            order = rng.permutation(x.shape[0])
            for i in range(n_batches):
                batch = x[order[i * batch_size:(i + 1) * batch_size]]
                program = _placed(model, chip, program, seed)
                run = simulate(program, sweeps=sweeps_per_update, replicas=replicas, seed=_seed(seed, epoch, i),
                               initial=state)
                state = run.states[:, -1, :]
                pos, neg = family.terms(model, batch, program.unembed(run.states).reshape(-1, model.n))
                grad = pos - neg - weight_decay * family.decay_mask * theta
                step = lr + (lr_end - lr) * min(1.0, ((epoch - 1) * n_batches + i) / n_updates)
                velocity = momentum * velocity + step * grad
                theta = theta + velocity
                if not np.all(np.isfinite(theta)):
                    raise PbitsimError(f"training diverged at epoch {epoch} (non-finite weights); lower lr")
                model = family.build(theta)
                bar.update(1)
            history.append(log(epoch, t0))
            bar.set_postfix({k: f"{history[-1][k]:.4g}" for k in ("recon_error", "log_likelihood",
                                                                   "pseudo_log_likelihood", "q_hat")
                             if history[-1].get(k) is not None})
    finally:
        bar.close()
    return theta, history, (state if state is not None else np.zeros((0, model.n), np.int8))


def _common_setup(chip, x, epochs, lr, lr_final, batch_size, replicas, sweeps_per_update, momentum, weight_decay,
                  seed, rao_blackwell):
    return {"n_data": int(x.shape[0]), "chip": getattr(chip, "name", str(chip)), "epochs": int(epochs),
            "lr": float(lr), "lr_final": float(lr if lr_final is None else lr_final),
            "batch_size": int(batch_size), "replicas": int(replicas), "sweeps_per_update": int(sweeps_per_update),
            "momentum": float(momentum), "weight_decay": float(weight_decay), "seed": int(seed),
            "rao_blackwell": bool(rao_blackwell)}


def train_rbm(data="digits", n_hidden=10, chip="ideal", *, epochs=5, lr=0.1, batch_size=32, replicas=None,
              sweeps_per_update=1, momentum=0.5, weight_decay=1e-4, init_std=0.1, rao_blackwell=True,
              seed=0, rbm=None, log_likelihood_method="auto", snr_estimates=16, snr_samples=100,
              snr_burn_in=50, lr_final=None, progress=True) -> TrainingResult:
    r"""Train an RBM by persistent contrastive divergence, the chip sampling the negative phase.

    Parameters
    ----------
    data : "digits", ``.npz`` path (key ``data``) or array ``(N, n_visible)`` of 0/1
    n_hidden : int
        Hidden units (ignored when ``rbm`` is given).
    chip : str, path or ChipSpec
        Negative-phase sampler.  The RBM is compiled onto it (:func:`pbitsim.compile`,
        method ``auto``: identity placement if it fits, else subgraph search or minor
        embedding, found once and reused for every update); on a fixed-point chip each
        update is scaled to the chip's formats and quantized to its grid
        (hardware-aware training; the chip runs at ``beta * beta_factor``).
    epochs, lr, batch_size : int, float, int
    lr_final : float, optional
        Decay the learning rate linearly, update by update, from ``lr`` to ``lr_final``
        (default: constant ``lr``).
    replicas : int, optional
        Persistent replicas, the negative-phase Markov chains (default ``batch_size``).
    sweeps_per_update : int
        Chip sweeps per parameter update (PCD-k); every sweep's sample enters the model term.
    momentum, weight_decay, init_std : float
        Momentum, L2 decay of the couplings, std of the initial weights (visible
        biases start at the data's log-odds, hidden biases at 0).
    rao_blackwell : bool
        Use ``E[h|v]`` for the hidden units of the replicas (lower variance).
    seed : int
        Initial weights, batch order, chip randomness; a run is reproducible.
    rbm : RBM, optional
        Warm start.
    log_likelihood_method : "auto", "exact", "ais" or "none"
    snr_estimates, snr_samples, snr_burn_in : int
        Per-epoch Qhat from this many independent replicas (0 disables) of this many
        samples, compiled the same way as the training replicas' program.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    TrainingResult
        ``history[0]`` is the untrained model (epoch 0), then one entry per epoch.
    """
    x = load_data(data, None if rbm is None else rbm.n_visible)
    for name, value, lo in (("epochs", epochs, 0), ("n_hidden", n_hidden, 1), ("batch_size", batch_size, 1),
                            ("sweeps_per_update", sweeps_per_update, 1)):
        _positive_int(name, value, lo)
    rng = np.random.default_rng(seed)
    if rbm is None:
        p = np.clip(x.mean(axis=0), 1e-3, 1 - 1e-3)
        rbm = RBM(rng.normal(0.0, init_std, (x.shape[1], n_hidden)), np.log(p / (1 - p)), np.zeros(n_hidden))
    nv, nh = rbm.W.shape

    def build(theta):
        return RBM(theta[:nv * nh].reshape(nv, nh), theta[nv * nh:nv * nh + nv], theta[nv * nh + nv:])

    def metrics(model, xx, epoch):
        out = {"recon_error": reconstruction_error(model, xx)}
        if log_likelihood_method != "none":
            out["log_likelihood"], out["ll_method"] = log_likelihood(model, xx, method=log_likelihood_method,
                                                                     seed=_seed(seed, epoch, 7))
        return out

    def terms(model, batch, states):
        return data_term(model, batch), model_terms(model, states[None], rao_blackwell=rao_blackwell)[0]

    mask = np.concatenate([np.ones(nv * nh), np.zeros(nv + nh)])
    family = _Family(build, terms, mask, metrics, min(nv, nh) <= EXACT_LL_MAX_UNITS)
    theta0 = np.concatenate([rbm.W.ravel(), rbm.b, rbm.c])
    n_replicas = int(replicas or batch_size)
    theta, history, state = _pcd(family, theta0, x, chip, epochs=epochs, lr=lr, lr_final=lr_final,
                                 batch_size=batch_size, replicas=n_replicas, sweeps_per_update=sweeps_per_update,
                                 momentum=momentum, weight_decay=weight_decay, seed=seed, rng=rng,
                                 snr=(snr_estimates, snr_samples, snr_burn_in),
                                 progress=progress)
    setup = {"kind": "rbm", "n_visible": int(nv), "n_hidden": int(nh),
             **_common_setup(chip, x, epochs, lr, lr_final, batch_size, n_replicas, sweeps_per_update, momentum,
                             weight_decay, seed, rao_blackwell)}
    return TrainingResult(build(theta.copy()), history, state, setup)


def chip_subgraph_edges(chip, n):
    """Edges ``(rows, cols)`` (``rows < cols``) of the chip graph among its nodes ``0 .. n-1`` (all pairs
    for a chip that takes the model's own graph)."""
    from ..chip.spec import load_chip

    G = chip_graph(load_chip(chip))
    if G is None:  # the chip takes the model's graph: all pairs
        rows, cols = np.triu_indices(n, 1)
        return rows.astype(np.int64), cols.astype(np.int64)
    if G.number_of_nodes() < n:
        raise PbitsimError(f"data have {n} columns but the chip has only {G.number_of_nodes()} p-bits")
    edges = np.array(sorted((min(u, v), max(u, v)) for u, v in G.subgraph(range(n)).edges()), dtype=np.int64)
    return (edges[:, 0], edges[:, 1]) if edges.size else (np.zeros(0, np.int64), np.zeros(0, np.int64))


def train_ising(data, chip="ideal", *, model=None, epochs=5, lr=0.05, batch_size=32, replicas=None,
                sweeps_per_update=1, momentum=0.5, weight_decay=1e-4, init_std=0.01, seed=0, snr_estimates=16,
                snr_samples=100, snr_burn_in=50, lr_final=None, progress=True) -> TrainingResult:
    r"""Train a sparse fully visible Boltzmann machine (spins, couplings on chip edges) by PCD on the chip.

    ``g = (<m_i m_j>_data - <m_i m_j>_replicas on each edge, <m_i>_data - <m_i>_replicas)``.

    Parameters
    ----------
    data : "digits", ``.npz`` path or array ``(N, n)`` of 0/1 or ±1 (0 -> spin -1)
        Column ``i`` is the spin on chip p-bit ``i``.
    chip : str, path or ChipSpec
        Sampler; without ``model`` its graph among p-bits ``0 .. n-1`` gives the couplings.
    model : IsingModel, optional
        Initial model whose couplings (its edges) are trained; default: small random
        couplings (std ``init_std``) on the chip edges and fields at the data's ``atanh <m_i>``.
    Other parameters as :func:`train_rbm`.  The log holds the mean
    pseudo-log-likelihood and, up to 20 spins, the exact log-likelihood.
    """
    x = load_data(data, None if model is None else model.n)
    rng = np.random.default_rng(seed)
    for name, value, lo in (("epochs", epochs, 0), ("batch_size", batch_size, 1),
                            ("sweeps_per_update", sweeps_per_update, 1)):
        _positive_int(name, value, lo)
    n = x.shape[1]
    if model is None:
        rows, cols = chip_subgraph_edges(chip, n)
        J0 = rng.normal(0.0, init_std, rows.size)
        h0 = np.arctanh(np.clip(2.0 * x.mean(axis=0) - 1.0, -0.99, 0.99))
    else:
        rows, cols, J0 = model.edges()
        h0 = model.h
    n_edges = rows.size   # the trained pattern is fixed here (a zero coupling drops out of IsingModel.edges)

    def build(theta):
        return IsingModel.from_edges(rows, cols, theta[:n_edges], theta[n_edges:], n=n)

    def terms(m, batch, states):
        def moments(s):
            s = np.asarray(s, dtype=np.float64)
            return np.concatenate([(s[:, rows] * s[:, cols]).mean(axis=0), s.mean(axis=0)])
        return moments(2.0 * batch - 1.0), moments(states)

    def metrics(m, xx, epoch):
        pseudo, ll = ising_log_likelihood(m, 2.0 * xx - 1.0)
        return {"pseudo_log_likelihood": pseudo, "log_likelihood": ll}

    family = _Family(build, terms, np.concatenate([np.ones(n_edges), np.zeros(n)]), metrics,
                     n <= MAX_EXACT_SPINS)
    n_replicas = int(replicas or batch_size)
    theta, history, state = _pcd(family, np.concatenate([J0, h0]), x, chip,
                                 epochs=epochs, lr=lr, lr_final=lr_final, batch_size=batch_size,
                                 replicas=n_replicas, sweeps_per_update=sweeps_per_update, momentum=momentum,
                                 weight_decay=weight_decay, seed=seed,
                                 rng=rng, snr=(snr_estimates, snr_samples, snr_burn_in),
                                 progress=progress)
    setup = {"kind": "ising", "n": int(n), "n_edges": int(n_edges),
             **_common_setup(chip, x, epochs, lr, lr_final, batch_size, n_replicas, sweeps_per_update, momentum,
                             weight_decay, seed, False)}
    return TrainingResult(build(theta.copy()), history, state, setup)
