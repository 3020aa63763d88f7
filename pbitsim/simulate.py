"""``simulate``: the one entry point that picks the engine from the chip's ``[clock] mode``.

Interrupts: every sweep engine runs its kernel in windows of well under a
second (:mod:`pbitsim.engines.chunked`), so Ctrl-C (SIGINT) raises
:class:`KeyboardInterrupt` out of ``simulate`` within about a second; nothing
is returned and nothing is written (callers that write files do so only after
``simulate`` returns).  The event engine runs its kernel in one call and
honours Ctrl-C when it returns.
"""
from __future__ import annotations

import dataclasses

from .engines.options import EventOptions, engine_options
from .engines.registry import ENGINES as REGISTRY
from .engines.registry import get_engine
from .engines.schedule import make_schedule
from .errors import PbitsimError
from .compiler.pipeline import as_program

ENGINES = tuple(REGISTRY)  # the registered engine names (pbitsim.engines.registry)


def simulate(model_or_program, chip="ideal", *, sweeps, burn_in=0, thin=1, replicas=1, beta=1.0,
             seed=None, engine=None, store_states=True, moments=False, initial=None,
             duration_ns=None, sample_period_ns=None, burn_in_ns=None, record_flips=False, timing=None,
             progress=False):
    """Sample a model (or a compiled :class:`Program`) on a chip.

    Parameters
    ----------
    model_or_program : IsingModel, RBM or Program
        A model is compiled onto ``chip`` (:func:`pbitsim.compile`, method ``auto``:
        identity placement if it fits, else subgraph search or minor embedding;
        ``"ideal"`` takes the model's own graph).
    chip : str, path or ChipSpec
        Ignored when a Program is given (it carries its chip).
    sweeps : int
        Sweeps after burn-in; one sample every ``thin`` sweeps (``sweeps // thin`` samples).
        A sweep updates every p-bit once (one pass over all colours).
    burn_in, thin, replicas : int
    beta : float
        Inverse temperature multiplying every input: ``P(m_i=+1) = (1+tanh(beta I_i))/2``.
    seed : int or None
        Everything random derives from it; ``None`` draws one (recorded in the result).
    engine : str, optional
        Override the chip's ``[clock] mode``: a name of :data:`pbitsim.engines.registry.ENGINES`
        (chromatic, naive_parallel, sequential, clocked, asynchronous; ``docs/engines.md``).  Every mode runs every chip datapath (fixed point, tables, LFSRs,
        device variation); the event-driven modes also the chip's timing.
    store_states : bool
        Keep every sample's state (``(replicas, samples, n)`` int8); turn off for big runs.
    moments : bool
        Accumulate ``<m_i>`` and edge ``<m_u m_v>`` per replica while running.
    duration_ns, sample_period_ns, burn_in_ns : float, optional
        Event engine (clock modes ``asynchronous`` and ``clocked``) only: chip-time
        window overriding ``sweeps``, ``thin`` and ``burn_in`` (which count sweeps of
        ``neuron_time_ns``, or of ``n_colours`` clock cycles; see :mod:`pbitsim.engines.event`).
    record_flips : bool
        Event engine only: put the log of every flip (time, p-bit, value) in
        ``info["flip_log"]``.
    timing : pbitsim.engines.timing.TimingSpec, optional
        Event engine only: hand-made timing instead of the one drawn from the chip.
    progress : bool
        Show a tqdm progress bar on stderr when stderr is a terminal and the run is long
        (projected over 2 s); quiet otherwise.  Sweep engines only.

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C, within about a second (module docstring); no partial result.

    Returns
    -------
    Samples
    """
    schedule = make_schedule(sweeps, burn_in, thin, replicas, beta, seed)
    event = EventOptions(timing=timing, duration_ns=duration_ns, sample_period_ns=sample_period_ns,
                         burn_in_ns=burn_in_ns, record_flips=record_flips)
    options = engine_options(store_states=store_states, moments=moments, initial=initial, progress=progress,
                             event=event)
    if engine is not None:
        get_engine(engine)
    program = as_program(model_or_program, chip)
    if program.beta_factor != 1.0:  # run the physical beta; report the user's
        schedule = dataclasses.replace(schedule, beta=program.physical_beta(schedule.beta))
    samples = run_engine(program, schedule, options, engine)
    if program.beta_factor != 1.0:
        samples = dataclasses.replace(samples, beta=float(beta),
                                      info={**samples.info, "physical_beta": schedule.beta})
    return samples


def run_engine(program, schedule, options, engine=None):
    """Run ``program`` on the registered engine ``engine`` (default: the chip's ``[clock] mode``).

    Event-only options given to an engine without chip time are an error naming them.
    """
    eng = get_engine(engine or program.chip.clock.mode)
    if getattr(program, "links", None) is not None and not eng.event_driven:
        raise PbitsimError(f"a multi-chip machine runs on the event engine (its links have chip time); engine "
                           f"{eng.name!r} has none: use 'clocked' or 'asynchronous'")
    given = options.event.given()
    if given and not eng.event_driven:
        raise PbitsimError(f"{', '.join(given)} only apply to the event-driven engine (clock mode clocked or "
                           f"asynchronous); this run uses {eng.name!r}")
    return eng.run(program, schedule, options)
