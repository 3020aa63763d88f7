"""What a run asks of an engine besides the program and the schedule: one frozen :class:`EngineOptions`.

``simulate`` builds it from its keywords and validates it once
(:func:`engine_options`); every engine receives the same object, so the
event-only knobs (timing with its delays, skew and jitter; the chip-time
window; the flip log; queue and read methods) travel in its
:class:`EventOptions` instead of as loose keyword arguments.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from ..errors import PbitsimError

KERNELS = ("auto", "fast", "generic")
LAYOUTS = ("auto", "single", "replica_major")
QUEUES = ("auto", "shortcut", "heap")
READS = ("auto", "history")


@dataclass(frozen=True)
class EventOptions:
    """Options of the event-driven engine (clock modes ``asynchronous`` and ``clocked``).

    Attributes
    ----------
    timing : pbitsim.engines.timing.TimingSpec or None
        Hand-made timing (neuron times, clock phases with skew, jitter, synapse delays, response
        time); None draws it from the chip (:func:`pbitsim.engines.timing.timing_from_program`).
    duration_ns, sample_period_ns, burn_in_ns : float or None
        Chip-time window (ns) overriding ``sweeps``, ``thin`` and ``burn_in``.
    record_flips : bool
        Put the log of every flip into ``Samples.info["flip_log"]``.
    queue : "auto", "shortcut" or "heap"
        Event source: the ``O(1)`` shortcut where exact, or the binary heap.
    reads : "auto" or "history"
        Input reads: the fastest exact method, or always the per-p-bit ring buffers.
    hist_size, fifo_size : int or None
        Initial ring-buffer / FIFO lengths (powers of two; grown on overflow).
    """

    timing: object = None
    duration_ns: float | None = None
    sample_period_ns: float | None = None
    burn_in_ns: float | None = None
    record_flips: bool = False
    queue: str = "auto"
    reads: str = "auto"
    hist_size: int | None = None
    fifo_size: int | None = None

    def given(self):
        """Names of the options set away from their defaults."""
        return [f.name for f in dataclasses.fields(self) if getattr(self, f.name) != f.default]


@dataclass(frozen=True)
class EngineOptions:
    """Options every engine accepts.

    Attributes
    ----------
    store_states : bool
        Keep every sample's state (``Samples.states``, ``(replicas, samples, n)`` int8).
    moments : bool
        Per-replica ``<m_i>`` and edge ``<m_u m_v>`` (``Samples.mean_m``, ``mean_mm``, ``edges``).
    initial : int8 ndarray (n,) or (replicas, n), or None
        Start states in physical order (default: random, from the seed).
    progress : bool
        A progress bar on stderr when it is a terminal and the run is long.
    kernel : "auto", "fast" or "generic"
        Hardware-datapath chips: the fast integer kernel where it applies, or the generic one.
    layout : "auto", "single" or "replica_major"
        Ideal chromatic chips: the kernel layout.
    window_sweeps : int or None
        Sweeps per kernel call (None: adaptive, ~0.25 s per call); results never depend on it.
    event : EventOptions
        Event-engine options.
    """

    store_states: bool = True
    moments: bool = False
    initial: np.ndarray | None = field(default=None, compare=False)
    progress: bool = False
    kernel: str = "auto"
    layout: str = "auto"
    window_sweeps: int | None = None
    event: EventOptions = EventOptions()


def _choice(name, value, allowed):
    if value not in allowed:
        raise PbitsimError(f"unknown {name} {value!r}; allowed: {', '.join(allowed)}")
    return value


def engine_options(*, store_states=True, moments=False, initial=None, progress=False, kernel="auto",
                   layout="auto", window_sweeps=None, event=None) -> EngineOptions:
    """A validated :class:`EngineOptions` (bad values give one :class:`PbitsimError` naming them)."""
    for name, v in (("store_states", store_states), ("moments", moments), ("progress", progress)):
        if not isinstance(v, (bool, np.bool_)):
            raise PbitsimError(f"{name} must be True or False, got {v!r}")
    _choice("datapath kernel", kernel, KERNELS)
    _choice("layout", layout, LAYOUTS)
    if window_sweeps is not None and (isinstance(window_sweeps, bool) or not isinstance(window_sweeps, (int, np.integer))
                                      or window_sweeps < 1):
        raise PbitsimError(f"window_sweeps must be a positive integer or None, got {window_sweeps!r}")
    event = EventOptions() if event is None else event
    _choice("queue", event.queue, QUEUES)
    _choice("reads", event.reads, READS)
    if not isinstance(event.record_flips, (bool, np.bool_)):
        raise PbitsimError(f"record_flips must be True or False, got {event.record_flips!r}")
    return EngineOptions(bool(store_states), bool(moments), initial, bool(progress), kernel, layout,
                         None if window_sweeps is None else int(window_sweeps), event)
