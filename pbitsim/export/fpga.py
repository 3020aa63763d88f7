r"""``export_fpga``: a program's integer datapath as FPGA memory files, a C header and golden vectors.

Layout of an export directory (``<t>`` for every table, ``<f>`` for every
requested format)::

    manifest.json        every file: name, format, width, depth, address order, meaning, Q format
    <t>.<f>              indptr, neighbour, weight, bias, colour, phase_ptr, lut, rng_seed,
                         [rng_slot, rng_offset when the LFSR is shared], [stuck], pbit_index, chip_node
    golden_states.<f>    state after each colour phase (row 0 = initial), one n-bit word per row
    golden_lfsr.<f>      LFSR registers after each phase, row-major (phase, register)
    golden.json          the same golden vectors, with seeds, phase bookkeeping and coverage counts
    trace.csv            with trace=True: every update of the golden run (pbitsim.export.golden_updates)
    pbit_params.h        #defines and const arrays of every table (golden vectors excluded)
    pbit_params.vh       the same parameters as Verilog localparams (plus longest row, adder width, masks)
    hdl/*.v              with hdl=True: the reference RTL and its test bench (pbitsim.export.hdl_bench)
    logical.npz          the logical model (host software; read_export rebuilds the Program)

The datapath is the program's own (:meth:`Program.datapath`) at physical beta
``program.physical_beta(beta)`` in colour order; the format is documented in
``docs/fpga_export.md``.
"""
from __future__ import annotations

import json
import os

import numpy as np

from ..engines.schedule import checked_beta
from ..errors import ChipSpecError, PbitsimError
from ..compiler.program import Program
from .c_header import render_header
from .directory import check_target, write_directory
from .formats import RENDERERS, check_formats
from .hdl_bench import HDL_FILES, INCLUDE_FILES, copy_hdl
from .golden import golden_dict, run_golden, state_word, write_trace
from .manifest import (ADDRESS_ORDER, CONVENTIONS, FORMAT_NAME, FORMAT_VERSION, datapath_section,
                       header_defines, json_safe)
from .tables import Table, program_tables
from .verilog_params import adder_bits, max_row, render_verilog_params

DEFAULT_GOLDEN_PHASES = None   # automatic: 16 phases, extended until every reachable coverage count is > 0


def check_exportable(chip):
    """Raise :class:`ChipSpecError` unless ``chip`` has a digital datapath the tables can describe."""
    if not chip.is_fixed_point:
        raise ChipSpecError(
            f"chip {chip.name!r} has a float datapath ([weights], [bias] and [accumulator] format = 'float'); "
            "FPGA export needs a fixed-point datapath (format = 'fixed', e.g. chip 'fpga-sparse-ising')")
    if chip.pbit.activation != "lut":
        raise ChipSpecError(f"chip {chip.name!r}: FPGA export needs [pbit] activation = 'lut' (a threshold "
                            f"table), got {chip.pbit.activation!r}")
    if chip.rng.kind != "lfsr":
        raise ChipSpecError(f"chip {chip.name!r}: FPGA export needs [rng] kind = 'lfsr', got {chip.rng.kind!r}")
    p, w = chip.pbit, chip.weights
    analog = {"[pbit] gain_sigma": p.gain_sigma, "[pbit] offset_sigma": p.offset_sigma,
              "[pbit] input_noise_sigma": p.input_noise_sigma, "[weights] mismatch_rel_sigma": w.mismatch_rel_sigma,
              "[weights] mismatch_abs_sigma": w.mismatch_abs_sigma}
    on = [f"{k} = {v}" for k, v in analog.items() if v > 0]
    if on:
        raise ChipSpecError(f"chip {chip.name!r} has analog device variation ({', '.join(on)}), which no "
                            "digital table describes; FPGA export needs these set to 0")


def _check_args(beta, seed, golden_phases):
    beta = checked_beta(beta)
    for name, v in (("seed", seed), ("golden_phases", golden_phases)):
        if name == "golden_phases" and v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise PbitsimError(f"{name} must be a non-negative integer, got {v!r}")
    return beta, int(seed), None if golden_phases is None else int(golden_phases)


