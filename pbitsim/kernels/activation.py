r"""Activation functions used inside kernels.

``fast_tanh`` is a rational (odd, degree 13/12) approximation of ``tanh`` with
absolute error below 2e-6 on the whole real line (the test suite checks it
against ``numpy.tanh``).  A p-bit's probability
``(1 + tanh(beta I)) / 2`` is off by at most 1e-6, far below what any sampler
run can resolve, and it avoids a libm call so the update loop vectorises.
"""
import numpy as np
from numba import njit

# Coefficients of tanh(x) ~ x P(x^2) / Q(x^2) on |x| <= _CLAMP (+-1 beyond),
# fitted by scripts/fit_tanh.py (soft-minimax refinement of the Lambert
# continued-fraction Padé approximant; Q has positive coefficients, no poles).
_CLAMP = 9.0
_P = (0.9999998031891394, 0.12882202876979276, 0.0028639033018110637, 7.80194063633617e-06,
      1.6827749666402665e-08, 2.93322134767852e-10, -4.214858270263732e-14)
_Q = (1.0, 0.46215451991060474, 0.02358299482997775, 0.00021595012401600877,
      1.441925847253347e-11, 4.3977351802452005e-09, 5.996191382909861e-12)
_P0, _P1, _P2, _P3, _P4, _P5, _P6 = _P
_Q1, _Q2, _Q3, _Q4, _Q5, _Q6 = _Q[1:]


@njit(inline="always", cache=True, fastmath=False)
def fast_tanh(x):
    """tanh(x) to 2e-6 absolute accuracy, branch-light (float64 in, float64 out)."""
    x = min(max(x, -_CLAMP), _CLAMP)
    t = x * x
    p = ((((((_P6 * t + _P5) * t + _P4) * t + _P3) * t + _P2) * t + _P1) * t + _P0) * x
    q = (((((_Q6 * t + _Q5) * t + _Q4) * t + _Q3) * t + _Q2) * t + _Q1) * t + 1.0
    return p / q


@njit(cache=True)
def fast_tanh_array(x, out):
    """Vectorised :func:`fast_tanh` over a float64 array (for tests and plots)."""
    for i in range(x.shape[0]):
        out[i] = fast_tanh(x[i])


def fast_tanh_max_error(lo=-20.0, hi=20.0, n=2_000_001):
    """Largest |fast_tanh - tanh| on a dense grid; the accuracy claim above."""
    x = np.linspace(lo, hi, n)
    out = np.empty_like(x)
    fast_tanh_array(x, out)
    return float(np.abs(out - np.tanh(x)).max())
