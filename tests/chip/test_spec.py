"""Chip descriptions: shipped chips load, overrides re-validate, malformed files name file and key."""
import dataclasses

import pytest

from pbitsim.chip.spec import ChipSpec, chip_from_dict, list_chips, load_chip, shipped_chip_names
from pbitsim.chip.schema import CLOCK_MODES, SCHEMA
from pbitsim.errors import ChipSpecError, PbitsimError


# ----------------------------------------------------------------------------- shipped chips
def test_ideal_chip_is_shipped():
    assert "ideal" in shipped_chip_names()


@pytest.mark.parametrize("name", shipped_chip_names())
def test_every_shipped_chip_loads_and_round_trips(name):
    chip = load_chip(name)
    assert isinstance(chip, ChipSpec)
    assert chip.name and chip.description, f"{name}: shipped chips need a name and a description"
    assert chip.clock.mode in CLOCK_MODES
    assert name in chip.source
    again = chip_from_dict(chip.to_dict())
    assert again == chip  # to_dict -> chip_from_dict is lossless (source is not compared)
    assert chip.summary().startswith(chip.name)
    assert load_chip(chip) is chip


def test_list_chips_names_every_shipped_chip():
    assert [n for n, _ in list_chips()] == shipped_chip_names()


def test_ideal_chip_is_the_ideal_datapath():
    chip = load_chip("ideal")
    assert chip.topology.kind == "model" and chip.is_ideal_datapath
    assert not chip.is_fixed_point and not chip.has_variation


def test_unknown_chip_name_lists_the_shipped_ones():
    with pytest.raises(ChipSpecError, match="unknown chip 'no-such-chip'.*ideal"):
        load_chip("no-such-chip")


def test_missing_chip_file(tmp_path):
    path = tmp_path / "absent.toml"
    with pytest.raises(ChipSpecError, match="absent.toml: no such chip description file"):
        load_chip(path)


def test_defaults_come_from_the_schema():
    chip = chip_from_dict({})
    for section, keys in SCHEMA.items():
        if not section:
            continue
        for key, spec in keys.items():
            value = getattr(getattr(chip, section), key)
            expect = tuple(spec.default) if isinstance(spec.default, list) else spec.default
            assert value == expect, f"[{section}] {key}"


def test_a_valid_file_loads_with_relative_edgelist(tmp_path):
    (tmp_path / "edges.txt").write_text("0 1\n1 2\n")
    path = tmp_path / "mine.toml"
    path.write_text('[topology]\nkind = "edgelist"\npath = "edges.txt"\n'
                    '[clock]\nmode = "sequential"\nscan = "random"\n'
                    '[weights]\nformat = "fixed"\ntotal_bits = 8\nfrac_bits = 3\n')
    chip = load_chip(path)
    assert chip.name == "mine" and chip.topology.kind == "edgelist"
    assert chip.clock.scan == "random" and chip.weights.total_bits == 8 and chip.is_fixed_point
    assert chip.topology.base_dir == str(tmp_path)


def test_int_is_accepted_for_float_keys_and_stored_as_float():
    chip = chip_from_dict({"clock": {"frequency_mhz": 250}})
    assert chip.clock.frequency_mhz == 250.0 and isinstance(chip.clock.frequency_mhz, float)


# ----------------------------------------------------------------------------- with_params
def test_with_params_overrides_and_revalidates():
    base = load_chip("ideal")
    chip = base.with_params({"clock.mode": "sequential", "clock.scan": "random",
                             "weights.format": "fixed", "weights.total_bits": 8, "name": "variant"})
    assert chip.clock.mode == "sequential" and chip.clock.scan == "random"
    assert chip.weights.format == "fixed" and chip.weights.total_bits == 8 and chip.name == "variant"
    assert base.clock.mode == "chromatic" and base.weights.format == "float"  # base untouched
    assert dataclasses.replace(chip, name=base.name, clock=base.clock, weights=base.weights) == base


