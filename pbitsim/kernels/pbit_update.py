r"""The hardware p-bit datapath as one inline decision function (bit-exact golden model).

One update of p-bit ``i`` (documented bit for bit in ``docs/datapath.md``):

1. Input.  Float mode: ``x = sum_j J_ij m_j + h_i`` (float64, J possibly with
   mismatch).  Fixed mode: the wide integer sum ``A = sum_j Jc_ij m_j + hc_i`` of
   the weight/bias codes (units ``2**-F``, ``F`` = their common fraction bits)
   is aligned to the accumulator (``A << up`` or ``A >> down``, arithmetic),
   then saturated or wrapped to ``acc_bits``; then ``beta_shift``
   (``a >> s`` for ``s > 0``, ``a << -s`` for ``s < 0``).  ``x = a * lsb``.
2. Analog non-idealities (only when present): ``x <- gain_i (x + offset_i + sigma_n g)``,
   ``g ~ N(0,1)`` per update.  Stuck p-bits return their stuck value.
3. A ``k``-bit random word ``w`` (ideal: 53 bits; xoroshiro: top ``k`` bits of
   a xoroshiro128+ output; LFSR: the register after ``steps`` shifts, low ``k``
   bits, or a shared register's window).
4. Activation.  ``tanh``: ``+1`` iff ``w < 2**k (1 + tanh(beta x)) / 2``;
   ``hard_sigmoid``: ``(1 + clip(beta x, -1, 1)) / 2`` likewise; ``lut``:
   ``T = lut[index]`` (``lut_out_bits``-bit thresholds that already hold
   ``beta``), ``+1`` iff ``T > w`` compared at ``min(k, L)`` bits; symmetric
   tables are indexed by ``min(|a|, size-1)`` and the output is inverted for
   ``a < 0``; signed tables by ``clip(a + size/2, 0, size-1)``.
"""
import math

import numpy as np
from numba import njit

from .activation import fast_tanh
from .fixed_point import apply_overflow
from .lfsr import lfsr_step
from .rng import next_double, next_u64

# indices into the int64 config vector ``cfg``
FIXED, ACC_BITS, ACC_OVERFLOW, ALIGN_UP, ALIGN_DOWN, BETA_SHIFT, ACTIVATION, LUT_SYMMETRIC, LUT_BITS, \
    RNG_KIND, RNG_BITS, LFSR_WIDTH, LFSR_MASK, LFSR_XNOR, LFSR_GALOIS, LFSR_STEPS, LFSR_SHARED, \
    ANALOG, LFSR_TOGGLE, N_CFG = range(20)
# indices into the float64 vector ``real`` (TWO_K = 2**RNG_BITS, precomputed)
BETA, LSB, NOISE_SIGMA, TWO_K, N_REAL = range(5)

ACT_TANH, ACT_LUT, ACT_HARD = 0, 1, 2
RNG_IDEAL, RNG_XOROSHIRO, RNG_LFSR = 0, 1, 2


@njit(inline="always", cache=True)
def gaussian(rng, r):
    """Standard normal by Box-Muller from stream ``r``."""
    u1 = next_double(rng, r)
    u2 = next_double(rng, r)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@njit(inline="always", cache=True)
def accumulator_value(cfg, a):
    """Align a wide integer sum to the accumulator, apply overflow and the beta shift (int64)."""
    if cfg[ALIGN_UP] > 0:
        a = a << cfg[ALIGN_UP]
    elif cfg[ALIGN_DOWN] > 0:
        a = a >> cfg[ALIGN_DOWN]
    a = apply_overflow(a, cfg[ACC_BITS], cfg[ACC_OVERFLOW])
    s = cfg[BETA_SHIFT]
    if s > 0:
        a = a >> s
    elif s < 0:
        a = a << (-s)
    return a


@njit(inline="always", cache=True)
def random_word(cfg, rng, r, lfsr, slot, off):
    """A ``k``-bit random word (uint64) for the comparator; ``k = cfg[RNG_BITS]``."""
    k = cfg[RNG_BITS]
    kmask = ~np.uint64(0) if k >= 64 else (np.uint64(1) << np.uint64(k)) - np.uint64(1)
    if cfg[RNG_KIND] != RNG_LFSR:
        return next_u64(rng, r) >> np.uint64(64 - k)
    if cfg[LFSR_SHARED] != 0:  # shared register (advanced once per sweep by the caller), window at ``off``
        return (lfsr[r, slot] >> np.uint64(off)) & kmask
    # per-p-bit register, advanced at each of its updates
    mask = np.uint64(cfg[LFSR_MASK])
    toggle = np.uint64(cfg[LFSR_TOGGLE])
    width = cfg[LFSR_WIDTH]
    xnor = cfg[LFSR_XNOR] != 0
    galois = cfg[LFSR_GALOIS] != 0
    s = lfsr[r, slot]
    for _ in range(cfg[LFSR_STEPS]):
        s = lfsr_step(s, mask, toggle, width, xnor, galois)
    lfsr[r, slot] = s
    return s & kmask


