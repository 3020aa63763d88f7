r"""Predicting the gradient signal-to-noise ``Q`` from the exact spectrum, and measuring it.

Gradient (spin parameterisation, ``theta = (J_ij on edges, h_i)``)::

    g     = d - E_p[f],          f = (m_i m_j per edge, m_i per spin)  (relaxation.gradient_observables)
    ghat  = d - (1/K) sum_{k=1}^{K} f(X_k)
    Q     = |g|^2 / E|ghat - g|^2

``d`` is the data term (``data_moments``; default **zero**: the moments of the
uniform law, i.e. the model itself at ``beta = 0``, so ``g = -E_p[f] != 0``
whenever the model is coupled); ``p`` is the Boltzmann law at ``beta``.  The
parameter set follows ``biases``: with ``biases=False`` only couplings are
learned (a zero-field, spin-flip symmetric machine).  ``X_k`` are the samples
of one replica, one per sweep after ``B`` burn-in sweeps.

Predictors (stationary start, large ``K``), with ``Var_o = Var_pi f_o`` and
``tau_o`` the exact integrated time of observable ``o``
(:func:`pbitsim.analysis.relaxation.observable_relaxation`, convention ``1 + 2 sum rho``)::

    independent   E|ghat-g|^2 = tr Cov_1 / K,          tr Cov_1 = sum_o Var_o
    global gap    E|ghat-g|^2 = tr Cov_1 * 2 tau_g / K,  tau_g = (1+|l2|) / (2 (1-|l2|))
    projected     E|ghat-g|^2 = 2 T_O / K,              T_O = sum_o Var_o tau_o / 2

so ``Q_projected = (K/2) |g|^2 / T_O``.  Relaxation times here are half the
integrated times (``tau_g ~ -1/log|l2|`` as the gap closes, ``1/2`` for
independent samples), which makes both predictors equal the independent
``Q`` for i.i.d. samples.  For a chip whose kernel samples a law ``pi``
other than ``p`` each prediction adds the stationary bias ``|E_pi f - E_p f|^2``
to the error.

``measure_q`` runs real replicas; ``q_exact_markov`` computes the same
expectation exactly from ``T`` (finite ``K``, burn-in, initial law included).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..chip.spec import load_chip
from ..compiler.pipeline import place_model
from ..compiler.program import Program, as_ising
from ..simulate import simulate
from .exact import exact_law, states_to_codes
from .relaxation import boltzmann_moments, gradient_observables, observable_relaxation
from .spectral import spectrum
from .transition import sample_replicas, stationary_law, transition_matrix


@dataclass(frozen=True)
class SchemeAnalysis:
    """Everything the predictors need about one (model, beta, scheme), computed once.

    ``T`` is the per-sweep matrix (random scan: ``n`` steps); ``F`` the gradient
    observables ``(n_params, 2^n)``; ``target`` their Boltzmann means ``E_p f``.
    """

    T: np.ndarray
    pi: np.ndarray
    F: np.ndarray
    target: np.ndarray
    spectrum: object
    relaxation: object
    scheme: str
    beta: float
    biases: bool


def scheme_analysis(model_or_program, beta, scheme, *, biases=True, p_plus=None, n_modes=None) -> SchemeAnalysis:
    """Per-sweep transition matrix, its spectrum and the exact relaxation of every gradient observable.

    ``n_modes``: keep only that many leading modes (ARPACK) instead of the full
    decomposition; the observables' ``tau`` stay exact (fundamental matrix).
    """
    T = transition_matrix(model_or_program, beta, scheme, p_plus=p_plus, sweep=True)
    ideal = p_plus is None and (not isinstance(model_or_program, Program)
                                or model_or_program.chip.is_ideal_datapath) and scheme != "naive_parallel"
    F = gradient_observables(model_or_program, biases=biases)
    if ideal and not isinstance(model_or_program, Program):
        law = exact_law(as_ising(model_or_program)[0], beta)      # enumerated once: moments and pi
        target = boltzmann_moments(model_or_program, beta, biases=biases, law=law)
        pi = law.probs
    else:
        target = boltzmann_moments(model_or_program, beta, biases=biases)
        pi = stationary_law(T)
    spec = spectrum(T, pi, n_modes=n_modes)
    rel = observable_relaxation(T, pi, F, spec=spec)
    return SchemeAnalysis(T, pi, F, target, spec, rel, scheme, float(beta), biases)


@dataclass(frozen=True)
class QPrediction:
    r"""A value of ``Q = |g|^2 / E|ghat - g|^2`` and its parts.

    Attributes
    ----------
    q : float
    method : str
        ``independent``, ``global_gap``, ``projected`` or ``exact_markov``.
    signal : float
        ``|g|^2``.
    error : float
        The (predicted) ``E|ghat - g|^2 = bias2 + variance``.
    bias2, variance : float
    trace_cov : float
        ``tr Cov_1 = sum_o Var_o`` of one sample (under the sampled law).
    time : float
        The relaxation time used: ``tau_g`` (global), ``T_O / tr Cov_1``
        (projected: the variance-weighted mean of ``tau_o / 2``), 1/2 (independent).
    K : int
    """

    q: float
    method: str
    signal: float
    error: float
    bias2: float
    variance: float
    trace_cov: float
    time: float
    K: int

    def __float__(self):
        return float(self.q)


def _data(data_moments, n_params):
    if data_moments is None:
        return np.zeros(n_params)
    d = np.asarray(data_moments, dtype=np.float64)
    if d.shape != (n_params,):
        raise ValueError(f"data_moments must have shape ({n_params},) (edges, then biases if learned), "
                         f"got {d.shape}")
    return d


def _prediction(method, signal, bias2, variance, trace_cov, time, K):
    error = bias2 + variance
    q = signal / error if error > 0 else float("inf")
    return QPrediction(float(q), method, float(signal), float(error), float(bias2), float(variance),
                       float(trace_cov), float(time), int(K))


def _check_k(K):
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
        raise ValueError(f"K (samples per estimate) must be a positive integer, got {K!r}")
    return int(K)


def q_exact_independent(model, beta, K, *, data_moments=None, biases=True) -> QPrediction:
    r"""``Q`` for ``K`` independent exact samples: ``|g|^2 K / tr Cov_1``.

    Uses only exact moments (``Var(m_i m_j) = 1 - <m_i m_j>^2``,
    ``Var(m_i) = 1 - <m_i>^2``), so it works up to the enumeration limit (n <= 24).
    """
    K = _check_k(K)
    mom = boltzmann_moments(model, beta, biases=biases)
    g = _data(data_moments, mom.size) - mom
    tr = float(np.sum(1.0 - mom ** 2))
    return _prediction("independent", g @ g, 0.0, tr / K, tr, 0.5, K)


def _analysis(model_or_program, beta, scheme, biases, p_plus, analysis):
    if analysis is not None:
        return analysis
    return scheme_analysis(model_or_program, beta, scheme, biases=biases, p_plus=p_plus)


def _signal_bias(a, data_moments):
    g = _data(data_moments, a.target.size) - a.target
    b = a.relaxation.mean - a.target
    return float(g @ g), float(b @ b)


def predict_q_global_gap(model_or_program, beta, scheme, K, *, data_moments=None, biases=True,
                         p_plus=None, analysis=None) -> QPrediction:
    r"""``Q`` if every gradient observable relaxed at the global rate: ``E|ghat-g|^2 = tr Cov_1 2 tau_g / K``.

    ``tau_g = (1 + |lambda_2|) / (2 (1 - |lambda_2|))`` from the per-sweep
    spectrum.  Blind to symmetry: under zero field the slowest mode is odd and
    the even observables ``m_i m_j`` never see it.
    """
    K = _check_k(K)
    a = _analysis(model_or_program, beta, scheme, biases, p_plus, analysis)
    signal, bias2 = _signal_bias(a, data_moments)
    tr = float(a.relaxation.variance.sum())
    tau_g = 0.5 * a.spectrum.mode_integrated_time
    return _prediction("global_gap", signal, bias2, tr * 2.0 * tau_g / K, tr, tau_g, K)


def projected_time(relaxation):
    r"""``T_O = sum_o Var_o tau_o / 2``: the variance-weighted projected relaxation time."""
    var = relaxation.variance
    return float(np.sum(np.where(var > 0, var * np.nan_to_num(relaxation.tau, nan=0.0), 0.0)) / 2.0)


def predict_q_projected(model_or_program, beta, scheme, K, *, data_moments=None, biases=True,
                        p_plus=None, analysis=None) -> QPrediction:
    r"""``Q = (K/2) |g|^2 / T_O`` with ``T_O = sum_o Var_o tau_o / 2`` from each observable's own relaxation."""
    K = _check_k(K)
    a = _analysis(model_or_program, beta, scheme, biases, p_plus, analysis)
    signal, bias2 = _signal_bias(a, data_moments)
    t_o = projected_time(a.relaxation)
    tr = float(a.relaxation.variance.sum())
    return _prediction("projected", signal, bias2, 2.0 * t_o / K, tr, t_o / tr if tr > 0 else 0.5, K)


