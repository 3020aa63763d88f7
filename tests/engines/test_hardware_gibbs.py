"""The datapath engine: bit-exact against a slow reference, reproducible, and the LFSR signatures.

* A pure-Python chromatic sweep with the fpga-sparse-ising semantics (written
  from docs/datapath.md, not from the kernel) reproduces the kernel's states
  bit for bit, sweep after sweep.
* Trajectories are identical across runs, replica counts and thread counts.
* LFSR random sources make the chain non-Markov, so instead of an exact law we
  test their measurable signatures on uncoupled p-bits, where the output bit
  reveals the comparison: shared-register windows repeat a neighbour's number
  at the predicted lag; a per-p-bit register stepped once per update makes a
  p-bit's successive outputs correlated (1/3 at lag 1 for P(+1) = 1/4).
* Input noise (not in the exact kernel law) matches a quadrature of the
  noisy sigmoid.
"""
import dataclasses
import hashlib
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import pbitsim as ps
from pbitsim.chip.spec import load_chip
from pbitsim.compiler.hardware import build_datapath
from pbitsim.compiler.seeding import lfsr_states
from pbitsim.engines.schedule import initial_states
from pbitsim.errors import ChipSpecError
from pbitsim.compiler.chip_graph import chip_graph
from pbitsim.compiler.pipeline import place_model
from pbitsim.compiler.rng_streams import max_lagged_cross_correlation
from pbitsim.spin_glass import random_spin_glass


def model_chip(name, **overrides):
    return load_chip(name).with_params({"topology": {"kind": "model"}, **overrides})


def uncoupled(h):
    h = np.asarray(h, dtype=np.float64)
    return ps.IsingModel.from_dense(np.zeros((h.size, h.size)), h)


# ----------------------------------------------------------------- slow reference datapath
# Written from docs/datapath.md with Python integers; the two shipped FPGA chips as parameter sets.
# Both chips' LFSRs are free-running: every register shifts once per colour-phase clock (steps = shifts
# per clock), as the hardware does, so this reference never uses the simulator's lumped shifts.
FPGA_SPARSE_ISING = dict(bits=6, frac=1, acc_bits=6, wrap=False, shift=0, lut_in=5, L=32, k=32,
                         taps=(32, 22, 2, 1), shared=False, group=1, share_shift=0, steps=1, free_running=True)
FPGA_LFSR_SHARED = dict(bits=8, frac=4, acc_bits=8, wrap=True, shift=2, lut_in=5, L=16, k=16,
                        taps=(32, 22, 2, 1), shared=True, group=4, share_shift=4, steps=1, free_running=True)


def ref_code(x, bits, frac):
    """Round to nearest, ties to even (Python round), saturate to the signed ``bits`` range."""
    return max(-2 ** (bits - 1), min(2 ** (bits - 1) - 1, round(x * 2 ** frac)))


def ref_lfsr32_xnor(r, taps):
    """Fibonacci XNOR step of a 32-bit register: new bit 0 = NOT parity(taps), e.g. the RTL
    {s[30:0], s[31] ^~ s[21] ^~ s[1] ^~ s[0]} for taps 32, 22, 2, 1."""
    fb = 1
    for t in taps:
        fb ^= (r >> (t - 1)) & 1
    return ((r << 1) & 0xFFFFFFFF) | fb


