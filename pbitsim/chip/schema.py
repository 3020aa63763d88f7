"""The chip-description schema: every section, key, type, default, unit and allowed value.

This table is the single source of truth for validation (:mod:`pbitsim.chip.spec`)
and for the chip reference in ``docs/chips.md``.  Units are in key names
(``_ns``, ``_ps``, ``_mhz``, ``_bits``).  Keys of ``[topology]`` depend on its
``kind`` and are validated by :mod:`pbitsim.topologies`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Key:
    """One key: its Python type(s), default, a check returning an error string or None, and a doc line."""

    types: tuple
    default: Any
    doc: str
    check: Callable[[Any], str | None] | None = None
    choices: tuple | None = None


def _range(lo=None, hi=None, *, lo_open=False):
    def check(v):
        if lo is not None and (v <= lo if lo_open else v < lo):
            return f"must be {'>' if lo_open else '>='} {lo}"
        if hi is not None and v > hi:
            return f"must be <= {hi}"
        return None
    return check


def _int_list(lo, hi, min_len=1, max_len=64):
    def check(v):
        if not (min_len <= len(v) <= max_len):
            return f"must be a list of {min_len}..{max_len} integers"
        for x in v:
            if not isinstance(x, int) or isinstance(x, bool) or not lo <= x <= hi:
                return f"entries must be integers in {lo}..{hi}"
        return None
    return check


INT = (int,)
FLOAT = (int, float)
BOOL = (bool,)
STR = (str,)
LIST = (list,)

ROUNDING = ("nearest_even", "nearest", "floor", "zero", "stochastic")
OVERFLOW = ("saturate", "wrap")
CLOCKINGS = ("per-update", "free-running")
CLOCK_MODES = ("chromatic", "clocked", "asynchronous", "naive_parallel", "sequential")
COLOURINGS = ("auto", "smallest_last", "largest_first", "random_sequential", "independent_set",
              "connected_sequential_bfs", "connected_sequential_dfs", "saturation_largest_first",
              "dsatur", "bipartite", "structured")


def _number_format(section, default_total, default_frac, *, with_rounding=True, extra=None):
    keys = {
        "format": Key(STR, "float", f"number format of {section}: 'float' (ideal) or 'fixed' "
                      "(signed two's complement)", choices=("float", "fixed")),
        "total_bits": Key(INT, default_total, "total bits of the signed fixed-point word", _range(2, 64)),
        "frac_bits": Key(INT, default_frac, "fraction bits (lsb = 2**-frac_bits)", _range(0, 62)),
        "overflow": Key(STR, "saturate", "what happens outside the range", choices=OVERFLOW),
    }
    if with_rounding:
        keys["rounding"] = Key(STR, "nearest_even", "rounding when quantizing", choices=ROUNDING)
    keys.update(extra or {})
    return keys


SCHEMA: dict[str, dict[str, Key]] = {
    "": {
        "name": Key(STR, "", "chip name (defaults to the file name)"),
        "description": Key(STR, "", "one-line description shown by `pbitsim models`"),
    },
    "pbit": {
        "activation": Key(STR, "tanh", "activation: ideal tanh, lookup table, or hard (piecewise-linear) "
                          "sigmoid", choices=("tanh", "lut", "hard_sigmoid")),
        "lut_input_bits": Key(INT, 5, "address bits of the activation table (indexed by |I| when "
                              "lut_symmetric, else by the signed input)", _range(1, 20)),
        "lut_output_bits": Key(INT, 32, "bits L of each table entry (threshold compared with the RNG word; "
                               "up to 64: uint64 thresholds)",
                               _range(1, 64)),
        "lut_symmetric": Key(BOOL, True, "index the table by |I| and invert the output for negative I"),
        "gain_sigma": Key(FLOAT, 0.0, "relative std of the per-p-bit sigmoid gain (device variation)",
                          _range(0.0)),
        "offset_sigma": Key(FLOAT, 0.0, "std of the per-p-bit input offset, in units of I", _range(0.0)),
        "stuck_fraction": Key(FLOAT, 0.0, "fraction of p-bits stuck at +1 or -1 (half each)",
                              _range(0.0, 1.0)),
        "input_noise_sigma": Key(FLOAT, 0.0, "std of additive Gaussian noise on I at each update",
                                 _range(0.0)),
        "variation_seed": Key(INT, 0, "seed of the device-variation draw (part of the compiled chip)",
                              _range(0)),
    },
    "rng": {
        "kind": Key(STR, "ideal", "random source: ideal (float64 uniforms), xoroshiro (k-bit words of "
                    "xoroshiro128+), lfsr", choices=("ideal", "xoroshiro", "lfsr")),
        "width": Key(INT, 32, "LFSR register width (bits)", _range(2, 64)),
        "taps": Key(LIST, [], "LFSR taps, 1-based (empty: the maximal-length table entry for width)",
                    _int_list(1, 64, 0)),
        "feedback": Key(STR, "xnor", "LFSR feedback", choices=("xor", "xnor")),
        "structure": Key(STR, "fibonacci", "LFSR structure", choices=("fibonacci", "galois")),
        "output_bits": Key(INT, 32, "random bits compared per update (k)", _range(1, 64)),
        "shared": Key(BOOL, False, "neighbouring p-bits read shifted taps of one shared LFSR"),
        "share_group": Key(INT, 8, "p-bits per shared LFSR when shared = true", _range(1)),
        "share_shift": Key(INT, 1, "stage offset between successive p-bits reading one shared LFSR", _range(0)),
        "clocking": Key(STR, "per-update", "how the LFSR is clocked: per-update (shifted steps_per_update "
                        "times at each update of its p-bit; per sweep for a shared register) or free-running "
                        "(steps_per_update shifts per clock cycle: the shifts per update follow from the clock "
                        "mode and the colouring at compile time; see LFSR clocking below)", choices=CLOCKINGS),
        "steps_per_update": Key(INT, 1, "per-update: LFSR shifts per draw (per update; per sweep for a shared "
                                "register); free-running: shifts per clock cycle", _range(1, 64)),
    },
    "weights": _number_format("couplings J", 6, 1, extra={
        "mismatch_rel_sigma": Key(FLOAT, 0.0, "multiplicative coupling mismatch (relative std)", _range(0.0)),
        "mismatch_abs_sigma": Key(FLOAT, 0.0, "additive coupling mismatch (std, units of J)", _range(0.0)),
    }),
    "bias": _number_format("biases h", 6, 1),
    "accumulator": _number_format("the input accumulator I", 6, 1, with_rounding=False, extra={
        "beta_shift": Key(INT, 0, "hardware beta as a right shift of the accumulator (beta = 2**-shift "
                          "relative to the table's input scale)", _range(-16, 16)),
    }),
    "clock": {
        "mode": Key(STR, "chromatic", "engine: chromatic (colour phases), clocked (event engine with "
                    "skew/jitter/delays), asynchronous (Poisson p-bits), naive_parallel (all p-bits at "
                    "once; wrong on purpose), sequential (one p-bit at a time)", choices=CLOCK_MODES),
        "frequency_mhz": Key(FLOAT, 1000.0, "clock frequency; one colour phase per cycle", _range(0.0, lo_open=True)),
        "colouring": Key(STR, "auto", "graph colouring strategy (auto: fewest colours of several; structured: the "
                     "topology's colouring by construction)", choices=COLOURINGS),
        "scan": Key(STR, "systematic", "sequential mode: systematic or random scan",
                    choices=("systematic", "random")),
        "skew_ps": Key(FLOAT, 0.0, "std of the static per-p-bit clock skew (ps)", _range(0.0)),
        "jitter_ps": Key(FLOAT, 0.0, "std of the per-update random jitter (ps)", _range(0.0)),
    },
    "timing": {
        "neuron_time_ns": Key(FLOAT, 1.0, "mean time between updates of an asynchronous p-bit (ns)",
                              _range(0.0, lo_open=True)),
        "neuron_time_sigma": Key(FLOAT, 0.0, "relative device-to-device std of the neuron time", _range(0.0)),
        "synapse_delay_ns": Key(FLOAT, 0.0, "delay between a neighbour's flip and its effect on I (ns)",
                                _range(0.0)),
        "synapse_delay_sigma_ns": Key(FLOAT, 0.0, "per-edge spread (std) of the synapse delay (ns)",
                                      _range(0.0)),
        "response_time_ns": Key(FLOAT, 0.0, "output relaxation time of stochastic-magnet p-bits (ns)",
                                _range(0.0)),
    },
}

SECTIONS = tuple(s for s in SCHEMA if s) + ("topology",)

#: The ``docs/chips.md`` section on ``[rng] clocking`` (kept here: the page is generated).
LFSR_CLOCKING_NOTES = """## LFSR clocking