@njit(inline="always", cache=True)
def decide(cfg, real, gain, offset, stuck, lut, i, a_int, x_float, rng, r, lfsr, slot, off):
    """New state (+1/-1, int8) of p-bit ``i`` given its raw input (see module docstring)."""
    if stuck[i] != 0:
        return stuck[i]
    fixed = cfg[FIXED] != 0
    if fixed:
        a = accumulator_value(cfg, a_int)
        x = a * real[LSB]
    else:
        a = np.int64(0)
        x = x_float
    analog = cfg[ANALOG] != 0
    if analog:
        noise = 0.0
        if real[NOISE_SIGMA] > 0.0:
            noise = real[NOISE_SIGMA] * gaussian(rng, r)
        x = gain[i] * (x + offset[i] + noise)
    w = random_word(cfg, rng, r, lfsr, slot, off)
    k = cfg[RNG_BITS]
    act = cfg[ACTIVATION]
    if act == ACT_LUT:
        if analog or not fixed:
            idx = np.int64(round(x / real[LSB]))
        else:
            idx = a
        size = lut.shape[0]
        L = cfg[LUT_BITS]
        if cfg[LUT_SYMMETRIC] != 0:
            mag = -idx if idx < 0 else idx
            t = lut[min(mag, size - 1)]
        else:
            t = lut[min(max(idx + size // 2, 0), size - 1)]
        if k >= L:
            plus = t > (w >> np.uint64(k - L))
        else:
            plus = (t >> np.uint64(L - k)) > w
        if cfg[LUT_SYMMETRIC] != 0 and idx < 0:
            plus = not plus
        return np.int8(1) if plus else np.int8(-1)
    bx = real[BETA] * x
    if act == ACT_TANH:
        p = 0.5 * (1.0 + fast_tanh(bx))
    else:
        p = 0.5 * (1.0 + min(max(bx, -1.0), 1.0))
    return np.int8(1) if np.float64(w) < p * real[TWO_K] else np.int8(-1)


@njit(cache=True)
def advance_shared(cfg, lfsr, r):
    """Advance every shared register of replica ``r`` by ``cfg[LFSR_STEPS]`` shifts (once per sweep)."""
    width = cfg[LFSR_WIDTH]
    mask = np.uint64(cfg[LFSR_MASK])
    galois = cfg[LFSR_GALOIS] != 0
    toggle = np.uint64(cfg[LFSR_TOGGLE])
    for g in range(lfsr.shape[1]):
        s = lfsr[r, g]
        for _ in range(cfg[LFSR_STEPS]):
            s = lfsr_step(s, mask, toggle, width, cfg[LFSR_XNOR] != 0, galois)
        lfsr[r, g] = s


@njit(cache=True)
def decision_table(cfg, real, lut, a_lo, thr, inv):
    r"""Tabulate :func:`decide` of a fixed-point chip without analog effects as integer thresholds.

    For the wide sum ``A = a_lo + j`` (``j < thr.shape[0]``) the decision is
    ``+1`` iff ``((w >> sh) < thr[j]) != inv[j]`` for every ``k``-bit word
    ``w``; returns ``sh``.  Table: ``T`` and ``sh = k - L`` (``k >= L``) or
    ``T >> (L - k)`` and ``sh = 0``, ``inv`` = symmetric table and ``idx < 0``.
    ``tanh`` / ``hard_sigmoid``: ``w < q`` (float64, ``q = P 2**k``) is
    ``w < ceil(q)`` for integer ``w < 2**53`` (the caller must ensure ``k <= 53``),
    so ``thr = ceil(q)`` (0 when ``q <= 0``), ``sh = 0``, ``inv = 0``.
    ``thr`` uint64 (m,), ``inv`` uint8 (m,) are filled.
    """
    k = cfg[RNG_BITS]
    L = cfg[LUT_BITS]
    size = lut.shape[0]
    sym = cfg[LUT_SYMMETRIC] != 0
    act = cfg[ACTIVATION]
    sh = max(k - L, 0) if act == ACT_LUT else 0
    for j in range(thr.shape[0]):
        a = accumulator_value(cfg, np.int64(a_lo + j))
        inv[j] = 0
        if act == ACT_LUT:
            if sym:
                mag = -a if a < 0 else a
                t = lut[min(mag, size - 1)]
                if a < 0:
                    inv[j] = 1
            else:
                t = lut[min(max(a + size // 2, 0), size - 1)]
            thr[j] = t if k >= L else t >> np.uint64(L - k)
            continue
        bx = real[BETA] * (a * real[LSB])
        if act == ACT_TANH:
            p = 0.5 * (1.0 + fast_tanh(bx))
        else:
            p = 0.5 * (1.0 + min(max(bx, -1.0), 1.0))
        q = p * real[TWO_K]
        thr[j] = np.uint64(math.ceil(q)) if q > 0.0 else np.uint64(0)
    return sh
