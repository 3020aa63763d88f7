"""law_test / tv_test accept samples of the law and reject a different law (they have power)."""
import numpy as np

from pbitsim.analysis.exact import codes_to_states, exact_law
from pbitsim.testing import law_test, random_ising, tv_test


def _iid_states(probs, n, R=16, S=4000, seed=0):
    rng = np.random.default_rng(seed)
    codes = rng.choice(probs.size, size=(R, S), p=probs)
    return codes_to_states(codes, n)


def test_accepts_its_own_law_and_rejects_another():
    model = random_ising(5, seed=3)
    law = exact_law(model, 1.0).probs
    other = exact_law(model, 1.3).probs
    states = _iid_states(law, 5)
    chi2, limit = law_test(states, law)
    assert chi2 < limit
    chi2_other, limit_other = law_test(states, other)
    assert chi2_other > 5 * limit_other
    tv, tol = tv_test(states, law)
    assert tv < tol
    tv_other, tol_other = tv_test(states, other)
    assert tv_other > 2 * tol_other
