r"""Every random stream of a run, derived from the run seed (and the chip's ``variation_seed``) in one place.

A run seed ``s`` (a 64-bit integer) gives, for replica ``r``:

==========================  ===============================================================  ==============
stream                      derivation                                                       function
==========================  ===============================================================  ==============
p-bit RNG (xoroshiro128+)   splitmix64 of ``(s, r)`` (:func:`pbitsim.kernels.rng.seed_streams`)  :func:`replica_streams`
initial spins               ``default_rng([s mod 2^32, s >> 32, r, 0x5EED])``, ±1 fair coins   :func:`initial_spins`
LFSR registers              ``SeedSequence([s mod 2^32, s >> 32, r, 0x1F5])`` -> one integer,  :func:`lfsr_states`
                            expanded into distinct non-lock-up states
                            (:func:`~pbitsim.compiler.rng_streams.seed_lfsr_states`)
==========================  ===============================================================  ==============

Each replica's streams depend on ``(s, r)`` only, never on the replica count or
thread count.  Device variation is part of the silicon, not of the run: it is
drawn from the chip's ``[pbit] variation_seed`` ``v`` as
``default_rng([v, tag])`` with one tag per kind of draw (:func:`variation_rng`:
``VARIATION`` for gain/offset/stuck p-bits, ``MISMATCH`` for coupling
mismatch).  The compiler's stochastic rounding uses
``SeedSequence([compile seed mod 2^32, ROUNDING])`` (:func:`rounding_rngs`).
"""
from __future__ import annotations

import numpy as np

from ..kernels.rng import seed_streams
from .rng_streams import seed_lfsr_states

__all__ = ["replica_streams", "initial_spins", "lfsr_states", "datapath_streams", "variation_rng",
           "rounding_rngs", "VARIATION", "MISMATCH", "ROUNDING"]

_INITIAL, _LFSR = 0x5EED, 0x1F5
#: tags of the draws from the chip's variation_seed and of the compiler's rounding
VARIATION, MISMATCH, ROUNDING = 0xD15C, 0x5A11, 0x9A17


def _words(seed):
    seed = int(seed)
    return [seed & 0xFFFFFFFF, seed >> 32]


def replica_streams(seed, replicas):
    """One xoroshiro128+ stream per replica (uint64 ``(replicas, 2)``); replica ``r`` depends on ``(seed, r)``."""
    return seed_streams(seed, replicas)


def initial_spins(n, replicas, seed):
    """Random ±1 start states (int8 ``(replicas, n)``), physical order; row ``r`` depends on ``(seed, r)``."""
    out = np.empty((replicas, n), dtype=np.int8)
    for r in range(replicas):
        g = np.random.default_rng([*_words(seed), r, _INITIAL])
        out[r] = np.where(g.random(n) < 0.5, 1, -1)
    return out


def lfsr_states(datapath, seed, replicas, chip):
    """Initial LFSR registers (uint64 ``(replicas, n_registers)``); replica ``r`` depends on ``(seed, r)``.

    One ``(replicas, 1)`` array of zeros when the chip's RNG is not an LFSR.
    """
    if chip.rng.kind != "lfsr":
        return np.zeros((replicas, 1), dtype=np.uint64)
    n_reg = datapath.n_registers
    xnor = chip.rng.feedback == "xnor"
    out = np.empty((replicas, n_reg), dtype=np.uint64)
    for r in range(replicas):
        s = int(np.random.SeedSequence([*_words(seed), r, _LFSR]).generate_state(1)[0])
        out[r] = seed_lfsr_states(s, n_reg, chip.rng.width, xnor)
    return out


def datapath_streams(datapath, chip, seed, states):
    """The start of a datapath run: ``(state, rng, lfsr)`` for the run seed.

    ``states`` (int8 ``(replicas, n)``, physical order: :func:`initial_spins` or
    the caller's) are put in the datapath's kernel order (``datapath.order``)
    with stuck p-bits clamped; ``rng`` from :func:`replica_streams`, ``lfsr``
    from :func:`lfsr_states`.  Engines and the golden vectors start here, so
    they draw the same numbers for the same seed.
    """
    replicas = states.shape[0]
    state = np.ascontiguousarray(states[:, datapath.order], dtype=np.int8)
    stuck = datapath.kernel.stuck
    state[:, stuck != 0] = stuck[stuck != 0]
    return state, replica_streams(seed, replicas), lfsr_states(datapath, seed, replicas, chip)


def variation_rng(variation_seed, tag):
    """The generator of one kind of device-variation draw (``tag``: ``VARIATION`` or ``MISMATCH``)."""
    return np.random.default_rng([int(variation_seed), int(tag)])


def rounding_rngs(seed, n):
    """``n`` independent generators for the compiler's stochastic rounding (compile ``seed``)."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence([int(seed) & 0xFFFFFFFF, ROUNDING]).spawn(n)]
