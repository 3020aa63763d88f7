"""Memory-file writers (.mem/.coe/.mif), word encoding and the C header, checked with independent parsers.

The parsers below are written from the format descriptions (Verilog
``$readmemh``, Xilinx COE, Intel MIF), not from the writers, so a writer that
drifts from the format fails here.
"""
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbitsim.errors import PbitsimError
from pbitsim.export.c_header import render_header
from pbitsim.export.formats import (FORMATS, RENDERERS, check_formats, from_words, pack_bits, parse_words,
                                    to_words, unpack_bits)
from pbitsim.export.tables import Table


# ----------------------------------------------------------------- independent parsers
def mem_words(text, width):
    """$readmemh: hex words separated by white space; // comments."""
    words = []
    for line in text.splitlines():
        line = line.split("//")[0].strip()
        for tok in line.split():
            assert len(tok) == (width + 3) // 4, f"word {tok!r} not padded to the width"
            words.append(int(tok, 16))
    return words


def coe_words(text, width):
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith(";")]
    assert lines[0] == "memory_initialization_radix=16;"
    assert lines[1] == "memory_initialization_vector="
    body = lines[2:]
    assert all(ln.endswith(",") for ln in body[:-1]) and body[-1].endswith(";")
    toks = [ln[:-1] for ln in body]
    assert all(len(t) == (width + 3) // 4 for t in toks)
    return [int(t, 16) for t in toks]


def mif_words(text, width):
    lines = [ln.split("--")[0].strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln]
    hdr = dict(re.fullmatch(r"(\w+)=(\w+);", ln).groups() for ln in lines[:4])
    assert hdr == {"WIDTH": str(width), "DEPTH": hdr["DEPTH"], "ADDRESS_RADIX": "UNS", "DATA_RADIX": "HEX"}
    assert lines[4] == "CONTENT BEGIN" and lines[-1] == "END;"
    words = {}
    for ln in lines[5:-1]:
        a, w = re.fullmatch(r"(\d+) : ([0-9A-F]+);", ln).groups()
        assert len(w) == (width + 3) // 4
        words[int(a)] = int(w, 16)
    depth = int(hdr["DEPTH"])
    assert sorted(words) == list(range(depth))
    return [words[a] for a in range(depth)]


TEST_PARSERS = {"mem": mem_words, "coe": coe_words, "mif": mif_words}


def sign_extend(w, width):
    return w - (1 << width) if w >> (width - 1) & 1 else w


@st.composite
def word_tables(draw):
    width = draw(st.integers(1, 72))
    signed = draw(st.booleans()) and width >= 2
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    values = draw(st.lists(st.integers(lo, hi), min_size=1, max_size=40))
    return width, signed, values


# ----------------------------------------------------------------- words and files
@settings(max_examples=150, deadline=None)
@given(word_tables())
def test_every_format_parses_back_to_the_words(case):
    width, signed, values = case
    words = to_words(values, width, signed)
    assert all(0 <= w < 1 << width for w in words)
    for fmt in FORMATS:
        text = RENDERERS[fmt](words, width, ["a comment"])
        got = TEST_PARSERS[fmt](text, width)
        assert got == words, fmt
        assert parse_words(fmt, text) == words, fmt             # the reader's own parser agrees
        decoded = [sign_extend(w, width) for w in got] if signed else got
        assert decoded == values
    assert from_words(words, width, signed) == values


def test_twos_complement_examples():
    assert to_words([-1, -32, 31, 0, 1], 6, True) == [0x3F, 0x20, 0x1F, 0x00, 0x01]
    assert RENDERERS["mem"](to_words([-1, -32, 31], 6, True), 6) == "3F\n20\n1F\n"
    assert to_words([-(1 << 63)], 64, True) == [1 << 63]
    assert RENDERERS["mem"]([(1 << 64) - 1], 64) == "F" * 16 + "\n"
    assert RENDERERS["mem"]([1, 0], 1) == "1\n0\n"
    assert from_words([0x3F, 0x20, 0x1F], 6, True) == [-1, -32, 31]


@pytest.mark.parametrize("values,width,signed", [([32], 6, True), ([-33], 6, True), ([-1], 4, False),
                                                  ([16], 4, False)])
def test_values_outside_the_width_are_refused(values, width, signed):
    with pytest.raises(PbitsimError, match="does not fit"):
        to_words(values, width, signed)


def test_empty_table_is_one_zero_word():
    for fmt in FORMATS:
        assert TEST_PARSERS[fmt](RENDERERS[fmt]([], 6), 6) == [0]


def test_format_names():
    assert check_formats(["mem", "coe", "mem"]) == ("mem", "coe")
    assert check_formats("mif") == ("mif",)
    assert check_formats([".COE"]) == ("coe",)
    with pytest.raises(PbitsimError, match=r"unknown export format 'vhdl'; allowed formats: mem, coe, mif"):
        check_formats(["mem", "vhdl"])
    with pytest.raises(PbitsimError, match="no export format"):
        check_formats([])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=1, max_size=200))
