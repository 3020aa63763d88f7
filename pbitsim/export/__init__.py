"""FPGA export: weight maps, LUT, LFSR seeds, C header and golden test vectors of a program's datapath.

``export_fpga(program, out_dir)`` writes; ``read_export(out_dir)`` reads back a
:class:`pbitsim.Program` (exact round trip); ``read_golden`` and
``read_tables`` give the golden vectors and the raw tables.  The format is
documented in ``docs/fpga_export.md``.
"""
from .formats import FORMATS
from .fpga import export_fpga
from .golden import GoldenVectors
from .reader import read_export, read_golden, read_manifest, read_tables

__all__ = ["FORMATS", "GoldenVectors", "export_fpga", "read_export", "read_golden", "read_manifest",
           "read_tables"]
