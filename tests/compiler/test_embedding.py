"""Minor embedding: chains, distribution of couplings, chain strength, unembedding, exactness vs enumeration."""
import dataclasses

import networkx as nx
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import chip_from_dict
from pbitsim.errors import PbitsimError, TopologyError
from pbitsim.analysis.exact import exact_law
from pbitsim.compiler.embedding import default_chain_strength
from pbitsim.models import RBM, IsingModel
from pbitsim.compiler.chip_graph import chip_graph
from pbitsim.testing.conformance import assert_matches_law, assert_rejects_law, block_statistics

FAST_EMBED = {"chainlength_patience": 0}  # skip minorminer's chain-shortening phase (seconds -> < 1 s)


@pytest.fixture(scope="module", autouse=True)
def isolated_colouring_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PBITSIM_CACHE_DIR", str(tmp_path_factory.mktemp("pbitsim-cache")))
        yield


def float_chip(topology):
    return chip_from_dict({"name": topology["kind"], "topology": topology,
                           "clock": {"colouring": "smallest_last"}})


def assert_valid_embedding(p, G):
    """Chains disjoint and connected on the chip; every logical coupling has a chip edge between chains;
    the physical couplings between two chains sum to the logical coupling; fields sum per chain."""
    owner = {}
    for i, ch in enumerate(p.chains):
        nodes = p.chip_nodes[ch].tolist()
        assert nx.is_connected(G.subgraph(nodes))
        for v in ch.tolist():
            assert v not in owner
            owner[v] = i
    assert sorted(owner) == list(range(p.n_physical))
    u, v, w = p.physical.edges()
    assert all(G.has_edge(int(a), int(b)) for a, b in zip(p.chip_nodes[u], p.chip_nodes[v]))
    ou, ov = np.array([owner[x] for x in u.tolist()]), np.array([owner[x] for x in v.tolist()])
    inter = ou != ov
    summed = {}
    for a, b, x in zip(np.minimum(ou, ov)[inter], np.maximum(ou, ov)[inter], w[inter]):
        summed[(int(a), int(b))] = summed.get((int(a), int(b)), 0.0) + x
    r, c, lv = p.logical.edges()
    for a, b, x in zip(r, c, lv):
        assert summed.pop((int(a), int(b))) == pytest.approx(x / p.beta_factor, rel=1e-12, abs=1e-15)
    assert not summed  # no coupling between chains of uncoupled spins
    assert np.all(w[~inter] == p.chain_strength)
    hsum = np.bincount(np.repeat(np.arange(p.n_logical), p.chain_lengths),
                       weights=p.physical.h[p.chains.members], minlength=p.n_logical)
    np.testing.assert_allclose(hsum * p.beta_factor, p.logical.h, rtol=1e-12, atol=1e-15)


def spread(p, logical_states):
    """Physical states with every chain set to its logical spin (all chains intact)."""
    s = np.asarray(logical_states)
    out = np.empty(s.shape[:-1] + (p.n_physical,), dtype=np.int8)
    out[..., p.chains.members] = np.repeat(s, p.chain_lengths, axis=-1)
    return out


# ----------------------------------------------------------------------------- 64 x 32 RBM on Pegasus
def test_64x32_rbm_embeds_into_pegasus_p8():
    """K_{64,32} needs chains (Pegasus degree is 15); P6 is too small (see the next test), P8 holds it
    in < 1 s with the chain-shortening phase skipped (about 10 s with minorminer's defaults)."""
    rng = np.random.default_rng(0)
    rbm = RBM(rng.normal(0, 0.1, (64, 32)), rng.normal(0, 0.1, 64), rng.normal(0, 0.1, 32))
    chip = float_chip({"kind": "pegasus", "size": 8})
    p = ps.compile(rbm, chip, seed=0, embed_options=FAST_EMBED)
    r = p.report
    assert r["method"] == "embed" and r["placement"] == "minorminer" and p.is_embedded
    assert r["n_logical"] == 96 and r["n_chip"] == 1288 and r["model"] == "rbm" and r["layers"] == [64, 32]
    assert r["n_physical"] == p.n_physical == int(p.chain_lengths.sum()) < 1288
    assert r["chain_length_max"] == int(p.chain_lengths.max()) > 1
    assert r["chain_length_mean"] == pytest.approx(p.chain_lengths.mean())
    assert r["n_chain_couplers"] == p.n_physical - 96       # a spanning tree per chain
    assert r["n_colours"] == p.colouring.n_colours <= 4
    assert p.rbm is rbm and np.all(np.diff(p.chip_nodes) > 0)
    assert np.array_equal(p.placement, [c[0] for c in p.chains])
    assert_valid_embedding(p, chip_graph(chip))
    # default chain strength: 1.5 x the largest sum_j |J_ij| + |h_i| over chained spins
    F = np.asarray(abs(p.logical.J).sum(axis=1)).ravel() + np.abs(p.logical.h)
    assert p.chain_strength == pytest.approx(1.5 * F[p.chain_lengths > 1].max())
    # intact chains: the physical energy is the logical one (float chip, scale 1)
    logical_states = np.where(rng.random((20, 96)) < 0.5, -1, 1)
    np.testing.assert_allclose(p.physical.energy(spread(p, logical_states)), p.logical.energy(logical_states),
                               rtol=1e-12, atol=1e-10)
    run = ps.simulate(p, sweeps=5, replicas=2, seed=1)
    assert p.unembed(run.states).shape == (2, 5, 96)


