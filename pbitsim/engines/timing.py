r"""Timing of one chip instance: when each p-bit updates and how late it hears its neighbours.

A :class:`TimingSpec` is derived from a chip's ``[clock]`` and ``[timing]``
sections and the program's colouring.  Its random parts (device-to-device
spread of the neuron time, static clock skew, per-edge synapse delays) are
drawn once from a seed — by default the chip's ``[pbit] variation_seed``, so a
chip description always denotes the same physical devices — and are shared by
all replicas.  All times are in ns, p-bits in physical order.

Event sources
-------------
``asynchronous``
    p-bit ``i`` updates at the points of a Poisson process of rate
    ``1/tau_i``.  ``tau_i`` is lognormal with mean ``neuron_time_ns`` and
    relative standard deviation ``neuron_time_sigma``:
    ``tau_i = tau * exp(s z_i - s^2/2)``, ``s^2 = log(1 + sigma^2)``,
    ``z_i ~ N(0, 1)`` (lognormal keeps every time positive and has exactly the
    requested mean and relative spread).  One *sweep* lasts ``neuron_time_ns``:
    on average every p-bit updates once per sweep.
``clocked``
    A clock of ``frequency_mhz`` runs one colour phase per cycle of
    ``T = 1000 / frequency_mhz`` ns, so the p-bits of colour ``c`` (of ``C``)
    nominally update at ``t = k C T + (c + 1/2) T``, ``k = 0, 1, ...``; one
    *sweep* is the period ``P = C T``.  P-bit ``i`` adds a static skew
    ``s_i ~ N(0, skew_ps)`` to all its updates and each update adds a fresh
    jitter ``N(0, jitter_ps)`` (ps converted to ns).

Synapse and output
------------------
``synapse_delay_ns`` (``d``) with per-edge spread ``synapse_delay_sigma_ns``:
the delay of directed edge ``j -> i`` (``i`` reads ``j``) is
``max(0, d + sigma z_ij)``, drawn independently per direction (two wires).
``response_time_ns`` (``tau_r``): the output a p-bit shows its neighbours
follows its internal state through a memoryless lag — whenever output and
state differ, the output catches up after an ``Exp(tau_r)`` time (a state
that flips back first cancels the pending catch-up).  After a state change the
mean output then relaxes as ``1 - exp(-t / tau_r)``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..errors import PbitsimError

MODES = ("asynchronous", "clocked")

# sub-stream tags: changing one spread never changes the draws of another
_TAG_NEURON, _TAG_SKEW, _TAG_DELAY = 0x7A01, 0x7A02, 0x7A03


@dataclass(frozen=True, eq=False)
class TimingSpec:
    """Event times and delays of one chip instance (ns, physical p-bit order).

    Attributes
    ----------
    mode : str
        ``"asynchronous"`` (Poisson p-bits) or ``"clocked"``.
    sweep_ns : float
        Chip time of one sweep: ``neuron_time_ns`` (asynchronous) or
        ``n_colours / frequency`` (clocked).
    neuron_time_ns : float64 (n,)
        Mean time between updates of each Poisson p-bit (asynchronous mode).
    period_ns : float
        Clocked: time between two updates of one p-bit (``n_colours`` cycles).
    phase_ns : float64 (n,)
        Clocked: offset of p-bit ``i``'s updates in the period, skew included
        (update ``k`` nominally at ``k * period_ns + phase_ns[i]``).
    jitter_ns : float
        Clocked: standard deviation of the per-update jitter.
    delay_ns : float64 (nnz,)
        Synapse delay per CSR entry of ``program.physical.J`` (row ``i``
        reads column ``j``).
    response_time_ns : float
        Mean output catch-up time (0: the output is the state).
    seed : int
        Seed the random parts were drawn from.
    """

    mode: str
    sweep_ns: float
    neuron_time_ns: np.ndarray
    period_ns: float
    phase_ns: np.ndarray
    jitter_ns: float
    delay_ns: np.ndarray
    response_time_ns: float
    seed: int

    @property
    def n(self):
        return self.neuron_time_ns.shape[0]

    @property
    def max_delay_ns(self):
        return float(self.delay_ns.max()) if self.delay_ns.size else 0.0

    @property
    def equal_rates(self):
        """All Poisson p-bits share one rate (the O(1) uniformization shortcut applies)."""
        t = self.neuron_time_ns
        return bool(t.size == 0 or np.all(t == t[0]))

    @property
    def min_update_interval_ns(self):
        """A time scale below which a p-bit rarely updates twice (sizing history buffers)."""
        if self.mode == "asynchronous":
            return float(self.neuron_time_ns.min()) if self.n else 1.0
        return max(self.period_ns - 6.0 * self.jitter_ns, 0.1 * self.period_ns)

    def replace(self, **changes) -> "TimingSpec":
        """A copy with some fields replaced (e.g. hand-made phases in tests); re-validated."""
        return validate_timing(dataclasses.replace(self, **changes), self.n, self.delay_ns.shape[0])

    def summary(self) -> dict:
        """Scalars describing this timing (goes into ``Samples.info``)."""
        out = {"timing_mode": self.mode, "sweep_ns": self.sweep_ns,
               "synapse_delay_ns_mean": float(self.delay_ns.mean()) if self.delay_ns.size else 0.0,
               "synapse_delay_ns_max": self.max_delay_ns, "response_time_ns": self.response_time_ns,
               "timing_seed": self.seed}
        if self.mode == "asynchronous":
            out["neuron_time_ns_mean"] = float(self.neuron_time_ns.mean()) if self.n else 0.0
        else:
            out.update(period_ns=self.period_ns, jitter_ns=self.jitter_ns)
        return out


def lognormal_times(mean, rel_sigma, n, rng):
    """``n`` lognormal times with the given mean and relative standard deviation."""
    if rel_sigma == 0.0:
        return np.full(n, float(mean))
    s2 = np.log1p(rel_sigma ** 2)
    return mean * np.exp(np.sqrt(s2) * rng.standard_normal(n) - 0.5 * s2)


def edge_delays(indptr, mean_ns, sigma_ns, rng):
    """Per-CSR-entry delays ``max(0, mean + sigma z)`` (float64 (nnz,))."""
    nnz = int(indptr[-1])
    if sigma_ns == 0.0:
        return np.full(nnz, float(mean_ns))
    return np.maximum(0.0, mean_ns + sigma_ns * rng.standard_normal(nnz))


def timing_from_program(program, mode=None, *, seed=None) -> TimingSpec:
    """Draw the :class:`TimingSpec` of ``program``'s chip (``mode`` overrides ``[clock] mode``).

    ``seed`` defaults to the chip's ``[pbit] variation_seed``.
    """
    chip = program.chip
    mode = mode or chip.clock.mode
    if mode not in MODES:
        raise PbitsimError(f"chip {chip.name!r}: the event engine runs clock modes "
                           f"{' or '.join(MODES)}, got {mode!r}")
    seed = int(chip.pbit.variation_seed if seed is None else seed)
    tm, clk = chip.timing, chip.clock
    n = program.n_physical
    indptr, _, _ = program.physical.csr()
    delays = edge_delays(indptr, tm.synapse_delay_ns, tm.synapse_delay_sigma_ns,
                         np.random.default_rng([seed, _TAG_DELAY]))
    tau = lognormal_times(tm.neuron_time_ns, tm.neuron_time_sigma, n,
                          np.random.default_rng([seed, _TAG_NEURON]))
    cycle_ns = 1e3 / clk.frequency_mhz
    n_colours = max(int(program.colouring.n_colours), 1)
    colours = np.asarray(program.colouring.colours, dtype=np.float64)
    skew = 1e-3 * clk.skew_ps * np.random.default_rng([seed, _TAG_SKEW]).standard_normal(n)
    phase = (colours + 0.5) * cycle_ns + skew
    sweep_ns = float(tm.neuron_time_ns) if mode == "asynchronous" else n_colours * cycle_ns
    spec = TimingSpec(mode=mode, sweep_ns=sweep_ns, neuron_time_ns=tau, period_ns=n_colours * cycle_ns,
                      phase_ns=phase, jitter_ns=1e-3 * clk.jitter_ps, delay_ns=delays,
                      response_time_ns=float(tm.response_time_ns), seed=seed)
    return validate_timing(spec, n, int(indptr[-1]))


def validate_timing(spec: TimingSpec, n, nnz) -> TimingSpec:
    """Check shapes and values of a (possibly hand-made) spec; returns it with float64 arrays."""
    if spec.mode not in MODES:
        raise PbitsimError(f"timing mode must be one of {', '.join(MODES)}, got {spec.mode!r}")
    arrays = {}
    for name, shape in (("neuron_time_ns", (n,)), ("phase_ns", (n,)), ("delay_ns", (nnz,))):
        a = np.ascontiguousarray(getattr(spec, name), dtype=np.float64)
        if a.shape != shape:
            raise PbitsimError(f"timing {name} must have shape {shape}, got {a.shape}")
        if not np.all(np.isfinite(a)):
            raise PbitsimError(f"timing {name} contains a non-finite value")
        arrays[name] = a
    if np.any(arrays["neuron_time_ns"] <= 0):
        raise PbitsimError("timing neuron_time_ns must be > 0 for every p-bit")
    if np.any(arrays["delay_ns"] < 0):
        raise PbitsimError("timing delay_ns must be >= 0 (delays cannot be negative)")
    for name in ("sweep_ns", "period_ns"):
        v = getattr(spec, name)
        if not (np.isfinite(v) and v > 0):
            raise PbitsimError(f"timing {name} must be finite and > 0, got {v}")
    for name in ("jitter_ns", "response_time_ns"):
        v = getattr(spec, name)
        if not (np.isfinite(v) and v >= 0):
            raise PbitsimError(f"timing {name} must be finite and >= 0, got {v}")
    return dataclasses.replace(spec, **arrays)
