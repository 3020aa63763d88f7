"""Clocked chromatic engine (and its deliberately wrong naive-parallel mode): validate, allocate, seed, run.

One clock cycle updates one colour class, so a sweep takes ``n_colours`` cycles
of ``1 / frequency_mhz`` microseconds of chip time.

Two kernel layouts (see :mod:`pbitsim.kernels.chromatic`): *single-chain*
(one replica per thread at a time, cached fields, any mode) and
*replica-major* (blocks of replicas as SIMD lanes, chromatic mode), chosen
automatically from the replica count and the mean degree.  Both give every replica the same random
numbers for the same seed, and results never depend on the thread count.
"""
from __future__ import annotations

import numba
import numpy as np

from ..errors import PbitsimError
from ..kernels.chromatic import run_chromatic, run_chromatic_replica_major
from ..kernels.rng import seed_streams
from ..kernels.run_window import S_FROM, S_TO, make_schedule_vector
from .chunked import run_windows
from .epilogue import finish, inverse
from .options import LAYOUTS, EngineOptions
from .schedule import initial_states, program_cached

MODES = {"chromatic": 0, "naive_parallel": 1}
#: RNG lane streams per replica; a colour is cut into chunks of ``2 * LANES`` p-bits.
LANES = 16
#: ``layout="auto"`` picks replica-major (chromatic mode) from this many replicas on ...
REPLICA_MAJOR_MIN_REPLICAS = 32
#: ... on graphs of at most this mean degree.  Replica-major recomputes every
#: input (``degree`` multiply-adds per update, no branches); single-chain
#: touches neighbours only on a flip, so it is the faster one on denser or
#: slowly flipping graphs (Pegasus, degree ~14), replica-major on lattices.
REPLICA_MAJOR_MAX_MEAN_DEGREE = 8.0
_BLOCK_MAX = 32  # replicas per replica-major block (SIMD lanes x unrolling)
_BLOCK_MIN = 16


def colour_ordered_csr(program):
    """CSR of the physical model relabelled so colour classes are contiguous.

    Returns ``(perm, indptr, indices, weights, h, colour_ptr)``; ``perm[k]`` is
    the physical p-bit at position ``k`` of the colour order.
    """
    perm, colour_ptr = program.colouring.order()
    J = program.physical.J[perm][:, perm].tocsr()
    J.sort_indices()
    return (perm, J.indptr.astype(np.int64), J.indices.astype(np.int32),
            J.data.astype(np.float64), program.physical.h[perm].astype(np.float64),
            colour_ptr.astype(np.int64))


