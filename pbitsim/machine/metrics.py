r"""What links cost: a machine run measured against the same machine with ideal links (the single-chip law).

For a sweep point on a machine, :func:`link_metrics` runs the point's machine
and its :meth:`~pbitsim.machine.spec.MachineSpec.ideal_links` twin with the
same seed (common random numbers: the replicas of the two runs start alike and
draw the same random words, so their difference is measured with less noise;
error bars come from the spread of the per-replica differences).  Per replica
``r`` it takes the sample averages of the energy and of the gradient
observables of a Boltzmann machine, ``m_i`` and ``m_u m_v`` on every coupling
(the model term ``ghat_r`` of the log-likelihood gradient).

- ``energy_error``: ``(<E>_machine - <E>_ideal) / n``, per p-bit, with
  ``energy_error_err`` (standard error of the mean per-replica difference).
- ``snr_loss_db``: the gradient-SNR loss ``10 log10(Q_ideal / Q_machine)``.
  With the single-chip model term ``g`` as the truth and
  ``Q = |g|^2 / E|ghat - g|^2`` for one replica's estimate, ``|g|^2`` cancels:
  ``Q_ideal / Q_machine = (|b|^2 + T_machine) / T_ideal``, where
  ``T = tr Cov(ghat_r)`` over replicas and ``|b|^2`` is the squared bias
  ``|mean_r (ghat_r^machine - ghat_r^ideal)|^2`` minus its noise
  ``tr Cov(difference) / R`` (floored at 0).  0 dB: the links cost nothing;
  10 dB: a gradient estimate needs ten times the samples for the same SNR
  (and bias never averages away).
- ``eta``: the partition's boundary-exchange ratio; ``max_link_delay_ns``:
  the largest ``L + S`` of a route; ``link_utilisation``: the largest
  needed/available bandwidth over the link directions.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["MACHINE_METRICS", "link_metrics", "evaluate_machine_point"]

MACHINE_METRICS = {
    "energy_error": "mean energy per p-bit minus that of the same machine with ideal links (single-chip law)",
    "snr_loss_db": "gradient-SNR loss 10 log10(Q_ideal / Q_machine) of one replica's model-term estimate",
    "eta": "boundary-exchange ratio: cut couplings / all couplings of the partition",
    "max_link_delay_ns": "largest link latency + serialization delay of a route (ns)",
    "link_utilisation": "largest needed / available bandwidth over the link directions",
}


def _per_replica(samples):
    """``(energy means (R,), observables (R, n + n_edges))`` of one run."""
    g = np.concatenate([samples.mean_m, samples.mean_mm], axis=1)
    return samples.energies.mean(axis=1), g


def _trace_cov(x):
    return float(np.sum(np.var(x, axis=0, ddof=1))) if x.shape[0] > 1 else float("nan")


def link_metrics(model, machine, *, sweeps, burn_in=0, thin=1, replicas=8, beta=1.0, seed=0) -> dict:
    """Every :data:`MACHINE_METRICS` value (and ``energy_error_err``) of ``model`` on ``machine``."""
    from ..simulate import simulate
    from .program import compile_machine

    runs = {}
    for name, m in (("machine", machine), ("ideal", machine.ideal_links())):
        program = compile_machine(model, m, seed=seed)
        s = simulate(program, sweeps=sweeps, burn_in=burn_in, thin=thin, replicas=replicas, beta=beta, seed=seed,
                     store_states=False, moments=True)
        runs[name] = (program, *_per_replica(s))
    prog, e_m, g_m = runs["machine"]
    _, e_i, g_i = runs["ideal"]
    n, R = prog.n_physical, e_m.shape[0]
    de = (e_m - e_i) / n
    d = g_m - g_i
    bias2 = max(float(np.sum(d.mean(axis=0) ** 2)) - _trace_cov(d) / R, 0.0) if R > 1 else float("nan")
    t_m, t_i = _trace_cov(g_m), _trace_cov(g_i)
    loss = 10.0 * math.log10((bias2 + t_m) / t_i) if t_i > 0 else float("nan")
    rep = prog.links.report()
    return {"energy_error": float(de.mean()),
            "energy_error_err": float(de.std(ddof=1) / math.sqrt(R)) if R > 1 else float("nan"),
            "snr_loss_db": loss, "eta": float(prog.partition.eta),
            "max_link_delay_ns": float(rep["max_link_delay_ns"]), "link_utilisation": float(rep["max_utilisation"])}


def evaluate_machine_point(task: dict) -> dict:
    """A sweep point on a machine (``task["machine"]``; every parameter overrides the machine or its chip)."""
    import time

    from ..sweep.metrics import load_sweep_model
    from .spec import load_machine

    t0 = time.perf_counter()
    machine = load_machine(task["machine"]).with_params(dict(task["params"]))
    model = load_sweep_model(task["model"], machine.chip, task["model_seed"])
    run = task["run"]
    out = link_metrics(model, machine, sweeps=run["sweeps"], burn_in=run["burn_in"], thin=run["thin"],
                       replicas=run["replicas"], beta=run["beta"], seed=task["seed"])
    wanted = set(task["metrics"])
    out = {k: v for k, v in out.items() if k in wanted or k.removesuffix("_err") in wanted}
    out["wall_s"] = time.perf_counter() - t0
    return out