def test_state_words_put_address_zero_in_bit_zero(bits):
    w = pack_bits(bits)
    assert w == sum(b << a for a, b in enumerate(bits))
    assert unpack_bits(w, len(bits)).tolist() == bits


# ----------------------------------------------------------------- the C header
def header_arrays(text):
    """``{name: [values]}`` of ``static const T pbit_x[N] = {...};`` with the stdint literal macros expanded."""
    def value(tok):
        tok = tok.strip()
        m = re.fullmatch(r"\(-INT(\d+)_C\((\d+)\) - 1\)", tok)
        if m:
            return -int(m.group(2)) - 1
        tok = re.sub(r"^U?INT64_C\((.*)\)$", r"\1", tok)
        return int(tok.rstrip("uU"), 0)

    out = {}
    for m in re.finditer(r"static const (u?int\d+_t) pbit_(\w+)\[(\d+)\] = \{(.*?)\};", text, re.S):
        vals = [value(t) for t in m.group(4).split(",") if t.strip()]
        assert len(vals) == int(m.group(3))
        out[m.group(2)] = (m.group(1), vals)
    return out


EXTREME = [Table("a", [-(1 << 63), (1 << 63) - 1, -1, 0], 64, True, "m", "x"),
           Table("b", [(1 << 64) - 1, 0, 1 << 63], 64, False, "m", "x"),
           Table("c", [-128, 127, -1], 8, True, "m", "x"),
           Table("d", [-(1 << 31), (1 << 31) - 1], 32, True, "m", "x"),
           Table("e", [(1 << 32) - 1, 5], 32, False, "m", "x"),
           Table("f", [-2, 1, 0], 2, True, "m", "x"),
           Table("g", [], 5, False, "m", "x")]


def test_header_arrays_and_types():
    text = render_header([("PBIT_N", 3, "n")], EXTREME)
    arrays = header_arrays(text)
    assert arrays["a"] == ("int64_t", EXTREME[0].values)
    assert arrays["b"] == ("uint64_t", EXTREME[1].values)
    assert arrays["c"][0] == "int8_t" and arrays["f"] == ("int8_t", [-2, 1, 0])
    assert arrays["g"] == ("uint8_t", [0])
    assert "#define PBIT_G_DEPTH 0" in text and "#define PBIT_N 3" in text


def test_header_compiles_and_holds_the_values(tmp_path):
    assert shutil.which("cc"), "a C compiler (cc) is needed to check that pbit_params.h compiles"
    (tmp_path / "pbit_params.h").write_text(render_header([("PBIT_N", 3, "")], EXTREME))
    prints = "\n".join(
        f'for (int i = 0; i < {max(t.depth, 1)}; ++i) printf("{t.name} %s\\n", '
        f'{"i64" if t.signed else "u64"}(pbit_{t.name}[i]));' for t in EXTREME)
    (tmp_path / "main.c").write_text(
        '#include <stdio.h>\n#include <inttypes.h>\n#include "pbit_params.h"\n'
        'static const char *i64(int64_t v) { static char b[32]; sprintf(b, "%" PRId64, v); return b; }\n'
        'static const char *u64(uint64_t v) { static char b[32]; sprintf(b, "%" PRIu64, v); return b; }\n'
        f"int main(void) {{\n{prints}\nreturn 0;\n}}\n")
    exe = tmp_path / "main"
    subprocess.run(["cc", "-std=c99", "-Wall", "-Werror", "-o", str(exe), str(tmp_path / "main.c")], check=True)
    got = {}
    for line in subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout.splitlines():
        name, v = line.split()
        got.setdefault(name, []).append(int(v))
    for t in EXTREME:
        assert got[t.name] == (t.values or [0]), t.name
