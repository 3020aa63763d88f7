"""Scale choice and quantization of compiled programs: hand-checked numbers, grid, beta_factor, clipping."""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import chip_from_dict
from pbitsim.compiler.hardware import build_datapath
from pbitsim.errors import PbitsimError
from pbitsim.chip.fixed_point import FixedPoint
from pbitsim.compiler.quantize import choose_program_scale, format_target
from pbitsim.models import IsingModel

FIXED = {"format": "fixed", "total_bits": 6, "frac_bits": 1}   # s[4][1]: -16 .. 15.5 in steps of 0.5


def fixed_chip(topology, **extra):
    d = {"name": "fixed", "topology": topology, "weights": dict(FIXED), "bias": dict(FIXED),
         "accumulator": {"format": "fixed", "total_bits": 10, "frac_bits": 1},
         "clock": {"colouring": "smallest_last"}}
    d.update(extra)
    return chip_from_dict(d)


@pytest.fixture(scope="module", autouse=True)
def isolated_colouring_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PBITSIM_CACHE_DIR", str(tmp_path_factory.mktemp("pbitsim-cache")))
        yield


def hand_model():
    # path 0 - 1 - 2 (edges of a 2x2 king graph): J01 = 1.0, J12 = -0.3; h = (0.5, 0.2, 0)
    return IsingModel.from_edges([0, 1], [1, 2], [1.0, -0.3], [0.5, 0.2, 0.0], n=3)


def test_hand_checked_quantization_report():
    """s = min(15.5 / max|J|, 15.5 / max|h|) = min(15.5 / 1, 15.5 / 0.5) = 15.5.

    J: 15.5 -> 15.5, -4.65 -> -4.5 (error 0.15); h: 7.75 -> 8.0 (a tie at 15.5 lsb, to even),
    3.1 -> 3.0 (0.1), 0 -> 0.  RMS over 2 couplings and 3 fields, in chip units:
    sqrt((0.15^2 + 0.25^2 + 0.1^2) / 5) = sqrt(0.019); in logical units divide by 15.5.
    """
    p = ps.compile(hand_model(), fixed_chip({"kind": "king", "shape": [2, 2]}))
    r = p.report
    assert r["placement"] == "identity" and r["method"] == "direct"
    assert r["n_logical"] == r["n_physical"] == 3 and r["n_chip"] == 4
    assert r["scale"] == 15.5 and p.scale == 15.5 and p.beta_factor == 1 / 15.5
    np.testing.assert_array_equal(p.physical.dense(), [[0, 15.5, 0], [15.5, 0, -4.5], [0, -4.5, 0]])
    np.testing.assert_array_equal(p.physical.h, [8.0, 3.0, 0.0])
    assert r["max_abs_J_in"] == 1.0 and r["max_abs_J_out"] == 1.0 and r["max_abs_J_physical"] == 15.5
    assert r["max_abs_h_in"] == 0.5 and r["max_abs_h_out"] == pytest.approx(8.0 / 15.5)
    assert r["max_abs_h_physical"] == 8.0
    assert r["rms_error"] == pytest.approx(np.sqrt(0.019) / 15.5, rel=1e-12)
    assert r["rms_error_J"] == pytest.approx(np.sqrt(0.15 ** 2 / 2) / 15.5, rel=1e-12)
    assert r["rms_error_h"] == pytest.approx(np.sqrt((0.25 ** 2 + 0.1 ** 2) / 3) / 15.5, rel=1e-12)
    assert r["fraction_clipped"] == 0.0 and r["fraction_zeroed_J"] == 0.0
    assert r["chain_strength"] == 0.0 and r["n_chain_couplers"] == 0 and p.chain_strength == 0.0
    # beta_factor * physical ≈ logical to half an lsb / scale
    np.testing.assert_allclose(p.beta_factor * p.physical.dense(), p.logical.dense(), atol=0.25 / 15.5)
    np.testing.assert_allclose(p.beta_factor * p.physical.h, p.logical.h, atol=0.25 / 15.5)
    assert p.physical.offset == 15.5 * p.logical.offset


def test_percentile_clips_and_reports_the_fraction():
    # path couplings 1, 2, 3, 4 and no fields: the 50th percentile of |J| is 2.5 -> s = 15.5 / 2.5 = 6.2;
    # 3 * 6.2 = 18.6 and 4 * 6.2 = 24.8 saturate at 15.5: half the couplers clip
    m = IsingModel.from_edges([0, 1, 2, 3], [1, 2, 3, 4], [1.0, 2.0, 3.0, 4.0], n=5)
    p = ps.compile(m, fixed_chip({"kind": "lattice", "shape": [1, 5]}), percentile=50)
    r = p.report
    assert r["scale"] == pytest.approx(6.2) and r["percentile"] == 50.0
    u, v, vals = p.physical.edges()
    np.testing.assert_array_equal(vals, [6.0, 12.5, 15.5, 15.5])   # 6.2 -> 6.0, 12.4 -> 12.5
    assert r["fraction_clipped_J"] == 0.5 and r["fraction_clipped_h"] == 0.0
    assert r["fraction_clipped"] == pytest.approx(2 / 9)            # 4 couplers + 5 fields
    assert r["max_abs_J_out"] == pytest.approx(15.5 / 6.2)


