r"""One tempering runner per engine path: allocate, seed, and run rounds of the PT kernels window by window.

Every runner receives the program, the *physical* betas (ascending), the
number of chains ``X`` (independent copies of the ladder; replica
``r = x K + j`` starts at rung ``j``), the seed and the engine options, and
returns a ``step(t0, t1, out)`` that runs rounds ``t0 <= t < t1`` recording
into ``out`` (``(energies, labels, states)`` or width-0 arrays during burn-in),
plus the p-bit order of the kernel and a description.  Random streams:

- the replicas' p-bit streams, start states and LFSR registers are those the
  engine itself would use for a run of ``R = X K`` replicas with the run seed
  (:mod:`pbitsim.compiler.seeding`), so replica ``r`` depends on ``(seed, r)``;
- the swap decisions use one xoroshiro128+ stream per chain,
  ``seed_streams(seed, X, stream_offset=SWAP_STREAMS)``.

Kernel paths (the registry's engines, :mod:`pbitsim.engines.registry`):

==================================  ==========================================================
chip / engine                       kernel
==================================  ==========================================================
ideal, chromatic or naive_parallel  :func:`~pbitsim.tempering.kernels.rounds_chromatic` (single-chain layout)
ideal, sequential                   :func:`~pbitsim.tempering.kernels.rounds_sequential`
datapath (fast integer kernel)      :func:`~pbitsim.tempering.kernels.rounds_fast`, one decision table per rung
datapath (generic kernel)           :func:`~pbitsim.tempering.kernels.rounds_datapath`, one LUT/beta per rung
event engines (clocked, async)      the registered engine per rung and round (:func:`event_runner`)
==================================  ==========================================================
"""
from __future__ import annotations

import numpy as np

from ..compiler.seeding import datapath_streams
from ..engines import chromatic as chromatic_engine
from ..engines.hardware_gibbs import fast_datapath, phase_schedule
from ..engines.options import EngineOptions
from ..engines.schedule import (
    initial_states,
    make_schedule,
    program_cached,
    replica_streams,
)
from ..errors import ChipSpecError
from ..kernels import pbit_update as KP
from ..kernels.rng import seed_streams
from .kernels import (
    init_datapath,
    init_fast,
    init_ideal_fields,
    round_end,
    rounds_chromatic,
    rounds_datapath,
    rounds_fast,
    rounds_sequential,
    state_energy,
)

#: stream offset of the per-chain swap streams (far from the replicas' own streams)
SWAP_STREAMS = 1 << 40


def _labels(X, K):
    at = np.arange(X * K, dtype=np.int32).reshape(X, K)
    rung = np.tile(np.arange(K, dtype=np.int32), X)
    return at, rung


def _window(t0, t1, first):
    return np.array([t0, t1, first], dtype=np.int64)


def ideal_runner(program, betas, X, seed, options, mode, n_sweeps):
    """Ideal float chip: chromatic / naive-parallel sweeps (single-chain layout) or sequential scan."""
    K = betas.size
    R = X * K
    n = program.n_physical
    at, rung = _labels(X, K)
    energy = np.zeros(R)
    swap_rng = seed_streams(seed, X, stream_offset=SWAP_STREAMS)
    counts = np.zeros((X, 3, max(K - 1, 1)))
    init = initial_states(n, R, seed, options.initial)
    if mode == "sequential":
        indptr, indices, weights = program.physical.csr()
        graph = (indptr, indices, weights, program.physical.h.astype(np.float64))
        state, rng = init.copy(), replica_streams(seed, R)
        energy[:] = [state_energy(*graph, state[r]) for r in range(R)]
        random_scan = program.chip.clock.scan == "random"

        def step(t0, t1, first, out):
            rounds_sequential(graph, betas, n_sweeps, random_scan, state, rng, at, rung, energy,
                                 swap_rng, counts, _window(t0, t1, first), out)
        order = np.arange(n, dtype=np.int64)
        name = f"sequential-{program.chip.clock.scan}"
    else:
        perm, indptr, indices, weights, h, colour_ptr = program_cached(
            program, "colour_ordered_csr", None, lambda: chromatic_engine.colour_ordered_csr(program))
        if mode == "naive_parallel":
            colour_ptr = np.array([0, n], dtype=np.int64)
        graph = (indptr, indices, weights, h)
        L = chromatic_engine.LANES
        C = 2 * L
        s = np.zeros((R, n + C))
        s[:, :n] = init[:, perm]
        fields = np.zeros((R, n + C))
        lanes = seed_streams(seed, R * L).reshape(R, L, 2).transpose(0, 2, 1).copy()
        work = (s, fields, np.zeros((R, n + C)), np.zeros((R, n + C)), np.zeros((R, n), dtype=np.int32), lanes)
        init_ideal_fields(graph, s, fields, energy)
        naive = mode == "naive_parallel"

        def step(t0, t1, first, out):
            rounds_chromatic(graph, colour_ptr, betas, n_sweeps, naive, work, at, rung, energy,
                                swap_rng, counts, _window(t0, t1, first), out)
        order = perm
        name = mode
    return Runner(step, order, name, counts, at, None)


