r"""Scalar fixed-point helpers for the integer datapath (Numba, int64 two's complement).

Encoding
--------
A signed ``bits``-wide fixed-point number with ``f`` fraction bits is stored
as its integer code ``c`` in an ``int64``, value ``c * 2**-f``, code range
``[-2**(bits-1), 2**(bits-1) - 1]`` (``2 <= bits <= 64``). Unsigned formats
are a Python-layer concern (:class:`pbitsim.chip.fixed_point.FixedPoint`); these
kernels implement the signed datapath of the reference RTL.

Mode codes (shared with :class:`pbitsim.chip.fixed_point.FixedPoint`)
-----------------------------------------------------------------
Overflow: ``OVERFLOW_SATURATE`` clips to the code range, ``OVERFLOW_WRAP``
keeps the low ``bits`` bits (two's complement wrap-around).

Rounding of ``x / 2**shift`` (``r`` = the ``shift`` discarded low bits, read as
an unsigned remainder in ``[0, 2**shift)``):

* ``ROUND_NEAREST_EVEN``: nearest, ties to the even code;
* ``ROUND_FLOOR``: towards -inf (plain arithmetic right shift);
* ``ROUND_STOCHASTIC``: up with probability ``r / 2**shift`` -- up iff
  ``u < r / 2**shift`` for the supplied uniform ``u`` in [0, 1), so unbiased;
* ``ROUND_NEAREST``: nearest, ties away from zero;
* ``ROUND_ZERO``: towards zero (truncation of the magnitude).
"""
import numpy as np
from numba import njit

OVERFLOW_SATURATE = 0
OVERFLOW_WRAP = 1

ROUND_NEAREST_EVEN = 0
ROUND_FLOOR = 1
ROUND_STOCHASTIC = 2
ROUND_NEAREST = 3
ROUND_ZERO = 4


@njit(inline="always", cache=True)
def code_max(bits):
    """Largest signed code ``2**(bits-1) - 1`` as int64 (``bits`` in 2..64)."""
    return np.int64(((np.uint64(1) << np.uint64(bits - 1)) - np.uint64(1)))


@njit(inline="always", cache=True)
def code_min(bits):
    """Smallest signed code ``-2**(bits-1)`` as int64 (``bits`` in 2..64)."""
    return -code_max(bits) - np.int64(1)


@njit(inline="always", cache=True)
def saturate(x, lo, hi):
    """Clip the int64 ``x`` to ``[lo, hi]``."""
    if x < lo:
        return np.int64(lo)
    if x > hi:
        return np.int64(hi)
    return np.int64(x)


@njit(inline="always", cache=True)
def wrap(x, bits):
    """Two's-complement wrap of int64 ``x`` into ``[-2**(bits-1), 2**(bits-1) - 1]``.

    Keeps the low ``bits`` bits and sign-extends bit ``bits-1``
    (``bits`` = 64 is the identity).
    """
    s = np.uint64(64 - bits)
    return np.int64(np.uint64(np.int64(x)) << s) >> np.int64(s)


@njit(inline="always", cache=True)
def apply_overflow(x, bits, mode):
    """Bring int64 ``x`` into the signed ``bits``-wide code range by ``mode`` (OVERFLOW_* code)."""
    if mode == OVERFLOW_WRAP:
        return wrap(x, bits)
    return saturate(x, code_min(bits), code_max(bits))


@njit(inline="always", cache=True)
def round_shift(x, shift, mode, u):
    """``x / 2**shift`` rounded to an integer by ``mode`` (ROUND_* code).

    This is the hardware rescale after a multiply (e.g. ``beta * I`` or a wide
    accumulator narrowed to the LUT index): an arithmetic right shift plus a
    rounding increment. Exact in int64 for ``0 <= shift <= 62``.

    Parameters
    ----------
    x : int64
    shift : int
        Number of fraction bits dropped, 0..62.
    mode : int
        A ``ROUND_*`` code.
    u : float
        Uniform in [0, 1), used only by ``ROUND_STOCHASTIC``.

    Returns
    -------
    int64 (no overflow handling: follow with :func:`apply_overflow`).
    """
    x = np.int64(x)
    if shift <= 0:
        return x
    sh = np.int64(shift)
    q = x >> sh
    r = x - (q << sh)  # in [0, 2**shift)
    if r == 0:
        return q
    half = np.int64(1) << (sh - np.int64(1))
    if mode == ROUND_FLOOR:
        return q
    if mode == ROUND_NEAREST_EVEN:
        if r > half or (r == half and (q & np.int64(1)) == 1):
            return q + np.int64(1)
        return q
    if mode == ROUND_NEAREST:
        if r > half or (r == half and q >= 0):
            return q + np.int64(1)
        return q
    if mode == ROUND_ZERO:
        if x < 0:
            return q + np.int64(1)
        return q
    # ROUND_STOCHASTIC
    if u < r * 2.0 ** (-shift):
        return q + np.int64(1)
    return q


@njit(inline="always", cache=True)
def float_to_code(x, frac_bits, bits, round_mode, overflow_mode, u):
    """Quantise a float to a signed ``bits``-wide code with ``frac_bits`` fraction bits.

    Same semantics as :meth:`pbitsim.chip.fixed_point.FixedPoint.to_int` for a
    signed format: scale by ``2**frac_bits``, round (stochastic: up iff
    ``u < frac``), then overflow. ``x`` must be finite.
    """
    s = x * 2.0 ** frac_bits
    fl = np.floor(s)
    frac = s - fl
    if frac == 0.0:
        r = fl
    elif round_mode == ROUND_FLOOR:
        r = fl
    elif round_mode == ROUND_ZERO:
        r = fl + 1.0 if s < 0.0 else fl
    elif round_mode == ROUND_STOCHASTIC:
        r = fl + 1.0 if u < frac else fl
    elif frac > 0.5:
        r = fl + 1.0
    elif frac < 0.5:
        r = fl
    elif round_mode == ROUND_NEAREST:
        r = fl + 1.0 if s > 0.0 else fl
    else:  # nearest even, tie
        r = fl + 1.0 if np.fmod(fl, 2.0) != 0.0 else fl
    top = 2.0 ** (bits - 1)
    if r >= top or r < -top:
        if overflow_mode == OVERFLOW_WRAP:
            m = np.fmod(r, 2.0 * top)  # exact; sign of r
            if m >= top:
                m -= 2.0 * top
            elif m < -top:
                m += 2.0 * top
            return np.int64(m)
        return code_max(bits) if r > 0.0 else code_min(bits)
    return np.int64(r)