def test_embedding_not_found_within_the_time_limit_says_so_with_the_numbers():
    rbm = RBM(np.ones((64, 32)), np.zeros(64), np.zeros(32))
    with pytest.raises(TopologyError, match=r"no minor embedding found for the model \(96 spins, 2048 couplings\) "
                       r"into chip 'fpga-sparse-ising' \(680 p-bits, 4484 edges\).*time limit 1 s"):
        ps.compile(rbm, "fpga-sparse-ising", method="embed", timeout_s=1)


def test_uncoupled_spins_get_their_own_p_bits():
    m = IsingModel.from_edges([0, 0, 1], [1, 2, 2], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.3, -0.2], n=5)
    chip = float_chip({"kind": "lattice", "shape": [3, 3]})   # a triangle needs a chain on a square lattice
    p = ps.compile(m, chip, method="embed")
    assert p.chain_lengths[3] == p.chain_lengths[4] == 1 and p.is_embedded
    assert_valid_embedding(p, chip_graph(chip))


# ----------------------------------------------------------------------------- given chains
def test_user_given_chains_are_validated_and_used():
    tri = IsingModel.from_edges([0, 1, 0], [1, 2, 2], [1.0, -1.0, 0.5], [0.2, 0.0, -0.4], n=3)
    chip = float_chip({"kind": "lattice", "shape": [2, 2]})  # square 0-1 / 2-3
    p = ps.compile(tri, chip, mapping={0: [0], 1: [1, 3], 2: [2]}, chain_strength=2.0)
    assert p.report["placement"] == "mapping (chains)" and p.chain_strength == 2.0
    assert [c.tolist() for c in p.chains] == [[0], [1, 3], [2]]
    assert_valid_embedding(p, chip_graph(chip))
    with pytest.raises(TopologyError, match="not connected"):
        ps.compile(tri, chip, mapping={0: [0], 1: [1, 2], 2: [3]})
    with pytest.raises(TopologyError, match="chip node 1 is in the chains of spins 0 and 1"):
        ps.compile(tri, chip, mapping={0: [0, 1], 1: [1, 3], 2: [2]})
    with pytest.raises(TopologyError, match="share no chip edge"):
        ps.compile(tri, chip, mapping={0: [0], 1: [1], 2: [3]})
    with pytest.raises(PbitsimError, match="method 'direct' puts one p-bit on each spin"):
        ps.compile(tri, chip, mapping={0: [0], 1: [1, 3], 2: [2]}, method="direct")


def test_default_chain_strength_rule_by_hand():
    # F = sum_j |J_ij| + |h_i| = (1.5, 2.5, 1.0); only spins 1 and 2 are chained -> K = 1.5 * 2.5
    m = IsingModel.from_edges([0, 1], [1, 2], [1.0, -1.0], [-0.5, 0.5, 0.0], n=3)
    assert default_chain_strength(m, [1, 2, 3]) == pytest.approx(3.75)
    assert default_chain_strength(m, [1, 1, 1]) == 0.0
    assert default_chain_strength(IsingModel.from_edges([], [], [], n=2), [2, 1]) == 1.5


# ----------------------------------------------------------------------------- unembedding
def embedded_pair():
    """Spin 0 on a chain of 2, spin 1 on a chain of 3 (a path 0-1-2-3-4 lattice chip)."""
    m = IsingModel.from_edges([0], [1], [1.0], n=2)
    chip = float_chip({"kind": "lattice", "shape": [1, 5]})
    return ps.compile(m, chip, mapping={0: [0, 1], 1: [2, 3, 4]})


