"""Event-driven engine: physics against exact references on tiny systems, timing facts, determinism.

Exact references used here:

- the Boltzmann law (enumeration, :func:`pbitsim.analysis.exact.exact_law`);
- the synchronous (all-at-once) law of Peretto, ``pi(m) ∝ exp(beta h.m) prod_i cosh(beta I_i(m))``;
- the exact law of a *periodic* clocked schedule with fixed update times and
  read delays (static skew included), from the Markov chain over a window of
  recent update outcomes (:func:`periodic_schedule_law`, a slow naive oracle);
- the exact stationary law of Poisson p-bits with an output response time
  (zero synapse delay), from the continuous-time Markov chain over (state, output).

Every comparison uses replica-to-replica error bars: per-state frequencies are
compared with the reference through z-scores, and a KL divergence with its
noise floor ``sum_s var(p_hat_s) / (2 p_s)``.
"""
import textwrap

import numpy as np
import pytest
from scipy import linalg

from pbitsim.chip.spec import load_chip
from pbitsim.engines import event as event_engine
from pbitsim.engines.schedule import make_schedule
from pbitsim.engines.options import EngineOptions, EventOptions
from pbitsim.errors import PbitsimError
from pbitsim.analysis.exact import codes_to_states, exact_law, kl_divergence, states_to_codes
from pbitsim.models import IsingModel
from pbitsim.compiler.pipeline import place_model
from pbitsim.simulate import simulate
from pbitsim.testing.conformance import assert_engine_conforms, assert_samples_consistent, assert_seed_reproducible
from pbitsim.engines.timing import timing_from_program
from pbitsim.topologies import chimera_graph

# A small frustrated instance (the triangle 0-1-2 is frustrated), with fields.
J4 = np.array([[0, 1.0, -1.0, 0.5], [1.0, 0, 1.0, -0.7], [-1.0, 1.0, 0, 0.8], [0.5, -0.7, 0.8, 0]])
H4 = np.array([0.2, -0.1, 0.3, 0.0])
FRUSTRATED = IsingModel.from_dense(J4, H4)
# A 4-ring (bipartite: 2 colours) with fields, coupled strongly enough that stale reads show.
RING = IsingModel.from_edges([0, 1, 2, 0], [1, 2, 3, 3], [1.0, -0.8, 1.2, 0.7], [0.3, -0.2, 0.1, 0.25])


def chip(**params):
    """The ideal chip with overrides, e.g. chip(**{"clock.mode": "clocked"})."""
    return load_chip("ideal").with_params(params)


def async_chip(**timing):
    return chip(**{"clock.mode": "asynchronous", **{f"timing.{k}": v for k, v in timing.items()}})


def clocked_chip(**params):
    base = {"clock.mode": "clocked", "clock.frequency_mhz": 1000.0}  # one colour phase = 1 ns
    base.update(params)
    return chip(**base)


def state_frequencies(states, n):
    """Per-replica histograms over the 2^n state codes: (replicas, 2^n)."""
    codes = states_to_codes(states)
    return np.stack([np.bincount(c, minlength=1 << n) / c.size for c in codes])


def law_check(states, probs):
    """(max |z| over states, KL(pooled || probs), KL noise floor) with replica error bars."""
    R = states.shape[0]
    n = states.shape[-1]
    freq = state_frequencies(states, n)
    mean = freq.mean(axis=0)
    n_total = states.shape[0] * states.shape[1]
    var = np.maximum(freq.var(axis=0, ddof=1) / R, probs * (1 - probs) / n_total)
    z = np.abs(mean - probs) / np.sqrt(var)
    floor = float(np.sum(var / (2 * np.maximum(probs, 1e-300))))
    return float(z.max()), kl_divergence(mean, probs), floor


def assert_law(states, probs, z_max=5.0):
    z, kl, floor = law_check(states, probs)
    assert z < z_max, f"max z = {z:.2f} (KL {kl:.3g}, noise floor {floor:.3g})"
    assert kl < 6 * floor + 1e-12, f"KL {kl:.3g} above 6x its noise floor {floor:.3g}"


