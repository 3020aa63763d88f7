"""Program.save / Program.load: exact round trip (hypothesis), self-contained chip, clear errors, atomic writes."""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import pbitsim as ps
from pbitsim.chip.spec import chip_from_dict
from pbitsim.errors import PbitsimError, TopologyError
from pbitsim.models import RBM, IsingModel
from pbitsim.compiler.pipeline import place_model
from pbitsim.compiler.program import Program

FIXED = {"format": "fixed", "total_bits": 6, "frac_bits": 1}
CHIPS = {
    "ideal": "ideal",
    "chimera-float": {"name": "c1", "topology": {"kind": "chimera", "size": 2},
                      "clock": {"colouring": "smallest_last"}},
    "king-fixed": {"name": "k3", "topology": {"kind": "king", "shape": [3, 3]}, "weights": FIXED,
                   "bias": dict(FIXED, rounding="stochastic"), "accumulator": {"format": "fixed"},
                   "pbit": {"activation": "lut"}, "rng": {"kind": "lfsr"}},
}


@pytest.fixture(scope="module", autouse=True)
def isolated_colouring_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PBITSIM_CACHE_DIR", str(tmp_path_factory.mktemp("pbitsim-cache")))
        yield


def chip(name):
    c = CHIPS[name]
    return ps.load_chip(c) if isinstance(c, str) else chip_from_dict(c)


def assert_same_model(a: IsingModel, b: IsingModel):
    assert a.n == b.n and a.name == b.name and a.offset == b.offset
    for x, y in ((a.J.indptr, b.J.indptr), (a.J.indices, b.J.indices), (a.J.data, b.J.data), (a.h, b.h)):
        assert x.dtype.kind == y.dtype.kind and np.array_equal(x, y)


def assert_same_program(p: Program, q: Program):
    assert_same_model(p.logical, q.logical)
    assert_same_model(p.physical, q.physical)
    assert p.chip == q.chip and p.chip.source == q.chip.source
    for x, y in ((p.placement, q.placement), (p.chip_nodes, q.chip_nodes), (p.colouring.colours, q.colouring.colours)):
        assert x.dtype == y.dtype and np.array_equal(x, y)
    assert p.colouring.n_colours == q.colouring.n_colours and p.colouring.strategy == q.colouring.strategy
    assert p.chains == q.chains
    assert p.report == q.report
    assert p.beta_factor == q.beta_factor and p.chain_strength == q.chain_strength
    assert (p.rbm is None) == (q.rbm is None)
    if p.rbm is not None:
        assert all(np.array_equal(getattr(p.rbm, k), getattr(q.rbm, k)) for k in "Wbc")
        assert p.rbm.name == q.rbm.name


@st.composite
def small_programs(draw):
    n = draw(st.integers(1, 6))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    finite = st.floats(-3, 3, allow_nan=False, width=64)
    vals = draw(st.lists(finite.filter(lambda x: x != 0), min_size=len(chosen), max_size=len(chosen)))
    h = draw(st.lists(finite, min_size=n, max_size=n))
    offset = draw(finite)
    rows = np.array([a for a, _ in chosen], dtype=np.int64)
    cols = np.array([b for _, b in chosen], dtype=np.int64)
    model = IsingModel.from_edges(rows, cols, np.array(vals), np.array(h), n=n, offset=offset,
                                  name=draw(st.sampled_from(["", "m", "ünï cödé"])))
    name = draw(st.sampled_from(sorted(CHIPS)))
    method = "embed" if name == "chimera-float" and draw(st.booleans()) and model.n_edges else "auto"
    seed = draw(st.integers(0, 2 ** 31))
    percentile = draw(st.sampled_from([100.0, 90.0]))
    try:
        return ps.compile(model, chip(name), method=method, seed=seed, percentile=percentile, timeout_s=5)
    except TopologyError:   # a dense model that the 3 x 3 king chip cannot hold
        assume(False)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(program=small_programs())
def test_round_trip_is_exact(tmp_path, program):
    path = program.save(tmp_path / "p.npz")
    assert_same_program(program, Program.load(path))


def test_round_trip_of_an_embedded_rbm_program_samples_identically(tmp_path):
    rng = np.random.default_rng(0)
    rbm = RBM(rng.normal(0, 0.5, (8, 4)), rng.normal(size=8), rng.normal(size=4), name="r")
    p = ps.compile(rbm, chip("chimera-float"), method="embed", seed=1)
    assert p.is_embedded
    q = Program.load(p.save(tmp_path / "rbm"))            # ".npz" appended
    assert os.path.exists(tmp_path / "rbm.npz")
    assert_same_program(p, q)
    a = ps.simulate(p, sweeps=20, replicas=2, seed=4)
    b = ps.simulate(q, sweeps=20, replicas=2, seed=4)
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(p.unembed(a.states), q.unembed(b.states))


def test_direct_placement_programs_round_trip(tmp_path):
    p = place_model(RBM(np.ones((2, 3)), np.zeros(2), np.zeros(3)), "ideal")
    assert_same_program(p, Program.load(p.save(tmp_path / "d.npz")))


def test_the_file_carries_the_chip(tmp_path):
    toml = tmp_path / "mychip.toml"
    toml.write_text('name = "mine"\n[topology]\nkind = "king"\nshape = [3, 3]\n[weights]\nformat = "fixed"\n')
    p = ps.compile(IsingModel.from_edges([0], [1], [1.0], n=2), str(toml))
    path = p.save(tmp_path / "p.npz")
    toml.unlink()
    q = Program.load(path)
    assert q.chip == p.chip and q.chip.weights.format == "fixed"


def test_no_temporary_files_are_left(tmp_path):
    p = ps.compile(IsingModel.from_edges([0], [1], [1.0], n=2), "ideal")
    p.save(tmp_path / "p.npz")
    assert sorted(os.listdir(tmp_path)) == ["p.npz"]


def test_bad_files_are_named(tmp_path):
    with pytest.raises(PbitsimError, match="no such program file"):
        Program.load(tmp_path / "missing.npz")
    RBM(np.ones((2, 2)), np.zeros(2), np.zeros(2)).save(tmp_path / "rbm.npz")
    with pytest.raises(PbitsimError, match="not a pbitsim program file"):
        Program.load(tmp_path / "rbm.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(PbitsimError, match="not a valid .npz archive"):
        Program.load(tmp_path / "junk.npz")
    p = ps.compile(IsingModel.from_edges([0], [1], [1.0], n=2), "ideal")
    path = p.save(tmp_path / "p.npz")
    with np.load(path) as d:
        arrays = dict(d)
    arrays["version"] = np.int64(99)
    np.savez(tmp_path / "future.npz", **arrays)
    with pytest.raises(PbitsimError, match="version 99, expected 'pbitsim-program' version 1"):
        Program.load(tmp_path / "future.npz")
