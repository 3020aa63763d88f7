"""Direct placement: identity, user mapping, subgraph search; the sparse DBM on pegasus-sdbm; size/method errors."""
import numpy as np
import pytest
import scipy.sparse as sp

import pbitsim as ps
from pbitsim.chip.spec import chip_from_dict, load_chip
from pbitsim.compiler.colouring import validate_colouring
from pbitsim.errors import PbitsimError, TopologyError
from pbitsim.chip.fixed_point import FixedPoint
from pbitsim.compiler import boltzmann_to_ising
from pbitsim.compiler.placement import subgraph_placement
from pbitsim.models import IsingModel
from pbitsim.compiler.chip_graph import chip_graph
from pbitsim.compiler.pipeline import place_model
from pbitsim.spin_glass import random_spin_glass
from pbitsim.topologies import lattice_graph


@pytest.fixture(scope="module", autouse=True)
def isolated_colouring_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PBITSIM_CACHE_DIR", str(tmp_path_factory.mktemp("pbitsim-cache")))
        yield


def king_chip(rows=32, cols=32):
    return chip_from_dict({"name": "king", "topology": {"kind": "king", "shape": [rows, cols]},
                           "clock": {"colouring": "smallest_last"}})


def square_lattice(L, seed=0):
    return random_spin_glass(lattice_graph((L, L)), seed, field_scale=0.5)


def assert_direct(p, G):
    """One p-bit per spin; each logical coupling sits on a chip edge with its value (float chip)."""
    assert not p.is_embedded and np.all(p.chain_lengths == 1)
    assert np.unique(p.placement).size == p.n_logical == p.n_physical
    r, c, v = p.logical.edges()
    nodes = p.chip_nodes[p.placement]
    assert all(G.has_edge(int(a), int(b)) for a, b in zip(nodes[r], nodes[c]))
    np.testing.assert_array_equal(p.physical.J[p.placement[r], p.placement[c]].A1 * p.beta_factor, v)
    np.testing.assert_array_equal(p.physical.h[p.placement] * p.beta_factor, p.logical.h)
    u, w, _ = p.physical.edges()
    validate_colouring(p.n_physical, u, w, p.colouring.colours)


# ----------------------------------------------------------------------------- lattice on a King's graph
def test_lattice_on_matching_king_chip_is_placed_by_identity():
    """A 32-wide square lattice numbered like the shipped 32 x 32 king chip: every bond is a king edge."""
    chip = load_chip("king-lattice")
    G = chip_graph(chip)
    m = random_spin_glass(lattice_graph((32, 32)), 1)
    p = ps.compile(m, chip)
    assert p.report["placement"] == "identity" and p.report["method"] == "direct"
    np.testing.assert_array_equal(p.placement, np.arange(1024))
    assert p.colouring.n_colours == 4
    assert_direct(p, G)


def test_lattice_with_its_own_numbering_is_found_by_subgraph_search():
    chip = king_chip()
    G = chip_graph(chip)
    m = square_lattice(10)        # node r*10 + c: not king edges under the identity
    with pytest.raises(TopologyError):
        place_model(m, chip)
    p = ps.compile(m, chip, method="direct", seed=3)
    assert p.report["placement"] == "subgraph"
    assert_direct(p, G)
    assert ps.compile(m, chip).report["placement"] == "subgraph"    # auto tries the search first


def test_lattice_with_a_user_mapping():
    chip = king_chip()
    m = square_lattice(10)
    rc = np.indices((10, 10)).reshape(2, -1).T
    mapping = rc[:, 0] * 32 + rc[:, 1] + 33       # shifted one row and one column
    p = ps.compile(m, chip, mapping=mapping)
    assert p.report["placement"] == "mapping"
    np.testing.assert_array_equal(p.chip_nodes[p.placement], mapping)
    assert_direct(p, chip_graph(chip))
    assert ps.compile(m, chip, mapping={i: int(x) for i, x in enumerate(mapping)}).report["placement"] == "mapping"


@pytest.mark.parametrize("mapping, match", [
    (list(range(99)), "mapping has 99 entries, the model has 100 spins"),
    ([0] * 100, "on the same chip node 0"),
    (list(range(99)) + [5000], "outside chip 'king'"),
    (list(range(100)), r"the given mapping does not fit chip 'king': \d+ of 180 coupled pairs"),
    ({0: 0}, "no chip node for 99 of 100 spins"),
])
def test_bad_mappings_are_named(mapping, match):
    with pytest.raises(TopologyError, match=match):
        ps.compile(square_lattice(10), king_chip(), mapping=mapping)


