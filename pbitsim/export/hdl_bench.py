r"""The reference RTL shipped with pbitsim, and its self-checking test bench run in HDL simulators.

The Verilog-2005 sources live in ``pbitsim/export/hdl/`` (package data):
``pbit_lfsr_step.v``, ``pbit_input.v``, ``pbit_compare.v`` (the datapath
stages), ``pbit_engine_serial.v`` (one multiply-accumulate per clock),
``pbit_engine_phase.v`` (one colour phase per clock) and ``pbit_tb.v`` (the
bench).  All of them ``include "pbit_params.vh"`` of an export and read its
``.mem`` tables with ``$readmemh``, so the simulator runs with the export
directory as its working directory.

:func:`run_bench` builds and runs the bench with Icarus Verilog (``iverilog`` +
``vvp``) or Verilator (``verilator --binary``) and parses its
``PBIT-HDL PASS|FAIL`` lines; :func:`verify_hdl` does so for every simulator
found.  The bench compares both engines' state and LFSR registers with the
golden vectors after every colour phase (``docs/fpga_export.md``,
"Reference RTL").
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from importlib import resources

from ..errors import PbitsimError

#: Sources in compile order (the bench last).
RTL_FILES = ("pbit_lfsr_step.v", "pbit_input.v", "pbit_compare.v", "pbit_engine_serial.v", "pbit_engine_phase.v")
BENCH_FILE = "pbit_tb.v"
HDL_FILES = RTL_FILES + (BENCH_FILE,)
#: Included by the engines (found through ``-I`` on the sources' folder).
INCLUDE_FILES = ("pbit_tables.vh",)
SIMULATORS = ("icarus", "verilator")
#: The engines the bench checks.
ENGINES = ("serial", "phase")
#: Deliberately wrong datapaths for mutation tests (``defines``): each must make the bench FAIL.
MUTANTS = {"PBIT_MUTANT_NO_SATURATE": "saturation replaced by wrap-around (pbit_input.v)",
           "PBIT_MUTANT_GE_COMPARE": "'>=' instead of '>' in the comparator (pbit_compare.v)"}

_TOOLS = {"icarus": ("iverilog", "vvp"), "verilator": ("verilator",)}
_INSTALL = "apt-get install -y --no-install-recommends iverilog verilator"
_LINE = re.compile(r"^PBIT-HDL (PASS|FAIL) engine=(\w+)(.*)$")


@dataclass(frozen=True)
class BenchResult:
    """Outcome of one bench run: ``passed`` iff every engine printed PASS.

    ``lines`` are the bench's ``PBIT-HDL`` result lines (one per engine),
    ``first_failure`` the first FAIL line (``""`` when none), ``trace`` the
    ``TRACE`` lines (with ``trace=True``), ``output`` everything the simulator
    printed.
    """

    simulator: str
    passed: bool
    lines: tuple
    first_failure: str = ""
    trace: tuple = ()
    output: str = field(default="", repr=False)


def hdl_source_dir():
    """The directory holding the shipped Verilog sources."""
    return resources.files("pbitsim.export").joinpath("hdl")


def copy_hdl(dest_dir) -> list:
    """Copy the RTL, its include and the bench into ``dest_dir`` (created); returns the file names."""
    os.makedirs(dest_dir, exist_ok=True)
    src = hdl_source_dir()
    for name in HDL_FILES + INCLUDE_FILES:
        with src.joinpath(name).open("rb") as f_in, open(os.path.join(dest_dir, name), "wb") as f_out:
            shutil.copyfileobj(f_in, f_out)
    return list(HDL_FILES + INCLUDE_FILES)


def missing_tools(simulator) -> list:
    """Executables of ``simulator`` not found on ``PATH``."""
    if simulator not in _TOOLS:
        raise PbitsimError(f"unknown HDL simulator {simulator!r}; choose from {', '.join(SIMULATORS)}")
    return [t for t in _TOOLS[simulator] if shutil.which(t) is None]


def available_simulators() -> list:
    """The simulators whose tools are all on ``PATH``."""
    return [s for s in SIMULATORS if not missing_tools(s)]


def _check_export(export_dir):
    export_dir = os.path.abspath(os.fspath(export_dir))
    if not os.path.isfile(os.path.join(export_dir, "manifest.json")):
        raise PbitsimError(f"{export_dir}: no manifest.json; not an FPGA export directory")
    need = ["pbit_params.vh", "golden_states.mem", "golden_lfsr.mem", "weight.mem", "lut.mem"]
    missing = [n for n in need if not os.path.isfile(os.path.join(export_dir, n))]
    if missing:
        raise PbitsimError(f"{export_dir}: {', '.join(missing)} missing; the test bench needs an export "
                           "written with the 'mem' format and pbit_params.vh (pbitsim export ... "
                           "--formats mem,... with this version of pbitsim)")
    return export_dir


def _sources(export_dir, build_dir):
    """Source paths: the export's own ``hdl/`` copy when complete, else the shipped files (copied to build_dir)."""
    own = os.path.join(export_dir, "hdl")
    if all(os.path.isfile(os.path.join(own, n)) for n in HDL_FILES + INCLUDE_FILES):
        return [os.path.join(own, n) for n in HDL_FILES]
    copy_hdl(build_dir)
    return [os.path.join(build_dir, n) for n in HDL_FILES]


def _run(cmd, cwd, timeout, what):
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise PbitsimError(f"{what} took longer than {timeout:g} s: {' '.join(cmd)}") from None
    return p.returncode, p.stdout + p.stderr


