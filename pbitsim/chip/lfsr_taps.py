"""Maximal-length LFSR tap sets for register widths 2..64.

Source: Xilinx application note XAPP052, "Efficient Shift Registers, LFSR
Counters, and Long Pseudo-Random Sequence Generators" (P. Alfke, 1996),
Table 3 ("Taps for Maximum-Length LFSR Counters"), which starts at width 3;
width 2 uses the only primitive trinomial, ``x^2 + x + 1`` (taps 2, 1).

Numbering convention (XAPP052): register bits are numbered 1..w, the feedback
enters bit 1 and the register shifts towards bit w, which is the output end.
A tap set ``(w, a, b, c)`` means ``feedback = b_w ^ b_a ^ b_b ^ b_c`` (XOR
form) or its complement (XNOR form, as drawn in XAPP052). The same taps are
maximal for both forms. In the uint64 masks used by the kernels, tap ``k`` is
bit ``k - 1`` (see :func:`taps_to_mask`), so tap ``w`` is the register MSB.

Every tap set here has an even number of taps (a primitive polynomial has an
odd number of terms, one of which is the constant 1), so the XNOR register is
the bitwise complement of the XOR one and locks up in the all-ones state.

The table is verified, not trusted: ``tests/kernels/test_lfsr.py`` measures
the period ``2**w - 1`` by brute force for small widths and checks that every
tap polynomial is primitive over GF(2) for all widths 2..64.
"""
from pbitsim.errors import PbitsimError

MAXIMAL_TAPS = {
    2: (2, 1),
    3: (3, 2),
    4: (4, 3),
    5: (5, 3),
    6: (6, 5),
    7: (7, 6),
    8: (8, 6, 5, 4),
    9: (9, 5),
    10: (10, 7),
    11: (11, 9),
    12: (12, 6, 4, 1),
    13: (13, 4, 3, 1),
    14: (14, 5, 3, 1),
    15: (15, 14),
    16: (16, 15, 13, 4),
    17: (17, 14),
    18: (18, 11),
    19: (19, 6, 2, 1),
    20: (20, 17),
    21: (21, 19),
    22: (22, 21),
    23: (23, 18),
    24: (24, 23, 22, 17),
    25: (25, 22),
    26: (26, 6, 2, 1),
    27: (27, 5, 2, 1),
    28: (28, 25),
    29: (29, 27),
    30: (30, 6, 4, 1),
    31: (31, 28),
    32: (32, 22, 2, 1),
    33: (33, 20),
    34: (34, 27, 2, 1),
    35: (35, 33),
    36: (36, 25),
    37: (37, 5, 4, 3, 2, 1),
    38: (38, 6, 5, 1),
    39: (39, 35),
    40: (40, 38, 21, 19),
    41: (41, 38),
    42: (42, 41, 20, 19),
    43: (43, 42, 38, 37),
    44: (44, 43, 18, 17),
    45: (45, 44, 42, 41),
    46: (46, 45, 26, 25),
    47: (47, 42),
    48: (48, 47, 21, 20),
    49: (49, 40),
    50: (50, 49, 24, 23),
    51: (51, 50, 36, 35),
    52: (52, 49),
    53: (53, 52, 38, 37),
    54: (54, 53, 18, 17),
    55: (55, 31),
    56: (56, 55, 35, 34),
    57: (57, 50),
    58: (58, 39),
    59: (59, 58, 38, 37),
    60: (60, 59),
    61: (61, 60, 46, 45),
    62: (62, 61, 6, 5),
    63: (63, 62),
    64: (64, 63, 61, 60),
}

#: Taps of the reference p-bit RTL: 32-bit Fibonacci XNOR register.
REFERENCE_RTL_TAPS = (32, 22, 2, 1)


def taps_to_mask(taps):
    """Convert 1-based XAPP052 taps to a uint64-compatible integer mask.

    Parameters
    ----------
    taps : iterable of int
        Tap positions in 1..64; tap ``k`` sets bit ``k - 1``.

    Returns
    -------
    int
        Python int in ``[1, 2**64)``; the register width is the highest tap.

    Raises
    ------
    PbitsimError
        (a ``ValueError``) if ``taps`` is empty, repeats a tap, or a tap is outside 1..64.
    """
    taps = tuple(int(t) for t in taps)
    if not taps:
        raise PbitsimError("taps must name at least one tap")
    if len(set(taps)) != len(taps):
        raise PbitsimError(f"taps must be distinct, got {taps}")
    mask = 0
    for t in taps:
        if not 1 <= t <= 64:
            raise PbitsimError(f"tap {t} is outside 1..64 (taps={taps})")
        mask |= 1 << (t - 1)
    return mask