`[rng] clocking` says when an LFSR shifts, which decides how many shifts separate two words of one p-bit:

- `per-update`: the register shifts `steps_per_update` times at each update of its p-bit (a shared
  register: per sweep). With `k = width` and one shift, successive words of a p-bit share `width - 1`
  bits, so the chip does not sample the datapath's Markov law (which assumes independent words).
- `free-running`: the register shifts on every clock cycle (`steps_per_update` times per cycle, default
  1), whether or not its p-bit updates. Compile derives the shifts between two updates of a p-bit from the
  clock (`pbitsim.compiler.hardware.lfsr_shifts_per_update`) and reports them (`lfsr_shifts_per_update` in
  the compile report, `pbitsim compile`, the export manifest): `steps_per_update` times the cycles between
  two updates, which are `n_colours` for `chromatic` and `clocked` chips (one colour phase per cycle), `n`
  for `sequential` (one p-bit per cycle), 1 for `naive_parallel`; for `asynchronous` p-bits, whose updates
  come at random times, the mean `neuron_time_ns * frequency_mhz / 1000` (rounded, at least 1). The
  simulator applies the shifts at the update (a per-p-bit register) or at the start of the sweep (a shared
  one); both give the words a register shifting every cycle gives (docs/datapath.md, "LFSR clocking"). For
  a shared Fibonacci register colour `c` reads its window `steps_per_update * (n_colours - 1 - c)` stages
  further along (it reads the register that many shifts before the sweep's last shift: a Fibonacci
  register is a delay line), and compile rejects windows that then leave the register; shared Galois
  registers (no delay line) keep the sweep-start form. The event engine applies the same counts
  (per-p-bit registers at each update, shared registers at each sweep tick).

