"""Small Ising models shared by the spectral, transition and relaxation tests."""
import numpy as np

import pbitsim as ps


def pair(J):
    """Two spins coupled by ``J``, no fields."""
    return ps.IsingModel.from_dense([[0.0, J], [J, 0.0]])


def random_model(n, seed, h_scale=0.3):
    """``n`` spins, dense ``J_ij ~ N(0, 1)`` and fields ``h_i ~ N(0, h_scale^2)``."""
    rng = np.random.default_rng(seed)
    J = np.triu(rng.normal(size=(n, n)), 1)
    return ps.IsingModel.from_dense(J + J.T, h_scale * rng.normal(size=n))