def sell_layout(indptr, indices, weights, colour_ptr, chunk):
    """Sliced-ELL neighbour lists for the replica-major kernel.

    Each colour is cut into chunks of ``chunk`` consecutive positions; chunk
    ``k`` holds ``D_k`` (its largest degree) rows of ``chunk`` entries: entry
    ``chunk_off[k] + j*chunk + l`` is the ``j``-th neighbour (CSR order) of
    position ``l`` of the chunk, padded with node ``n`` and weight 0.

    Returns ``(colour_ptr, chunk_ptr, chunk_off, nbr, w)`` (int64, int64, int64,
    int32, float64); colour ``c`` owns chunks ``chunk_ptr[c]:chunk_ptr[c+1]``.
    """
    n = indptr.shape[0] - 1
    sizes = np.diff(colour_ptr)
    chunk_ptr = np.concatenate([[0], np.cumsum((sizes + chunk - 1) // chunk)]).astype(np.int64)
    colour = np.repeat(np.arange(sizes.shape[0]), sizes)
    local = np.arange(n) - colour_ptr[colour]
    chunk_of = chunk_ptr[colour] + local // chunk
    lane = local % chunk
    deg = np.diff(indptr)
    width = np.zeros(int(chunk_ptr[-1]), dtype=np.int64)
    np.maximum.at(width, chunk_of, deg)
    chunk_off = np.concatenate([[0], np.cumsum(width * chunk)]).astype(np.int64)
    nbr = np.full(int(chunk_off[-1]), n, dtype=np.int32)
    w = np.zeros(int(chunk_off[-1]))
    row = np.repeat(np.arange(n), deg)
    dest = chunk_off[chunk_of[row]] + (np.arange(indptr[-1]) - indptr[row]) * chunk + lane[row]
    nbr[dest] = indices
    w[dest] = weights
    return colour_ptr.astype(np.int64), chunk_ptr, chunk_off, nbr, w


def choose_layout(mode, replicas, mean_degree):
    """``"replica_major"`` for chromatic runs of many replicas on a sparse graph, else ``"single"``."""
    if (mode == "chromatic" and replicas >= REPLICA_MAJOR_MIN_REPLICAS
            and mean_degree <= REPLICA_MAJOR_MAX_MEAN_DEGREE):
        return "replica_major"
    return "single"


def _blocking(replicas):
    """``(n_blocks, block)`` for the replica-major kernel (at least one block per thread)."""
    n_blocks = max(-(-replicas // _BLOCK_MAX), min(numba.get_num_threads(), replicas // _BLOCK_MIN), 1)
    block = -(-replicas // n_blocks)
    return n_blocks, -(-block // 4) * 4


def _single_kernel(graph, colour_ptr, beta, state, seed, sched, edges, out):
    """Single-chain kernel: lane streams ``(R, 2, LANES)``; ``step(g0, g1)`` runs one window."""
    R, n = state.shape
    rng = seed_streams(seed, R * LANES).reshape(R, LANES, 2).transpose(0, 2, 1).copy()
    state = np.ascontiguousarray(state)
    carry = (np.zeros((R, n + 2 * LANES)), np.zeros((R, 2)))

    def step(g0, g1):
        sched[S_FROM], sched[S_TO] = g0, g1
        run_chromatic(graph, colour_ptr, beta, state, rng, sched, edges, out, carry)
    return step


def _replica_major_kernel(graph, sell, beta, state, seed, sched, edges, out):
    """Replica-major kernel (``sell`` from :func:`sell_layout`): states and streams regrouped in blocks;
    ``step(g0, g1)`` runs one window."""
    R, n = state.shape
    n_blocks, block = _blocking(R)
    cols = np.zeros((n_blocks * block, n + 1), dtype=np.int8)  # padding replicas start at 0
    cols[:R, :n] = state
    blocks = np.ascontiguousarray(cols.reshape(n_blocks, block, n + 1).transpose(0, 2, 1))
    streams = seed_streams(seed, n_blocks * block * LANES).reshape(n_blocks, block, LANES, 2)
    rng = np.ascontiguousarray(streams.transpose(0, 3, 2, 1))  # stream of (replica r, lane l): r*LANES + l
    energy = np.zeros((n_blocks, block))

    def step(g0, g1):
        sched[S_FROM], sched[S_TO] = g0, g1
        run_chromatic_replica_major(graph, sell, beta, blocks, rng, sched, edges, out, energy)
    return step


def run(program, schedule, options=None, *, mode="chromatic"):
    """Run the chromatic kernel on ``program`` (ideal float datapath) and return :class:`Samples`.

    ``options`` (:class:`~pbitsim.engines.options.EngineOptions`): ``layout`` ``"auto"``,
    ``"single"`` or ``"replica_major"``; states, moments, start states, progress.
    """
    options = EngineOptions() if options is None else options
    layout = options.layout
    if mode not in MODES:
        raise PbitsimError(f"unknown chromatic-engine mode {mode!r}; allowed: {', '.join(MODES)}")
    if layout not in LAYOUTS:
        raise PbitsimError(f"unknown layout {layout!r}; allowed: {', '.join(LAYOUTS)}")
    if layout == "replica_major" and mode != "chromatic":
        raise PbitsimError("the replica-major layout runs chromatic mode only")
    perm, indptr, indices, weights, h, colour_ptr = program_cached(
        program, "colour_ordered_csr", None, lambda: colour_ordered_csr(program))
    if layout == "auto":
        layout = choose_layout(mode, schedule.replicas, indptr[-1] / max(h.shape[0], 1))
    if mode == "naive_parallel":  # one "colour" holding every p-bit
        colour_ptr = np.array([0, h.shape[0]], dtype=np.int64)
    n = h.shape[0]
    R, S = schedule.replicas, schedule.n_samples
    state = initial_states(n, R, schedule.seed, options.initial)[:, perm]
    if options.moments:
        u, v, _ = program.physical.edges()
        inv = inverse(perm)
        edges = np.stack([inv[u], inv[v]]).astype(np.int32)
    else:
        edges = np.zeros((2, 0), dtype=np.int32)
    out = (np.zeros((R, S if options.store_states else 0, n), dtype=np.int8), np.zeros((R, S)),
           np.zeros((R, n if options.moments else 0)), np.zeros((R, edges.shape[1])))
    sched = make_schedule_vector(schedule.burn_in, S, schedule.thin, MODES[mode])
    graph = (indptr, indices, weights, h)
    if layout == "single":
        step = _single_kernel(graph, colour_ptr, float(schedule.beta), state, schedule.seed, sched, edges, out)
    else:
        sell = program_cached(program, "sell_layout", 2 * LANES,
                              lambda: sell_layout(indptr, indices, weights, colour_ptr, 2 * LANES))
        step = _replica_major_kernel(graph, sell, float(schedule.beta), state, schedule.seed, sched, edges, out)
    sweeps = schedule.total_sweeps
    wall = run_windows(step, sweeps, n * R, window_sweeps=options.window_sweeps, progress=options.progress,
                       label=mode)
    out_states, out_energies, sum_m, sum_mm = out
    n_cycles = sweeps * (program.colouring.n_colours if mode == "chromatic" else 1)
    return finish(program, schedule, options, engine=mode, states=out_states, energies=out_energies,
                  order=perm, wall=wall, updates=sweeps * n * R, sweeps=sweeps,
                  simulated_ns=1e3 * n_cycles / program.chip.clock.frequency_mhz,
                  mean_m=(sum_m / S) if options.moments else None,
                  mean_mm=(sum_mm / S) if options.moments else None,
                  info={"n_colours": int(program.colouring.n_colours), "layout": layout})


def run_layout(program, schedule, layout, *, mode="chromatic", store_states=True, moments=False, initial=None):
    """:func:`run` with an explicit kernel layout (a shorthand for tests and benchmarks)."""
    return run(program, schedule, EngineOptions(store_states=store_states, moments=moments, initial=initial,
                                                layout=layout), mode=mode)
