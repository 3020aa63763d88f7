"""The compiler: a model onto a chip, as a :class:`~pbitsim.compiler.program.Program` that owns its hardware.

``compile_model`` (``pbitsim.compile``) is the only way a model becomes a
Program; the modules are the steps: :mod:`~pbitsim.compiler.logical` (inputs ->
spins), :mod:`~pbitsim.compiler.placement` (one p-bit per spin),
:mod:`~pbitsim.compiler.embedding` and :mod:`~pbitsim.compiler.chains`
(chains), :mod:`~pbitsim.compiler.chip_graph` (shared chip graphs, colouring of
the p-bits in use), :mod:`~pbitsim.compiler.quantize` (scale and fixed point),
:mod:`~pbitsim.compiler.pipeline` (the pipeline), then the Program's hardware:
:mod:`~pbitsim.compiler.hardware` (datapath tables) and
:mod:`~pbitsim.compiler.seeding` (every random stream from the run seed).
"""
from .pipeline import METHODS, as_program, compile_model, format_report, place_model
from .embedding import default_chain_strength
from .logical import as_logical, boltzmann_to_ising, dbm_to_ising, load_compile_input
from .program import Program

__all__ = ["METHODS", "Program", "as_logical", "as_program", "boltzmann_to_ising", "compile_model", "dbm_to_ising",
           "default_chain_strength", "format_report", "load_compile_input", "place_model"]
