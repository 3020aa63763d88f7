"""Chromatic kernels (single-chain and replica-major layouts) against exact enumeration.

Tolerance: every moment is compared with its exact value within Z_MAX standard
errors, the error computed from the spread of independent replicas (R >= 16,
fixed seeds).  A sampler that is off by more than a few errors fails; the
naive-parallel mode is shown to fail the Boltzmann check and to pass the check
against the exact stationary law of its own (synchronous) kernel.
"""
import hashlib
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from numba import njit

from pbitsim import IsingModel
from pbitsim.engines import chromatic
from pbitsim.engines.schedule import make_schedule
from pbitsim.analysis.exact import exact_law, law_from_probs, all_energies
from pbitsim.analysis.kernel_law import gibbs_p_plus, stationary, sweep_matrix
from pbitsim.kernels.chromatic import tanh_above
from pbitsim.compiler.pipeline import place_model
from pbitsim.topologies import lattice_graph

Z_MAX = 4.5
R = 32
LAYOUTS = ("single", "replica_major")


def random_model(n=12, seed=7, density=0.5, offset=0.3):
    """Dense-ish random couplings and fields (several colours)."""
    rng = np.random.default_rng(seed)
    J = np.triu(rng.normal(0.0, 0.7, (n, n)) * (rng.random((n, n)) < density), 1)
    return IsingModel.from_dense(J + J.T, rng.normal(0.0, 0.4, n), offset=offset)


def frustrated_lattice(seed=3):
    """4x4 periodic lattice, J = +-1 with frustrated plaquettes, no field (2 colours)."""
    G = lattice_graph((4, 4), periodic=True)
    rng = np.random.default_rng(seed)
    e = np.array(sorted(G.edges()))
    return IsingModel.from_edges(e[:, 0], e[:, 1], rng.choice([-1.0, 1.0], len(e)), n=16)


MODELS = {"random12": random_model(), "lattice4x4": frustrated_lattice()}


def run(model, layout, *, mode="chromatic", sweeps=3000, replicas=R, seed=11, moments=True, store=False):
    schedule = make_schedule(sweeps, 50, 1, replicas, 1.0, seed)
    return chromatic.run_layout(place_model(model), schedule, layout, mode=mode, moments=moments,
                                store_states=store)


def z_scores(samples, law):
    """|estimate - exact| / (replica-spread standard error) for m_i, edge m_u m_v and E."""
    u, v = samples.edges
    est = np.concatenate([samples.mean_m, samples.mean_mm, samples.energies.mean(axis=1, keepdims=True)], axis=1)
    exact = np.concatenate([law.means, law.correlations[u, v], [law.mean_energy]])
    se = est.std(axis=0, ddof=1) / np.sqrt(est.shape[0])
    return np.abs(est.mean(axis=0) - exact) / np.maximum(se, 1e-12)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name", list(MODELS))
def test_moments_match_exact_enumeration(name, layout):
    model = MODELS[name]
    s = run(model, layout)
    assert s.info["layout"] == layout
    z = z_scores(s, exact_law(model, 1.0))
    assert z.max() < Z_MAX, f"worst z = {z.max():.2f} at moment {int(z.argmax())}"
    # power: the same estimates are rejected against the law at beta * 1.1
    assert z_scores(s, exact_law(model, 1.1)).max() > 2 * Z_MAX


def test_naive_parallel_is_not_gibbs_but_samples_its_own_kernel_law():
    model = frustrated_lattice()
    z = z_scores(run(model, "single", mode="naive_parallel"), exact_law(model, 1.0))
    assert z.max() > 4 * Z_MAX  # the Boltzmann check must catch it
    small = random_model(n=8, seed=2, density=0.6)
    pi = stationary(sweep_matrix(gibbs_p_plus(small, 1.0), [np.arange(small.n)]))
    law = law_from_probs(pi, all_energies(small), 1.0)
    z = z_scores(run(small, "single", mode="naive_parallel", sweeps=4000), law)
    assert z.max() < Z_MAX, f"worst z = {z.max():.2f}"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_states_energies_and_moments_are_consistent(layout):
    model = MODELS["random12"]
    s = run(model, layout, sweeps=200, replicas=20, store=True)
    assert s.states.shape == (20, 200, model.n) and s.states.dtype == np.int8
    assert np.all(np.abs(s.states) == 1)
    np.testing.assert_allclose(s.energies, model.energy(s.states), rtol=0, atol=1e-9)
    np.testing.assert_allclose(s.mean_m, s.states.mean(axis=1), atol=1e-12)
    u, v = s.edges
    np.testing.assert_allclose(s.mean_mm, (s.states[..., u] * s.states[..., v]).mean(axis=1), atol=1e-12)


