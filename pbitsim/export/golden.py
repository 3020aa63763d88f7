r"""Golden test vectors: the exact states of the integer datapath after each of the first K colour phases.

The vectors are produced by stepping the datapath engine's phase function in
gather form (:func:`pbitsim.kernels.chromatic_datapath._phase`: every input
recomputed from the neighbours, as the hardware does), so they equal
``simulate(program, engine="chromatic", thin=1, seed=seed)`` at every sweep
boundary (replica 0), bit for bit -- the engine itself runs the equivalent
cached-sum form, and the tests check that the two agree.

Conventions: a state is a word whose bit ``a`` is p-bit address ``a``
(bit 0 = address 0), bit 1 = spin +1, bit 0 = spin -1.  Row 0 is the
initial state (:func:`pbitsim.compiler.seeding.initial_spins` ``(n, 1, seed)`` in
colour order, stuck p-bits forced to their value: :func:`pbitsim.compiler.seeding.datapath_streams`); row ``t`` is the state after phase ``t``; phase
``t`` (1-based) updates colour ``(t - 1) mod n_colours``.  A shared LFSR is
advanced at the start of every sweep, i.e. before each phase of colour 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..compiler.seeding import datapath_streams, initial_spins
from ..kernels.chromatic_datapath import _phase
from ..kernels.pbit_update import LFSR_SHARED, RNG_KIND, RNG_LFSR, advance_shared
from .formats import pack_bits, unpack_bits


def _step_phases(g, dp, colour_ptr, s, rng, lfsr, out_states, out_lfsr):
    """Step replica 0 through ``out_states.shape[0] - 1`` colour phases, recording after each.

    ``s`` int8 (n,) state in colour order (modified); ``rng`` uint64 (1, 2);
    ``lfsr`` uint64 (1, n_registers) (modified); ``out_states`` int8 (K+1, n);
    ``out_lfsr`` uint64 (K+1, n_registers).  The loop is Python on purpose: each
    phase is one call of the engine's own compiled kernels (a few microseconds),
    so no second compiled copy of the datapath exists that a stale Numba cache
    could let drift from the engine's.
    """
    tmp = np.empty_like(s)
    n_colours = colour_ptr.shape[0] - 1
    shared = dp.cfg[RNG_KIND] == RNG_LFSR and dp.cfg[LFSR_SHARED] != 0
    out_states[0, :] = s
    out_lfsr[0, :] = lfsr[0]
    for t in range(out_states.shape[0] - 1):
        c = t % n_colours
        if shared and c == 0:
            advance_shared(dp.cfg, lfsr, 0)
        _phase(g, dp, colour_ptr, c, s, tmp, rng, 0, lfsr)
        out_states[t + 1, :] = s
        out_lfsr[t + 1, :] = lfsr[0]


@dataclass(frozen=True, eq=False)
class GoldenVectors:
    """States ``int8 (K+1, n)`` (±1, address order; row 0 initial) and LFSR registers ``uint64 (K+1, n_reg)``."""

    states: np.ndarray
    lfsr: np.ndarray
    seed: int
    n_colours: int

    @property
    def n_phases(self) -> int:
        return self.states.shape[0] - 1

    @property
    def initial(self) -> np.ndarray:
        return self.states[0]

    @property
    def rng_seed(self) -> np.ndarray:
        return self.lfsr[0]

    def phase_colours(self) -> np.ndarray:
        """Colour updated by phase ``t = 1..K`` (int64 (K,))."""
        return np.arange(self.n_phases, dtype=np.int64) % max(self.n_colours, 1)


def run_golden(datapath, colour_ptr, chip, seed, n_phases) -> GoldenVectors:
    """Golden vectors of ``datapath`` (built in colour order) for run seed ``seed``."""
    n = datapath.graph.h.shape[0]
    state, rng, lfsr = datapath_streams(datapath, chip, seed, initial_spins(n, 1, seed))
    K = int(n_phases) if len(colour_ptr) > 1 else 0
    out_states = np.zeros((K + 1, n), dtype=np.int8)
    out_lfsr = np.zeros((K + 1, lfsr.shape[1]), dtype=np.uint64)
    _step_phases(datapath.graph, datapath.kernel, np.asarray(colour_ptr, dtype=np.int64), state[0], rng,
                   lfsr, out_states, out_lfsr)
    return GoldenVectors(out_states, out_lfsr, int(seed), len(colour_ptr) - 1)


def state_word(spins) -> int:
    """Word of a ±1 state vector: bit ``a`` = 1 iff ``spins[a] == +1``."""
    return pack_bits(np.asarray(spins) > 0)


def word_state(word, n) -> np.ndarray:
    """±1 ``int8 (n,)`` from a state word."""
    return (2 * unpack_bits(word, n).astype(np.int8) - 1).astype(np.int8)


def golden_dict(gv: GoldenVectors, lfsr_width, colour_ptr) -> dict:
    """The JSON document of the golden vectors (hex words, see the module docstring)."""
    n = gv.states.shape[1]
    sd = (n + 3) // 4
    ld = (lfsr_width + 3) // 4

    def hx(w, d):
        return format(int(w), "X").zfill(d)

    phases = []
    for t in range(1, gv.n_phases + 1):
        c = int((t - 1) % gv.n_colours)
        phases.append({"phase": t, "sweep": (t - 1) // gv.n_colours, "colour": c,
                       "addresses": [int(colour_ptr[c]), int(colour_ptr[c + 1])],
                       "state": hx(state_word(gv.states[t]), sd),
                       "lfsr": [hx(x, ld) for x in gv.lfsr[t]]})
    return {
        "format": "pbitsim-golden-vectors", "version": 1,
        "conventions": {
            "state": "hex word, bit a = p-bit address a (bit 0 = address 0); bit 1 = spin +1, bit 0 = spin -1",
            "phases": "phase t (1-based) updates colour (t-1) mod n_colours, i.e. addresses "
                      "phase_ptr[c] .. phase_ptr[c+1]-1, all reading the state before the phase",
            "lfsr": "hex LFSR registers (rng_seed order) after the phase",
            "initial": "initial_states(n, 1, seed) in address order, stuck p-bits forced",
        },
        "seed": gv.seed, "n_pbits": n, "n_colours": gv.n_colours, "n_phases": gv.n_phases,
        "rng_seed": [hx(x, ld) for x in gv.lfsr[0]],
        "initial_state": hx(state_word(gv.states[0]), sd),
        "phases": phases,
    }


def golden_from_dict(d) -> GoldenVectors:
    """Inverse of :func:`golden_dict`."""
    n = int(d["n_pbits"])
    rows = [d["initial_state"]] + [p["state"] for p in d["phases"]]
    states = np.array([word_state(int(w, 16), n) for w in rows], dtype=np.int8).reshape(len(rows), n)
    regs = [d["rng_seed"]] + [p["lfsr"] for p in d["phases"]]
    lfsr = np.array([[int(x, 16) for x in r] for r in regs], dtype=np.uint64).reshape(len(rows), -1)
    return GoldenVectors(states, lfsr, int(d["seed"]), int(d["n_colours"]))