def test_direct_fails_plainly_when_no_placement_exists():
    k5 = IsingModel.from_dense(np.ones((5, 5)) - np.eye(5))      # king graphs hold no K5
    with pytest.raises(TopologyError, match=r"not a subgraph of chip 'king'.*no placement exists.*method='embed'"):
        ps.compile(k5, king_chip(4, 4), method="direct")
    assert subgraph_placement(k5, chip_graph(king_chip(4, 4)), timeout_s=1)[0] is None


# ----------------------------------------------------------------------------- the sparse DBM chip
def test_sparse_dbm_on_the_pegasus_sdbm_chip_places_directly():
    """A sparse DBM (binary units, weights on the chip's own couplers) on P14 fabric-only: identity
    placement of all 4,264 p-bits, 4 colours, values on the s[4][1] grid."""
    chip = load_chip("pegasus-sdbm")
    G = chip_graph(chip)
    assert (G.number_of_nodes(), G.number_of_edges()) == (4264, 30404)
    rng = np.random.default_rng(0)
    e = np.array(G.edges())
    w = rng.normal(0, 0.3, len(e))
    W = sp.coo_matrix((np.r_[w, w], (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])), shape=(4264, 4264))
    dbm = boltzmann_to_ising(W.tocsr(), rng.normal(0, 0.1, 4264))
    p = ps.compile(dbm, chip)
    r = p.report
    assert r["placement"] == "identity" and r["n_physical"] == r["n_chip"] == 4264
    assert r["n_colours"] == p.colouring.n_colours == 4
    np.testing.assert_array_equal(p.chip_nodes, np.arange(4264))
    fmt = FixedPoint(6, 1)
    np.testing.assert_array_equal(fmt.quantize(p.physical.J.data), p.physical.J.data)
    np.testing.assert_array_equal(fmt.quantize(p.physical.h), p.physical.h)
    assert max(np.abs(p.physical.J.data).max(), np.abs(p.physical.h).max()) == 15.5
    # beta_factor * physical is the model to within half an lsb of the scaled grid
    D = (p.physical.J * p.beta_factor - p.logical.J).tocoo()
    assert np.abs(D.data).max() <= 0.25 * p.beta_factor + 1e-12
    assert np.abs(p.physical.h * p.beta_factor - p.logical.h).max() <= 0.25 * p.beta_factor + 1e-12
    u, v, _ = p.physical.edges()
    validate_colouring(4264, u, v, p.colouring.colours)


# ----------------------------------------------------------------------------- errors
def test_model_larger_than_the_chip():
    m = IsingModel.from_edges([0], [1], [1.0], n=17)
    for method in ("auto", "direct", "embed"):
        with pytest.raises(TopologyError, match="model has 17 spins, chip 'king' has 16 p-bits"):
            ps.compile(m, king_chip(4, 4), method=method)


def test_unknown_method_and_embedding_on_the_model_chip():
    m = IsingModel.from_edges([0], [1], [1.0], n=2)
    with pytest.raises(PbitsimError, match="unknown compile method 'magic'; allowed: auto, identity, direct, embed"):
        ps.compile(m, king_chip(4, 4), method="magic")
    with pytest.raises(PbitsimError, match="nothing to embed"):
        ps.compile(m, "ideal", method="embed")


def test_device_parameters_follow_the_chip():
    m = IsingModel.from_edges([0, 1], [1, 2], [1.0, 0.5], n=3)
    plain = ps.compile(m, "ideal").device_parameters()
    assert plain["gain"].tolist() == [1.0] * 3 and not plain["offset"].any() and not plain["stuck"].any()
    varied = ps.compile(m, chip_from_dict({"pbit": {"gain_sigma": 0.1, "variation_seed": 7}})).device_parameters()
    assert varied["gain"].shape == (3,) and np.any(varied["gain"] != 1.0)


def test_the_ideal_chip_takes_the_model_graph():
    m = IsingModel.from_dense(np.ones((5, 5)) - np.eye(5), np.arange(5) / 10)
    p = ps.compile(m, "ideal")
    ref = place_model(m, "ideal")
    assert p.n_physical == 5 and p.beta_factor == 1.0
    np.testing.assert_array_equal(p.physical.dense(), m.dense())
    np.testing.assert_array_equal(p.colouring.colours, ref.colouring.colours)
