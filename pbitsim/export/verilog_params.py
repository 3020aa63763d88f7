r"""``pbit_params.vh``: the export's parameters as Verilog ``localparam``\ s, for the reference RTL.

The include is meant to be placed inside a module body
(``module m; `include "pbit_params.vh" ... endmodule``); every name carries
the ``PBIT_`` prefix of the C header (``pbit_params.h``) and means the same.
Besides the header's sizes and formats it holds what a Verilog datapath
needs to size its registers and memories: every table's width and depth, the
longest neighbour row (``PBIT_MAX_ROW``, the adder-tree fan-in of a design
that updates a whole colour phase per clock), the adder width
(``PBIT_ADDER_BITS``, see :func:`adder_bits`) and the LFSR's tap and Galois
toggle masks.  The tables themselves stay in the ``.mem`` files.
"""
from __future__ import annotations

import numpy as np

#: Tables whose width/depth the include declares (when the export has them).
_TABLES = ("indptr", "neighbour", "weight", "bias", "colour", "phase_ptr", "lut", "rng_seed", "rng_slot",
           "rng_offset", "stuck", "golden_states", "golden_lfsr")


def max_row(indptr) -> int:
    """Longest neighbour row ``max_a (indptr[a+1] - indptr[a])`` (0 without entries)."""
    d = np.diff(np.asarray(indptr, dtype=np.int64))
    return int(d.max(initial=0))


def adder_bits(weight_bits, weight_shift, bias_bits, bias_shift, longest_row) -> int:
    r"""Signed width that holds the exact wide sum ``A`` of any row for any state.

    ``A = (bias << bias_shift) + sum_{e < R} ±(weight_e << weight_shift)`` is a
    sum of ``R + 1`` signed terms of at most ``m = max(weight_bits + weight_shift,
    bias_bits + bias_shift)`` bits each, so ``m + ceil(log2(R + 1))`` bits
    suffice (``R`` = ``longest_row``).  The alignment to the accumulator comes
    after this sum (``align_up`` widens it by that many bits).
    """
    m = max(int(weight_bits) + int(weight_shift), int(bias_bits) + int(bias_shift))
    return m + int(longest_row).bit_length()  # ceil(log2(R+1)) = bit_length(R)


def galois_toggle_mask(tap_mask, width) -> int:
    """The Galois toggle mask: ``tap_mask`` bit-reversed within ``width`` bits."""
    tap_mask = int(tap_mask) & ((1 << width) - 1)
    return int(format(tap_mask, f"0{width}b")[::-1], 2)


def _hex(value, bits) -> str:
    return f"{bits}'h{int(value):0{(bits + 3) // 4}X}"


