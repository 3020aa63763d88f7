r"""Memory-initialisation file formats: Verilog ``$readmemh`` (.mem), Xilinx (.coe), Intel (.mif).

Every table is a list of unsigned words of a fixed ``width`` (bits).  A signed
value ``v`` is stored as its two's complement in ``width`` bits,
``word = v mod 2**width`` (so ``-1`` in 6 bits is ``0x3F``); reading it back
sign-extends: ``v = word - 2**width`` when bit ``width-1`` is set.

File layouts (``d = ceil(width / 4)`` hex digits per word, zero-padded, upper case):

* ``.mem`` -- ``//`` comment lines, then one word per line, address 0 first
  (what ``$readmemh("t.mem", ram)`` reads).
* ``.coe`` -- ``;`` comment lines, ``memory_initialization_radix=16;``,
  ``memory_initialization_vector=`` and the words separated by ``,`` (one per
  line), the last one ending in ``;``.
* ``.mif`` -- ``--`` comment lines, ``WIDTH=w; DEPTH=n; ADDRESS_RADIX=UNS;
  DATA_RADIX=HEX;`` then ``CONTENT BEGIN``, one ``address : word;`` line per
  word, ``END;``.

A table with no entries still needs one word in a memory file: it is written
as a single zero word (the manifest's ``depth`` stays 0).
"""
from __future__ import annotations

import re

import numpy as np

from ..errors import PbitsimError

FORMATS = ("mem", "coe", "mif")


def check_formats(formats) -> tuple:
    """Normalise ``formats`` (a name, or an iterable of names) to a tuple in the given order, no repeats."""
    if isinstance(formats, str):
        formats = [formats]
    try:
        names = [str(f).strip().lower().lstrip(".") for f in formats]
    except TypeError:
        raise PbitsimError(f"formats must be a list of names from {', '.join(FORMATS)}, got {formats!r}") from None
    bad = [f for f in names if f not in FORMATS]
    if bad:
        raise PbitsimError(f"unknown export format {bad[0]!r}; allowed formats: {', '.join(FORMATS)}")
    if not names:
        raise PbitsimError(f"no export format given; allowed formats: {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(names))


def bits_for(max_value) -> int:
    """Unsigned width (>= 1) that holds every integer in ``0..max_value``."""
    return max(1, int(max_value).bit_length())


def hex_digits(width) -> int:
    return (int(width) + 3) // 4


def to_words(values, width, signed) -> list:
    """Python-int words of ``values`` in ``width`` bits (two's complement if ``signed``); range-checked."""
    width = int(width)
    lo, hi = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    mask = (1 << width) - 1
    out = []
    for v in values:
        v = int(v)
        if not lo <= v <= hi:
            kind = "signed" if signed else "unsigned"
            raise PbitsimError(f"value {v} does not fit a {width}-bit {kind} word ({lo}..{hi})")
        out.append(v & mask)
    return out


def from_words(words, width, signed) -> list:
    """Values of ``width``-bit words (sign-extended if ``signed``) as Python ints."""
    width = int(width)
    top = 1 << (width - 1)
    full = 1 << width
    out = []
    for w in words:
        w = int(w)
        if not 0 <= w < full:
            raise PbitsimError(f"word {w:#x} is wider than {width} bits")
        out.append(w - full if signed and w & top else w)
    return out


def _hex(words, width):
    d = hex_digits(width)
    return [format(int(w), "X").zfill(d) for w in (words or [0])]


def render_mem(words, width, comments=()) -> str:
    lines = [f"// {c}" for c in comments] + _hex(words, width)
    return "\n".join(lines) + "\n"


def render_coe(words, width, comments=()) -> str:
    hx = _hex(words, width)
    lines = [f"; {c}" for c in comments]
    lines += ["memory_initialization_radix=16;", "memory_initialization_vector="]
    lines += [w + "," for w in hx[:-1]] + [hx[-1] + ";"]
    return "\n".join(lines) + "\n"


def render_mif(words, width, comments=()) -> str:
    hx = _hex(words, width)
    lines = [f"-- {c}" for c in comments]
    lines += [f"WIDTH={int(width)};", f"DEPTH={len(hx)};", "ADDRESS_RADIX=UNS;", "DATA_RADIX=HEX;", "",
              "CONTENT BEGIN"]
    lines += [f"    {a} : {w};" for a, w in enumerate(hx)]
    lines.append("END;")
    return "\n".join(lines) + "\n"


RENDERERS = {"mem": render_mem, "coe": render_coe, "mif": render_mif}


# ----------------------------------------------------------------- parsers (used by the reader)
def _bad(fmt, where, why):
    return PbitsimError(f"{where}: not a valid .{fmt} file ({why})")


def parse_mem(text, where="<mem>") -> list:
    """Words of a ``$readmemh`` file written by :func:`render_mem` (comments, no ``@`` addresses)."""
    words = []
    for k, line in enumerate(text.splitlines(), 1):
        line = line.split("//", 1)[0].strip()
        if not line:
            continue
        for tok in line.split():
            if not re.fullmatch(r"[0-9A-Fa-f]+", tok):
                raise _bad("mem", where, f"line {k}: {tok!r} is not a hex word")
            words.append(int(tok, 16))
    return words


def parse_coe(text, where="<coe>") -> list:
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(";"))
    m = re.search(r"memory_initialization_radix\s*=\s*(\d+)\s*;", body, re.I)
    if not m:
        raise _bad("coe", where, "no memory_initialization_radix")
    radix = int(m.group(1))
    v = re.search(r"memory_initialization_vector\s*=(.*?);", body, re.I | re.S)
    if not v:
        raise _bad("coe", where, "no memory_initialization_vector ending in ';'")
    toks = [t for t in re.split(r"[,\s]+", v.group(1)) if t]
    try:
        return [int(t, radix) for t in toks]
    except ValueError as exc:
        raise _bad("coe", where, str(exc)) from None


