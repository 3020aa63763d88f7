"""Hardware-path benchmarks beside the main one: the integer datapath and the event engine.

- ``datapath``: the ``fpga-sparse-ising`` datapath (s[4][1] fixed point,
  saturating accumulator, 32-entry |I| table of 32-bit thresholds, a 32-bit
  XNOR LFSR per p-bit) moved onto Pegasus P16, against the ideal float chip on
  the same spin glass; ns per update and the ratio integer / float (issue-3
  target: <= 1.3 with 64 replicas).
- ``event``: asynchronous Poisson p-bits (neuron time 1 ns) with a 0.2 ns
  synapse delay on Pegasus P16: p-bit updates per second of wall time
  (issue-4 target: >= 2e7 on 2 cores), the ideal chip and the
  ``fpga-sparse-ising`` datapath (table-driven decision) on the same spin
  glass in chip units, timed alternately, best of ``repeats``; the row "event
  datapath vs ideal" gives the ratio of their ns/update (issue-13 target:
  <= 1.5), a further row the same chip at the compiler's automatic scale
  (:func:`event_rows`).
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


def event_program(model, delay_ns=0.2, mode="asynchronous", chip="ideal", scale=None, **timing):
    """``model`` on ``chip`` run by the event engine (Poisson p-bits, 1 ns, given delay).

    A chip other than the ideal one gets its topology widened to Pegasus P16 (the workload's graph);
    ``scale`` is the compiler's (None: its automatic scale).
    """
    params = {"clock.mode": mode, "timing.neuron_time_ns": 1.0, "timing.synapse_delay_ns": delay_ns}
    if chip != "ideal":
        params["topology"] = {"kind": "pegasus", "size": 16}
    params.update(timing)
    return place_model(model, load_chip(chip).with_params(params), **({} if scale is None else {"scale": scale}))


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
    rows += event_rows(model, replicas, repeats, quick, log)
    return rows


def event_rows(model, replicas=(1, 64), repeats=3, quick=False, log=print):
    """Event-engine rows: the ideal chip, the ``fpga-sparse-ising`` datapath and their ratio (same run).

    Each ``(program, replicas)`` is timed ``repeats`` times, the programs alternately (so load drifts
    hit both), and the best ns/update of the kernel's wall time is kept; runs are sized to about
    ``1.2e7`` updates (``5e6`` with ``quick``).  The spin glass goes onto the chip in chip units
    (``scale=1``: ``J`` in ``[-1, 1]`` on the s[4][1] grid, ``beta_factor`` 1), so both chips sample
    at the same temperature and flip at comparable rates (the compiler's automatic scale maps
    ``max |J|`` to the top code, 15.5, and the saturating accumulator then runs the chip hotter:
    about 3x the flips, each an ``O(degree)`` scatter, which a per-update comparison would charge
    to the datapath); a third row times that automatically scaled program too.
    """
    n = model.n
    programs = {"ideal": event_program(model),
                "fpga-sparse-ising": event_program(model, chip="fpga-sparse-ising", scale=1.0),
                "auto scale": event_program(model, chip="fpga-sparse-ising")}
    for program in programs.values():
        event_throughput(program, 2, 1)  # compile / load the cache
    rows = []
    for R in replicas:
        sweeps = max(20, round((5e6 if quick else 1.2e7) / (n * R)))
        best = {}
        for _ in range(repeats):
            for name, program in programs.items():
                updates, wall, _, info = event_throughput(program, sweeps, R)
                if name not in best or wall / updates < best[name][0]:
                    best[name] = (wall / updates, info)
        (t_ideal, i_ideal), (t_dp, i_dp) = best["ideal"], best["fpga-sparse-ising"]
        ratio = t_dp / t_ideal
        rows.append(dict(graph="pegasus16", n=n, engine="pbitsim event (Poisson, 0.2 ns delay)", replicas=R,
                         sweeps=sweeps, ns_per_update=1e9 * t_ideal,
                         note=f"{1 / t_ideal:.3g} updates/s of wall time; {i_ideal['reads']}; "
                              f"{i_ideal['flips_per_ns']:.0f} flips/ns per replica"))
        rows.append(dict(graph="pegasus16", n=n, engine="pbitsim event datapath vs ideal (fpga-sparse-ising)",
                         replicas=R, sweeps=sweeps, ns_per_update=1e9 * t_dp,
                         note=f"{ratio:.2f}x the ideal event path ({1e9 * t_ideal:.2f} ns) in the same run; "
                              f"{i_dp.get('kernel', '?')} datapath path; {i_dp['flips_per_ns']:.0f} flips/ns per "
                              "replica"))
        t_auto, i_auto = best["auto scale"]
        rows.append(dict(graph="pegasus16", n=n, engine="pbitsim event datapath, automatic scale",
                         replicas=R, sweeps=sweeps, ns_per_update=1e9 * t_auto,
                         note=f"{t_auto / t_ideal:.2f}x the ideal event path; compiler scale "
                              f"(beta_factor {programs['auto scale'].beta_factor:.3g}); "
                              f"{i_auto['flips_per_ns']:.0f} flips/ns per replica"))
        log(f"  event    R={R:<3d} ideal {1 / t_ideal:.3e} updates/s ({1e9 * t_ideal:.2f} ns/update), "
            f"fpga-sparse-ising {1e9 * t_dp:.2f} ns/update: event datapath vs ideal {ratio:.2f} "
            f"(automatic scale: {1e9 * t_auto:.2f} ns/update, {t_auto / t_ideal:.2f}x, "
            f"{i_auto['flips_per_ns']:.0f} vs {i_ideal['flips_per_ns']:.0f} flips/ns)")
    return rows
