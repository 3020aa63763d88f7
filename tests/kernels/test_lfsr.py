"""LFSR kernels, tap table, seeding and shared-register stream correlations."""
import math

import numpy as np
import pytest

from pbitsim.compiler import rng_streams as rs
from pbitsim.errors import PbitsimError
from pbitsim.kernels import lfsr as kl
from pbitsim.chip.lfsr_taps import MAXIMAL_TAPS, REFERENCE_RTL_TAPS, taps_to_mask

VARIANTS = [(False, False), (True, False), (False, True), (True, True)]  # (xnor, galois)


# ---------------------------------------------------------------- slow references
def ref_fibonacci(state, taps, width, xnor):
    """Pure-Python Fibonacci step written from the XAPP052 picture (stage t = bit t-1)."""
    bits = [(state >> i) & 1 for i in range(width)]
    fb = 0
    for t in taps:
        fb ^= bits[t - 1]
    if xnor:
        fb ^= 1
    return ((state << 1) | fb) & ((1 << width) - 1)


def ref_rtl32(state):
    """The reference RTL: {s[30:0], s[31] ^~ s[21] ^~ s[1] ^~ s[0]} with Verilog's left-assoc ^~."""
    b = [(state >> i) & 1 for i in range(32)]
    x = 1 - (b[31] ^ b[21])
    x = 1 - (x ^ b[1])
    x = 1 - (x ^ b[0])
    return ((state << 1) & 0xFFFFFFFF) | x


def ref_galois(state, taps, width, xnor):
    """Multiply by x modulo p(x) = x^w + sum x^(w-t) + 1 (complement-conjugated for XNOR)."""
    full = (1 << width) - 1
    if xnor:
        state = ~state & full
    poly = (1 << width) | sum(1 << (width - t) for t in taps)
    state <<= 1
    if state >> width:
        state ^= poly
    return ~state & full if xnor else state


def gf2_mulmod(a, b, p, deg):
    r = 0
    while b:
        if b & 1:
            r ^= a
        b >>= 1
        a <<= 1
        if (a >> deg) & 1:
            a ^= p
    return r


def gf2_powmod(e, p, deg):
    result, base = 1, 2  # base = x
    while e:
        if e & 1:
            result = gf2_mulmod(result, base, p, deg)
        base = gf2_mulmod(base, base, p, deg)
        e >>= 1
    return result


