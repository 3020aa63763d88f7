r"""Gradient signal-to-noise of a Boltzmann machine sampled on a chip: :func:`gradient_snr`.

One *estimate* is one replica (an independent Markov chain): ``B`` burn-in sweeps, then ``K`` samples (every
``thin`` sweeps), ``ghat = <phi>_data - mean_k phi(s_k)`` (see
:mod:`pbitsim.analysis.gradients`).  ``R`` independent replicas give ``R`` estimates with
mean ``gbar`` and covariance trace ``T = tr Cov`` (``ddof = 1``), and

    Qhat = (|gbar|^2 - T/R) / T

the squared signal-to-noise ratio of *one* estimate; the ``-T/R`` removes the
upward bias ``E|gbar|^2 = |E ghat|^2 + T/R``.  Qhat estimates
``|E ghat|^2 / T``, which equals ``Q = |g|^2 / E|ghat - g|^2`` only for an
unbiased estimator (``E ghat = g``).  When the exact gradient ``g`` is known the
report also measures Q operationally, ``Q = |g|^2 / mean_r |ghat_r - g|^2``, and
splits the mean squared error into ``bias^2 = |E ghat - g|^2`` (estimated as
``|gbar - g|^2 - T/R``) and variance ``T``:  ``MSE = bias^2 + T`` exactly for
these estimators.  Qhat's interval is a jackknife (Fieller / log-scale) one with
measured coverage, and fewer than ``MIN_ESTIMATES = 8`` estimates draw a warning
(:mod:`pbitsim.analysis.snr_estimators`); the exact section's intervals resample
the estimates (bootstrap).  The report type and its text table live in
:mod:`pbitsim.analysis.snr_report`.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np
from tqdm.auto import tqdm

from ..compiler.pipeline import compile_model
from ..compiler.program import Program
from ..errors import ChipSpecError, PbitsimError
from ..models import RBM, IsingModel, load_model
from ..simulate import simulate
from ..training.digits import load_data
from .autocorrelation import MIN_SAMPLES_PER_TAU, integrated_time_replicas
from .exact import (codes_to_states, empirical_distribution, exact_law, kl_divergence, states_to_codes,
                    total_variation)
from .gradients import (data_term, exact_model_term, features, model_term_under_law,
                        model_terms, parameter_layout)
from .kernel_law import kernel_stationary_law
from .snr_estimators import (MIN_ESTIMATES, block_q_hat, bootstrap_counts, estimate_warnings, exact_section,
                             per_parameter_snr, q_hat, q_hat_interval, q_hat_jackknife)
from .snr_report import Q_HAT_NOTE, SNRReport

__all__ = ["SNRReport", "gradient_snr", "snr_from_states", "q_hat", "q_hat_jackknife", "q_hat_interval",
           "MIN_ESTIMATES", "Q_HAT_NOTE"]

#: Sampled-law KL against the target only up to this many spins (histogram over 2^n states).
MAX_KL_SPINS = 16
#: Exact kernel-law reference (dense 2^n x 2^n sweep matrix) up to this many p-bits.
MAX_KERNEL_REFERENCE_SPINS = 10
#: Cap on replicas x samples x observables entering the autocorrelation FFT.
MAX_TAU_ELEMENTS = 20_000_000


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
    """Exact stationary law of the chip kernel -> bias and KL an infinitely long replica would show.

    ``target``: the exact model term; ``probs``: the target law (or None to enumerate it here).
    """
    n = program.n_physical
    placement = np.asarray(program.placement)
    if (n > MAX_KERNEL_REFERENCE_SPINS or program.n_logical != n or placement.ndim != 1
            or not np.array_equal(np.sort(placement), np.arange(n))      # one p-bit per spin, no chains
            or mode not in ("chromatic", "sequential", "naive_parallel")
            or (mode == "sequential" and program.chip.clock.scan == "random")):
        return None
    try:
        pi_physical = kernel_stationary_law(program, beta, mode)
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
                    "of infinitely long replicas (burn-in transients excluded)"}


# ------------------------------------------------------------------ autocorrelation
def _tau_section(model, states, beta, rao_blackwell):
    R, K, n = states.shape
    out = {"estimator": "Sokal automatic window (c = 5), autocovariance averaged over replicas",
           "samples_per_chain": int(K)}
    if K < 4:
        out["note"] = "too few samples per replica for an autocorrelation time"
        return out
    P = parameter_layout(model).size
    n_obs = int(min(P, max(1, MAX_TAU_ELEMENTS // (R * K))))
    cols = np.unique(np.linspace(0, P - 1, n_obs).round().astype(np.int64))
    phi = features(model, states, beta=beta, rao_blackwell=rao_blackwell)[..., cols]
    res = integrated_time_replicas(phi)
    tau = np.asarray(res.tau)
    finite = np.isfinite(tau)
    mag = states.mean(axis=2, dtype=np.float64)
    mres = integrated_time_replicas(mag)
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
ANALYSIS_STAGES = ("estimators", "exact references", "autocorrelation")


def _stage_bar(stages, progress):
    """A tqdm bar over named stages on stderr; silent unless ``progress`` and stderr is a terminal."""
    return tqdm(total=len(stages), desc="snr", unit="step", file=sys.stderr, leave=False,
                disable=not (progress and sys.stderr.isatty()),
                bar_format="{desc}: {n_fmt}/{total_fmt} {bar} {elapsed}")


def _step(bar, label):
    bar.set_description_str(f"snr: {label}")      # redraws: a stage can be long


def snr_from_states(model, states, data, *, beta=1.0, rao_blackwell=False, n_bootstrap=1000, seed=0,
                    exact=True, program=None, mode=None, setup=None, progress=False) -> SNRReport:
    r"""The gradient-SNR report from given replicas: ``states`` ``(R, K, n)`` logical ±1 spins.

    Each replica is one estimate; ``data`` as in :func:`gradient_snr`.  Use it to analyse samples from anywhere (the
    tests feed independent exact samples).  ``program``/``mode`` enable the exact
    kernel-law reference; ``setup`` is copied into the report; ``progress`` shows a
    bar over the analysis stages (stderr, terminals only).
    """
    states = np.asarray(states)
    if states.ndim != 3 or states.shape[2] != model.n:
        raise PbitsimError(f"states must be (estimates, samples, {model.n}), got shape {states.shape}")
    if states.shape[0] < 2:
        raise PbitsimError("need at least 2 independent estimates (replicas)")
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, (int, np.integer)) or n_bootstrap < 10:
        raise PbitsimError(f"n_bootstrap must be an integer >= 10, got {n_bootstrap!r}")
    data = load_data(data, model.n_visible if isinstance(model, RBM) else model.n)
    with _stage_bar(ANALYSIS_STAGES, progress) as bar:
        return _analyse(model, states, data, beta, rao_blackwell, int(n_bootstrap), seed, exact, program, mode,
                        setup, bar)


def _analyse(model, states, data, beta, rao_blackwell, n_bootstrap, seed, exact, program, mode, setup, bar):
    """The report's sections, one bar step each (:data:`ANALYSIS_STAGES`); inputs validated."""
    R, K, n = states.shape
    _step(bar, "estimators")
    layout = parameter_layout(model)
    d = data_term(model, data, beta)
    G = d[None, :] - model_terms(model, states, beta=beta, rao_blackwell=rao_blackwell)
    q, norm, T = q_hat(G)
    ci = q_hat_interval(G)
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0xB0075]) if seed is not None else np.random.default_rng()
    counts = bootstrap_counts(R, n_bootstrap, rng)
    bar.update()
    _step(bar, "exact references")
    g, mt, ref = _exact_gradient(model, d, beta, exact)
    exact_part = probs = None
    if g is not None:
        exact_part = exact_section(G, g, counts, ref)
        if n <= MAX_KL_SPINS:
            probs = _target_law(model, beta)      # enumerated once: KL here, kernel section below
            exact_part.update(_kl_section(states, model, probs, rng))
    kernel = None
    if exact and program is not None and g is not None:
        kernel = _kernel_section(program, model, beta, mode or program.chip.clock.mode, rao_blackwell,
                                 mt, probs)
    bar.update()
    _step(bar, "autocorrelation")
    tau = _tau_section(model, states, beta, rao_blackwell)
    bar.update()
    info = {"model": repr(model), "parameterisation": "binary (W, b, c)" if layout.kind == "rbm"
            else "spin (J, h)", "n_parameters": layout.size, "estimates": R, "samples_per_estimate": K,
            "beta": float(beta), "rao_blackwell": bool(rao_blackwell), "n_data": int(data.shape[0]),
            "n_bootstrap": int(n_bootstrap)}
    info.update(setup or {})
    return SNRReport(setup=info, q_hat=q, q_hat_ci=ci, q_hat_jackknife=q_hat_jackknife(G),
                     gbar_norm_sq=norm, trace_cov=T, blocks=block_q_hat(layout, G),
                     per_parameter=per_parameter_snr(G), exact=exact_part,
                     kernel=kernel, autocorrelation=tau, warnings=tuple(estimate_warnings(R, ci)),
                     gradient_mean=G.mean(axis=0), gradient_exact=g,
                     parameter_variance=G.var(axis=0, ddof=1))


