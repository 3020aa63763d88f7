"""`pbitsim export PROGRAM.npz | CHIP --model FILE --out DIR`: FPGA memory files, C header, golden vectors."""
from __future__ import annotations

import os

from ..chip.spec import load_chip
from ..errors import PbitsimError
from ..export import export_fpga
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
    parser.add_argument("--golden-phases", type=int, default=16,
                        help="colour phases in the golden test vectors (default 16)")
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty output directory")


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
    m = export_fpga(program, args.out, formats, beta=args.beta, seed=args.seed,
                    golden_phases=args.golden_phases, overwrite=args.overwrite)
    fp = m["fixed_point"]
    print(f"chip        {program.chip.name}")
    print(f"p-bits      {m['n_pbits']} in {m['n_colours']} colour phases, {m['n_entries']} neighbour entries")
    print(f"formats     weight {fp['weight']['q']}, bias {fp['bias']['q']}, accumulator {fp['accumulator']['q']}, "
          f"LUT {m['activation']['size']} x {m['activation']['output_bits']} bits, "
          f"LFSR {m['rng']['width']} bits taps {m['rng']['taps']}")
    print(f"golden      {m['golden']['n_phases']} phases, seed {m['seed']}, physical beta {m['physical_beta']:g}")
    print(f"wrote       {len(m['files']) + 1} files ({', '.join(m['formats'])}, manifest.json, pbit_params.h, "
          f"golden.json) to {m['path']}")
    return 0
