r"""Linear-feedback shift registers (Fibonacci and Galois, XOR and XNOR) as Numba kernels.

Register encoding
-----------------
A width-``w`` register (``2 <= w <= 64``) is one ``uint64`` whose low ``w``
bits hold the state; higher bits are always zero. Bit ``i`` (0-based) is the
XAPP052 stage ``i + 1``: the register shifts from bit 0 towards bit ``w-1``
(the output end, tap ``w``). ``mask`` is the tap mask, bit ``k-1`` set for
tap ``k`` (see :func:`pbitsim.chip.lfsr_taps.taps_to_mask`). States are stored in
plain ``uint64`` arrays, one entry per register, advanced in place.

Step rules (``M = 2**w - 1``, ``par`` = parity of the set bits)
-------------------------------------------------------------
* Fibonacci: ``fb = par(s & mask)`` (XOR) or ``1 - par(s & mask)`` (XNOR,
  as a chain of XNOR gates with an even number of taps, e.g. the reference
  RTL ``{s[30:0], s[31] ^~ s[21] ^~ s[1] ^~ s[0]}``); ``s' = ((s << 1) | fb) & M``.
  The output sequence obeys ``y_n = sum_{t in taps} y_{n-t} (mod 2)``, i.e.
  characteristic polynomial ``p(x) = x^w + sum_{t in taps, t<w} x^(w-t) + 1``.
* Galois: multiplication by ``x`` modulo the same ``p(x)``:
  ``out = s >> (w-1)``; ``s' = (s << 1) & M``; if ``out``: ``s' ^= T`` where the
  toggle mask ``T`` is ``mask`` bit-reversed within ``w`` bits (so bit 0 is
  always toggled). XNOR Galois is the complement conjugate
  ``s' = ~step_xor(~s) & M``, equivalent to XNOR gates at the toggle stages.

Both forms produce the same maximal-length sequence (up to a phase) in
bit 0. The *output bit* of a step is the new bit 0. XOR registers lock up in
the all-zeros state, XNOR registers (with an even number of taps, which
includes every maximal tap set) in the all-ones state.
"""
import numpy as np
from numba import njit

_ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(inline="always", cache=True)
def width_mask(width):
    """All-ones ``uint64`` of ``width`` bits (``width`` in 1..64)."""
    if width >= 64:
        return _ALL_ONES
    return (np.uint64(1) << np.uint64(width)) - np.uint64(1)


@njit(inline="always", cache=True)
def parity64(x):
    """Parity (0 or 1, as ``uint64``) of the set bits of a ``uint64``."""
    x = np.uint64(x)
    x ^= x >> np.uint64(32)
    x ^= x >> np.uint64(16)
    x ^= x >> np.uint64(8)
    x ^= x >> np.uint64(4)
    x ^= x >> np.uint64(2)
    x ^= x >> np.uint64(1)
    return x & np.uint64(1)


@njit(inline="always", cache=True)
def reverse_bits(x, width):
    """Reverse the low ``width`` bits of a ``uint64`` (bit ``i`` -> bit ``width-1-i``)."""
    x = np.uint64(x)
    x = ((x >> np.uint64(1)) & np.uint64(0x5555555555555555)) | ((x & np.uint64(0x5555555555555555)) << np.uint64(1))
    x = ((x >> np.uint64(2)) & np.uint64(0x3333333333333333)) | ((x & np.uint64(0x3333333333333333)) << np.uint64(2))
    x = ((x >> np.uint64(4)) & np.uint64(0x0F0F0F0F0F0F0F0F)) | ((x & np.uint64(0x0F0F0F0F0F0F0F0F)) << np.uint64(4))
    x = ((x >> np.uint64(8)) & np.uint64(0x00FF00FF00FF00FF)) | ((x & np.uint64(0x00FF00FF00FF00FF)) << np.uint64(8))
    x = ((x >> np.uint64(16)) & np.uint64(0x0000FFFF0000FFFF)) | ((x & np.uint64(0x0000FFFF0000FFFF)) << np.uint64(16))
    x = (x >> np.uint64(32)) | (x << np.uint64(32))
    return x >> np.uint64(64 - width)


@njit(inline="always", cache=True)
def galois_toggle_mask(mask, width):
    """Galois toggle mask ``T``: the tap ``mask`` bit-reversed within ``width`` bits (``uint64``)."""
    return reverse_bits(np.uint64(mask) & width_mask(width), width)


