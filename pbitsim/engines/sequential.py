"""Sequential (one p-bit at a time) Gibbs reference engine: slow, simple, exact."""
from __future__ import annotations

import numpy as np

from ..kernels.run_window import S_FROM, S_TO, make_schedule_vector
from ..kernels.sequential import run_sequential
from .chunked import run_windows
from .epilogue import finish, keep_states
from .options import EngineOptions
from .schedule import initial_states, replica_streams

SCANS = ("systematic", "random")


def run(program, schedule, options=None, *, scan="systematic"):
    """Sequential-scan Gibbs on the physical model of ``program`` (ideal float datapath); physical order."""
    if scan not in SCANS:
        raise ValueError(f"scan must be 'systematic' or 'random', got {scan!r}")
    options = EngineOptions() if options is None else options
    indptr, indices, weights = program.physical.csr()
    h = program.physical.h.astype(np.float64)
    n = h.shape[0]
    R, S = schedule.replicas, schedule.n_samples
    state = initial_states(n, R, schedule.seed, options.initial)
    rng = replica_streams(schedule.seed, R)
    out_states = np.zeros((R, S if keep_states(options) else 0, n), dtype=np.int8)
    out_energies = np.zeros((R, S))
    sched = make_schedule_vector(schedule.burn_in, S, schedule.thin, int(scan == "random"))

    def step(g0, g1):
        sched[S_FROM], sched[S_TO] = g0, g1
        run_sequential(indptr, indices, weights, h, schedule.beta, state, rng, sched, out_states, out_energies)

    sweeps = schedule.total_sweeps
    wall = run_windows(step, sweeps, n * R, window_sweeps=options.window_sweeps, progress=options.progress,
                       label=f"sequential-{scan}")
    return finish(program, schedule, options, engine=f"sequential-{scan}", states=out_states,
                  energies=out_energies, wall=wall, updates=sweeps * n * R, sweeps=sweeps,
                  simulated_ns=1e3 * sweeps * n / program.chip.clock.frequency_mhz)
