r"""The self-description of an export: ``manifest.json`` sections and the C header's ``#define``\ s.

The manifest carries everything a hardware build or the reader needs besides
the tables: the chip (as its TOML-layout dict), the fixed-point formats
``Q(total, frac)``, the accumulator, activation and LFSR rules, the address
order, the run seed and beta, and the program metadata (placement, logical
model) that turns the tables back into a :class:`pbitsim.Program`.
"""
from __future__ import annotations

import numpy as np

from ..kernels import pbit_update as K
from .tables import code_shifts, q_name

FORMAT_NAME = "pbitsim-fpga-export"
FORMAT_VERSION = 1

ADDRESS_ORDER = ("p-bit address a = position in colour order: p-bits sorted by (colour, physical index); "
                 "address a holds physical p-bit pbit_index[a]; colour phase c updates addresses "
                 "phase_ptr[c] .. phase_ptr[c+1]-1")

CONVENTIONS = {
    "spin": "state bit 1 = spin +1, bit 0 = spin -1",
    "words": "one word per address, address 0 first; hex digits = ceil(width/4), zero-padded, upper case",
    "signed": "signed tables hold two's complement words of their width (-1 in 6 bits = 3F)",
    "state_words": "a state (golden vectors) is one n-bit word, bit a = p-bit address a (bit 0 = address 0)",
    "fixed_point": "Q(total,frac): total bits including the sign, value = code * 2**-frac",
    "empty_tables": "a table of depth 0 is written as one zero word; its manifest depth stays 0",
}


#: The LFSR step and word rules, exactly as :mod:`pbitsim.kernels.lfsr` and
#: :func:`pbitsim.kernels.pbit_update.random_word` execute them (``docs/fpga_export.md``).
LFSR_RULE = (
    "register bit i = stage i+1, shifting from bit 0 towards bit width-1; M = width_mask = 2**width - 1. "
    "Fibonacci XOR: fb = parity(s & tap_mask); s' = ((s << 1) | fb) & M. Fibonacci XNOR: fb = 1 - parity(s & "
    "tap_mask). Galois XOR: s' = ((s << 1) & M) ^ (s[width-1] ? toggle_mask : 0), toggle_mask = tap_mask "
    "bit-reversed within width bits (bit 0 always set). Galois XNOR: s' = ~step_xor(~s & M) & M. Per-p-bit "
    "registers: steps_per_update shifts at each update of the p-bit (none for a stuck p-bit), then w = low "
    "output_bits bits of the register. Shared: every register shifts steps_per_update times at the start of "
    "each sweep (before phase 0); p-bit a reads w = (reg[rng_slot[a]] >> rng_offset[a]) & (2**output_bits - 1)")

#: How ``steps_per_update`` was set, per ``[rng] clocking``.
STEPS_RULE = {
    "per-update": "chosen in the chip description ([rng] steps_per_update)",
    "free-running": ("derived: the register shifts s = chip.rng.steps_per_update times per clock cycle "
                     "and a p-bit updates once every n_colours cycles (one colour phase per cycle), so "
                     "steps_per_update = s * n_colours shifts are applied at each update (per sweep for "
                     "shared registers; for Fibonacci ones rng_offset already includes "
                     "s * (n_colours - 1 - colour)). A register shifting s times every cycle gives the same "
                     "words when a colour-c p-bit's register starts at rng_seed advanced s * (n_colours - 1 - c) "
                     "shifts; a shared Fibonacci register starts at rng_seed and p-bit a reads it at stage "
                     "(pbit_index[a] % share_group) * share_shift"),
}


def hex_mask(v) -> str:
    """``0x...`` (upper case) of a uint64 bit pattern stored in an int64 config entry."""
    return f"0x{int(v) & 0xFFFFFFFFFFFFFFFF:X}"


def _fmt_dict(fmt, **extra):
    return {"q": q_name(fmt), "total_bits": fmt.total_bits, "frac_bits": fmt.frac_bits, "signed": fmt.signed,
            "rounding": fmt.rounding, "overflow": fmt.overflow, **extra}


