r"""Gradient signal-to-noise of a Boltzmann machine sampled on a chip: :func:`gradient_snr`.

One *estimate* is one chain: ``B`` burn-in sweeps, then ``K`` samples (every
``thin`` sweeps), ``ghat = <phi>_data - mean_k phi(s_k)`` (see
:mod:`pbitsim.analysis.gradients`).  ``R`` independent chains give ``R`` estimates with
mean ``gbar`` and covariance trace ``T = tr Cov`` (``ddof = 1``), and

    Qhat = (|gbar|^2 - T/R) / T

the squared signal-to-noise ratio of *one* estimate; the ``-T/R`` removes the
upward bias ``E|gbar|^2 = |E ghat|^2 + T/R``.  Qhat estimates
``|E ghat|^2 / T``, which equals ``Q = |g|^2 / E|ghat - g|^2`` only for an
unbiased estimator (``E ghat = g``).  When the exact gradient ``g`` is known the
report also measures Q operationally, ``Q = |g|^2 / mean_r |ghat_r - g|^2``, and
splits the mean squared error into ``bias^2 = |E ghat - g|^2`` (estimated as
``|gbar - g|^2 - T/R``) and variance ``T``:  ``MSE = bias^2 + T`` exactly for
these estimators.  Confidence intervals resample the estimates (bootstrap).
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from .autocorrelation import MIN_SAMPLES_PER_TAU, integrated_time_chains
from ..training.digits import load_data
from ..errors import ChipSpecError, PbitsimError
from .exact import (codes_to_states, empirical_distribution, exact_law, kl_divergence, states_to_codes,
                    total_variation)
from .gradients import (data_term, exact_model_term, features, model_term_under_law,
                        model_terms, parameter_layout)
from ..models import RBM, IsingModel, load_model
from ..compiler.program import Program

__all__ = ["SNRReport", "gradient_snr", "snr_from_states", "q_hat", "q_hat_jackknife"]

Q_HAT_NOTE = "equals Q only for an unbiased estimator (E ghat = g)"
#: Sampled-law KL against the target only up to this many spins (histogram over 2^n states).
MAX_KL_SPINS = 16
#: Exact kernel-law reference (dense 2^n x 2^n sweep matrix) up to this many p-bits.
MAX_KERNEL_REFERENCE_SPINS = 10
#: Cap on chains x samples x observables entering the autocorrelation FFT.
MAX_TAU_ELEMENTS = 20_000_000
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def q_hat(estimates):
    r"""``(Qhat, |gbar|^2, T)`` from ``(R, P)`` independent estimates: ``Qhat = (|gbar|^2 - T/R) / T``."""
    G = np.asarray(estimates, dtype=np.float64)
    R = G.shape[0]
    if R < 2:
        raise PbitsimError("Qhat needs at least 2 independent estimates")
    gbar = G.mean(axis=0)
    T = float(G.var(axis=0, ddof=1).sum())
    norm = float(gbar @ gbar)
    return ((norm - T / R) / T if T > 0 else float("inf")), norm, T


def q_hat_jackknife(estimates):
    r"""Jackknife bias-reduced Qhat: ``R Qhat - (R-1) mean_i Qhat_(-i)`` (needs ``R >= 3``).

    Qhat's numerator and ``T`` are unbiased, but the ratio is not: ``E[1/T_hat] > 1/T``
    gives an ``O(1/R)`` upward bias that the jackknife removes.
    """
    G = np.asarray(estimates, dtype=np.float64)
    R = G.shape[0]
    if R < 3:
        return float("nan")
    s1, s2 = G.sum(axis=0), (G * G).sum(axis=0)
    mean = (s1 - G) / (R - 1)
    T = ((s2 - G * G - (R - 1) * mean * mean) / (R - 2)).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        q_loo = ((mean * mean).sum(axis=1) - T / (R - 1)) / T
    return float(R * q_hat(G)[0] - (R - 1) * q_loo.mean())


@dataclass(frozen=True, eq=False)
class SNRReport:
    """Result of :func:`gradient_snr`.  ``to_dict()`` is JSON-able, ``summary()`` a text table.

    Attributes
    ----------
    setup : dict
        Model, chip, engine, estimates ``R``, samples per estimate ``K``, burn-in, thin, beta, seed.
    q_hat, q_hat_ci : float, (float, float)
        ``(|gbar|^2 - T/R) / T`` and its bootstrap 95 % interval (:data:`Q_HAT_NOTE`).
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
        and KL it implies for infinitely long chains.
    autocorrelation : dict
        ``tau_int`` (Sokal window) of the gradient observables and of the magnetization, ESS.
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
    gradient_mean: np.ndarray = field(default=None, repr=False)
    gradient_exact: np.ndarray | None = field(default=None, repr=False)
    parameter_variance: np.ndarray = field(default=None, repr=False)

    def to_dict(self) -> dict:
        return _jsonable({"setup": self.setup, "q_hat": self.q_hat, "q_hat_ci": list(self.q_hat_ci),
                          "q_hat_jackknife": self.q_hat_jackknife,
                          "q_hat_note": self.q_hat_note, "gbar_norm_sq": self.gbar_norm_sq,
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


# ------------------------------------------------------------------ statistics
def _bootstrap_counts(R, n_boot, rng):
    """``(n_boot, R)`` multinomial resampling counts of ``R`` estimates."""
    return rng.multinomial(R, np.full(R, 1.0 / R), size=n_boot).astype(np.float64)


def _bootstrap_q_hat(G, counts):
    R = G.shape[0]
    mean = counts @ G / R
    second = counts @ (G * G) / R
    T = ((second - mean * mean) * (R / (R - 1))).sum(axis=1)
    norm = (mean * mean).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (norm - T / R) / T, mean, T


def _ci(values, level=0.95):
    v = np.asarray(values)[np.isfinite(values)]
    if v.size == 0:
        return (float("nan"), float("nan"))
    a = (1.0 - level) / 2.0
    return (float(np.quantile(v, a)), float(np.quantile(v, 1.0 - a)))


def _per_parameter(G):
    R = G.shape[0]
    mean = G.mean(axis=0)
    var = G.var(axis=0, ddof=1)
    ok = var > 0
    snr2 = (mean[ok] ** 2 - var[ok] / R) / var[ok]
    out = {"definition": "(gbar_p^2 - s_p^2/R) / s_p^2 (squared SNR of one estimate, per parameter)",
           "n_defined": int(ok.sum()), "n_constant": int((~ok).sum())}
    if snr2.size:
        out["quantiles"] = {f"{int(100 * q)}%": float(np.quantile(snr2, q)) for q in QUANTILES}
        out["fraction_above_1"] = float(np.mean(snr2 > 1.0))
    return out


def _blocks(layout, G):
    out = {}
    for name, sl in layout.slices().items():
        if sl.stop > sl.start:
            q, norm, T = q_hat(G[:, sl])
            out[name] = {"gbar_norm_sq": norm, "trace_cov": T, "q_hat": q}
    return out


def _exact_section(G, g, counts, reference):
    """Operational Q, bias/variance/MSE split, with bootstrap intervals."""
    R = G.shape[0]
    gbar = G.mean(axis=0)
    T = float(G.var(axis=0, ddof=1).sum())
    err = ((G - g) ** 2).sum(axis=1)             # |ghat_r - g|^2
    mse = float(err.mean())
    g2 = float(g @ g)
    raw = float((gbar - g) @ (gbar - g))
    bias_sq = raw - T / R                        # unbiased for |E ghat - g|^2
    boot_mse = counts @ err / R
    _, bmean, bT = _bootstrap_q_hat(G, counts)
    boot_bias = ((bmean - g) ** 2).sum(axis=1) - bT / R
    return {"reference": reference, "g_norm_sq": g2,
            "q": g2 / mse if mse > 0 else float("inf"),
            "q_ci": list(_ci(g2 / boot_mse)),
            "q_if_unbiased": g2 / T if T > 0 else float("inf"),
            "bias_sq": bias_sq, "bias_sq_stderr": float(np.std(boot_bias, ddof=1)),
            "bias_sq_raw": raw, "variance": T, "mse": mse,
            "mse_split": "mean|ghat - g|^2 = (|gbar - g|^2 - T/R) + T: bias^2 + variance"}


# ------------------------------------------------------------------ exact references
def _exact_gradient(model, data_vec, beta, exact):
    """``(g, exact model term, reference)``, or Nones without an exact reference."""
    if not exact:
        return None, None, None
    mt = exact_model_term(model, beta)
    if mt is None:
        return None, None, None
    ref = (f"exact RBM marginals (analytic sum over {min(model.W.shape)} units)" if isinstance(model, RBM)
           else f"enumeration of 2^{model.n} states")
    return data_vec - mt, mt, ref


def _target_law(model, beta):
    ising = model.to_ising() if isinstance(model, RBM) else model
    return exact_law(ising, beta).probs


def _kl_section(states, model, probs, rng):
    """KL of the pooled sample histogram from the target law ``probs``, and of N iid exact samples (a floor)."""
    n = model.n
    flat = states.reshape(-1, n)
    emp = empirical_distribution(flat, n)
    iid_codes = rng.choice(probs.size, size=flat.shape[0], p=probs)
    iid = np.bincount(iid_codes, minlength=probs.size) / flat.shape[0]
    return {"kl": kl_divergence(emp, probs), "tv": total_variation(emp, probs),
            "kl_iid_same_n": kl_divergence(iid, probs), "n_samples": int(flat.shape[0]),
            "note": "KL(pooled histogram || target) in nats; kl_iid_same_n: the same statistic for "
                    "as many independent exact samples (its finite-sample floor)"}


def _kernel_section(program, model, beta, mode, rao_blackwell, target, probs):
    """Exact stationary law of the chip kernel -> bias and KL an infinite chain would show.

    ``target``: the exact model term; ``probs``: the target law (or None to enumerate it here).
    """
    from .kernel_law import kernel_stationary_law

    n = program.n_physical
    placement = np.asarray(program.placement)
    if (n > MAX_KERNEL_REFERENCE_SPINS or program.n_logical != n or placement.ndim != 1
            or not np.array_equal(np.sort(placement), np.arange(n))      # one p-bit per spin, no chains
            or mode not in ("chromatic", "sequential", "naive_parallel")
            or (mode == "sequential" and program.chip.clock.scan == "random")):
        return None
    try:
        pi_physical = kernel_stationary_law(program, beta * program.beta_factor, mode)
    except (ChipSpecError, ValueError):  # LFSR / input noise: no state-only Markov kernel
        return None
    logical_codes = states_to_codes(codes_to_states(np.arange(1 << n), n)[:, placement])
    pi = np.bincount(logical_codes, weights=pi_physical, minlength=1 << n)
    mt = model_term_under_law(model, pi, beta=beta, rao_blackwell=rao_blackwell)
    diff = mt - target
    if probs is None:
        probs = _target_law(model, beta)
    return {"bias_sq": float(diff @ diff), "kl_kernel_vs_target": kl_divergence(pi, probs),
            "mode": mode,
            "note": "exact stationary law of the chip's Markov kernel: the bias |E ghat - g|^2 "
                    "of infinitely long chains (burn-in transients excluded)"}


# ------------------------------------------------------------------ autocorrelation
def _tau_section(model, states, beta, rao_blackwell):
    R, K, n = states.shape
    out = {"estimator": "Sokal automatic window (c = 5), autocovariance averaged over chains",
           "samples_per_chain": int(K)}
    if K < 4:
        out["note"] = "too few samples per chain for an autocorrelation time"
        return out
    P = parameter_layout(model).size
    n_obs = int(min(P, max(1, MAX_TAU_ELEMENTS // (R * K))))
    cols = np.unique(np.linspace(0, P - 1, n_obs).round().astype(np.int64))
    phi = features(model, states, beta=beta, rao_blackwell=rao_blackwell)[..., cols]
    res = integrated_time_chains(phi)
    tau = np.asarray(res.tau)
    finite = np.isfinite(tau)
    mag = states.mean(axis=2, dtype=np.float64)
    mres = integrated_time_chains(mag)
    out["gradient_observables"] = {
        "n_observables": int(cols.size), "n_parameters": int(P), "n_constant": int((~finite).sum())}
    if finite.any():
        t = tau[finite]
        reliable = (K >= MIN_SAMPLES_PER_TAU * t) & (np.asarray(res.window)[finite] < K - 1)
        out["gradient_observables"].update({
            "tau_median": float(np.median(t)), "tau_90%": float(np.quantile(t, 0.9)),
            "tau_max": float(t.max()), "tau_min": float(t.min()),
            "fraction_reliable": float(reliable.mean()),
            "ess_per_chain_median": float(K / np.median(t)), "ess_per_chain_min": float(K / t.max())})
        blocks = {}
        for name, sl in parameter_layout(model).slices().items():
            sel = (cols >= sl.start) & (cols < sl.stop) & finite
            if sel.any():
                blocks[name] = {"tau_median": float(np.median(tau[sel])), "tau_max": float(tau[sel].max())}
        out["gradient_observables"]["blocks"] = blocks
    out["magnetization"] = {"tau": mres.tau if np.isfinite(mres.tau) else None,
                            "ess_per_chain": K / mres.tau if np.isfinite(mres.tau) else None,
                            "reliable": bool(mres.reliable), "error": mres.error}
    if finite.any() and np.isfinite(mres.tau):
        out["ratio_magnetization_to_gradient_median"] = float(mres.tau / np.median(tau[finite]))
    return out


# ------------------------------------------------------------------ entry points
def snr_from_states(model, states, data, *, beta=1.0, rao_blackwell=False, n_bootstrap=1000, seed=0,
                    exact=True, program=None, mode=None, setup=None) -> SNRReport:
    r"""The gradient-SNR report from given chains: ``states`` ``(R, K, n)`` logical ±1 spins.

    Each chain is one estimate; ``data`` as in :func:`gradient_snr`.  Use it to analyse samples from anywhere (the
    tests feed independent exact samples).  ``program``/``mode`` enable the exact
    kernel-law reference; ``setup`` is copied into the report.
    """
    states = np.asarray(states)
    if states.ndim != 3 or states.shape[2] != model.n:
        raise PbitsimError(f"states must be (estimates, samples, {model.n}), got shape {states.shape}")
    R, K, n = states.shape
    if R < 2:
        raise PbitsimError("need at least 2 independent estimates (chains)")
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, (int, np.integer)) or n_bootstrap < 10:
        raise PbitsimError(f"n_bootstrap must be an integer >= 10, got {n_bootstrap!r}")
    data = load_data(data, model.n_visible if isinstance(model, RBM) else model.n)
    layout = parameter_layout(model)
    d = data_term(model, data, beta)
    G = d[None, :] - model_terms(model, states, beta=beta, rao_blackwell=rao_blackwell)
    q, norm, T = q_hat(G)
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0xB0075]) if seed is not None else np.random.default_rng()
    counts = _bootstrap_counts(R, int(n_bootstrap), rng)
    boot_q, _, _ = _bootstrap_q_hat(G, counts)
    g, mt, ref = _exact_gradient(model, d, beta, exact)
    exact_part = probs = None
    if g is not None:
        exact_part = _exact_section(G, g, counts, ref)
        if n <= MAX_KL_SPINS:
            probs = _target_law(model, beta)      # enumerated once: KL here, kernel section below
            exact_part.update(_kl_section(states, model, probs, rng))
    kernel = None
    if exact and program is not None and g is not None:
        kernel = _kernel_section(program, model, beta, mode or program.chip.clock.mode, rao_blackwell,
                                 mt, probs)
    info = {"model": repr(model), "parameterisation": "binary (W, b, c)" if layout.kind == "rbm"
            else "spin (J, h)", "n_parameters": layout.size, "estimates": R, "samples_per_estimate": K,
            "beta": float(beta), "rao_blackwell": bool(rao_blackwell), "n_data": int(data.shape[0]),
            "n_bootstrap": int(n_bootstrap)}
    info.update(setup or {})
    return SNRReport(setup=info, q_hat=q, q_hat_ci=_ci(boot_q), q_hat_jackknife=q_hat_jackknife(G),
                     gbar_norm_sq=norm, trace_cov=T, blocks=_blocks(layout, G),
                     per_parameter=_per_parameter(G), exact=exact_part,
                     kernel=kernel, autocorrelation=_tau_section(model, states, beta, rao_blackwell),
                     gradient_mean=G.mean(axis=0), gradient_exact=g,
                     parameter_variance=G.var(axis=0, ddof=1))


def _resolve(model, chip):
    """``(program, target model)``: a Program as given, else ``compile_model(model, chip)``."""
    from ..compiler.pipeline import compile_model

    if isinstance(model, (str, os.PathLike)):
        model = load_model(model)
    if isinstance(model, Program):
        return model, (model.rbm if model.rbm is not None else model.logical)
    if not isinstance(model, (RBM, IsingModel)):
        raise PbitsimError(f"model must be an RBM, IsingModel, Program or .npz path, got {type(model).__name__}")
    return compile_model(model, chip), model


def gradient_snr(model, chip="ideal", data="digits", *, estimates=32, samples_per_estimate=200, burn_in=100,
                 thin=1, beta=1.0, seed=None, engine=None, rao_blackwell=False, n_bootstrap=1000,
                 exact=True) -> SNRReport:
    r"""Sample ``estimates`` independent gradient estimates on a chip and report their SNR.

    Parameters
    ----------
    model : RBM, IsingModel, Program or path to a model ``.npz``
        A model is compiled with :func:`pbitsim.compile` (placement or embedding,
        scaling to the chip's number formats); a Program (compiled or placed
        elsewhere) carries its chip, and ``chip`` is then ignored.
    chip : str, path or ChipSpec
        Any chip: ideal, quantized, LFSR, asynchronous ...
    data : "digits", path to ``.npz`` (key ``data``) or array ``(N, n_visible)``
        0/1 (or ±1) rows; the data term uses all of them, exactly.
    estimates : int
        ``R`` independent chains = estimates (>= 2).
    samples_per_estimate : int
        ``K`` samples per chain, one every ``thin`` sweeps after ``burn_in`` sweeps.
    beta : float
        Inverse temperature of the target law ``exp(-beta E)``.
    seed : int or None
        Seeds the chains and the bootstrap.
    engine : str, optional
        Override the chip's clock mode (see :func:`pbitsim.simulate`).
    rao_blackwell : bool
        RBM only: use ``E[h|v]`` instead of the sampled hidden units in the model term.
    n_bootstrap : int
        Bootstrap resamples of the estimates for the confidence intervals.
    exact : bool
        Compute the exact references when feasible (enumeration n <= 20, RBM
        with a layer <= 20 units, kernel law n <= 10, KL n <= 16).

    Returns
    -------
    SNRReport
    """
    t0 = time.perf_counter()
    program, target = _resolve(model, chip)
    n_cols = target.n_visible if isinstance(target, RBM) else target.n
    x = load_data(data, n_cols)
    for name, value, lo in (("estimates", estimates, 2), ("samples_per_estimate", samples_per_estimate, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
            raise PbitsimError(f"{name} must be an integer >= {lo}, got {value!r}")
    run = _simulate(program, samples_per_estimate * thin, burn_in, thin, estimates, beta, seed, engine)
    states = program.unembed(run.states)
    mode = engine or program.chip.clock.mode
    setup = {"chip": program.chip.name, "engine": run.engine, "burn_in": int(burn_in), "thin": int(thin),
             "seed": int(run.seed), "data": data if isinstance(data, str) else
             (os.fspath(data) if isinstance(data, os.PathLike) else "array"),
             "sampling_wall_s": run.timing.wall_s, "beta_factor": float(program.beta_factor),
             "placement": program.report.get("placement", "direct"),
             "n_physical": int(program.n_physical)}
    report = snr_from_states(target, states, x, beta=beta, rao_blackwell=rao_blackwell,
                             n_bootstrap=n_bootstrap, seed=run.seed, exact=exact, program=program,
                             mode=mode, setup=setup)
    report.setup["wall_s"] = time.perf_counter() - t0
    return report


def _simulate(program, sweeps, burn_in, thin, replicas, beta, seed, engine):
    from ..simulate import simulate

    return simulate(program, sweeps=sweeps, burn_in=burn_in, thin=thin, replicas=replicas, beta=beta,
                    seed=seed, engine=engine)


# ------------------------------------------------------------------ text table
def _f(x, spec=".4g"):
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "n/a" if x is None else str(x)
    return format(x, spec)


def _format_report(r: SNRReport) -> str:
    s = r.setup
    rule = "-" * 72
    lines = [f"gradient SNR   {s.get('model', '')} on {s.get('chip', '?')} ({s.get('engine', '?')}), "
             f"beta {s['beta']:g}",
             f"estimates      R = {s['estimates']} chains x K = {s['samples_per_estimate']} samples "
             f"(burn-in {s.get('burn_in', '?')}, thin {s.get('thin', '?')}), seed {s.get('seed', '?')}",
             f"parameters     {s['n_parameters']} ({s['parameterisation']}), data {s.get('data', 'array')} "
             f"({s['n_data']} rows)", rule,
             f"{'Qhat = (|gbar|^2 - T/R) / T':34s}{_f(r.q_hat):>12s}   95% CI [{_f(r.q_hat_ci[0])}, "
             f"{_f(r.q_hat_ci[1])}]",
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
        lines += [f"{'exact kernel law: bias^2':34s}{_f(k['bias_sq']):>12s}   (infinite chains, "
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
                     + (f"  (ESS {_f(m['ess_per_chain'], '.3g')} per chain"
                        + ("" if m["reliable"] else ", unreliable: chain too short") + ")"
                        if m["tau"] is not None else ""))
    if "ratio_magnetization_to_gradient_median" in a:
        lines.append(f"{'tau(magnetization) / tau(gradient)':34s}"
                     f"{_f(a['ratio_magnetization_to_gradient_median'], '.3g'):>12s}")
    if a.get("note"):
        lines.append(a["note"])
    return "\n".join(lines)
