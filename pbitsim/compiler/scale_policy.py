r"""Scale policies: how :func:`pbitsim.compile` chooses the scale ``s`` (``beta_factor = 1/s``).

On a fixed-point chip the programmed values are ``q(s x)`` and the chip runs at
``beta / s``, so ``s`` trades resolution against range: a small ``s`` rounds
small couplings to zero, a large one saturates the weight/bias formats and
the accumulator.  With a lookup-table activation the table is rebuilt for
``beta / s`` too, so choosing ``s`` also chooses the β/LUT setting
(``[accumulator] beta_shift`` is wiring of the chip and is kept).

Policies (``ps.compile(model, chip, scale=...)``, ``pbitsim compile --scale``):

``"percentile"`` (the default, the rule of :mod:`pbitsim.compiler.quantize`)
    ``s0 = min(W_max / ref|J|, B_max / ref|h|)``, ``ref`` the maximum or the
    ``percentile`` of the magnitudes.  No search, no sampling.
``"law"``
    Minimise the distance of the sampled law from the target (exact kernel law
    on small models, a layer/histogram KL or moment matching on large ones:
    :mod:`pbitsim.compiler.scale_objectives`).
``"gradient"``
    Minimise the gradient's squared bias (or, ``objective="q"``, maximise Q on
    ``data``).
a positive number
    That scale, as given.

or a :class:`ScalePolicy` (or a dict of its fields) for the search settings.

The search is deterministic (every candidate sampled with the same seed) and
bounded: candidates ``s0 * span**(k/2)``, ``k = -2..2``, on a log scale (today's
rule ``s0`` always among them), then a pattern refinement around the best one
(the step on ``log s`` halves each round) until ``candidates`` evaluations, the
wall-time budget ``max_seconds`` (checked before each new candidate; at least
one is always evaluated) or a step below 1 % of ``s``.  What it tried is a
:class:`ScaleSearch` on ``program.report["scale_search"]`` (and
:attr:`Program.scale_search`).
"""
from __future__ import annotations

import math
import numbers
import time
from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from ..errors import PbitsimError

__all__ = ["ScalePolicy", "ScaleCandidate", "ScaleSearch", "POLICIES", "scale_policy", "search_scale",
           "scale_has_effect", "select_scale", "scale_report", "scale_lines", "for_estimator"]

POLICIES = ("percentile", "law", "gradient", "fixed")
OBJECTIVES = ("bias", "q")
#: the refinement stops when the step on log s falls below this (1 % of s)
MIN_LOG_STEP = math.log(1.01)


