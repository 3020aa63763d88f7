r"""Training RBMs by persistent contrastive divergence with an emulated chip as the sampler.

Each update takes a minibatch of data (0/1 rows) and ``R`` persistent chains
running on the chip (``simulate(..., initial=last_states)``, ``k`` sweeps per
update) and ascends the log-likelihood gradient of :mod:`pbitsim.gradients`::

    g = <phi>_batch - <phi>_chains,   theta <- theta + lr * (g - decay * W) (+ momentum)

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
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .atomic_io import save_npz_atomic, write_json_atomic
from .digits import load_data
from .errors import PbitsimError
from .gradients import data_term, model_terms, rbm_exact_moments
from .models import RBM
from .program import place_model

__all__ = ["train_rbm", "TrainingResult", "free_energy", "log_likelihood", "reconstruction_error",
           "ais_log_partition", "EXACT_LL_MAX_UNITS"]

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


@dataclass
class TrainingResult:
    """A trained :class:`RBM`, the per-epoch ``history`` (list of dicts) and the persistent chains."""

    rbm: RBM
    history: list
    chains: np.ndarray = field(repr=False)
    setup: dict = field(default_factory=dict)

    def save(self, path, *, history_path=None):
        """Weights to ``.npz`` (``W, b, c``, loadable by :func:`pbitsim.load_model`); history to JSON if asked."""
        out = save_npz_atomic(path, W=self.rbm.W, b=self.rbm.b, c=self.rbm.c)
        if history_path:
            write_json_atomic(history_path, {"setup": self.setup, "history": self.history})
        return out


def _init_rbm(x, n_hidden, rng, init_std):
    p = np.clip(x.mean(axis=0), 1e-3, 1 - 1e-3)
    return rng.normal(0.0, init_std, (x.shape[1], n_hidden)), np.log(p / (1 - p)), np.zeros(n_hidden)


def _seed(seed, *keys):
    return int(np.random.SeedSequence([seed, *keys]).generate_state(1, dtype=np.uint32)[0])


def _epoch_log(rbm, x, chip, epoch, seed, snr_estimates, snr_samples, snr_burn_in, ll_method):
    from .snr import gradient_snr

    entry = {"epoch": epoch, "recon_error": reconstruction_error(rbm, x)}
    if ll_method != "none":
        entry["log_likelihood"], entry["ll_method"] = log_likelihood(rbm, x, method=ll_method,
                                                                     seed=_seed(seed, epoch, 7))
    if snr_estimates >= 2:
        rep = gradient_snr(rbm, chip, x, estimates=snr_estimates, samples_per_estimate=snr_samples,
                           burn_in=snr_burn_in, seed=_seed(seed, epoch, 11), n_bootstrap=200,
                           exact=min(rbm.W.shape) <= EXACT_LL_MAX_UNITS)
        entry["q_hat"] = rep.q_hat
        entry["q_hat_ci"] = list(rep.q_hat_ci)
        if rep.exact:
            entry["q"] = rep.exact["q"]
            entry["bias_sq"] = rep.exact["bias_sq"]
    return entry


def train_rbm(data="digits", n_hidden=10, chip="ideal", *, epochs=5, lr=0.1, batch_size=32, chains=None,
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
        Negative-phase sampler; the RBM must fit its graph (the ideal chip takes any).
    epochs, lr, batch_size : int, float, int
    lr_final : float, optional
        Decay the learning rate linearly, update by update, from ``lr`` to ``lr_final``
        (default: constant ``lr``).
    chains : int, optional
        Persistent chains (default ``batch_size``).
    sweeps_per_update : int
        Chip sweeps per parameter update (PCD-k); every sweep's sample enters the model term.
    momentum, weight_decay, init_std : float
    rao_blackwell : bool
        Use ``E[h|v]`` for the hidden units of the chains (lower variance).
    seed : int
        Initial weights, batch order, chip randomness; a run is reproducible.
    rbm : RBM, optional
        Warm start.
    log_likelihood_method : "auto", "exact", "ais" or "none"
    snr_estimates, snr_samples, snr_burn_in : int
        Per-epoch Qhat from this many chains (0 disables) of this many samples.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    TrainingResult
        ``history[0]`` is the untrained model (epoch 0), then one entry per epoch.
    """
    from tqdm.auto import tqdm

    from .simulate import simulate

    x = load_data(data, None if rbm is None else rbm.n_visible)
    for name, value, lo in (("epochs", epochs, 0), ("n_hidden", n_hidden, 1), ("batch_size", batch_size, 1),
                            ("sweeps_per_update", sweeps_per_update, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
            raise PbitsimError(f"{name} must be an integer >= {lo}, got {value!r}")
    for name, value in (("lr", lr), ("lr_final", lr if lr_final is None else lr_final)):
        if not (np.isfinite(value) and value > 0):
            raise PbitsimError(f"{name} must be a positive number, got {value!r}")
    lr_end = lr if lr_final is None else lr_final
    n_updates = max(1, epochs * int(np.ceil(x.shape[0] / batch_size)) - 1)
    rng = np.random.default_rng(seed)
    W, b, c = (rbm.W.copy(), rbm.b.copy(), rbm.c.copy()) if rbm is not None else _init_rbm(x, n_hidden, rng, init_std)
    n_chains = int(chains or batch_size)
    velocity = [np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)]
    n_batches = max(1, int(np.ceil(x.shape[0] / batch_size)))
    model = RBM(W, b, c)
    log_args = (snr_estimates, snr_samples, snr_burn_in, log_likelihood_method)
    t0 = time.perf_counter()
    history = [{**_epoch_log(model, x, chip, 0, seed, *log_args), "wall_s": 0.0}]
    state = None
    bar = tqdm(total=epochs * n_batches, desc="train", unit="batch", disable=not progress, leave=False)
    try:
        for epoch in range(1, epochs + 1):
            order = rng.permutation(x.shape[0])
            for i in range(n_batches):
                batch = x[order[i * batch_size:(i + 1) * batch_size]]
                program = place_model(model, chip)
                run = simulate(program, sweeps=sweeps_per_update, replicas=n_chains, seed=_seed(seed, epoch, i),
                               initial=state)
                state = run.states[:, -1, :]
                neg = model_terms(model, program.unembed(run.states).reshape(1, -1, model.n),
                                  rao_blackwell=rao_blackwell)[0]
                grad = data_term(model, batch) - neg
                gW = grad[:W.size].reshape(W.shape) - weight_decay * W
                gb, gc = grad[W.size:W.size + b.size], grad[W.size + b.size:]
                step = lr + (lr_end - lr) * min(1.0, ((epoch - 1) * n_batches + i) / n_updates)
                for vel, gr, par in zip(velocity, (gW, gb, gc), (W, b, c)):
                    vel *= momentum
                    vel += step * gr
                    par += vel
                if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b)) and np.all(np.isfinite(c))):
                    raise PbitsimError(f"training diverged at epoch {epoch} (non-finite weights); lower lr")
                model = RBM(W, b, c)
                bar.update(1)
            entry = _epoch_log(model, x, chip, epoch, seed, *log_args)
            entry["wall_s"] = time.perf_counter() - t0
            history.append(entry)
            bar.set_postfix({k: f"{entry[k]:.4g}" for k in ("recon_error", "log_likelihood", "q_hat") if k in entry})
    finally:
        bar.close()
    setup = {"n_visible": int(x.shape[1]), "n_hidden": int(W.shape[1]), "n_data": int(x.shape[0]),
             "chip": getattr(chip, "name", str(chip)), "epochs": int(epochs), "lr": float(lr),
             "lr_final": float(lr_end),
             "batch_size": int(batch_size), "chains": n_chains, "sweeps_per_update": int(sweeps_per_update),
             "momentum": float(momentum), "weight_decay": float(weight_decay), "seed": int(seed),
             "rao_blackwell": bool(rao_blackwell)}
    return TrainingResult(RBM(W.copy(), b.copy(), c.copy(), name="pcd"), history,
                          state if state is not None else np.zeros((0, model.n), np.int8), setup)