def assert_law_would_reject(states, probs, z_max=5.0):
    """Power: the acceptance test of :func:`assert_law` fails, on both counts, against the wrong law."""
    z, kl, floor = law_check(states, probs)
    assert z >= z_max and kl >= 6 * floor + 1e-12, f"wrong law accepted: max z = {z:.2f}, KL {kl:.3g} (floor {floor:.3g})"


def assert_not_law(states, probs, z_min=8.0):
    z, kl, floor = law_check(states, probs)
    assert z > z_min and kl > 20 * floor, f"no measurable error: max z = {z:.2f}, KL {kl:.3g} (floor {floor:.3g})"


def synchronous_law(model, beta=1.0):
    """Peretto's stationary law of all-at-once heat-bath updates (symmetric J, zero diagonal)."""
    states = codes_to_states(np.arange(1 << model.n), model.n).astype(np.float64)
    fields = model.local_fields(states)
    logw = beta * states @ model.h + np.sum(np.log(np.cosh(beta * fields)), axis=1)
    w = np.exp(logw - logw.max())
    return w / w.sum()


def periodic_schedule_law(J, h, beta, phase, period, delay):
    """Exact law of the state sampled at t = k * period (left limit) under a fixed periodic schedule.

    P-bit ``i`` updates at ``phase[i] + k * period``, reading ``j`` as it was
    just before ``t - delay[i, j]``.  The update outcomes form a Markov chain
    over a window of the last ``W`` outcomes; the window law at the start of a
    period is the fixed point of the product of the ``n`` per-event transition
    maps, found by power iteration.
    """
    n = len(h)
    ph = np.mod(phase, period)
    order = np.argsort(ph, kind="stable")
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    lookbacks = []  # per position: [(j, L)] with L >= 1 events back
    for p_, i in enumerate(order):
        t_e = ph[i]
        row = []
        for j in np.flatnonzero(J[i]):
            k = np.ceil((t_e - delay[i, j] - ph[j]) / period) - 1  # last period with ph[j] + k P < t_e - d
            while ph[j] + (k + 1) * period < t_e - delay[i, j]:
                k += 1
            while ph[j] + k * period >= t_e - delay[i, j]:
                k -= 1
            L = p_ - (int(k) * n + pos[j])
            assert L >= 1
            row.append((j, L))
        lookbacks.append(row)
    W = max([n] + [L for row in lookbacks for _, L in row])
    codes = np.arange(1 << W)
    mask = (1 << W) - 1
    maps = []
    for p_, i in enumerate(order):
        field = np.full(codes.shape, h[i], dtype=np.float64)
        for j, L in lookbacks[p_]:
            field += J[i, j] * (2.0 * ((codes >> (L - 1)) & 1) - 1.0)
        maps.append(((codes << 1) & mask, ((codes << 1) | 1) & mask, 0.5 * (1 + np.tanh(beta * field))))
    v = np.full(1 << W, 1.0 / (1 << W))
    for _ in range(20000):
        w = v
        for down, up, p_up in maps:
            w = (np.bincount(up, weights=w * p_up, minlength=1 << W)
                 + np.bincount(down, weights=w * (1 - p_up), minlength=1 << W))
        done = np.abs(w - v).max() < 1e-14
        v = w
        if done:
            break
    # at t = kP every p-bit's latest update is within the last n events: p-bit order[p] is n - p back
    state_code = np.zeros(codes.shape, dtype=np.int64)
    for p_, i in enumerate(order):
        state_code |= ((codes >> (n - p_ - 1)) & 1) << i
    return np.bincount(state_code, weights=v, minlength=1 << n)


def lagged_output_law(model, tau, tau_r, beta=1.0):
    """Exact law of the states of Poisson p-bits (rate 1/tau) whose outputs lag with response time tau_r.

    CTMC over (m, y) in {±1}^2n; returns the marginal law of m over the 2^n codes.
    """
    n = model.n
    Jd = model.dense()
    N = 1 << (2 * n)
    Q = np.zeros((N, N))
    for code in range(N):
        m = 2 * ((code >> np.arange(n)) & 1) - 1
        y = 2 * ((code >> (n + np.arange(n))) & 1) - 1
        for i in range(n):
            p_up = 0.5 * (1 + np.tanh(beta * (model.h[i] + Jd[i] @ y)))
            rate = (p_up if m[i] < 0 else 1 - p_up) / tau
            Q[code, code ^ (1 << i)] += rate
            if y[i] != m[i]:
                Q[code, code ^ (1 << (n + i))] += 1.0 / tau_r
    Q -= np.diag(Q.sum(axis=1))
    pi = linalg.null_space(Q.T)[:, 0]
    pi = pi / pi.sum()
    return np.bincount(np.arange(N) & ((1 << n) - 1), weights=pi, minlength=1 << n)


