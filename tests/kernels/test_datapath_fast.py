"""The specialised integer datapath kernel (pbitsim.kernels.datapath_fast) against the generic one.

The generic kernel (:func:`pbitsim.kernels.chromatic_datapath.run_datapath`,
itself checked bit for bit against a pure-Python reference in
``tests/engines/test_datapath_engine.py``) is the oracle:

* the decision table gives :func:`pbitsim.kernels.pbit_update.decide`'s
  decision for every reachable wide sum and for words at and around every
  threshold, also when cut to the unsaturated sums (whose bounds are checked by
  brute force through the accumulator);
* whole runs give identical states (and energies equal to rounding) for the
  same seed, over the RNG kinds, overflow modes, shifts, schedules, thinning
  and burn-in the fast kernel covers;
* chips it does not cover fall back to the generic kernel.
"""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import load_chip
from pbitsim.compiler.hardware import build_datapath
from pbitsim.engines import hardware_gibbs as engine
from pbitsim.engines.schedule import make_schedule
from pbitsim.engines.options import EngineOptions
from pbitsim.errors import ChipSpecError
from pbitsim.kernels import pbit_update as K
from pbitsim.kernels import datapath_fast as F
from pbitsim.compiler.pipeline import place_model
from pbitsim.spin_glass import random_spin_glass
from pbitsim.topologies import king_graph


def model_chip(name, **overrides):
    return load_chip(name).with_params({"topology": {"kind": "model"}, **overrides})


def king_model(seed, j_scale, h_scale, rows=7, cols=6):
    """Spin glass on a king graph (degree <= 8, 4 colours), couplings and fields on a coarse grid
    of rounding ties and out-of-range values scaled by ``j_scale`` / ``h_scale``."""
    m = random_spin_glass(king_graph(rows, cols), seed)
    rng = np.random.default_rng(seed)
    r, c, _ = m.edges()
    grid = np.array([-20.0, -3.25, -1.75, -0.75, -0.25, 0.0, 0.25, 0.75, 1.25, 2.5, 17.0]) + 1 / 64
    return ps.IsingModel.from_edges(r, c, j_scale * rng.choice(grid, r.size),
                                    h_scale * rng.choice(grid, m.n), n=m.n)


# name: (chip, overrides, coupling scale, field scale)
CONFIGS = {
    "lfsr-per-pbit": ("fpga-sparse-ising", {}, 1.0, 0.5),
    "lfsr-per-pbit-galois-steps": ("fpga-sparse-ising", {"rng.structure": "galois", "rng.steps_per_update": 3},
                                   1.0, 0.5),
    "lfsr-xor-k<L": ("fpga-sparse-ising", {"rng.feedback": "xor", "rng.output_bits": 20}, 0.5, 0.5),
    "lfsr-shared-wrap-shift": ("fpga-lfsr-shared", {}, 0.25, 0.25),
    "lfsr-shared-galois": ("fpga-lfsr-shared", {"rng.structure": "galois"}, 0.25, 0.25),
    "xoroshiro-hard-sigmoid": ("fpga-xoroshiro-pwl", {}, 0.3, 0.3),
    "xoroshiro-tanh-align-down": ("fpga-xoroshiro-pwl", {"pbit.activation": "tanh", "accumulator.frac_bits": 3,
                                                         "accumulator.total_bits": 7}, 0.3, 0.3),
    "xoroshiro-lut-k>L-align-up": ("fpga-xoroshiro-pwl", {"pbit.activation": "lut", "pbit.lut_input_bits": 6,
                                                          "pbit.lut_output_bits": 12, "rng.output_bits": 20,
                                                          "accumulator.frac_bits": 6,
                                                          "accumulator.total_bits": 11}, 0.3, 0.3),
    "ideal-rng-signed-lut-negshift": ("fpga-sparse-ising", {"rng.kind": "ideal", "pbit.lut_symmetric": False,
                                                            "accumulator.beta_shift": -1}, 0.5, 0.5),
    "wrap-beta-shift": ("fpga-sparse-ising", {"accumulator.overflow": "wrap", "accumulator.beta_shift": 1,
                                              "accumulator.total_bits": 5}, 1.0, 0.5),
}


def program_for(name, seed=3):
    chip_name, over, js, hs = CONFIGS[name]
    return place_model(king_model(seed, js, hs), model_chip(chip_name, **over), scale=1.0)  # chip units


def run(program, kernel, *, sweeps=40, burn_in=0, thin=1, replicas=3, seed=5, mode="chromatic", beta=0.9):
    sched = make_schedule(sweeps, burn_in, thin, replicas, beta, seed)
    return engine.run(program, sched, EngineOptions(kernel=kernel), mode=mode)