@dataclass(frozen=True)
class ScalePolicy:
    r"""How to choose the scale ``s`` (chip units per logical unit).

    Attributes
    ----------
    name : {"percentile", "law", "gradient", "fixed"}
    percentile : float in (0, 100]
        Reference magnitude of the percentile rule (also the search's start ``s0``).
    value : float, optional
        The scale of ``fixed``.
    candidates : int >= 1
        Budget of candidate scales evaluated by a search.
    span : float > 1
        The coarse grid covers ``[s0 / span, s0 * span]``.
    max_seconds : float > 0
        Wall-time budget of the search (seconds).
    replicas, sweeps, burn_in : int
        The seeded run of each candidate (``law`` without an exact kernel, ``gradient``),
        and of the ideal reference when one is needed.
    beta : float > 0
        The user's inverse temperature the program will run at.
    data : str, path, array or None
        Data for Q (``gradient``); ``"digits"`` for the shipped digits.
    objective : {"bias", "q"}
        ``gradient``: minimise bias^2, or the mean squared error of one replica's estimate (max Q).
    seed : int or None
        Seed of the candidate runs (None: the compile seed).
    chain_levels : tuple of float in (0, 1]
        Chain-coupler levels (fractions of the weight format's largest value) a search also tries
        at its best scale, when the program has chains and ``chain_strength`` was not given: on a
        narrow accumulator a chain coupler at full range saturates the input of every p-bit
        with two chain neighbours, whatever its field.  ``()``: keep the compile's chain strength.
    check_sweeps : int >= 0
        Sweeps of the short seeded run (8 replicas, after ``check_sweeps // 2`` burn-in) that
        measures the saturation rate of a program not chosen by a sampled search; 0: not measured.
    """

    name: str = "percentile"
    percentile: float = 100.0
    value: float | None = None
    candidates: int = 12
    span: float = 4.0
    max_seconds: float = 60.0
    replicas: int = 16
    sweeps: int = 800
    burn_in: int = 200
    beta: float = 1.0
    data: object = None
    objective: str = "bias"
    seed: int | None = None
    check_sweeps: int = 64
    chain_levels: tuple = (0.25, 0.5, 0.75)

    def __post_init__(self):
        def bad(field, value, why):
            raise PbitsimError(f"scale policy {field} = {value!r}: {why}")

        if self.name not in POLICIES:
            bad("name", self.name, f"unknown policy; allowed: {', '.join(POLICIES)} (or a positive number)")
        if not _positive(self.percentile) or self.percentile > 100:
            bad("percentile", self.percentile, "must be in (0, 100]")
        if self.name == "fixed" and not _positive(self.value):
            bad("value", self.value, "the fixed scale must be a positive finite number")
        for key, lo in (("candidates", 1), ("replicas", 2), ("sweeps", 1), ("burn_in", 0), ("check_sweeps", 0)):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < lo:
                bad(key, v, f"must be an integer >= {lo}")
        if not _positive(self.span) or self.span <= 1:
            bad("span", self.span, "must be a finite number > 1")
        for key in ("max_seconds", "beta"):
            if not _positive(getattr(self, key)):
                bad(key, getattr(self, key), "must be a positive finite number")
        levels = self.chain_levels
        if not isinstance(levels, (tuple, list)) or not all(_positive(x) and x <= 1 for x in levels):
            bad("chain_levels", levels, "must be a list of fractions in (0, 1]")
        object.__setattr__(self, "chain_levels", tuple(float(x) for x in levels))
        if self.objective not in OBJECTIVES:
            bad("objective", self.objective, f"allowed: {', '.join(OBJECTIVES)}")
        if self.objective == "q" and self.data is None:
            bad("objective", self.objective, "maximising Q needs data (give data=...)")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral)):
            bad("seed", self.seed, "must be an integer or None")

    @property
    def searches(self) -> bool:
        return self.name in ("law", "gradient")

    def describe(self) -> str:
        if self.name == "fixed":
            return f"fixed {self.value:g}"
        if self.name == "percentile":
            return f"percentile {self.percentile:g}"
        extra = f", objective {self.objective}" if self.name == "gradient" else ""
        return (f"{self.name} (<= {self.candidates} candidates over s0 x [1/{self.span:g}, {self.span:g}], "
                f"<= {self.max_seconds:g} s{extra})")


def _positive(x) -> bool:
    return (isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(float(x))
            and float(x) > 0)


def scale_policy(spec=None, percentile=100.0) -> ScalePolicy:
    """A :class:`ScalePolicy` from what ``ps.compile(scale=...)`` accepts.

    ``None`` (the percentile rule at ``percentile``), a policy name, a positive
    number (fixed), a number in a string (``"4.5"``), a :class:`ScalePolicy` or a
    dict of its fields (``{"name": "gradient", "candidates": 5}``).
    """
    if spec is None:
        return ScalePolicy("percentile", percentile=float(percentile))
    if isinstance(spec, ScalePolicy):
        return spec
    if isinstance(spec, dict):
        names = {f.name for f in fields(ScalePolicy)}
        unknown = sorted(set(spec) - names)
        if unknown:
            raise PbitsimError(f"scale policy: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(names))}")
        return ScalePolicy(**{"percentile": float(percentile), **spec})
    if isinstance(spec, str):
        word = spec.strip().lower()
        if word in POLICIES and word != "fixed":
            return ScalePolicy(word, percentile=float(percentile))
        try:
            spec = float(word)
        except ValueError:
            raise PbitsimError(f"unknown scale policy {spec!r}; allowed: percentile, law, gradient, "
                               "or a positive number (the scale itself)") from None
    if isinstance(spec, numbers.Real) and not isinstance(spec, bool):
        if not _positive(spec):
            raise PbitsimError(f"scale must be a positive finite number, got {spec!r}")
        return ScalePolicy("fixed", percentile=float(percentile), value=float(spec))
    raise PbitsimError(f"scale must be a policy name (percentile, law, gradient), a positive number or a "
                       f"ScalePolicy, got {type(spec).__name__} {spec!r}")


