r"""Fixed-point number formats for weights, biases and accumulators (numpy-vectorised).

A format ``Q(B, F)`` stores a real ``x`` as an integer code ``c`` with value
``c * 2**-F``. Signed codes are two's complement, ``c in [-2**(B-1), 2**(B-1)-1]``;
unsigned codes ``c in [0, 2**B - 1]``. Quantisation is

    ``c = overflow(round(x * 2**F))``,  ``q(x) = c * 2**-F``.

Rounding modes: ``nearest_even`` (ties to even), ``nearest`` (ties away from
zero), ``floor`` (towards -inf), ``zero`` (towards 0) and ``stochastic`` (up
with probability equal to the discarded fraction, so ``E q(x) = x``).
Overflow modes: ``saturate`` (clip to the code range) and ``wrap`` (keep the
low ``B`` bits, two's complement). The reference p-bit RTL uses
``FixedPoint(6, 1)``: range -16..15.5 in steps of 0.5, saturating.

The integer-datapath kernels in :mod:`pbitsim.kernels.fixed_point` implement
the same arithmetic bit-exactly; :attr:`FixedPoint.rounding_code` and
:attr:`FixedPoint.overflow_code` give their mode codes.
"""
from dataclasses import dataclass

import numpy as np

from pbitsim.errors import PbitsimError
from pbitsim.kernels import fixed_point as _k

ROUNDING_CODES = {
    "nearest_even": _k.ROUND_NEAREST_EVEN,
    "floor": _k.ROUND_FLOOR,
    "stochastic": _k.ROUND_STOCHASTIC,
    "nearest": _k.ROUND_NEAREST,
    "zero": _k.ROUND_ZERO,
}
OVERFLOW_CODES = {"saturate": _k.OVERFLOW_SATURATE, "wrap": _k.OVERFLOW_WRAP}


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _first_bad(mask):
    """(index tuple, text) of the first True entry of a boolean array."""
    idx = tuple(int(i) for i in np.argwhere(mask)[0]) if mask.ndim else ()
    text = f"index {idx[0] if len(idx) == 1 else idx}" if idx else "scalar input"
    return idx, text


def _finite_array(x, name="x"):
    """float64 copy of ``x``; raises naming the first NaN/inf index."""
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PbitsimError(f"{name} must be numeric: {exc}") from None
    bad = ~np.isfinite(a)
    if bad.any():
        idx, where = _first_bad(bad)
        raise PbitsimError(f"{name} contains a non-finite value ({a[idx]}) at {where}")
    return a


@dataclass(frozen=True)
class QuantizationReport:
    """What quantisation did to an array.

    Attributes
    ----------
    n : int
        Number of elements.
    max_abs_error, rms_error : float
        Of ``q(x) - x``.
    fraction_clipped : float
        Fraction of elements whose rounded code fell outside the code range,
        i.e. that the overflow stage changed (saturated *or* wrapped).
    max_abs_in, max_abs_out : float
        Largest ``|x|`` and ``|q(x)|``.
    """

    n: int
    max_abs_error: float
    rms_error: float
    fraction_clipped: float
    max_abs_in: float
    max_abs_out: float

    def __str__(self):
        return (f"n={self.n} max|err|={self.max_abs_error:.4g} rms={self.rms_error:.4g} "
                f"clipped={100 * self.fraction_clipped:.2f}% max|in|={self.max_abs_in:.4g} "
                f"max|out|={self.max_abs_out:.4g}")


