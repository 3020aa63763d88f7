"""Golden test vectors: equal to the chromatic datapath engine, reproducible from the reader, and from a
pure-Python test bench that reads only the exported files and the documented rules.

The test bench (``bench_states``) is what a hardware test bench does: it
knows the bit conventions of docs/fpga_export.md and the tables, nothing of
pbitsim's kernels, and must produce the golden states bit for bit.
"""
import dataclasses
import functools
import json
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pbitsim as ps
from pbitsim.chip.spec import chip_from_dict, load_chip
from pbitsim.compiler.hardware import build_datapath
from pbitsim.compiler.seeding import lfsr_states
from pbitsim.engines.schedule import initial_states, replica_streams
from pbitsim.export import export_fpga, read_export, read_golden
from pbitsim.kernels.chromatic_datapath import _phase, _phase_cached, integer_inputs
from pbitsim.kernels.pbit_update import advance_shared
from pbitsim.compiler.chip_graph import chip_graph
from pbitsim.spin_glass import random_spin_glass


def model_chip(name, **over):
    return load_chip(name).with_params({"topology": {"kind": "model"}, **over})


def random_model(rng, n, scale=2.0):
    J = np.triu(rng.uniform(-scale, scale, (n, n)) * (rng.random((n, n)) < 0.5), 1)
    return ps.IsingModel.from_dense(J + J.T, rng.uniform(-scale, scale, n))


