"""Tests for pbitsim.chip.fixed_point: rounding/overflow properties, reports, validation."""
import math
from fractions import Fraction as Fr

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pbitsim.errors import PbitsimError
from pbitsim.chip.fixed_point import FixedPoint, QuantizationReport, choose_scale

ROUNDINGS = ["nearest_even", "nearest", "floor", "zero", "stochastic"]


@st.composite
def formats(draw, rounding=None, overflow=None, signed=None):
    signed = draw(st.booleans()) if signed is None else signed
    total = draw(st.integers(2 if signed else 1, 24))
    frac = draw(st.integers(0, total - 1 if signed else total))
    return FixedPoint(total, frac, signed=signed,
                      rounding=rounding or draw(st.sampled_from(ROUNDINGS)),
                      overflow=overflow or draw(st.sampled_from(["saturate", "wrap"])))


@st.composite
def fmt_and_inside(draw, **kw):
    """A format and a value inside [min_value, max_value]."""
    fmt = draw(formats(**kw))
    x = draw(st.floats(fmt.min_value, fmt.max_value, allow_nan=False, allow_infinity=False))
    return fmt, x


@st.composite
def fmt_and_any(draw, **kw):
    fmt = draw(formats(**kw))
    span = max(abs(fmt.min_value), fmt.max_value) * 4 + 1
    x = draw(st.lists(st.floats(-span, span, allow_nan=False), min_size=1, max_size=20))
    return fmt, np.array(x)


@settings(max_examples=300, deadline=None)
@given(fmt_and_inside(rounding="nearest_even"))
def test_nearest_even_error_within_half_lsb(case):
    fmt, x = case
    q = fmt.quantize([x])[0]
    assert abs(Fr(x) - Fr(q)) <= Fr(fmt.lsb) / 2
    if abs(Fr(x) - Fr(q)) == Fr(fmt.lsb) / 2 and q != fmt.max_value:  # a tie: the code is even
        assert fmt.to_int([x])[0] % 2 == 0


@settings(max_examples=300, deadline=None)
@given(fmt_and_inside(rounding="nearest"))
def test_nearest_ties_away_from_zero(case):
    fmt, x = case
    q = fmt.quantize([x])[0]
    assert abs(Fr(x) - Fr(q)) <= Fr(fmt.lsb) / 2
    if abs(Fr(x) - Fr(q)) == Fr(fmt.lsb) / 2 and q != fmt.max_value:
        assert abs(q) > abs(x)


@settings(max_examples=300, deadline=None)
@given(fmt_and_inside(rounding="floor"))
def test_floor_error_in_zero_to_lsb(case):
    fmt, x = case
    q = fmt.quantize([x])[0]
    assert 0 <= Fr(x) - Fr(q) < Fr(fmt.lsb)


@settings(max_examples=300, deadline=None)
@given(fmt_and_inside(rounding="zero"))
def test_zero_truncates_magnitude(case):
    fmt, x = case
    q = fmt.quantize([x])[0]
    assert abs(q) <= abs(x) and abs(Fr(x) - Fr(q)) < Fr(fmt.lsb) and (q == 0 or np.sign(q) == np.sign(x))


@settings(max_examples=300, deadline=None)
@given(fmt_and_inside(rounding="stochastic"), st.integers(0, 2**32))
def test_stochastic_rounds_to_a_neighbour(case, seed):
    fmt, x = case
    q = fmt.quantize(np.full(8, x), seed=seed)
    assert all(abs(Fr(x) - Fr(v)) < Fr(fmt.lsb) for v in q)
    assert np.all((q == math.floor(x / fmt.lsb) * fmt.lsb) | (q == math.ceil(x / fmt.lsb) * fmt.lsb))


@pytest.mark.parametrize("x", [0.1, -0.3, 1.37, -7.77, 15.2])
def test_stochastic_is_unbiased(x):
    fmt = FixedPoint(6, 1, rounding="stochastic")
    n = 40_000
    q = fmt.quantize(np.full(n, x), seed=12345)
    p = (x - math.floor(x / fmt.lsb) * fmt.lsb) / fmt.lsb
    err_bar = fmt.lsb * math.sqrt(p * (1 - p) / n)
    assert abs(q.mean() - x) < 5 * err_bar + 1e-12