def test_float_chip_keeps_values_exactly_and_scale_one():
    m = hand_model()
    p = ps.compile(m, chip_from_dict({"topology": {"kind": "king", "shape": [2, 2]}}))
    assert p.beta_factor == 1.0 and p.report["scale"] == 1.0 and p.report["weight_format"] == "float"
    np.testing.assert_array_equal(p.physical.dense(), m.dense())
    np.testing.assert_array_equal(p.physical.h, m.h)
    assert p.report["rms_error"] == 0.0


def test_given_scale_is_used_and_sets_beta_factor():
    p = ps.compile(hand_model(), fixed_chip({"kind": "king", "shape": [2, 2]}), scale=4.0)
    assert p.scale == 4.0 and p.beta_factor == 0.25
    np.testing.assert_array_equal(p.physical.h, [2.0, 1.0, 0.0])       # 0.8 -> 1.0
    np.testing.assert_array_equal(p.physical.edges()[2], [4.0, -1.0])  # -1.2 -> -1.0


def test_programmed_values_lie_on_the_grid_and_the_datapath_keeps_them():
    rng = np.random.default_rng(4)
    m = IsingModel.from_edges(*np.array([[0, 1], [1, 2], [0, 3], [2, 3], [1, 3]]).T, rng.normal(0, 1, 5),
                              rng.normal(0, 0.3, 4), n=4)
    chip = fixed_chip({"kind": "king", "shape": [2, 2]})
    p = ps.compile(m, chip)
    fmt = FixedPoint(6, 1)
    np.testing.assert_array_equal(fmt.quantize(p.physical.J.data), p.physical.J.data)
    np.testing.assert_array_equal(fmt.quantize(p.physical.h), p.physical.h)
    assert np.abs(p.physical.J.data).max() == 15.5 or np.abs(p.physical.h).max() == 15.5
    dp = build_datapath(chip, p.physical, 1.0, np.arange(p.n_physical))
    assert dp.report["weights"]["max_abs_error"] == 0.0 and dp.report["bias"]["max_abs_error"] == 0.0


def test_simulate_runs_the_physical_beta():
    p = ps.compile(hand_model(), fixed_chip({"kind": "king", "shape": [2, 2]}))
    run = ps.simulate(p, sweeps=10, beta=2.0, seed=1)
    assert run.beta == 2.0 and run.info["physical_beta"] == pytest.approx(2.0 / 15.5)


def test_chain_strength_is_capped_at_the_weight_range():
    # a triangle does not fit a 1x4 lattice without a chain; K = 100 scaled far beyond 15.5
    tri = IsingModel.from_edges([0, 1, 0], [1, 2, 2], [1.0, -1.0, 0.5], n=3)
    chip = fixed_chip({"kind": "lattice", "shape": [2, 2]})
    p = ps.compile(tri, chip, method="embed", chain_strength=100.0, seed=0)
    r = p.report
    assert p.is_embedded and r["chain_strength"] == 100.0 and r["chain_strength_capped"]
    assert p.chain_strength == 15.5 and r["chain_strength_physical"] == 15.5
    chain = next(c for c in p.chains if c.size > 1)
    assert p.physical.J[chain[0], chain[1]] == 15.5


def test_scale_helpers():
    fmt = FixedPoint(6, 1)
    assert format_target(fmt) == 15.5
    assert choose_program_scale(np.array([2.0, -1.0]), np.array([0.5]), fmt, fmt) == 15.5 / 2
    assert choose_program_scale(np.zeros(3), np.zeros(2), fmt, fmt) == 1.0
    assert choose_program_scale(np.array([2.0]), np.array([1.0]), None, None) == 1.0


@pytest.mark.parametrize("kwargs, match", [
    ({"scale": 0.0}, "scale must be a positive"),
    ({"scale": float("nan")}, "scale must be a positive"),
    ({"percentile": 0.0}, "percentile must be in"),
    ({"percentile": 101.0}, "percentile must be in"),
    ({"chain_strength": -1.0}, "chain_strength must be a positive"),
])
def test_bad_quantization_arguments(kwargs, match):
    with pytest.raises(PbitsimError, match=match):
        ps.compile(hand_model(), fixed_chip({"kind": "king", "shape": [2, 2]}), **kwargs)
