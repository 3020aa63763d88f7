"""Sequential (one p-bit at a time) Gibbs reference engine: slow, simple, exact."""
from __future__ import annotations

import time

import numpy as np

from ..kernels.sequential import run_sequential
from ..samples import Samples, Timing
from .schedule import initial_states, replica_streams


def run(program, schedule, *, scan="systematic", store_states=True, initial=None):
    """Sequential-scan Gibbs on the physical model of ``program``; states in physical order."""
    if scan not in ("systematic", "random"):
        raise ValueError(f"scan must be 'systematic' or 'random', got {scan!r}")
    indptr, indices, weights = program.physical.csr()
    h = program.physical.h.astype(np.float64)
    n = h.shape[0]
    R, S = schedule.replicas, schedule.n_samples
    state = initial_states(n, R, schedule.seed, initial)
    rng = replica_streams(schedule.seed, R)
    out_states = np.zeros((R, S if store_states else 0, n), dtype=np.int8)
    out_energies = np.zeros((R, S))
    sched = np.array([schedule.burn_in, S, schedule.thin, int(scan == "random")], dtype=np.int64)
    t0 = time.perf_counter()
    run_sequential(indptr, indices, weights, h, schedule.beta, state, rng, sched, out_states, out_energies)
    wall = time.perf_counter() - t0
    out_energies += program.physical.offset
    sweeps = schedule.total_sweeps
    freq_mhz = program.chip.clock.frequency_mhz
    timing = Timing(wall, sweeps * n * R, sweeps, simulated_ns=1e3 * sweeps * n / freq_mhz)
    return Samples(states=out_states if store_states else None, energies=out_energies,
                   beta=schedule.beta, seed=schedule.seed, engine=f"sequential-{scan}",
                   chip=program.chip.name, timing=timing, program=program)