def _build_commands(simulator, sources, export_dir, build_dir, defines):
    if simulator == "icarus":
        out = os.path.join(build_dir, "pbit_tb.vvp")
        cmd = ["iverilog", "-g2005", "-I", export_dir, "-I", os.path.dirname(sources[0]), "-s", "pbit_tb", "-o", out]
        cmd += [f"-D{d}" for d in defines] + sources
        return cmd, ["vvp", "-n", out]
    obj = os.path.join(build_dir, "obj_dir")
    cmd = ["verilator", "--binary", "-j", "2", "-Wno-fatal", "-Wno-lint", "-Wno-style", "--top-module", "pbit_tb",
           f"-I{export_dir}", f"-I{os.path.dirname(sources[0])}", "--Mdir", obj, "-o", "pbit_tb"] + [f"-D{d}" for d in defines] + sources
    return cmd, [os.path.join(obj, "pbit_tb")]


def run_bench(export_dir, simulator="icarus", *, defines=(), trace=False, timeout=600.0) -> BenchResult:
    """Build and run the test bench of ``export_dir`` with ``simulator`` (``"icarus"`` or ``"verilator"``).

    Parameters
    ----------
    export_dir : path
        An export written with the ``mem`` format (its ``pbit_params.vh`` and
        ``.mem`` tables); its ``hdl/`` copy of the sources is used when
        present, else the shipped sources.
    simulator : {"icarus", "verilator"}
    defines : iterable of str
        Verilog macros (e.g. a key of :data:`MUTANTS`).
    trace : bool
        Pass ``+trace``: the serial engine prints every update (``TRACE`` lines).
    timeout : float
        Seconds allowed for building and for running.

    Raises
    ------
    PbitsimError
        When the simulator's tools are missing, the export is incomplete, or
        the build fails (the compiler's messages are in the error).
    """
    export_dir = _check_export(export_dir)
    gone = missing_tools(simulator)
    if gone:
        raise PbitsimError(f"HDL simulator {simulator!r} not found ({', '.join(gone)} not on PATH); "
                           f"install it, e.g. on Debian/Ubuntu: {_INSTALL}")
    with tempfile.TemporaryDirectory(prefix="pbitsim-hdl-") as build_dir:
        build, sim = _build_commands(simulator, _sources(export_dir, build_dir), export_dir, build_dir,
                                     list(defines))
        rc, log = _run(build, export_dir, timeout, f"building the bench with {simulator}")
        if rc != 0:
            raise PbitsimError(f"building the bench with {simulator} failed (exit {rc}):\n{log.strip()}")
        rc, out = _run(sim + (["+trace"] if trace else []), export_dir, timeout, f"the {simulator} bench")
    return parse_bench_output(simulator, out, rc)


def parse_bench_output(simulator, out, returncode=0) -> BenchResult:
    """A :class:`BenchResult` from the bench's printed output (PASS needs a PASS line per engine)."""
    lines = [ln.strip() for ln in out.splitlines()]
    results = [ln for ln in lines if _LINE.match(ln)]
    passed_engines = {_LINE.match(ln).group(2) for ln in results if _LINE.match(ln).group(1) == "PASS"}
    failures = [ln for ln in results if _LINE.match(ln).group(1) == "FAIL"]
    done = "PBIT-HDL DONE" in lines
    passed = done and returncode == 0 and not failures and passed_engines == set(ENGINES)
    first = failures[0] if failures else ("" if passed else f"PBIT-HDL FAIL no result from the bench "
                                          f"(exit {returncode}): {out.strip()[-400:]}")
    return BenchResult(simulator, passed, tuple(results), first,
                       tuple(ln for ln in lines if ln.startswith("TRACE ")), out)


#: Verilator -Wall waivers of the lint check: the RTL is generic over widths (signed operands are
#: extended by context on purpose) and does not use every parameter of pbit_params.vh.
LINT_WAIVERS = ("-Wno-WIDTH", "-Wno-UNUSEDPARAM", "-Wno-UNUSEDSIGNAL")


def lint_rtl(export_dir, *, timeout=300.0) -> str:
    """``verilator --lint-only -Wall`` (with :data:`LINT_WAIVERS`) on both engines; returns the messages.

    Raises :class:`PbitsimError` when Verilator is missing or reports anything.
    """
    export_dir = _check_export(export_dir)
    if missing_tools("verilator"):
        raise PbitsimError(f"verilator not on PATH; install it, e.g. on Debian/Ubuntu: {_INSTALL}")
    with tempfile.TemporaryDirectory(prefix="pbitsim-lint-") as build_dir:
        src = dict(zip(HDL_FILES, _sources(export_dir, build_dir)))
        log = []
        for top in ("pbit_engine_serial", "pbit_engine_phase"):
            files = [src[f] for f in RTL_FILES[:3]] + [src[top + ".v"]]
            cmd = ["verilator", "--lint-only", "-Wall", *LINT_WAIVERS, f"-I{export_dir}",
                   f"-I{os.path.dirname(files[0])}", "--top-module", top, *files]
            rc, out = _run(cmd, export_dir, timeout, "verilator --lint-only")
            if rc != 0 or out.strip():
                raise PbitsimError(f"verilator --lint-only on {top} reported (exit {rc}):\n{out.strip()}")
            log.append(out)
    return "".join(log)


def verify_hdl(export_dir, simulators=None, *, defines=()) -> list:
    r"""Run the bench of ``export_dir`` in each simulator; returns the :class:`BenchResult`\ s.

    ``simulators=None`` means Icarus Verilog (required) and Verilator when it
    is installed; name them to require each.
    """
    if simulators is None:
        simulators = ["icarus"] + (["verilator"] if not missing_tools("verilator") else [])
    return [run_bench(export_dir, s, defines=defines) for s in simulators]