@njit(inline="always", cache=True)
def fibonacci_step(state, mask, width, xnor):
    """One Fibonacci shift of a ``width``-bit register.

    Parameters
    ----------
    state, mask : uint64
        Register contents (low ``width`` bits) and tap mask (bit ``k-1`` = tap ``k``).
    width : int
        Register width, 2..64.
    xnor : bool
        XNOR feedback (complemented parity) instead of XOR.

    Returns
    -------
    uint64
        The new state; its bit 0 is the output (feedback) bit.
    """
    s = np.uint64(state)
    fb = parity64(s & np.uint64(mask))
    if xnor:
        fb ^= np.uint64(1)
    return ((s << np.uint64(1)) | fb) & width_mask(width)


@njit(inline="always", cache=True)
def galois_step_toggle(state, toggle, width, xnor):
    """One Galois shift given the precomputed toggle mask (see :func:`galois_toggle_mask`)."""
    wm = width_mask(width)
    s = np.uint64(state)
    if xnor:
        s = ~s & wm
    out = (s >> np.uint64(width - 1)) & np.uint64(1)
    s = (s << np.uint64(1)) & wm
    if out:
        s ^= np.uint64(toggle)
    if xnor:
        s = ~s & wm
    return s


@njit(inline="always", cache=True)
def galois_step(state, mask, width, xnor):
    """One Galois shift of a ``width``-bit register with tap ``mask`` (same taps as Fibonacci).

    Returns the new ``uint64`` state; its bit 0 is the output bit, which is the
    old MSB for both XOR and XNOR feedback.
    """
    return galois_step_toggle(state, galois_toggle_mask(mask, width), width, xnor)


@njit(inline="always", cache=True)
def _step(state, mask, toggle, width, xnor, galois):
    if galois:
        return galois_step_toggle(state, toggle, width, xnor)
    return fibonacci_step(state, mask, width, xnor)


#: Public name of one shift of either structure: ``lfsr_step(state, mask, toggle, width, xnor, galois)``.
lfsr_step = _step


@njit(cache=True)
def draw_word(states, idx, mask, width, xnor, galois):
    """Advance register ``idx`` one step and return the whole register as a ``width``-bit word.

    This is the reference-RTL usage: a 32-bit threshold is compared with the
    32-bit LFSR word after one step per p-bit update. Successive words share
    ``width - 1`` bits (Fibonacci), so they are strongly serially correlated.

    Parameters
    ----------
    states : uint64 array, shape (n_registers,)
        Register states, updated in place at ``idx``.
    idx : int
    mask : uint64 tap mask; width : int (2..64); xnor, galois : bool

    Returns
    -------
    uint64 in ``[0, 2**width)``.
    """
    toggle = galois_toggle_mask(mask, width) if galois else np.uint64(0)
    s = _step(states[idx], mask, toggle, width, xnor, galois)
    states[idx] = s
    return s


@njit(cache=True)
def draw_k_bits_shift(states, idx, mask, width, xnor, galois, k):
    """Shift register ``idx`` ``k`` times and return the ``k`` output bits as one word.

    The first output bit is the most significant of the ``k``-bit result
    (``k`` in 1..64). For a Fibonacci register with ``k <= width`` this equals
    the low ``k`` bits of the register after the ``k`` shifts: ``k`` fresh bits.

    Returns
    -------
    uint64 in ``[0, 2**k)``.
    """
    toggle = galois_toggle_mask(mask, width) if galois else np.uint64(0)
    s = states[idx]
    bits = np.uint64(0)
    for _ in range(k):
        s = _step(s, mask, toggle, width, xnor, galois)
        bits = (bits << np.uint64(1)) | (s & np.uint64(1))
    states[idx] = s
    return bits


#: ``lfsr_bits(states, idx, mask, width, xnor, galois, k)``: ``k`` fresh output bits (k shifts).
lfsr_bits = draw_k_bits_shift


@njit(cache=True)
def lfsr_period(state, mask, width, xnor, galois, max_steps):
    """Number of steps until the register returns to ``state``; -1 if more than ``max_steps``.

    A lock-up state has period 1. A maximal tap set gives ``2**width - 1`` for
    every non-lock-up state.
    """
    toggle = galois_toggle_mask(mask, width)
    start = np.uint64(state)
    s = start
    for n in range(1, max_steps + 1):
        s = _step(s, mask, toggle, width, xnor, galois)
        if s == start:
            return n
    return -1


