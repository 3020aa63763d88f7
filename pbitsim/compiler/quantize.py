r"""Scale and quantize a placed model onto the chip's weight and bias formats.

For a fixed-point chip the compiler picks one scale ``s`` (chip units per
logical unit) for couplings and fields, so that the reference magnitude of the
physical couplings maps onto the largest magnitude of the weight format and
that of the fields onto the bias format, whichever is tighter::

    s = min( W_max / ref(|J_phys|),  B_max / ref(|h_phys|) )

``ref`` is the maximum (``percentile=100``) or the given percentile of the
magnitudes (zeros included); ``W_max = min(|min_value|, max_value)`` of the
signed format (15.5 for the 6-bit, 1-fraction-bit format of the reference RTL).
The programmed values are ``q(s * x)``: rounded with the chip's rounding mode and
*saturated* to the code range (whatever the chip's overflow mode, the compiler
never programs a wrapped value), so they lie exactly on the grid and the
datapath's own quantization is the identity on them.  Running at
``beta * beta_factor`` with ``beta_factor = 1/s`` then samples
``exp(-beta E_q)``, ``E_q`` the energy of the quantized model in logical units.

The scale is one policy among several: :mod:`pbitsim.compiler.scale_policy`
chooses it (this rule is its ``percentile`` policy) and reports, for every
compile, the fraction of couplings quantized to zero (``fraction_zeroed_J``) and
the expected accumulator saturation rate (:func:`saturation_rate`).

A float format keeps values exactly; with no fixed-point format ``s = 1``
unless a scale is given.  Chain couplers get ``q(min(s K, W_max))`` (at least
one LSB): the chain strength never forces the model's own couplings off the
grid's resolution, and the report says when it was capped.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import PbitsimError
from ..chip.fixed_point import FixedPoint
from .seeding import rounding_rngs

__all__ = ["Quantized", "number_format", "format_target", "choose_program_scale", "quantize_program",
           "accumulator_inputs", "saturation_rate", "saturation_rate_under_law"]


@dataclass(frozen=True, eq=False)
class Quantized:
    """Programmed values (chip units) and what quantization did.

    ``J`` (n_couplers,) on the layout's couplers, ``h`` (n_physical,), ``chain``
    the chain-coupler value, ``scale`` chip units per logical unit, ``report``
    a JSON-ready dict.
    """

    J: np.ndarray
    h: np.ndarray
    chain: float
    scale: float
    report: dict


def number_format(chip, name, *, saturate=False):
    """The :class:`FixedPoint` of section ``name`` (``weights``, ``bias``, ``accumulator``), or None on a float chip.

    The one place a chip section becomes a number format.  A chip is fixed
    point when any of its three formats is (``chip.is_fixed_point``: the integer
    datapath, which then runs every section on its ``total_bits``/``frac_bits``);
    each format is signed, rounds with the section's ``rounding`` (nearest-even
    for the accumulator) and overflows with its ``overflow`` mode, or
    saturates when ``saturate`` (what the compiler programs: never a wrapped value).
    """
    if not chip.is_fixed_point:
        return None
    sec = getattr(chip, name)
    return FixedPoint(sec.total_bits, sec.frac_bits, True, getattr(sec, "rounding", "nearest_even"),
                      "saturate" if saturate else sec.overflow)


def format_target(fmt) -> float:
    """Largest magnitude representable in both signs: ``min(|min_value|, max_value)``."""
    return min(abs(fmt.min_value), fmt.max_value)


def _reference(values, percentile):
    a = np.abs(np.asarray(values, dtype=np.float64))
    if a.size == 0:
        return 0.0
    return float(a.max()) if percentile >= 100.0 else float(np.percentile(a, percentile))


def choose_program_scale(J, h, wfmt, bfmt, percentile=100.0) -> float:
    """``s = min(W_max / ref|J|, B_max / ref|h|)`` over the fixed-point formats; 1.0 if none applies."""
    s = np.inf
    for vals, fmt in ((J, wfmt), (h, bfmt)):
        if fmt is None:
            continue
        ref = _reference(vals, percentile)
        if ref > 0:
            s = min(s, format_target(fmt) / ref)
    if not np.isfinite(s):
        return 1.0
    if s <= 0 or not np.isfinite(s):
        raise PbitsimError(f"cannot scale the model onto the chip's formats (scale {s})")
    return float(s)


def _quantize(x, fmt, seed):
    """``(values, fraction clipped)``: ``fmt`` saturating quantization, or identity for a float format."""
    if fmt is None:
        return np.asarray(x, dtype=np.float64).copy(), 0.0
    q, rep = fmt.quantize_with_report(x, seed=seed)
    return q, rep.fraction_clipped


def _rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if np.size(x) else 0.0


def _max_abs(x):
    return float(np.max(np.abs(x))) if np.size(x) else 0.0


def quantize_program(logical, layout, J, h, chip, *, scale=None, percentile=100.0, chain_strength=0.0,
                     seed=0) -> Quantized:
    r"""Programmed couplers, fields and chain couplers for ``layout`` on ``chip``.

    Parameters
    ----------
    logical : IsingModel
    layout : ChainLayout
    J, h : float64 arrays
        Distributed couplings (per coupler) and fields (per p-bit), logical units.
    chip : ChipSpec
    scale : float, optional
        Chip units per logical unit; default: chosen as in the module docstring.
    percentile : float in (0, 100]
        Reference magnitude for the automatic scale; below 100 the largest values
        saturate (reported as ``fraction_clipped``).
    chain_strength : float
        Chain coupling ``K`` in logical units (0: no chain couplers).
    seed : int
        Seed of stochastic rounding (if the chip rounds stochastically).

    Returns
    -------
    Quantized
        ``report`` keys: ``scale``, ``beta_factor``, ``percentile``,
        ``weight_format``/``bias_format``, ``max_abs_J_in``/``max_abs_h_in`` (the
        logical model), ``max_abs_J_out``/``max_abs_h_out`` (what is programmed,
        summed back per logical coupling/spin, in logical units),
        ``max_abs_J_physical``/``max_abs_h_physical`` (chip units, model
        couplers only), ``rms_error_J``/``rms_error_h``/``rms_error`` (logical
        units, over the model's couplings and all its fields),
        ``fraction_clipped_J``/``fraction_clipped_h``/``fraction_clipped``
        (of the programmed couplers/fields), ``fraction_zeroed_J`` (non-zero
        couplers programmed as 0, so absent from the physical graph), ``chain_strength``,
        ``chain_strength_physical``, ``chain_strength_capped``,
        ``max_abs_input_physical`` and ``input_may_saturate``.
    """
    p = float(percentile)
    if not 0.0 < p <= 100.0:
        raise PbitsimError(f"percentile must be in (0, 100], got {percentile!r}")
    wfmt, bfmt = (number_format(chip, name, saturate=True) for name in ("weights", "bias"))
    if scale is None:
        s = choose_program_scale(J, h, wfmt, bfmt, p)
    else:
        s = float(scale)
        if not np.isfinite(s) or s <= 0:
            raise PbitsimError(f"scale must be a positive finite number, got {scale!r}")
    rngs = rounding_rngs(seed, 3)
    Jq, clipJ = _quantize(s * J, wfmt, rngs[0])
    hq, cliph = _quantize(s * h, bfmt, rngs[1])
    K = float(chain_strength)
    kq, capped = 0.0, False
    if K > 0 and layout.chain_u.size:
        k = s * K
        if wfmt is not None:
            capped = k > wfmt.max_value
            k = min(k, wfmt.max_value)
            kq = float(max(wfmt.quantize(np.array([k]), seed=rngs[2])[0], wfmt.lsb))
        else:
            kq = k
    lr, lc, lv = logical.edges()
    J_eff = np.bincount(layout.edge_owner, weights=Jq, minlength=lv.size) / s
    h_eff = np.bincount(layout.owner, weights=hq, minlength=logical.n) / s
    errJ, errh = J_eff - lv, h_eff - logical.h
    n_J, n_h = Jq.size, hq.size
    frac = (clipJ * n_J + cliph * n_h) / (n_J + n_h) if n_J + n_h else 0.0
    # worst-case |input| of a p-bit as programmed (model couplers + chain couplers + field)
    m = layout.n_physical
    absJ = np.bincount(layout.edge_u, weights=np.abs(Jq), minlength=m) + \
        np.bincount(layout.edge_v, weights=np.abs(Jq), minlength=m)
    chain_deg = np.bincount(layout.chain_u, minlength=m) + np.bincount(layout.chain_v, minlength=m)
    max_input = _max_abs(absJ + kq * chain_deg + np.abs(hq))
    afmt = number_format(chip, "accumulator")
    acc_max = afmt.max_value if afmt is not None else None
    report = {
        "scale": s, "beta_factor": 1.0 / s, "percentile": p,
        "weight_format": str(wfmt) if wfmt else "float", "bias_format": str(bfmt) if bfmt else "float",
        "max_abs_J_in": _max_abs(lv), "max_abs_J_out": _max_abs(J_eff),
        "max_abs_h_in": _max_abs(logical.h), "max_abs_h_out": _max_abs(h_eff),
        "max_abs_J_physical": _max_abs(Jq), "max_abs_h_physical": _max_abs(hq),
        "rms_error_J": _rms(errJ), "rms_error_h": _rms(errh),
        "rms_error": _rms(np.concatenate([errJ, errh])),
        "fraction_clipped_J": float(clipJ), "fraction_clipped_h": float(cliph), "fraction_clipped": float(frac),
        "fraction_zeroed_J": float(np.mean((Jq == 0) & (J != 0))) if n_J else 0.0,
        "chain_strength": K if layout.chain_u.size else 0.0,
        "chain_strength_physical": kq, "chain_strength_capped": bool(capped),
        "max_abs_input_physical": max_input,
        "input_may_saturate": bool(acc_max is not None and max_input > acc_max),
    }
    return Quantized(Jq, hq, kq, s, report)


# ------------------------------------------------------------------ accumulator saturation
#: state rows x p-bits entering :func:`saturation_rate` at most (an even subsample of the rows beyond that)
MAX_SATURATION_ELEMENTS = 1_000_000


def accumulator_inputs(physical, states):
    r"""Inputs ``A_i(s) = h_i + sum_j J_ij s_j`` (chip units) of every p-bit in each state.

    ``physical`` is the programmed IsingModel (chip units), ``states`` ±1 ``(..., n_physical)``;
    returns float64 ``(rows, n_physical)`` with the leading axes flattened.  The
    programmed values lie on the chip's grid, so these are the datapath's wide
    integer sums (before the accumulator's overflow, device mismatch and noise).
    """
    s = np.asarray(states)
    n = physical.n
    if s.ndim == 0 or s.shape[-1] != n:
        raise PbitsimError(f"states must have shape (..., {n}) (physical p-bits), got {s.shape}")
    s = s.reshape(-1, n)
    max_rows = max(1, MAX_SATURATION_ELEMENTS // max(n, 1))
    if s.shape[0] > max_rows:
        s = s[np.linspace(0, s.shape[0] - 1, max_rows).astype(np.int64)]
    x = s.astype(np.float64)
    return np.asarray(physical.J.tocsr() @ x.T).T + physical.h


def _saturates(chip, A):
    afmt = number_format(chip, "accumulator")
    if afmt is None:
        return None
    return (A > afmt.max_value) | (A < afmt.min_value)


def saturation_rate(physical, chip, states):
    r"""Expected accumulator saturation rate under ``states`` (the program's own samples).

    The fraction of p-bit updates whose input sum leaves the accumulator's range:
    ``mean over states s and p-bits i of [A_i(s) > max_value or A_i(s) < min_value]``
    with ``A_i`` from :func:`accumulator_inputs` and the range of the chip's
    ``[accumulator]`` format.  Every p-bit updates once per sweep, reading its
    neighbours' current states, so over stationary samples this is the fraction
    of updates that see a saturated (clipped) input.  ``0.0`` for an empty
    program, ``None`` on a float datapath (no accumulator range).
    """
    if not chip.is_fixed_point:
        return None
    A = accumulator_inputs(physical, states)
    return float(_saturates(chip, A).mean()) if A.size else 0.0


def saturation_rate_under_law(physical, chip, probs):
    r"""The saturation rate of :func:`saturation_rate` in expectation under a law over state codes.

    ``probs`` ``(2^n,)`` over the physical codes of :mod:`pbitsim.analysis.exact`
    (bit ``i`` set = p-bit ``i`` is +1), e.g. the exact stationary law of the chip
    kernel: ``sum_s pi(s) mean_i [A_i(s) saturates]``.
    """
    if not chip.is_fixed_point:
        return None
    n = physical.n
    codes = np.arange(1 << n, dtype=np.int64)
    states = np.where((codes[:, None] >> np.arange(n)) & 1, 1, -1).astype(np.int8)
    sat = _saturates(chip, accumulator_inputs(physical, states))
    return float(np.asarray(probs, dtype=np.float64) @ sat.mean(axis=1)) if n else 0.0