@pytest.mark.parametrize("updates, pattern", [
    ({"weights.total_bits": 1}, r"\[weights\] total_bits = 1 must be >= 2"),
    ({"weights.frac_bits": 6}, r"frac_bits = 6 must be smaller than total_bits = 6"),
    ({"clock.mode": "warp"}, r"\[clock\] mode = 'warp' is not allowed; allowed values: .*chromatic"),
    ({"rng.bogus": 1}, r"unknown key 'bogus' in \[rng\]"),
    ({"nosuch.key": 1}, r"unknown section \[nosuch\]"),
    ({"a.b.c": 1}, r"'section.key' or 'key'"),
    ({"topology.kind": "chimera"}, r'missing required key "size"'),
])
def test_with_params_rejects_bad_overrides(updates, pattern):
    with pytest.raises(ChipSpecError, match=pattern):
        load_chip("ideal").with_params(updates)


# ----------------------------------------------------------------------------- malformed chip files
# (case id, TOML text, substrings the message must contain besides the file name)
MALFORMED = [
    ("toml_syntax", '[clock\nmode = "chromatic"\n', ["malformed TOML", "line 1"]),
    ("unknown_section", '[turbo]\nboost = 1\n', ["'turbo'", "allowed", "clock", "rng"]),
    ("unknown_top_key", 'nmae = "x"\n', ["'nmae'", "allowed"]),
    ("unknown_rng_key", '[rng]\nbogus = 1\n', ["'bogus'", "[rng]", "allowed keys", "output_bits"]),
    ("string_for_int", '[weights]\ntotal_bits = "six"\n', ["[weights] total_bits", "wrong type", "integer"]),
    ("bool_for_int", '[rng]\nwidth = true\n', ["[rng] width", "wrong type", "integer"]),
    ("float_for_int", '[rng]\nwidth = 3.5\n', ["[rng] width", "integer"]),
    ("string_for_bool", '[rng]\nshared = "yes"\n', ["[rng] shared", "true/false"]),
    ("total_bits_1", '[weights]\ntotal_bits = 1\nfrac_bits = 0\n', ["[weights] total_bits", ">= 2"]),
    ("total_bits_80", '[accumulator]\ntotal_bits = 80\n', ["[accumulator] total_bits", "<= 64"]),
    ("frac_bits_too_big", '[bias]\ntotal_bits = 6\nfrac_bits = 6\n', ["[bias] frac_bits", "total_bits"]),
    ("unknown_clock_mode", '[clock]\nmode = "warp"\n',
     ["[clock] mode", "'warp'", "allowed values", *CLOCK_MODES]),
    ("unknown_rounding", '[weights]\nrounding = "up"\n', ["[weights] rounding", "nearest_even", "stochastic"]),
    ("negative_synapse_delay", '[timing]\nsynapse_delay_ns = -1.0\n', ["[timing] synapse_delay_ns", ">= 0"]),
    ("zero_frequency", '[clock]\nfrequency_mhz = 0\n', ["[clock] frequency_mhz", "> 0"]),
    ("nan_frequency", '[clock]\nfrequency_mhz = nan\n', ["[clock] frequency_mhz", "NaN"]),
    ("stuck_fraction_above_1", '[pbit]\nstuck_fraction = 1.5\n', ["[pbit] stuck_fraction", "<= 1"]),
    ("section_not_table", 'clock = 5\n', ["[clock]", "table"]),
    ("unknown_topology_kind", '[topology]\nkind = "torus"\n',
     ["[topology]", "kind", "'torus'", "chimera", "pegasus", "king", "edgelist"]),
    ("topology_without_kind", '[topology]\nsize = 2\n', ["[topology]", "kind"]),
    ("missing_topology_size", '[topology]\nkind = "chimera"\n', ["[topology]", "chimera", '"size"']),
    ("bad_topology_key", '[topology]\nkind = "king"\nshape = [3, 3]\nfoo = 1\n',
     ["[topology]", '"foo"', "allowed keys", "shape", "periodic"]),
    ("topology_size_type", '[topology]\nkind = "chimera"\nsize = "big"\n', ['"size"', "integer"]),
    ("king_shape_3d", '[topology]\nkind = "king"\nshape = [3, 3, 3]\n', ['"shape"', "2 integers"]),
    ("edgelist_file_missing", '[topology]\nkind = "edgelist"\npath = "nope_edges.txt"\n',
     ["[topology]", '"path"', "nope_edges.txt", "no such file"]),
    ("lfsr_output_bits_gt_width", '[rng]\nkind = "lfsr"\nwidth = 16\noutput_bits = 32\n',
     ["[rng] output_bits", "32", "width", "16"]),
    ("lfsr_taps_without_width", '[rng]\nkind = "lfsr"\nwidth = 16\ntaps = [5, 3]\noutput_bits = 8\n',
     ["[rng] taps", "16"]),
    ("unknown_rng_kind", '[rng]\nkind = "mersenne"\n', ["[rng] kind", "ideal", "xoroshiro", "lfsr"]),
    ("unknown_colouring", '[clock]\ncolouring = "rainbow"\n', ["[clock] colouring", "smallest_last"]),
]