def run(model, chip_spec, *, sweeps=4000, thin=1, replicas=32, seed=1, burn_in=20, **kw):
    return simulate(model, chip_spec, sweeps=sweeps, thin=thin, burn_in=burn_in, replicas=replicas,
                    seed=seed, **kw)


# --------------------------------------------------------------------------- Boltzmann law


def chimera_cell():
    """One Chimera unit cell (K4,4), uniform(-1, 1) couplings, small fields (as in the conformance suite)."""
    rng = np.random.default_rng(13)
    r, c = np.array(sorted(chimera_graph(1).edges())).T
    return IsingModel.from_edges(r, c, rng.uniform(-1.0, 1.0, r.size), rng.normal(0.0, 0.3, 8))


@pytest.mark.parametrize("name, spec", [
    ("asynchronous", {"clock.mode": "asynchronous"}),
    ("asynchronous_device_spread", {"clock.mode": "asynchronous", "timing.neuron_time_sigma": 0.3}),
    ("clocked_within_margin", {"clock.mode": "clocked", "timing.synapse_delay_ns": 0.4, "clock.skew_ps": 20.0,
                               "clock.jitter_ps": 10.0}),
])
def test_shared_conformance_suite(name, spec):
    """The engine conformance suite of pbitsim.testing.conformance (exact law, power check, seeds) on ideal timing."""
    def run_(m, s):
        return simulate(m, chip(**spec), sweeps=2000, burn_in=200, replicas=32, seed=s)

    assert_engine_conforms(run_, chimera_cell(), seed=7)
    assert_seed_reproducible(lambda m, s: simulate(m, chip(**spec), sweeps=20, replicas=2, seed=s), chimera_cell())


@pytest.mark.parametrize("timing, queue", [({}, "auto"), ({"neuron_time_sigma": 0.5}, "auto"),
                                           ({"neuron_time_sigma": 0.5}, "heap")],
                         ids=["uniformization", "alias", "heap"])
def test_poisson_pbits_without_delay_sample_boltzmann(timing, queue):
    program = place_model(FRUSTRATED, async_chip(**timing))
    schedule = make_schedule(4000, burn_in=20, thin=1, replicas=32, seed=3)
    s = event_engine.run(program, schedule, EngineOptions(event=EventOptions(queue=queue)))
    law = exact_law(FRUSTRATED)
    assert_law(s.states, law.probs)
    assert_law_would_reject(s.states, exact_law(FRUSTRATED, 1.1).probs)  # the check sees beta * 1.1
    pooled = s.states.reshape(-1, 4).astype(np.float64)
    means = s.states.mean(axis=1)  # (replicas, n)
    err = means.std(axis=0, ddof=1) / np.sqrt(s.n_replicas)
    assert np.all(np.abs(pooled.mean(0) - law.means) < 5 * err)
    corr = np.einsum("rsi,rsj->rij", s.states.astype(np.float64), s.states) / s.n_samples
    cerr = corr.std(axis=0, ddof=1) / np.sqrt(s.n_replicas) + 1e-12
    assert np.all(np.abs(corr.mean(0) - law.correlations) < 5 * cerr + 1e-9)
    # dwell-time-weighted time average of the energy agrees with the exact mean energy
    e, de = s.info["time_avg_energy"], s.info["time_avg_energy_stderr"]
    assert abs(e - law.mean_energy) < 5 * de


