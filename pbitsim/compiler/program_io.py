"""Write and read a compiled :class:`~pbitsim.compiler.program.Program` as one ``.npz`` file.

:func:`save_program` reads a program's attributes; :func:`read_program` returns
the constructor arguments (``Program(**read_program(path))`` is
:meth:`Program.load`), so this module does not import the Program class.

The file is self-contained: the chip is stored as its TOML-layout dict
(:meth:`ChipSpec.to_dict`, as a JSON string), so it reloads without the chip's
file, and every array is stored exactly (float64 bit for bit), so
``Program.load(save_program(p))`` reproduces ``p``.

Keys (format version 1)::

    format, version                       "pbitsim-program", 1
    {logical,physical}_{indptr,indices,data,h,offset,name}
                                          the two IsingModels (symmetric CSR J, fields, offset, name)
    chip_json, chip_source, chip_base_dir ChipSpec.to_dict() as JSON, where it came from
    placement, chip_nodes                 int64 (n_logical,), (n_physical,)
    chain_ptr, chain_members              Chains as CSR (int64)
    colours, n_colours, colour_strategy     Colouring (int32 (n_physical,))
    beta_factor, chain_strength           float64
    report_json                           the compile report as JSON (with the scale policy's
                                          ``scale_search``, ``saturation_rate`` ... since the scale
                                          policies; files without them load, ``Program.scale_search``
                                          is then None)
    rbm_W, rbm_b, rbm_c, rbm_name         only when the program came from an RBM

No pickles: ``np.load(..., allow_pickle=False)`` reads it.
"""
from __future__ import annotations

import json
import os

import numpy as np
import scipy.sparse as sp

from ..files.atomic import _json_default, save_npz_atomic
from ..chip.spec import chip_from_dict
from .colouring import Colouring
from ..errors import PbitsimError
from ..models import RBM, IsingModel
from .chains import Chains
from ..files.npz import open_npz

__all__ = ["save_program", "read_program", "FORMAT", "VERSION"]

FORMAT = "pbitsim-program"
VERSION = 1


def _model_arrays(prefix, m: IsingModel):
    J = m.J.tocsr()
    return {f"{prefix}_indptr": J.indptr.astype(np.int64), f"{prefix}_indices": J.indices.astype(np.int64),
            f"{prefix}_data": J.data.astype(np.float64), f"{prefix}_h": m.h.astype(np.float64),
            f"{prefix}_offset": np.float64(m.offset), f"{prefix}_name": np.str_(m.name)}


def _model_from(data, prefix, path):
    h = data[f"{prefix}_h"]
    n = h.shape[0]
    J = sp.csr_matrix((data[f"{prefix}_data"], data[f"{prefix}_indices"], data[f"{prefix}_indptr"]), shape=(n, n))
    try:
        return IsingModel(J, h, float(data[f"{prefix}_offset"]), str(data[f"{prefix}_name"]))
    except PbitsimError as exc:
        raise PbitsimError(f"{path}: stored {prefix} model is invalid ({exc})") from None


def save_program(program, path):
    """Write ``program`` to ``path`` (``.npz`` appended if missing) atomically; returns the path."""
    chip = program.chip
    arrays = {"format": np.str_(FORMAT), "version": np.int64(VERSION)}
    arrays.update(_model_arrays("logical", program.logical))
    arrays.update(_model_arrays("physical", program.physical))
    arrays.update(
        chip_json=np.str_(json.dumps(chip.to_dict(), default=_json_default)),
        chip_source=np.str_(chip.source),
        chip_base_dir=np.str_(json.dumps(chip.topology.base_dir)),
        placement=program.placement.astype(np.int64), chip_nodes=program.chip_nodes.astype(np.int64),
        chain_ptr=program.chains.ptr.astype(np.int64), chain_members=program.chains.members.astype(np.int64),
        colours=np.asarray(program.colouring.colours, dtype=np.int32),
        n_colours=np.int64(program.colouring.n_colours), colour_strategy=np.str_(program.colouring.strategy),
        beta_factor=np.float64(program.beta_factor), chain_strength=np.float64(program.chain_strength),
        report_json=np.str_(json.dumps(program.report, default=_json_default)),
    )
    if program.rbm is not None:
        arrays.update(rbm_W=program.rbm.W, rbm_b=program.rbm.b, rbm_c=program.rbm.c, rbm_name=np.str_(program.rbm.name))
    return save_npz_atomic(path, **arrays)


_REQUIRED = ("format", "version", "chip_json", "placement", "chip_nodes", "chain_ptr", "chain_members",
             "colours", "n_colours", "colour_strategy", "beta_factor", "chain_strength", "report_json",
             *(f"{p}_{k}" for p in ("logical", "physical") for k in ("indptr", "indices", "data", "h", "offset",
                                                                     "name")))


#: keys written by files of earlier versions (American spelling) -> today's key
_OLD_KEYS = {"colours": "colors", "n_colours": "n_colors", "colour_strategy": "color_strategy"}


class _Renamed:
    """Read-only view of an open ``.npz`` that also finds today's keys under their earlier names."""

    def __init__(self, data):
        self._data = data
        self.files = list(data.files) + [k for k, old in _OLD_KEYS.items() if old in data.files]

    def __getitem__(self, key):
        if key not in self._data.files and key in _OLD_KEYS:
            key = _OLD_KEYS[key]
        return self._data[key]


def read_program(path) -> dict:
    """``Program`` constructor arguments from a file written by :func:`save_program`.

    Keys: ``logical, physical, chip, placement, chip_nodes, colouring, report,
    rbm, beta_factor, chains, chain_strength``.  Errors name the file and the problem.
    """
    path = os.fspath(path)
    data = open_npz(path, PbitsimError, "program")
    with data:
        data = _Renamed(data)
        missing = [k for k in _REQUIRED if k not in data.files]
        if missing:
            raise PbitsimError(f"{path}: not a pbitsim program file (missing keys {missing[:5]})")
        if str(data["format"]) != FORMAT or int(data["version"]) != VERSION:
            raise PbitsimError(f"{path}: format {str(data['format'])!r} version {int(data['version'])}, "
                               f"expected {FORMAT!r} version {VERSION}")
        logical = _model_from(data, "logical", path)
        physical = _model_from(data, "physical", path)
        base_dir = json.loads(str(data["chip_base_dir"])) if "chip_base_dir" in data.files else None
        source = str(data["chip_source"]) if "chip_source" in data.files else "<program file>"
        try:
            chip = chip_from_dict(json.loads(str(data["chip_json"])), source=source, base_dir=base_dir)
        except PbitsimError as exc:
            raise PbitsimError(f"{path}: the stored chip description does not load ({exc})") from None
        colours = np.array(data["colours"], dtype=np.int32)
        colours.setflags(write=False)
        colouring = Colouring(colours, int(data["n_colours"]), str(data["colour_strategy"]))
        rbm = None
        if "rbm_W" in data.files:
            rbm = RBM(data["rbm_W"], data["rbm_b"], data["rbm_c"], str(data["rbm_name"]))
        chains = Chains(data["chain_ptr"], data["chain_members"])
        return dict(logical=logical, physical=physical, chip=chip, placement=np.array(data["placement"]),
                    chip_nodes=np.array(data["chip_nodes"]), colouring=colouring,
                    report=json.loads(str(data["report_json"])), rbm=rbm, beta_factor=float(data["beta_factor"]),
                    chains=chains, chain_strength=float(data["chain_strength"]))
