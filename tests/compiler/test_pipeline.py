"""One front door: simulate, place_model and compile(method=...) give the same hardware for the same model."""
import io

import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import chip_from_dict, load_chip
from pbitsim.compiler import progress as progress_module
from pbitsim.compiler.chip_graph import chip_graph
from pbitsim.compiler.pipeline import as_program, place_model
from pbitsim.errors import PbitsimError, TopologyError

KING_3X3 = {"name": "king3", "topology": {"kind": "king", "shape": [3, 3]}}


@pytest.fixture(scope="module", autouse=True)
def isolated_colouring_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PBITSIM_CACHE_DIR", str(tmp_path_factory.mktemp("pbitsim-cache")))
        yield


def chip_subgraph_model(chip, n, seed):
    """Random couplings on the chip edges among nodes 0..n-1 (fits the identity placement)."""
    G = chip_graph(chip)
    e = np.array([(u, v) for u, v in G.subgraph(range(n)).edges()], dtype=np.int64)
    rng = np.random.default_rng(seed)
    return ps.IsingModel.from_edges(e[:, 0], e[:, 1], rng.uniform(-1, 1, len(e)), rng.uniform(-0.5, 0.5, n), n=n)


def three_spins():
    return ps.IsingModel.from_dense([[0, 0.3, 0], [0.3, 0, -0.7], [0, -0.7, 0]], [0.1, 0.0, -0.25])


CASES = {
    "ideal": lambda: (three_spins(), load_chip("ideal")),
    "fpga-sparse-ising/model": lambda: (three_spins(),
                                        load_chip("fpga-sparse-ising").with_params({"topology": {"kind": "model"}})),
    "fpga-sparse-ising/pegasus": lambda: (chip_subgraph_model(load_chip("fpga-sparse-ising"), 24, 1),
                                          load_chip("fpga-sparse-ising")),
    "fpga-xoroshiro-pwl": lambda: (chip_subgraph_model(load_chip("fpga-xoroshiro-pwl"), 16, 2),
                                   load_chip("fpga-xoroshiro-pwl")),
}


def assert_same_program(a, b):
    assert a.beta_factor == b.beta_factor
    np.testing.assert_array_equal(a.physical.dense(), b.physical.dense())
    np.testing.assert_array_equal(a.physical.h, b.physical.h)
    assert a.physical.offset == b.physical.offset
    np.testing.assert_array_equal(a.chip_nodes, b.chip_nodes)
    np.testing.assert_array_equal(a.placement, b.placement)
    np.testing.assert_array_equal(a.colouring.colours, b.colouring.colours)


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_door_gives_the_identical_program(case):
    model, chip = CASES[case]()
    via_simulate = ps.simulate(model, chip, sweeps=1, seed=0).program
    via_alias = place_model(model, chip)
    via_identity = ps.compile(model, chip, method="identity")
    via_auto = ps.compile(model, chip)
    for other in (via_alias, via_identity, via_auto):
        assert_same_program(via_simulate, other)
    assert via_identity.report["placement"] == "identity"
    if chip.is_fixed_point:   # on the grid, scaled to the format: the datapath's quantization is the identity
        report = via_identity.datapath(1.0).report
        assert report["weights"]["max_abs_error"] == 0 and report["bias"]["max_abs_error"] == 0
        assert via_identity.beta_factor < 1
    else:
        assert via_identity.beta_factor == 1.0
        np.testing.assert_array_equal(via_identity.physical.dense(), model.dense())


def test_identity_placement_on_a_fixed_point_chip_hand_checked():
    """Q(6,1) weights (step 0.5, largest 15.5): s = 15.5 / 0.7; 0.3 s = 6.64 -> 6.5, 0.1 s = 2.21 -> 2,
    -0.25 s = -5.54 -> -5.5 (before the single front door, place_model left 0.3 as 0.3 with beta_factor 1)."""
    model, chip = CASES["fpga-sparse-ising/model"]()
    p = place_model(model, chip)
    assert p.physical.dense()[0, 1] == 6.5 and p.physical.dense()[1, 2] == -15.5
    assert p.physical.h.tolist() == [2.0, 0.0, -5.5]
    assert p.beta_factor == pytest.approx(0.7 / 15.5, rel=1e-15)
    run = ps.simulate(model, chip, sweeps=2, seed=0, beta=2.0)
    assert run.beta == 2.0 and run.info["physical_beta"] == p.physical_beta(2.0) == 2.0 * p.beta_factor


def test_identity_lists_the_missing_edges_and_auto_embeds_instead():
    """K5 on a king 3x3 chip: (0, 2) and (2, 3) are not king edges under the identity; on a king 4x4 chip
    (no 5-clique) auto finds chains."""
    k5 = ps.IsingModel.from_dense(np.ones((5, 5)) - np.eye(5), np.full(5, 0.1))
    with pytest.raises(TopologyError, match=r"2 of 10 coupled pairs are not edges of the chip graph: "
                                            r"\(0, 2\), \(2, 3\); use method='auto' or 'embed'"):
        ps.compile(k5, chip_from_dict(KING_3X3), method="identity")
    chip = chip_from_dict({"name": "king4", "topology": {"kind": "king", "shape": [4, 4]}})
    program = as_program(k5, chip, seed=1)
    assert program.report["placement"] == "minorminer" and program.is_embedded and program.n_logical == 5
    run = ps.simulate(k5, chip, sweeps=5, replicas=2, seed=1)
    assert run.states.shape == (2, 5, run.program.n_physical)
    assert run.program.unembed(run.states).shape == (2, 5, 5)


def test_identity_takes_no_mapping():
    with pytest.raises(PbitsimError, match="takes no mapping"):
        ps.compile(three_spins(), chip_from_dict(KING_3X3), method="identity", mapping={0: 0, 1: 1, 2: 2})


def test_as_program_passes_a_program_through():
    p = place_model(three_spins())
    assert as_program(p, "fpga-sparse-ising") is p


# ----------------------------------------------------------------- progress while embedding
class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_embedding_progress_shows_on_a_terminal_only(monkeypatch):
    """A bar (elapsed seconds against the time limit) on a terminal, the same chains as without; nothing
    written when stderr is not a terminal."""
    k6 = ps.IsingModel.from_dense(np.ones((6, 6)) - np.eye(6))      # Pegasus has no 6-clique: chains
    monkeypatch.setattr(progress_module, "REFRESH_S", 0.001)
    plain = ps.compile(k6, "fpga-sparse-ising", method="embed", timeout_s=10, seed=2)
    quiet = io.StringIO()
    monkeypatch.setattr("sys.stderr", quiet)
    again = ps.compile(k6, "fpga-sparse-ising", method="embed", progress=True, timeout_s=10, seed=2)
    assert quiet.getvalue() == "" and again.chains == plain.chains
    term = FakeTerminal()
    monkeypatch.setattr("sys.stderr", term)
    shown = ps.compile(k6, "fpga-sparse-ising", method="embed", progress=True, timeout_s=10, seed=2)
    assert shown.chains == plain.chains
    assert "embedding 6 spins into fpga-sparse-ising" in term.getvalue() and "/10 s (time limit)" in term.getvalue()


def test_a_model_without_spins_is_refused_before_any_work():
    from pbitsim.errors import ModelError

    empty = ps.IsingModel.from_dense(np.zeros((0, 0)), np.zeros(0))
    for chip in ("ideal", "fpga-sparse-ising"):
        with pytest.raises(ModelError, match="the model has 0 spins"):
            ps.compile(empty, chip)