def test_kl_from_boltzmann_grows_with_delay_over_neuron_time():
    law = exact_law(FRUSTRATED)
    ratios = [0.0, 0.25, 1.0, 2.0]
    kls, errs = [], []
    for ratio in ratios:
        s = run(FRUSTRATED, async_chip(synapse_delay_ns=ratio), sweeps=3000, thin=2, replicas=32)
        freq = state_frequencies(s.states, 4)
        kl = kl_divergence(freq.mean(0), law.probs)
        jack = [kl_divergence(np.delete(freq, r, axis=0).mean(0), law.probs) for r in range(freq.shape[0])]
        kls.append(kl)
        errs.append(np.sqrt((len(jack) - 1) * np.var(jack)))
    _, _, floor = law_check(run(FRUSTRATED, async_chip(), sweeps=3000, thin=2, replicas=32).states, law.probs)
    assert kls[0] < 6 * floor
    for a in range(len(ratios) - 1):
        gap = kls[a + 1] - kls[a]
        assert gap > 4 * np.hypot(errs[a], errs[a + 1]), (ratios, kls, errs)


def test_ideal_clocked_timing_reproduces_the_chromatic_law():
    law = exact_law(FRUSTRATED)
    ev = run(FRUSTRATED, clocked_chip())
    assert ev.info["reads"] == "cached fields"
    assert_law(ev.states, law.probs)
    assert_law_would_reject(ev.states, exact_law(FRUSTRATED, 1.1).probs)  # the check sees beta * 1.1
    ch = simulate(FRUSTRATED, "ideal", sweeps=4000, burn_in=20, replicas=32, seed=2)
    # same law as the chromatic engine: per-state frequencies agree within the joint error bars
    fe, fc = state_frequencies(ev.states, 4), state_frequencies(ch.states, 4)
    se = np.sqrt(fe.var(0, ddof=1) / fe.shape[0] + fc.var(0, ddof=1) / fc.shape[0]) + 1e-9
    assert np.all(np.abs(fe.mean(0) - fc.mean(0)) < 5 * se)


# --------------------------------------------------------------------------- clocks: skew, jitter


def _oracle_for(program, timing):
    n = program.n_physical
    indptr, indices, _ = program.physical.csr()
    D = np.zeros((n, n))
    for i in range(n):
        D[i, indices[indptr[i]:indptr[i + 1]]] = timing.delay_ns[indptr[i]:indptr[i + 1]]
    return periodic_schedule_law(program.physical.dense(), program.physical.h, 1.0, timing.phase_ns,
                                 timing.period_ns, D)


def test_periodic_oracle_reduces_to_boltzmann_for_fresh_colour_phases():
    program = place_model(FRUSTRATED, clocked_chip(**{"timing.synapse_delay_ns": 0.5}))
    np.testing.assert_allclose(_oracle_for(program, timing_from_program(program)),
                               exact_law(FRUSTRATED).probs, atol=1e-10)


@pytest.mark.parametrize("skew_ps, exact", [(40.0, True), (1500.0, False)])
def test_clock_skew(skew_ps, exact):
    """Static skew below the timing margin (phase 1 ns - delay 0.5 ns) keeps every read fresh: exact.

    Skew that lets neighbouring colours overlap makes some reads stale: the sampled law is then the
    exact law of that skewed schedule (oracle), measurably different from Boltzmann.
    """
    spec = clocked_chip(**{"clock.skew_ps": skew_ps, "timing.synapse_delay_ns": 0.5, "pbit.variation_seed": 4})
    program = place_model(RING, spec)
    timing = timing_from_program(program)
    oracle = _oracle_for(program, timing)
    boltzmann = exact_law(RING).probs
    s = run(program, None, sweeps=3000)
    assert_law(s.states, oracle)
    if exact:
        np.testing.assert_allclose(oracle, boltzmann, atol=1e-10)
    else:
        assert kl_divergence(oracle, boltzmann) > 0.01
        assert_not_law(s.states, boltzmann)


@pytest.mark.parametrize("jitter_ps, exact", [(40.0, True), (600.0, False)])
def test_clock_jitter(jitter_ps, exact):
    spec = clocked_chip(**{"clock.jitter_ps": jitter_ps, "timing.synapse_delay_ns": 0.5})
    s = run(RING, spec, sweeps=3000)
    if exact:
        assert_law(s.states, exact_law(RING).probs)
    else:
        assert_not_law(s.states, exact_law(RING).probs)


# --------------------------------------------------------------------------- stale reads (DESIGN timing facts)