def _program_section(program) -> dict:
    rbm = program.rbm
    sec = {
        "n_logical": program.n_logical, "placement": np.asarray(program.placement).tolist(),
        "beta_factor": float(program.beta_factor), "physical_offset": float(program.physical.offset),
        "colouring_strategy": program.colouring.strategy, "logical_file": "logical.npz",
        "logical_kind": "rbm" if rbm is not None else "ising",
        "logical_name": (rbm.name if rbm is not None else program.logical.name) or "",
        "report": json_safe(program.report),
    }
    chains = getattr(program, "chains", None)
    if chains is not None and hasattr(chains, "ptr"):
        sec["chains"] = {"ptr": np.asarray(chains.ptr).tolist(), "members": np.asarray(chains.members).tolist()}
        sec["chain_strength"] = float(getattr(program, "chain_strength", 0.0))
    return sec


def _golden_tables(gv, lfsr_width):
    n = gv.states.shape[1]
    return [Table("golden_states", [state_word(s) for s in gv.states], max(n, 1), False,
                  "state after phase t (row 0 = initial); bit a = address a, 1 = spin +1",
                  "phase t = 0..K", in_header=False),
            Table("golden_lfsr", [int(x) for x in gv.lfsr.ravel()], lfsr_width, False,
                  "LFSR registers after phase t (row 0 = rng_seed)",
                  "row-major (phase t = 0..K, register g)", in_header=False)]


def prepare_export(program, *, beta=1.0, seed=0, golden_phases=DEFAULT_GOLDEN_PHASES, coverage=True, trace=False,
                   warn=True):
    """Everything an export writes, in memory: ``(tables, manifest, golden_vectors, golden_json)``.

    ``coverage``, ``trace``, ``warn``: as :func:`pbitsim.export.golden.run_golden`."""
    if not isinstance(program, Program):
        raise PbitsimError(f"export_fpga needs a Program (pbitsim.compile), got {type(program).__name__}")
    beta, seed, golden_phases = _check_args(beta, seed, golden_phases)
    chip = program.chip
    check_exportable(chip)
    if program.n_physical == 0:
        raise PbitsimError("the program has no p-bits; nothing to export")
    order, colour_ptr = program.colouring.order()
    physical_beta = program.physical_beta(beta)
    dp = program.datapath(physical_beta, order)
    gv = run_golden(dp, colour_ptr, chip, seed, golden_phases, coverage=coverage, trace=trace, warn=warn)
    tables = program_tables(program, dp, colour_ptr, gv.rng_seed)   # the golden start's registers
    for t in _golden_tables(gv, chip.rng.width):
        tables[t.name] = t
    manifest = {
        "format": FORMAT_NAME, "version": FORMAT_VERSION, "chip": chip.to_dict(),
        "chip_base_dir": chip.topology.base_dir,
        "n_pbits": program.n_physical, "n_entries": tables["neighbour"].depth,
        "max_row": max_row(tables["indptr"].values),
        "n_colours": len(colour_ptr) - 1, "address_order": ADDRESS_ORDER, "conventions": CONVENTIONS,
        "beta": beta, "beta_factor": float(program.beta_factor), "physical_beta": physical_beta, "seed": seed,
        **datapath_section(dp, chip),
        "golden": {"file": "golden.json", "n_phases": gv.n_phases, "seed": seed, "coverage": bool(coverage),
                   "counts": {k: int(v) for k, v in gv.counts.items()}, "unreached": gv.unreached,
                   **({"trace": "trace.csv"} if trace else {})},
        "program": _program_section(program),
    }
    fp = manifest["fixed_point"]
    fp["adder_bits"] = adder_bits(fp["weight"]["total_bits"], fp["weight_shift"], fp["bias"]["total_bits"],
                                  fp["bias_shift"], manifest["max_row"])
    return tables, manifest, gv, golden_dict(gv, chip.rng.width, colour_ptr)


def _file_entries(tables, formats, trace=False):
    files = []
    for t in tables.values():
        for f in formats:
            files.append({"name": f"{t.name}.{f}", "format": f, "table": t.name, **t.describe()})
    files += [{"name": "golden.json", "format": "json", "meaning": "golden test vectors (see 'golden')"},
              *([{"name": "trace.csv", "format": "csv",
                  "meaning": "every update of the golden run (docs/fpga_export.md, Trace)"}] if trace else []),
              {"name": "pbit_params.h", "format": "c-header",
               "meaning": "#defines of sizes, widths and formats; const arrays of every table except golden_*"},
              {"name": "pbit_params.vh", "format": "verilog-include",
               "meaning": "Verilog localparams: sizes, widths, formats, LFSR masks, longest row, adder width"},
              {"name": "logical.npz", "format": "npz",
               "meaning": "the logical model (pbitsim.load_model), for read_export; not a hardware file"}]
    return files


