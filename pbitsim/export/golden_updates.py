r"""Every update of a golden run, field by field: coverage counts, the start that reaches them, the trace.

For each update of a colour phase (addresses ``phase_ptr[c] .. phase_ptr[c+1]-1``, all reading the
state before the phase) :func:`phase_updates` records, from the state and the LFSR registers the
golden model (:func:`pbitsim.kernels.chromatic_datapath._phase`) leaves behind:

======================  =================================================================================
field                   meaning (``docs/fpga_export.md``, "Trace")
======================  =================================================================================
``sum``                 wide integer sum ``A`` (units ``2**-sum_frac_bits``)
``aligned``             ``A`` after ``align_up`` / ``align_down``
``overflow``            ``aligned`` outside the accumulator range (then saturated or wrapped)
``input``               the accumulator value after saturation / wrapping (accumulator units)
``a``                   ``input`` after the beta shift: the signed table address before clipping
``lut_index``           ``min(|a|, size-1)`` (symmetric) or ``clip(a + size/2, 0, size-1)``
``clipped``             the index was clipped
``threshold``           ``lut[lut_index]``
``word``                the ``k``-bit random word compared
``tie``                 the comparator's two sides were equal (``T == w >> (k-L)`` or ``T >> (L-k) == w``)
``new``                 the new state (+1 / -1): ``T > w`` (aligned), inverted for ``a < 0`` (symmetric)
``lfsr``                the register the word came from, after the update
``stuck``               a stuck p-bit (its value, no word drawn: the other fields are 0)
======================  =================================================================================

The decision recomputed from ``threshold``, ``word`` and the inversion must equal the golden model's
new state, or :func:`phase_updates` raises: the trace can never drift from the golden vectors.
"""
from __future__ import annotations

import numpy as np

from ..errors import PbitsimError
from ..kernels import pbit_update as K
from ..kernels.lfsr import lfsr_step, lfsr_unstep

#: coverage counts of ``golden.json`` (``docs/fpga_export.md``), in order
COUNT_KEYS = ("overflowed", "clipped_lut_index", "negative_inputs", "comparator_ties", "stuck_updates")
TRACE_FIELDS = ("phase", "sweep", "colour", "address", "stuck", "sum", "aligned", "overflow", "input", "a",
                "lut_index", "clipped", "threshold", "word", "tie", "new", "lfsr")


def _acc(cfg):
    bits = int(cfg[K.ACC_BITS])
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1, bits


def _align(cfg, A):
    return A << int(cfg[K.ALIGN_UP]) if cfg[K.ALIGN_UP] > 0 else A >> int(cfg[K.ALIGN_DOWN])


def _overflow(cfg, x):
    lo, hi, bits = _acc(cfg)
    return ((x - lo) % (1 << bits)) + lo if cfg[K.ACC_OVERFLOW] == 1 else np.clip(x, lo, hi)


def _beta_shift(cfg, x):
    s = int(cfg[K.BETA_SHIFT])
    return x >> s if s > 0 else (x << -s if s < 0 else x)


def _index(kd, a):
    size = kd.lut.shape[0]
    if kd.cfg[K.LUT_SYMMETRIC]:
        mag = np.abs(a)
        return np.minimum(mag, size - 1), mag > size - 1
    raw = a + size // 2
    return np.clip(raw, 0, size - 1), (raw < 0) | (raw > size - 1)


def _compare(cfg, T, w):
    """``(lhs, rhs)`` of the comparator ``lhs > rhs`` (uint64), widths aligned as the datapath does."""
    k, L = int(cfg[K.RNG_BITS]), int(cfg[K.LUT_BITS])
    if k >= L:
        return T, w >> np.uint64(k - L)
    return T >> np.uint64(L - k), w


def u64(v):
    """A uint64 scalar of the bit pattern ``v`` (a Python int or an int64 config entry)."""
    return np.uint64(int(v) & 0xFFFFFFFFFFFFFFFF)


def _kmask(cfg):
    k = int(cfg[K.RNG_BITS])
    return np.uint64(0xFFFFFFFFFFFFFFFF) if k >= 64 else np.uint64((1 << k) - 1)


def wide_sums(graph, kd, s, a0, b0):
    """Wide integer sums ``hc_i + sum_j wc(i <- j) s_j`` of addresses ``a0 .. b0-1`` (int64)."""
    rows = np.repeat(np.arange(a0, b0), np.diff(graph.indptr[a0:b0 + 1]))
    e = slice(graph.indptr[a0], graph.indptr[b0])
    A = kd.hint[a0:b0].astype(np.int64).copy()
    np.add.at(A, rows - a0, kd.wint[e] * s[graph.indices[e]].astype(np.int64))
    return A


