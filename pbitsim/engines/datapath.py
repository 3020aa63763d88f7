"""Engine for chips with a hardware datapath (fixed point, LUT, LFSR, device variation).

Same schedule semantics as the chromatic engine; the schedule of phases is the
colour classes (chromatic), one p-bit per phase (sequential systematic scan)
or one phase of all p-bits (naive parallel).
"""
from __future__ import annotations

import time

import numpy as np

from ..datapath import build_datapath, lfsr_states
from ..errors import ChipSpecError
from ..kernels.chromatic_datapath import run_datapath
from ..samples import Samples, Timing
from .schedule import initial_states, replica_streams


def phase_schedule(program, mode):
    """``(order, color_ptr)``: kernel order of the physical p-bits and the phase pointer."""
    n = program.n_physical
    if mode == "chromatic":
        return program.colouring.order()
    if mode == "sequential":
        return np.arange(n, dtype=np.int64), np.arange(n + 1, dtype=np.int64)
    if mode == "naive_parallel":
        return np.arange(n, dtype=np.int64), np.array([0, n], dtype=np.int64)
    raise ChipSpecError(f"the datapath engine runs chromatic, sequential or naive_parallel, not {mode!r}")


def run(program, schedule, *, mode="chromatic", store_states=True, initial=None):
    chip = program.chip
    if mode == "sequential" and chip.clock.scan == "random":
        raise ChipSpecError(f"chip {chip.name!r}: random-scan sequential mode is only available with the "
                            "ideal float datapath")
    order, color_ptr = phase_schedule(program, mode)
    dp = build_datapath(chip, program.physical, schedule.beta, order, chip_nodes=program.chip_nodes)
    n, R, S = program.n_physical, schedule.replicas, schedule.n_samples
    state = initial_states(n, R, schedule.seed, initial)[:, order].copy()
    stuck = dp.kernel.stuck
    state[:, stuck != 0] = stuck[stuck != 0]
    rng = replica_streams(schedule.seed, R)
    lfsr = lfsr_states(dp, schedule.seed, R, chip)
    out_states = np.zeros((R, S if store_states else 0, n), dtype=np.int8)
    out_energies = np.zeros((R, S))
    sched = np.array([schedule.burn_in, S, schedule.thin], dtype=np.int64)
    t0 = time.perf_counter()
    run_datapath(dp.graph, dp.kernel, color_ptr, state, rng, lfsr, sched, out_states, out_energies)
    wall = time.perf_counter() - t0
    out_energies += program.physical.offset
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    sweeps = schedule.total_sweeps
    n_phases = color_ptr.shape[0] - 1
    timing = Timing(wall, sweeps * n * R, sweeps, simulated_ns=1e3 * sweeps * n_phases / chip.clock.frequency_mhz)
    info = {"datapath": {k: v for k, v in dp.report.items()}, "n_phases": int(n_phases)}
    return Samples(states=out_states[:, :, inv] if store_states else None, energies=out_energies,
                   beta=schedule.beta, seed=schedule.seed, engine=f"{mode}+datapath", chip=chip.name,
                   timing=timing, program=program, info=info)