def test_ferromagnetic_pair_read_two_ticks_stale_decouples():
    """beta J = 1: fresh reads agree with probability e/(e + 1/e) = 0.8808; stale reads 0.5."""
    pair = IsingModel.from_dense(np.array([[0, 1.0], [1.0, 0]]), np.zeros(2))
    fresh = np.exp(1) / (np.exp(1) + np.exp(-1))
    for delay, expected in ((0.5, fresh), (1.5, 0.5)):
        s = run(pair, clocked_chip(**{"timing.synapse_delay_ns": delay}), sweeps=4000, replicas=32)
        agree = (s.states[..., 0] == s.states[..., 1]).mean(axis=1)
        err = agree.std(ddof=1) / np.sqrt(agree.size)
        assert abs(agree.mean() - expected) < 5 * err, (delay, agree.mean(), expected)
    assert abs(fresh - 0.8808) < 1e-4


def test_uniform_read_delay_gives_the_synchronous_law():
    """Bipartite chip (2 colours), every read one phase + 0.5 late: the synchronous (Peretto) law.

    For a bipartite model that law is the product of the two sides' marginals; the oracle agrees.
    """
    program = place_model(RING, clocked_chip(**{"timing.synapse_delay_ns": 1.5}))
    assert program.colouring.n_colours == 2
    sync = synchronous_law(RING)
    np.testing.assert_allclose(_oracle_for(program, timing_from_program(program)), sync, atol=1e-10)
    s = run(program, None, sweeps=3000)
    assert_law(s.states, sync)
    assert_not_law(s.states, exact_law(RING).probs)


def test_simultaneous_updates_read_old_values_synchronous_law():
    """All p-bits on one clock edge (hand-made phases) read each other's old values: Peretto law."""
    program = place_model(FRUSTRATED, clocked_chip())
    timing = timing_from_program(program).replace(phase_ns=np.full(4, 0.5))
    s = run(program, None, sweeps=3000, timing=timing)
    assert_law(s.states, synchronous_law(FRUSTRATED))


def test_output_response_time_matches_the_lagged_ctmc():
    tau, tau_r = 1.0, 0.4
    law = lagged_output_law(FRUSTRATED, tau, tau_r)
    s = run(FRUSTRATED, async_chip(neuron_time_ns=tau, response_time_ns=tau_r), sweeps=3000, thin=2)
    assert_law(s.states, law)
    assert_not_law(s.states, exact_law(FRUSTRATED).probs)


def test_dwell_time_weighting():
    """The sequence of visited states is distributed as pi(s) q(s) (q = exit rate), not pi(s)."""
    law = exact_law(FRUSTRATED)
    s = run(FRUSTRATED, async_chip(), sweeps=3000, replicas=16, record_flips=True, store_states=False)
    log = s.info["flip_log"]
    codes_all = np.arange(16)
    states = codes_to_states(codes_all, 4).astype(np.float64)
    fields = FRUSTRATED.local_fields(states)
    q = np.sum(0.5 * (1 - states * np.tanh(fields)), axis=1)  # exit rate, neuron time 1 ns
    jump_law = law.probs * q / np.sum(law.probs * q)
    visited_means = []
    for r in range(s.n_replicas):
        t, i, v = log.replica(r)
        state = log.initial[r].copy()
        code = int(states_to_codes(state))
        codes = np.empty(t.size, dtype=np.int64)
        for k in range(t.size):  # replay the log
            code = code | (1 << i[k]) if v[k] > 0 else code & ~(1 << i[k])
            codes[k] = code
        visited_means.append(law.energies[codes[t > s.info["burn_in_ns"]]].mean())
    visited = np.mean(visited_means)
    err = np.std(visited_means, ddof=1) / np.sqrt(len(visited_means))
    assert abs(visited - jump_law @ law.energies) < 5 * err
    assert abs(visited - law.mean_energy) > 10 * err  # the unweighted average is wrong ...
    e, de = s.info["time_avg_energy"], s.info["time_avg_energy_stderr"]
    assert abs(e - law.mean_energy) < 5 * de  # ... the dwell-time-weighted one is right


# --------------------------------------------------------------------------- mechanics