def words_of(kd, lfsr, a0, b0):
    """``(word, register)`` each address of ``a0 .. b0-1`` reads from the registers ``lfsr`` (uint64)."""
    cfg = kd.cfg
    slot = kd.slot[a0:b0]
    regs = lfsr[slot]
    off = kd.off[a0:b0].astype(np.uint64) if cfg[K.LFSR_SHARED] else np.zeros(b0 - a0, dtype=np.uint64)
    return (regs >> off) & _kmask(cfg), regs


def phase_updates(graph, kd, colour_ptr, c, before, after, lfsr_after) -> dict:
    """The fields of the module docstring for every update of phase ``c`` (arrays over its addresses).

    ``before``/``after``: int8 states (n,) around the phase; ``lfsr_after``: uint64 registers (n_reg,)
    after it (shared registers were advanced before the phase).  Raises if a recomputed decision
    differs from ``after``.
    """
    cfg = kd.cfg
    a0, b0 = int(colour_ptr[c]), int(colour_ptr[c + 1])
    A = wide_sums(graph, kd, before, a0, b0)
    aligned = _align(cfg, A)
    lo, hi, _ = _acc(cfg)
    inp = _overflow(cfg, aligned)
    a = _beta_shift(cfg, inp)
    idx, clipped = _index(kd, a)
    T = kd.lut[idx].astype(np.uint64)
    w, reg = words_of(kd, lfsr_after, a0, b0)
    lhs, rhs = _compare(cfg, T, w)
    inv = (a < 0) if cfg[K.LUT_SYMMETRIC] else np.zeros(b0 - a0, dtype=bool)
    new = np.where((lhs > rhs) != inv, 1, -1).astype(np.int8)
    stuck = kd.stuck[a0:b0]
    new = np.where(stuck != 0, stuck, new)
    if not np.array_equal(new, after[a0:b0]):
        bad = a0 + int(np.flatnonzero(new != after[a0:b0])[0])
        raise PbitsimError(f"golden trace: the recomputed decision of address {bad} in colour phase {c} differs "
                           "from the golden model (internal error; please report it)")
    free = stuck == 0
    z = np.zeros(b0 - a0, dtype=np.int64)
    zu = np.zeros(b0 - a0, dtype=np.uint64)
    return {"address": np.arange(a0, b0), "stuck": stuck.astype(np.int64),
            "sum": np.where(free, A, z), "aligned": np.where(free, aligned, z),
            "overflow": free & ((aligned < lo) | (aligned > hi)), "input": np.where(free, inp, z),
            "a": np.where(free, a, z), "lut_index": np.where(free, idx, z), "clipped": free & clipped,
            "threshold": np.where(free, T, zu), "word": np.where(free, w, zu), "tie": free & (lhs == rhs),
            "new": new.astype(np.int64), "lfsr": np.where(free | bool(cfg[K.LFSR_SHARED]), reg, zu)}


def count_updates(fields, counts):
    """Add one phase's updates to ``counts`` (a dict over :data:`COUNT_KEYS` plus ``updates``)."""
    free = fields["stuck"] == 0
    counts["updates"] += int(fields["stuck"].size)
    counts["overflowed"] += int(fields["overflow"].sum())
    counts["clipped_lut_index"] += int(fields["clipped"].sum())
    counts["negative_inputs"] += int((free & (fields["a"] < 0)).sum())
    counts["comparator_ties"] += int(fields["tie"].sum())
    counts["stuck_updates"] += int((~free).sum())


def empty_counts():
    return {"updates": 0, **{k: 0 for k in COUNT_KEYS}}


# ----------------------------------------------------------------- what the tables can reach
def reachable(graph, kd) -> dict:
    """Which counts some update can make non-zero with these tables (any state, some random word).

    Overflow: some p-bit's extreme sum ``hc +- sum |wc|`` (aligned) leaves the accumulator range.
    Clipping / negative inputs: the table address range reachable from the extreme sums (every
    accumulator value when a wrapping adder can overflow) leaves the table / goes below 0.
    Ties: a non-stuck p-bit exists (its first word can be made to tie; :func:`tie_register`).
    Stuck updates: a stuck p-bit exists.
    """
    cfg = kd.cfg
    n = kd.hint.shape[0]
    free = kd.stuck == 0
    rows = np.repeat(np.arange(n), np.diff(graph.indptr))
    mag = np.zeros(n, dtype=np.int64)
    np.add.at(mag, rows, np.abs(kd.wint))
    top, bot = _align(cfg, kd.hint + mag)[free], _align(cfg, kd.hint - mag)[free]
    lo, hi, _ = _acc(cfg)
    over = bool(free.any() and (top.max() > hi or bot.min() < lo))
    if over and cfg[K.ACC_OVERFLOW] == 1:
        amin, amax = _beta_shift(cfg, np.int64(lo)), _beta_shift(cfg, np.int64(hi))
    elif free.any():
        amin, amax = int(_beta_shift(cfg, _overflow(cfg, bot)).min()), int(_beta_shift(cfg, _overflow(cfg, top)).max())
    else:
        amin = amax = 0
    _, clip_lo = _index(kd, np.array([amin]))
    _, clip_hi = _index(kd, np.array([amax]))
    return {"overflowed": over, "clipped_lut_index": bool(free.any() and (clip_lo[0] or clip_hi[0])),
            "negative_inputs": bool(free.any() and amin < 0), "comparator_ties": bool(free.any()),
            "stuck_updates": bool((~free).any())}


