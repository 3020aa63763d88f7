"""Every engine samples the exact Boltzmann law; shapes, energies, schedules and seeds behave.

Statistical checks go through :mod:`pbitsim.testing.conformance`: tolerances are z-scores
against block (replica) standard errors of the run itself, and every check
also asserts its own power (the same samples are rejected at beta * 1.1).
"""
import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import textwrap

import networkx as nx
import numpy as np
import pytest

from pbitsim.chip.spec import chip_from_dict
from pbitsim.analysis.exact import codes_to_states, exact_law, states_to_codes
from pbitsim.models import RBM, IsingModel
from pbitsim.compiler.pipeline import place_model
from pbitsim.simulate import simulate
from pbitsim.testing.conformance import (
    assert_engine_conforms,
    assert_rejects_law,
    assert_samples_consistent,
    assert_seed_reproducible,
    block_statistics,
    histogram_check,
    z_scores,
)
from pbitsim.topologies import chimera_graph, lattice_graph

Z_MAX = 5.0


@pytest.fixture(scope="module", autouse=True)
def isolated_colouring_cache(tmp_path_factory):
    """Keep the on-disk colouring cache out of the user's home directory."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PBITSIM_CACHE_DIR", str(tmp_path_factory.mktemp("pbitsim-cache")))
        yield


# ----------------------------------------------------------------------------- models
def _from_graph(G, couplings, fields=None):
    r, c = np.array(sorted(G.edges())).T
    n = G.number_of_nodes()
    return IsingModel.from_edges(r, c, couplings(r.size), fields, n=n)


def frustrated_lattice():
    """4x4 periodic square lattice, random ±1 couplings, no fields (spin-flip symmetric)."""
    rng = np.random.default_rng(44)
    return _from_graph(lattice_graph((4, 4), periodic=True), lambda k: rng.choice([-1.0, 1.0], size=k))


def random_graph_with_fields():
    """G(12, 0.35) with Gaussian couplings (sd 0.7) and fields (sd 0.5): odd cycles, >= 3 colours."""
    rng = np.random.default_rng(12)
    G = nx.gnp_random_graph(12, 0.35, seed=12)
    return _from_graph(G, lambda k: rng.normal(0.0, 0.7, size=k), rng.normal(0.0, 0.5, size=12))


def chimera_cell():
    """One Chimera unit cell (K4,4), uniform(-1, 1) couplings, small fields."""
    rng = np.random.default_rng(13)
    return _from_graph(chimera_graph(1), lambda k: rng.uniform(-1.0, 1.0, size=k), rng.normal(0.0, 0.3, 8))


MODELS = {"lattice4x4": frustrated_lattice, "random12": random_graph_with_fields,
          "chimera_k44": chimera_cell}

RANDOM_SCAN_CHIP = chip_from_dict({"name": "seq-random", "clock": {"mode": "sequential", "scan": "random"}})


def _runner(engine):
    """``run(model, seed) -> Samples`` for each engine path under test."""
    if engine == "chromatic":
        return lambda m, s: simulate(m, "ideal", sweeps=2000, burn_in=200, replicas=32, seed=s)
    if engine == "chromatic_single_chain":  # one replica: error bars from 32 batch means
        return lambda m, s: simulate(m, "ideal", sweeps=64000, burn_in=200, replicas=1, seed=s)
    if engine == "chromatic_thinned":
        return lambda m, s: simulate(m, "ideal", sweeps=3000, thin=3, burn_in=100, replicas=64, seed=s)
    if engine == "sequential_systematic":
        return lambda m, s: simulate(m, "ideal", engine="sequential", sweeps=2000, burn_in=200,
                                     replicas=32, seed=s)
    if engine == "sequential_random":
        return lambda m, s: simulate(m, RANDOM_SCAN_CHIP, sweeps=2000, burn_in=200, replicas=32, seed=s)
    raise AssertionError(engine)


ENGINES = ["chromatic", "chromatic_single_chain", "chromatic_thinned", "sequential_systematic",
           "sequential_random"]


# ----------------------------------------------------------------------------- exactness
@pytest.mark.parametrize("model_name", list(MODELS))
@pytest.mark.parametrize("engine", ENGINES)
def test_engine_matches_exact_law(engine, model_name):
    model = MODELS[model_name]()
    stats, law, hist = assert_engine_conforms(_runner(engine), model, seed=7, z_max=Z_MAX)
    # the check has power in both directions: a colder or a hotter sampler fails
    assert_rejects_law(stats, exact_law(model, 0.9 * law.beta), z_max=Z_MAX)
    # KL of the pooled histogram: no larger than its expected noise level Q ~ (K-1)/(2 N_eff)
    # (estimated from the block spread) plus Z_MAX standard errors (KL ~ X when states are
    # well sampled, KL < X when most are never visited)
    assert hist.kl <= hist.noise + Z_MAX * hist.u_se
    assert hist.noise > 0.0 and hist.u_se > 0.0 and hist.n_effective > 0
    assert stats.n_blocks >= 16


@pytest.mark.parametrize("mode", ["chromatic", "sequential"])
def test_engine_matches_exact_law_on_a_chip_topology(mode):
    """A model placed on a king 3x3 chip (the chip's own 4-colour phases, not the model's graph)."""
    from pbitsim.topologies import king_graph

    rng = np.random.default_rng(21)
    G = king_graph(3, 3)
    model = _from_graph(G, lambda k: rng.normal(0.0, 0.6, size=k), rng.normal(0.0, 0.4, size=9))
    chip = chip_from_dict({"name": "king3", "topology": {"kind": "king", "shape": [3, 3]},
                           "clock": {"mode": mode}})
    assert place_model(model, chip).colouring.n_colours == 4
    assert_engine_conforms(lambda m, s: simulate(m, chip, sweeps=2000, burn_in=200, replicas=32, seed=s),
                           model, seed=3, z_max=Z_MAX)


def test_engine_name_and_chip_recorded():
    model = chimera_cell()
    assert _runner("chromatic")(model, 1).engine == "chromatic"
    assert _runner("sequential_systematic")(model, 1).engine == "sequential-systematic"
    run = _runner("sequential_random")(model, 1)
    assert run.engine == "sequential-random" and run.chip == "seq-random"


def test_histogram_statistic_is_exactly_chi2_minus_noise():
    """``U`` (mean over block pairs) equals ``X - Q`` identically, for any data."""
    model = chimera_cell()
    run = _runner("chromatic")(model, 3)
    stats = block_statistics(run, model)
    chk = histogram_check(stats, exact_law(model, 1.0))
    assert chk.u == pytest.approx(chk.chi2_half - chk.noise, rel=1e-9, abs=1e-15)
    assert chk.kl == pytest.approx(chk.chi2_half, rel=0.5)  # well-sampled: KL ~ X


# ----------------------------------------------------------------------------- power
def _broken_runners():
    good = _runner("chromatic")

    def hotter(m, s):  # samples at beta/1.1 but claims beta = 1
        return dataclasses.replace(simulate(m, "ideal", sweeps=2000, burn_in=200, replicas=32, seed=s,
                                            beta=1 / 1.1), beta=1.0)

    def fields_ignored(m, s):  # drops h; energies recomputed so only statistics can tell
        zero_h = IsingModel(m.J, np.zeros(m.n), m.offset)
        run = good(zero_h, s)
        return dataclasses.replace(run, energies=m.energy(run.states), program=None)

    def one_stream_for_all(m, s):  # every replica a copy of replica 0 (a seeding bug)
        run = good(m, s)
        st = np.broadcast_to(run.states[:1], run.states.shape).copy()
        return dataclasses.replace(run, states=st, energies=m.energy(st))

    def naive(m, s):
        return simulate(m, "ideal", engine="naive_parallel", sweeps=2000, burn_in=200, replicas=32, seed=s)

    def short_run(m, s):  # too few samples to resolve a 10 % temperature error: must not "pass"
        return simulate(m, "ideal", sweeps=16, burn_in=200, replicas=16, seed=s)

    return {"hotter": hotter, "fields_ignored": fields_ignored, "one_stream": one_stream_for_all,
            "naive_parallel": naive, "too_short": short_run}


@pytest.mark.parametrize("kind", list(_broken_runners()))
def test_conformance_check_rejects_broken_samplers(kind):
    """This suite would catch a bug: each deliberately broken sampler fails the check."""
    model = random_graph_with_fields()
    with pytest.raises(AssertionError):
        assert_engine_conforms(_broken_runners()[kind], model, seed=7, z_max=Z_MAX)


def test_tolerance_is_small_enough_to_see_beta_times_1_1():
    """Quantitatively: at beta * 1.1 the worst z-score is many times the tolerance."""
    model = random_graph_with_fields()
    stats = block_statistics(_runner("chromatic")(model, 11), model)
    worst_right = max(float(z.max()) for z in z_scores(stats, exact_law(model, 1.0)).values())
    worst_wrong = max(float(z.max()) for z in z_scores(stats, exact_law(model, 1.1)).values())
    assert worst_right <= Z_MAX < 2 * Z_MAX < worst_wrong


# ----------------------------------------------------------------------------- naive parallel is wrong
def test_naive_parallel_is_wrong_on_a_strong_ferromagnetic_pair():
    """Synchronous updates of a J=2 pair at beta=1 decorrelate it (exact <m0 m1> = tanh 2 = 0.964)."""
    pair = IsingModel.from_dense([[0.0, 2.0], [2.0, 0.0]])
    law = exact_law(pair, 1.0)
    assert law.correlations[0, 1] == pytest.approx(np.tanh(2.0), abs=1e-12)
    kw = dict(sweeps=2000, burn_in=100, replicas=32, seed=5)
    naive = block_statistics(simulate(pair, "ideal", engine="naive_parallel", **kw), pair)
    z_naive = z_scores(naive, law)["mm"][0]
    assert z_naive > 20, f"naive parallel looked right: z = {z_naive}"
    assert abs(naive.edge_corr[0]) < 0.1  # the stationary synchronous law has agreement 1/2
    chromatic = block_statistics(simulate(pair, "ideal", **kw), pair)
    assert z_scores(chromatic, law)["mm"][0] <= Z_MAX


def test_naive_parallel_is_wrong_on_a_bipartite_ferromagnet():
    """K4,4 ferromagnet (J = 0.5, beta = 1): the two shores oscillate instead of aligning."""
    G = chimera_graph(1)
    model = _from_graph(G, lambda k: np.full(k, 0.5))
    law = exact_law(model, 1.0)
    kw = dict(sweeps=2000, burn_in=100, replicas=32, seed=9)
    naive = block_statistics(simulate(model, "ideal", engine="naive_parallel", **kw), model)
    zs = z_scores(naive, law)
    assert zs["mm"].min() > 20 and zs["energy"][0] > 20
    assert naive.energy > law.mean_energy + 1.0  # the oscillating law has a much higher energy
    with pytest.raises(AssertionError, match="disagrees with the exact law"):
        assert_engine_conforms(
            lambda m, s: simulate(m, "ideal", engine="naive_parallel", **{**kw, "seed": s}), model, seed=9)
    assert_engine_conforms(lambda m, s: simulate(m, "ideal", **{**kw, "seed": s}), model, seed=9)


# ----------------------------------------------------------------------------- exact one-sweep kernels
def _heat_bath_probs(model, beta):
    """``p_up[k, i]``: probability that spin i becomes +1 when updated from state code k."""
    states = codes_to_states(np.arange(1 << model.n), model.n).astype(np.float64)
    return 0.5 * (1.0 + np.tanh(beta * model.local_fields(states)))


def _sweep_kernel(model, beta, mode):
    """Exact (2^n, 2^n) one-sweep transition matrix of the chromatic or the naive-parallel engine."""
    n, K = model.n, 1 << model.n
    p_up = _heat_bath_probs(model, beta)
    bits = (np.arange(K)[:, None] >> np.arange(n)) & 1  # bits[k, i] = 1 if spin i is +1 in state k

    def simultaneous(sites):  # all of `sites` redrawn from the same current state
        P = np.zeros((K, K))
        mask = sum(1 << int(i) for i in sites)
        for k in range(K):
            for new in range(K):
                if (new & ~mask) != (k & ~mask):
                    continue
                P[k, new] = np.prod([p_up[k, i] if bits[new, i] else 1 - p_up[k, i] for i in sites])
        return P

    if mode == "naive_parallel":
        return simultaneous(range(n))
    P = np.eye(K)
    for cls in place_model(model, "ideal").colouring.classes():
        P = P @ simultaneous(cls)
    return P


@pytest.mark.parametrize("mode", ["chromatic", "naive_parallel"])
def test_one_sweep_transition_probabilities_are_exact(mode):
    """Independent replicas, one sweep from a fixed state: next-state law = row of the exact kernel."""
    J = np.array([[0, 0.9, 0, -0.4], [0.9, 0, 0.7, 0], [0, 0.7, 0, 0.6], [-0.4, 0, 0.6, 0]])
    model = IsingModel.from_dense(J, [0.2, -0.3, 0.1, 0.0])  # a 4-cycle: two colours
    N, start = 40000, np.array([1, -1, -1, 1], dtype=np.int8)
    run = simulate(model, "ideal", engine=mode, sweeps=1, replicas=N, seed=29, initial=start)
    freq = np.bincount(states_to_codes(run.states[:, 0]), minlength=16) / N
    code = states_to_codes(start)

    def worst_z(row):
        return float((np.abs(freq - row) / np.sqrt(np.maximum(row * (1 - row), 1e-300) / N)).max())

    assert worst_z(_sweep_kernel(model, 1.0, mode)[code]) <= Z_MAX
    other = "naive_parallel" if mode == "chromatic" else "chromatic"
    assert worst_z(_sweep_kernel(model, 1.0, other)[code]) > Z_MAX  # the data tell the kernels apart
    assert worst_z(_sweep_kernel(model, 1.1, mode)[code]) > Z_MAX


# ----------------------------------------------------------------------------- structure of the result
def _engine_kwargs(engine):
    return {"chromatic": {}, "naive_parallel": {"engine": "naive_parallel"},
            "sequential": {"engine": "sequential"}, "sequential_random": {"chip": RANDOM_SCAN_CHIP}}[engine]


def _sim(model, engine, **kw):
    kws = dict(_engine_kwargs(engine))
    chip = kws.pop("chip", "ideal")
    return simulate(model, chip, **kws, **kw)


STRUCT_ENGINES = ["chromatic", "naive_parallel", "sequential", "sequential_random"]


@pytest.mark.parametrize("engine", STRUCT_ENGINES)
def test_shapes_dtypes_and_sample_counts(engine):
    model = random_graph_with_fields()
    run = _sim(model, engine, sweeps=13, thin=3, burn_in=5, replicas=3, seed=2)
    assert run.states.shape == (3, 4, 12) and run.states.dtype == np.int8
    assert run.energies.shape == (3, 4) and run.energies.dtype == np.float64
    assert run.n_replicas == 3 and run.n_samples == 4
    assert run.timing.sweeps == 5 + 4 * 3
    assert run.seed == 2 and run.beta == 1.0
    assert_samples_consistent(run, model, replicas=3, n_samples=4)


@pytest.mark.parametrize("engine", STRUCT_ENGINES)
def test_energies_equal_model_energy_with_offset(engine):
    rng = np.random.default_rng(3)
    rbm = RBM(rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=3))
    ising = rbm.to_ising()
    assert ising.offset != 0.0
    run = _sim(rbm, engine, sweeps=200, replicas=4, seed=4)
    assert_samples_consistent(run, ising, rtol=1e-10)
    offset_model = IsingModel(random_graph_with_fields().J, np.zeros(12), offset=-3.25)
    run = _sim(offset_model, engine, sweeps=200, replicas=4, seed=4)
    assert_samples_consistent(run, offset_model, rtol=1e-10)


@pytest.mark.parametrize("engine", STRUCT_ENGINES)
def test_thin_and_burn_in_select_the_right_sweeps(engine):
    """With one seed, thin=3 keeps sweeps 3, 6, 9, ... and burn_in=3 drops the first three."""
    model = chimera_cell()
    every = _sim(model, engine, sweeps=12, thin=1, replicas=2, seed=8).states
    thinned = _sim(model, engine, sweeps=12, thin=3, replicas=2, seed=8).states
    burned = _sim(model, engine, sweeps=9, burn_in=3, replicas=2, seed=8).states
    assert every.shape[1] == 12 and thinned.shape[1] == 4 and burned.shape[1] == 9
    np.testing.assert_array_equal(thinned, every[:, 2::3])
    np.testing.assert_array_equal(burned, every[:, 3:])
    floor = _sim(model, engine, sweeps=14, thin=3, replicas=2, seed=8)
    assert floor.n_samples == 14 // 3


def test_store_states_false_keeps_energies():
    model = chimera_cell()
    full = simulate(model, "ideal", sweeps=50, replicas=2, seed=1)
    lean = simulate(model, "ideal", sweeps=50, replicas=2, seed=1, store_states=False)
    assert lean.states is None
    np.testing.assert_array_equal(lean.energies, full.energies)


MOMENT_ENGINES = STRUCT_ENGINES


@pytest.mark.parametrize("engine", MOMENT_ENGINES)
def test_running_moments_match_stored_states(engine):
    model = random_graph_with_fields()
    run = _sim(model, engine, sweeps=300, thin=2, burn_in=10, replicas=5, seed=6, moments=True)
    assert run.mean_m is not None, "moments=True returned no running means"
    st = run.states.astype(np.float64)
    np.testing.assert_allclose(run.mean_m, st.mean(axis=1), rtol=0, atol=1e-12)
    u, v = run.edges
    r, c, _ = model.edges()
    assert sorted(zip(u.tolist(), v.tolist())) == sorted(zip(r.tolist(), c.tolist()))
    np.testing.assert_allclose(run.mean_mm, (st[:, :, u] * st[:, :, v]).mean(axis=1), rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- seeds
@pytest.mark.parametrize("engine", STRUCT_ENGINES)
def test_same_seed_same_states_different_seed_different(engine):
    model = random_graph_with_fields()
    assert_seed_reproducible(lambda m, s: _sim(m, engine, sweeps=50, replicas=3, seed=s), model, seed=21)


@pytest.mark.parametrize("engine", STRUCT_ENGINES)
def test_replica_stream_does_not_depend_on_replica_count(engine):
    model = random_graph_with_fields()
    one = _sim(model, engine, sweeps=40, replicas=1, seed=31)
    four = _sim(model, engine, sweeps=40, replicas=4, seed=31)
    six = _sim(model, engine, sweeps=40, replicas=6, seed=31)
    np.testing.assert_array_equal(one.states[0], four.states[0])
    np.testing.assert_array_equal(one.energies[0], four.energies[0])
    np.testing.assert_array_equal(four.states, six.states[:4])
    assert not np.array_equal(four.states[0], four.states[1]), "replicas share a stream"


_HASH_SCRIPT = textwrap.dedent("""
    import hashlib, json, sys
    import numpy as np
    sys.path.insert(0, {tests_dir!r})
    from test_engine_conformance import random_graph_with_fields, _sim, STRUCT_ENGINES
    model = random_graph_with_fields()
    out = {{}}
    for engine in STRUCT_ENGINES:
        run = _sim(model, engine, sweeps=60, burn_in=7, replicas=5, seed=123)
        h = hashlib.sha256(run.states.tobytes() + run.energies.tobytes()).hexdigest()
        out[engine] = h
    print(json.dumps(out))
""")


def _hashes_in_process():
    model = random_graph_with_fields()
    out = {}
    for engine in STRUCT_ENGINES:
        run = _sim(model, engine, sweeps=60, burn_in=7, replicas=5, seed=123)
        out[engine] = hashlib.sha256(run.states.tobytes() + run.energies.tobytes()).hexdigest()
    return out


def test_results_do_not_depend_on_the_thread_count():
    """Same seed -> identical states with NUMBA_NUM_THREADS=1 and =2 (and in this process)."""
    script = _HASH_SCRIPT.format(tests_dir=os.path.dirname(os.path.abspath(__file__)))
    results = {}
    for threads in ("1", "2"):
        env = {**os.environ, "NUMBA_NUM_THREADS": threads}
        proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                              timeout=240)
        assert proc.returncode == 0, proc.stderr[-2000:]
        results[threads] = json.loads(proc.stdout.strip().splitlines()[-1])
    assert results["1"] == results["2"]
    assert results["1"] == _hashes_in_process()
    assert len(set(results["1"].values())) == len(STRUCT_ENGINES)  # engines really differ
