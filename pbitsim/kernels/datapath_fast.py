r"""Specialised integer datapath sweeps: the common fixed-point chip, bit-exact with :mod:`.chromatic_datapath`.

Covers a fixed-point chip without analog effects or stuck p-bits.  Its
decision is a function of the wide integer sum ``A_i = hc_i + sum_j wc_ij m_j``
(cached, updated on flips: exact) and the random word, tabulated by
:func:`pbitsim.kernels.pbit_update.decision_table`: p-bit ``i`` outputs ``+1``
iff its ``k``-bit word lies in ``[lo, lo + span)``, one interval per ``A``
(``[0, T)``, or ``[T, 2**k)`` for a negative index of a symmetric table).
The table covers every reachable ``A`` (``a_lo .. a_lo + m - 1``, the cached
sums hold ``A - a_lo``) or, when that is too large, the unsaturated range only,
and the kernel clips: exact, as a saturated input decides like the bound.
The random words and their order of consumption are those of
:func:`pbitsim.kernels.pbit_update.random_word` (one word per update, p-bits of a
phase in increasing kernel index), so states equal the generic kernel's for
the same seed.

A phase ``a:b`` is three passes, each a plain loop over the phase: the random
words (per-p-bit registers stepped ``steps`` times, a window of a shared
register, or the top ``k`` bits of the replica's xoroshiro128+ stream), the
decisions (table lookup and compare, branch-free, compacting the p-bits that
flip), then the flips (each adds ``2 m_i wc(j <- i)`` to its neighbours' sums).
Energies are those of the ideal model: for ``thin < TRACK_THIN`` the flip pass
also adds ``-2 m_i (h_i + sum_j J_ij m_j)`` (exact for any set of flips applied
one by one, so for naive-parallel phases too), recomputed from scratch every
``RESYNC_SWEEPS`` sweeps; for sparser samples each is recomputed from scratch.

Arrays: ``g`` :class:`pbitsim.compiler.hardware.KernelGraph` (ideal physical CSR in
kernel order: ``indptr`` int64 (n+1,), ``indices`` int32 (nnz,), ``weights``
float64 (nnz,), ``h`` float64 (n,)); ``fk`` :class:`FastDatapath`; ``state``
int8 (R, n); ``rng`` uint64 (R, 2) xoroshiro128+ streams; ``lfsr`` uint64
(R, n_registers) registers in kernel order (or one per shared group).
"""
from collections import namedtuple

import numpy as np
from numba import njit, prange

from .chromatic_datapath import ideal_energy
from .run_window import S_FROM, S_N_SAMPLES, S_THIN, S_TO, unit_length, window_start

# ``FastDatapath.par`` int64 entries
P_CLIP, P_TOP_INDEX, P_RNG, P_K, P_KMASK, P_MASK, P_TOGGLE, P_WMASK, P_TOP, P_XNOR, P_STEPS, N_PAR = range(12)
# ``par[P_RNG]``: how the words are made
WORDS_XOROSHIRO, WORDS_FIBONACCI, WORDS_GALOIS, WORDS_SHARED_FIBONACCI, WORDS_SHARED_GALOIS = range(5)
#: sample-time energies are recomputed from scratch when ``thin`` reaches this (else tracked on flips)
TRACK_THIN = 16
#: a tracked energy is recomputed from scratch at a sample after this many sweeps
RESYNC_SWEEPS = 256

FastDatapath = namedtuple("FastDatapath", "par table hint wint wt nbr slot off")
# par int64 (N_PAR,); table uint64 (2 m,): the decision table over A = a_lo .. a_lo + m - 1, (lo, span)
# interleaved (see phase_decisions); hint int32 or int64 (n,): bias codes minus a_lo, so the cached
# sums (same dtype) are table indices;
# wint, wt (nnz,) small signed ints: weight codes into row i / out of row i (the transpose), CSR of g;
# nbr (nnz,) uint16 or int32: g.indices in the narrowest type;
# slot, off int64 (n,): shared register and window offset of each p-bit (shared LFSR only).


@njit(cache=True, inline="always")
def _u(x):
    return np.uint64(x)


@njit(cache=True)
def fibonacci_pass(reg, mask, wmask, xnor):
    """One Fibonacci shift of every register of ``reg`` (uint64): ``((s << 1) | fb) & wmask``."""
    one = _u(1)
    for i in range(reg.shape[0]):  # loops run from 0 over slices: no negative-index checks, so they vectorise
        s = reg[i]
        x = s & mask
        x ^= x >> _u(32)
        x ^= x >> _u(16)
        x ^= x >> _u(8)
        x ^= x >> _u(4)
        x ^= x >> _u(2)
        x ^= x >> one
        reg[i] = ((s << one) | ((x & one) ^ xnor)) & wmask


