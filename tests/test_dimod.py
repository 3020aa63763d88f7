"""PBitSampler passes dimod's own sampler conformance tests and samples the right law."""
import unittest

import dimod
import numpy as np
import pytest

from pbitsim.dimod import PBitSampler, StructuredPBitSampler
from pbitsim.topologies import topology_size


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


FERRO_CHAIN = dimod.BinaryQuadraticModel.from_ising({}, {("a", "b"): -1.0, ("b", "c"): -1.0, ("c", "d"): -1.0})


def test_initial_states_are_the_start_of_every_read():
    """At beta = 40 a ferromagnetic chain does not leave its start in one sweep (flip odds ~ e^-80):
    reads started all -1 stay all -1, reads started all +1 stay all +1; random starts do not."""
    down = {v: -1 for v in "abcd"}
    ss = PBitSampler().sample(FERRO_CHAIN, initial_states=down, initial_states_generator="tile",
                              num_reads=20, num_sweeps=1, beta=40.0, seed=2)
    assert len(ss) == 20 and np.all(ss.record.sample == -1)
    ss = PBitSampler().sample(FERRO_CHAIN, initial_states=([[-1] * 4, [1] * 4], list("abcd")), num_sweeps=1, beta=40.0, seed=2)
    assert len(ss) == 2  # num_reads defaults to the number of initial states
    assert [list(r) for r in ss.record.sample] == [[-1] * 4, [1] * 4]
    # "random" (the default) fills reads beyond the given states with random starts
    ss = PBitSampler().sample(FERRO_CHAIN, initial_states=down, num_reads=40, num_sweeps=1, beta=40.0, seed=2)
    assert np.all(ss.record.sample[0] == -1) and not np.all(ss.record.sample == -1)
    with pytest.raises(ValueError):
        PBitSampler().sample(FERRO_CHAIN, initial_states=down, initial_states_generator="none", num_reads=3)


def test_initial_states_in_binary_vartype():
    bqm = FERRO_CHAIN.change_vartype(dimod.BINARY, inplace=False)
    ss = PBitSampler().sample(bqm, initial_states={v: 0 for v in "abcd"}, initial_states_generator="tile",
                              num_reads=5, num_sweeps=1, beta=40.0, seed=1)
    assert ss.vartype is dimod.BINARY and np.all(ss.record.sample == 0)


@pytest.mark.parametrize("vartype", ["SPIN", "BINARY"])
def test_empty_bqm_returns_num_reads_rows(vartype):
    ss = PBitSampler().sample(dimod.BinaryQuadraticModel({}, {}, 1.5, vartype), num_reads=7, seed=1)
    ref = dimod.RandomSampler().sample(dimod.BinaryQuadraticModel({}, {}, 1.5, vartype), num_reads=7)
    assert len(ss) == len(ref) == 7
    assert ss.record.sample.shape == (7, 0)
    np.testing.assert_array_equal(ss.record.energy, np.full(7, 1.5))


def test_fixed_topology_chip_is_structured():
    sampler = PBitSampler("king-lattice")
    assert isinstance(sampler, StructuredPBitSampler) and isinstance(sampler, dimod.Structured)
    assert not isinstance(PBitSampler("ideal"), dimod.Structured)
    size = topology_size(sampler.chip.topology.kind, sampler.chip.topology.param_dict)
    assert sampler.nodelist == list(range(size.n_nodes))
    assert len(sampler.edgelist) == size.n_edges and all(u < v for u, v in sampler.edgelist)
    assert (0, 1) in sampler.edgelist and (0, 1023) not in sampler.edgelist
    dimod.testing.assert_sampler_api(sampler)

    u, v = sampler.edgelist[0]
    bqm = dimod.BinaryQuadraticModel.from_ising({u: 0.0}, {(u, v): -1.0})
    ss = sampler.sample(bqm, initial_states={u: 1, v: 1}, initial_states_generator="tile", num_reads=4,
                        num_sweeps=1, beta=40.0, seed=3)
    assert set(ss.variables) == {u, v} and np.all(ss.record.sample == 1)
    with pytest.raises(dimod.exceptions.BinaryQuadraticModelStructureError, match=r"interaction \((0, 1023|1023, 0)\) is not a coupler"):
        sampler.sample(dimod.BinaryQuadraticModel.from_ising({}, {(0, 1023): -1.0}), num_reads=1)
    with pytest.raises(dimod.exceptions.BinaryQuadraticModelStructureError, match="variable 'a'"):
        sampler.sample(dimod.BinaryQuadraticModel.from_ising({"a": 1.0}, {}), num_reads=1)