def datapath_section(dp, chip) -> dict:
    """Fixed-point formats, accumulator, activation and RNG rules of datapath ``dp``."""
    F, wshift, bshift = code_shifts(dp)
    cfg = dp.kernel.cfg
    af, p, r = dp.acc_format, chip.pbit, chip.rng
    taps = dp.report.get("lfsr_taps") or []
    fixed_point = {
        "weight": _fmt_dict(dp.weight_format),
        "bias": _fmt_dict(dp.bias_format),
        "accumulator": {**_fmt_dict(af), "beta_shift": int(chip.accumulator.beta_shift)},
        "sum_frac_bits": F, "weight_shift": wshift, "bias_shift": bshift,
        "align_up": int(cfg[K.ALIGN_UP]), "align_down": int(cfg[K.ALIGN_DOWN]),
        "rule": ("A = (bias[a] << bias_shift) + sum_e (weight[e] << weight_shift) * s[neighbour[e]] "
                 "(exact wide integer, units 2**-sum_frac_bits); A <<= align_up or A >>= align_down "
                 "(arithmetic); saturate (clip) or wrap A to accumulator.total_bits two's complement; "
                 "a = A >> beta_shift (A << -beta_shift if negative)"),
    }
    size = 1 << p.lut_input_bits
    activation = {
        "kind": p.activation, "input_bits": p.lut_input_bits, "output_bits": p.lut_output_bits,
        "size": size, "symmetric": bool(p.lut_symmetric),
        "rule": ("symmetric: T = lut[min(|a|, size-1)], output inverted when a < 0; signed: "
                 "T = lut[clip(a + size/2, 0, size-1)]. With k RNG bits and L threshold bits: "
                 "plus = T > (w >> (k-L)) if k >= L else (T >> (L-k)) > w. Stuck p-bits output their stuck value and "
                 "draw no random word (their LFSR does not shift)"),
    }
    rng = {
        "kind": r.kind, "width": r.width, "taps": list(taps), "tap_mask": hex_mask(cfg[K.LFSR_MASK]),
        "fibonacci_tap_mask": hex_mask(cfg[K.LFSR_MASK]), "toggle_mask": hex_mask(cfg[K.LFSR_TOGGLE]),
        "width_mask": f"0x{(1 << r.width) - 1:X}",
        "feedback": r.feedback, "structure": r.structure, "output_bits": int(cfg[K.RNG_BITS]),
        "clocking": r.clocking, "steps_per_update": int(cfg[K.LFSR_STEPS]),
        "steps_rule": STEPS_RULE[r.clocking], "shared": bool(r.shared),
        "share_group": r.share_group, "share_shift": r.share_shift, "n_registers": dp.n_registers,
        "rule": LFSR_RULE,
    }
    return {"fixed_point": fixed_point, "activation": activation, "rng": rng}


def header_defines(manifest) -> list:
    """``[(NAME, value, comment)]``: the export's scalar parameters, one table for both includes.

    ``pbit_params.h`` writes them as ``#define``\ s and ``pbit_params.vh``
    (:mod:`pbitsim.export.verilog_params`) translates the same rows to
    ``localparam``\ s, so the two can never disagree.  Values are ints, except
    the 64-bit masks (``"UINT64_C(0x...)"``) and the physical beta (a float literal).
    """
    fp, act, rng = manifest["fixed_point"], manifest["activation"], manifest["rng"]
    w, b, a = fp["weight"], fp["bias"], fp["accumulator"]
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
         ("PBIT_ACC_ALIGN_DOWN", fp["align_down"], "sum >> this (arithmetic)"),
         ("PBIT_ACC_SATURATE", int(a["overflow"] == "saturate"), "1 saturate, 0 wrap"),
         ("PBIT_BETA_SHIFT", a["beta_shift"], "accumulator >> this (arithmetic) before the LUT, << -this if negative"),
         ("PBIT_LUT_SIZE", act["size"], "table entries"), ("PBIT_LUT_INPUT_BITS", act["input_bits"], ""),
         ("PBIT_LUT_BITS", act["output_bits"], "threshold bits L"),
         ("PBIT_LUT_SYMMETRIC", int(act["symmetric"]), "1: indexed by |a|, output inverted for a < 0"),
         ("PBIT_RNG_BITS", rng["output_bits"], "random bits k compared per update"),
         ("PBIT_LFSR_WIDTH", rng["width"], "LFSR register bits"),
         ("PBIT_LFSR_TAP_MASK", f"UINT64_C({rng['tap_mask']})",
          "Fibonacci tap mask, taps " + ",".join(map(str, rng["taps"])) + " (bit t-1 = tap t)"),
         ("PBIT_LFSR_TOGGLE_MASK", f"UINT64_C({rng['toggle_mask']})", "Galois toggle mask = tap mask bit-reversed"),
         ("PBIT_LFSR_XNOR", int(rng["feedback"] == "xnor"), ""),
         ("PBIT_LFSR_GALOIS", int(rng["structure"] == "galois"), ""),
         ("PBIT_LFSR_STEPS", rng["steps_per_update"], "shifts per update (per sweep if shared)"),
         ("PBIT_LFSR_FREE_RUNNING", int(rng["clocking"] == "free-running"),
          "1: steps derived = shifts per clock x cycles per update"),
         ("PBIT_LFSR_SHARED", int(rng["shared"]), ""),
         ("PBIT_SHARE_GROUP", rng["share_group"] if rng["shared"] else 1, "p-bits per shared register"),
         ("PBIT_SHARE_SHIFT", rng["share_shift"] if rng["shared"] else 0, "stage offset between them"),
         ("PBIT_HAS_STUCK", int("stuck" in manifest["tables"]), "1: the stuck table exists"),
         ("PBIT_SEED", manifest["seed"], "run seed of rng_seed and the golden vectors"),
         ("PBIT_BETA", repr(float(manifest["physical_beta"])), "physical beta built into the LUT"),
         ("PBIT_GOLDEN_PHASES", manifest["golden"]["n_phases"], "")]  # (no table names here: the header holds no golden vectors)
    return d


def json_safe(obj):
    """``obj`` with numpy scalars/arrays converted and anything else unknown turned into a string."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return json_safe(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return str(obj)
