"""Every rung of every engine path samples its exact law; every pair's swap acceptance is the exact one.

For each (engine, kernel path) of the registry (the conformance suite's programs,
:mod:`pbitsim.testing.engine_suite`), a 3-rung ladder is run with many independent chains; the rung
histograms (16 states) and the pair acceptances are compared with the exact law of the tempering chain
(:func:`pbitsim.tempering.exact.tempering_law`: for Boltzmann kernels the Boltzmann law at each rung's beta
and ``E[min(1, e^{dbeta dE})]``, checked against :func:`~pbitsim.tempering.exact.swap_acceptance`), with z-scores
from the spread over chains (independent).  Power: the same estimates reject the law of the ladder scaled by 1.3 (max z > 5 or chi^2 > dof + 6 sd).
"""
import numpy as np
import pytest

from pbitsim.analysis.exact import exact_law, states_to_codes
from pbitsim.tempering import temper
from pbitsim.tempering.exact import swap_acceptance, tempering_law
from pbitsim.testing.engine_suite import suite_cases

BETAS = np.array([0.35, 0.65, 1.0])
Z_MAX = 5.0
WRONG = 1.3  # the power check's ladder scale
CASES = suite_cases()


def law_mode(case):
    """The phase schedule of a case's kernel for the exact tempering law."""
    if case.schedule_mode:
        return case.schedule_mode
    return {"clocked": "chromatic"}.get(case.engine, case.engine)


def measured(result):
    """Per-chain state histograms (X, K, 16) and acceptances (X, K-1) of a 4-spin run."""
    codes = states_to_codes(result.states)                                  # (X, T, K)
    X, T, K = codes.shape
    hist = np.stack([[np.bincount(codes[x, :, k], minlength=16) / T for k in range(K)] for x in range(X)])
    return hist


def z_scores(hist, marg):
    mean = hist.mean(axis=0)
    se = hist.std(axis=0, ddof=1) / np.sqrt(hist.shape[0])
    keep = marg > 0.01
    return (mean - marg)[keep] / np.maximum(se[keep], 1e-4)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rungs_and_swaps_match_the_exact_tempering_law(case):
    event = case.runner.event_driven
    kernel = dict(case.options.__dict__).get("kernel", "auto")
    r = temper(case.program, betas=BETAS, sweeps=60 if event else 1500, burn_in=10, chains=48 if event else 24,
               seed=5, engine=case.engine, kernel=kernel, store_states=True)
    hist = measured(r)
    marg, acc = tempering_law(case.program, BETAS, mode=law_mode(case))
    z = z_scores(hist, marg)
    assert np.max(np.abs(z)) < Z_MAX, (case.id, r.engine, z)
    wrong, _ = tempering_law(case.program, BETAS * WRONG, mode=law_mode(case))
    zw = z_scores(hist, wrong)
    assert np.max(np.abs(zw)) > Z_MAX or np.sum(zw ** 2) > zw.size + 6 * np.sqrt(2 * zw.size)   # power
    # acceptance: mean acceptance probability of the proposals (per chain) against the exact expectation
    se = np.sqrt(acc * (1 - acc) / r.swap_counts[0]) * 4                    # x4: proposals are correlated
    assert np.all(np.abs(r.diagnostics.acceptance - acc) < Z_MAX * se), (r.diagnostics.acceptance, acc)
    if case.reference == "boltzmann":   # Boltzmann kernels: the law is Boltzmann and the acceptance the product formula
        phys = np.array([case.program.physical_beta(b) for b in BETAS])
        for k in range(3):
            assert np.allclose(marg[k], exact_law(case.program.physical, phys[k]).probs, atol=2e-5)
        assert np.allclose(acc, swap_acceptance(case.program.physical, phys), atol=2e-5)
