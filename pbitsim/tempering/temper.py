r"""``temper``: parallel tempering (replica exchange) of a program on its chip, every engine path.

Each rung is a copy of the chip programmed at its own inverse temperature,
as a p-computer does it: the ideal chip multiplies its inputs by the rung's
``beta``; a hardware datapath runs ``program.datapath(beta_k)``, the same
weight and bias codes with the rung's activation table (a LUT reload; see
``docs/tempering.md``).  Every round sweeps every replica ``swap_every``
times at its rung's beta (one kernel call over all rungs and chains), then
proposes swaps of adjacent rungs (even pairs on even rounds, odd pairs on
odd rounds) with the Metropolis rule on the energy ``E`` of the physical
model: accept with ``min(1, exp((beta_{k+1} - beta_k)(E_{k+1} - E_k)))``.

What the swaps target: the product ``prod_k exp(-beta_k E)/Z_k``.  That is
each rung's exact stationary law when its kernel samples Boltzmann (the
ideal chip, chromatic or sequential), so the run is exact.  For kernels
that do not (naive parallel, a quantized datapath: LUT rounding, finite
random bits) the per-rung laws are close to, but not exactly, the kernel
laws; :mod:`pbitsim.tempering.exact` computes the exact law of the whole
tempering chain for small models.  On a fixed-point chip ``E`` is the chip's
quantized Ising energy (the physical couplings are on the weight grid); with
coupling mismatch the datapath has no energy and the nominal one is used.
"""
from __future__ import annotations

import time

import numpy as np

from ..compiler.pipeline import as_program
from ..engines.chunked import run_windows
from ..engines.options import engine_options
from ..engines.registry import get_engine
from ..engines.schedule import make_schedule
from ..errors import PbitsimError
from .diagnostics import diagnose
from .ladder import as_ladder, geometric
from .paths import datapath_runner, event_runner, ideal_runner
from .result import TemperResult

#: default ladder: geometric, this many rungs from DEFAULT_BETA_MIN to 1
DEFAULT_RUNGS, DEFAULT_BETA_MIN = 8, 0.1
#: store_states="auto" keeps states up to this many bytes
AUTO_STATES_BYTES = 64 << 20


def _int(name, value, lo):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
        raise PbitsimError(f"{name} must be an integer >= {lo}, got {value!r}")
    return int(value)


def _runner(program, engine_name, betas_phys, chains, seed, options, swap_every):
    eng = get_engine(engine_name or program.chip.clock.mode)
    mode = eng.name
    if eng.event_driven:
        return event_runner(program, betas_phys, chains, seed, options, mode, swap_every, eng)
    if program.chip.is_ideal_datapath:
        return ideal_runner(program, betas_phys, chains, seed, options, mode, swap_every)
    return datapath_runner(program, betas_phys, chains, seed, options, mode, swap_every)


def temper(model_or_program, chip="ideal", *, betas=None, sweeps, swap_every=1, burn_in=0, chains=1, seed=None,
           engine=None, store_states="auto", kernel="auto", initial=None, progress=False) -> TemperResult:
    r"""Parallel tempering of a model (or compiled :class:`~pbitsim.Program`) on a chip.

    Parameters
    ----------
    model_or_program : IsingModel, RBM or Program
        A model is compiled onto ``chip`` (as :func:`pbitsim.simulate` does).
    chip : str, path or ChipSpec
        Ignored for a Program.
    betas : Ladder, sequence of float, path or None
        Inverse temperatures in the user's units (strictly monotone, all > 0, at least two; stored
        ascending: rung 0 hottest), a :class:`~pbitsim.tempering.ladder.Ladder`, or a ladder file.
        Default: geometric, 8 rungs from 0.1 to 1.
    sweeps : int
        Sweeps per replica after burn-in; ``sweeps // swap_every`` rounds are recorded.
    swap_every : int
        Sweeps per replica between swap passes.
    burn_in : int
        Sweeps per replica before recording (rounded up to whole rounds; swaps run during burn-in).
    chains : int
        Independent copies of the ladder (``chains * K`` replicas in all).
    seed : int or None
        Everything random derives from it; results do not depend on the thread count.
    engine : str, optional
        A registered engine (default the chip's ``[clock] mode``).
    store_states : bool or "auto"
        Keep the states by rung (needed for the gradient-observable ``tau_int``); ``auto``: when they take
        at most 64 MiB.
    kernel : "auto", "fast" or "generic"
        Datapath chips: the kernel (as :class:`~pbitsim.engines.options.EngineOptions`).
    initial : int8 (n,) or (chains * K, n), optional
        Start states (physical order) of the replicas.
    progress : bool
        A progress bar on long runs (stderr terminals only).

    Returns
    -------
    TemperResult
    """
    ladder = geometric(DEFAULT_BETA_MIN, 1.0, DEFAULT_RUNGS) if betas is None else as_ladder(betas)
    sweeps = _int("sweeps", sweeps, 1)
    swap_every = _int("swap_every", swap_every, 1)
    burn_in = _int("burn_in", burn_in, 0)
    chains = _int("chains", chains, 1)
    if swap_every > sweeps:
        raise PbitsimError(f"swap_every = {swap_every} is larger than sweeps = {sweeps}: no round would be recorded")
    if store_states not in ("auto", True, False):
        raise PbitsimError(f"store_states must be True, False or 'auto', got {store_states!r}")
    seed = make_schedule(1, seed=seed).seed
    program = as_program(model_or_program, chip)
    options = engine_options(kernel=kernel, initial=initial)
    K, n = ladder.n_rungs, program.n_physical
    phys = np.array([program.physical_beta(b) for b in ladder.betas])
    T, T0 = sweeps // swap_every, -(-burn_in // swap_every)
    if store_states == "auto":
        store_states = chains * T * K * n <= AUTO_STATES_BYTES
    runner = _runner(program, engine, phys, chains, seed, options, swap_every)
    out = (np.zeros((chains, T, K)), np.zeros((chains, T, K), dtype=np.int32),
           np.zeros((chains, T if store_states else 0, K, n), dtype=np.int8))
    none = (np.zeros((chains, 0, K)), np.zeros((chains, 0, K), dtype=np.int32), np.zeros((chains, 0, K, n), np.int8))
    t_start = time.perf_counter()
    if T0:
        run_windows(lambda a, b: runner.step(a, b, 0, none), T0, chains * K * n * swap_every, progress=progress,
                    label="temper burn-in")
        runner.counts[:] = 0.0
    run_windows(lambda a, b: runner.step(T0 + a, T0 + b, T0, out), T, chains * K * n * swap_every,
                progress=progress, label="temper")
    wall = time.perf_counter() - t_start
    energies, labels, states = out
    energies = energies + program.physical.offset
    if store_states:
        inv = np.empty(n, dtype=np.int64)
        inv[runner.order] = np.arange(n)
        states = states[..., inv]
    else:
        states = None
    counts = runner.counts[:, :, :K - 1].sum(axis=0)
    u, v, _ = program.physical.edges()
    diag = diagnose(phys, energies, labels, counts, swap_every, states, np.stack([u, v]))
    info = {"n_physical": int(n), "n_logical": int(program.n_logical)}
    return TemperResult(ladder.betas.copy(), phys, energies, labels, states, counts, swap_every, T0 * swap_every,
                        int(seed), runner.name, program.chip.name, diag, wall, float(program.beta_factor), info,
                        program)