@pytest.mark.parametrize("text, needles", [(t, n) for _, t, n in MALFORMED], ids=[i for i, _, _ in MALFORMED])
def test_malformed_chip_file_names_file_and_key(tmp_path, request, text, needles):
    name = f"bad_{request.node.callspec.id}.toml"
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ChipSpecError) as info:
        load_chip(path)
    msg = str(info.value)
    assert name in msg, f"file name missing from: {msg}"
    for needle in needles:
        assert needle in msg, f"{needle!r} missing from: {msg}"
    assert "\n" not in msg and "Traceback" not in msg
    assert isinstance(info.value, PbitsimError)


def test_table_is_big_enough():
    assert len(MALFORMED) >= 12


def test_non_utf8_chip_file(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(ChipSpecError, match="latin1.toml: not a UTF-8"):
        load_chip(path)


def test_dict_errors_name_the_source():
    with pytest.raises(ChipSpecError, match=r"^my-sweep: \[rng\] width"):
        chip_from_dict({"rng": {"width": "x"}}, source="my-sweep")
    with pytest.raises(ChipSpecError, match="must be a table"):
        chip_from_dict(["not", "a", "table"])


def test_lut_output_bits_up_to_64_loads():
    """docs/chips.md allows lut_output_bits up to 64; the loader accepts 64 (uint64 thresholds) and
    rejects 65 naming the key."""
    chip = load_chip("fpga-sparse-ising").with_params({"pbit.lut_output_bits": 64})
    assert chip.pbit.lut_output_bits == 64
    with pytest.raises(ChipSpecError, match=r"\[pbit\] lut_output_bits = 65 must be <= 64|lut_output_bits"):
        load_chip("fpga-sparse-ising").with_params({"pbit.lut_output_bits": 65})


def test_lfsr_clocking_key():
    """[rng] clocking: per-update (default) or free-running; the shipped FPGA chips are free-running
    except the per-update variant, which differs from fpga-sparse-ising in nothing else."""
    assert SCHEMA["rng"]["clocking"].default == "per-update"
    assert chip_from_dict({"topology": {"kind": "model"}}).rng.clocking == "per-update"
    for name in ("fpga-sparse-ising", "fpga-lfsr-shared", "pegasus-sdbm"):
        assert load_chip(name).rng.clocking == "free-running" and load_chip(name).rng.steps_per_update == 1
    a, b = load_chip("fpga-sparse-ising").to_dict(), load_chip("fpga-sparse-ising-per-update").to_dict()
    assert b["rng"]["clocking"] == "per-update" and b["rng"]["steps_per_update"] == 1
    for d in (a, b):
        d.pop("name"), d.pop("description"), d["rng"].pop("clocking")
    assert a == b
    with pytest.raises(ChipSpecError, match=r"clocking = 'sometimes' is not allowed; allowed values: "
                                            r"per-update, free-running"):
        load_chip("fpga-sparse-ising").with_params({"rng.clocking": "sometimes"})
