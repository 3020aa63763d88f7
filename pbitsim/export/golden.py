r"""Golden test vectors: the exact states of the integer datapath after each colour phase, chosen to cover
the datapath's corners.

The vectors are produced by stepping the datapath engine's phase function in
gather form (:func:`pbitsim.kernels.chromatic_datapath._phase`: every input
recomputed from the neighbours, as the hardware does), phase by phase, from a
start chosen for coverage (below); the tests check that the engine's cached-sum
form gives the same states from the same start.

Conventions: a state is a word whose bit ``a`` is p-bit address ``a``
(bit 0 = address 0), bit 1 = spin +1, bit 0 = spin -1.  Row 0 is the
initial state; row ``t`` is the state after phase ``t``; phase ``t``
(1-based) updates colour ``(t - 1) mod n_colours``.  A shared LFSR is
advanced at the start of every sweep, i.e. before each phase of colour 0.

Coverage (``golden.json`` ``coverage``, :mod:`pbitsim.export.golden_updates`): the run counts
overflowed (saturated or wrapped) updates, clipped table indices, negative inputs, comparator ties and
stuck updates, and the start is chosen so that every count the tables can reach is above zero:

1. the seeded start of ``simulate(..., seed=seed)`` (:func:`pbitsim.compiler.seeding.datapath_streams`:
   :func:`~pbitsim.compiler.seeding.initial_spins` in colour order, stuck p-bits forced,
   :func:`~pbitsim.compiler.seeding.lfsr_states` registers), or, when that misses a count in the first
   16 phases, the same state with the neighbours of up to 8 p-bits of colour ``c`` (``c = 0, 1, ...``,
   the first start that reaches most) set to push their sums to the extremes
   (:func:`~pbitsim.export.golden_updates.pushed_state`);
2. one colour-0 p-bit's LFSR register re-seeded so that its first word ties with its threshold
   (:func:`~pbitsim.export.golden_updates.tie_register`): a ``>=`` comparator fails there even at
   ``k = L = 32``, where a random tie has probability ``2**-32``;
3. with ``n_phases=None`` the run is :data:`DEFAULT_PHASES` phases, extended (up to
   :data:`MAX_PHASES` phases and :data:`MAX_UPDATES` updates) until every reachable count is above zero.

A count the tables cannot reach (e.g. no sum can overflow) or that the run did not reach gives one
:class:`GoldenCoverageWarning` line.  ``coverage=False`` runs the seeded start unchanged
(equal to ``simulate(program, engine="chromatic", thin=1, seed=seed)`` at every sweep boundary).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from ..compiler.seeding import datapath_streams, initial_spins
from ..kernels.chromatic_datapath import _phase
from ..kernels.pbit_update import ACC_OVERFLOW, LFSR_SHARED, RNG_KIND, RNG_LFSR, advance_shared
from .formats import pack_bits, unpack_bits
from .golden_updates import (COUNT_KEYS, TRACE_FIELDS, count_updates, empty_counts, phase_updates,
                             pushed_state, reachable, tie_register, trace_rows)

#: phases of an automatic golden run before it is extended for coverage
DEFAULT_PHASES = 16
#: the longest automatic golden run: phases and updates
MAX_PHASES = 1024
MAX_UPDATES = 1 << 16
#: pushed starts are tried for the first this many colours
MAX_PUSHED_COLOURS = 8

COUNT_MEANINGS = {
    "overflowed": "updates whose aligned sum left the accumulator range (saturated or wrapped)",
    "clipped_lut_index": "updates whose table index was clipped to the table",
    "negative_inputs": "updates with a negative table address a (symmetric tables invert the output)",
    "comparator_ties": "updates whose comparator saw equal sides (T == w, widths aligned): output -1 "
                       "before inversion",
    "stuck_updates": "updates of stuck p-bits (no random word drawn)",
}


class GoldenCoverageWarning(UserWarning):
    """A coverage count of the golden vectors stayed at zero."""


@dataclass(frozen=True, eq=False)
class GoldenVectors:
    """States ``int8 (K+1, n)`` (±1, address order; row 0 initial) and LFSR registers ``uint64 (K+1, n_reg)``.

    ``counts``: coverage counts (``updates`` and :data:`~pbitsim.export.golden_updates.COUNT_KEYS`);
    ``reachable``: which counts the tables can make non-zero; ``start``: how the start was chosen;
    ``trace``: rows of :data:`~pbitsim.export.golden_updates.TRACE_FIELDS` (strings) when asked for.
    """

    states: np.ndarray
    lfsr: np.ndarray
    seed: int
    n_colours: int
    counts: dict = field(default_factory=dict)
    reachable: dict = field(default_factory=dict)
    start: dict = field(default_factory=dict)
    trace: list | None = None

    @property
    def n_phases(self) -> int:
        return self.states.shape[0] - 1

    @property
    def initial(self) -> np.ndarray:
        return self.states[0]

    @property
    def rng_seed(self) -> np.ndarray:
        return self.lfsr[0]

    @property
    def unreached(self) -> list:
        """Counts that stayed at zero although the tables can reach them."""
        return [k for k in COUNT_KEYS if self.reachable.get(k) and not self.counts.get(k)]

    def phase_colours(self) -> np.ndarray:
        """Colour updated by phase ``t = 1..K`` (int64 (K,))."""
        return np.arange(self.n_phases, dtype=np.int64) % max(self.n_colours, 1)


class _Run:
    """One golden run in progress: state, streams, registers, the rows so far, counts and trace."""

    def __init__(self, dp, colour_ptr, s, rng, lfsr, trace):
        self.dp, self.ptr = dp, colour_ptr
        self.s, self.rng, self.lfsr = s.copy(), rng.copy(), lfsr.copy()
        self.tmp = np.empty_like(s)
        self.states, self.regs = [s.copy()], [lfsr[0].copy()]
        self.counts = empty_counts()
        self.trace = [] if trace else None

    def step(self):
        dp, ptr = self.dp, self.ptr
        t = len(self.states) - 1
        C = ptr.shape[0] - 1
        c = t % C
        if dp.kernel.cfg[RNG_KIND] == RNG_LFSR and dp.kernel.cfg[LFSR_SHARED] != 0 and c == 0:
            advance_shared(dp.kernel.cfg, self.lfsr, 0)
        before = self.s.copy()
        _phase(dp.graph, dp.kernel, ptr, c, self.s, self.tmp, self.rng, 0, self.lfsr)
        fields = phase_updates(dp.graph, dp.kernel, ptr, c, before, self.s, self.lfsr[0])
        count_updates(fields, self.counts)
        if self.trace is not None:
            self.trace += trace_rows(t + 1, C, fields)
        self.states.append(self.s.copy())
        self.regs.append(self.lfsr[0].copy())

    def reached(self, want):
        return [k for k in COUNT_KEYS if want[k] and self.counts[k] > 0]


def run_golden(datapath, colour_ptr, chip, seed, n_phases=None, *, coverage=True, trace=False,
               warn=True) -> GoldenVectors:
    """Golden vectors of ``datapath`` (built in colour order) for run seed ``seed``.

    ``n_phases``: exactly that many phases, or None for the automatic length (module docstring).
    ``coverage``: choose the start for coverage (else the seeded start, as ``simulate``).
    ``trace``: keep every update's fields (:mod:`pbitsim.export.golden_updates`).
    ``warn``: emit a :class:`GoldenCoverageWarning` for counts left at zero.
    """
    n = datapath.graph.h.shape[0]
    ptr = np.asarray(colour_ptr, dtype=np.int64)
    state, rng, lfsr = datapath_streams(datapath, chip, seed, initial_spins(n, 1, seed))
    want = reachable(datapath.graph, datapath.kernel)
    if len(ptr) < 2 or n == 0:
        K = 0
    else:
        K = DEFAULT_PHASES if n_phases is None else int(n_phases)
    starts = [("seeded", state[0], lfsr, None)]
    if coverage and K > 0:
        C = min(len(ptr) - 1, MAX_PUSHED_COLOURS)
        pushed = [(f"pushed-colour-{c}", pushed_state(datapath.graph, datapath.kernel, ptr, state[0], c))
                  for c in range(C)]
        for name, s0 in [("seeded", state[0])] + pushed:
            tie = tie_register(datapath.graph, datapath.kernel, ptr, s0, lfsr[0]) if want["comparator_ties"] else None
            regs = lfsr if tie is None else tie[2][None, :]
            starts.append((name, s0, regs, None if tie is None else (int(tie[0]), int(tie[1]))))
        starts = starts[1:]
    best = None
    for name, s0, regs, tie in starts:
        run = _Run(datapath, ptr, s0, rng, regs, trace)
        for _ in range(min(K, DEFAULT_PHASES) if len(starts) > 1 else K):
            run.step()
        if best is None or len(run.reached(want)) > len(best[0].reached(want)):
            best = (run, name, tie)
        if len(run.reached(want)) == sum(want.values()):
            break
    run, name, tie = best
    target = K if n_phases is not None else MAX_PHASES
    while len(run.states) - 1 < K or (len(run.states) - 1 < target and run.counts["updates"] < MAX_UPDATES
                                      and len(run.reached(want)) < sum(want.values())):
        run.step()
    gv = GoldenVectors(np.array(run.states, dtype=np.int8).reshape(len(run.states), n),
                       np.array(run.regs, dtype=np.uint64).reshape(len(run.regs), -1), int(seed), len(ptr) - 1,
                       counts=run.counts, reachable=want,
                       start={"initial_state": name, "tie_address": None if tie is None else tie[0],
                              "tie_register": None if tie is None else tie[1], "coverage": bool(coverage),
                              "requested_phases": n_phases},
                       trace=run.trace)
    if warn:
        _warn(gv, datapath)
    return gv


def _warn(gv, datapath):
    """One :class:`GoldenCoverageWarning` line naming the counts left at zero (stuck ones only with stuck p-bits)."""
    if gv.n_phases == 0:
        return
    missed = [f"{k} (not reached in {gv.n_phases} phases)" for k in gv.unreached]
    missed += [f"{k} (no update can reach it with these tables)" for k in COUNT_KEYS[:3]
               if not gv.reachable.get(k)]
    if missed:
        mode = "saturating" if datapath.kernel.cfg[ACC_OVERFLOW] == 0 else "wrapping"
        warnings.warn(f"golden vectors cover no {', '.join(missed)}; an RTL that gets these cases wrong "
                      f"(accumulator {mode}, table clipping, sign inversion) still passes them",
                      GoldenCoverageWarning, stacklevel=3)


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
        "format": "pbitsim-golden-vectors", "version": 2,
        "conventions": {
            "state": "hex word, bit a = p-bit address a (bit 0 = address 0); bit 1 = spin +1, bit 0 = spin -1",
            "phases": "phase t (1-based) updates colour (t-1) mod n_colours, i.e. addresses "
                      "phase_ptr[c] .. phase_ptr[c+1]-1, all reading the state before the phase",
            "lfsr": "hex LFSR registers (rng_seed order) after the phase",
            "initial": "initial_state and rng_seed as chosen for coverage (see 'start'): seeded = initial_spins("
                       "n, 1, seed) in address order with stuck p-bits forced; pushed = the same with the "
                       "neighbours of some colour-0 p-bits set to drive their sums to the extremes; "
                       "rng_seed = lfsr_states(seed) except register start.tie_register, re-seeded so that "
                       "address start.tie_address's first word ties with its threshold",
            "coverage": "counts over every update of the run (see 'coverage_meanings'); 'reachable' says "
                        "which counts the tables can make non-zero",
        },
        "seed": gv.seed, "n_pbits": n, "n_colours": gv.n_colours, "n_phases": gv.n_phases,
        "start": dict(gv.start),
        "coverage": {**{k: int(v) for k, v in gv.counts.items()},
                     "reachable": {k: bool(v) for k, v in gv.reachable.items()}, "unreached": gv.unreached},
        "coverage_meanings": COUNT_MEANINGS,
        "rng_seed": [hx(x, ld) for x in gv.lfsr[0]],
        "initial_state": hx(state_word(gv.states[0]), sd),
        "phases": phases,
    }


def write_trace(gv: GoldenVectors, path):
    """Write the per-update trace of ``gv`` (kept with ``trace=True``) as CSV: header row of
    :data:`~pbitsim.export.golden_updates.TRACE_FIELDS`, one row per update (hex threshold, word, lfsr)."""
    if gv.trace is None:
        raise ValueError("these golden vectors were run without trace=True")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(TRACE_FIELDS) + "\n")
        for row in gv.trace:
            f.write(",".join(row) + "\n")


def golden_from_dict(d) -> GoldenVectors:
    """Inverse of :func:`golden_dict`."""
    n = int(d["n_pbits"])
    rows = [d["initial_state"]] + [p["state"] for p in d["phases"]]
    states = np.array([word_state(int(w, 16), n) for w in rows], dtype=np.int8).reshape(len(rows), n)
    regs = [d["rng_seed"]] + [p["lfsr"] for p in d["phases"]]
    lfsr = np.array([[int(x, 16) for x in r] for r in regs], dtype=np.uint64).reshape(len(rows), -1)
    cov = d.get("coverage") or {}
    return GoldenVectors(states, lfsr, int(d["seed"]), int(d["n_colours"]),
                         counts={k: v for k, v in cov.items() if k not in ("reachable", "unreached")},
                         reachable=dict(cov.get("reachable") or {}), start=dict(d.get("start") or {}))
