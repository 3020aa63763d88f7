"""Multi-chip machines: chips of one type joined by links (spec, partition, links, program).

See ``docs/multichip.md``.  ``pbitsim.load_machine`` loads a description;
``pbitsim.compile(model, machine)`` partitions and routes a model onto it.
"""
from .spec import LinkSpec, MachineSpec, list_machines, load_machine

__all__ = ["LinkSpec", "MachineSpec", "list_machines", "load_machine"]
