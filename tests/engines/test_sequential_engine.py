"""The sequential (one p-bit at a time) reference engine, against a slow pure-Python twin and exact kernels."""
import math

import numpy as np
import pytest

from pbitsim.chip.spec import chip_from_dict
from pbitsim.analysis.exact import codes_to_states, exact_law, states_to_codes
from pbitsim.kernels.rng import seed_streams
from pbitsim.models import IsingModel
from pbitsim.simulate import simulate

MASK64 = (1 << 64) - 1
RANDOM_SCAN = chip_from_dict({"name": "seq-random", "clock": {"mode": "sequential", "scan": "random"}})


@pytest.fixture(scope="module", autouse=True)
def isolated_colouring_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PBITSIM_CACHE_DIR", str(tmp_path_factory.mktemp("pbitsim-cache")))
        yield


def _run(model, scan, **kw):
    if scan == "systematic":
        return simulate(model, "ideal", engine="sequential", **kw)
    return simulate(model, RANDOM_SCAN, **kw)


def triangle_with_fields():
    J = np.array([[0.0, 0.8, 0.5], [0.8, 0.0, -0.6], [0.5, -0.6, 0.0]])
    return IsingModel.from_dense(J, [0.3, -0.2, 0.1])


# ----------------------------------------------------------------------------- a slow twin
class _Xoroshiro128Plus:
    """xoroshiro128+ in Python integers (the generator the kernels use)."""

    def __init__(self, s0, s1):
        self.s0, self.s1 = int(s0), int(s1)

    def next_u64(self):
        s0, s1 = self.s0, self.s1
        result = (s0 + s1) & MASK64
        s1 ^= s0
        self.s0 = (((s0 << 24) | (s0 >> 40)) & MASK64) ^ s1 ^ ((s1 << 16) & MASK64)
        self.s1 = ((s1 << 37) | (s1 >> 27)) & MASK64
        return result

    def next_double(self):
        return (self.next_u64() >> 11) * (1.0 / 9007199254740992.0)


def _python_sequential(model, beta, initial, seed, burn_in, n_samples, thin, random_scan):
    """Obviously-correct heat-bath Gibbs: m_i <- +1 with probability (1 + tanh(beta I_i)) / 2."""
    indptr, indices, weights = model.csr()
    n = model.n
    streams = seed_streams(seed, initial.shape[0])
    out = np.zeros((initial.shape[0], n_samples, n), dtype=np.int8)
    for r in range(initial.shape[0]):
        rng = _Xoroshiro128Plus(*streams[r])
        s = [int(x) for x in initial[r]]

        def sweep():
            for k in range(n):
                i = min(int(rng.next_double() * n), n - 1) if random_scan else k
                acc = model.h[i]
                for p in range(indptr[i], indptr[i + 1]):
                    acc += weights[p] * s[indices[p]]
                s[i] = 1 if rng.next_double() < 0.5 * (1.0 + math.tanh(beta * acc)) else -1

        for _ in range(burn_in):
            sweep()
        for t in range(n_samples):
            for _ in range(thin):
                sweep()
            out[r, t] = s
    return out


@pytest.mark.parametrize("scan", ["systematic", "random"])
def test_kernel_equals_the_pure_python_twin_bit_for_bit(scan):
    rng = np.random.default_rng(1)
    A = np.triu(rng.normal(0, 0.8, size=(6, 6)) * (rng.random((6, 6)) < 0.6), 1)
    model = IsingModel.from_dense(A + A.T, rng.normal(0, 0.4, 6))
    initial = np.where(rng.random((3, 6)) < 0.5, 1, -1).astype(np.int8)
    run = _run(model, scan, sweeps=12, thin=3, burn_in=2, replicas=3, beta=0.9, seed=77, initial=initial)
    twin = _python_sequential(model, 0.9, initial, 77, burn_in=2, n_samples=4, thin=3,
                              random_scan=scan == "random")
    np.testing.assert_array_equal(run.states, twin)
    np.testing.assert_allclose(run.energies, model.energy(twin), rtol=0, atol=1e-12)


def test_initial_state_is_used():
    model = triangle_with_fields()
    start = np.array([[1, -1, 1], [-1, -1, -1]], dtype=np.int8)
    a = _run(model, "systematic", sweeps=5, replicas=2, seed=3, initial=start)
    twin = _python_sequential(model, 1.0, start, 3, 0, 5, 1, False)
    np.testing.assert_array_equal(a.states, twin)


# ----------------------------------------------------------------------------- exact one-sweep kernels
def _site_kernel(model, beta, i):
    """Heat-bath update of spin i as a (2^n, 2^n) transition matrix over state codes."""
    n = model.n
    K = np.zeros((1 << n, 1 << n))
    states = codes_to_states(np.arange(1 << n), n).astype(np.float64)
    fields = model.local_fields(states)
    for k in range(1 << n):
        p_up = 0.5 * (1.0 + np.tanh(beta * fields[k, i]))
        K[k, k | (1 << i)] += p_up
        K[k, k & ~(1 << i)] += 1.0 - p_up
    return K


def _sweep_kernel(model, beta, scan):
    n = model.n
    sites = [_site_kernel(model, beta, i) for i in range(n)]
    if scan == "systematic":
        P = np.eye(1 << n)
        for K in sites:
            P = P @ K
        return P
    return np.linalg.matrix_power(sum(sites) / n, n)


