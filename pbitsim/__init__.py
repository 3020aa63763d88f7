"""pbitsim: hardware-emulation simulator for p-bit probabilistic computers."""
from .errors import ChipSpecError, ModelError, PbitsimError, TopologyError
from .models import RBM, IsingModel, load_model, save_model

__version__ = "0.1.0"