def is_primitive(taps, width):
    """x has order exactly 2^w - 1 modulo 1 + sum x^t (the reciprocal of p, primitive iff p is)."""
    import sympy  # the [test] extra
    p = 1 | sum(1 << t for t in taps)
    order = (1 << width) - 1
    if gf2_powmod(order, p, width) != 1:
        return False
    return all(gf2_powmod(order // q, p, width) != 1 for q in sympy.factorint(order))


# ---------------------------------------------------------------- tap table
def test_tap_table_covers_2_to_64():
    assert sorted(MAXIMAL_TAPS) == list(range(2, 65))
    for w, taps in MAXIMAL_TAPS.items():
        assert max(taps) == w and len(set(taps)) == len(taps) and len(taps) % 2 == 0
    assert MAXIMAL_TAPS[32] == REFERENCE_RTL_TAPS == (32, 22, 2, 1)
    assert taps_to_mask((32, 22, 2, 1)) == (1 << 31) | (1 << 21) | 0b11
    for bad in [(), (0, 3), (65,), (3, 3)]:
        with pytest.raises(PbitsimError):
            taps_to_mask(bad)


@pytest.mark.parametrize("width", range(2, 65))
def test_tap_polynomials_are_primitive(width):
    assert is_primitive(MAXIMAL_TAPS[width], width)


def test_primitivity_check_rejects_non_maximal_taps():
    # e.g. x^4 + x^2 + 1 = (x^2 + x + 1)^2; confirmed by brute-force period too
    for taps, w in [((4, 2), 4), ((6, 3), 6), ((8, 4), 8)]:
        assert not is_primitive(taps, w)
        assert kl.lfsr_period(np.uint64(1), np.uint64(taps_to_mask(taps)), w, False, False, 2**w) != 2**w - 1


@pytest.mark.parametrize("width", range(2, 25))
@pytest.mark.parametrize("xnor, galois", VARIANTS)
def test_period_is_maximal(width, xnor, galois):
    mask = np.uint64(taps_to_mask(MAXIMAL_TAPS[width]))
    start = np.uint64(0b10 if xnor else 1)
    assert kl.lfsr_period(start, mask, width, xnor, galois, 2**width + 1) == 2**width - 1
    lock = np.uint64(rs.lockup_state(width, xnor))
    assert kl.lfsr_period(lock, mask, width, xnor, galois, 10) == 1


# ---------------------------------------------------------------- kernels vs slow references
@pytest.mark.parametrize("width", [2, 5, 8, 13, 32, 63, 64])
@pytest.mark.parametrize("xnor, galois", VARIANTS)
def test_steps_match_slow_reference(width, xnor, galois):
    taps = MAXIMAL_TAPS[width]
    mask = np.uint64(taps_to_mask(taps))
    state = int(rs.seed_lfsr_states(width, 1, width, xnor)[0])
    out = np.empty(300, dtype=np.uint64)
    kl.lfsr_sequence(np.uint64(state), mask, width, xnor, galois, out)
    ref = ref_galois if galois else ref_fibonacci
    for n in range(300):
        state = ref(state, taps, width, xnor)
        assert int(out[n]) == state, n
    step = kl.galois_step if galois else kl.fibonacci_step
    assert int(step(out[0], mask, width, xnor)) == int(out[1])


def test_reference_rtl_register():
    mask = np.uint64(taps_to_mask(REFERENCE_RTL_TAPS))
    state = 0x1234ABCD
    out = np.empty(200_000, dtype=np.uint64)
    kl.lfsr_sequence(np.uint64(state), mask, 32, True, False, out)
    assert not np.any(out == 0xFFFFFFFF)  # the XNOR lock-up state
    assert np.all(out < 2**32)
    for n in range(500):
        state = ref_rtl32(state)
        assert int(out[n]) == state
    # draw_word is one step, whole register
    states = np.array([0x1234ABCD, 7], dtype=np.uint64)
    assert kl.draw_word(states, 0, mask, 32, True, False) == out[0]
    assert states[0] == out[0] and states[1] == 7


@pytest.mark.parametrize("galois", [False, True])
def test_draw_k_bits_shift(galois):
    mask = np.uint64(taps_to_mask(MAXIMAL_TAPS[16]))
    seq = np.empty(24, dtype=np.uint64)
    kl.lfsr_sequence(np.uint64(0xACE1), mask, 16, False, galois, seq)
    states = np.array([0xACE1], dtype=np.uint64)
    w1 = kl.draw_k_bits_shift(states, 0, mask, 16, False, galois, 8)
    w2 = kl.lfsr_bits(states, 0, mask, 16, False, galois, 16)
    bits = [int(s) & 1 for s in seq]
    assert w1 == int("".join(map(str, bits[:8])), 2)  # first bit out is the MSB
    assert w2 == int("".join(map(str, bits[8:24])), 2)
    assert states[0] == seq[-1]
    if not galois:  # Fibonacci: the k fresh bits are the low k bits of the register
        assert w1 == int(seq[7]) & 0xFF


def test_fibonacci_and_galois_emit_the_same_m_sequence():
    w = 10
    mask = np.uint64(taps_to_mask(MAXIMAL_TAPS[w]))
    n = 2**w - 1
    fib, gal = np.empty(2 * n, dtype=np.uint64), np.empty(n, dtype=np.uint64)
    kl.lfsr_sequence(np.uint64(1), mask, w, False, False, fib)
    kl.lfsr_sequence(np.uint64(1), mask, w, False, True, gal)
    fb, gb = (fib & np.uint64(1)).astype(np.uint8), (gal & np.uint64(1)).astype(np.uint8)
    assert any(np.array_equal(fb[d:d + n], gb) for d in range(n))


# ---------------------------------------------------------------- seeding
@pytest.mark.parametrize("width, xnor", [(2, False), (2, True), (8, True), (32, True), (64, False)])
def test_seeding_gives_distinct_valid_states(width, xnor):
    n = min(500, 2**width - 1)  # all 255 valid states for width 8
    s = rs.seed_lfsr_states(42, n, width, xnor)
    assert s.dtype == np.uint64 and s.shape == (n,)
    assert len(set(s.tolist())) == n
    assert all(rs.valid_seed(int(v), width, xnor) for v in s)
    np.testing.assert_array_equal(s, rs.seed_lfsr_states(42, n, width, xnor))
    if width > 2:
        assert not np.array_equal(s, rs.seed_lfsr_states(43, n, width, xnor))


def test_seed_validation():
    assert not rs.valid_seed(0, 8, False) and rs.valid_seed(0, 8, True)
    assert not rs.valid_seed(255, 8, True) and rs.valid_seed(255, 8, False)
    assert not rs.valid_seed(256, 8, False)
    assert sorted(rs.seed_lfsr_states(0, 3, 2, True).tolist()) == [0, 1, 2]
    with pytest.raises(PbitsimError, match="distinct"):
        rs.seed_lfsr_states(0, 4, 2, False)
    with pytest.raises(PbitsimError, match="width"):
        rs.seed_lfsr_states(0, 4, 65, False)
    with pytest.raises(PbitsimError, match="output tap"):
        rs.shared_lfsr_streams(0, 4, 16, (15, 14), 8, 10)


# ---------------------------------------------------------------- stream correlations
def test_shared_streams_are_delayed_copies():
    k, shift, n = 8, 3, 20_000
    words = rs.shared_lfsr_streams(1, 5, 32, REFERENCE_RTL_TAPS, k, n, shift=shift)
    assert words.shape == (n, 5) and words.dtype == np.uint64 and words.max() < 2**k
    for j in range(1, 5):
        np.testing.assert_array_equal(words[j * shift:, j], words[:n - j * shift, 0])
    corr, lag = rs.max_lagged_cross_correlation(words, k, max_lag=2 * shift)
    tol = 5 / math.sqrt(n)
    for j in range(4):
        assert corr[j + 1, j] == pytest.approx(1.0) and lag[j + 1, j] == shift
    # advance = shift: neighbours are exactly one draw apart, with fresh bits each draw
    words = rs.shared_lfsr_streams(1, 4, 32, REFERENCE_RTL_TAPS, k, n, shift=k, advance=k)
    np.testing.assert_array_equal(words[1:, 1], words[:-1, 0])
    c0 = rs.stream_cross_correlation(words, k)
    assert np.all(np.abs(c0[~np.eye(4, dtype=bool)]) < tol)  # lag 0 hides the problem
    corr, lag = rs.max_lagged_cross_correlation(words, k, max_lag=3)
    assert corr[1, 0] == pytest.approx(1.0) and lag[1, 0] == 1


@pytest.mark.parametrize("mode", ["word", "shift"])
def test_independent_seeds_are_uncorrelated(mode):
    k, n, p = 32, 20_000, 6
    words = rs.lfsr_streams(7, p, 32, REFERENCE_RTL_TAPS, n, k=k, xnor=True, mode=mode)
    assert words.shape == (n, p) and words.max() < 2**32
    tol = 5 / math.sqrt(n)
    c0 = rs.stream_cross_correlation(words, k)
    np.testing.assert_allclose(np.diag(c0), 1.0)
    assert np.all(np.abs(c0[~np.eye(p, dtype=bool)]) < tol)
    corr, _ = rs.max_lagged_cross_correlation(words, k, max_lag=4)
    assert np.all(np.abs(corr[~np.eye(p, dtype=bool)]) < tol)
    u = words.astype(float) / 2.0**k
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / u.size)
    # Serial correlation of one register: whole-word reads after one shift share 31 bits,
    # u[t+1] ~ frac(2 u[t]) has lag-1 autocorrelation 1/2; k fresh bits per draw remove it.
    expected = 0.5 if mode == "word" else 0.0
    assert np.all(np.abs(np.diag(corr) - expected) < tol)


@pytest.mark.parametrize("width", [2, 5, 16, 32, 63, 64])
@pytest.mark.parametrize("xnor", [False, True])
@pytest.mark.parametrize("galois", [False, True])
def test_unstep_inverts_step(width, xnor, galois):
    from pbitsim.kernels.lfsr import galois_toggle_mask, lfsr_step, lfsr_unstep
    mask = np.uint64(taps_to_mask(MAXIMAL_TAPS[width]))
    toggle = galois_toggle_mask(mask, width)
    rng = np.random.default_rng(width)
    top = (1 << width) - 1
    for s in [int(x) & top for x in rng.integers(0, 2 ** 63, 50, dtype=np.uint64)] + [1, top - 1]:
        nxt = np.uint64(lfsr_step(np.uint64(s), mask, toggle, width, xnor, galois))   # njit returns int
        assert int(lfsr_unstep(nxt, mask, width, xnor, galois)) == s
        prev = np.uint64(lfsr_unstep(np.uint64(s), mask, width, xnor, galois))
        assert int(lfsr_step(prev, mask, toggle, width, xnor, galois)) == s


def test_register_walk_samples_every_steps_shifts():
    from pbitsim.kernels.lfsr import lfsr_register_walk, lfsr_sequence
    mask = np.uint64(taps_to_mask((32, 22, 2, 1)))
    seq = np.zeros(12, dtype=np.uint64)
    lfsr_sequence(np.uint64(0x1234), mask, 32, True, False, seq)
    out = np.zeros((4, 1), dtype=np.uint64)
    start = np.array([0x1234], dtype=np.uint64)
    lfsr_register_walk(start, mask, 32, True, False, 3, out)
    assert np.array_equal(out[:, 0], seq[2::3]) and start[0] == seq[-1]
