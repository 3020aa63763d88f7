"""export_fpga and read_export: exact round trip, table contents, widths, manifest, bad inputs, CLI.

Expected table contents are computed here from the program and the chip's
number formats (not from the export code): codes ``to_int(J)`` in colour
order, zero codes dropped; LUT thresholds from their formula.
"""
import dataclasses
import json
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pbitsim as ps
from pbitsim.chip.spec import chip_from_dict, load_chip
from pbitsim.cli import main as cli_main
from pbitsim.compiler.hardware import build_datapath
from pbitsim.compiler.seeding import lfsr_states
from pbitsim.errors import ChipSpecError, PbitsimError
from pbitsim.export import export_fpga, read_export, read_manifest, read_tables
from pbitsim.chip.fixed_point import FixedPoint
from pbitsim.compiler.chip_graph import chip_graph
from pbitsim.spin_glass import random_spin_glass

TABLE_FILES = {"indptr", "neighbour", "weight", "bias", "colour", "phase_ptr", "lut", "rng_seed",
               "pbit_index", "chip_node", "golden_states", "golden_lfsr"}


def random_chip(rng, **over):
    """A random fixed-point LUT/LFSR chip on the model's own graph (topology kind "model")."""
    wt, bt, at = (int(rng.integers(2, 11)) for _ in range(3))
    width = int(rng.integers(4, 41))
    shared = bool(rng.random() < 0.3)
    group, shift = int(rng.integers(1, 4)), int(rng.integers(0, 3))
    shift = min(shift, (width - 1) // max(group - 1, 1))  # every window must fit in the register
    kmax = width - (group - 1) * shift if shared else width
    d = {"name": "random-fixed", "topology": {"kind": "model"},
         "pbit": {"activation": "lut", "lut_input_bits": int(rng.integers(1, 7)),
                  "lut_output_bits": int(rng.integers(1, 41)), "lut_symmetric": bool(rng.random() < 0.6),
                  "stuck_fraction": float(rng.choice([0.0, 0.0, 0.3])), "variation_seed": int(rng.integers(0, 5))},
         "rng": {"kind": "lfsr", "width": width, "feedback": str(rng.choice(["xor", "xnor"])),
                 "structure": str(rng.choice(["fibonacci", "galois"])), "output_bits": int(rng.integers(1, kmax + 1)),
                 "shared": shared, "share_group": group, "share_shift": shift,
                 "steps_per_update": int(rng.integers(1, 4))},
         "weights": {"format": "fixed", "total_bits": wt, "frac_bits": int(rng.integers(0, wt)),
                     "rounding": str(rng.choice(["nearest_even", "nearest", "floor", "zero"])),
                     "overflow": str(rng.choice(["saturate", "wrap"]))},
         "bias": {"format": "fixed", "total_bits": bt, "frac_bits": int(rng.integers(0, bt)),
                  "overflow": str(rng.choice(["saturate", "wrap"]))},
         "accumulator": {"format": "fixed", "total_bits": at + 2, "frac_bits": int(rng.integers(0, at + 2)),
                         "overflow": str(rng.choice(["saturate", "wrap"])), "beta_shift": int(rng.integers(-2, 3))},
         "clock": {"mode": "chromatic"}}
    for k, v in over.items():
        sec, key = k.split(".")
        d[sec][key] = v
    return chip_from_dict(d)


def random_model(rng, n, scale):
    J = np.triu(rng.uniform(-scale, scale, (n, n)) * (rng.random((n, n)) < 0.6), 1)
    return ps.IsingModel.from_dense(J + J.T, rng.uniform(-scale, scale, n))


def mem_values(path, width, signed):
    """Values of a .mem file (the simplest parser: hex words, // comments), sign-extended."""
    words = [int(t, 16) for line in open(path) for t in line.split("//")[0].split()]
    assert all(0 <= w < 1 << width for w in words)
    return [w - (1 << width) if signed and w >> (width - 1) else w for w in words]


def expected_tables(program, beta):
    chip = program.chip
    order, ptr = program.colouring.order()
    wf = FixedPoint(chip.weights.total_bits, chip.weights.frac_bits, True, chip.weights.rounding,
                    chip.weights.overflow)
    bf = FixedPoint(chip.bias.total_bits, chip.bias.frac_bits, True, chip.bias.rounding, chip.bias.overflow)
    D = program.physical.dense()
    pos = np.argsort(order)
    indptr, nbr, w = [0], [], []
    for a, i in enumerate(order):
        for j in sorted(np.flatnonzero(D[i]), key=lambda j: pos[j]):
            code = int(wf.to_int(D[i, j]))
            if code:
                nbr.append(int(pos[j]))
                w.append(code)
        indptr.append(len(nbr))
    p = chip.pbit
    size, L = 2 ** p.lut_input_bits, p.lut_output_bits
    lsb = 2.0 ** -chip.accumulator.frac_bits * 2.0 ** chip.accumulator.beta_shift
    k = np.arange(size) - (0 if p.lut_symmetric else size // 2)
    lut = [min(int(np.rint(2.0 ** L * (1 + math.tanh(beta * program.beta_factor * v * lsb)) / 2)), 2 ** L - 1)
           for v in k]
    return {"indptr": indptr, "neighbour": nbr, "weight": w,
            "bias": [int(bf.to_int(program.physical.h[i])) for i in order],
            "colour": np.asarray(program.colouring.colours)[order].tolist(), "phase_ptr": ptr.tolist(),
            "lut": lut, "pbit_index": order.tolist()}


@st.composite
def programs(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    chip = random_chip(rng)
    model = random_model(rng, draw(st.integers(1, 7)), float(rng.choice([0.3, 2.0, 40.0])))
    program = ps.place_model(model, chip)
    if draw(st.booleans()):
        program = dataclasses.replace(program, beta_factor=float(rng.choice([0.25, 1.5])))
    return program, float(rng.choice([0.0, 0.6, 1.0, 2.3])), draw(st.integers(0, 2 ** 40)), draw(st.integers(0, 9))


# ----------------------------------------------------------------- round trip
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_round_trip_is_exact(tmp_path_factory, case):
    program, beta, seed, K = case
    out = tmp_path_factory.mktemp("exp") / "out"
    m = export_fpga(program, out, beta=beta, seed=seed, golden_phases=K)
    chip = program.chip
    # every table file holds the expected words, in every format, within its width
    exp = expected_tables(program, beta)
    by_format = {fmt: read_tables(out, fmt) for fmt in ("mem", "coe", "mif")}
    for name, info in m["tables"].items():
        vals = mem_values(out / f"{name}.mem", info["width"], info["signed"])[:info["depth"]]
        if name in exp:
            assert vals == exp[name], name
        for fmt in ("mem", "coe", "mif"):
            assert [int(v) for v in by_format[fmt][name]] == vals, (name, fmt)
    assert m["tables"]["weight"]["width"] == chip.weights.total_bits and m["tables"]["weight"]["signed"]
    assert m["tables"]["bias"]["fixed_point"] == f"Q({chip.bias.total_bits},{chip.bias.frac_bits})"
    dp = build_datapath(chip, program.physical, beta * program.beta_factor, program.colouring.order()[0],
                        chip_nodes=program.chip_nodes, colours=program.colouring.colours)
    seeds, seeded = read_tables(out)["rng_seed"].tolist(), lfsr_states(dp, seed, 1, chip)[0].tolist()
    tie = json.load(open(out / "golden.json"))["start"]["tie_register"]   # re-seeded for a comparator tie
    assert [x for g, x in enumerate(seeds) if g != tie] == [x for g, x in enumerate(seeded) if g != tie]
    # the reader rebuilds the program: same chip, colours, placement; physical on the grid
    q = read_export(out)
    assert q.chip == chip and q.beta_factor == program.beta_factor
    assert np.array_equal(q.colouring.colours, program.colouring.colours)
    assert np.array_equal(q.placement, program.placement) and np.array_equal(q.chip_nodes, program.chip_nodes)
    wf_lsb, bf_lsb = 2.0 ** -chip.weights.frac_bits, 2.0 ** -chip.bias.frac_bits
    wf = FixedPoint(chip.weights.total_bits, chip.weights.frac_bits, True, chip.weights.rounding,
                    chip.weights.overflow)
    bf = FixedPoint(chip.bias.total_bits, chip.bias.frac_bits, True, chip.bias.rounding, chip.bias.overflow)
    assert np.array_equal(q.physical.dense(), wf.to_int(program.physical.dense()) * wf_lsb)
    assert np.array_equal(q.physical.h, bf.to_int(program.physical.h) * bf_lsb)
    # codes -> values on the grid -> the same codes: a second export is byte-identical
    out2 = tmp_path_factory.mktemp("exp") / "again"
    m2 = export_fpga(q, out2, beta=beta, seed=seed, golden_phases=K)
    assert sorted(os.listdir(out)) == sorted(os.listdir(out2))
    for f in os.listdir(out):
        if f != "logical.npz":
            assert (out / f).read_bytes() == (out2 / f).read_bytes(), f
    assert {k: v for k, v in m.items() if k != "path"} == {k: v for k, v in m2.items() if k != "path"}


def test_negative_codes_are_twos_complement(tmp_path):
    chip = load_chip("fpga-sparse-ising").with_params({"topology": {"kind": "model"}})
    model = ps.IsingModel.from_dense([[0, -0.5, 20], [-0.5, 0, 0], [20, 0, 0]], [-16, 15.5, -20])
    program = ps.place_model(model, chip, scale=1.0)     # the values in chip units
    export_fpga(program, tmp_path / "e", formats=["mem"])
    bias = (tmp_path / "e" / "bias.mem").read_text().split("\n")
    order = program.colouring.order()[0]
    want = {0: "20", 1: "1F", 2: "20"}                 # -32 (= -16), 31 (= 15.5), -40 saturated to -32
    assert [ln for ln in bias if ln and not ln.startswith("//")] == [want[int(i)] for i in order]
    lines = (tmp_path / "e" / "weight.mem").read_text().splitlines()
    assert lines[0].startswith("// ") and sorted(lines[1:]) == ["1F", "1F", "3F", "3F"]  # 20 -> 31, -0.5 -> -1
    assert sorted(mem_values(tmp_path / "e" / "weight.mem", 6, True)) == [-1, -1, 31, 31]


def test_manifest_describes_every_file(tmp_path):
    chip = load_chip("fpga-lfsr-shared")
    program = ps.place_model(random_spin_glass(chip_graph(chip), 1), chip)
    m = export_fpga(program, tmp_path / "e", golden_phases=4)
    listed = {f["name"] for f in m["files"]}
    assert listed | {"manifest.json"} == set(os.listdir(tmp_path / "e"))
    assert set(m["tables"]) == TABLE_FILES | {"rng_slot", "rng_offset"}
    for f in m["files"]:
        assert f["format"] in ("mem", "coe", "mif", "json", "c-header", "verilog-include", "npz") and f["meaning"]
        if "table" in f:
            for key in ("width", "depth", "signed", "address", "fixed_point"):
                assert key in f
    assert m["fixed_point"]["weight"]["q"] == "Q(8,4)" and m["fixed_point"]["accumulator"]["overflow"] == "wrap"
    assert m["rng"]["taps"] == [32, 22, 2, 1] and m["rng"]["tap_mask"] == "0x80200003"
    assert read_manifest(tmp_path / "e") == json.loads((tmp_path / "e" / "manifest.json").read_text())
    header = (tmp_path / "e" / "pbit_params.h").read_text()
    assert f"#define PBIT_N {program.n_physical} " in header and "#define PBIT_LFSR_SHARED 1" in header
    assert "int8_t pbit_weight[" in header and "golden" not in header.split("#endif")[0].split("PBIT_GOLDEN")[1]
    q = read_export(tmp_path / "e", "mif")
    assert q.chip == chip and np.array_equal(q.chip_nodes, program.chip_nodes)


# ----------------------------------------------------------------- bad inputs
def listing(d):
    return sorted((p, os.path.getsize(os.path.join(r, p))) for r, _, fs in os.walk(d) for p in fs + [r])


def small_program(chip="fpga-sparse-ising", **over):
    chip = load_chip(chip).with_params({"topology": {"kind": "model"}, **over})
    return ps.place_model(ps.IsingModel.from_dense([[0, 1], [1, 0]], [0.5, -1]), chip)


@pytest.mark.parametrize("program,match", [
    (lambda: small_program("ideal"), "float datapath"),
    (lambda: small_program(**{"pbit.activation": "tanh"}), r"activation = 'lut'"),
    (lambda: small_program("fpga-xoroshiro-pwl"), r"activation = 'lut'"),
    (lambda: small_program(**{"rng.kind": "xoroshiro", "rng.output_bits": 16}), r"kind = 'lfsr'"),
    (lambda: small_program(**{"pbit.gain_sigma": 0.1}), "analog device variation.*gain_sigma"),
    (lambda: small_program(**{"weights.mismatch_rel_sigma": 0.1}), "mismatch_rel_sigma"),
])
def test_unexportable_chips_are_refused_before_writing(tmp_path, program, match):
    before = listing(tmp_path)
    with pytest.raises(ChipSpecError, match=match):
        export_fpga(program(), tmp_path / "out")
    assert listing(tmp_path) == before


@pytest.mark.parametrize("kwargs,match", [
    ({"formats": ["mem", "vhdl"]}, r"unknown export format 'vhdl'; allowed formats: mem, coe, mif"),
    ({"seed": -1}, "seed must be a non-negative integer"),
    ({"beta": float("nan")}, "beta must be finite"),
    ({"golden_phases": 1.5}, "golden_phases must be a non-negative integer"),
])
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(PbitsimError, match=match):
        export_fpga(small_program(), tmp_path / "out", **kwargs)
    assert os.listdir(tmp_path) == []


def test_not_a_program(tmp_path):
    with pytest.raises(PbitsimError, match="needs a Program"):
        export_fpga(ps.IsingModel.from_dense([[0, 1], [1, 0]]), tmp_path / "out")


def test_non_empty_out_dir_is_kept_unless_overwrite(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    before = listing(tmp_path)
    with pytest.raises(PbitsimError, match="is not empty.*overwrite"):
        export_fpga(small_program(), out)
    assert listing(tmp_path) == before and (out / "keep.txt").read_text() == "mine"
    (tmp_path / "file").write_text("x")
    with pytest.raises(PbitsimError, match="not a directory"):
        export_fpga(small_program(), tmp_path / "file")
    export_fpga(small_program(), out, overwrite=True)
    assert "keep.txt" not in os.listdir(out) and "manifest.json" in os.listdir(out)
    assert sorted(os.listdir(tmp_path)) == ["file", "out"]          # no temporary siblings left
    empty = tmp_path / "empty"
    empty.mkdir()
    export_fpga(small_program(), empty)
    assert "weight.mif" in os.listdir(empty)


def test_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    import pbitsim.export.fpga as fpga

    calls = []

    def failing(path, text):
        calls.append(path)
        if len(calls) == 7:
            raise OSError("disk full")
        with open(path, "w") as f:
            f.write(text)

    monkeypatch.setattr(fpga, "_write_text", failing)
    out = tmp_path / "out"
    with pytest.raises(OSError, match="disk full"):
        export_fpga(small_program(), out)
    assert os.listdir(tmp_path) == []
    out.mkdir()
    (out / "old.txt").write_text("old")
    before = listing(tmp_path)
    calls.clear()
    with pytest.raises(OSError, match="disk full"):
        export_fpga(small_program(), out, overwrite=True)
    assert listing(tmp_path) == before


def test_stochastic_rounding_rounds_each_coupling_once(tmp_path):
    """Stochastic rounding draws one coin per undirected coupling, so both directions agree and export."""
    chip = load_chip("fpga-sparse-ising").with_params({"topology": {"kind": "model"},
                                                       "weights.rounding": "stochastic"})
    n = 12
    J = np.full((n, n), 0.25) - 0.25 * np.eye(n)       # exactly half an lsb: each coupling is a coin flip
    program = ps.place_model(ps.IsingModel.from_dense(J), chip, scale=1.0)   # in chip units: half an lsb each
    export_fpga(program, tmp_path / "out")
    back = read_export(tmp_path / "out")
    codes = np.rint(back.physical.dense() / 0.5)
    assert np.array_equal(codes, codes.T)
    assert 0 < np.count_nonzero(codes) < n * (n - 1)     # some rounded up, some down


def test_reader_rejects_edited_or_foreign_directories(tmp_path):
    export_fpga(small_program(), tmp_path / "e", formats=["mem", "mif"], golden_phases=3)
    read_export(tmp_path / "e")
    lut = (tmp_path / "e" / "lut.mem").read_text().replace("80000000", "80000001")
    (tmp_path / "e" / "lut.mem").write_text(lut)
    with pytest.raises(PbitsimError, match="table lut does not match"):
        read_export(tmp_path / "e")
    read_export(tmp_path / "e", "mif")                              # the untouched .mif files still read
    with pytest.raises(PbitsimError, match="not in this export"):
        read_export(tmp_path / "e", "coe")
    with pytest.raises(PbitsimError, match="no manifest.json"):
        read_export(tmp_path)
    m = json.loads((tmp_path / "e" / "manifest.json").read_text())
    del m["program"]
    (tmp_path / "e" / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(PbitsimError, match="lacks key 'program'"):
        read_export(tmp_path / "e", "mif")


def test_empty_neighbour_list(tmp_path):
    chip = load_chip("fpga-sparse-ising").with_params({"topology": {"kind": "model"}})
    program = ps.place_model(ps.IsingModel.from_dense(np.zeros((3, 3)), [1.0, -2.0, 0.0]), chip, scale=1.0)
    m = export_fpga(program, tmp_path / "e", golden_phases=2)
    assert m["tables"]["neighbour"]["depth"] == 0 and m["n_colours"] == 1
    q = read_export(tmp_path / "e")
    assert q.physical.n_edges == 0 and np.array_equal(q.physical.h, [1.0, -2.0, 0.0])


# ----------------------------------------------------------------- command line
def test_cli_export_chip_and_model(tmp_path, capsys):
    chip = tmp_path / "chip.toml"
    chip.write_text('name = "tiny-fpga"\n[topology]\nkind = "model"\n[pbit]\nactivation = "lut"\n'
                    '[rng]\nkind = "lfsr"\n[weights]\nformat = "fixed"\n[bias]\nformat = "fixed"\n'
                    '[accumulator]\nformat = "fixed"\n')
    model = tmp_path / "m.npz"
    ps.IsingModel.from_dense([[0, 1, 0], [1, 0, -2], [0, -2, 0]], [0.5, 0, 1]).save(model)
    out = tmp_path / "build"
    rc = cli_main(["export", str(chip), "--model", str(model), "--out", str(out), "--formats", "mem,mif",
                   "--seed", "5", "--beta", "0.5", "--golden-phases", "3"])
    assert rc == 0
    assert "wrote" in capsys.readouterr().out
    m = read_manifest(out)
    assert m["seed"] == 5 and m["beta"] == 0.5 and m["golden"]["n_phases"] == 3 and m["formats"] == ["mem", "mif"]
    assert not any(f.endswith(".coe") for f in os.listdir(out))
    rc = cli_main(["export", str(chip), "--model", str(model), "--out", str(tmp_path / "b2"), "--formats", "vhd"])
    err = capsys.readouterr().err
    assert rc == 2 and "unknown export format 'vhd'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "b2").exists()
    assert cli_main(["export", str(chip), "--model", str(model), "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err


def test_cli_export_saved_program(tmp_path, capsys):
    program = small_program()
    path = program.save(str(tmp_path / "prog.npz"))
    assert cli_main(["export", str(path), "--out", str(tmp_path / "b"), "--golden-phases", "2"]) == 0
    q = read_export(tmp_path / "b")
    assert np.array_equal(q.physical.dense(), program.physical.dense())
