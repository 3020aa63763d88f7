"""The mapping compiler: models onto chip topologies (placement, minor embedding, quantization).

``compile_model`` (``pbitsim.compile``) is the entry point; the modules are the
steps: :mod:`~pbitsim.compiler.logical` (inputs -> spins),
:mod:`~pbitsim.compiler.placement` (one p-bit per spin),
:mod:`~pbitsim.compiler.embedding` (chains), :mod:`~pbitsim.compiler.quantize`
(scale and fixed point), :mod:`~pbitsim.compiler.pipeline` (the pipeline).
"""
from .pipeline import METHODS, compile_model, format_report
from .embedding import default_chain_strength
from .logical import as_logical, boltzmann_to_ising, dbm_to_ising, load_compile_input

__all__ = ["METHODS", "as_logical", "boltzmann_to_ising", "compile_model", "dbm_to_ising",
           "default_chain_strength", "format_report", "load_compile_input"]