@dataclass(frozen=True)
class ScaleCandidate:
    """One evaluated scale: ``objective`` (lower is better) and what quantization did there."""

    scale: float
    objective: float
    stderr: float | None = None
    fraction_zeroed_J: float = 0.0
    saturation_rate: float | None = None
    q: float | None = None
    seconds: float = 0.0
    chain_strength_physical: float = 0.0
    chain_level: float | None = None


@dataclass(frozen=True)
class ScaleSearch:
    """What a scale policy tried and chose (JSON round trip: :meth:`to_dict` / :meth:`from_dict`).

    ``candidates`` in evaluation order; ``start_scale`` is today's rule's ``s0``;
    ``stopped``: ``budget`` (candidates used up), ``time`` (``max_seconds``),
    ``converged`` (step below 1 %) or ``no search`` (percentile / fixed / a
    datapath on which the scale changes nothing).
    """

    policy: str
    objective_name: str
    reference: str
    candidates: tuple
    chosen_scale: float
    chosen_objective: float | None
    start_scale: float
    stopped: str
    seconds: float
    chosen_chain_strength_physical: float | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["candidates"] = [asdict(c) for c in self.candidates]
        return d

    @classmethod
    def from_dict(cls, d) -> "ScaleSearch":
        known_c = {f.name for f in fields(ScaleCandidate)}
        cands = tuple(ScaleCandidate(**{k: v for k, v in c.items() if k in known_c}) for c in d.get("candidates", ()))
        known = {f.name for f in fields(cls)}
        return cls(**{**{k: v for k, v in d.items() if k in known}, "candidates": cands})

    def table(self) -> str:
        """One line per candidate (what ``pbitsim compile`` prints)."""
        lines = [f"  {'scale':>10s} {'chain':>6s} {'objective':>12s} {'zeroed J':>9s} {'saturation':>11s} {'Q':>8s}"]
        for c in self.candidates:
            mark = " <- chosen" if (c.scale, c.chain_strength_physical) == (
                self.chosen_scale, self.chosen_chain_strength_physical) else ""
            sat = "-" if c.saturation_rate is None else f"{100 * c.saturation_rate:.2f}%"
            q = "-" if c.q is None else f"{c.q:.3g}"
            lines.append(f"  {c.scale:10.4g} {c.chain_strength_physical:6.3g} {c.objective:12.4g} "
                         f"{100 * c.fraction_zeroed_J:8.1f}% {sat:>11s} {q:>8s}{mark}")
        return "\n".join(lines)


def scale_has_effect(chip) -> bool:
    """False for a float datapath with an exact tanh and no scale-dependent noise: ``s`` cancels there."""
    p, w = chip.pbit, chip.weights
    return bool(chip.is_fixed_point or p.activation != "tanh" or p.input_noise_sigma > 0 or p.offset_sigma > 0
                or w.mismatch_abs_sigma > 0)


