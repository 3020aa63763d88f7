"""Identity placement on chip edge arrays: the same layout and program as the general path, vectorised."""

import numpy as np

import pbitsim as ps
from pbitsim.compiler.embedding import layout_chains
from pbitsim.compiler.placement import identity_fits, identity_layout, missing_edges
from pbitsim.models import IsingModel
from pbitsim.spin_glass import random_spin_glass
from pbitsim.topologies import pegasus_arrays


def submodel(arrays, n, keep_every=2, seed=0):
    """A spin glass on every ``keep_every``-th chip edge among the first ``n`` nodes."""
    r, c = arrays.rows, arrays.cols
    inside = np.flatnonzero((r < n) & (c < n))[::keep_every]
    vals = np.random.default_rng(seed).uniform(-1, 1, inside.size)
    return IsingModel.from_edges(r[inside], c[inside], vals, n=n)


def test_identity_layout_equals_layout_chains():
    chip = pegasus_arrays(4)
    for model in (submodel(chip, chip.n), submodel(chip, 100, 3), random_spin_glass(chip, 2)):
        fast = identity_layout(model, chip)
        slow = layout_chains(model, [np.array([i]) for i in range(model.n)], chip)
        for field in ("chip_nodes", "owner", "edge_u", "edge_v", "edge_owner", "chain_u", "chain_v"):
            assert np.array_equal(getattr(fast, field), getattr(slow, field)), field
        assert fast.chains == slow.chains


def test_identity_checks_agree_with_networkx():
    chip = pegasus_arrays(3)
    G = chip.to_networkx()
    good = submodel(chip, chip.n)
    r, c = chip.rows[:5], chip.cols[:5] + 1  # some of these are not chip edges
    bad = IsingModel.from_edges(np.concatenate([chip.rows[:50], r]), np.concatenate([chip.cols[:50], c]),
                                np.ones(55), n=chip.n)
    for model in (good, bad):
        assert identity_fits(model, chip) == identity_fits(model, G)
        p = np.arange(model.n)
        assert missing_edges(model, chip, p) == missing_edges(model, G, p)
    assert identity_fits(good, chip) and not identity_fits(bad, chip)


def test_compile_on_a_chip_uses_the_identity_without_copies(tmp_path):
    path = tmp_path / "p5.toml"
    path.write_text('name = "p5"\n[topology]\nkind = "pegasus"\nsize = 5\n[clock]\nmode = "chromatic"\n')
    from pbitsim.compiler.chip_graph import chip_arrays

    chip = ps.load_chip(str(path))
    arrays = chip_arrays(chip)
    assert chip_arrays(chip) is arrays  # shared per [topology] table
    model = random_spin_glass(arrays, 1)
    program = ps.compile(model, chip)
    assert program.report["placement"] == "identity" and program.n_physical == arrays.n
    assert np.array_equal(program.chip_nodes, np.arange(arrays.n))
    r, c, v = program.physical.edges()
    assert np.array_equal(r, arrays.rows) and np.array_equal(c, arrays.cols)
    assert np.allclose(v, model.edges()[2])
    col = program.colouring.colours
    assert not np.any(col[r] == col[c])