def datapath_runner(program, betas, X, seed, options, mode, n_sweeps):
    """Hardware datapath: one datapath per rung (``program.datapath(beta_k)``: the LUT / beta of each rung)."""
    if mode == "sequential" and program.chip.clock.scan == "random":
        raise ChipSpecError(f"chip {program.chip.name!r}: random-scan sequential mode is only available with the "
                            "ideal float datapath")
    K = betas.size
    R = X * K
    n = program.n_physical
    order, colour_ptr = program_cached(program, ("phases", mode), None, lambda: phase_schedule(program, mode))
    dps = [program.datapath(float(b), order) for b in betas]
    dp, g = dps[0].kernel, dps[0].graph
    for other in dps[1:]:  # only the beta-dependent parts may differ between rungs
        o = other.kernel
        if not (np.array_equal(o.wint, dp.wint) and np.array_equal(o.hint, dp.hint)
                and np.array_equal(o.gain, dp.gain) and np.array_equal(o.stuck, dp.stuck)):
            raise ChipSpecError("datapaths of different rungs differ outside their beta tables")  # pragma: no cover
    at, rung = _labels(X, K)
    energy = np.zeros(R)
    swap_rng = seed_streams(seed, X, stream_offset=SWAP_STREAMS)
    counts = np.zeros((X, 3, max(K - 1, 1)))
    state, rng, lfsr = datapath_streams(dps[0], program.chip, seed, initial_states(n, R, seed, options.initial))
    fks = [fast_datapath(d) for d in dps] if options.kernel != "generic" else [None]
    fast = all(f is not None for f in fks) and len({f.table.size for f in fks}) == 1 \
        and all(np.array_equal(f.par, fks[0].par) and np.array_equal(f.hint, fks[0].hint) for f in fks)
    if options.kernel == "fast" and not fast:
        raise ChipSpecError(f"chip {program.chip.name!r}: the fast datapath kernel needs fixed point without analog "
                            "effects or stuck p-bits and a small decision table")
    if fast:
        fk = fks[0]
        tables = np.ascontiguousarray(np.stack([f.table for f in fks]))
        fint = np.zeros((R, n), dtype=fk.hint.dtype)
        work = (state, fint, np.zeros((R, n), dtype=np.uint64), np.zeros((R, n), dtype=np.int32), rng, lfsr)
        init_fast(g, fk, state, fint, energy)

        def step(t0, t1, first, out):
            rounds_fast(g, fk, tables, colour_ptr, betas, n_sweeps, work, at, rung, energy, swap_rng,
                           counts, _window(t0, t1, first), out)
    else:
        reals = np.ascontiguousarray(np.stack([d.kernel.real for d in dps]))
        luts = np.ascontiguousarray(np.stack([d.kernel.lut for d in dps]))
        fixed = dp.cfg[KP.FIXED] != 0
        fint = np.zeros((R, n if fixed else 0), dtype=np.int64)
        work = (state, fint, np.zeros((R, n), dtype=np.int8), rng, lfsr)
        init_datapath(g, dp, state, fint, energy)

        def step(t0, t1, first, out):
            rounds_datapath(g, dp, reals, luts, colour_ptr, betas, n_sweeps, work, at, rung, energy,
                               swap_rng, counts, _window(t0, t1, first), out)
    name = f"{mode}+datapath/{'fast' if fast else 'generic'}"
    return Runner(step, order, name, counts, at, {"datapaths": dps})


def event_runner(program, betas, X, seed, options, mode, n_sweeps, engine):
    """Event engines: each round runs the registered engine once per rung (its replicas as one batch, start
    states carried, seed ``(seed, round, rung)``), then the same swap pass as the sweep kernels."""
    K = betas.size
    R = X * K
    n = program.n_physical
    at, rung = _labels(X, K)
    state = initial_states(n, R, seed, options.initial)
    energy = np.array([program.physical.energy(s) - program.physical.offset for s in state], dtype=np.float64)
    swap_rng = seed_streams(seed, X, stream_offset=SWAP_STREAMS)
    counts = np.zeros((X, 3, max(K - 1, 1)))

    def step(t0, t1, first, out):
        out_e, out_lab, out_s = out
        for t in range(t0, t1):
            for k in range(K):
                idx = at[:, k].astype(np.int64)
                sub = int(np.random.SeedSequence([seed & 0xFFFFFFFF, seed >> 32, t, k, 0x7E3]).generate_state(1)[0])
                sched = make_schedule(n_sweeps, 0, n_sweeps, X, float(betas[k]), sub)
                res = engine.run(program, sched, EngineOptions(store_states=True, initial=state[idx],
                                                               event=options.event))
                state[idx] = res.states[:, -1]
                energy[idx] = res.energies[:, -1] - program.physical.offset
            for x in range(X):
                round_end(x, t, first, betas, energy, at, rung, swap_rng, counts, state, n, out_e, out_lab, out_s)
    return Runner(step, np.arange(n, dtype=np.int64), engine.name, counts, at, None)


class Runner:
    """What a path hands back: ``step(t0, t1, first, out)``, kernel ``order``, ``name``, the swap ``counts``
    (X, 3, K-1) per chain, the label array ``at`` (X, K) and extras."""

    def __init__(self, step, order, name, counts, at, extra):
        self.step, self.order, self.name, self.counts, self.at, self.extra = step, order, name, counts, at, extra or {}
