"""Fit the odd rational tanh approximation used by pbitsim.kernels.activation.

tanh(x) ~ x P(x^2) / Q(x^2) for |x| <= CLAMP (and +-1 beyond), deg P = 6 and
deg Q = 6 in x^2.  Q's coefficients are kept positive (no poles) by fitting
their logarithms; the start is the [13/12] Padé approximant of tanh (from its
Lambert continued fraction) and the fit is a soft-minimax (p-norm, p = 16)
least-squares refinement with scipy.  Prints the coefficients and max error.
Run: python scripts/fit_tanh.py
"""
import numpy as np
from numpy.polynomial import polynomial as Pn
from scipy.optimize import least_squares

CLAMP = 9.0
X = np.linspace(0.0, CLAMP, 6001)
T = X * X
Y = np.tanh(X)


def pade(depth=13):
    """Numerator/denominator (in x^2) of the Lambert continued fraction of tanh."""
    # tanh x = x / (1 + x^2 / (3 + x^2 / (5 + ...)))
    num, den = np.array([1.0]), np.array([float(depth)])
    for k in range(depth - 2, 0, -2):
        # k + t * num/den  ->  (k*den + t*num) / den ; invert for the next level
        new_den = Pn.polyadd(k * den, Pn.polymulx(num))
        num, den = den, new_den
    return num, den  # tanh ~ x * num(t) / den(t)


def model(params, t):
    p = params[:7]
    q = np.concatenate([[1.0], np.exp(params[7:])])
    return Pn.polyval(t, p) / Pn.polyval(t, q)


def fit():
    num, den = pade()
    num, den = num / den[0], den / den[0]
    p0 = np.zeros(7)
    p0[: len(num)] = num
    q0 = np.full(6, 1e-12)
    q0[: len(den) - 1] = den[1:]
    x0 = np.concatenate([p0, np.log(np.maximum(q0, 1e-30))])

    def resid(params):
        return X * model(params, T) - Y

    sol = least_squares(resid, x0, method="lm", max_nfev=20000, xtol=1e-15, ftol=1e-15)
    params = sol.x
    for power in (4, 8, 16):  # push towards minimax
        w = lambda r: np.abs(r) ** ((power - 2) / 2)
        r0 = resid(params)
        sol = least_squares(lambda p: resid(p) * w(r0) / np.max(w(r0)), params, method="lm",
                            max_nfev=20000, xtol=1e-15, ftol=1e-15)
        params = sol.x
    return params[:7], np.concatenate([[1.0], np.exp(params[7:])])


if __name__ == "__main__":
    p, q = fit()
    xs = np.linspace(-20, 20, 2_000_001)
    xc = np.clip(xs, -CLAMP, CLAMP)
    approx = xc * Pn.polyval(xc * xc, p) / Pn.polyval(xc * xc, q)
    print("P =", ", ".join(repr(float(v)) for v in p))
    print("Q =", ", ".join(repr(float(v)) for v in q))
    print("max abs error:", np.abs(approx - np.tanh(xs)).max())
