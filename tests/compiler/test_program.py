"""A Program owns its hardware: one cached datapath per (physical beta, order), one physical beta."""
import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import load_chip
from pbitsim.compiler.hardware import build_datapath
from pbitsim.compiler.program import DATAPATH_CACHE_SIZE
from pbitsim.errors import PbitsimError


def fpga_program(n=6, seed=0):
    rng = np.random.default_rng(seed)
    J = np.triu(rng.uniform(-1, 1, (n, n)), 1)
    chip = load_chip("fpga-sparse-ising").with_params({"topology": {"kind": "model"},
                                                       "pbit.gain_sigma": 0.2, "pbit.variation_seed": 4})
    return ps.compile(ps.IsingModel.from_dense(J + J.T, rng.uniform(-0.5, 0.5, n)), chip)


def test_physical_beta_is_the_user_beta_times_beta_factor():
    p = fpga_program()
    assert p.beta_factor < 1 and p.physical_beta(2.5) == 2.5 * p.beta_factor
    assert ps.compile(ps.IsingModel.from_dense([[0, 1], [1, 0]])).physical_beta(0.7) == 0.7


def test_datapath_is_built_once_per_beta_and_order_and_equals_build_datapath():
    p = fpga_program()
    a = p.datapath(0.3)
    assert p.datapath(0.3) is a and p.datapath(0.4) is not a
    order = np.array([5, 4, 3, 2, 1, 0])
    b = p.datapath(0.3, order)
    assert b is not a and p.datapath(0.3, order) is b
    ref = build_datapath(p.chip, p.physical, 0.3, order, chip_nodes=p.chip_nodes, colours=p.colouring.colours)
    for got, want in zip(b.kernel, ref.kernel):
        np.testing.assert_array_equal(got, want)
    for beta in np.linspace(0.1, 0.2, 2 * DATAPATH_CACHE_SIZE):   # bounded: the oldest entries go
        p.datapath(beta)
    assert len(p.__dict__["_datapaths"]) == DATAPATH_CACHE_SIZE
    with pytest.raises(PbitsimError, match=r"datapath order must have shape \(6,\)"):
        p.datapath(0.3, np.arange(5))


def test_device_parameters_are_the_datapath_s():
    p = fpga_program()
    dev = p.device_parameters()
    kd = p.datapath(1.0).kernel
    np.testing.assert_array_equal(dev["gain"], kd.gain)
    assert np.any(dev["gain"] != 1.0) and dev["gain"].shape == (6,)


def test_the_engine_reads_the_program_s_datapath_at_the_physical_beta():
    p = fpga_program()
    p.__dict__.pop("_datapaths", None)
    ps.simulate(p, sweeps=3, replicas=2, seed=1, beta=1.5)
    betas = {key[0] for key in p.__dict__["_datapaths"]}
    assert betas == {p.physical_beta(1.5)}