def test_stochastic_needs_seed_and_is_deterministic():
    fmt = FixedPoint(8, 4, rounding="stochastic")
    x = np.linspace(-3, 3, 101)
    with pytest.raises(PbitsimError, match="seed"):
        fmt.quantize(x)
    a, b = fmt.quantize(x, seed=7), fmt.quantize(x, seed=7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, fmt.quantize(x, seed=8))
    np.testing.assert_array_equal(a, fmt.quantize(x, seed=np.random.default_rng(7)))


@settings(max_examples=300, deadline=None)
@given(fmt_and_any(), st.integers(0, 1000))
def test_idempotent_codes_in_range_and_to_float_consistent(case, seed):
    fmt, x = case
    codes = fmt.to_int(x, seed=seed)
    assert codes.dtype == np.int64
    assert np.all((codes >= fmt.int_min) & (codes <= fmt.int_max))
    q = fmt.quantize(x, seed=seed)
    np.testing.assert_array_equal(fmt.to_float(codes), q)
    np.testing.assert_array_equal(fmt.quantize(q, seed=seed + 1), q)


@settings(max_examples=300, deadline=None)
@given(fmt_and_any(overflow="saturate"), st.integers(0, 1000))
def test_saturation_at_edges(case, seed):
    fmt, x = case
    q = fmt.quantize(x, seed=seed)
    assert np.all(q[x > fmt.max_value + fmt.lsb] == fmt.max_value)
    assert np.all(q[x < fmt.min_value - fmt.lsb] == fmt.min_value)


@settings(max_examples=300, deadline=None)
@given(fmt_and_any(overflow="wrap", rounding="floor"))
def test_wrap_is_modular(case):
    fmt, x = case
    codes = fmt.to_int(x)
    raw = np.floor(x * 2.0 ** fmt.frac_bits)
    assert np.all(np.mod(codes - raw, 2.0 ** fmt.total_bits) == 0)


def test_wrap_edges():
    fmt = FixedPoint(6, 1, overflow="wrap")
    q = fmt.quantize([fmt.max_value + fmt.lsb, fmt.min_value - fmt.lsb, 16.5, 32.0])
    np.testing.assert_array_equal(q, [fmt.min_value, fmt.max_value, -15.5, 0.0])
    u = FixedPoint(4, 0, signed=False, overflow="wrap")
    np.testing.assert_array_equal(u.to_int([16, -1, 17]), [0, 15, 1])


def test_ranges_and_str():
    fmt = FixedPoint(6, 1)
    assert (fmt.lsb, fmt.int_min, fmt.int_max, fmt.min_value, fmt.max_value) == (0.5, -32, 31, -16.0, 15.5)
    assert str(fmt) == "Q(6,1) signed saturate nearest_even"
    u = FixedPoint(8, 8, signed=False)
    assert (u.int_min, u.int_max, u.max_value) == (0, 255, 255 / 256)
    big = FixedPoint(64, 0)
    assert (big.int_min, big.int_max) == (-2**63, 2**63 - 1)
    np.testing.assert_array_equal(big.to_int([1e30, -1e30, 2.0**62]), [2**63 - 1, -2**63, 2**62])


def test_tie_modes_by_hand():
    x = [0.25, 0.75, -0.25, -0.75, -0.3]
    expect = {
        "nearest_even": [0.0, 1.0, -0.0, -1.0, -0.5],
        "nearest": [0.5, 1.0, -0.5, -1.0, -0.5],
        "floor": [0.0, 0.5, -0.5, -1.0, -0.5],
        "zero": [0.0, 0.5, 0.0, -0.5, 0.0],
    }
    for mode, e in expect.items():
        np.testing.assert_array_equal(FixedPoint(6, 1, rounding=mode).quantize(x), e, err_msg=mode)