# ----------------------------------------------------------------- the decision table
def table_decisions(fk, a_lo, sums, words):
    """The fast kernel's decisions (+1/-1) for wide sums ``A`` and raw words, via phase_decisions
    (from states +1, so the p-bits it lists as flipping are the -1 decisions)."""
    fa = (np.asarray(sums) - a_lo).astype(fk.hint.dtype)
    flips = np.empty(fa.size, dtype=np.int32)
    cnt = F.phase_decisions(fk.par, fk.table, fa, np.asarray(words, dtype=np.uint64),
                            np.ones(fa.size, dtype=np.int8), flips)
    out = np.ones(fa.size, dtype=np.int64)
    out[flips[:cnt]] = -1
    return out


def decide_with_word(kd, a_int, word):
    """``decide`` for one given ``k``-bit word: read as a shared register window at offset 0."""
    cfg = kd.cfg.copy()
    cfg[K.RNG_KIND], cfg[K.LFSR_SHARED] = K.RNG_LFSR, 1
    lfsr = np.array([[word]], dtype=np.uint64)
    rng = np.zeros((1, 2), dtype=np.uint64)
    return int(K.decide(cfg, kd.real, kd.gain, kd.offset, kd.stuck, kd.lut, 0, np.int64(a_int), 0.0,
                        rng, 0, lfsr, 0, 0))


def assert_table_matches_decide(dp, fk, a_lo, a_hi):
    """Every reachable wide sum, words at and around the table's interval ends and random words."""
    kd = dp.kernel
    k, L = int(kd.cfg[K.RNG_BITS]), int(kd.cfg[K.LUT_BITS])
    sh = max(k - L, 0) if kd.cfg[K.ACTIVATION] == K.ACT_LUT else 0   # low word bits the comparator drops
    lo_sum, hi_sum = engine._sum_bounds(kd, dp.graph)
    rng = np.random.default_rng(0)
    top = 1 << k
    for A in range(lo_sum, hi_sum + 1):
        j = 2 * (min(max(A, a_lo), a_hi) - a_lo)
        lo, span = int(fk.table[j]), int(fk.table[j + 1])
        edge = [e + d for e in (lo, lo + span) for d in (-(1 << sh), -1, 0, 1, (1 << sh) - 1)]
        words = [w for w in edge + [0, top - 1] + list(rng.integers(0, top, 20, dtype=np.uint64)) if 0 <= w < top]
        got = table_decisions(fk, a_lo, [A] * len(words), words)
        want = [decide_with_word(kd, A, w) for w in words]
        np.testing.assert_array_equal(got, want, err_msg=f"A = {A}")


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_table_reproduces_decide_at_every_sum_and_threshold(name):
    prog = program_for(name)
    dp = build_datapath(prog.chip, prog.physical, 0.9, np.arange(prog.n_physical))
    fk = engine.fast_datapath(dp)
    a_lo, a_hi, clip = engine.table_range(dp.kernel, dp.graph)
    assert (a_lo, a_hi, clip) == (*engine._sum_bounds(dp.kernel, dp.graph), False)
    assert_table_matches_decide(dp, fk, a_lo, a_hi)


@pytest.mark.parametrize("bits,up,down", [(4, 0, 0), (6, 0, 0), (6, 1, 0), (6, 3, 0), (10, 2, 0), (6, 0, 1),
                                           (6, 0, 3), (10, 0, 2)])
def test_saturation_range_is_where_the_accumulator_saturates(bits, up, down):
    """Every A <= sat_lo aligns and saturates to the lowest code, every A >= sat_hi to the highest
    (and the bounds are tight), by brute force through the kernel's accumulator_value."""
    cfg = np.zeros(K.N_CFG, dtype=np.int64)
    cfg[K.ACC_BITS], cfg[K.ALIGN_UP], cfg[K.ALIGN_DOWN] = bits, up, down
    sat_lo, sat_hi = engine._saturation_range(cfg)
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    for A in range(-(1 << (bits + 4)), 1 << (bits + 4)):
        v = int(K.accumulator_value(cfg, np.int64(A)))
        if A <= sat_lo:
            assert v == lo, A
        if A >= sat_hi:
            assert v == hi, A
    assert K.accumulator_value(cfg, np.int64(sat_lo + 1)) > lo
    assert K.accumulator_value(cfg, np.int64(sat_hi - 1)) < hi


