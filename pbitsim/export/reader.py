"""Read an FPGA export directory back: its tables, its golden vectors, and the :class:`Program` it encodes.

The physical model is rebuilt from the tables alone (codes -> values on the
fixed-point grid: ``J = weight * 2**-frac``, ``h = bias * 2**-frac``), the chip
from the manifest's chip dict, the colouring from the colour table.  With
``verify=True`` the reader re-exports the rebuilt program in memory and checks
that every table -- LUT, seeds and golden vectors included -- comes out word
for word the same, so a successful read proves the round trip is exact.
"""
from __future__ import annotations

import dataclasses
import json
import os

import numpy as np
from scipy.sparse import csr_matrix

from ..chip.spec import chip_from_dict
from ..compiler.colouring import Colouring, validate_colouring
from ..errors import PbitsimError
from ..models import RBM, IsingModel, load_model
from ..compiler.chains import Chains
from ..compiler.program import Program
from .formats import FORMATS, from_words, parse_mif, parse_words
from .fpga import prepare_export
from .golden import GoldenVectors, golden_from_dict
from .manifest import FORMAT_NAME, FORMAT_VERSION


def read_manifest(out_dir) -> dict:
    path = os.path.join(os.fspath(out_dir), "manifest.json")
    if not os.path.isfile(path):
        raise PbitsimError(f"{out_dir}: no manifest.json; not an FPGA export directory")
    with open(path, encoding="utf-8") as f:
        try:
            m = json.load(f)
        except json.JSONDecodeError as exc:
            raise PbitsimError(f"{path}: malformed JSON ({exc})") from None
    if m.get("format") != FORMAT_NAME or m.get("version") != FORMAT_VERSION:
        raise PbitsimError(f"{path}: not a {FORMAT_NAME} version {FORMAT_VERSION} manifest")
    return m


def _pick_format(manifest, fmt):
    have = manifest.get("formats", [])
    if fmt is None:
        if not have:
            raise PbitsimError("the manifest lists no table formats")
        return have[0]
    if fmt not in FORMATS or fmt not in have:
        raise PbitsimError(f"format {fmt!r} is not in this export; it has {', '.join(have)}")
    return fmt


def _read_table(out_dir, name, info, fmt):
    path = os.path.join(os.fspath(out_dir), f"{name}.{fmt}")
    if not os.path.isfile(path):
        raise PbitsimError(f"{out_dir}: table file {name}.{fmt} listed in the manifest is missing")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    width, depth = int(info["width"]), int(info["depth"])
    if fmt == "mif":
        words, w, _ = parse_mif(text, path)
        if w != width:
            raise PbitsimError(f"{path}: WIDTH={w} but the manifest says {width}")
    else:
        words = parse_words(fmt, text, path)
    if len(words) != max(depth, 1):
        raise PbitsimError(f"{path}: {len(words)} words, the manifest says depth {depth}")
    vals = from_words(words[:depth], width, bool(info["signed"]))
    if width <= 63 or info["signed"]:
        return np.array(vals, dtype=np.int64)
    if width <= 64:
        return np.array(vals, dtype=np.uint64)
    return vals


def read_tables(out_dir, fmt=None) -> dict:
    """``{table: values}``: int64 arrays (uint64 for 64-bit unsigned words; Python ints when wider)."""
    m = read_manifest(out_dir)
    fmt = _pick_format(m, fmt)
    return {name: _read_table(out_dir, name, info, fmt) for name, info in m["tables"].items()}


def read_golden(out_dir) -> GoldenVectors:
    """The golden vectors of an export (``golden.json``)."""
    path = os.path.join(os.fspath(out_dir), "golden.json")
    if not os.path.isfile(path):
        raise PbitsimError(f"{out_dir}: no golden.json")
    with open(path, encoding="utf-8") as f:
        return golden_from_dict(json.load(f))


def _physical(m, t):
    n = int(m["n_pbits"])
    order = t["pbit_index"]
    if sorted(order.tolist()) != list(range(n)):
        raise PbitsimError("pbit_index is not a permutation of the p-bits")
    indptr, nbr = t["indptr"], t["neighbour"]
    if indptr.shape != (n + 1,) or indptr[0] != 0 or np.any(np.diff(indptr) < 0) or indptr[-1] != nbr.size:
        raise PbitsimError("indptr does not describe the neighbour table")
    if nbr.size and nbr.max() >= n:
        raise PbitsimError(f"neighbour address {int(nbr.max())} is out of range (n = {n})")
    rows = np.repeat(np.arange(n), np.diff(indptr))
    fp = m["fixed_point"]
    vals = t["weight"].astype(np.float64) * 2.0 ** -fp["weight"]["frac_bits"]
    J = csr_matrix((vals, (order[rows], order[nbr])), shape=(n, n))
    h = np.zeros(n)
    h[order] = t["bias"].astype(np.float64) * 2.0 ** -fp["bias"]["frac_bits"]
    return IsingModel(J, h, float(m["program"]["physical_offset"]), "physical (from FPGA export)"), order


