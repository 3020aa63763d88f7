"""Clocked chromatic engine (and its deliberately wrong naive-parallel mode): validate, allocate, seed, run.

One clock cycle updates one colour class, so a sweep takes ``n_colors`` cycles
of ``1 / frequency_mhz`` microseconds of chip time.
"""
from __future__ import annotations

import time

import numpy as np

from ..kernels.chromatic import run_chromatic
from ..samples import Samples, Timing
from .schedule import initial_states, replica_streams

MODES = {"chromatic": 0, "naive_parallel": 1}


def colour_ordered_csr(program):
    """CSR of the physical model relabelled so colour classes are contiguous.

    Returns ``(perm, indptr, indices, weights, h, color_ptr)``; ``perm[k]`` is
    the physical p-bit at position ``k`` of the colour order.
    """
    perm, color_ptr = program.colouring.order()
    J = program.physical.J[perm][:, perm].tocsr()
    J.sort_indices()
    return (perm, J.indptr.astype(np.int64), J.indices.astype(np.int32),
            J.data.astype(np.float64), program.physical.h[perm].astype(np.float64),
            color_ptr.astype(np.int64))


def run(program, schedule, *, mode="chromatic", store_states=True, moments=False, initial=None):
    """Run the chromatic kernel on ``program`` and return :class:`Samples` in physical order."""
    perm, indptr, indices, weights, h, color_ptr = colour_ordered_csr(program)
    if mode == "naive_parallel":  # one "colour" holding every p-bit
        color_ptr = np.array([0, h.shape[0]], dtype=np.int64)
    n = h.shape[0]
    R, S = schedule.replicas, schedule.n_samples
    state = initial_states(n, R, schedule.seed, initial)[:, perm].copy()
    rng = replica_streams(schedule.seed, R)
    out_states = np.zeros((R, S if store_states else 0, n), dtype=np.int8)
    out_energies = np.zeros((R, S), dtype=np.float64)
    inv = np.empty(n, dtype=np.int64)
    inv[perm] = np.arange(n)
    if moments:
        u, v, _ = program.physical.edges()
        edges_phys = np.stack([u, v])
        edges = np.stack([inv[u], inv[v]]).astype(np.int32)
        sum_m = np.zeros((R, n))
        sum_mm = np.zeros((R, edges.shape[1]))
    else:
        edges_phys = None
        edges = np.zeros((2, 0), dtype=np.int32)
        sum_m = np.zeros((R, 0))
        sum_mm = np.zeros((R, 0))
    sched = np.array([schedule.burn_in, S, schedule.thin, MODES[mode]], dtype=np.int64)
    t0 = time.perf_counter()
    run_chromatic(indptr, indices, weights, h, color_ptr, schedule.beta, state, rng, sched,
                  edges, out_states, out_energies, sum_m, sum_mm)
    wall = time.perf_counter() - t0
    out_energies += program.physical.offset
    sweeps = schedule.total_sweeps
    freq_mhz = program.chip.clock.frequency_mhz
    n_cycles = sweeps * (program.colouring.n_colors if mode == "chromatic" else 1)
    timing = Timing(wall, sweeps * n * R, sweeps, simulated_ns=1e3 * n_cycles / freq_mhz)
    states = out_states[:, :, inv] if store_states else None
    return Samples(
        states=states, energies=out_energies, beta=schedule.beta, seed=schedule.seed, engine=mode,
        chip=program.chip.name, timing=timing,
        mean_m=(sum_m[:, inv] / S) if moments else None,
        mean_mm=(sum_mm / S) if moments else None, edges=edges_phys, program=program,
        info={"n_colors": int(program.colouring.n_colors)})