def _initial_law(initial, pi):
    if initial == "uniform":
        return np.full(pi.size, 1.0 / pi.size)
    if initial == "stationary":
        return pi.copy()
    raise ValueError(f"initial must be 'uniform' or 'stationary', got {initial!r}")


def q_exact_markov(model_or_program, beta, scheme, K, *, burn_in=100, initial="uniform", data_moments=None,
                  biases=True, p_plus=None, analysis=None) -> QPrediction:
    r"""Exact ``Q`` of a finite run: ``E|ghat - g|^2`` summed over all sample pairs.

    With ``mu_k`` the law of sample ``k`` (``mu_0 T^{B+k}``, ``mu_0`` uniform
    over states like the engines' random start, or ``pi``) and ``f0 = f - E_p f``::

        K^2 E|ghat-g|^2 = sum_o sum_k mu_k . (f0_o (f0_o + 2 sum_{j=1}^{K-k} T^j f0_o))

    Costs ``O(K)`` products with ``T`` (dense ``T``, n <= 10).  Includes
    burn-in bias, finite-``K`` correlations and the kernel's stationary bias.
    """
    K = _check_k(K)
    a = _analysis(model_or_program, beta, scheme, biases, p_plus, analysis)
    T = a.T
    if not isinstance(T, np.ndarray):
        raise ValueError("q_exact_markov needs a dense transition matrix (n <= 10)")
    mu = _initial_law(initial, a.pi)
    for _ in range(int(burn_in)):
        mu = mu @ T
    mus = np.empty((K, mu.size))
    for k in range(K):
        mu = mu @ T
        mus[k] = mu
    f0 = (a.F - a.target[:, None]).T                 # (states, n_obs)
    H = np.zeros_like(f0)
    h = f0
    total = 0.0
    for m in range(K):                              # sample k = K - m pairs with lags 1..m
        total += float(np.sum(mus[K - 1 - m] @ (f0 * (f0 + 2.0 * H))))
        h = T @ h
        H = H + h
    err = total / K ** 2
    mean_err = (mus.mean(axis=0) @ f0)
    bias2 = float(mean_err @ mean_err)
    signal, _ = _signal_bias(a, data_moments)
    tr = float(a.relaxation.variance.sum())
    return _prediction("exact_markov", signal, bias2, err - bias2, tr, float("nan"), K)