def _colouring(m, t, physical, order):
    n = physical.n
    colours = np.empty(n, dtype=np.int32)
    colours[order] = t["colour"]
    r, c, _ = physical.edges()
    validate_colouring(n, r, c, colours)
    colours.setflags(write=False)
    col = Colouring(colours, int(m["n_colours"]), m["program"]["colouring_strategy"])
    perm, ptr = col.order()
    if not (np.array_equal(perm, order) and np.array_equal(ptr, t["phase_ptr"])):
        raise PbitsimError("colour, phase_ptr and pbit_index tables disagree: addresses are not in colour order")
    return col


def _logical(out_dir, prog, physical):
    path = os.path.join(os.fspath(out_dir), prog.get("logical_file") or "logical.npz")
    if not os.path.isfile(path):
        return physical, None
    model = load_model(path)
    model = dataclasses.replace(model, name=prog.get("logical_name", ""))
    if isinstance(model, RBM):
        return model.to_ising(), model
    return model, None


def _chain_kwargs(prog):
    """Chains and chain strength, when the export has them (exports of earlier versions may not)."""
    out = {}
    if "chains" in prog:
        out["chains"] = Chains(prog["chains"]["ptr"], prog["chains"]["members"])
    if "chain_strength" in prog:
        out["chain_strength"] = float(prog["chain_strength"])
    return out


def read_export(out_dir, fmt=None, *, verify=True) -> Program:
    """Rebuild the :class:`Program` of an export directory from its tables and manifest.

    Parameters
    ----------
    out_dir : path
    fmt : {"mem", "coe", "mif"}, optional
        Which table files to read (default: the first format of the export).
    verify : bool
        Re-export the rebuilt program in memory (same beta, seed and number of
        golden phases) and require every table to match word for word.
    """
    try:
        return _read_export(out_dir, fmt, verify)
    except KeyError as exc:
        raise PbitsimError(f"{out_dir}: manifest.json lacks key {exc}; not a complete FPGA export") from None


def _read_export(out_dir, fmt, verify):
    m = read_manifest(out_dir)
    t = read_tables(out_dir, fmt)
    chip = chip_from_dict(m["chip"], source=os.path.join(os.fspath(out_dir), "manifest.json"),
                          base_dir=m.get("chip_base_dir"))
    physical, order = _physical(m, t)
    colouring = _colouring(m, t, physical, order)
    prog = m["program"]
    logical, rbm = _logical(out_dir, prog, physical)
    kwargs = dict(logical=logical, physical=physical, chip=chip,
                  placement=np.asarray(prog["placement"], dtype=np.int64),
                  chip_nodes=np.asarray(t["chip_node"], dtype=np.int64)[np.argsort(order)],
                  colouring=colouring, report=dict(prog.get("report") or {}), rbm=rbm,
                  beta_factor=float(prog["beta_factor"]))
    kwargs.update(_chain_kwargs(prog))
    program = Program(**kwargs)
    if verify:
        verify_tables(program, m, t)
    return program


def verify_tables(program, manifest, tables):
    """Raise unless re-exporting ``program`` reproduces ``tables`` (read from an export) exactly."""
    again, _, _, _ = prepare_export(program, beta=manifest["beta"], seed=manifest["seed"],
                                    golden_phases=manifest["golden"]["n_phases"],
                                    coverage=manifest["golden"].get("coverage", False), warn=False)
    if set(again) != set(tables):
        raise PbitsimError(f"export tables {sorted(tables)} differ from the rebuilt ones {sorted(again)}")
    for name, tab in again.items():
        got = [int(v) for v in tables[name]]
        if got != [int(v) for v in tab.values]:
            k = next((i for i, (a, b) in enumerate(zip(got, tab.values)) if a != int(b)), min(len(got), tab.depth))
            raise PbitsimError(f"table {name} does not match the program it encodes (first difference at "
                               f"entry {k}); the export was edited or is inconsistent")
