"""pbitsim: hardware-emulation simulator for p-bit probabilistic computers.

>>> import pbitsim as ps
>>> chip = ps.load_chip("ideal")
>>> run = ps.simulate(ps.IsingModel.from_dense([[0, 1], [1, 0]]), chip, sweeps=100, seed=1)
"""
from .chip.spec import ChipSpec, list_chips, load_chip
from .errors import ChipSpecError, ModelError, PbitsimError, TopologyError
from .analysis.exact import exact_law
from .compiler.pipeline import compile_model, compile_model as compile, place_model  # noqa: A004 (ps.compile)
from .export import export_fpga
from .models import RBM, IsingModel, load_model, save_model
from .compiler.program import Program
from .samples import Samples
from .simulate import simulate
from .machine.spec import MachineSpec, list_machines, load_machine
from .analysis.snr import gradient_snr
from .tempering import temper

__version__ = "0.1.0"

__all__ = [
    "ChipSpec", "ChipSpecError", "IsingModel", "ModelError", "PbitsimError", "Program", "RBM",
    "Samples", "TopologyError", "compile", "compile_model", "exact_law", "export_fpga", "gradient_snr",
    "list_chips", "list_machines", "load_chip", "load_machine", "load_model", "MachineSpec",
    "place_model", "save_model", "simulate", "temper",
]