# ----------------------------------------------------------------- measurement
@dataclass(frozen=True)
class QMeasurement:
    r"""Operational ``Q = |g|^2 / mean_seeds |ghat - g|^2`` from independent replicas.

    Attributes
    ----------
    q : float
    q_low, q_high : float
        Approximate 95 % interval (normal approximation to the mean squared error).
    signal : float
        ``|g|^2``.
    error, error_se : float
        Mean over seeds of ``|ghat - g|^2`` and its standard error.
    bias2 : float
        ``|mean ghat - g|^2 - variance / n_seeds`` (unbiased for ``|E ghat - g|^2``; may be < 0).
    variance : float
        Trace of the covariance of ``ghat`` over seeds.
    squared_errors : ndarray (n_seeds,)
    K, burn_in, n_seeds : int
    method : str
        ``markov`` or ``engine:<name>``.
    """

    q: float
    q_low: float
    q_high: float
    signal: float
    error: float
    error_se: float
    bias2: float
    variance: float
    squared_errors: np.ndarray
    K: int
    burn_in: int
    n_seeds: int
    method: str

    def __float__(self):
        return float(self.q)


def _markov_means(T, pi, F, K, n_seeds, burn_in, initial, seed):
    """Mean of ``F`` over ``K`` samples of ``n_seeds`` exact replicas; ``(n_obs, n_seeds)``."""
    codes = sample_replicas(T, burn_in + K, initial=_initial_law(initial, pi), n_replicas=n_seeds, seed=seed)
    return F[:, codes[:, burn_in:]].mean(axis=2)