@njit(cache=True)
def lfsr_sequence(state, mask, width, xnor, galois, out):
    """Fill ``out`` (uint64, shape (n,)) with the register after each of ``n`` steps; return the last state."""
    toggle = galois_toggle_mask(mask, width)
    s = np.uint64(state)
    for n in range(out.shape[0]):
        s = _step(s, mask, toggle, width, xnor, galois)
        out[n] = s
    return s


@njit(cache=True)
def lfsr_word_streams(states, mask, width, xnor, galois, k, shift_mode, out):
    """Independent registers, one per column: ``out[d, j]`` is draw ``d`` of register ``j``.

    Parameters
    ----------
    states : uint64 array, shape (n_registers,), advanced in place.
    k : int
        Bits per draw when ``shift_mode`` (``draw_k_bits_shift``); otherwise
        the whole register after one step (``draw_word``) is stored.
    out : uint64 array, shape (n_draws, n_registers).
    """
    for j in range(out.shape[1]):
        for d in range(out.shape[0]):
            if shift_mode:
                out[d, j] = draw_k_bits_shift(states, j, mask, width, xnor, galois, k)
            else:
                out[d, j] = draw_word(states, j, mask, width, xnor, galois)


@njit(cache=True)
def shared_window_words(bits, k, shift, advance, first, out):
    r"""k-bit windows at staggered offsets of one bit sequence (the shared-LFSR trick).

    ``out[d, j] = sum_{i<k} bits[t_d - j*shift - i] << i`` with
    ``t_d = first + d*advance``: p-bit ``j`` reads the ``k`` stages starting at
    offset ``j*shift`` of a Fibonacci register (extended by a delay line) whose
    output sequence is ``bits``.

    Parameters
    ----------
    bits : uint8 array, shape (n_bits,)
        The register's output sequence (0/1), oldest first.
    k, shift, advance, first : int
        Window width, per-p-bit stage offset, shifts per draw, index of the
        newest bit seen at draw 0 (needs ``first >= (n_pbits-1)*shift + k - 1``).
    out : uint64 array, shape (n_draws, n_pbits)
    """
    for d in range(out.shape[0]):
        t = first + d * advance
        for j in range(out.shape[1]):
            base = t - j * shift
            w = np.uint64(0)
            for i in range(k):
                w |= np.uint64(bits[base - i]) << np.uint64(i)
            out[d, j] = w


@njit(cache=True)
def lfsr_register_walk(states, mask, width, xnor, galois, steps, out):
    """Registers sampled every ``steps`` shifts: ``out[d, j]`` = register ``j`` after ``(d + 1) * steps`` shifts.

    The words a per-p-bit register gives its p-bit (low ``k`` bits of each
    row) or a shared register its windows, for ``steps`` shifts per draw.

    Parameters
    ----------
    states : uint64 array, shape (n_registers,)
        Start registers; advanced in place to the last row.
    mask : uint64 tap mask; width : int (2..64); xnor, galois : bool
    steps : int (>= 1)
    out : uint64 array, shape (n_draws, n_registers)
    """
    toggle = galois_toggle_mask(mask, width) if galois else np.uint64(0)
    for j in range(out.shape[1]):
        s = states[j]
        for d in range(out.shape[0]):
            for _ in range(steps):
                s = _step(s, mask, toggle, width, xnor, galois)
            out[d, j] = s
        states[j] = s


@njit(cache=True)
def lfsr_unstep(state, mask, width, xnor, galois):
    """The state one shift *before* ``state`` (the inverse of :func:`lfsr_step`; uint64).

    Fibonacci: the low ``width - 1`` bits of the old state are ``state >> 1``
    and its MSB follows from the feedback bit ``state & 1``, because the
    output tap ``width`` is always in ``mask``.  Galois: the old MSB is the
    new bit 0 (the toggle mask has bit 0 set).  XNOR registers are the
    complement conjugates, as in the forward step.
    """
    wm = width_mask(width)
    top = np.uint64(width - 1)
    s = np.uint64(state) & wm
    if galois:
        if xnor:
            s = ~s & wm
        out = s & np.uint64(1)
        if out:
            s ^= galois_toggle_mask(mask, width)
        s = (s >> np.uint64(1)) | (out << top)
        if xnor:
            s = ~s & wm
        return s
    low = s >> np.uint64(1)
    fb = s & np.uint64(1)
    if xnor:
        fb ^= np.uint64(1)
    rest = parity64(low & np.uint64(mask) & ~(np.uint64(1) << top))
    return low | ((fb ^ rest) << top)