def test_flip_log_replays_the_sampled_states():
    s = run(FRUSTRATED, async_chip(synapse_delay_ns=0.3), sweeps=50, replicas=3, record_flips=True)
    log = s.info["flip_log"]
    ticks = s.info["burn_in_ns"] + s.info["sample_period_ns"] * np.arange(1, s.n_samples + 1)
    for r in range(3):
        t, i, v = log.replica(r)
        state = log.initial[r].copy()
        k = 0
        for tick, expected in zip(ticks, s.states[r]):
            while k < t.size and t[k] < tick:
                state[i[k]] = v[k]
                k += 1
            np.testing.assert_array_equal(state, expected)
    np.testing.assert_allclose(s.energies, FRUSTRATED.energy(s.states), atol=1e-9)


def test_moments_and_unstored_states():
    spec = async_chip(synapse_delay_ns=0.2)
    a = run(FRUSTRATED, spec, sweeps=100, replicas=3, moments=True)
    b = run(FRUSTRATED, spec, sweeps=100, replicas=3, store_states=False)
    assert b.states is None and b.mean_m is None
    np.testing.assert_array_equal(a.energies, b.energies)
    assert_samples_consistent(a, FRUSTRATED, replicas=3, n_samples=100)
    np.testing.assert_allclose(a.mean_m, a.states.mean(axis=1))
    u, v = a.edges
    np.testing.assert_allclose(a.mean_mm, (a.states[:, :, u] * a.states[:, :, v]).mean(axis=1))


def test_buffers_grow_without_changing_the_trajectory():
    """Tiny ring buffers / FIFO overflow, the engine reruns with larger ones: identical results."""
    spec = async_chip(synapse_delay_ns=3.0, synapse_delay_sigma_ns=1.0)
    program = place_model(FRUSTRATED, spec)
    schedule = make_schedule(200, replicas=4, seed=5)
    big = event_engine.run(program, schedule)
    small = event_engine.run(program, schedule, EngineOptions(event=EventOptions(hist_size=2)))
    np.testing.assert_array_equal(big.states, small.states)
    assert big.info["reads"].startswith("history")
    fifo = place_model(FRUSTRATED, async_chip(synapse_delay_ns=3.0))
    a = event_engine.run(fifo, schedule)
    b = event_engine.run(fifo, schedule, EngineOptions(event=EventOptions(fifo_size=1)))
    np.testing.assert_array_equal(a.states, b.states)


@pytest.mark.parametrize("timing", [{"synapse_delay_ns": 0.7}, {"synapse_delay_ns": 0.2, "response_time_ns": 0.3}])
def test_fifo_and_history_reads_agree_exactly(timing):
    """Uniform delays through the FIFO and through the ring buffers give the same trajectory."""
    program = place_model(FRUSTRATED, async_chip(**timing))
    timing = timing_from_program(program)
    schedule = make_schedule(300, replicas=4, seed=9)
    fifo = event_engine.run(program, schedule, EngineOptions(event=EventOptions(timing=timing)))
    hist = event_engine.run(program, schedule, EngineOptions(event=EventOptions(timing=timing, reads="history")))
    assert fifo.info["reads"].startswith("delayed") and hist.info["reads"].startswith("history")
    np.testing.assert_array_equal(fifo.states, hist.states)


def test_static_clock_schedule_equals_the_heap():
    """Without jitter the replayed period and the heap order the same updates: identical trajectories."""
    program = place_model(FRUSTRATED, clocked_chip(**{"clock.skew_ps": 700.0, "timing.synapse_delay_ns": 0.6}))
    schedule = make_schedule(300, replicas=3, seed=4)
    static = event_engine.run(program, schedule)
    heap = event_engine.run(program, schedule, EngineOptions(event=EventOptions(queue="heap")))
    assert static.info["event_source"] == "static clock schedule" and heap.info["event_source"] == "heap"
    np.testing.assert_array_equal(static.states, heap.states)