def _engine_means(model_or_program, beta, scheme, F, K, n_seeds, burn_in, seed):
    engine = {"random_scan": "sequential", "systematic": "sequential",
              "chromatic": "chromatic", "naive_parallel": "naive_parallel"}[scheme]
    scan = {"clock.scan": "random" if scheme == "random_scan" else "systematic"}
    if isinstance(model_or_program, Program):
        prog = dataclasses.replace(model_or_program, chip=model_or_program.chip.with_params(scan))
    else:
        prog = place_model(model_or_program, load_chip("ideal").with_params(scan))
    run = simulate(prog, sweeps=K, burn_in=burn_in, replicas=n_seeds, beta=beta, seed=seed, engine=engine)
    codes = states_to_codes(run.states)                  # (n_seeds, K)
    return F[:, codes].mean(axis=2), f"engine:{run.engine}"


def measure_q(model_or_program, beta, scheme, K, n_seeds, data_moments=None, seed=0, *, burn_in=100,
              method="markov", initial="uniform", biases=True, p_plus=None, analysis=None) -> QMeasurement:
    r"""Measure ``Q = |g|^2 / E|ghat - g|^2`` over ``n_seeds`` independent replicas.

    Each replica starts from a uniformly random state (``initial="uniform"``, as
    the engines do; or ``"stationary"``: drawn from the kernel's law), runs
    ``burn_in`` sweeps, then averages ``f`` over ``K`` samples, one per sweep;
    ``g`` is exact (enumeration).

    ``method="markov"`` (default) samples the exact per-sweep Markov matrix
    ``T`` directly (fast for n <= 10, and exactly the Markov chain the predictors
    analyse); ``method="engine"`` runs :func:`pbitsim.simulate` with the
    matching engine (sequential systematic/random scan, chromatic, naive
    parallel; start is then always the engines' random one).
    """
    K = _check_k(K)
    if isinstance(n_seeds, bool) or not isinstance(n_seeds, (int, np.integer)) or n_seeds < 2:
        raise ValueError(f"n_seeds must be an integer >= 2, got {n_seeds!r}")
    a = _analysis(model_or_program, beta, scheme, biases, p_plus, analysis)
    if method == "markov":
        if not isinstance(a.T, np.ndarray):
            raise ValueError("method='markov' needs a dense transition matrix (n <= 10); use method='engine'")
        means, label = _markov_means(a.T, a.pi, a.F, K, n_seeds, int(burn_in), initial, seed), "markov"
    elif method == "engine":
        if p_plus is not None:
            raise ValueError("method='engine' runs the chip's own datapath; p_plus cannot be given")
        means, label = _engine_means(model_or_program, beta, scheme, a.F, K, n_seeds, int(burn_in), seed)
    else:
        raise ValueError(f"method must be 'markov' or 'engine', got {method!r}")
    d = _data(data_moments, a.target.size)
    g = d - a.target
    diff = means - a.target[:, None]                 # ghat - g = -(mean f - E_p f)
    sq = np.sum(diff ** 2, axis=0)
    err, se = float(sq.mean()), float(sq.std(ddof=1) / np.sqrt(n_seeds))
    variance = float(np.sum(np.var(diff, axis=1, ddof=1)))
    mean_diff = diff.mean(axis=1)
    bias2 = float(mean_diff @ mean_diff - variance / n_seeds)
    signal = float(g @ g)
    q = signal / err if err > 0 else float("inf")
    lo_err, hi_err = err + 1.96 * se, max(err - 1.96 * se, 0.0)
    q_low = signal / lo_err if lo_err > 0 else float("inf")
    q_high = signal / hi_err if hi_err > 0 else float("inf")
    return QMeasurement(q, q_low, q_high, signal, err, se, bias2, variance, sq, K, int(burn_in),
                        int(n_seeds), label)
