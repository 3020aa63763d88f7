"""``simulate``: the one entry point that picks the engine from the chip's ``[clock] mode``."""
from __future__ import annotations

import dataclasses

from .engines import chromatic as chromatic_engine
from .engines import event as event_engine
from .engines import hardware_gibbs as datapath_engine
from .engines import sequential as sequential_engine
from .engines.schedule import make_schedule
from .errors import ChipSpecError, PbitsimError
from .compiler.program import Program, place_model

ENGINES = ("chromatic", "naive_parallel", "sequential", "clocked", "asynchronous")


def simulate(model_or_program, chip="ideal", *, sweeps, burn_in=0, thin=1, replicas=1, beta=1.0,
             seed=None, engine=None, store_states=True, moments=False, initial=None,
             duration_ns=None, sample_period_ns=None, burn_in_ns=None, record_flips=False, timing=None):
    """Sample a model (or a compiled :class:`Program`) on a chip.

    Parameters
    ----------
    model_or_program : IsingModel, RBM or Program
        A model is placed directly on ``chip`` (``"ideal"`` takes the model's own graph).
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
        Override the chip's ``[clock] mode``: chromatic, naive_parallel, sequential, clocked,
        asynchronous.  Every mode runs every chip datapath (fixed point, tables, LFSRs,
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

    Returns
    -------
    Samples
    """
    program = model_or_program if isinstance(model_or_program, Program) else place_model(model_or_program, chip)
    schedule = make_schedule(sweeps, burn_in, thin, replicas, beta, seed)
    if program.beta_factor != 1.0:  # run the physical beta; report the user's
        schedule = dataclasses.replace(schedule, beta=schedule.beta * program.beta_factor)
    samples = _dispatch(program, schedule, engine, store_states, moments, initial, timing, duration_ns,
                        sample_period_ns, burn_in_ns, record_flips)
    if program.beta_factor != 1.0:
        samples = dataclasses.replace(samples, beta=float(beta),
                                      info={**samples.info, "physical_beta": schedule.beta})
    return samples


def _dispatch(program, schedule, engine, store_states, moments, initial, timing, duration_ns,
              sample_period_ns, burn_in_ns, record_flips):
    mode = engine or program.chip.clock.mode
    if mode not in ENGINES:
        raise ChipSpecError(f"unknown engine {mode!r}; allowed: {', '.join(ENGINES)}")
    event_only = {"duration_ns": duration_ns, "sample_period_ns": sample_period_ns, "burn_in_ns": burn_in_ns,
                  "record_flips": record_flips or None, "timing": timing}
    given = [k for k, v in event_only.items() if v is not None]
    if given and mode not in ("clocked", "asynchronous"):
        raise PbitsimError(f"{', '.join(given)} only apply to the event-driven engine (clock mode clocked or "
                           f"asynchronous); this run uses {mode!r}")
    if mode in ("chromatic", "naive_parallel", "sequential") and not program.chip.is_ideal_datapath:
        samples = datapath_engine.run(program, schedule, mode=mode, store_states=store_states or moments,
                                      initial=initial)
        return with_moments(samples, store_states) if moments else samples
    if mode in ("chromatic", "naive_parallel"):
        return chromatic_engine.run(program, schedule, mode=mode, store_states=store_states,
                                    moments=moments, initial=initial)
    if mode == "sequential":
        samples = sequential_engine.run(program, schedule, scan=program.chip.clock.scan,
                                        store_states=store_states or moments, initial=initial)
        return with_moments(samples, store_states) if moments else samples
    # "clocked" or "asynchronous": the event engine, through the chip's datapath unless it is the ideal one
    return event_engine.run(program, schedule, mode=mode, timing=timing, duration_ns=duration_ns,
                            sample_period_ns=sample_period_ns, burn_in_ns=burn_in_ns,
                            store_states=store_states, moments=moments, initial=initial,
                            record_flips=record_flips)


def with_moments(samples, keep_states=True):
    """Add per-replica ``<m_i>`` and edge ``<m_u m_v>`` computed from stored states."""
    import dataclasses

    import numpy as np

    st = samples.states.astype(np.float64)
    u, v, _ = samples.program.physical.edges()
    return dataclasses.replace(samples, mean_m=st.mean(axis=1), mean_mm=(st[:, :, u] * st[:, :, v]).mean(axis=1),
                               edges=np.stack([u, v]), states=samples.states if keep_states else None)