def test_same_seed_same_output_on_one_and_two_threads(thread_outputs):
    code = textwrap.dedent("""
        import hashlib, numpy as np
        from pbitsim.chip.spec import load_chip
        from pbitsim.models import IsingModel
        from pbitsim.simulate import simulate
        J = np.array([[0, 1.0, -1.0, 0.5], [1.0, 0, 1.0, -0.7], [-1.0, 1.0, 0, 0.8], [0.5, -0.7, 0.8, 0]])
        chip = load_chip("ideal").with_params({"clock.mode": "asynchronous", "timing.synapse_delay_ns": 0.3,
                                               "timing.response_time_ns": 0.2, "timing.neuron_time_sigma": 0.3})
        s = simulate(IsingModel.from_dense(J, np.zeros(4)), chip, sweeps=200, replicas=7, seed=42)
        print(hashlib.sha256(s.states.tobytes() + s.energies.tobytes()).hexdigest(), s.info["flips"])
    """)
    out = thread_outputs(code)
    assert out[0] == out[1]


def test_sweeps_mean_neuron_times_and_clock_periods():
    s = run(FRUSTRATED, async_chip(neuron_time_ns=2.5), sweeps=40, thin=4, burn_in=8, replicas=2)
    assert s.info["sample_period_ns"] == 10.0 and s.info["burn_in_ns"] == 20.0
    assert s.timing.simulated_ns == 20.0 + 100.0 and s.n_samples == 10
    c = run(FRUSTRATED, clocked_chip(**{"clock.frequency_mhz": 500.0}), sweeps=10, burn_in=0, replicas=1)
    n_colours = place_model(FRUSTRATED, "ideal").colouring.n_colours
    assert c.info["sample_period_ns"] == pytest.approx(2.0 * n_colours)
    d = run(FRUSTRATED, async_chip(), sweeps=1, replicas=1, duration_ns=50.0, sample_period_ns=0.5)
    assert d.n_samples == 100


def test_timing_draws_are_device_properties():
    """Lognormal neuron times with the requested mean and spread, delays clipped at 0, skew in ps; one
    draw per chip (variation_seed), independent sub-streams."""
    from pbitsim.spin_glass import random_spin_glass
    from pbitsim.topologies import lattice_graph

    model = random_spin_glass(lattice_graph((40, 50)), 0)
    spec = chip(**{"clock.mode": "asynchronous", "timing.neuron_time_ns": 2.0, "timing.neuron_time_sigma": 0.3,
                   "timing.synapse_delay_ns": 0.1, "timing.synapse_delay_sigma_ns": 0.1, "clock.skew_ps": 50.0})
    t = timing_from_program(place_model(model, spec))
    tau = t.neuron_time_ns
    assert abs(tau.mean() - 2.0) < 5 * 0.6 / np.sqrt(tau.size) and abs(tau.std() / 2.0 - 0.3) < 0.02
    assert t.delay_ns.min() == 0.0 and abs(np.mean(t.delay_ns == 0.0) - 0.1587) < 0.02  # P(z < -1)
    skew = t.phase_ns - (place_model(model, spec).colouring.colours + 0.5) * 1.0  # 1 GHz: 1 ns cycles
    assert abs(skew.std() - 0.05) < 0.005
    again = timing_from_program(place_model(model, spec.with_params({"timing.neuron_time_sigma": 0.1})))
    np.testing.assert_array_equal(again.delay_ns, t.delay_ns)  # other spreads are not redrawn
    other = timing_from_program(place_model(model, spec.with_params({"pbit.variation_seed": 1})))
    assert not np.array_equal(other.delay_ns, t.delay_ns)


def test_cli_runs_the_shipped_asynchronous_chip(capsys):
    from pbitsim.cli import main

    assert main(["run", "smtj-async", "--sweeps", "50", "--burn-in", "5"]) == 0
    out = capsys.readouterr().out
    assert "chip time" in out and "smtj-async" in out


def test_bad_input_is_reported():
    with pytest.raises(PbitsimError, match="sample_period_ns"):
        run(FRUSTRATED, async_chip(), sweeps=10, sample_period_ns=-1.0)
    with pytest.raises(PbitsimError, match="shortcut"):
        event_engine.run(place_model(FRUSTRATED, clocked_chip(**{"clock.jitter_ps": 5.0})), make_schedule(10, seed=1),
                         EngineOptions(event=EventOptions(queue="shortcut")))
    with pytest.raises(PbitsimError, match="delay_ns"):
        program = place_model(FRUSTRATED, async_chip())
        timing_from_program(program).replace(delay_ns=-np.ones(program.physical.J.nnz))
