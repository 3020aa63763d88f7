r"""The hardware tables of a program: what each memory of an FPGA p-bit array holds, word by word.

Addresses follow the colour order of the datapath: address ``a`` holds
physical p-bit ``pbit_index[a]``, p-bits sorted by (colour, physical index),
so colour phase ``c`` updates the contiguous addresses
``phase_ptr[c] .. phase_ptr[c+1]-1``.  The state memory is in the same order.

Input of p-bit ``a`` (integers, spin ``s = +1`` for bit 1, ``-1`` for bit 0)::

    A = (bias[a] << bias_shift) + sum_{e = indptr[a]}^{indptr[a+1]-1} (weight[e] << weight_shift) * s[neighbour[e]]

with ``weight_shift = F - weight.frac``, ``bias_shift = F - bias.frac`` and
``F = max(weight.frac, bias.frac)``; the datapath then aligns ``A`` to the
accumulator, saturates or wraps it, applies the beta shift, reads the LUT and
compares with the LFSR word (see ``docs/fpga_export.md``).  Couplings whose
weight code is 0 are left out of the neighbour list: they add nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

from ..errors import PbitsimError
from .formats import bits_for, to_words

ADDR = "p-bit address a (colour order)"
ENTRY = "neighbour-list entry e (rows in p-bit address order; row a = indptr[a] .. indptr[a+1]-1)"


@dataclass(frozen=True, eq=False)
class Table:
    """One memory: ``values`` (Python ints, signed values before two's complement) and how to read them."""

    name: str
    values: list
    width: int
    signed: bool
    meaning: str
    address: str
    fixed_point: str | None = None
    in_header: bool = True

    @property
    def depth(self) -> int:
        return len(self.values)

    def words(self) -> list:
        """Unsigned ``width``-bit words (two's complement for signed tables)."""
        return to_words(self.values, self.width, self.signed)

    def describe(self) -> dict:
        return {"width": self.width, "depth": self.depth, "signed": self.signed,
                "fixed_point": self.fixed_point, "address": self.address, "meaning": self.meaning}


def q_name(fmt) -> str:
    """``"Q(total,frac)"`` of a :class:`pbitsim.chip.fixed_point.FixedPoint`."""
    return f"Q({fmt.total_bits},{fmt.frac_bits})"


def code_shifts(dp) -> tuple:
    """``(F, weight_shift, bias_shift)``: common fraction bits of the sum and each table's left shift."""
    wf, bf = dp.weight_format, dp.bias_format
    F = max(wf.frac_bits, bf.frac_bits)
    return F, F - wf.frac_bits, F - bf.frac_bits


def _unshift(codes, shift, fmt, what):
    raw = np.asarray(codes, dtype=np.int64) >> shift
    if np.any((raw << shift) != codes) or np.any(raw < fmt.int_min) or np.any(raw > fmt.int_max):
        raise PbitsimError(f"the datapath's {what} codes do not fit {fmt} after the alignment shift "
                           f"({shift} bits); cannot export them")
    return raw


def _asymmetry_error(W, order):
    D = (W - W.T).tocoo()
    a, b = int(D.row[0]), int(D.col[0])
    return PbitsimError(
        f"the weight codes are not symmetric: p-bit {int(order[a])} receives code {int(W[a, b])} from "
        f"p-bit {int(order[b])} but sends code {int(W[b, a])} back (stochastic rounding rounds the two "
        "directions independently); the export reader rebuilds a symmetric Ising model, so use a "
        "deterministic [weights] rounding")


def coupling_tables(dp):
    """``(indptr, neighbour, weight_codes)`` in weight-format units, zero codes dropped, symmetric."""
    g = dp.graph
    n = g.h.shape[0]
    _, wshift, _ = code_shifts(dp)
    raw = _unshift(dp.kernel.wint, wshift, dp.weight_format, "weight")
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(g.indptr))
    keep = raw != 0
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows[keep], minlength=n))]).astype(np.int64)
    nbr = np.asarray(g.indices, dtype=np.int64)[keep]
    codes = raw[keep]
    W = csr_matrix((codes.astype(np.float64), nbr, indptr), shape=(n, n))
    D = W - W.T
    D.eliminate_zeros()
    if D.nnz:
        raise _asymmetry_error(W, dp.order)
    return indptr, nbr, codes


