"""The integer-datapath kernels agree bit-exactly with the numpy FixedPoint class."""
import numpy as np
import pytest
from numba import njit

from pbitsim.chip.fixed_point import ROUNDING_CODES, FixedPoint
from pbitsim.kernels import fixed_point as kfp

MODES = sorted(ROUNDING_CODES)


@njit
def _float_to_code_vec(x, frac_bits, bits, rmode, omode, u):
    out = np.empty(x.shape[0], dtype=np.int64)
    for i in range(x.shape[0]):
        out[i] = kfp.float_to_code(x[i], frac_bits, bits, rmode, omode, u[i])
    return out


@njit
def _round_shift_vec(x, shift, bits, rmode, omode, u):
    out = np.empty(x.shape[0], dtype=np.int64)
    for i in range(x.shape[0]):
        out[i] = kfp.apply_overflow(kfp.round_shift(x[i], shift, rmode, u[i]), bits, omode)
    return out


@njit
def _wrap_sat_vec(x, bits):
    w = np.empty(x.shape[0], dtype=np.int64)
    s = np.empty(x.shape[0], dtype=np.int64)
    for i in range(x.shape[0]):
        w[i] = kfp.wrap(x[i], bits)
        s[i] = kfp.saturate(x[i], kfp.code_min(bits), kfp.code_max(bits))
    return w, s


def test_mode_codes_are_distinct_and_shared():
    assert sorted(ROUNDING_CODES.values()) == list(range(5))
    assert (kfp.OVERFLOW_SATURATE, kfp.OVERFLOW_WRAP) == (0, 1)
    assert FixedPoint(6, 1, rounding="stochastic", overflow="wrap").rounding_code == kfp.ROUND_STOCHASTIC
    assert FixedPoint(6, 1, overflow="wrap").overflow_code == kfp.OVERFLOW_WRAP


@pytest.mark.parametrize("overflow", ["saturate", "wrap"])
@pytest.mark.parametrize("rounding", MODES)
def test_float_to_code_matches_class(rounding, overflow):
    rng = np.random.default_rng(1)
    for bits, frac in [(2, 0), (6, 1), (8, 4), (16, 15), (32, 8), (64, 0), (64, 20)]:
        fmt = FixedPoint(bits, frac, rounding=rounding, overflow=overflow)
        span = max(-fmt.min_value, 1.0)
        x = np.concatenate([rng.uniform(-3 * span, 3 * span, 2000),
                            np.round(rng.uniform(-span, span, 500) * 2 ** (frac + 1)) / 2 ** (frac + 1),
                            [0.0, fmt.max_value, fmt.min_value, fmt.max_value + fmt.lsb / 2, 1e30, -1e30]])
        u = np.random.default_rng(9).random(x.shape)  # the class draws u exactly like this
        expect = fmt.to_int(x, seed=9)
        got = _float_to_code_vec(x, frac, bits, fmt.rounding_code, fmt.overflow_code, u)
        np.testing.assert_array_equal(got, expect, err_msg=str(fmt))


@pytest.mark.parametrize("overflow", ["saturate", "wrap"])
@pytest.mark.parametrize("rounding", MODES)
def test_round_shift_matches_class(rounding, overflow):
    """A wide integer with F+shift fraction bits narrowed to F bits == quantising its value."""
    rng = np.random.default_rng(2)
    for bits, frac, shift in [(6, 1, 1), (6, 1, 5), (8, 3, 4), (12, 0, 9), (32, 16, 12), (64, 0, 3)]:
        fmt = FixedPoint(bits, frac, rounding=rounding, overflow=overflow)
        lim = min(2 ** 52, 4 * 2 ** (bits - 1 + shift))
        xi = np.concatenate([rng.integers(-lim, lim, 3000), np.arange(-40, 41)]).astype(np.int64)
        u = np.random.default_rng(5).random(xi.shape)
        expect = fmt.to_int(xi * 2.0 ** -(frac + shift), seed=5)
        got = _round_shift_vec(xi, shift, bits, fmt.rounding_code, fmt.overflow_code, u)
        np.testing.assert_array_equal(got, expect, err_msg=f"{fmt} shift={shift}")


def test_round_shift_by_hand():
    # x / 2 for x = -3..3: -1.5, -1, -0.5, 0, 0.5, 1, 1.5
    x = np.arange(-3, 4)
    u = np.zeros(7)
    want = {
        kfp.ROUND_FLOOR: [-2, -1, -1, 0, 0, 1, 1],
        kfp.ROUND_NEAREST_EVEN: [-2, -1, 0, 0, 0, 1, 2],
        kfp.ROUND_NEAREST: [-2, -1, -1, 0, 1, 1, 2],
        kfp.ROUND_ZERO: [-1, -1, 0, 0, 0, 1, 1],
        kfp.ROUND_STOCHASTIC: [-1, -1, 0, 0, 1, 1, 2],  # u = 0 < frac always rounds up
    }
    for mode, w in want.items():
        np.testing.assert_array_equal(_round_shift_vec(x, 1, 8, mode, kfp.OVERFLOW_WRAP, u), w)
    np.testing.assert_array_equal(_round_shift_vec(x, 0, 8, kfp.ROUND_FLOOR, 0, u), x)


@pytest.mark.parametrize("bits", [2, 6, 7, 32, 63, 64])
def test_wrap_and_saturate_match_numpy(bits):
    rng = np.random.default_rng(bits)
    x = np.concatenate([rng.integers(-2**62, 2**62, 2000), rng.integers(-300, 300, 500),
                        [np.iinfo(np.int64).min, np.iinfo(np.int64).max, 0, -1]]).astype(np.int64)
    w, s = _wrap_sat_vec(x, bits)
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    assert kfp.code_min(bits) == lo and kfp.code_max(bits) == hi
    ref_w = [((int(v) - lo) % 2 ** bits) + lo for v in x]
    np.testing.assert_array_equal(w, np.array(ref_w, dtype=np.int64))
    np.testing.assert_array_equal(s, np.clip(x, lo, hi))
    assert kfp.apply_overflow(np.int64(40), 6, kfp.OVERFLOW_WRAP) == 40 - 64
    assert kfp.apply_overflow(np.int64(40), 6, kfp.OVERFLOW_SATURATE) == 31
