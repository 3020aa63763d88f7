"""`pbitsim verify-hdl DIR`: run the reference RTL's test bench on an export in Icarus Verilog (and Verilator)."""
from __future__ import annotations

from ..errors import PbitsimError
from ..export.hdl_bench import SIMULATORS, verify_hdl

HELP = ("build and run the reference RTL's self-checking test bench on an FPGA export (Icarus Verilog, and "
        "Verilator when installed): PASS/FAIL per simulator with the first mismatch")


def add_arguments(parser):
    parser.add_argument("export_dir", metavar="DIR", help="an export written by pbitsim export (with the mem format)")
    parser.add_argument("--simulator", action="append", choices=SIMULATORS,
                        help="simulator to run (repeatable; default: icarus, and verilator when installed)")


def report(results) -> int:
    """Print one PASS/FAIL line per simulator (and the first mismatch); exit status 0 iff all passed."""
    for r in results:
        if r.passed:
            print(f"{r.simulator:<10} PASS  ({'; '.join(ln.replace('PBIT-HDL PASS ', '') for ln in r.lines)})")
        else:
            print(f"{r.simulator:<10} FAIL  {r.first_failure.replace('PBIT-HDL FAIL ', '')}")
    return 0 if all(r.passed for r in results) else 1


def main(args):
    results = verify_hdl(args.export_dir, args.simulator)
    if not results:
        raise PbitsimError("no HDL simulator ran")
    return report(results)