def _resolve(model, chip):
    """``(program, target model)``: a Program as given, else ``compile_model(model, chip)``."""
    if isinstance(model, (str, os.PathLike)):
        model = load_model(model)
    if isinstance(model, Program):
        return model, (model.rbm if model.rbm is not None else model.logical)
    if not isinstance(model, (RBM, IsingModel)):
        raise PbitsimError(f"model must be an RBM, IsingModel, Program or .npz path, got {type(model).__name__}")
    return compile_model(model, chip), model


def gradient_snr(model, chip="ideal", data="digits", *, estimates=32, samples_per_estimate=200, burn_in=100,
                 thin=1, beta=1.0, seed=None, engine=None, rao_blackwell=False, n_bootstrap=1000,
                 exact=True, progress=False) -> SNRReport:
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
        ``R`` independent replicas = estimates (>= 2; below :data:`MIN_ESTIMATES` the
        report warns that Qhat means little).
    samples_per_estimate : int
        ``K`` samples per replica, one every ``thin`` sweeps after ``burn_in`` sweeps.
    beta : float
        Inverse temperature of the target law ``exp(-beta E)``.
    seed : int or None
        Seeds the replicas and the bootstrap.
    engine : str, optional
        Override the chip's clock mode (see :func:`pbitsim.simulate`).
    rao_blackwell : bool
        RBM only: use ``E[h|v]`` instead of the sampled hidden units in the model term.
    n_bootstrap : int
        Bootstrap resamples of the estimates for the intervals of the exact section
        (operational Q, bias stderr); Qhat's interval is a jackknife one
        (:func:`~pbitsim.analysis.snr_estimators.q_hat_interval`).
    exact : bool
        Compute the exact references when feasible (enumeration n <= 20, RBM
        with a layer <= 20 units, kernel law n <= 10, KL n <= 16).
    progress : bool
        A bar over the stages (compile, sample, analysis) on stderr, terminals only.

    Returns
    -------
    SNRReport
    """
    t0 = time.perf_counter()
    for name, value, lo in (("estimates", estimates, 2), ("samples_per_estimate", samples_per_estimate, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
            raise PbitsimError(f"{name} must be an integer >= {lo}, got {value!r}")
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, (int, np.integer)) or n_bootstrap < 10:
        raise PbitsimError(f"n_bootstrap must be an integer >= 10, got {n_bootstrap!r}")
    with _stage_bar(("compile", "sample") + ANALYSIS_STAGES, progress) as bar:
        _step(bar, "compile")
        program, target = _resolve(model, chip)
        x = load_data(data, target.n_visible if isinstance(target, RBM) else target.n)
        bar.update()
        _step(bar, f"sample {estimates} x {samples_per_estimate}")
        run = simulate(program, sweeps=samples_per_estimate * thin, burn_in=burn_in, thin=thin,
                       replicas=estimates, beta=beta, seed=seed, engine=engine, progress=progress)
        states = program.unembed(run.states)
        bar.update()
        mode = engine or program.chip.clock.mode
        setup = {"chip": program.chip.name, "engine": run.engine, "burn_in": int(burn_in), "thin": int(thin),
                 "seed": int(run.seed), "data": data if isinstance(data, str) else
                 (os.fspath(data) if isinstance(data, os.PathLike) else "array"),
                 "sampling_wall_s": run.timing.wall_s, "beta_factor": float(program.beta_factor),
                 "placement": program.report.get("placement", "direct"),
                 "n_physical": int(program.n_physical)}
        report = _analyse(target, states, x, beta, rao_blackwell, int(n_bootstrap), run.seed, exact, program,
                          mode, setup, bar)
    report.setup["wall_s"] = time.perf_counter() - t0
    return report