def search_scale(policy, s0, build, objective, *, chain_levels=()):
    r"""Run the bounded search from ``s0``; returns ``(scale, chain level, ScaleSearch)``.

    ``build(s, level) -> (Quantized, Program)``; ``level`` is ``None`` (the
    compile's chain strength) or a fraction of the weight format's largest value
    for the chain couplers.  Stages: the log grid and its refinement over ``s``;
    then, with ``chain_levels``, each level at the best ``s``, and ``s`` refined
    once more (one step each side) at the best level.  The budget
    ``policy.candidates`` covers all stages.
    """
    t0 = time.perf_counter()
    deadline = t0 + policy.max_seconds
    tried = {}          # (log-scale key, level) -> ScaleCandidate
    order = []
    state = {"stopped": "budget"}

    def room():
        if len(tried) >= policy.candidates:
            return False
        if tried and time.perf_counter() >= deadline:
            state["stopped"] = "time"
            return False
        return True

    def evaluate(log_s, level):
        key = (round(log_s, 6), level)
        if key in tried or not room():
            return
        t = time.perf_counter()
        q, program = build(float(math.exp(log_s)), level)
        res = objective.evaluate(program)
        val = float(res["objective"])
        cand = ScaleCandidate(float(q.scale), val if math.isfinite(val) else float("inf"), res.get("stderr"),
                              float(q.report["fraction_zeroed_J"]), res.get("saturation_rate"), res.get("q"),
                              time.perf_counter() - t, float(q.chain), level)
        tried[key] = cand
        order.append(cand)

    def best(level=False):
        keys = [k for k in tried if level is False or k[1] == level]
        return min(keys, key=lambda k: (tried[k].objective, abs(k[0] - l0), k[1] is not None))

    l0 = math.log(s0)
    half = 0.5 * math.log(policy.span)
    reserve = len(chain_levels) + 2 if chain_levels else 0
    scale_budget = max(1, policy.candidates - reserve)
    for j in (0, -1, 1, -2, 2):                  # today's rule first: the search is never worse than it
        if len(tried) < scale_budget:
            evaluate(l0 + j * half, None)
    step = half / 2
    while len(tried) < scale_budget and state["stopped"] == "budget":
        if step < MIN_LOG_STEP:
            state["stopped"] = "converged"
            break
        centre = best()[0]
        for ls in (centre - step, centre + step):
            if len(tried) < scale_budget:
                evaluate(ls, None)
        step /= 2
    if chain_levels and state["stopped"] != "time":
        centre = best()[0]
        for level in chain_levels:
            evaluate(centre, float(level))
        ls, level = best()
        for d in (-half / 2, half / 2):
            evaluate(ls + d, level)
    chosen = tried[best()]
    if state["stopped"] == "converged" and len(tried) >= policy.candidates:
        state["stopped"] = "budget"
    search = ScaleSearch(policy.name, objective.name, objective.reference, tuple(order), chosen.scale,
                         chosen.objective, float(s0), state["stopped"], time.perf_counter() - t0,
                         chosen.chain_strength_physical)
    return chosen.scale, chosen.chain_level, search


def no_search(policy, s, s0, why="no search") -> ScaleSearch:
    """The record of a policy that did not search (percentile, fixed, or a scale-free datapath)."""
    return ScaleSearch(policy.name, "", "", (), float(s), None, float(s0), why, 0.0)


#: mixed into the compile seed for the search's runs (see :func:`with_seed`)
SEARCH_STREAM = 0x5CA1E


def with_seed(policy, seed) -> ScalePolicy:
    """``policy`` with a search seed derived from the compile ``seed`` when it has none.

    Derived, not equal: a run of the program with the compile's seed (``simulate(program,
    seed=seed)``, a sweep point's gradient metrics) must not replay the very samples the
    search selected on, or the selection's luck would show up as a smaller measured bias.
    """
    if policy.seed is not None:
        return policy
    derived = int(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, SEARCH_STREAM]).generate_state(1)[0])
    return replace(policy, seed=derived)


#: p-bit updates of the saturation check at most (large programs run fewer replicas and sweeps)
MAX_CHECK_UPDATES = 5_000_000


