"""`pbitsim export PROGRAM.npz | CHIP --model FILE --out DIR`: FPGA memory files, C header, golden vectors."""
from __future__ import annotations

import os
import sys
import warnings

from ..chip.spec import load_chip
from ..errors import PbitsimError
from ..export import export_fpga
from ..export.golden import GoldenCoverageWarning
from ..export.formats import FORMATS
from ..compiler.pipeline import compile_model
from ..compiler.program import Program
from .run import build_model

HELP = "export a program's fixed-point datapath as FPGA memory files (.mem/.coe/.mif), a C header and golden vectors"


def add_arguments(parser):
    parser.add_argument("target", metavar="PROGRAM.npz|CHIP",
                        help="a saved program (pbitsim compile --out), or a chip name / .toml path with --model")
    parser.add_argument("--model", help=".npz model (Ising J/h or RBM W/b/c) compiled onto CHIP (identity placement "
                        "if it fits, else subgraph search or minor embedding, as pbitsim compile); default: "
                        "a random spin glass on the chip graph")
    parser.add_argument("--out", required=True, help="output directory (must be empty or absent)")
    parser.add_argument("--formats", default=",".join(FORMATS),
                        help=f"comma-separated memory-file formats (default {','.join(FORMATS)})")
    parser.add_argument("--seed", type=int, default=0,
                        help="run seed: LFSR seeds and golden initial state, as simulate(seed=...) (default 0)")
    parser.add_argument("--beta", type=float, default=1.0, help="inverse temperature built into the LUT (default 1)")
    parser.add_argument("--golden-phases", type=int, default=None,
                        help="colour phases in the golden test vectors (default: 16, extended until every "
                             "coverage count the tables can reach is above zero)")
    parser.add_argument("--trace", action="store_true",
                        help="also write trace.csv: every update of the golden run (sum, saturated input, "
                             "table index, threshold, random word, new state, LFSR register)")
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty output directory")
    parser.add_argument("--hdl", action="store_true",
                        help="also copy the reference RTL and its test bench into DIR/hdl/ (needs the mem format)")
    parser.add_argument("--verify", action="store_true",
                        help="then run the test bench (as pbitsim verify-hdl DIR); exit status 1 on FAIL")


def load_program(target, model_path, seed):
    """A Program from a saved ``.npz`` program, or ``CHIP`` + ``--model`` compiled by :func:`pbitsim.compile`."""
    if target.endswith(".npz") and os.path.isfile(target):
        if model_path:
            raise PbitsimError("give either PROGRAM.npz or CHIP --model FILE, not both")
        return Program.load(target)
    chip = load_chip(target)
    return compile_model(build_model(chip, model_path, seed), chip, method="auto", seed=seed,
                         progress=True)


def main(args):
    formats = [f for f in args.formats.split(",") if f.strip()]
    program = load_program(args.target, args.model, args.seed)
    with warnings.catch_warnings(record=True) as caught:           # printed below as one line each
        warnings.simplefilter("always", GoldenCoverageWarning)
        m = export_fpga(program, args.out, formats, beta=args.beta, seed=args.seed,
                        golden_phases=args.golden_phases, overwrite=args.overwrite, trace=args.trace,
                        hdl=args.hdl)
    for w in caught:
        if issubclass(w.category, GoldenCoverageWarning):
            print(f"pbitsim export: warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    fp = m["fixed_point"]
    print(f"chip        {program.chip.name}")
    print(f"p-bits      {m['n_pbits']} in {m['n_colours']} colour phases, {m['n_entries']} neighbour entries")
    print(f"formats     weight {fp['weight']['q']}, bias {fp['bias']['q']}, accumulator {fp['accumulator']['q']}, "
          f"LUT {m['activation']['size']} x {m['activation']['output_bits']} bits, "
          f"LFSR {m['rng']['width']} bits taps {m['rng']['taps']}")
    print(f"golden      {m['golden']['n_phases']} phases, seed {m['seed']}, physical beta {m['physical_beta']:g}")
    g = m["golden"]["counts"]
    print(f"coverage    {g['updates']} updates: {g['overflowed']} overflowed, {g['clipped_lut_index']} clipped "
          f"table indices, {g['negative_inputs']} negative inputs, {g['comparator_ties']} comparator ties, "
          f"{g['stuck_updates']} stuck" + (f"; not reached: {', '.join(m['golden']['unreached'])}"
                                           if m["golden"]["unreached"] else ""))
    print(f"LFSR        {m['rng']['clocking']}, {m['rng']['steps_per_update']} shift(s) per update"
          + (" (per sweep, shared registers)" if m["rng"]["shared"] else ""))
    print(f"wrote       {len(m['files']) + 1} files ({', '.join(m['formats'])}, manifest.json, pbit_params.h, "
          f"golden.json) to {m['path']}")
    if args.verify:
        from ..export.hdl_bench import verify_hdl
        from .verify_hdl import report
        return report(verify_hdl(m["path"]))
    return 0