def export_fpga(program, out_dir, formats=("mem", "coe", "mif"), *, beta=1.0, seed=0,
                golden_phases=DEFAULT_GOLDEN_PHASES, overwrite=False, hdl=False, trace=False,
                coverage=True) -> dict:
    r"""Write ``program``'s datapath tables, C header, golden vectors and manifest into ``out_dir``.

    Parameters
    ----------
    program : Program
        On a chip with a fixed-point, LUT, LFSR datapath and no analog variation.
    out_dir : path
        Created (with parents); must be empty or absent unless ``overwrite``.
        Everything is written into a temporary sibling and renamed into place,
        so an error leaves ``out_dir`` untouched.
    formats : iterable of {"mem", "coe", "mif"}
    beta : float
        The user's inverse temperature; the LUT holds ``beta * program.beta_factor``.
    seed : int
        Run seed: initial LFSR registers (replica 0 of ``lfsr_states``) and the
        golden vectors' initial state, as ``simulate(..., seed=seed)`` uses them,
        then chosen for coverage (:mod:`pbitsim.export.golden`).
    golden_phases : int or None
        Number K of colour phases in the golden vectors; None (default): 16,
        extended until every coverage count the tables can reach is above zero.
    trace : bool
        Also write ``trace.csv``: every update of the golden run (sum, saturated
        input, table index, threshold, random word, new state, LFSR register;
        ``docs/fpga_export.md``, "Trace").
    coverage : bool
        Choose the golden start for coverage (default); False: the seeded start
        of ``simulate(..., seed=seed)`` unchanged.
    hdl : bool
        Also copy the reference RTL and its self-checking test bench into
        ``out_dir/hdl/`` (needs the ``mem`` format, which the bench reads;
        run it with ``pbitsim verify-hdl``).

    Returns
    -------
    dict
        The manifest (also written as ``manifest.json``), plus ``"path"``.
    """
    formats = check_formats(formats)
    if hdl and "mem" not in formats:
        raise PbitsimError(f"hdl=True (--hdl) needs the 'mem' format (the test bench reads .mem files with "
                           f"$readmemh); got formats {', '.join(formats)}")
    check_target(out_dir, overwrite)
    tables, manifest, gv, golden = prepare_export(program, beta=beta, seed=seed, golden_phases=golden_phases,
                                                  coverage=coverage, trace=trace)
    manifest["formats"] = list(formats)
    manifest["tables"] = {name: {**t.describe(), "files": [f"{name}.{f}" for f in formats]}
                          for name, t in tables.items()}
    manifest["files"] = _file_entries(tables, formats, trace)
    if hdl:
        manifest["files"] += [{"name": f"hdl/{name}", "format": "verilog",
                               "meaning": "reference RTL" if name != "pbit_tb.v" else "self-checking test bench"}
                              for name in HDL_FILES]
        manifest["files"] += [{"name": f"hdl/{name}", "format": "verilog-include",
                               "meaning": "the tables as ROMs, included by both engines"} for name in INCLUDE_FILES]
    header = render_header(header_defines(manifest), tables.values(),
                           [f"chip {program.chip.name}, {manifest['n_pbits']} p-bits, seed {manifest['seed']}"])

    def fill(tmp):
        for t in tables.values():
            words = t.words()
            for f in formats:
                _write_text(os.path.join(tmp, f"{t.name}.{f}"), RENDERERS[f](words, t.width, _comments(t)))
        _write_text(os.path.join(tmp, "golden.json"), json.dumps(golden, indent=1) + "\n")
        if trace:
            write_trace(gv, os.path.join(tmp, "trace.csv"))
        _write_text(os.path.join(tmp, "pbit_params.h"), header)
        _write_text(os.path.join(tmp, "pbit_params.vh"), render_verilog_params(
            manifest, [f"chip {program.chip.name}, {manifest['n_pbits']} p-bits, seed {manifest['seed']}"]))
        if hdl:
            copy_hdl(os.path.join(tmp, "hdl"))
        (program.rbm if program.rbm is not None else program.logical).save(os.path.join(tmp, "logical.npz"))
        _write_text(os.path.join(tmp, "manifest.json"), json.dumps(manifest, indent=2) + "\n")

    path = write_directory(out_dir, fill, overwrite=overwrite)
    return {**manifest, "path": path}


def _comments(t):
    return [f"pbitsim export: table {t.name}, width {t.width}, depth {t.depth}"
            + (f", {t.fixed_point}" if t.fixed_point else "") + (", signed" if t.signed else "")]


def _write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
