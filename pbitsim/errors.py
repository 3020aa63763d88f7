"""Exception types raised on bad user input (never a kernel traceback)."""


class PbitsimError(ValueError):
    """Base class for user-facing input errors; the message names the culprit."""


class ModelError(PbitsimError):
    """A model (weights, fields, file) is malformed."""


class ChipSpecError(PbitsimError):
    """A chip description is malformed; the message names file, key and allowed values."""


class TopologyError(PbitsimError):
    """A model does not fit a chip topology, or a topology description is invalid."""