def parse_mif(text, where="<mif>") -> tuple:
    """``(words, width, depth)`` of an Intel .mif file (single-address content lines)."""
    body = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    hdr = {}
    for key in ("WIDTH", "DEPTH", "ADDRESS_RADIX", "DATA_RADIX"):
        m = re.search(rf"\b{key}\s*=\s*(\w+)\s*;", body, re.I)
        if not m:
            raise _bad("mif", where, f"no {key}")
        hdr[key] = m.group(1).upper()
    radix = {"HEX": 16, "UNS": 10, "DEC": 10, "BIN": 2, "OCT": 8}
    c = re.search(r"CONTENT\s+BEGIN(.*?)END\s*;", body, re.I | re.S)
    if not c or hdr["ADDRESS_RADIX"] not in radix or hdr["DATA_RADIX"] not in radix:
        raise _bad("mif", where, "no CONTENT BEGIN .. END; block or an unknown radix")
    depth = int(hdr["DEPTH"])
    words = [None] * depth
    for m in re.finditer(r"(\w+)\s*:\s*(\w+)\s*;", c.group(1)):
        a = int(m.group(1), radix[hdr["ADDRESS_RADIX"]])
        if not 0 <= a < depth:
            raise _bad("mif", where, f"address {a} outside DEPTH={depth}")
        words[a] = int(m.group(2), radix[hdr["DATA_RADIX"]])
    if any(w is None for w in words):
        raise _bad("mif", where, f"address {words.index(None)} has no content")
    return words, int(hdr["WIDTH"]), depth


def parse_words(fmt, text, where="") -> list:
    """Words of a file in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "mem":
        return parse_mem(text, where)
    if fmt == "coe":
        return parse_coe(text, where)
    if fmt == "mif":
        return parse_mif(text, where)[0]
    raise PbitsimError(f"unknown export format {fmt!r}; allowed formats: {', '.join(FORMATS)}")


def pack_bits(bits) -> int:
    """One integer whose bit ``a`` is ``bits[a]`` (bit 0 = first entry): a state vector as a word."""
    b = np.asarray(bits, dtype=np.uint8).ravel()
    return int.from_bytes(np.packbits(b, bitorder="little").tobytes(), "little")


def unpack_bits(word, n) -> np.ndarray:
    """Inverse of :func:`pack_bits`: ``uint8 (n,)``."""
    raw = int(word).to_bytes((n + 7) // 8 or 1, "little")
    return np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little")[:n].copy()
