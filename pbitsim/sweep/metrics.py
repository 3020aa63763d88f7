"""Metrics a sweep point can compute, and the top-level (picklable) point evaluation.

Sampling metrics share one ``simulate`` run per point; the gradient metrics
(``Q``, ``Q_hat``, ``bias``) run :func:`pbitsim.analysis.snr.gradient_snr`.
"""
from __future__ import annotations

import os
import time

import numpy as np

from ..chip.spec import load_chip
from ..errors import PbitsimError

METRICS = {
    "energy": "mean energy per p-bit (physical model), with its standard error",
    "magnetization": "mean magnetisation per spin (logical)",
    "flips_per_s": "p-bit updates per second of wall time",
    "kl": "KL(target || sampled) in nats, sampled law smoothed by 1/2 count per state (n <= 20)",
    "tv": "total variation between sampled and target law (n <= 20)",
    "tau_int": "integrated autocorrelation time of the energy (sweeps), mean over replicas",
    "Q": "operational gradient SNR |g|^2 / E|ghat - g|^2 against the exact gradient",
    "Q_hat": "gradient SNR estimate (|gbar|^2 - T/K)/T from independent estimates",
    "bias": "squared gradient bias |E ghat - g|^2 against the exact gradient",
}
SAMPLING = {"energy", "magnetization", "flips_per_s", "kl", "tv", "tau_int"}
GRADIENT = {"Q", "Q_hat", "bias"}
EXACT = {"kl", "tv", "Q", "bias"}          # need an exact reference (enumeration or a small RBM layer)
MAX_ENUMERATED_SPINS = 20
#: bump when what a metric means or how it is computed changes: every point key changes with it
SEMANTICS_VERSION = 2


def shipped_model_path(model):
    """Path of a shipped model name (``demo_rbm``), or None for anything else."""
    if model == "demo_rbm":
        return os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "demo_rbm.npz")
    return None


def load_sweep_model(model, chip, seed):
    """The sweep's model: ``demo_rbm`` (shipped), ``spin_glass`` (on the chip graph) or an .npz path."""
    from ..models import load_model

    if shipped_model_path(model):
        return load_model(shipped_model_path(model))
    if model == "spin_glass":
        from ..compiler.chip_graph import chip_graph
        from ..spin_glass import random_spin_glass

        G = chip_graph(chip)
        if G is None:
            raise PbitsimError("model 'spin_glass' needs a chip with a fixed topology (not kind 'model')")
        return random_spin_glass(G, seed)
    return load_model(model)


def build_program(model, chip, seed, scale=None, run=None):
    """The point's Program: the model compiled onto the chip (``pbitsim.compile``).

    ``scale``: the point's ``compile.scale`` (a policy name or a number); a search policy measures the
    gradient estimator of ``run`` (:func:`pbitsim.compiler.scale_policy.for_estimator`).
    """
    from ..compiler.pipeline import compile_model
    from ..compiler.scale_policy import for_estimator

    return compile_model(model, chip, seed=seed, scale=for_estimator(scale, run))


def _sampling_metrics(program, run_cfg, seed, wanted):
    from ..analysis.exact import empirical_distribution, exact_law, kl_divergence, total_variation
    from ..simulate import simulate

    s = simulate(program, sweeps=run_cfg["sweeps"], burn_in=run_cfg["burn_in"], thin=run_cfg["thin"],
                 replicas=run_cfg["replicas"], beta=run_cfg["beta"], seed=seed)
    out = {}
    if "energy" in wanted:
        e, de = s.mean_energy()
        out["energy"] = e / program.n_physical
        out["energy_err"] = de / program.n_physical
    logical = program.unembed(s.states)
    if "magnetization" in wanted:
        out["magnetization"] = float(logical.mean(dtype=np.float64))
    if "flips_per_s" in wanted:
        out["flips_per_s"] = s.timing.updates_per_s
    if wanted & {"kl", "tv"}:
        n = program.n_logical
        if n > MAX_ENUMERATED_SPINS:
            raise PbitsimError(f"metrics kl/tv need a model with <= {MAX_ENUMERATED_SPINS} spins, "
                               f"this one has {n}")
        target = exact_law(program.logical, run_cfg["beta"]).probs
        emp = empirical_distribution(logical, n)
        counts = emp * logical.reshape(-1, n).shape[0]
        smooth = (counts + 0.5) / (counts.sum() + 0.5 * counts.size)
        out["kl"] = kl_divergence(target, smooth)
        out["tv"] = total_variation(emp, target)
    if "tau_int" in wanted:
        from ..analysis.autocorrelation import integrated_time

        taus = integrated_time(np.asarray(s.energies).T).tau   # one tau per replica (column)
        out["tau_int"] = float(np.mean(taus)) * run_cfg["thin"]
    return out


def _gradient_metrics(model, chip, run_cfg, seed, wanted):
    """``Q``, ``Q_hat``, ``bias`` read from the :class:`~pbitsim.analysis.snr.SNRReport` attributes."""
    from ..analysis.snr import gradient_snr

    rep = gradient_snr(model, chip, run_cfg["data"], estimates=run_cfg["estimates"],
                       samples_per_estimate=run_cfg["samples_per_estimate"], burn_in=run_cfg["burn_in"],
                       beta=run_cfg["beta"], seed=seed)
    out = {}
    if "Q_hat" in wanted:
        out["Q_hat"] = float(rep.q_hat)
    if wanted & {"Q", "bias"}:
        if rep.exact is None:
            raise PbitsimError("metrics Q/bias need the exact gradient, which this model does not have "
                               "(an RBM with a layer of <= 20 units, or <= 20 spins)")
        if "Q" in wanted:
            out["Q"] = float(_field(rep.exact, "q"))
        if "bias" in wanted:
            out["bias"] = float(_field(rep.exact, "bias_sq"))
    return out


def _field(section, name):
    """``section.name`` for a report section that is an object or a mapping (no silent default)."""
    return section[name] if isinstance(section, dict) else getattr(section, name)


def evaluate_point(task: dict) -> dict:
    """Evaluate one sweep point; ``task`` is a plain dict (chip, model, params, run, metrics, seed).

    A point on a multi-chip machine (``task["machine"]``) is :func:`pbitsim.machine.metrics.evaluate_machine_point`.
    """
    if task.get("machine"):
        from ..machine.metrics import evaluate_machine_point

        return evaluate_machine_point(task)
    t0 = time.perf_counter()
    base = load_chip(task["chip"])
    from .spec import split_params

    chip_params, options = split_params(task["params"])
    chip = base.with_params(chip_params)
    wanted = set(task["metrics"])
    model = load_sweep_model(task["model"], chip, task["model_seed"])
    out = {}
    if wanted & SAMPLING:
        program = build_program(model, chip, task["seed"], options.get("scale"), task["run"])
        out.update(_sampling_metrics(program, task["run"], task["seed"], wanted))
    if wanted & GRADIENT:
        target = build_program(model, chip, task["seed"], options["scale"], task["run"]) if options else model
        out.update(_gradient_metrics(target, chip, task["run"], task["seed"], wanted))
    out["wall_s"] = time.perf_counter() - t0
    return out
