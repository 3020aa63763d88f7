r"""The conformance suite every registered engine runs, on every one of its kernel paths.

For each engine of :data:`pbitsim.engines.registry.ENGINES` and each of its
:class:`~pbitsim.engines.registry.EnginePath`\ s, :func:`suite_cases` builds a
small program on the chip the path needs and names the exact law the run must
sample (its *reference*); :func:`check_case` runs it with a fixed seed and
asserts, through :mod:`pbitsim.testing.conformance` (z-scores against block
standard errors of the run itself, and the state histogram):

1. samples are consistent (shapes, ±1 states, energies of the physical model);
2. every marginal, edge correlation and the mean energy match the reference;
3. power: the same estimates are rejected against the reference at ``beta * 1.1``;
4. for engines that do not sample Boltzmann (naive parallel, delayed clocked
   reads): the estimates are also rejected against Boltzmann, so the error is
   shown, not hidden.

References
----------
- Ideal chip, chromatic / sequential (any layout), event ``clocked`` with ideal
  timing (colour phases, fresh reads) and event ``asynchronous`` without
  delays (Poisson p-bits = random-scan Gibbs): Boltzmann,
  :func:`pbitsim.analysis.exact.exact_law` of the physical model.
- ``naive_parallel`` (ideal chip or datapath): the stationary law of the
  synchronous kernel, :func:`pbitsim.analysis.kernel_law.kernel_stationary_law`
  (for the ideal chip Peretto's law ``∝ exp(beta h.m) prod_i cosh(beta I_i(m))``).
- Hardware datapath chips (fixed point + LUT + LFSR: the fast integer kernel;
  device variation: the generic kernel): the stationary law of the datapath
  kernel under the engine's schedule (colour sweeps, systematic scan, all at
  once; event clocked = colour sweeps; event asynchronous = random scan,
  :func:`pbitsim.analysis.kernel_law.random_scan_matrix`).
- Event ``clocked`` with a uniform synapse delay of 1.5 clock cycles on a
  bipartite (2-colour) model: every read is one phase stale, which is exactly
  the synchronous law (DESIGN "timing facts"); Boltzmann must be rejected.
- Event ``asynchronous`` with a synapse delay of ``1e-3`` neuron times: no
  closed-form law exists for delayed Poisson p-bits; the reference is the
  ``tau_s / tau_n -> 0`` limit, Boltzmann, whose deviation (``O(tau_s /
  tau_n)``) is far below the run's resolution.  This path exercises the
  delayed (FIFO) reads; the growth of the error with the delay is tested in
  ``tests/engines/test_event_engine.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..analysis.exact import exact_law, law_from_probs
from ..analysis.kernel_law import datapath_p_plus, kernel_stationary_law, random_scan_matrix, stationary
from ..chip.spec import chip_from_dict, load_chip
from ..compiler.pipeline import place_model
from ..engines.options import EngineOptions
from ..engines.registry import ENGINES
from ..engines.schedule import make_schedule
from ..models import IsingModel
from .conformance import assert_matches_law, assert_rejects_law, assert_samples_consistent, block_statistics

#: a frustrated triangle (0-1-2) plus a fourth spin, with fields: 3 colours
FRUSTRATED = IsingModel.from_dense(
    [[0, 1.0, -1.0, 0.5], [1.0, 0, 1.0, -0.7], [-1.0, 1.0, 0, 0.8], [0.5, -0.7, 0.8, 0]], [0.2, -0.1, 0.3, 0.0])
#: a 4-ring (bipartite: 2 colours) with fields, coupled strongly enough that stale reads show
RING = IsingModel.from_edges([0, 1, 2, 0], [1, 2, 3, 3], [1.0, -0.8, 1.2, 0.7], [0.3, -0.2, 0.1, 0.25])
BETA = 1.0
WRONG_BETA = 1.1
Z_MAX = 5.0


def fixed_format(total, frac, overflow="saturate"):
    """A ``[weights]``/``[bias]``/``[accumulator]`` table for a signed fixed-point format."""
    return {"format": "fixed", "total_bits": total, "frac_bits": frac, "overflow": overflow}


def ideal_chip_with(**sections):
    """The ideal chip (the model's own graph) with section overrides, e.g. ``pbit={"activation": "lut"}``."""
    d = load_chip("ideal").to_dict()
    for sec, keys in sections.items():
        d[sec].update(keys)
    return chip_from_dict(d, source="test chip")


def random_ising(n, seed, j_scale=1.0, h_scale=0.5, density=0.7):
    """A seeded random Ising model: ``J_ij ~ U[-j, j]`` on a random ``density`` of pairs, ``h ~ U[-h, h]``."""
    rng = np.random.default_rng(seed)
    J = np.triu(rng.uniform(-j_scale, j_scale, (n, n)) * (rng.random((n, n)) < density), 1)
    return IsingModel.from_dense(J + J.T, rng.uniform(-h_scale, h_scale, n))


#: engines that are also ``[clock] mode`` values of a chip (others run on the default clock)
CLOCK_MODES = ("chromatic", "naive_parallel", "sequential", "clocked", "asynchronous")
#: chip sections of each datapath family a path may need
DATAPATHS = {
    "ideal": {},
    "fixed": {"weights": fixed_format(8, 4), "bias": fixed_format(8, 4), "accumulator": fixed_format(12, 4),
              "pbit": {"activation": "lut", "lut_input_bits": 6, "lut_output_bits": 16},
              "rng": {"kind": "xoroshiro"}},  # an LFSR is not Markov in the state: no exact kernel law
    "analog": {"pbit": {"gain_sigma": 0.15, "offset_sigma": 0.1}},
}


@dataclass(frozen=True)
class SuiteCase:
    """One engine path on one program, with the law it must sample."""

    engine: str
    path: str
    program: object
    runner: object          # the registered Engine
    options: EngineOptions
    reference: str          # "boltzmann", "sweep" (kernel law of a schedule), "random_scan"
    schedule_mode: str      # the phase schedule of the kernel law
    boltzmann_expected: bool
    replicas: int = 32
    sweeps: int = 2000

    @property
    def id(self):
        return f"{self.engine}-{self.path}"


def _chip(engine, path):
    sections = {k: dict(v) for k, v in DATAPATHS[path.datapath].items()}
    clock = {"mode": engine.name} if engine.name in CLOCK_MODES else {}
    if engine.name == "clocked":
        clock["frequency_mhz"] = 1000.0                        # one colour phase = 1 ns
    sections["clock"] = {**sections.get("clock", {}), **clock}
    if path.delays:
        delay = 1.5 if engine.name == "clocked" else 1e-3 * load_chip("ideal").timing.neuron_time_ns
        sections["timing"] = {"synapse_delay_ns": delay}
    return ideal_chip_with(**sections)


def _case(engine, path) -> SuiteCase:
    model = RING if (path.delays and engine.name == "clocked") else FRUSTRATED
    program = place_model(model, _chip(engine, path))
    options = EngineOptions(**dict(path.options))
    ideal = path.datapath == "ideal"
    if engine.name == "asynchronous":
        ref, mode = ("boltzmann", "") if ideal else ("random_scan", "")
    elif engine.name == "clocked" and path.delays:
        ref, mode = "sweep", "naive_parallel"                  # one phase stale: the synchronous law
    elif engine.law == "kernel":
        ref, mode = "sweep", engine.name
    elif ideal:
        ref, mode = "boltzmann", ""
    else:
        ref, mode = "sweep", "chromatic" if engine.name == "clocked" else engine.name
    synchronous = mode == "naive_parallel"
    return SuiteCase(engine.name, path.name, program, engine, options, ref, mode,
                     boltzmann_expected=not synchronous)


def suite_cases(engines=None):
    """Every (engine, path) of the registry (or of ``engines``, a name -> Engine mapping)."""
    engines = ENGINES if engines is None else engines
    return [_case(e, p) for e in engines.values() for p in e.paths]


def reference_law(case: SuiteCase, beta):
    """The :class:`~pbitsim.analysis.exact.ExactLaw` ``case`` must sample at the user's ``beta``.

    Boltzmann of the physical model at the physical beta, or the kernel law (whose functions take the
    user's beta and convert it themselves); ``ExactLaw.beta`` is the physical beta.
    """
    physical = case.program.physical
    boltzmann = exact_law(physical, physical_beta(case, beta))
    if case.reference == "boltzmann":
        return boltzmann
    if case.reference == "random_scan":
        probs = stationary(random_scan_matrix(datapath_p_plus(case.program, beta)).toarray())
    else:
        probs = kernel_stationary_law(case.program, beta, case.schedule_mode)
    return law_from_probs(probs, boltzmann.energies, boltzmann.beta)


def physical_beta(case: SuiteCase, beta=BETA):
    """The inverse temperature the kernels run: ``beta`` times the program's scale (``beta_factor``)."""
    return float(beta) * float(case.program.beta_factor)


def run_case(case: SuiteCase, seed, beta=BETA):
    """Run ``case`` through its registered engine (burn-in 200 sweeps) at the physical ``beta``."""
    schedule = make_schedule(case.sweeps, 200, 1, case.replicas, physical_beta(case, beta), seed)
    return case.runner.run(case.program, schedule, case.options)


def check_case(case: SuiteCase, seed=7, *, z_max=Z_MAX):
    """Run ``case`` and assert the law, the power check at ``beta * 1.1`` and, where Boltzmann is wrong,
    its rejection.  Returns ``(BlockStatistics, reference ExactLaw)``."""
    samples = run_case(case, seed)
    physical = case.program.physical
    assert_samples_consistent(samples, physical, replicas=case.replicas)
    stats = block_statistics(samples, physical, beta=physical_beta(case))
    law = reference_law(case, BETA)
    assert_matches_law(stats, law, z_max=z_max)
    assert_rejects_law(stats, reference_law(case, BETA * WRONG_BETA), z_max=z_max)
    if not case.boltzmann_expected:
        assert_rejects_law(stats, exact_law(physical, physical_beta(case)), z_max=z_max)
    return stats, law