def test_layouts_draw_the_same_random_numbers():
    # same seed, same uniform for every update: the trajectories coincide (inputs
    # differ only by rounding, so a disagreement would need |tanh - u| < 1e-15)
    for model in MODELS.values():
        a = run(model, "single", sweeps=300, replicas=24, store=True, moments=False)
        b = run(model, "replica_major", sweeps=300, replicas=24, store=True, moments=False)
        np.testing.assert_array_equal(a.states, b.states)
        np.testing.assert_allclose(a.energies, b.energies, atol=1e-9)


def test_replica_stream_does_not_depend_on_replica_count():
    model = MODELS["lattice4x4"]
    few = run(model, "single", sweeps=100, replicas=3, store=True, moments=False)
    many = run(model, "replica_major", sweeps=100, replicas=40, store=True, moments=False)
    np.testing.assert_array_equal(few.states, many.states[:3])


def test_replica_major_blocking_does_not_change_results(monkeypatch):
    model = MODELS["random12"]
    ref = run(model, "replica_major", sweeps=100, replicas=29, store=True, moments=False)
    monkeypatch.setattr(chromatic, "_BLOCK_MAX", 8)  # 4 blocks of 8 instead of 1 of 32
    monkeypatch.setattr(chromatic, "_BLOCK_MIN", 4)
    other = run(model, "replica_major", sweeps=100, replicas=29, store=True, moments=False)
    np.testing.assert_array_equal(ref.states, other.states)
    np.testing.assert_array_equal(ref.energies, other.energies)


@njit(cache=True)
def _decide(x, u, out):
    for k in range(x.shape[0]):
        out[k] = tanh_above(x[k], u[k])


def test_division_free_decision_is_tanh_to_2e6():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 3, 200_000), rng.uniform(-25, 25, 50_000)])
    u = np.tanh(x) + rng.uniform(-1e-4, 1e-4, x.shape[0])
    out = np.empty(x.shape[0], dtype=np.bool_)
    _decide(x, u, out)
    disagree = out != (np.tanh(x) > u)
    assert np.all(np.abs(np.tanh(x) - u)[disagree] < 2e-6)
    assert disagree.sum() < 0.05 * x.shape[0]


_DETERMINISM_SCRIPT = textwrap.dedent("""
    import hashlib, numpy as np
    from pbitsim import IsingModel
    from pbitsim.engines import chromatic
    from pbitsim.engines.schedule import make_schedule
    from pbitsim.compiler.pipeline import place_model
    rng = np.random.default_rng(5)
    J = np.triu(rng.normal(0, 0.7, (14, 14)) * (rng.random((14, 14)) < 0.4), 1)
    p = place_model(IsingModel.from_dense(J + J.T, rng.normal(0, 0.3, 14)))
    h = hashlib.sha256()
    for layout, mode, R in (("single", "chromatic", 5), ("replica_major", "chromatic", 32),
                            ("single", "naive_parallel", 6)):
        s = chromatic.run_layout(p, make_schedule(60, 5, 2, R, 0.8, 123), layout, mode=mode)
        h.update(s.states.tobytes()); h.update(s.energies.tobytes())
    print(h.hexdigest())
""")


def test_results_do_not_depend_on_thread_count():
    digests = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        out = subprocess.run([sys.executable, "-c", _DETERMINISM_SCRIPT], env=env, capture_output=True,
                             text=True, check=True, timeout=300)
        digests.append(out.stdout.strip().splitlines()[-1])
    assert digests[0] == digests[1]
    assert len(digests[0]) == len(hashlib.sha256().hexdigest())