def ref_sweeps(J, h, beta, classes, spins, regs, n_sweeps, p):
    """Chromatic sweeps through the integer datapath ``p``; the state after each sweep.

    ``regs``: per-p-bit registers keyed by physical p-bit, or shared ones keyed by group (the run's
    initial registers).  Free-running registers shift on every colour-phase clock; a per-p-bit one of
    colour c starts ``steps * (C - 1 - c)`` shifts ahead (docs/datapath.md, "LFSR clocking").
    """
    n = len(spins)
    hc = [ref_code(v, p["bits"], p["frac"]) for v in h]
    nbrs = [[(int(j), ref_code(J[i, j], p["bits"], p["frac"])) for j in np.flatnonzero(J[i])] for i in range(n)]
    step = 2.0 ** (p["shift"] - p["frac"])                    # value of one table address step
    L, k, half = p["L"], p["k"], 2 ** (p["acc_bits"] - 1)
    lut = [min(round(2 ** L * (1 + math.tanh(beta * a * step)) / 2), 2 ** L - 1) for a in range(2 ** p["lut_in"])]
    spins, regs, out = [int(v) for v in spins], dict(regs), []
    free = p.get("free_running", False)
    if free and not p["shared"]:
        for c, cls in enumerate(classes):
            for i in cls:
                for _ in range(p["steps"] * (len(classes) - 1 - c)):
                    regs[int(i)] = ref_lfsr32_xnor(regs[int(i)], p["taps"])
    for _ in range(n_sweeps):
        if p["shared"] and not free:                          # shared registers shift once per sweep
            for g in regs:
                for _ in range(p["steps"]):
                    regs[g] = ref_lfsr32_xnor(regs[g], p["taps"])
        for cls in classes:
            if free:                                          # every register shifts on every clock
                for g in regs:
                    for _ in range(p["steps"]):
                        regs[g] = ref_lfsr32_xnor(regs[g], p["taps"])
            new = {}
            for i in cls:                                     # a colour reads the state before it
                A = hc[i] + sum(c * spins[j] for j, c in nbrs[i])
                A = (A + half) % (2 * half) - half if p["wrap"] else max(-half, min(half - 1, A))
                a = A >> p["shift"]                           # arithmetic shift (floor)
                if p["shared"]:
                    w = (regs[i // p["group"]] >> (i % p["group"]) * p["share_shift"]) & (2 ** k - 1)
                else:
                    for _ in range(0 if free else p["steps"]):
                        regs[i] = ref_lfsr32_xnor(regs[i], p["taps"])
                    w = regs[i] & (2 ** k - 1)
                t = lut[min(abs(a), len(lut) - 1)]
                plus = t > (w >> (k - L)) if k >= L else (t >> (L - k)) > w
                new[i] = 1 if plus != (a < 0) else -1         # inverted for negative I
            for i, v in new.items():
                spins[i] = v
        out.append(list(spins))
    return np.array(out, dtype=np.int8)


@pytest.mark.parametrize("name,params,scale", [("fpga-sparse-ising", FPGA_SPARSE_ISING, 1.0),
                                               ("fpga-lfsr-shared", FPGA_LFSR_SHARED, 0.25)])
def test_kernel_matches_pure_python_reference_bit_for_bit(name, params, scale):
    """Whole chip (4 colours), couplings with rounding ties and out-of-range values, 40 sweeps
    (more than the 32 shifts it takes the LFSR feedback to reach the comparator's top bits)."""
    chip = load_chip(name)
    G = chip_graph(chip)
    n = G.number_of_nodes()
    rng = np.random.default_rng(4)
    half_lsb = 2.0 ** -(params["frac"] + 1)             # makes some values rounding ties
    grid = scale * np.array([-20.0, -3.25, -1.75, -0.75, -0.25, 0.25, 0.75, 1.25, 2.5, 17.0]) + half_lsb
    rows, cols = np.array(sorted(G.edges())).T
    model = ps.IsingModel.from_edges(rows, cols, rng.choice(grid, rows.size), rng.choice(grid, n) / 4, n=n)
    # the raw (off-grid, out-of-range) values on the chip, bypassing the compiler's own quantization,
    # so that the datapath's rounding and overflow are what is exercised
    prog = dataclasses.replace(place_model(model, chip, scale=1.0), physical=model)
    assert prog.colouring.n_colours == 4
    beta, seed, R, S = 0.8, 11, 2, 40
    run = ps.simulate(prog, sweeps=S, replicas=R, seed=seed, beta=beta)
    order, _ = prog.colouring.order()
    dp = build_datapath(chip, prog.physical, beta, order)
    regs = lfsr_states(dp, seed, R, chip)
    init = initial_states(n, R, seed)
    J = model.J.toarray()
    overflowed = 0
    for r in range(R):
        if params["shared"]:
            start = {int(dp.kernel.slot[k]): int(regs[r, dp.kernel.slot[k]]) for k in range(n)}
        else:
            start = {int(order[k]): int(regs[r, k]) for k in range(n)}
        traj = ref_sweeps(J, model.h, beta, prog.colouring.classes(), init[r], start, S, params)
        np.testing.assert_array_equal(run.states[r], traj, err_msg=f"replica {r}")
        fields = traj.astype(float) @ J + model.h
        overflowed += np.count_nonzero(np.abs(fields) >= 2.0 ** (params["acc_bits"] - 1 - params["frac"]))
    assert overflowed > 0                                 # saturation / wrap was exercised


# ----------------------------------------------------------------- reproducibility
CHIPS = ("fpga-sparse-ising", "fpga-lfsr-shared", "fpga-xoroshiro-pwl", "analog-variation")

_HASH_SCRIPT = textwrap.dedent("""
    import hashlib, sys
    import pbitsim as ps
    from pbitsim.chip.spec import load_chip
    from pbitsim.compiler.chip_graph import chip_graph
    from pbitsim.compiler.pipeline import place_model
    from pbitsim.spin_glass import random_spin_glass
    h = hashlib.sha256()
    for name in sys.argv[1:]:
        chip = load_chip(name)
        prog = place_model(random_spin_glass(chip_graph(chip), 1, field_scale=0.5), chip)
        run = ps.simulate(prog, sweeps=20, burn_in=5, replicas=5, seed=42)
        h.update(run.states.tobytes()); h.update(run.energies.tobytes())
    print(h.hexdigest())
""")


def _trajectory_hash(chips):
    h = hashlib.sha256()
    for name in chips:
        chip = load_chip(name)
        prog = place_model(random_spin_glass(chip_graph(chip), 1, field_scale=0.5), chip)
        run = ps.simulate(prog, sweeps=20, burn_in=5, replicas=5, seed=42)
        h.update(run.states.tobytes())
        h.update(run.energies.tobytes())
    return h.hexdigest()


def test_bit_identical_across_runs_and_thread_counts():
    here = _trajectory_hash(CHIPS)
    assert _trajectory_hash(CHIPS) == here
    for threads in ("1", "2"):
        env = {**os.environ, "NUMBA_NUM_THREADS": threads}
        out = subprocess.run([sys.executable, "-c", _HASH_SCRIPT, *CHIPS], env=env, capture_output=True,
                             text=True, timeout=300, check=True)
        assert out.stdout.strip() == here, f"NUMBA_NUM_THREADS={threads}: {out.stderr[-2000:]}"


@pytest.mark.parametrize("name", CHIPS)
def test_replica_depends_only_on_seed_and_index(name):
    chip = load_chip(name)
    prog = place_model(random_spin_glass(chip_graph(chip), 2), chip)
    a = ps.simulate(prog, sweeps=15, replicas=2, seed=9)
    b = ps.simulate(prog, sweeps=15, replicas=4, seed=9)
    c = ps.simulate(prog, sweeps=15, replicas=2, seed=10)
    np.testing.assert_array_equal(a.states, b.states[:2])
    assert not np.array_equal(a.states, c.states)


# ----------------------------------------------------------------- LFSR signatures (non-Markov sources)
def lag_corr(x, y, lag):
    """Pearson correlation of x[t] with y[t - lag] pooled over replicas; x, y (R, S)."""
    a = x[:, lag:].astype(float).ravel()
    b = y[:, :x.shape[1] - lag].astype(float).ravel()
    return float(np.corrcoef(a, b)[0, 1])


def test_shared_lfsr_neighbour_repeats_previous_sweep_number():
    """fpga-lfsr-shared: p-bit j+1 reads the stages 4 further along; 4 shifts per sweep -> lag 1."""
    chip = model_chip("fpga-lfsr-shared", **{"rng.clocking": "per-update", "rng.steps_per_update": 4})
    n, R, S = 8, 4, 3000
    run = ps.simulate(uncoupled(np.zeros(n)), chip, sweeps=S, replicas=R, seed=5)
    m = run.states
    # h = 0: index 0, threshold 2**15, output +1 iff window bit 15 is 0 -- a fair coin
    assert abs(m.mean()) < 5 / math.sqrt(m.size)
    for j in range(n - 1):
        if j % 4 == 3:                                  # next p-bit is on another register
            assert abs(lag_corr(m[:, :, j + 1], m[:, :, j], 1)) < 5 / math.sqrt(R * S)
            continue
        np.testing.assert_array_equal(m[:, 1:, j + 1], m[:, :-1, j])     # exactly the same numbers
        assert lag_corr(m[:, :, j + 1], m[:, :, j], 1) == pytest.approx(1.0)
        assert abs(lag_corr(m[:, :, j + 1], m[:, :, j], 0)) < 5 / math.sqrt(R * S)
    # what a user sees with the stream helper on the output bits of one replica
    corr, lag = max_lagged_cross_correlation((m[0] > 0).astype(np.uint64), 1, 3)
    for j in (0, 1, 2, 4, 5, 6):
        assert corr[j + 1, j] == pytest.approx(1.0) and lag[j + 1, j] == 1
    assert abs(corr[4, 3]) < 5 / math.sqrt(S)
    # the same p-bits with a good generator are independent
    good = ps.simulate(uncoupled(np.zeros(n)), chip.with_params({"rng.kind": "xoroshiro"}),
                       sweeps=S, replicas=R, seed=5).states
    assert max(abs(lag_corr(good[:, :, j + 1], good[:, :, j], 1)) for j in range(n - 1)) < 5 / math.sqrt(R * S)


@pytest.mark.parametrize("shift,steps,lag", [(0, 1, 0), (2, 1, 2), (4, 2, 2)])
def test_shared_lfsr_predicted_lag(shift, steps, lag):
    chip = model_chip("fpga-lfsr-shared", **{"rng.share_shift": shift, "rng.steps_per_update": steps})
    m = ps.simulate(uncoupled(np.zeros(4)), chip, sweeps=400, replicas=2, seed=1).states
    for j in range(3):
        np.testing.assert_array_equal(m[:, lag:, j + 1], m[:, :m.shape[1] - lag, j])


def test_per_pbit_lfsr_word_overlap_correlates_successive_outputs():
    """fpga-sparse-ising steps each 32-bit register once per update and compares the whole word.

    With P(+1) = 1/4 (h = -0.5, beta = ln 3: +1 iff the word's top two bits are 11),
    the next word's top bits are this word's bits 30, 29, so
    P(++) = P(bits 31..29 = 111) = 1/8 and corr(m_t, m_t+1) = (1/8 - 1/16) / (3/16) = 1/3;
    at lag 2 the bits are disjoint: 0.  An ideal generator gives 0 at every lag.
    """
    n, R, S = 16, 4, 4000
    model = uncoupled(np.full(n, -0.5))
    beta = math.log(3.0)
    tol = 5 / math.sqrt(n * R * S)
    m = ps.simulate(model, model_chip("fpga-sparse-ising"), sweeps=S, replicas=R, seed=3, beta=beta).states
    assert (m > 0).mean() == pytest.approx(0.25, abs=5 * math.sqrt(3 / 16 / m.size))
    c1 = np.mean([lag_corr(m[:, :, i], m[:, :, i], 1) for i in range(n)])
    c2 = np.mean([lag_corr(m[:, :, i], m[:, :, i], 2) for i in range(n)])
    cross = np.mean([lag_corr(m[:, :, i + 1], m[:, :, i], 0) for i in range(n - 1)])
    assert c1 == pytest.approx(1 / 3, abs=tol)
    assert abs(c2) < tol and abs(cross) < tol
    good = ps.simulate(model, model_chip("fpga-sparse-ising", **{"rng.kind": "xoroshiro"}), sweeps=S,
                       replicas=R, seed=3, beta=beta).states
    assert abs(np.mean([lag_corr(good[:, :, i], good[:, :, i], 1) for i in range(n)])) < tol


# ----------------------------------------------------------------- analog noise, schedules, errors
def test_input_noise_matches_quadrature():
    chip = model_chip("analog-variation", **{"pbit.input_noise_sigma": 0.6, "pbit.stuck_fraction": 0.0})
    h = np.linspace(-1.5, 1.5, 8)
    model = uncoupled(h)
    R, S, beta = 8, 4000, 1.2
    m = ps.simulate(model, chip, sweeps=S, replicas=R, seed=2, beta=beta).states
    kd = build_datapath(chip, model, beta, np.arange(8)).kernel
    z, w = np.polynomial.hermite_e.hermegauss(60)
    w = w / w.sum()
    x = kd.gain[:, None] * (h[:, None] + kd.offset[:, None] + 0.6 * z[None, :])
    p_noise = (0.5 * (1 + np.tanh(beta * x))) @ w
    p_clean = 0.5 * (1 + np.tanh(beta * kd.gain * (h + kd.offset)))
    freq = (m > 0).mean(axis=(0, 1))
    se = np.sqrt(p_noise * (1 - p_noise) / (R * S))
    assert np.all(np.abs(freq - p_noise) < 5 * se), (freq, p_noise)
    assert np.max(np.abs(freq - p_clean) / se) > 20      # the noise is visible


def test_engine_names_phases_and_stuck_pbits():
    chip = load_chip("analog-variation")
    prog = place_model(random_spin_glass(chip_graph(chip), 0), chip)
    stuck = build_datapath(chip, prog.physical, 1.0, np.arange(prog.n_physical)).kernel.stuck
    assert np.count_nonzero(stuck) == round(0.01 * prog.n_physical)
    for mode, phases in (("chromatic", prog.colouring.n_colours), ("sequential", prog.n_physical),
                         ("naive_parallel", 1)):
        run = ps.simulate(prog, sweeps=30, replicas=2, seed=0, engine=mode)
        assert run.engine == f"{mode}+datapath" and run.info["n_phases"] == phases
        for i in np.flatnonzero(stuck):
            assert np.all(run.states[:, :, i] == stuck[i])
        np.testing.assert_allclose(run.energies, prog.physical.energy(run.states.astype(float)))


def test_random_scan_is_refused_for_a_hardware_datapath():
    chip = model_chip("fpga-sparse-ising", **{"clock.scan": "random"})
    with pytest.raises(ChipSpecError, match="random-scan"):
        ps.simulate(uncoupled(np.zeros(3)), chip, sweeps=2, engine="sequential")