@njit(cache=True)
def galois_pass(reg, toggle, wmask, top, xnor_mask):
    """One Galois shift of every register of ``reg`` (``top = width - 1``; ``xnor_mask`` = ``wmask`` or 0)."""
    one = _u(1)
    for i in range(reg.shape[0]):
        s = reg[i] ^ xnor_mask
        out = (s >> top) & one
        s = ((s << one) & wmask) ^ (toggle & (_u(0) - out))
        reg[i] = s ^ xnor_mask


@njit(cache=True)
def shift_registers(par, reg):
    """``par[P_STEPS]`` shifts of every register of ``reg`` (Fibonacci or Galois by ``par[P_RNG]``)."""
    wmask = _u(par[P_WMASK])
    xnor = par[P_XNOR] != 0
    if par[P_RNG] == WORDS_GALOIS or par[P_RNG] == WORDS_SHARED_GALOIS:
        for _ in range(par[P_STEPS]):
            galois_pass(reg, _u(par[P_TOGGLE]), wmask, _u(par[P_TOP]), wmask if xnor else _u(0))
    else:
        for _ in range(par[P_STEPS]):
            fibonacci_pass(reg, _u(par[P_MASK]), wmask, _u(1) if xnor else _u(0))


@njit(cache=True)
def phase_words(par, a, b, rng, r, reg, slot, off, w):
    """The raw words of positions ``a:b`` (uint64 (b - a,): a view of ``reg`` or of the buffer ``w``).

    Per-p-bit registers are shifted in place; xoroshiro words are the top ``k``
    bits of the replica's stream ``r``, drawn in increasing position; shared
    windows are read from the group registers ``reg`` (shifted once per sweep by the caller).
    """
    mode = par[P_RNG]
    if mode == WORDS_FIBONACCI or mode == WORDS_GALOIS:
        ra = reg[a:b]
        shift_registers(par, ra)
        return ra
    wa = w[a:b]
    if mode == WORDS_XOROSHIRO:
        top = _u(64 - par[P_K])
        s0 = rng[r, 0]
        s1 = rng[r, 1]
        for i in range(wa.shape[0]):  # xoroshiro128+, as pbitsim.kernels.rng.next_u64
            x = s0 + s1
            s1 ^= s0
            s0 = ((s0 << _u(24)) | (s0 >> _u(40))) ^ s1 ^ (s1 << _u(16))
            s1 = (s1 << _u(37)) | (s1 >> _u(27))
            wa[i] = x >> top
        rng[r, 0] = s0
        rng[r, 1] = s1
        return wa
    sa = slot[a:b]
    oa = off[a:b]
    for i in range(wa.shape[0]):
        wa[i] = reg[_u(sa[i])] >> _u(oa[i])
    return wa


@njit(cache=True)
def phase_decisions(par, table, fa, words, sa, flips):
    """Decide the p-bits of a phase; their positions that flip go to ``flips`` (int32), count returned.

    ``fa`` holds ``A - a_lo``, the table index (clipped to ``0 .. m - 1`` when
    ``par[P_CLIP]``).  With ``x = word & (2**k - 1)`` and
    ``(lo, span) = table[2 j], table[2 j + 1]`` the output is ``+1`` iff
    ``x - lo < span`` in uint64 arithmetic, i.e. iff ``lo <= x < lo + span``:
    ``[0, T)`` or, for an inverted entry, ``[T, 2**k)``.  A p-bit flips iff
    that differs from its state ``sa``.  Branch-free (the flips are compacted).
    """
    kmask = _u(par[P_KMASK])
    top = np.int64(par[P_TOP_INDEX])
    clip = par[P_CLIP] != 0
    cnt = 0
    for i in range(fa.shape[0]):
        plus = table_decision(table, np.int64(fa[i]), words[i], kmask, top, clip)
        flips[cnt] = i
        cnt += plus != (sa[i] > 0)
    return cnt


@njit(cache=True, inline="always")
def table_decision(table, j, word, kmask, top, clip):
    """One decision of the table: True (``+1``) iff ``lo <= (word & kmask) < lo + span``.

    ``j`` (int64) is the table index ``A - a_lo``, clipped to ``0 .. top`` when
    ``clip``; ``(lo, span) = table[2 j], table[2 j + 1]`` (see
    :func:`phase_decisions`, which calls this for every p-bit of a phase, and
    the event kernel, for one update).  ``kmask = par[P_KMASK]``,
    ``top = par[P_TOP_INDEX]``, ``clip = par[P_CLIP] != 0``.
    """
    if clip:
        j = min(max(j, 0), top)
    j = _u(2 * j)
    return (word & kmask) - table[j] < table[j + _u(1)]