What it changes, measured against the exact kernel law (`pbitsim.analysis.rng_correlation.kernel_law_check`:
the datapath's law with independent words; an 8-spin model with the fpga-sparse-ising datapath, 4 colours,
12,000 sweeps x 32 replicas, `tests/analysis/test_rng_correlation.py`): one shift per update of a 32-bit
register gives successive words correlated 0.5 (comparator outputs about 0.45) and max |z| = 30; 4 shifts
per update (free-running, 4 colours) give a word correlation of 2**-4 and max |z| = 2.9; 8 shifts 2.2. On
the demo RBM (percentile scale rule, `pbitsim.commands.demo.hidden_layer_kl`, seed 1) the hidden-layer KL
is 1.74 nats per-update and 1.57 nats free-running: most of that distortion is precision, not the LFSR.

Shipped chips: `fpga-sparse-ising`, `pegasus-sdbm` and `fpga-lfsr-shared` are `free-running` (4 shifts per
update or per sweep: 4 colours); `fpga-sparse-ising-per-update` is `fpga-sparse-ising` with one shift per
update, to show the difference. Source and assumption: the FPGA p-computers of Aadit et al. (Nature
Electronics 5, 460, 2022) and Niazi et al. (Nature Electronics 7, 2024) update one colour class per clock
phase and draw each p-bit's random number from an LFSR-based generator of its own; we found no statement
in them of which clock shifts the LFSRs. We assume the usual RTL practice, a register on the fast system clock that
shifts every cycle (free-running); a design that clocks each LFSR with its p-bit's update enable is the
`per-update` variant.
"""


def reference_markdown() -> str:
    """The chip-description reference (``docs/chips.md``), generated from :data:`SCHEMA`."""
    from ..topologies import TOPOLOGY_KEYS, TOPOLOGY_REQUIRED_KEYS

    out = ["# Chip description reference", "",
           "Generated from `pbitsim/chip/schema.py` (`python -c \"import pbitsim.chip.schema as s; "
           "print(s.reference_markdown())\" > docs/chips.md`). Units are in key names.", ""]
    for section, keys in SCHEMA.items():
        out += [f"## {'top level' if not section else '[' + section + ']'}", "",
                "| key | type | default | allowed | meaning |", "|---|---|---|---|---|"]
        for name, key in keys.items():
            types = "/".join(t.__name__ for t in key.types)
            allowed = ", ".join(map(str, key.choices)) if key.choices else ""
            out.append(f"| `{name}` | {types} | `{key.default!r}` | {allowed} | {key.doc.replace(chr(124), chr(92) + chr(124))} |")
        out.append("")
    out += ["## [topology]", "", "`kind` selects the graph; the other keys depend on it "
            "(required keys in bold).", "", "| kind | keys |", "|---|---|"]
    for kind, keys in TOPOLOGY_KEYS.items():
        req = TOPOLOGY_REQUIRED_KEYS[kind]
        out.append(f"| `{kind}` | " + ", ".join(f"**{k}**" if k in req else k for k in keys) + " |")
    out.append("")
    out += [LFSR_CLOCKING_NOTES]
    return "\n".join(out)
