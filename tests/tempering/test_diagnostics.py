"""Ladder diagnostics where the answer is known: an open 1D Ising chain, hand-made label histories
(pbitsim/tempering/diagnostics.py)."""
import numpy as np
from scipy.stats import binom

from pbitsim import IsingModel
from pbitsim.tempering import temper
from pbitsim.tempering.diagnostics import replica_flow, round_trips

N_SPINS = 10
BETAS = np.array([0.2, 0.45, 0.7, 1.0])


def chain():
    n = N_SPINS
    return IsingModel.from_edges(np.arange(n - 1), np.arange(1, n), np.ones(n - 1), np.zeros(n))


def exact_chain(betas, n_bonds=N_SPINS - 1):
    """Exact C(beta) and pair acceptances of the open chain (J = 1): each bond is unsatisfied independently
    with q = 1 / (1 + e^{2 beta}), E = -n_bonds + 2 B, B ~ Binomial(n_bonds, q)."""
    b = np.asarray(betas)
    C = n_bonds * b ** 2 / np.cosh(b) ** 2
    k = np.arange(n_bonds + 1)
    E = -n_bonds + 2.0 * k
    laws = [binom.pmf(k, n_bonds, 1.0 / (1.0 + np.exp(2 * x))) for x in b]
    acc = []
    for i in range(b.size - 1):
        d = (b[i + 1] - b[i]) * (E[None, :] - E[:, None])
        acc.append(laws[i] @ np.minimum(1.0, np.exp(np.minimum(d, 0))) @ laws[i + 1])
    return C, np.array(acc)


def test_chain_heat_capacity_acceptance_flow_and_times_match_the_exact_answers():
    C, acc = exact_chain(BETAS)
    X = 24
    r = temper(chain(), "ideal", betas=BETAS, sweeps=1500, burn_in=50, chains=X, seed=11)
    d = r.diagnostics
    # C(beta) = beta^2 Var E: error bar from the spread over independent chains
    per_chain = BETAS ** 2 * r.energies.var(axis=1)                     # (X, K)
    se = per_chain.std(axis=0, ddof=1) / np.sqrt(X)
    z = (d.heat_capacity - C) / se
    assert np.all(np.abs(z) < 5), (d.heat_capacity, C, z)
    # power: C of a chain at beta * 1.2 is rejected
    C_wrong, _ = exact_chain(BETAS * 1.2)
    assert np.max(np.abs((d.heat_capacity - C_wrong) / se)) > 5
    # acceptance: measured, and the mean acceptance probability, against the exact expectation
    counts = r.swap_counts
    p = counts[1] / counts[0]
    se_acc = np.sqrt(acc * (1 - acc) / counts[0]) * 3                     # x3: correlated proposals
    assert np.all(np.abs(p - acc) < 5 * se_acc), (p, acc)
    assert np.all(np.abs(d.acceptance_expected - acc) < 0.01)
    # replica flow runs from 0 (hottest) to 1 (coldest), monotone; round trips happen; tau finite and >= ~1
    assert d.flow[0] == 0.0 and d.flow[-1] == 1.0 and np.all(np.diff(d.flow) > 0)
    assert d.round_trips > 100 and d.round_trip_sweeps > 2 * (BETAS.size - 1)
    assert np.all(d.tau_energy > 0.5) and np.all(np.isfinite(d.tau_gradient))


def test_round_trips_and_flow_on_a_hand_made_history():
    # one chain, 3 rungs; replica 0 walks 2 -> 1 -> 0 -> 1 -> 2 -> 1 -> 0 -> 1 -> 2 (two round trips from the
    # coldest rung, each of 4 rounds); the others fill the remaining rungs
    path0 = [2, 1, 0, 1, 2, 1, 0, 1, 2]
    labels = np.zeros((1, len(path0), 3), dtype=np.int32)
    for t, k in enumerate(path0):
        others = [j for j in range(3) if j != k]
        labels[0, t, k] = 0
        labels[0, t, others[0]] = 1 if t % 2 == 0 else 2
        labels[0, t, others[1]] = 2 if t % 2 == 0 else 1
    n, times = round_trips(labels[:, :, :], 3)
    # replica 0: two trips of 4 rounds; replicas 1 and 2 contribute their own (checked by the total)
    assert n >= 2 and list(times[:2]) == [4.0, 4.0]
    f = replica_flow(labels, 3)
    assert f[0] == 0.0 and f[2] == 1.0


def test_round_trip_counting_with_a_fixed_history():
    # two rungs, replicas swap every round: each replica alternates 0,1,0,1 -> trips cold->hot->cold of 2 rounds
    T = 9
    labels = np.array([[[t % 2, 1 - t % 2] for t in range(T)]], dtype=np.int32)
    n, times = round_trips(labels, 2)
    assert n == 3 + 4 and np.all(times == 2.0)    # replica 0 reaches the cold rung 4 times, replica 1 5 times
    assert np.allclose(replica_flow(labels, 2), [0.0, 1.0])