@njit(cache=True)
def phase_flips(g, fk, a, s, fint, flips, cnt, track):
    """Flip p-bits ``a + flips[:cnt]`` one by one: states and neighbours' sums; returns the ideal energy
    change (0 unless ``track``)."""
    indptr, nbr, wt = g.indptr, fk.nbr, fk.wt
    de = 0.0
    for z in range(cnt):
        i = _u(a + flips[z])
        di = -2 * np.int64(s[i])  # 2 m_new
        s[i] = -s[i]
        k0 = _u(indptr[i])
        k1 = _u(indptr[i + _u(1)])
        if track:
            acc = g.h[i]
            for k in range(k0, k1):
                acc += g.weights[k] * s[_u(nbr[k])]
            de -= di * acc
        for k in range(k0, k1):
            j = _u(nbr[k])
            fint[j] += wt[k] * di
    return de


@njit(cache=True)
def fast_sweeps(g, fk, colour_ptr, s, work, rng, r, reg, n_sweeps, track, de):
    """``n_sweeps`` sweeps of replica ``r`` (state ``s``, registers ``reg``); returns ``de`` plus the ideal
    energy change (unchanged unless ``track``).  ``work = (fint, w, flips)``: cached sums, word buffer,
    flip list."""
    fint, w, flips = work
    par = fk.par
    shared = par[P_RNG] >= WORDS_SHARED_FIBONACCI
    for _ in range(n_sweeps):
        if shared:
            shift_registers(par, reg)
        for c in range(colour_ptr.shape[0] - 1):
            a = colour_ptr[c]
            b = colour_ptr[c + 1]
            words = phase_words(par, a, b, rng, r, reg, fk.slot, fk.off, w)
            cnt = phase_decisions(par, fk.table, fint[a:b], words, s[a:b], flips)
            de += phase_flips(g, fk, a, s, fint, flips, cnt, track)
    return de


@njit(cache=True)
def wide_sums(g, fk, s, fint):
    """``fint[i] = hc_i - a_lo + sum_j wc(i <- j) m_j`` (exact in ``fint``'s dtype, chosen to hold every such sum)."""
    for i in range(s.shape[0]):
        acc = np.int64(fk.hint[i])
        for k in range(g.indptr[i], g.indptr[i + 1]):
            acc += fk.wint[k] * s[fk.nbr[k]]
        fint[i] = acc


@njit(cache=True, parallel=True)
def run_datapath_fast(g, fk, colour_ptr, state, rng, lfsr, schedule, out_states, out_energies, carry):
    """Same contract as :func:`pbitsim.kernels.chromatic_datapath.run_datapath` (same states, energies
    equal to rounding), over ``schedule``'s window (:mod:`pbitsim.kernels.run_window`).

    ``carry`` float64 (R, 3): the tracked energy, the energy change of the
    unfinished unit and the sweeps since the last resync, per replica (set up
    when the window starts at sweep 0).
    """
    n_samples, thin, g0, g1 = schedule[S_N_SAMPLES], schedule[S_THIN], schedule[S_FROM], schedule[S_TO]
    n = state.shape[1]
    store = out_states.shape[1] > 0
    track = thin < TRACK_THIN
    buffered = fk.par[P_RNG] == WORDS_XOROSHIRO or fk.par[P_RNG] >= WORDS_SHARED_FIBONACCI
    for rr in prange(state.shape[0]):
        r = np.int64(rr)  # signed (the prange index is unsigned): one specialisation of the helpers
        s = state[r]
        reg = lfsr[r]
        fint = np.empty_like(fk.hint)
        w = np.empty(n if buffered else 0, dtype=np.uint64)
        flips = np.empty(n, dtype=np.int32)
        wide_sums(g, fk, s, fint)
        work = (fint, w, flips)
        e, de, since = carry[r, 0], carry[r, 1], np.int64(carry[r, 2])
        t, done = window_start(schedule)
        gs = g0
        while t <= n_samples:
            steps = unit_length(schedule, t)
            k = min(steps - done, g1 - gs)
            de = fast_sweeps(g, fk, colour_ptr, s, work, rng, r, reg, k, track and t > 0, de)
            gs += k
            done += k
            if done < steps:
                break
            if t == 0:
                e = ideal_energy(g, s) if track else 0.0
                since = 0
            else:
                e += de
                since += thin
                if not track or since >= RESYNC_SWEEPS:
                    e = ideal_energy(g, s)
                    since = 0
                out_energies[r, t - 1] = e
                if store:
                    for i in range(n):
                        out_states[r, t - 1, i] = s[i]
            de = 0.0
            t += 1
            done = 0
        carry[r, 0] = e
        carry[r, 1] = de
        carry[r, 2] = since
