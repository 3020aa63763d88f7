"""Every engine behind one interface: ``engine.run(program, schedule, options) -> Samples``.

:data:`ENGINES` maps the names a chip's ``[clock] mode`` (or ``simulate(...,
engine=...)``) may give to engine objects.  Each engine routes a chip to the
kernel that runs its datapath: the ideal float chip to the float kernels
(chromatic single-chain or replica-major, sequential), any other chip to the
hardware datapath (:mod:`pbitsim.engines.hardware_gibbs`: the fast integer
kernel where it applies, else the generic one) or, for the event-driven modes,
to the event kernel with the datapath's decision.

Adding an engine
----------------
Subclass :class:`Engine` (set ``name``, ``description``, ``event_driven``,
``law`` and ``paths``; implement :meth:`Engine.run` ending with
:func:`pbitsim.engines.epilogue.finish`), then :func:`register` it.  The
conformance suite (:mod:`pbitsim.testing.engine_suite`) runs every registered
engine on every one of its ``paths`` against its reference law, so a new
engine is tested the moment it is registered (``docs/engines.md``).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import ChipSpecError, PbitsimError
from . import chromatic as chromatic_engine
from . import event as event_engine
from . import hardware_gibbs as datapath_engine
from . import sequential as sequential_engine
from .options import EngineOptions


@dataclass(frozen=True)
class EnginePath:
    """One kernel path of an engine, as the conformance suite exercises it.

    ``datapath`` names the chip family the path needs (``"ideal"``: the ideal
    float chip; ``"fixed"``: a fixed-point chip the fast integer kernel covers;
    ``"analog"``: a chip that needs the generic datapath kernel); ``options``
    are :class:`EngineOptions` fields selecting the path (``layout``,
    ``kernel``); ``delays`` whether the path runs with synapse delays (event
    engine only).
    """

    name: str
    datapath: str = "ideal"
    options: tuple = ()
    delays: bool = False


class Engine:
    """Base class: one engine, run as ``engine.run(program, schedule, options)``.

    Attributes
    ----------
    name : str
        The registry key (a ``[clock] mode`` value).
    description : str
        One line for ``--help`` and docs.
    event_driven : bool
        Accepts :class:`~pbitsim.engines.options.EventOptions` (continuous chip time).
    law : str
        What it samples on the ideal chip without delays: ``"boltzmann"`` (exact Gibbs) or
        ``"kernel"`` (the stationary law of its own update kernel, e.g. naive parallel's synchronous law,
        :func:`pbitsim.analysis.kernel_law.kernel_stationary_law`).
    paths : tuple of EnginePath
        Kernel paths the conformance suite runs.
    """

    name = ""
    description = ""
    event_driven = False
    law = "boltzmann"
    paths: tuple = ()

    def run(self, program, schedule, options: EngineOptions):  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self):
        return f"<engine {self.name!r}: {self.description}>"


class ChromaticEngine(Engine):
    """Clocked colour-phase updates (``chromatic``), or every p-bit at once (``naive_parallel``)."""

    def __init__(self, name, description, law):
        self.name, self.description, self.law = name, description, law
        ideal = ((EnginePath("ideal/single", options=(("layout", "single"),)),
                  EnginePath("ideal/replica_major", options=(("layout", "replica_major"),)))
                 if name == "chromatic" else (EnginePath("ideal"),))
        self.paths = ideal + (EnginePath("datapath/fast", "fixed", (("kernel", "fast"),)),
                              EnginePath("datapath/generic", "analog", (("kernel", "generic"),)))

    def run(self, program, schedule, options):
        if program.chip.is_ideal_datapath:
            return chromatic_engine.run(program, schedule, options, mode=self.name)
        return datapath_engine.run(program, schedule, options, mode=self.name)


class SequentialEngine(Engine):
    """One p-bit at a time (systematic or, on the ideal chip, random scan): the slow exact reference."""

    name = "sequential"
    description = "one p-bit per clock cycle, systematic or random scan (exact Gibbs)"
    paths = (EnginePath("ideal"), EnginePath("datapath/fast", "fixed", (("kernel", "fast"),)),
             EnginePath("datapath/generic", "analog", (("kernel", "generic"),)))

    def run(self, program, schedule, options):
        if program.chip.is_ideal_datapath:
            return sequential_engine.run(program, schedule, options, scan=program.chip.clock.scan)
        return datapath_engine.run(program, schedule, options, mode="sequential")


class EventEngine(Engine):
    """Continuous chip time: Poisson p-bits (``asynchronous``) or clock edges with skew and jitter (``clocked``)."""

    event_driven = True

    def __init__(self, name, description):
        self.name, self.description = name, description
        self.paths = (EnginePath("ideal"), EnginePath("ideal/delayed", delays=True),
                      EnginePath("datapath", "fixed", (("kernel", "fast"),)),    # the table-driven fast path
                      EnginePath("datapath/analog", "analog", (("kernel", "generic"),)))

    def run(self, program, schedule, options):
        return event_engine.run(program, schedule, options, mode=self.name)


ENGINES: dict[str, Engine] = {}


def register(engine: Engine) -> Engine:
    """Add ``engine`` under ``engine.name`` (an existing name is an error)."""
    if not engine.name or engine.name in ENGINES:
        raise PbitsimError(f"engine name {engine.name!r} is empty or already registered")
    ENGINES[engine.name] = engine
    return engine


def get_engine(name) -> Engine:
    """The engine registered as ``name``, or a :class:`ChipSpecError` listing the registered names."""
    try:
        return ENGINES[name]
    except (KeyError, TypeError):
        raise ChipSpecError(f"unknown engine {name!r}; allowed: {', '.join(ENGINES)}") from None


register(ChromaticEngine("chromatic", "one colour class per clock cycle (exact Gibbs)", "boltzmann"))
register(ChromaticEngine("naive_parallel", "every p-bit at once on one clock (synchronous law, NOT Gibbs)",
                         "kernel"))
register(SequentialEngine())
register(EventEngine("clocked", "event-driven clock edges with skew, jitter and synapse delays"))
register(EventEngine("asynchronous", "event-driven Poisson p-bits with synapse delays"))
