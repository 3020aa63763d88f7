"""Training with the chip in the loop: PCD for RBMs and Ising models, likelihoods, the digits data."""
from .pcd import TrainingResult, train_ising, train_rbm

__all__ = ["TrainingResult", "train_ising", "train_rbm"]