@dataclass(frozen=True)
class FixedPoint:
    """A fixed-point format: ``total_bits`` wide, ``frac_bits`` of them fractional.

    Parameters
    ----------
    total_bits : int
        Word width including the sign bit: 2..64 signed, 1..63 unsigned.
    frac_bits : int
        Fraction bits, ``0 <= frac_bits <= total_bits - 1`` (signed) or
        ``<= total_bits`` (unsigned). The LSB is ``2**-frac_bits``.
    signed : bool
        Two's complement (True) or unsigned codes.
    rounding : {"nearest_even", "nearest", "floor", "zero", "stochastic"}
    overflow : {"saturate", "wrap"}

    Notes
    -----
    Inputs are scaled in float64, so inputs beyond 2**53 LSBs are already
    rounded by the float representation before the format's rounding.
    """

    total_bits: int
    frac_bits: int
    signed: bool = True
    rounding: str = "nearest_even"
    overflow: str = "saturate"

    def __post_init__(self):
        if not isinstance(self.signed, (bool, np.bool_)):
            raise PbitsimError(f"fixed-point field 'signed' must be a bool, got {self.signed!r}")
        hi = 64 if self.signed else 63
        lo = 2 if self.signed else 1
        if not _is_int(self.total_bits) or not lo <= self.total_bits <= hi:
            raise PbitsimError(f"fixed-point field 'total_bits' must be an integer in {lo}..{hi} "
                               f"({'signed' if self.signed else 'unsigned'}), got {self.total_bits!r}")
        fmax = self.total_bits - 1 if self.signed else self.total_bits
        if not _is_int(self.frac_bits) or not 0 <= self.frac_bits <= fmax:
            raise PbitsimError(f"fixed-point field 'frac_bits' must be an integer in 0..{fmax} "
                               f"for total_bits={self.total_bits}, got {self.frac_bits!r}")
        if self.rounding not in ROUNDING_CODES:
            raise PbitsimError(f"fixed-point field 'rounding' must be one of "
                               f"{sorted(ROUNDING_CODES)}, got {self.rounding!r}")
        if self.overflow not in OVERFLOW_CODES:
            raise PbitsimError(f"fixed-point field 'overflow' must be one of "
                               f"{sorted(OVERFLOW_CODES)}, got {self.overflow!r}")

    def __str__(self):
        kind = "signed" if self.signed else "unsigned"
        return f"Q({self.total_bits},{self.frac_bits}) {kind} {self.overflow} {self.rounding}"

    # --- ranges -------------------------------------------------------------
    @property
    def lsb(self):
        """Value of one code step, ``2**-frac_bits``."""
        return 2.0 ** -self.frac_bits

    @property
    def int_min(self):
        """Smallest code: ``-2**(B-1)`` signed, 0 unsigned."""
        return -(1 << (self.total_bits - 1)) if self.signed else 0

    @property
    def int_max(self):
        """Largest code: ``2**(B-1) - 1`` signed, ``2**B - 1`` unsigned."""
        return (1 << (self.total_bits - 1)) - 1 if self.signed else (1 << self.total_bits) - 1

    @property
    def min_value(self):
        """Smallest representable value, ``int_min * lsb``."""
        return self.int_min * self.lsb

    @property
    def max_value(self):
        """Largest representable value, ``int_max * lsb``."""
        return self.int_max * self.lsb

    @property
    def rounding_code(self):
        """``ROUND_*`` code of :mod:`pbitsim.kernels.fixed_point`."""
        return ROUNDING_CODES[self.rounding]

    @property
    def overflow_code(self):
        """``OVERFLOW_*`` code of :mod:`pbitsim.kernels.fixed_point`."""
        return OVERFLOW_CODES[self.overflow]

    # --- conversion ---------------------------------------------------------
    def _round(self, s, seed):
        if self.rounding == "nearest_even":
            return np.rint(s)
        if self.rounding == "floor":
            return np.floor(s)
        if self.rounding == "zero":
            return np.trunc(s)
        fl = np.floor(s)
        frac = s - fl  # exact
        if self.rounding == "nearest":
            return fl + (frac > 0.5) + ((frac == 0.5) & (s > 0))
        if seed is None:
            raise PbitsimError("stochastic rounding needs a seed (int) or numpy Generator: "
                               "pass seed=...")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        u = rng.random(s.shape)
        return fl + (u < frac)

    def _round_scaled(self, x, seed):
        """Rounded codes as float64 (not yet overflow-handled) and the out-of-range mask."""
        r = self._round(_finite_array(x) * 2.0 ** self.frac_bits, seed)
        lo, hi = float(self.int_min), 2.0 ** (self.total_bits - (1 if self.signed else 0))
        return r, (r < lo) | (r >= hi)

    def _codes(self, r, over):
        if self.overflow == "saturate":
            codes = np.where(over, 0.0, r).astype(np.int64)  # in range: exact integers < 2**63
            codes[over & (r > 0)] = self.int_max
            codes[over & (r < 0)] = self.int_min
            return codes
        span = 2.0 ** self.total_bits
        m = np.fmod(r, span)  # exact, |m| < span, and m == r when r is in range
        if self.signed:
            m = np.where(m >= span / 2, m - span, np.where(m < -span / 2, m + span, m))
        else:
            m = np.where(m < 0, m + span, m)
        return m.astype(np.int64)

    def to_int(self, x, *, seed=None):
        """Integer codes of ``x`` (int64 array, same shape).

        Parameters
        ----------
        x : array_like of float
            Finite values; a NaN or inf raises naming its index.
        seed : int or numpy.random.Generator, optional
            Required for ``rounding="stochastic"`` (``u = rng.random(x.shape)``,
            round up iff ``u < frac``); ignored otherwise.
        """
        r, over = self._round_scaled(x, seed)
        return self._codes(r, over)

    def to_float(self, codes):
        """Values ``codes * 2**-frac_bits`` (float64); codes must be integers in ``[int_min, int_max]``."""
        c = np.asarray(codes)
        if c.dtype.kind == "f":
            bad = ~np.isfinite(c) | (c != np.round(c))
            if bad.any():
                idx, where = _first_bad(bad)
                raise PbitsimError(f"codes must be integers; got {float(c[idx])} at {where}")
        elif c.dtype.kind not in "iub":
            raise PbitsimError(f"codes must be an integer array, got dtype {c.dtype}")
        bad = (c < self.int_min) | (c > self.int_max)
        if np.any(bad):
            idx, where = _first_bad(np.asarray(bad))
            raise PbitsimError(f"code {int(c[idx])} at {where} is outside [{self.int_min}, "
                               f"{self.int_max}] for {self}")
        return c.astype(np.float64) * self.lsb

    def quantize(self, x, *, seed=None):
        """``to_float(to_int(x))``: the representable value ``x`` becomes (float64)."""
        return self.to_int(x, seed=seed).astype(np.float64) * self.lsb

    def quantize_with_report(self, x, *, seed=None):
        """Quantise and summarise the error; returns ``(values, QuantizationReport)``."""
        xa = _finite_array(x)
        r, over = self._round_scaled(xa, seed)
        q = self._codes(r, over).astype(np.float64) * self.lsb
        err = np.abs(q - xa)
        n = int(xa.size)
        rep = QuantizationReport(
            n=n,
            max_abs_error=float(err.max()) if n else 0.0,
            rms_error=float(np.sqrt(np.mean(err ** 2))) if n else 0.0,
            fraction_clipped=float(over.mean()) if n else 0.0,
            max_abs_in=float(np.abs(xa).max()) if n else 0.0,
            max_abs_out=float(np.abs(q).max()) if n else 0.0,
        )
        return q, rep


