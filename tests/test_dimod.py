"""PBitSampler passes dimod's own sampler conformance tests and samples the right law."""
import unittest

import numpy as np
import pytest

dimod = pytest.importorskip("dimod")

from pbitsim.dimod import PBitSampler  # noqa: E402


@dimod.testing.load_sampler_bqm_tests(PBitSampler())
class TestPBitSamplerConformance(unittest.TestCase):
    def test_api(self):
        dimod.testing.assert_sampler_api(PBitSampler())


def test_sample_ising_matches_exact_boltzmann_law():
    """A 3-spin frustrated triangle: empirical read distribution vs exact, chi-square with error bars."""
    h = {"a": 0.3, "b": -0.2, "c": 0.0}
    J = {("a", "b"): 0.8, ("b", "c"): 0.8, ("a", "c"): 0.8}
    bqm = dimod.BinaryQuadraticModel.from_ising(h, J)
    ss = PBitSampler().sample(bqm, num_reads=4000, num_sweeps=10, beta=1.0, seed=3)
    exact = dimod.ExactSolver().sample(bqm)
    p = np.exp(-exact.record.energy)
    p /= p.sum()
    counts = {tuple(int(s[v]) for v in "abc"): 0 for s in exact.samples(sorted_by=None)}
    for s in ss.samples():
        counts[tuple(int(s[v]) for v in "abc")] += 1
    obs = np.array([counts[tuple(int(s[v]) for v in "abc")] for s in exact.samples(sorted_by=None)], dtype=float)
    expected = p * obs.sum()
    chi2 = float(((obs - expected) ** 2 / expected).sum())
    assert chi2 < 26.1  # 7 dof, p = 0.0005
    # energies are dimod's own
    dimod.testing.assert_sampleset_energies(ss, bqm)


def test_binary_vartype_round_trip():
    bqm = dimod.BinaryQuadraticModel({0: -1.0, 1: 0.5}, {(0, 1): 2.0}, 0.0, dimod.BINARY)
    ss = PBitSampler().sample(bqm, num_reads=5, num_sweeps=5, seed=1)
    assert ss.vartype is dimod.BINARY
    assert set(np.unique(ss.record.sample)) <= {0, 1}