# ----------------------------------------------------------------- whole runs, fast == generic
def assert_same_runs(a, b):
    assert a.info["kernel"] == "fast" and b.info["kernel"] == "generic"
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_allclose(a.energies, b.energies, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", sorted(CONFIGS))
@pytest.mark.parametrize("mode", ["chromatic", "sequential", "naive_parallel"])
def test_fast_kernel_equals_generic_kernel(name, mode):
    prog = program_for(name)
    kw = dict(sweeps=30, burn_in=4, thin=1, mode=mode)
    a, b = run(prog, "fast", **kw), run(prog, "generic", **kw)
    assert_same_runs(a, b)
    assert (a.states[:, 1:] != a.states[:, :-1]).any()                # the chain moves
    np.testing.assert_allclose(a.energies, prog.physical.energy(a.states.astype(float)), rtol=0, atol=1e-9)


@pytest.mark.parametrize("thin,burn_in", [(2, 0), (3, 7), (F.TRACK_THIN, 1), (F.TRACK_THIN + 5, 3)])
def test_thinning_and_burn_in(thin, burn_in):
    for name in ("lfsr-per-pbit", "lfsr-shared-wrap-shift", "xoroshiro-hard-sigmoid"):
        prog = program_for(name)
        kw = dict(sweeps=8 * thin, burn_in=burn_in, thin=thin)
        a, b = run(prog, "fast", **kw), run(prog, "generic", **kw)
        assert a.states.shape[1] == 8
        assert_same_runs(a, b)


def test_tracked_energy_resyncs_over_long_runs():
    prog = program_for("lfsr-per-pbit")
    a, b = run(prog, "fast", sweeps=2 * F.RESYNC_SWEEPS + 10, replicas=2), \
        run(prog, "generic", sweeps=2 * F.RESYNC_SWEEPS + 10, replicas=2)
    assert_same_runs(a, b)


@pytest.mark.parametrize("name", ["lfsr-per-pbit", "xoroshiro-lut-k>L-align-up", "xoroshiro-tanh-align-down"])
def test_clipped_table_at_saturation(name, monkeypatch):
    """Large couplings: many sums beyond the accumulator range; a table cut to the unsaturated sums
    (clipped in the kernel) decides as the generic kernel."""
    prog = program_for(name)
    dp = build_datapath(prog.chip, prog.physical, 0.9, np.arange(prog.n_physical))
    lo_sum, hi_sum = engine._sum_bounds(dp.kernel, dp.graph)
    sat_lo, sat_hi = engine._saturation_range(dp.kernel.cfg)
    assert lo_sum < sat_lo and hi_sum > sat_hi
    assert engine.table_range(dp.kernel, dp.graph, max_table=hi_sum - lo_sum) == (sat_lo, sat_hi, True)
    if name == "lfsr-per-pbit":
        assert (sat_lo, sat_hi) == (-32, 31)                # s[4][1] codes
    monkeypatch.setattr(engine, "MAX_TABLE", hi_sum - lo_sum)
    fk = engine.fast_datapath(dp)
    assert fk.par[F.P_CLIP] == 1 and fk.table.size == 2 * (sat_hi - sat_lo + 1)
    assert_table_matches_decide(dp, fk, sat_lo, sat_hi)
    a = run(prog, "fast", sweeps=20)
    b = run(prog, "generic", sweeps=20)
    assert_same_runs(a, b)
    fields = prog.physical.J @ a.states[0].T.astype(float)  # inputs beyond the range occur in the run
    assert np.abs(fields).max() > 2.0 ** (int(dp.kernel.cfg[K.ACC_BITS]) - 1) * dp.kernel.real[K.LSB]


def test_replicas_are_independent_of_replica_count():
    prog = program_for("lfsr-per-pbit")
    a, b = run(prog, "fast", replicas=2), run(prog, "fast", replicas=5)
    np.testing.assert_array_equal(a.states, b.states[:2])


# ----------------------------------------------------------------- dispatch
def test_simulate_picks_the_fast_kernel_for_the_fpga_chip():
    prog = program_for("lfsr-per-pbit")
    assert ps.simulate(prog, sweeps=3, seed=1).info["kernel"] == "fast"


def test_chips_outside_the_fast_path_fall_back(monkeypatch):
    chip = load_chip("analog-variation")                 # analog effects and stuck p-bits
    prog = place_model(random_spin_glass(king_graph(4, 4), 0), chip.with_params({"topology": {"kind": "model"}}))
    assert run(prog, "auto", sweeps=3).info["kernel"] == "generic"
    with pytest.raises(ChipSpecError, match="fast datapath kernel"):
        run(prog, "fast", sweeps=3)
    float_lut = place_model(king_model(1, 0.5, 0.5), model_chip("fpga-sparse-ising", **{
        "weights.format": "float", "bias.format": "float", "accumulator.format": "float"}))
    assert run(float_lut, "auto", sweeps=3).info["kernel"] == "generic"
    prog = program_for("lfsr-per-pbit")
    monkeypatch.setattr(engine, "MAX_TABLE", 8)            # a table too large -> generic
    assert run(prog, "auto", sweeps=3).info["kernel"] == "generic"
    with pytest.raises(ChipSpecError, match="unknown datapath kernel"):
        run(prog, "fastest", sweeps=3)