def choose_scale(x, fmt, *, percentile=100.0):
    """Scale factor ``s`` such that ``s * x`` fits ``fmt``.

    The reference magnitude ``a`` -- ``max |x|`` or, for ``percentile < 100``,
    that percentile of ``|x|`` -- is mapped onto the largest magnitude the
    format represents in both signs, ``min(|min_value|, max_value)`` (for an
    unsigned format, ``max_value``): ``s = that / a``. With a percentile below
    100 the largest entries will saturate (or wrap). An all-zero ``x`` gives 1.0.

    Parameters
    ----------
    x : array_like of float
    fmt : FixedPoint
    percentile : float in (0, 100]

    Returns
    -------
    float

    Raises
    ------
    PbitsimError
        NaN/inf in ``x``, a bad percentile, or a subnormal reference magnitude.
    """
    if not isinstance(fmt, FixedPoint):
        raise PbitsimError(f"fmt must be a FixedPoint, got {type(fmt).__name__}")
    p = float(percentile)
    if not 0.0 < p <= 100.0:
        raise PbitsimError(f"percentile must be in (0, 100], got {percentile!r}")
    a = np.abs(_finite_array(x))
    if a.size == 0:
        return 1.0
    ref = float(a.max()) if p == 100.0 else float(np.percentile(a, p))
    if ref == 0.0:
        return 1.0
    target = min(abs(fmt.min_value), fmt.max_value) if fmt.signed else fmt.max_value
    scale = target / ref
    if not np.isfinite(scale):
        raise PbitsimError(f"cannot scale x: its reference magnitude {ref:g} is too small "
                           f"(scale would overflow float64)")
    return scale