def _one_sweep_frequencies(model, scan, start, replicas, seed):
    run = _run(model, scan, sweeps=1, replicas=replicas, seed=seed, initial=np.asarray(start, np.int8))
    codes = states_to_codes(run.states[:, 0])
    return np.bincount(codes, minlength=1 << model.n) / replicas


def _z(freq, probs, N):
    se = np.sqrt(np.maximum(probs * (1 - probs), 1e-300) / N)
    return np.abs(freq - probs) / se


@pytest.mark.parametrize("scan", ["systematic", "random"])
def test_one_sweep_transition_probabilities_are_exact(scan):
    """Independent replicas, one sweep from a fixed state: next-state law = row of the exact sweep kernel."""
    model = triangle_with_fields()
    N = 40000
    start = [1, -1, 1]
    row = _sweep_kernel(model, 1.0, scan)[states_to_codes(np.array(start))]
    freq = _one_sweep_frequencies(model, scan, start, N, seed=19)
    assert _z(freq, row, N).max() <= 5.0
    # power: the other scan order, or a 10 % hotter kernel, is rejected by the same data
    other = _sweep_kernel(model, 1.0, "random" if scan == "systematic" else "systematic")
    assert _z(freq, other[states_to_codes(np.array(start))], N).max() > 5.0
    hotter = _sweep_kernel(model, 1.0 / 1.1, scan)[states_to_codes(np.array(start))]
    assert _z(freq, hotter, N).max() > 5.0


@pytest.mark.parametrize("scan", ["systematic", "random"])
def test_sweep_kernels_leave_boltzmann_invariant(scan):
    """Sanity of the oracle itself: pi P = pi for both scans (random scan is also reversible)."""
    model = triangle_with_fields()
    pi = exact_law(model, 1.0).probs
    P = _sweep_kernel(model, 1.0, scan)
    np.testing.assert_allclose(pi @ P, pi, atol=1e-12)
    flow = pi[:, None] * P
    if scan == "random":
        np.testing.assert_allclose(flow, flow.T, atol=1e-12)
    else:
        assert np.abs(flow - flow.T).max() > 1e-3  # systematic scan is not reversible


# ----------------------------------------------------------------------------- exact small cases
@pytest.mark.parametrize("scan", ["systematic", "random"])
def test_ferromagnetic_pair_agrees_with_probability_0_8808(scan):
    """beta*J = 1: P(m0 = m1) = e / (e + 1/e) = (1 + tanh 1) / 2 = 0.8808 under Gibbs sampling."""
    pair = IsingModel.from_dense([[0.0, 1.0], [1.0, 0.0]])
    run = _run(pair, scan, sweeps=1000, burn_in=20, replicas=32, seed=4)
    agree = (run.states[:, :, 0] == run.states[:, :, 1]).mean(axis=1)  # one estimate per replica
    est, se = agree.mean(), agree.std(ddof=1) / np.sqrt(agree.size)
    exact = 0.5 * (1.0 + np.tanh(1.0))
    assert exact == pytest.approx(0.8808, abs=1e-4)
    assert abs(est - exact) <= 5 * se
    assert abs(est - 0.5) > 20 * se  # the stale-read (decoupled) answer is far outside the error bar


@pytest.mark.parametrize("scan", ["systematic", "random"])
def test_beta_zero_gives_independent_fair_coins(scan):
    model = triangle_with_fields()
    run = _run(model, scan, sweeps=500, replicas=16, beta=0.0, seed=2)
    codes = states_to_codes(run.states).reshape(-1)
    N = codes.size
    freq = np.bincount(codes, minlength=8) / N
    assert _z(freq, np.full(8, 1 / 8), N).max() <= 5.0  # independent sweeps at beta = 0: i.i.d. uniform


def test_random_scan_visits_sites_uniformly():
    """With one site strongly pinned, the others flip at the rate of a uniform site choice."""
    model = IsingModel.from_dense(np.zeros((4, 4)), [0.0, 0.0, 0.0, 0.0])
    run = _run(model, "random", sweeps=4000, replicas=4, beta=0.0, seed=8)
    # at beta = 0 a visited site is redrawn uniformly; P(site unchanged over a sweep) =
    # sum_k C(n,k) (1/n)^k (1-1/n)^(n-k) (1/2^k [new = old after k draws] -> 1/2 if k >= 1)
    n = 4
    p_not_visited = (1 - 1 / n) ** n
    p_same = p_not_visited + 0.5 * (1 - p_not_visited)
    same = (run.states[:, 1:] == run.states[:, :-1]).mean()
    N = run.states[:, 1:].size
    assert abs(same - p_same) <= 5 * np.sqrt(p_same * (1 - p_same) / N)
    assert abs(same - 0.5) > 5 * np.sqrt(0.25 / N)  # systematic scan would give 1/2


def test_enumerated_states_cover_the_space():
    """All 2^n states of a weak model are visited (no stuck bit, no lost state)."""
    model = IsingModel.from_dense(0.2 * (np.ones((4, 4)) - np.eye(4)))
    run = _run(model, "systematic", sweeps=500, replicas=4, seed=1)
    seen = set(states_to_codes(run.states).reshape(-1).tolist())
    assert seen == set(range(16))
