"""Hardware-path benchmarks beside the main one: the integer datapath and the event engine.

- ``datapath``: the ``fpga-sparse-ising`` datapath (s[4][1] fixed point,
  saturating accumulator, 32-entry |I| table of 32-bit thresholds, a 32-bit
  XNOR LFSR per p-bit) moved onto Pegasus P16, against the ideal float chip on
  the same spin glass; ns per update and the ratio integer / float (issue-3
  target: <= 1.3 with 64 replicas).
- ``event``: asynchronous Poisson p-bits (neuron time 1 ns) with a 0.2 ns
  synapse delay on Pegasus P16: p-bit updates per second of wall time
  (issue-4 target: >= 2e7 on 2 cores).
"""
from __future__ import annotations

import time

from ..chip.spec import load_chip
from ..compiler.pipeline import place_model
from ..engines import hardware_gibbs
from ..engines.options import EngineOptions
from ..engines.schedule import make_schedule
from ..simulate import simulate
from .timing import slope_seconds_per_sweep, time_pbitsim
from .workloads import spin_glass_named


def integer_program(model):
    """``model`` placed on fpga-sparse-ising with its topology widened to Pegasus P16."""
    chip = load_chip("fpga-sparse-ising").with_params({"topology": {"kind": "pegasus", "size": 16}})
    return place_model(model, chip)


def time_integer(program, replicas, sweeps, repeats, kernel="fast", seed=1):
    """ns/update of the datapath engine with ``kernel`` ("fast" or "generic"), fixed costs removed."""
    options = EngineOptions(store_states=False, kernel=kernel)

    def run(k):
        sched = make_schedule(k, 0, k, replicas, 1.0, seed)  # one sample at the end
        return hardware_gibbs.run(program, sched, options).timing.wall_s

    run(2)
    return 1e9 * slope_seconds_per_sweep(run, sweeps, repeats) / (program.n_physical * replicas)


def event_program(model, delay_ns=0.2, mode="asynchronous", **timing):
    """``model`` on the ideal chip run by the event engine (Poisson p-bits, 1 ns, given delay)."""
    params = {"clock.mode": mode, "timing.neuron_time_ns": 1.0, "timing.synapse_delay_ns": delay_ns}
    params.update(timing)
    return place_model(model, load_chip("ideal").with_params(params))


def event_throughput(program, sweeps, replicas, seed=1):
    """``(updates, wall s, cpu s, info)`` of one event-engine run (states not stored)."""
    c0 = time.process_time()
    run = simulate(program, sweeps=sweeps, burn_in=0, thin=sweeps, replicas=replicas, seed=seed,
                   store_states=False)
    return run.timing.updates, run.timing.wall_s, time.process_time() - c0, run.info


def hardware_rows(replicas=(1, 64), repeats=3, quick=False, log=print):
    """Rows for the datapath and event sections (same keys as :func:`pbitsim.bench.runner.run_benchmark`)."""
    model = spin_glass_named("pegasus16")
    n = model.n
    rows = []
    program = integer_program(model)
    for R in replicas:
        sweeps = max(8, round((3e7 if quick else 6e7) / (n * R)))
        t_float, _ = time_pbitsim(model, R, sweeps, repeats)
        t_int = time_integer(program, R, sweeps, repeats)
        rows.append(dict(graph="pegasus16", n=n, engine="pbitsim integer datapath", replicas=R, sweeps=sweeps,
                         ns_per_update=t_int, note=f"fpga-sparse-ising datapath; {t_int / t_float:.2f}x the "
                         f"float chip ({t_float:.2f} ns) in the same run"))
        log(f"  datapath R={R:<3d} integer {t_int:6.2f} ns/update, float {t_float:6.2f} ns/update, "
            f"ratio {t_int / t_float:.2f}")
    ev = event_program(model)
    event_throughput(ev, 2, 1)  # compile / load the cache
    for R in replicas:
        updates, wall, cpu, info = event_throughput(ev, 50 if quick else 200, R)
        rows.append(dict(graph="pegasus16", n=n, engine="pbitsim event (Poisson, 0.2 ns delay)", replicas=R,
                         sweeps=None, ns_per_update=1e9 * wall / updates,
                         note=f"{updates / wall:.3g} updates/s of wall time; {info['reads']}"))
        log(f"  event    R={R:<3d} {updates / wall:.3e} updates/s ({1e9 * wall / updates:.2f} ns/update)")
    return rows