def check_saturation(program, policy, seed):
    """Saturation rate of ``program`` from a short seeded run of itself (``policy.check_sweeps``), or None."""
    from .quantize import saturation_rate

    if not program.chip.is_fixed_point or policy.check_sweeps == 0 or program.n_physical == 0:
        return None if not program.chip.is_fixed_point else (0.0 if program.n_physical == 0 else None)
    from ..simulate import simulate
    from .quantize import MAX_SATURATION_ELEMENTS

    n = program.n_physical
    sweeps = policy.check_sweeps
    replicas = int(min(8, max(1, MAX_CHECK_UPDATES // (n * (sweeps + sweeps // 2)))))
    sweeps = int(max(2, min(sweeps, MAX_CHECK_UPDATES // (n * replicas) * 2 // 3)))
    rows = max(1, MAX_SATURATION_ELEMENTS // n)            # stored states: at most this many rows
    thin = max(1, -(-replicas * sweeps // rows))
    run = simulate(program, sweeps=sweeps, burn_in=sweeps // 2, thin=thin, replicas=replicas, beta=policy.beta,
                   seed=int(seed))
    return saturation_rate(program.physical, program.chip, run.states)


def for_estimator(spec, run=None):
    """The policy of ``spec`` set up to measure a sweep's gradient estimator ``run`` (a ``[run]`` dict).

    A search policy then runs ``max(16, estimates)`` replicas of ``samples_per_estimate``
    samples after ``burn_in`` sweeps at ``beta``, and reads Q on ``data``: it
    minimises the bias of the estimator the sweep measures.  Other specs pass through.
    """
    if spec is None or run is None:
        return spec
    policy = scale_policy(spec)
    if not policy.searches:
        return policy
    return replace(policy, data=run.get("data", "digits"), beta=float(run.get("beta", 1.0)),
                   burn_in=int(run.get("burn_in", policy.burn_in)),
                   sweeps=int(run.get("samples_per_estimate", policy.sweeps)),
                   replicas=max(16, int(run.get("estimates", policy.replicas))))


def select_scale(policy, quantize, make_program, target, chip, seed, *, chains_free=False):
    """Apply ``policy``: ``(Quantized, ScaleSearch, saturation rate)`` of the chosen scale.

    ``quantize(s, K)`` quantizes the placed model at scale ``s`` (``None``: the
    percentile rule) with chain strength ``K`` (logical units; ``None``: the
    compile's), ``make_program(Quantized)`` builds a candidate Program,
    ``target`` is the model the user gave (RBM or IsingModel) and ``seed`` the
    compile seed (the search's unless the policy has its own).  ``chains_free``:
    the program has chain couplers and the user did not fix their strength, so
    a search may also choose their level (``policy.chain_levels``).
    """
    from .quantize import format_target, number_format
    from .scale_objectives import make_objective

    q0 = quantize(None, None)
    s0 = q0.scale
    if policy.name == "fixed":
        q, search = quantize(policy.value, None), None
    elif policy.name == "percentile":
        q, search = q0, None
    elif not scale_has_effect(chip):
        q, search = q0, no_search(policy, s0, s0, "no search: the scale cancels on this datapath")
    else:
        pol = with_seed(policy, seed)
        wfmt = number_format(chip, "weights", saturate=True)
        levels = tuple(policy.chain_levels) if chains_free and wfmt is not None else ()
        w_max = format_target(wfmt) if wfmt is not None else None
        built = {}

        def build(s, level):
            qs = quantize(s, None if level is None else level * w_max / s)
            built[(qs.scale, level)] = qs
            return qs, make_program(qs)

        s, level, search = search_scale(pol, s0, build, make_objective(pol, target, pol.seed), chain_levels=levels)
        chosen = next(c for c in search.candidates if (c.scale, c.chain_level) == (s, level))
        return built[(s, level)], search, chosen.saturation_rate
    if search is None:
        search = no_search(policy, q.scale, s0)
    if not chip.is_fixed_point:               # nothing saturates: no candidate program to build or run
        return q, search, None
    return q, search, check_saturation(make_program(q), policy, seed)


def scale_report(policy, search, saturation) -> dict:
    """The compile report's scale-policy keys (JSON-ready)."""
    return {"scale_policy": policy.name, "scale_policy_detail": policy.describe(),
            "scale_objective": search.objective_name or None,
            "scale_objective_value": _finite_or_none(search.chosen_objective),
            "percentile_rule_scale": float(search.start_scale),
            "saturation_rate": _finite_or_none(saturation),
            "scale_search": search.to_dict()}


def scale_lines(r) -> list:
    """Lines of ``pbitsim compile``'s report about the scale: policy, choice, zeros, saturation, candidates."""
    g = lambda k: "-" if r.get(k) is None else f"{r[k]:.6g}"  # noqa: E731
    lines = [f"scale           {g('scale')} (beta_factor {g('beta_factor')}; policy "
             f"{r.get('scale_policy_detail', 'percentile ' + g('percentile'))}; percentile rule "
             f"{g('percentile_rule_scale') if 'percentile_rule_scale' in r else g('scale')})"]
    if r.get("scale_objective"):
        lines.append(f"objective       {r['scale_objective']} = {g('scale_objective_value')}")
    sat = r.get("saturation_rate")
    lines.append(f"zeroed / sat.   {100 * r.get('fraction_zeroed_J', 0.0):.2f}% of couplings quantized to 0; "
                 + ("accumulator saturation rate -" if sat is None else
                    f"accumulator saturates in {100 * sat:.2f}% of updates (own samples)"))
    search = r.get("scale_search") or {}
    if search.get("candidates"):
        s = ScaleSearch.from_dict(search)
        lines.append(f"scale search    {len(s.candidates)} candidates in {s.seconds:.2f} s, stopped: {s.stopped}; "
                     f"reference: {s.reference}")
        lines.append(s.table())
    return lines


def _finite_or_none(x):
    return None if x is None or not np.isfinite(x) else float(x)