def random_chip(rng):
    """Random fixed-point LUT/LFSR chip (topology kind "model")."""
    wt, at = int(rng.integers(3, 10)), int(rng.integers(3, 9))
    width = int(rng.integers(5, 40))
    shared = bool(rng.random() < 0.35)
    group, shift = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    shift = min(shift, (width - 1) // max(group - 1, 1))  # every window must fit in the register
    kmax = width - (group - 1) * shift if shared else width
    return chip_from_dict({
        "topology": {"kind": "model"},
        "pbit": {"activation": "lut", "lut_input_bits": int(rng.integers(1, 9)),
                 "lut_output_bits": int(rng.integers(1, 40)), "lut_symmetric": bool(rng.random() < 0.5),
                 "stuck_fraction": float(rng.choice([0.0, 0.25])), "variation_seed": int(rng.integers(0, 9))},
        "rng": {"kind": "lfsr", "width": width, "feedback": str(rng.choice(["xor", "xnor"])),
                "structure": str(rng.choice(["fibonacci", "galois"])), "output_bits": int(rng.integers(1, kmax + 1)),
                "shared": shared, "share_group": group, "share_shift": shift,
                "steps_per_update": int(rng.integers(1, 4))},
        "weights": {"format": "fixed", "total_bits": wt, "frac_bits": int(rng.integers(0, wt)),
                    "overflow": str(rng.choice(["saturate", "wrap"]))},
        "bias": {"format": "fixed", "total_bits": wt, "frac_bits": int(rng.integers(0, wt))},
        "accumulator": {"format": "fixed", "total_bits": at, "frac_bits": int(rng.integers(0, at)),
                        "overflow": str(rng.choice(["saturate", "wrap"])), "beta_shift": int(rng.integers(-2, 3))}})


# ----------------------------------------------------------------- a test bench from the files alone
def read_mem(path, width, signed):
    words = [int(t, 16) for line in open(path) for t in line.split("//")[0].split()]
    return [w - (1 << width) if signed and w >> (width - 1) else w for w in words]


def lfsr_step(s, rng):
    """One shift, as documented: Fibonacci parity feedback into bit 0; Galois = multiply by x."""
    w, mask = rng["width"], int(rng["tap_mask"], 16)
    M = (1 << w) - 1
    if rng["structure"] == "fibonacci":
        fb = bin(s & mask).count("1") & 1
        fb ^= rng["feedback"] == "xnor"
        return ((s << 1) | fb) & M
    toggle = int(format(mask & M, f"0{w}b")[::-1], 2)             # taps bit-reversed within w bits
    xnor = rng["feedback"] == "xnor"
    if xnor:
        s = ~s & M
    out = s >> (w - 1)
    s = (s << 1) & M
    if out:
        s ^= toggle
    return ~s & M if xnor else s


def bench_states(out, *, mutation=None):
    """States after each golden phase, computed from manifest.json, the .mem tables and golden.json's start.

    ``mutation`` makes it a wrong datapath, as an RTL slip would: ``">="`` (comparator), ``"swap-overflow"``
    (wrap instead of saturate and vice versa), ``"no-clip"`` (table index taken modulo the size),
    ``"no-invert"`` (no inversion for negative inputs)."""
    m = json.load(open(out / "manifest.json"))
    t = {name: read_mem(out / f"{name}.mem", i["width"], i["signed"])[:i["depth"]] for name, i in m["tables"].items()
         if not name.startswith("golden")}
    g = json.load(open(out / "golden.json"))
    fp, act, rng = m["fixed_point"], m["activation"], m["rng"]
    n, C = m["n_pbits"], m["n_colours"]
    acc_bits, k, L, size = fp["accumulator"]["total_bits"], rng["output_bits"], act["output_bits"], act["size"]
    s = [1 if int(g["initial_state"], 16) >> a & 1 else -1 for a in range(n)]
    regs = list(t["rng_seed"])
    assert [int(x, 16) for x in g["rng_seed"]] == regs
    stuck = t.get("stuck", [0] * n)
    states = [list(s)]
    for step in range(g["n_phases"]):
        c = step % C
        if rng["shared"] and c == 0:
            for r in range(len(regs)):
                for _ in range(rng["steps_per_update"]):
                    regs[r] = lfsr_step(regs[r], rng)
        new = {}
        for a in range(t["phase_ptr"][c], t["phase_ptr"][c + 1]):
            if stuck[a]:
                new[a] = stuck[a]                                   # no random word drawn
                continue
            A = t["bias"][a] << fp["bias_shift"]
            for e in range(t["indptr"][a], t["indptr"][a + 1]):
                A += (t["weight"][e] << fp["weight_shift"]) * s[t["neighbour"][e]]
            A = A << fp["align_up"] if fp["align_up"] else A >> fp["align_down"]
            lo, hi = -(1 << (acc_bits - 1)), (1 << (acc_bits - 1)) - 1
            if (fp["accumulator"]["overflow"] == "saturate") != (mutation == "swap-overflow"):
                A = min(max(A, lo), hi)
            else:
                A = (A - lo) % (1 << acc_bits) + lo
            bs = fp["accumulator"]["beta_shift"]
            A = A >> bs if bs >= 0 else A << -bs
            if rng["shared"]:
                w = (regs[t["rng_slot"][a]] >> t["rng_offset"][a]) & ((1 << k) - 1)
            else:
                for _ in range(rng["steps_per_update"]):
                    regs[a] = lfsr_step(regs[a], rng)
                w = regs[a] & ((1 << k) - 1)
            if mutation == "no-clip":
                T = t["lut"][abs(A) % size] if act["symmetric"] else t["lut"][(A + size // 2) % size]
            else:
                T = t["lut"][min(abs(A), size - 1)] if act["symmetric"] else t["lut"][min(max(A + size // 2, 0), size - 1)]
            lhs, rhs = (T, w >> (k - L)) if k >= L else (T >> (L - k), w)
            plus = lhs >= rhs if mutation == ">=" else lhs > rhs
            if act["symmetric"] and A < 0 and mutation != "no-invert":
                plus = not plus
            new[a] = 1 if plus else -1
        for a, v in new.items():
            s[a] = v
        states.append(list(s))
    return np.array(states, dtype=np.int8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2 ** 32 - 1), st.integers(1, 8), st.integers(0, 12))
def test_python_test_bench_reproduces_golden_vectors(tmp_path_factory, seed, n, K):
    rng = np.random.default_rng(seed)
    program = ps.place_model(random_model(rng, n, float(rng.choice([0.5, 3.0, 30.0]))), random_chip(rng))
    out = tmp_path_factory.mktemp("g") / "e"
    export_fpga(program, out, formats=["mem"], beta=float(rng.choice([0.3, 1.0, 2.0])), seed=seed,
                golden_phases=K)
    gv = read_golden(out)
    assert gv.n_phases == K
    assert np.array_equal(bench_states(out), gv.states)
    words = read_mem(out / "golden_states.mem", max(n, 1), False)
    assert words == [sum(1 << a for a in range(n) if row[a] > 0) for row in gv.states]


NARROW = {"accumulator.total_bits": 4, "accumulator.frac_bits": 2, "pbit.lut_input_bits": 6,
          "weights.frac_bits": 2, "bias.frac_bits": 2}


@pytest.mark.parametrize("chip,over", [
    ("fpga-sparse-ising", None),                                        # full Pegasus P6, 680 p-bits
    ("fpga-sparse-ising", NARROW),                                      # a saturating 4-bit accumulator
    ("fpga-sparse-ising", {**NARROW, "accumulator.overflow": "wrap", "pbit.lut_symmetric": False}),
    ("fpga-lfsr-shared", {"rng.output_bits": 12, "rng.share_shift": 5, "accumulator.beta_shift": -1,
                          "rng.clocking": "per-update", "rng.steps_per_update": 3}),
    ("fpga-lfsr-shared", {"rng.output_bits": 8, "rng.share_shift": 1, "accumulator.beta_shift": -1}),
])
def test_bench_on_shipped_chips(tmp_path, chip, over):
    if over is None:
        chip = load_chip(chip)
        program = ps.place_model(random_spin_glass(chip_graph(chip), 3, field_scale=1.0), chip)
    else:
        program = ps.place_model(random_model(np.random.default_rng(3), 40, 6.0), model_chip(chip, **over))
    export_fpga(program, tmp_path / "e", formats=["mem"], beta=0.5, seed=11, golden_phases=30)
    assert np.array_equal(bench_states(tmp_path / "e"), read_golden(tmp_path / "e").states)


# ----------------------------------------------------------------- equal to the engine
@functools.lru_cache(maxsize=1)
def compiled_rbm():
    """An 8x6 RBM minor-embedded on Pegasus P6 (chains, chip nodes != physical index), 5% stuck p-bits."""
    rng = np.random.default_rng(2)
    rbm = ps.RBM(rng.normal(0, 1, (8, 6)), rng.normal(0, 0.5, 8), rng.normal(0, 0.5, 6))
    return ps.compile(rbm, load_chip("fpga-sparse-ising").with_params({"pbit.stuck_fraction": 0.05}), seed=1)


CASES = {
    "fpga-sparse-ising/model": lambda rng: ps.place_model(random_model(rng, 9), model_chip("fpga-sparse-ising")),
    "fpga-sparse-ising/pegasus": lambda rng: ps.place_model(
        random_spin_glass(chip_graph(load_chip("fpga-sparse-ising")), 2, field_scale=0.5), "fpga-sparse-ising"),
    "fpga-lfsr-shared/king": lambda rng: ps.place_model(
        random_spin_glass(chip_graph(load_chip("fpga-lfsr-shared")), 4), "fpga-lfsr-shared"),
    "stuck+galois+steps": lambda rng: ps.place_model(random_model(rng, 10), model_chip(
        "fpga-sparse-ising", **{"pbit.stuck_fraction": 0.3, "rng.structure": "galois", "rng.feedback": "xor",
                                "rng.steps_per_update": 3, "rng.output_bits": 20, "pbit.lut_output_bits": 24})),
    "compiled/embedded+stuck": lambda rng: compiled_rbm(),
    "beta_factor": lambda rng: dataclasses.replace(
        ps.place_model(random_model(rng, 7), model_chip("fpga-sparse-ising")), beta_factor=0.4),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_equals_simulate_at_sweep_boundaries(tmp_path, case):
    rng = np.random.default_rng(7)
    program = CASES[case](rng)
    seed, sweeps, beta = 1234, 3, 0.8
    C = program.colouring.n_colours
    m = export_fpga(program, tmp_path / "e", formats=["mem"], beta=beta, seed=seed, golden_phases=sweeps * C,
                    coverage=False)                    # the seeded start of simulate(seed=...)
    gv = read_golden(tmp_path / "e")
    order = program.colouring.order()[0]
    assert m["n_colours"] == C and gv.n_phases == sweeps * C
    run = ps.simulate(program, sweeps=sweeps, thin=1, seed=seed, beta=beta, engine="chromatic")
    for s in range(sweeps):
        assert np.array_equal(gv.states[(s + 1) * C], run.states[0, s][order]), f"sweep {s}"
    start = initial_states(program.n_physical, 1, seed)[0][order]
    stuck = gv.states[0] != start                       # only stuck p-bits may differ from the drawn start
    dp = build_datapath(program.chip, program.physical, beta * program.beta_factor, order,
                        chip_nodes=program.chip_nodes, colours=program.colouring.colours)
    assert np.array_equal(stuck, (dp.kernel.stuck != 0) & (dp.kernel.stuck != start))
    assert np.array_equal(gv.rng_seed, lfsr_states(dp, seed, 1, program.chip)[0])


# ----------------------------------------------------------------- from the reader + the integer engine
@pytest.mark.parametrize("kernel", ["gather", "cached"])
@pytest.mark.parametrize("case", ["fpga-lfsr-shared/king", "stuck+galois+steps", "beta_factor",
                                  "compiled/embedded+stuck"])
def test_golden_reproduces_from_reader_and_integer_engine(tmp_path, case, kernel):
    """Phase by phase, with the engine's gather-form phase or its cached-wide-sum phase, from the golden
    start (coverage: possibly pushed spins, one register re-seeded for a comparator tie)."""
    program = CASES[case](np.random.default_rng(5))
    seed, beta, K = 99, 1.3, 11
    m = export_fpga(program, tmp_path / "e", formats=["coe"], beta=beta, seed=seed, golden_phases=K)
    q = read_export(tmp_path / "e", verify=False)
    order, ptr = q.colouring.order()
    dp = build_datapath(q.chip, q.physical, m["beta"] * q.beta_factor, order, chip_nodes=q.chip_nodes,
                        colours=q.colouring.colours)
    gv = read_golden(tmp_path / "e")
    s = gv.states[0].copy()
    seeded = initial_states(q.n_physical, 1, m["seed"])[0][order].copy()
    seeded[dp.kernel.stuck != 0] = dp.kernel.stuck[dp.kernel.stuck != 0]
    if gv.start["initial_state"] == "seeded":
        assert np.array_equal(s, seeded)
    lfsr = gv.rng_seed[None, :].copy()
    differs = np.flatnonzero(lfsr[0] != lfsr_states(dp, m["seed"], 1, q.chip)[0])
    assert differs.tolist() in ([], [gv.start["tie_register"]])
    rng = replica_streams(m["seed"], 1)
    tmp, fint = np.empty_like(s), np.empty(s.shape[0], dtype=np.int64)
    integer_inputs(dp.graph, dp.kernel, s, fint)
    got, regs = [s.copy()], [lfsr[0].copy()]
    for t in range(K):
        c = t % (len(ptr) - 1)
        if q.chip.rng.shared and c == 0:
            advance_shared(dp.kernel.cfg, lfsr, 0)
        if kernel == "gather":
            _phase(dp.graph, dp.kernel, ptr, c, s, tmp, rng, 0, lfsr)
        else:
            _phase_cached(dp.graph, dp.kernel, ptr, c, s, fint, tmp, rng, 0, lfsr)
        got.append(s.copy())
        regs.append(lfsr[0].copy())
    assert np.array_equal(np.array(got), gv.states)
    assert np.array_equal(np.array(regs), gv.lfsr)


# ----------------------------------------------------------------- coverage (issue 15 item 3)
from pbitsim.commands.run import build_model                      # noqa: E402  the default export model
from pbitsim.chip.spec import shipped_chip_names                  # noqa: E402
from pbitsim.errors import ChipSpecError                          # noqa: E402
from pbitsim.export.fpga import check_exportable                  # noqa: E402
from pbitsim.export.golden import GoldenCoverageWarning, run_golden  # noqa: E402
from pbitsim.export.golden_updates import COUNT_KEYS, TRACE_FIELDS  # noqa: E402


def exportable_chips():
    out = []
    for name in shipped_chip_names():
        try:
            check_exportable(load_chip(name))
        except ChipSpecError:
            continue
        out.append(name)
    return out


def test_the_exportable_shipped_chips_are_known():
    assert exportable_chips() == ["fpga-lfsr-shared", "fpga-sparse-ising", "fpga-sparse-ising-per-update",
                                  "pegasus-sdbm"]


def weak_scale(spec, model):
    """A scale at which a typical p-bit's sum stays inside the accumulator but an aligned one leaves it:
    the mean row sum of |J| is 1.3 times the accumulator range."""
    a = spec.accumulator
    rows = np.asarray(abs(model.J).sum(axis=1)).ravel()
    return 1.3 * 2.0 ** (a.total_bits - 1 - a.frac_bits + a.beta_shift * 0) / rows.mean()


@pytest.mark.parametrize("chip", exportable_chips())
@pytest.mark.parametrize("weak", [False, True])
def test_every_reachable_count_is_covered_on_every_shipped_chip(tmp_path, chip, weak):
    """The default export model (the compiler's scale) and a weakly coupled one (the seeded start
    overflows little or nothing): overflow, clipping, negative inputs and a comparator tie at k = L are
    all reached, with no warning."""
    spec = load_chip(chip)
    model = build_model(spec, None, 0)
    program = ps.compile(model, spec, method="identity", **({"scale": weak_scale(spec, model)} if weak else {}))
    with warnings.catch_warnings():
        warnings.simplefilter("error", GoldenCoverageWarning)
        m = export_fpga(program, tmp_path / "e", formats=["mem"], seed=3)
    g = json.load(open(tmp_path / "e" / "golden.json"))
    cov = g["coverage"]
    assert g["version"] == 2 and cov["unreached"] == [] and m["golden"]["unreached"] == []
    for key in ("overflowed", "clipped_lut_index", "negative_inputs", "comparator_ties"):
        assert cov["reachable"][key] and cov[key] > 0, key
    assert cov["stuck_updates"] == 0 and not cov["reachable"]["stuck_updates"]
    assert cov["updates"] == sum(int(np.diff(program.colouring.order()[1])[t % program.colouring.n_colours])
                                 for t in range(g["n_phases"]))
    assert g["start"]["tie_address"] is not None


def test_mutated_datapaths_fail_the_coverage_vectors(tmp_path):
    """An RTL with a >= comparator, the other overflow rule, no clipping or no inversion fails the vectors
    of a weakly coupled program; the >= slip passes the plain seeded vectors (a random tie at k = L = 16
    is a 2**-16 event), so the tie is what catches it."""
    chip = load_chip("fpga-lfsr-shared")
    model = build_model(chip, None, 0)
    program = ps.compile(model, chip, method="identity", scale=weak_scale(chip, model))
    export_fpga(program, tmp_path / "e", formats=["mem"], seed=5)
    gv = read_golden(tmp_path / "e")
    assert gv.unreached == [] and gv.counts["overflowed"] > 0
    assert np.array_equal(bench_states(tmp_path / "e"), gv.states)
    for mutation in (">=", "swap-overflow", "no-clip", "no-invert"):
        assert not np.array_equal(bench_states(tmp_path / "e", mutation=mutation), gv.states), mutation
    export_fpga(program, tmp_path / "plain", formats=["mem"], seed=5, coverage=False, golden_phases=16)
    plain = read_golden(tmp_path / "plain")
    assert plain.counts["comparator_ties"] == 0
    assert np.array_equal(bench_states(tmp_path / "plain", mutation=">="), plain.states)


def test_trace_is_every_update_of_the_golden_run(tmp_path):
    """trace.csv: one row per update, its new states are the golden states, its words are the LFSR
    registers' low k bits, and the decision follows from threshold, word and the sign of a."""
    program = CASES["stuck+galois+steps"](np.random.default_rng(3))
    m = export_fpga(program, tmp_path / "e", formats=["mem"], seed=4, trace=True)
    gv = read_golden(tmp_path / "e")
    rows = [line.rstrip("\n").split(",") for line in open(tmp_path / "e" / "trace.csv")]
    assert tuple(rows[0]) == TRACE_FIELDS and m["golden"]["trace"] == "trace.csv"
    rec = [dict(zip(TRACE_FIELDS, r)) for r in rows[1:]]
    assert len(rec) == gv.counts["updates"] > 0
    k, L = m["rng"]["output_bits"], m["activation"]["output_bits"]
    state = gv.states[0].copy()
    for r in rec:
        t, a = int(r["phase"]), int(r["address"])
        assert gv.states[t][a] == int(r["new"])
        if int(r["stuck"]):
            assert int(r["new"]) == int(r["stuck"]) and int(r["word"], 16) == 0
            continue
        T, w = int(r["threshold"], 16), int(r["word"], 16)
        assert w == int(r["lfsr"], 16) & ((1 << k) - 1)
        lhs, rhs = (T, w >> (k - L)) if k >= L else (T >> (L - k), w)
        assert int(r["tie"]) == (lhs == rhs)
        assert int(r["new"]) == (1 if (lhs > rhs) != (int(r["a"]) < 0) else -1)
    for key, field in (("overflowed", "overflow"), ("comparator_ties", "tie"), ("clipped_lut_index", "clipped")):
        assert sum(int(r[field]) for r in rec) == gv.counts[key]
    assert sum(1 for r in rec if int(r["stuck"])) == gv.counts["stuck_updates"] > 0


def test_unreachable_counts_warn_in_one_line():
    """A 16-bit accumulator no sum can overflow: the export says so (one line), and still runs."""
    chip = model_chip("fpga-sparse-ising", **{"accumulator.total_bits": 16, "pbit.lut_input_bits": 12})
    program = ps.place_model(random_model(np.random.default_rng(1), 6, 1.0), chip)
    order, ptr = program.colouring.order()
    dp = program.datapath(program.physical_beta(1.0), order)
    with pytest.warns(GoldenCoverageWarning) as rec:
        gv = run_golden(dp, ptr, program.chip, 0)
    msg = str(rec[0].message)
    assert "\n" not in msg and "overflowed (no update can reach it with these tables)" in msg
    assert not gv.reachable["overflowed"] and gv.counts["overflowed"] == 0


def test_64_bit_lfsr_and_thresholds_export_bit_exact(tmp_path):
    """lut_output_bits = 64 with a 64-bit LFSR and k = 64: uint64 tables, the bench reproduces them."""
    chip = model_chip("fpga-sparse-ising", **{"pbit.lut_output_bits": 64, "rng.width": 64, "rng.taps": [],
                                              "rng.output_bits": 64})
    program = ps.place_model(random_model(np.random.default_rng(2), 8, 3.0), chip)
    m = export_fpga(program, tmp_path / "e", formats=["mem"], seed=2, trace=True)
    assert m["tables"]["lut"]["width"] == 64 and m["rng"]["toggle_mask"].startswith("0x")
    assert np.array_equal(bench_states(tmp_path / "e"), read_golden(tmp_path / "e").states)
    header = open(tmp_path / "e" / "pbit_params.h").read()
    assert "static const uint64_t pbit_lut[" in header and "PBIT_LFSR_TAP_MASK UINT64_C(0xD800000000000000)" in header
    assert "PBIT_LFSR_TOGGLE_MASK UINT64_C(0x1B)" in header                      # taps 64,63,61,60 reversed
    read_export(tmp_path / "e")                                       # verifies every table


def test_manifest_states_the_galois_rule_and_both_masks(tmp_path):
    chip = model_chip("fpga-sparse-ising", **{"rng.structure": "galois"})
    program = ps.place_model(random_model(np.random.default_rng(4), 6), chip)
    m = export_fpga(program, tmp_path / "e", formats=["mem"])
    r = m["rng"]
    assert r["tap_mask"] == r["fibonacci_tap_mask"] == "0x80200003"          # taps 32, 22, 2, 1
    assert r["toggle_mask"] == "0xC0000401"                                 # bit-reversed within 32 bits
    assert "((s << 1) & M) ^ (s[width-1] ? toggle_mask : 0)" in r["rule"] and "~step_xor(~s & M) & M" in r["rule"]
    assert r["clocking"] == "free-running" and r["steps_per_update"] == program.colouring.n_colours
    header = open(tmp_path / "e" / "pbit_params.h").read()
    assert "#define PBIT_LFSR_TOGGLE_MASK UINT64_C(0xC0000401)" in header
    assert "#define PBIT_LFSR_TAP_MASK UINT64_C(0x80200003)" in header


def test_cli_export_trace_and_one_line_warning(tmp_path, capsys):
    """`pbitsim export --trace` writes trace.csv and prints the coverage; a count the tables cannot
    reach is one stderr line."""
    from pbitsim.cli import main
    ps.IsingModel.from_dense(np.zeros((4, 4)), [0.1, 0.0, 0.0, 0.0]).save(tmp_path / "weak.npz")
    assert main(["export", "fpga-sparse-ising", "--model", str(tmp_path / "weak.npz"), "--out",
                 str(tmp_path / "e"), "--formats", "mem", "--trace"]) == 0
    out, err = capsys.readouterr()
    assert "coverage    " in out and "1 comparator ties" in out and "LFSR        free-running" in out
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("pbitsim export: warning: golden vectors cover no overflowed")
    assert (tmp_path / "e" / "trace.csv").read_text().startswith(",".join(TRACE_FIELDS) + "\n")