def program_tables(program, dp, colour_ptr, rng_seeds) -> dict:
    """Every hardware table of ``program`` as built into ``dp`` (a :class:`pbitsim.compiler.hardware.Datapath`).

    ``rng_seeds``: uint64 ``(n_registers,)`` initial LFSR registers.  Returns
    ``{name: Table}`` in the order the files are listed in the manifest.
    """
    chip = program.chip
    n = dp.graph.h.shape[0]
    order = dp.order
    wf, bf, p, r = dp.weight_format, dp.bias_format, chip.pbit, chip.rng
    _, _, bshift = code_shifts(dp)
    indptr, nbr, wcodes = coupling_tables(dp)
    hcodes = _unshift(dp.kernel.hint, bshift, bf, "bias")
    colours = np.asarray(program.colouring.colours)[order]
    n_colours = len(colour_ptr) - 1
    addr_bits = bits_for(n - 1)
    T = [
        Table("indptr", indptr.tolist(), bits_for(indptr[-1]), False,
              "start of p-bit a's row in the neighbour and weight tables; entry n is the number of entries",
              "p-bit address a = 0..n (n+1 words)"),
        Table("neighbour", nbr.tolist(), addr_bits, False,
              "address of the neighbour whose state multiplies weight[e]", ENTRY),
        Table("weight", wcodes.tolist(), wf.total_bits, True,
              f"coupling code J[a, neighbour[e]] in {q_name(wf)} (value = code * 2**-{wf.frac_bits})",
              ENTRY, q_name(wf)),
        Table("bias", hcodes.tolist(), bf.total_bits, True,
              f"bias code h[a] in {q_name(bf)} (value = code * 2**-{bf.frac_bits})", ADDR, q_name(bf)),
        Table("colour", colours.tolist(), bits_for(n_colours - 1), False,
              "colour (clock phase within a sweep) of p-bit a", ADDR),
        Table("phase_ptr", np.asarray(colour_ptr).tolist(), bits_for(n), False,
              "first address of colour phase c; phase c updates addresses phase_ptr[c] .. phase_ptr[c+1]-1",
              "colour c = 0..n_colours (n_colours+1 words)"),
        Table("lut", np.asarray(dp.kernel.lut).tolist(), p.lut_output_bits, False,
              "activation thresholds T[k] = round(2**L (1 + tanh(beta v_k)) / 2), clipped to 2**L - 1 "
              "(beta already applied)",
              "table index k = min(|a|, size-1) (symmetric) or clip(a + size/2, 0, size-1) (signed)"),
        Table("rng_seed", [int(x) for x in rng_seeds], r.width, False,
              f"initial {r.width}-bit LFSR register (replica 0 of the run seed)",
              "LFSR register: p-bit address a" if not r.shared else "shared LFSR register g"),
    ]
    if r.shared:
        T += [Table("rng_slot", dp.kernel.slot.tolist(), bits_for(max(len(rng_seeds) - 1, 0)), False,
                    "shared LFSR register that p-bit a reads", ADDR),
              Table("rng_offset", dp.kernel.off.tolist(), bits_for(int(dp.kernel.off.max(initial=0))), False,
                    "bit offset of p-bit a's window in its shared register", ADDR)]
    if np.any(dp.kernel.stuck != 0):
        T.append(Table("stuck", dp.kernel.stuck.astype(np.int64).tolist(), 2, True,
                       "stuck p-bit: +1 always outputs +1, -1 always -1, 0 free", ADDR))
    T += [Table("pbit_index", order.tolist(), addr_bits, False,
                "physical p-bit index of address a (host software only)", ADDR),
          Table("chip_node", np.asarray(program.chip_nodes)[order].tolist(),
                bits_for(int(np.max(program.chip_nodes, initial=0))), False,
                "chip-graph node of address a (host software only)", ADDR)]
    return {t.name: t for t in T}
