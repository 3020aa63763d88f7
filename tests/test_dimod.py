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
    """A 3-spin frustrated triangle: empirical read distribution vs exact, chi-square with error bars.

    Power: with 20000 reads the same counts are rejected (beyond the same p = 0.0005 limit) against the
    law at beta * 1.1, at beta * 0.9 and with the fields dropped (4000 reads could not see beta * 1.1)."""
    h = {"a": 0.3, "b": -0.2, "c": 0.0}
    J = {("a", "b"): 0.8, ("b", "c"): 0.8, ("a", "c"): 0.8}
    bqm = dimod.BinaryQuadraticModel.from_ising(h, J)
    ss = PBitSampler().sample(bqm, num_reads=20000, num_sweeps=10, beta=1.0, seed=3)
    exact = dimod.ExactSolver().sample(bqm)
    keys = [tuple(int(s[v]) for v in "abc") for s in exact.samples(sorted_by=None)]
    counts = dict.fromkeys(keys, 0)
    for s in ss.samples():
        counts[tuple(int(s[v]) for v in "abc")] += 1
    obs = np.array([counts[k] for k in keys], dtype=float)

    def chi2(beta, fields=True):
        model = dimod.BinaryQuadraticModel.from_ising(h if fields else {}, J)
        e = np.array([model.energy(dict(zip("abc", k))) for k in keys])
        p = np.exp(-beta * (e - e.min()))
        expected = p / p.sum() * obs.sum()
        return float(((obs - expected) ** 2 / expected).sum())

    limit = 26.1  # chi-square, 7 dof, p = 0.0005
    assert chi2(1.0) < limit
    assert min(chi2(1.1), chi2(0.9), chi2(1.0, fields=False)) > limit
    # energies are dimod's own
    dimod.testing.assert_sampleset_energies(ss, bqm)


def test_binary_vartype_round_trip():
    bqm = dimod.BinaryQuadraticModel({0: -1.0, 1: 0.5}, {(0, 1): 2.0}, 0.0, dimod.BINARY)
    ss = PBitSampler().sample(bqm, num_reads=5, num_sweeps=5, seed=1)
    assert ss.vartype is dimod.BINARY
    assert set(np.unique(ss.record.sample)) <= {0, 1}
