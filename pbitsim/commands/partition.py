"""`pbitsim partition MACHINE`: partition a model over a multi-chip machine and report cut, loads and links."""
from __future__ import annotations

from ..files.atomic import write_json_atomic
from ..machine.program import compile_machine, format_machine_report
from ..machine.spec import load_machine
from .run import build_model

HELP = "partition a model over a multi-chip machine: cut (eta), per-chip load, link traffic"


def add_arguments(parser):
    parser.add_argument("machine", help="shipped machine name (machines/*.toml) or path to a machine .toml file")
    parser.add_argument("--model", help=".npz model (Ising J/h or RBM W/b/c); default: a random spin glass on "
                        "the chip type's graph")
    parser.add_argument("--seed", type=int, default=0, help="seed of METIS, of rounding and of the random model "
                        "(default 0)")
    parser.add_argument("--json", help="also write the report (partition, links, per-chip loads) to this file")


def main(args):
    machine = load_machine(args.machine)
    model = build_model(machine.chip, args.model, args.seed)
    program = compile_machine(model, machine, seed=args.seed)
    print(format_machine_report(program))
    if args.json:
        rep = program.report
        write_json_atomic(args.json, {"machine": machine.name, "partition": rep["partition"],
                                      "links": rep["links"], "n_p_bits": program.n_physical})
        print(f"wrote {args.json}")
    return 0
