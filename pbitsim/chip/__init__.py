"""The chip stage: a chip description (TOML) validated into a :class:`ChipSpec`.

:mod:`~pbitsim.chip.spec` (the dataclasses and loading), :mod:`~pbitsim.chip.schema`
(every key, its type, range and documentation), :mod:`~pbitsim.chip.fixed_point`
(the number formats of weights, biases and accumulators) and
:mod:`~pbitsim.chip.lfsr_taps` (maximal-length LFSR taps).
"""
from .spec import ChipSpec, chip_from_dict, list_chips, load_chip

__all__ = ["ChipSpec", "chip_from_dict", "list_chips", "load_chip"]