def verilog_params(manifest) -> list:
    """``[(NAME, verilog value, comment)]`` of ``pbit_params.vh`` from an export manifest."""
    fp, act, rng = manifest["fixed_point"], manifest["activation"], manifest["rng"]
    w, b, a = fp["weight"], fp["bias"], fp["accumulator"]
    width = int(rng["width"])
    tap = int(rng["tap_mask"], 16)
    d = [("PBIT_N", manifest["n_pbits"], "p-bits (addresses)"),
         ("PBIT_N_ENTRIES", manifest["n_entries"], "neighbour-list entries"),
         ("PBIT_N_COLORS", manifest["n_colours"], "colour phases per sweep"),
         ("PBIT_N_REGISTERS", rng["n_registers"], "LFSR registers"),
         ("PBIT_MAX_ROW", manifest["max_row"], "longest neighbour row (entries of one p-bit)"),
         ("PBIT_ADDER_BITS", fp["adder_bits"], "signed bits of the exact wide sum A (before alignment)"),
         ("PBIT_WEIGHT_BITS", w["total_bits"], w["q"] + " signed"), ("PBIT_WEIGHT_FRAC", w["frac_bits"], ""),
         ("PBIT_BIAS_BITS", b["total_bits"], b["q"] + " signed"), ("PBIT_BIAS_FRAC", b["frac_bits"], ""),
         ("PBIT_SUM_FRAC", fp["sum_frac_bits"], "fraction bits of the wide sum"),
         ("PBIT_WEIGHT_SHIFT", fp["weight_shift"], "weight << this before summing"),
         ("PBIT_BIAS_SHIFT", fp["bias_shift"], "bias << this before summing"),
         ("PBIT_ACC_BITS", a["total_bits"], a["q"] + " signed"), ("PBIT_ACC_FRAC", a["frac_bits"], ""),
         ("PBIT_ACC_ALIGN_UP", fp["align_up"], "sum << this"),
         ("PBIT_ACC_ALIGN_DOWN", fp["align_down"], "sum >>> this (arithmetic)"),
         ("PBIT_ACC_SATURATE", int(a["overflow"] == "saturate"), "1 saturate, 0 wrap"),
         ("PBIT_BETA_SHIFT", a["beta_shift"], "accumulator >>> this before the LUT (<< -this if negative)"),
         ("PBIT_LUT_SIZE", act["size"], "table entries"), ("PBIT_LUT_INPUT_BITS", act["input_bits"], ""),
         ("PBIT_LUT_BITS", act["output_bits"], "threshold bits L"),
         ("PBIT_LUT_SYMMETRIC", int(act["symmetric"]), "1: indexed by |a|, output inverted for a < 0"),
         ("PBIT_RNG_BITS", rng["output_bits"], "random bits k compared per update"),
         ("PBIT_LFSR_WIDTH", width, "LFSR register bits"),
         ("PBIT_LFSR_TAP_MASK", _hex(tap, 64), "taps " + ",".join(map(str, rng["taps"])) + " (bit t-1 = tap t)"),
         ("PBIT_LFSR_TOGGLE_MASK", _hex(galois_toggle_mask(tap, width), 64), "Galois: tap mask bit-reversed"),
         ("PBIT_LFSR_XNOR", int(rng["feedback"] == "xnor"), ""),
         ("PBIT_LFSR_GALOIS", int(rng["structure"] == "galois"), ""),
         ("PBIT_LFSR_STEPS", rng["steps_per_update"], "shifts per update (per sweep if shared)"),
         ("PBIT_LFSR_SHARED", int(rng["shared"]), ""),
         ("PBIT_SHARE_GROUP", rng["share_group"] if rng["shared"] else 1, "p-bits per shared register"),
         ("PBIT_SHARE_SHIFT", rng["share_shift"] if rng["shared"] else 0, "stage offset between them"),
         ("PBIT_HAS_STUCK", int("stuck" in manifest["tables"]), "1: stuck.mem exists"),
         ("PBIT_SEED", f"64'd{int(manifest['seed'])}", "run seed of rng_seed and the golden vectors"),
         ("PBIT_GOLDEN_PHASES", manifest["golden"]["n_phases"], "phases in golden_states / golden_lfsr")]
    for name in _TABLES:
        t = manifest["tables"].get(name)
        ident = name.upper()
        # absent tables get width 1 / depth 0 so that declarations stay legal
        d.append((f"PBIT_{ident}_WIDTH", t["width"] if t else 1, f"{name} word bits"))
        d.append((f"PBIT_{ident}_DEPTH", t["depth"] if t else 0, f"{name} words" + ("" if t else " (absent)")))
    return d


def render_verilog_params(manifest, comments=()) -> str:
    """Text of ``pbit_params.vh`` (``localparam integer`` / 64-bit masks) for ``manifest``."""
    out = ["// pbit_params.vh -- generated by pbitsim export; do not edit.",
           *[f"// {c}" for c in comments],
           "// Include inside a module body: localparams, names as in pbit_params.h.", ""]
    for name, value, comment in verilog_params(manifest):
        kind = "[63:0]" if isinstance(value, str) else "integer"
        text = f"localparam {kind} {name} = {value};"
        out.append(text + (f"  // {comment}" if comment else ""))
    return "\n".join(out) + "\n"
