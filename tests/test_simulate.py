"""``simulate``: placement errors, argument validation, engine choice and seed recording."""
import numpy as np
import pytest

from pbitsim.chip.spec import chip_from_dict, load_chip
from pbitsim.errors import ChipSpecError, ModelError, PbitsimError, TopologyError
from pbitsim.models import RBM, IsingModel
from pbitsim.compiler.pipeline import place_model
from pbitsim.simulate import simulate

KING_3X3 = {"name": "king3", "topology": {"kind": "king", "shape": [3, 3]}}


@pytest.fixture(scope="module", autouse=True)
def isolated_colouring_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PBITSIM_CACHE_DIR", str(tmp_path_factory.mktemp("pbitsim-cache")))
        yield


def small_model():
    return IsingModel.from_dense([[0, 1.0, 0], [1.0, 0, -0.5], [0, -0.5, 0]], [0.1, 0.0, -0.2])


# ----------------------------------------------------------------------------- topology fit
def test_complete_k5_on_a_king_3x3_chip_lists_the_missing_edges():
    """King 3x3 (row-major): sites 0..4 = (0,0) (0,1) (0,2) (1,0) (1,1); (0,2) and (2,3) are not adjacent."""
    k5 = IsingModel.from_dense(np.ones((5, 5)) - np.eye(5))
    with pytest.raises(TopologyError) as info:
        place_model(k5, chip_from_dict(KING_3X3))
    msg = str(info.value)
    assert "king3" in msg and "king" in msg
    assert "2 of 10 coupled pairs" in msg
    assert "(0, 2)" in msg and "(2, 3)" in msg
    assert "(0, 1)" not in msg and "(0, 4)" not in msg  # present edges are not listed


def test_many_missing_edges_are_summarised():
    k9 = IsingModel.from_dense(np.ones((9, 9)) - np.eye(9))
    with pytest.raises(TopologyError, match=r"16 of 36 coupled pairs.* and 8 more"):
        place_model(k9, chip_from_dict(KING_3X3))


def test_too_many_spins_for_the_chip():
    model = IsingModel.from_edges([0], [1], [1.0], n=10)
    with pytest.raises(TopologyError, match="model has 10 spins, chip 'king3' has 9 p-bits"):
        simulate(model, chip_from_dict(KING_3X3), sweeps=10, seed=1)


def test_a_fitting_model_runs_on_the_king_chip():
    model = IsingModel.from_edges([0, 1, 4], [1, 4, 8], [1.0, 0.5, -0.3], n=9)  # king edges only
    run = simulate(model, chip_from_dict(KING_3X3), sweeps=20, replicas=2, seed=3)
    assert run.states.shape == (2, 20, 9) and run.chip == "king3"
    np.testing.assert_allclose(run.energies, model.energy(run.states), atol=1e-12)


def test_rbm_runs_on_the_ideal_chip():
    rbm = RBM(np.ones((2, 3)), [0.1, 0.2], [0.3, 0.1, 0.0])
    run = simulate(rbm, "ideal", sweeps=20, seed=3)
    assert run.states.shape == (1, 20, 5)
    np.testing.assert_allclose(run.energies, rbm.to_ising().energy(run.states), atol=1e-12)


# ----------------------------------------------------------------------------- bad arguments
BAD_ARGS = [
    ({"sweeps": 0}, "sweeps must be >= 1, got 0"),
    ({"sweeps": 10.5}, "sweeps must be an integer, got 10.5"),
    ({"sweeps": True}, "sweeps must be an integer"),
    ({"sweeps": "100"}, "sweeps must be an integer"),
    ({"burn_in": -1}, "burn_in must be >= 0, got -1"),
    ({"thin": 0}, "thin must be >= 1, got 0"),
    ({"thin": 20}, "thin = 20 is larger than sweeps = 10"),
    ({"thin": 2.0}, "thin must be an integer"),
    ({"replicas": 0}, "replicas must be >= 1, got 0"),
    ({"replicas": None}, "replicas must be an integer"),
    ({"beta": -1.0}, "beta must be finite and >= 0, got -1.0"),
    ({"beta": float("nan")}, "beta must be finite and >= 0, got nan"),
    ({"beta": float("inf")}, "beta must be finite and >= 0"),
    ({"beta": "hot"}, "beta must be a number, got 'hot'"),
    ({"initial": np.zeros(3)}, r"initial states must be ±1 with shape \(3,\) or \(1, 3\)"),
    ({"initial": np.ones(4)}, "initial states must be ±1"),
    ({"engine": "warp"}, "unknown engine 'warp'; allowed: chromatic, naive_parallel, sequential"),
]


@pytest.mark.parametrize("override, message", [(o, m) for o, m in BAD_ARGS], ids=[str(o) for o, _ in BAD_ARGS])
def test_bad_arguments_raise_pbitsim_error(override, message):
    kwargs = {"sweeps": 10, "seed": 1, **override}
    with pytest.raises(PbitsimError, match=message):
        simulate(small_model(), "ideal", **kwargs)


@pytest.mark.parametrize("seed", [-1, "abc", 1.5, True])
def test_bad_seed_raises_pbitsim_error(seed):
    with pytest.raises(PbitsimError, match="seed"):
        simulate(small_model(), "ideal", sweeps=10, seed=seed)


