"""Peer samplers timed on a pbitsim workload: dwave-samplers, openjij and thrml.

Each peer runs one replica on one thread, at ``beta = 1``:

- ``dwave``: dwave-samplers ``SimulatedAnnealingSampler`` with a constant
  ``beta = 1`` custom schedule and Gibbs acceptance (heat bath).
- ``openjij``: openjij's C++ core (``cxxjij`` ``graph.Sparse`` +
  ``ClassicalIsing`` + ``Algorithm_SingleSpinFlip_run`` at ``beta = 1``), the
  routine ``SASampler`` uses; its quadratic path is Metropolis, not heat bath.
- ``thrml``: thrml block Gibbs (JAX) over the same colour classes.

The peers are optional dependencies: each timer imports its peer inside the
function on purpose, so a missing peer raises ``ImportError`` there and the
benchmark reports it as "not installed" instead of failing.
"""
from __future__ import annotations

import time

import numpy as np

from ..compiler.colouring import colour_graph
from .timing import slope_seconds_per_sweep

PEERS = ("dwave", "openjij", "thrml")


def _peer_ising(model):
    """``(h, J)`` dicts of ``model`` in the peers' sign convention (``E = sum h s + sum J s s``)."""
    r, c, v = model.edges()
    J = {(int(a), int(b)): -float(w) for a, b, w in zip(r, c, v)}
    h = {i: -float(x) for i, x in enumerate(model.h)}
    return h, J


def time_dwave(model, sweeps, repeats, seed=1):
    """ns/update of dwave-samplers' heat-bath SA at constant ``beta = 1`` (one replica, one thread)."""
    import dimod  # optional peer, deferred on purpose
    from dwave.samplers import SimulatedAnnealingSampler

    h, J = _peer_ising(model)
    bqm = dimod.BinaryQuadraticModel.from_ising(h, J)
    sampler = SimulatedAnnealingSampler()

    def run(k):
        t0 = time.perf_counter()
        sampler.sample(bqm, beta_schedule_type="custom", beta_schedule=np.ones(k), num_sweeps_per_beta=1,
                       num_reads=1, proposal_acceptance_criteria="Gibbs", seed=seed)
        return time.perf_counter() - t0

    return 1e9 * slope_seconds_per_sweep(run, sweeps, repeats) / model.n


def time_openjij(model, sweeps, repeats, seed=1):
    """ns/update of openjij's C++ single-spin-flip (Metropolis) at ``beta = 1`` (one replica)."""
    import openjij.cxxjij as cxx  # optional peer, deferred on purpose

    h, J = _peer_ising(model)
    graph = cxx.graph.Sparse(model.n)
    for (a, b), w in J.items():
        graph[a, b] = w
    for i, x in h.items():
        if x:
            graph[i] = x

    def run(k):
        system = cxx.system.make_classical_ising(graph.gen_spin(seed), graph)
        t0 = time.perf_counter()
        cxx.algorithm.Algorithm_SingleSpinFlip_run(system, seed, [(1.0, k)])
        return time.perf_counter() - t0

    return 1e9 * slope_seconds_per_sweep(run, sweeps, repeats) / model.n


def time_thrml(model, sweeps, repeats, seed=1):
    """ns/update of thrml block Gibbs (JAX) over the chromatic engine's colour classes (one replica)."""
    import jax  # optional peer (JAX), deferred on purpose
    import jax.numpy as jnp
    from thrml import Block, SamplingSchedule, SpinNode, sample_states
    from thrml.models import IsingEBM, IsingSamplingProgram, hinton_init

    r, c, v = model.edges()
    nodes = [SpinNode() for _ in range(model.n)]
    ebm = IsingEBM(nodes, [(nodes[a], nodes[b]) for a, b in zip(r, c)], jnp.asarray(model.h),
                   jnp.asarray(v), jnp.array(1.0))
    colouring = colour_graph((model.n, r, c), "smallest_last")
    blocks = [Block([nodes[i] for i in cls]) for cls in colouring.classes()]
    program = IsingSamplingProgram(ebm, blocks, clamped_blocks=[])
    key_init, key = jax.random.split(jax.random.key(seed))
    init = hinton_init(key_init, ebm, blocks, ())
    observe = [Block(nodes[:1])]

    def run(k):
        schedule = SamplingSchedule(n_warmup=k, n_samples=1, steps_per_sample=1)
        jax.block_until_ready(sample_states(key, program, schedule, init, [], observe))  # compile
        t0 = time.perf_counter()
        jax.block_until_ready(sample_states(key, program, schedule, init, [], observe))
        return time.perf_counter() - t0

    return 1e9 * slope_seconds_per_sweep(run, sweeps, repeats) / model.n


PEER_TIMERS = {"dwave": time_dwave, "openjij": time_openjij, "thrml": time_thrml}
PEER_NOTES = {"dwave": "dwave-samplers SA, Gibbs acceptance, 1 replica, 1 thread",
              "openjij": "openjij cxxjij SingleSpinFlip (Metropolis), 1 replica, 1 thread",
              "thrml": "thrml block Gibbs (JAX), 1 replica"}
