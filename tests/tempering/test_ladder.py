"""Ladders: validation errors, geometric, files, adaptive densities and rung counts (pbitsim/tempering/ladder.py)."""
import json

import numpy as np
import pytest

from pbitsim.errors import PbitsimError
from pbitsim.tempering import ladder as L


@pytest.mark.parametrize("betas, words", [
    ([1.0], "at least 2 rungs"),
    ([], "at least 2 rungs"),
    ([0.5, 0.2, 0.9], "strictly monotone; rungs 1 and 2"),
    ([0.5, 0.5, 0.9], "strictly monotone; rungs 0 and 1"),
    ([0.0, 0.5], "rung 0 is 0.0"),
    ([-0.1, 0.5], "> 0"),
    ([0.1, np.nan], "finite"),
    ([[0.1, 0.2]], "1-D"),
    (["a", "b"], "list of numbers"),
])
def test_bad_ladders_get_clear_errors(betas, words):
    with pytest.raises(PbitsimError, match="betas") as e:
        L.check_betas(betas)
    assert words in str(e.value)


def test_decreasing_ladder_is_reversed_and_geometric_has_constant_ratio():
    assert L.check_betas([1.0, 0.5, 0.1]).tolist() == [0.1, 0.5, 1.0]
    lad = L.geometric(0.1, 1.0, 5)
    r = lad.betas[1:] / lad.betas[:-1]
    assert np.allclose(r, r[0]) and lad.betas[0] == 0.1 and np.isclose(lad.betas[-1], 1.0)
    with pytest.raises(PbitsimError, match="n_rungs >= 2"):
        L.geometric(0.1, 1.0, 1)


def test_ladder_file_round_trip_and_bad_files(tmp_path):
    lad = L.geometric(0.2, 2.0, 6)
    p = tmp_path / "lad.json"
    lad.save(p)
    back = L.Ladder.load(p)
    assert np.array_equal(back.betas, lad.betas) and back.kind == "geometric"
    assert np.array_equal(L.as_ladder(str(p)).betas, lad.betas)
    (tmp_path / "list.json").write_text("[0.3, 0.6, 0.9]")
    assert L.Ladder.load(tmp_path / "list.json").n_rungs == 3
    (tmp_path / "bad.json").write_text(json.dumps({"betas": [0.3, 0.2, 0.9]}))
    with pytest.raises(PbitsimError, match=r"bad.json: key 'betas': a ladder must be strictly monotone"):
        L.Ladder.load(tmp_path / "bad.json")
    with pytest.raises(PbitsimError, match="cannot read a ladder"):
        L.Ladder.load(tmp_path / "missing.json")
    (tmp_path / "nokey.json").write_text("{}")
    with pytest.raises(PbitsimError, match="needs a 'betas' list"):
        L.Ladder.load(tmp_path / "nokey.json")


def chain_thermo(betas, n_bonds=20):
    """Exact U and C of an open Ising chain (J = 1): bonds are independent, U = -n tanh b, C = n b^2 sech^2 b."""
    b = np.asarray(betas)
    return L.Thermodynamics(b, -n_bonds * np.tanh(b), n_bonds * b ** 2 / np.cosh(b) ** 2)


def test_constant_acceptance_ladder_equalises_predicted_acceptance():
    th = chain_thermo(np.linspace(0.05, 3.0, 400))
    lad = L.adaptive("constant_acceptance", th, 12)
    acc = L.predicted_acceptance(th, lad.betas)
    geo = L.predicted_acceptance(th, L.geometric(0.05, 3.0, 12).betas)
    assert acc.std() / acc.mean() < 0.05          # equal steps of dbeta * sigma
    assert geo.std() / geo.mean() > 0.2           # the geometric ladder is uneven here
    assert acc.min() > geo.min()


def test_rungs_needed_counts_and_the_closed_form():
    th = chain_thermo(np.linspace(0.05, 3.0, 400))
    n_ca = L.rungs_needed("constant_acceptance", th, 0.5)
    n_geo = L.rungs_needed("geometric", th, 0.5)
    assert n_ca < n_geo                            # uneven C: the uniform schedule wastes rungs
    assert abs(n_ca - L.constant_acceptance_estimate(th, 0.5)) <= 1.5
    assert L.rungs_needed("constant_acceptance", th, 0.8) > n_ca   # higher target: more rungs
    assert np.all(L.predicted_acceptance(th, L.adaptive("constant_acceptance", th, n_ca).betas) >= 0.5 - 1e-9)
    with pytest.raises(PbitsimError, match="target acceptance"):
        L.rungs_needed("geometric", th, 1.5)
    with pytest.raises(PbitsimError, match="unknown ladder kind"):
        L.rungs_needed("linear", th, 0.5)


def test_feedback_ladder_keeps_a_ladder_with_linear_flow_and_moves_rungs_to_the_bottleneck():
    th = chain_thermo(np.linspace(0.1, 2.0, 50))
    b = L.geometric(0.1, 2.0, 9).betas
    same = L.adaptive("feedback", th, 9, flow=(b, np.linspace(0, 1, 9)))
    assert np.allclose(same.betas, b, rtol=2e-3)
    f = np.where(np.arange(9) < 4, 0.02 * np.arange(9), 0.9 + 0.02 * np.arange(9))  # a drop between rungs 3, 4
    moved = L.adaptive("feedback", th, 9, flow=(b, f))
    inside = np.sum((moved.betas > b[3]) & (moved.betas < b[4]))
    assert inside >= 3                              # rungs pulled into the bottleneck
    with pytest.raises(PbitsimError, match="replica flow"):
        L.adaptive("feedback", th, 9)
