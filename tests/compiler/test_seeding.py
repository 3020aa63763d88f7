"""One seeding helper: every stream derived from the run seed as documented (numbers pinned to the formulas)."""
import numpy as np
import pytest

from pbitsim.chip.spec import load_chip
from pbitsim.compiler import seeding
from pbitsim.compiler.rng_streams import seed_lfsr_states
from pbitsim.kernels.rng import seed_streams
import pbitsim as ps

SEED = (7 << 32) + 12345


def test_initial_spins_follow_the_documented_draw():
    got = seeding.initial_spins(11, 3, SEED)
    for r in range(3):
        g = np.random.default_rng([SEED & 0xFFFFFFFF, SEED >> 32, r, 0x5EED])
        np.testing.assert_array_equal(got[r], np.where(g.random(11) < 0.5, 1, -1))
    np.testing.assert_array_equal(seeding.initial_spins(11, 1, SEED), got[:1])   # replica r: (seed, r) only


def test_replica_streams_are_the_kernel_s_seed_streams():
    np.testing.assert_array_equal(seeding.replica_streams(SEED, 4), seed_streams(SEED, 4))


@pytest.mark.parametrize("name", ["fpga-sparse-ising", "fpga-lfsr-shared"])
def test_lfsr_registers_follow_the_documented_draw(name):
    chip = load_chip(name).with_params({"topology": {"kind": "model"}})
    p = ps.compile(ps.IsingModel.from_dense(np.ones((5, 5)) - np.eye(5)), chip)
    dp = p.datapath(1.0)
    got = seeding.lfsr_states(dp, SEED, 2, chip)
    for r in range(2):
        s = int(np.random.SeedSequence([SEED & 0xFFFFFFFF, SEED >> 32, r, 0x1F5]).generate_state(1)[0])
        np.testing.assert_array_equal(got[r], seed_lfsr_states(s, dp.n_registers, chip.rng.width,
                                                               chip.rng.feedback == "xnor"))
    assert seeding.lfsr_states(dp, SEED, 2, load_chip("ideal")).shape == (2, 1)


def test_datapath_streams_orders_and_clamps_the_start():
    chip = load_chip("fpga-sparse-ising").with_params({"topology": {"kind": "model"}, "pbit.stuck_fraction": 0.4,
                                                       "pbit.variation_seed": 2})
    p = ps.compile(ps.IsingModel.from_dense(np.ones((5, 5)) - np.eye(5)), chip)
    order = np.array([4, 2, 0, 1, 3])
    dp = p.datapath(1.0, order)
    start = seeding.initial_spins(5, 3, SEED)
    state, rng, lfsr = seeding.datapath_streams(dp, chip, SEED, start)
    stuck = dp.kernel.stuck
    assert np.count_nonzero(stuck) == 2
    free = stuck == 0
    np.testing.assert_array_equal(state[:, free], start[:, order][:, free])
    assert np.all(state[:, ~free] == stuck[~free])
    np.testing.assert_array_equal(rng, seed_streams(SEED, 3))
    np.testing.assert_array_equal(lfsr, seeding.lfsr_states(dp, SEED, 3, chip))


def test_variation_and_rounding_generators():
    a = seeding.variation_rng(3, seeding.VARIATION).standard_normal(4)
    np.testing.assert_array_equal(a, np.random.default_rng([3, 0xD15C]).standard_normal(4))
    assert not np.array_equal(a, seeding.variation_rng(3, seeding.MISMATCH).standard_normal(4))
    r = seeding.rounding_rngs(5, 3)
    ss = np.random.SeedSequence([5, 0x9A17]).spawn(3)
    for g, s in zip(r, ss):
        assert g.random() == np.random.default_rng(s).random()