def test_asynchronous_mode_runs_or_refuses_clearly():
    chip = chip_from_dict({"name": "async", "clock": {"mode": "asynchronous"}})
    try:
        run = simulate(small_model(), chip, sweeps=10, seed=1)
    except ChipSpecError as exc:
        assert "asynchronous" in str(exc)
    else:  # an event engine has landed: it must then return a well-formed result
        assert run.states.shape[-1] == 3


def test_non_model_input_is_a_model_error():
    """simulate compiles what ps.compile takes; anything else is one clear error, not a TypeError deep inside."""
    with pytest.raises(ModelError, match="cannot compile a ndarray: expected an IsingModel, RBM"):
        simulate(np.zeros((3, 3)), "ideal", sweeps=10, seed=1)


# ----------------------------------------------------------------------------- engine choice, seeds
def test_engine_follows_the_chip_clock_mode_and_can_be_overridden():
    model = small_model()
    seq_chip = chip_from_dict({"clock": {"mode": "sequential"}})
    assert simulate(model, seq_chip, sweeps=5, seed=1).engine == "sequential-systematic"
    assert simulate(model, "ideal", sweeps=5, seed=1).engine == "chromatic"
    assert simulate(model, seq_chip, sweeps=5, seed=1, engine="chromatic").engine == "chromatic"
    assert simulate(model, "ideal", sweeps=5, seed=1, engine="naive_parallel").engine == "naive_parallel"


def test_a_program_can_be_simulated_directly():
    model = small_model()
    program = place_model(model, load_chip("ideal"))
    a = simulate(program, sweeps=30, seed=2)
    b = simulate(model, "ideal", sweeps=30, seed=2)
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.unembed(), a.states)


def test_seed_none_records_a_seed_that_reproduces_the_run():
    model = small_model()
    run = simulate(model, "ideal", sweeps=40, replicas=2, seed=None)
    assert isinstance(run.seed, int) and 0 <= run.seed < 2 ** 64
    again = simulate(model, "ideal", sweeps=40, replicas=2, seed=run.seed)
    np.testing.assert_array_equal(run.states, again.states)
    other = simulate(model, "ideal", sweeps=40, replicas=2, seed=None)
    assert other.seed != run.seed
    assert run.summary()["seed"] == run.seed


def test_numpy_integer_seed_is_accepted():
    a = simulate(small_model(), "ideal", sweeps=10, seed=np.int64(5))
    b = simulate(small_model(), "ideal", sweeps=10, seed=5)
    assert a.seed == 5
    np.testing.assert_array_equal(a.states, b.states)


def test_initial_states_broadcast_and_per_replica():
    model = small_model()
    start = np.array([1, 1, 1], dtype=np.int8)
    a = simulate(model, "ideal", sweeps=5, replicas=3, seed=4, initial=start)
    b = simulate(model, "ideal", sweeps=5, replicas=3, seed=4, initial=np.tile(start, (3, 1)))
    np.testing.assert_array_equal(a.states, b.states)
    frozen = simulate(model, "ideal", sweeps=5, replicas=3, seed=4, initial=start, beta=0.0)
    assert frozen.states.shape == (3, 5, 3)


def test_samples_summary_and_mean_energy():
    model = small_model()
    run = simulate(model, "ideal", sweeps=400, replicas=8, seed=9)
    e, err = run.mean_energy()
    assert e == pytest.approx(run.energies.mean()) and 0 < err < 1
    single = simulate(model, "ideal", sweeps=400, replicas=1, seed=9)
    assert np.isfinite(single.mean_energy()[1])  # batch means give an error bar for one chain
    s = run.summary()
    assert s["replicas"] == 8 and s["samples_per_replica"] == 400 and s["n"] == 3
    assert s["engine"] == "chromatic" and s["chip"] == "ideal"


def test_samples_save_is_atomic(tmp_path):
    run = simulate(small_model(), "ideal", sweeps=10, replicas=2, seed=1, moments=True)
    path = tmp_path / "run.npz"
    run.save(path)
    with np.load(path) as data:
        np.testing.assert_array_equal(data["states"], run.states)
        np.testing.assert_array_equal(data["mean_m"], run.mean_m)
        assert int(data["seed"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]


def test_event_only_options_on_a_sweep_engine_are_one_clear_error():
    """Validated in one place (pbitsim.simulate.run_engine), naming every event-only option given."""
    pair = IsingModel.from_dense([[0.0, 1.0], [1.0, 0.0]])
    for engine in ("chromatic", "naive_parallel", "sequential"):
        with pytest.raises(PbitsimError, match=r"duration_ns, record_flips only apply to the event-driven engine"):
            simulate(pair, engine=engine, sweeps=10, seed=1, duration_ns=5.0, record_flips=True)
    with pytest.raises(ChipSpecError, match="unknown engine 'warp'; allowed: chromatic, naive_parallel"):
        simulate(pair, engine="warp", sweeps=10, seed=1)
    with pytest.raises(PbitsimError, match="progress must be True or False"):
        simulate(pair, sweeps=10, seed=1, progress="yes")
    run = simulate(pair, engine="clocked", sweeps=10, seed=1, duration_ns=5.0, record_flips=True)
    assert "flip_log" in run.info
