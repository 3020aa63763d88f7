r"""The gradient-SNR report: :class:`SNRReport` (JSON-able dict, text table).

Built by :func:`pbitsim.analysis.snr.snr_from_states`; the estimators live in
:mod:`pbitsim.analysis.snr_estimators`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .snr_estimators import Q_HAT_CI_METHOD

__all__ = ["SNRReport", "Q_HAT_NOTE"]

Q_HAT_NOTE = "equals Q only for an unbiased estimator (E ghat = g)"


@dataclass(frozen=True, eq=False)
class SNRReport:
    """Result of :func:`gradient_snr`.  ``to_dict()`` is JSON-able, ``summary()`` a text table.

    Attributes
    ----------
    setup : dict
        Model, chip, engine, estimates ``R``, samples per estimate ``K``, burn-in, thin, beta, seed.
    q_hat, q_hat_ci : float, (float, float)
        ``(|gbar|^2 - T/R) / T`` and its 95 % interval (:data:`Q_HAT_NOTE`), by the method in
        ``q_hat_ci_method`` (:func:`pbitsim.analysis.snr_estimators.q_hat_interval`): it
        always contains ``q_hat``; an unbounded end is ``inf`` (``None`` in ``to_dict``).
    q_hat_jackknife : float
        The same with the ``O(1/R)`` ratio bias removed by the jackknife.
    gbar_norm_sq, trace_cov : float
        ``|gbar|^2`` and ``T = tr Cov`` of one estimate.
    blocks : dict
        The same three numbers per parameter block (W, b, c or J, h).
    per_parameter : dict
        Quantiles of the per-parameter squared SNR ``(gbar_p^2 - s_p^2/R) / s_p^2``.
    exact : dict or None
        With the exact gradient: operational ``q`` (and CI), ``bias_sq`` (± stderr),
        ``variance``, ``mse``, ``kl`` of the pooled sample histogram (n <= 16).
    kernel : dict or None
        Exact stationary law of the chip's Markov kernel (n <= 10): the bias
        and KL it implies for infinitely long replicas.
    autocorrelation : dict
        ``tau_int`` (Sokal window) of the gradient observables and of the magnetization, ESS.
    warnings : tuple of str
        Why the numbers may mean little, e.g. fewer than
        :data:`~pbitsim.analysis.snr_estimators.MIN_ESTIMATES` estimates; printed by ``summary()``.
    gradient_mean, gradient_exact, parameter_variance : ndarray
        ``gbar``, ``g`` (or None) and per-parameter variances (not in ``to_dict``).
    """

    setup: dict
    q_hat: float
    q_hat_ci: tuple
    q_hat_jackknife: float
    gbar_norm_sq: float
    trace_cov: float
    blocks: dict
    per_parameter: dict
    exact: dict | None
    kernel: dict | None
    autocorrelation: dict
    q_hat_note: str = Q_HAT_NOTE
    q_hat_ci_method: str = Q_HAT_CI_METHOD
    warnings: tuple = ()
    gradient_mean: np.ndarray = field(default=None, repr=False)
    gradient_exact: np.ndarray | None = field(default=None, repr=False)
    parameter_variance: np.ndarray = field(default=None, repr=False)

    def to_dict(self) -> dict:
        return _jsonable({"setup": self.setup, "q_hat": self.q_hat, "q_hat_ci": list(self.q_hat_ci),
                          "q_hat_jackknife": self.q_hat_jackknife,
                          "q_hat_note": self.q_hat_note, "q_hat_ci_method": self.q_hat_ci_method,
                          "warnings": list(self.warnings), "gbar_norm_sq": self.gbar_norm_sq,
                          "trace_cov": self.trace_cov, "blocks": self.blocks,
                          "per_parameter": self.per_parameter, "exact": self.exact, "kernel": self.kernel,
                          "autocorrelation": self.autocorrelation})

    def summary(self) -> str:
        return _format_report(self)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        x = float(obj)
        return x if np.isfinite(x) else None
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


# ------------------------------------------------------------------ text table
def _f(x, spec=".4g"):
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "n/a" if x is None else str(x)
    return format(x, spec)


def _format_report(r: SNRReport) -> str:
    s = r.setup
    rule = "-" * 72
    lines = [f"WARNING: {w}" for w in r.warnings]
    lines += [f"gradient SNR   {s.get('model', '')} on {s.get('chip', '?')} ({s.get('engine', '?')}), "
              f"beta {s['beta']:g}",
              f"estimates      R = {s['estimates']} replicas x K = {s['samples_per_estimate']} samples "
              f"(burn-in {s.get('burn_in', '?')}, thin {s.get('thin', '?')}), seed {s.get('seed', '?')}",
              f"parameters     {s['n_parameters']} ({s['parameterisation']}), data {s.get('data', 'array')} "
              f"({s['n_data']} rows)", rule,
              f"{'Qhat = (|gbar|^2 - T/R) / T':34s}{_f(r.q_hat):>12s}   95% CI [{_f(r.q_hat_ci[0])}, "
              f"{_f(r.q_hat_ci[1])}] (jackknife)",
              f"{'':34s}({r.q_hat_note})",
              f"{'Qhat, jackknife (ratio bias removed)':34s}{_f(r.q_hat_jackknife):>12s}",
              f"{'|gbar|^2':34s}{_f(r.gbar_norm_sq):>12s}",
              f"{'T = tr Cov (one estimate)':34s}{_f(r.trace_cov):>12s}",
              f"{'block':10s}{'|gbar|^2':>14s}{'tr Cov':>14s}{'Qhat':>14s}"]
    for name, b in r.blocks.items():
        lines.append(f"{name:10s}{_f(b['gbar_norm_sq']):>14s}{_f(b['trace_cov']):>14s}{_f(b['q_hat']):>14s}")
    pp = r.per_parameter
    if "quantiles" in pp:
        qs = "  ".join(f"{k} {_f(v, '.3g')}" for k, v in pp["quantiles"].items())
        lines.append(f"per-parameter SNR^2 quantiles: {qs}")
        lines.append(f"{'':31s}{100 * pp['fraction_above_1']:.0f}% of {pp['n_defined']} parameters above 1"
                     + (f" ({pp['n_constant']} constant)" if pp["n_constant"] else ""))
    if r.exact:
        e = r.exact
        lines += [rule, f"exact reference: {e['reference']}",
                  f"{'|g|^2':34s}{_f(e['g_norm_sq']):>12s}",
                  f"{'Q = |g|^2 / mean|ghat - g|^2':34s}{_f(e['q']):>12s}   95% CI [{_f(e['q_ci'][0])}, "
                  f"{_f(e['q_ci'][1])}]",
                  f"{'bias^2 = |E ghat - g|^2':34s}{_f(e['bias_sq']):>12s}   ± {_f(e['bias_sq_stderr'], '.2g')}",
                  f"{'variance = tr Cov':34s}{_f(e['variance']):>12s}",
                  f"{'MSE = bias^2 + variance':34s}{_f(e['mse']):>12s}",
                  f"{'|g|^2 / variance (if unbiased)':34s}{_f(e['q_if_unbiased']):>12s}"]
        if "kl" in e:
            lines.append(f"{'KL(sampled || target) [nats]':34s}{_f(e['kl']):>12s}   (iid exact, same N: "
                         f"{_f(e['kl_iid_same_n'])}; TV {_f(e['tv'], '.3g')})")
    if r.kernel:
        k = r.kernel
        lines += [f"{'exact kernel law: bias^2':34s}{_f(k['bias_sq']):>12s}   (infinite replicas, "
                  f"{k['mode']})", f"{'exact kernel law: KL to target':34s}{_f(k['kl_kernel_vs_target']):>12s}"]
    a = r.autocorrelation
    lines += [rule, f"autocorrelation ({a['estimator']})"]
    go = a.get("gradient_observables", {})
    if "tau_median" in go:
        lines.append(f"{'tau_int gradient observables':34s}median {_f(go['tau_median'], '.3g')}, 90% "
                     f"{_f(go['tau_90%'], '.3g')}, max {_f(go['tau_max'], '.3g')} ({go['n_observables']} of "
                     f"{go['n_parameters']}; {100 * go['fraction_reliable']:.0f}% reliable)")
        lines.append(f"{'ESS per estimate (K / tau)':34s}median {_f(go['ess_per_chain_median'], '.3g')}, "
                     f"worst {_f(go['ess_per_chain_min'], '.3g')} of K = {a['samples_per_chain']}")
    if go.get("blocks"):
        lines.append(f"{'  per block (median / max)':34s}" + ", ".join(
            f"{k} {_f(v['tau_median'], '.3g')} / {_f(v['tau_max'], '.3g')}" for k, v in go["blocks"].items()))
    m = a.get("magnetization")
    if m:
        lines.append(f"{'tau_int magnetization':34s}{_f(m['tau'], '.3g')}"
                     + (f"  (ESS {_f(m['ess_per_chain'], '.3g')} per replica"
                        + ("" if m["reliable"] else ", unreliable: replica too short") + ")"
                        if m["tau"] is not None else ""))
    if "ratio_magnetization_to_gradient_median" in a:
        lines.append(f"{'tau(magnetization) / tau(gradient)':34s}"
                     f"{_f(a['ratio_magnetization_to_gradient_median'], '.3g'):>12s}")
    if a.get("note"):
        lines.append(a["note"])
    return "\n".join(lines)