def test_majority_vote_discard_and_chain_break_fraction():
    p = embedded_pair()
    states = np.array([[1, 1, -1, -1, -1],      # intact
                       [1, -1, 1, 1, -1],       # chain 0 tied (broken), chain 1 majority +1 (broken)
                       [-1, -1, 1, -1, -1]])    # chain 1 broken, majority -1
    out, info = p.unembed(states, return_info=True)
    assert out.dtype == np.int8 and out.shape == (3, 2)
    assert out[0].tolist() == [1, -1] and out[1, 1] == 1 and out[2].tolist() == [-1, -1]
    assert info["chain_break_fraction"] == pytest.approx(3 / 6)
    assert info["broken_state_fraction"] == pytest.approx(2 / 3)
    np.testing.assert_array_equal(p.chain_breaks(states), [[False, False], [True, True], [False, True]])
    kept, dinfo = p.unembed(states, "discard", return_info=True)
    assert kept.tolist() == [[1, -1]] and dinfo["n_kept"] == 1 and dinfo["kept"].tolist() == [True, False, False]
    batch = np.stack([states, states])           # (2, 3, 5): discard flattens the leading axes
    assert p.unembed(batch, "discard").shape == (2, 2)


def test_majority_ties_are_fair_seeded_coins():
    p = embedded_pair()
    tied = np.tile([1, -1, 1, 1, 1], (4000, 1))
    a = p.unembed(tied, seed=5)[:, 0]
    assert np.array_equal(a, p.unembed(tied, seed=5)[:, 0])
    assert not np.array_equal(a, p.unembed(tied, seed=6)[:, 0])
    assert abs(a.mean()) < 5 / np.sqrt(4000)      # a fair coin
    assert np.all(p.unembed(tied)[:, 1] == 1)


def test_direct_programs_unembed_through_the_placement():
    m = IsingModel.from_edges([0], [1], [1.0], n=2)
    p = ps.compile(m, float_chip({"kind": "lattice", "shape": [1, 5]}), mapping=[3, 4])
    states = np.array([[1, -1], [-1, -1]], dtype=np.int8)
    np.testing.assert_array_equal(p.unembed(states), states[:, p.placement])
    with pytest.raises(PbitsimError, match="unknown unembedding method"):
        p.unembed(states, method="vote")
    with pytest.raises(PbitsimError, match=r"shape \(\.\.\., 2\)"):
        p.unembed(np.ones((3, 5)))


# ----------------------------------------------------------------------------- exactness
@pytest.fixture(scope="module")
def rbm_8x4_run():
    """An 8 x 4 RBM embedded in Chimera C(2) (the 4 hidden spins need chains of 2), default chains,
    ideal float datapath, chromatic Gibbs on the 16 physical p-bits."""
    rng = np.random.default_rng(3)
    rbm = RBM(rng.normal(0, 0.6, (8, 4)), rng.normal(0, 0.4, 8), rng.normal(0, 0.4, 4))
    p = ps.compile(rbm, float_chip({"kind": "chimera", "size": 2}), seed=1)
    assert p.is_embedded and p.report["chain_length_max"] == 2
    run = ps.simulate(p, sweeps=8000, burn_in=300, replicas=32, seed=2)
    return rbm, p, run


def logical_samples(run, states, model):
    return dataclasses.replace(run, states=states, energies=model.energy(states))


def test_unembedded_majority_samples_match_exact_enumeration(rbm_8x4_run):
    rbm, p, run = rbm_8x4_run
    states, info = p.unembed(run.states, return_info=True)
    assert 0 < info["chain_break_fraction"] < 0.01     # strong chains: rare breaks
    stats = block_statistics(logical_samples(run, states, p.logical), p.logical)
    law = exact_law(rbm.to_ising())
    assert_matches_law(stats, law, histogram=True)
    for wrong_beta in (0.9, 1.1):                                   # the check has power: it sees beta * 1.1
        assert_rejects_law(stats, exact_law(rbm.to_ising(), wrong_beta))


def test_discarding_broken_samples_is_exact(rbm_8x4_run):
    """Given intact chains the physical law is the logical one exactly, for any chain strength."""
    rbm, p, run = rbm_8x4_run
    kept = ~p.chain_breaks(run.states).any(axis=-1)
    n = int(kept.sum(axis=1).min())
    states = np.stack([p.unembed(run.states[r][kept[r]][:n]) for r in range(run.states.shape[0])])
    stats = block_statistics(logical_samples(run, states, p.logical), p.logical)
    assert_matches_law(stats, exact_law(rbm.to_ising()))
    for wrong_beta in (0.9, 1.1):                                   # ... with power against beta * 1.1
        assert_rejects_law(stats, exact_law(rbm.to_ising(), wrong_beta))