def test_report_by_hand():
    fmt = FixedPoint(6, 1)
    q, rep = fmt.quantize_with_report([0.26, -3.0, 100.0])
    np.testing.assert_array_equal(q, [0.5, -3.0, 15.5])
    assert isinstance(rep, QuantizationReport)
    assert rep.n == 3
    assert rep.max_abs_error == pytest.approx(84.5)
    assert rep.rms_error == pytest.approx(math.sqrt((0.24**2 + 84.5**2) / 3))
    assert rep.fraction_clipped == pytest.approx(1 / 3)
    assert (rep.max_abs_in, rep.max_abs_out) == (100.0, 15.5)
    assert "clipped=33.33%" in str(rep) and "\n" not in str(rep)
    _, rep_wrap = FixedPoint(6, 1, overflow="wrap").quantize_with_report([0.26, -3.0, 100.0])
    assert rep_wrap.fraction_clipped == pytest.approx(1 / 3)  # 100 -> code 200 wrapped to 8 -> 4.0
    assert rep_wrap.max_abs_out == 4.0


@pytest.mark.parametrize("kwargs, field", [
    (dict(total_bits=1, frac_bits=0), "total_bits"),
    (dict(total_bits=65, frac_bits=0), "total_bits"),
    (dict(total_bits=6.0, frac_bits=1), "total_bits"),
    (dict(total_bits=64, frac_bits=0, signed=False), "total_bits"),
    (dict(total_bits=6, frac_bits=6), "frac_bits"),
    (dict(total_bits=6, frac_bits=-1), "frac_bits"),
    (dict(total_bits=6, frac_bits=1, rounding="banker"), "rounding"),
    (dict(total_bits=6, frac_bits=1, overflow="clip"), "overflow"),
    (dict(total_bits=6, frac_bits=1, signed="yes"), "signed"),
])
def test_invalid_formats_name_the_field(kwargs, field):
    with pytest.raises(PbitsimError, match=field):
        FixedPoint(**kwargs)
    assert issubclass(PbitsimError, ValueError)


def test_non_finite_input_names_the_index():
    fmt = FixedPoint(6, 1)
    with pytest.raises(PbitsimError, match=r"index 2"):
        fmt.quantize([0.0, 1.0, np.nan])
    with pytest.raises(PbitsimError, match=r"index \(1, 0\)"):
        fmt.to_int([[0.0, 1.0], [np.inf, 2.0]])
    with pytest.raises(PbitsimError, match="index"):
        fmt.quantize_with_report([-np.inf])


def test_to_float_validates_codes():
    fmt = FixedPoint(6, 1)
    np.testing.assert_array_equal(fmt.to_float(np.array([-32, 0, 31])), [-16.0, 0.0, 15.5])
    with pytest.raises(PbitsimError, match="outside"):
        fmt.to_float([0, 32])
    with pytest.raises(PbitsimError, match="integers"):
        fmt.to_float([0.5])


@settings(max_examples=200, deadline=None)
@given(fmt_and_any(overflow="saturate", rounding="nearest_even"))
def test_choose_scale_makes_x_fit(case):
    fmt, x = case
    assume(np.all((x == 0) | (np.abs(x) > 1e-300)))  # subnormals: see test_choose_scale_edge_cases
    s = choose_scale(x, fmt)
    if not fmt.signed:
        x = np.abs(x)
    _, rep = fmt.quantize_with_report(s * x * (1 - 1e-12))
    assert rep.fraction_clipped == 0.0
    if np.any(x != 0):
        target = min(abs(fmt.min_value), fmt.max_value) if fmt.signed else fmt.max_value
        assert np.max(np.abs(s * x)) == pytest.approx(target)


def test_choose_scale_edge_cases():
    fmt = FixedPoint(6, 1)
    assert choose_scale(np.zeros(5), fmt) == 1.0
    assert choose_scale([1.0, -2.0, 0.5], fmt) == pytest.approx(15.5 / 2)
    x = np.arange(1, 101, dtype=float)
    assert choose_scale(x, fmt, percentile=50) == pytest.approx(15.5 / np.percentile(x, 50))
    with pytest.raises(PbitsimError, match="percentile"):
        choose_scale(x, fmt, percentile=0)
    with pytest.raises(PbitsimError, match="index 1"):
        choose_scale([1.0, np.nan], fmt)
    with pytest.raises(PbitsimError, match="too small"):
        choose_scale([1e-320], fmt)