# ----------------------------------------------------------------- a start that reaches them
def pushed_state(graph, kd, colour_ptr, s, colour=0, max_targets=8):
    """``s`` with the neighbours of up to ``max_targets`` p-bits of ``colour`` set to push their sums to the
    extremes (largest ``|hc| + sum |wc|`` first, each towards the sign of its bias, the last one the other
    way if all agree; each neighbour set once).  Colour 0 reads this state in phase 1; a later colour
    reads it after the earlier colours have updated."""
    s = s.copy()
    a0, b0 = int(colour_ptr[colour]), int(colour_ptr[colour + 1])
    idx = np.arange(a0, b0)
    mag = np.array([np.abs(kd.wint[graph.indptr[i]:graph.indptr[i + 1]]).sum() for i in idx], dtype=np.int64)
    pot = mag + np.abs(kd.hint[a0:b0])
    targets = [int(i) for i in idx[np.argsort(-pot, kind="stable")] if kd.stuck[int(i)] == 0][:max_targets]
    signs = [1 if kd.hint[i] >= 0 else -1 for i in targets]
    if len(signs) > 1 and len(set(signs)) == 1:
        signs[-1] = -signs[-1]
    taken = np.zeros(s.shape[0], dtype=bool)
    for i, sign in zip(targets, signs):
        for e in range(graph.indptr[i], graph.indptr[i + 1]):
            j = graph.indices[e]
            if not taken[j] and kd.stuck[j] == 0 and kd.wint[e] != 0:
                s[j] = sign if kd.wint[e] > 0 else -sign
                taken[j] = True
    return s


def tie_register(graph, kd, colour_ptr, s, lfsr):
    """``(address, register, new registers)``: one colour-0 p-bit's register re-seeded so that its first
    word ties with its threshold (the comparator sees ``T == w``; a ``>=`` comparator would then disagree).

    The register after the shifts of phase 1 gets the tie word in the p-bit's window (other bits as the
    seeded register would have them) and is stepped back by :func:`pbitsim.kernels.lfsr.lfsr_unstep`.
    Returns None when colour 0 has no free p-bit or the target would be the lock-up state.
    """
    cfg = kd.cfg
    a0, b0 = int(colour_ptr[0]), int(colour_ptr[1]) if len(colour_ptr) > 1 else 0
    free = [i for i in range(a0, b0) if kd.stuck[i] == 0]
    if not free:
        return None
    i = free[len(free) // 2]
    A = wide_sums(graph, kd, s, i, i + 1)
    a = _beta_shift(cfg, _overflow(cfg, _align(cfg, A)))
    idx, _ = _index(kd, a)
    T = int(kd.lut[idx[0]])
    k, L = int(cfg[K.RNG_BITS]), int(cfg[K.LUT_BITS])
    w = T << (k - L) if k >= L else T >> (L - k)
    width, mask, xnor, galois = (int(cfg[K.LFSR_WIDTH]), u64(cfg[K.LFSR_MASK]), bool(cfg[K.LFSR_XNOR]),
                                 bool(cfg[K.LFSR_GALOIS]))
    toggle, steps, g = u64(cfg[K.LFSR_TOGGLE]), int(cfg[K.LFSR_STEPS]), int(kd.slot[i])
    x = u64(lfsr[g])
    for _ in range(steps):
        x = u64(lfsr_step(x, mask, toggle, width, xnor, galois))
    off = int(kd.off[i]) if cfg[K.LFSR_SHARED] else 0
    kbits = ((1 << k) - 1) << off
    target = (int(x) & ~kbits) | (w << off)
    if target == ((1 << width) - 1 if xnor else 0):
        return None
    r = u64(target)
    for _ in range(steps):
        r = u64(lfsr_unstep(r, mask, width, xnor, galois))
    out = lfsr.copy()
    out[g] = r
    return i, g, out


# ----------------------------------------------------------------- the trace file
def trace_rows(phase, n_colours, fields):
    """Rows (lists of str) of :data:`TRACE_FIELDS` for one phase (``phase`` 1-based)."""
    c = (phase - 1) % n_colours
    sweep = (phase - 1) // n_colours
    out = []
    for j in range(fields["address"].shape[0]):
        out.append([str(phase), str(sweep), str(c)] + [
            f"{int(fields[f][j]):X}" if f in ("threshold", "word", "lfsr") else str(int(fields[f][j]))
            for f in TRACE_FIELDS[3:]])
    return out
