"""Compile a chip's datapath sections into the arrays the kernels run (and their exact law).

``build_datapath(chip, physical, beta, order)`` quantizes couplings and
biases to the chip's fixed-point formats (or keeps floats), applies coupling
mismatch, draws per-p-bit device variation (seeded by ``[pbit]
variation_seed``: part of the chip, not redrawn per run), builds the activation
lookup table and the RNG configuration.  :func:`conditional_p_plus` gives the
exact probability that the datapath outputs +1 for given states, which is what
the exact-law tests and spectral analysis use.

Callers do not build datapaths themselves: :meth:`pbitsim.compiler.program.Program.datapath`
builds one per (physical beta, kernel order) and caches it on the program; the
run's random streams come from :mod:`pbitsim.compiler.seeding`.
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix

from ..errors import ChipSpecError
from ..chip.fixed_point import FixedPoint
from ..kernels import pbit_update as K
from ..kernels.activation import fast_tanh_array
from ..kernels.lfsr import galois_toggle_mask
from ..chip.lfsr_taps import MAXIMAL_TAPS, taps_to_mask
from .quantize import number_format
from .seeding import MISMATCH, VARIATION, variation_rng

KernelGraph = namedtuple("KernelGraph", "indptr indices weights h")
KernelDatapath = namedtuple("KernelDatapath",
                            "cfg real gain offset stuck lut wint hint wflt hflt slot off wtint")
# wint[k]: code of the weight into p-bit i from j = indices[k] (row i of the CSR);
# wtint[k]: the weight in the other direction (into j from i), aligned with the same entry,
# used by the cached-input kernel to update neighbours' inputs when p-bit i flips.


@dataclass(frozen=True, eq=False)
class Datapath:
    """A datapath ready to run: kernel arrays (in ``order``) plus a quantization report."""

    kernel: KernelDatapath
    graph: KernelGraph                # ideal physical model in kernel order (energies, CSR layout)
    order: np.ndarray                 # kernel position k holds physical p-bit order[k]
    weight_format: FixedPoint | None
    bias_format: FixedPoint | None
    acc_format: FixedPoint | None
    lut_thresholds: np.ndarray | None
    report: dict = field(default_factory=dict)

    @property
    def n_registers(self):
        return int(self.kernel.slot.max()) + 1 if self.kernel.slot.size else 0


#: ``[rng] kind`` -> the datapath's integer code (``cfg[RNG_KIND]``); the one code space.
RNG_CODES = {"ideal": K.RNG_IDEAL, "xoroshiro": K.RNG_XOROSHIRO, "lfsr": K.RNG_LFSR}


def rng_code(kind) -> int:
    """The integer code of an ``[rng] kind`` (``ideal``, ``xoroshiro``, ``lfsr``) in ``cfg[RNG_KIND]``."""
    try:
        return RNG_CODES[kind]
    except KeyError:
        raise ChipSpecError(f"unknown [rng] kind {kind!r}; allowed: {', '.join(RNG_CODES)}") from None


def _activation_code(name):
    return {"tanh": K.ACT_TANH, "lut": K.ACT_LUT, "hard_sigmoid": K.ACT_HARD}[name]


def build_lut(chip, beta, lsb):
    """Threshold table: entry ``k`` = round(2**L (1 + tanh(beta * v_k)) / 2), clipped to 2**L - 1.

    ``v_k = k * lsb * 2**beta_shift`` for symmetric (|I|-indexed) tables and
    ``(k - size/2) * lsb * 2**beta_shift`` for signed ones; ``lsb`` is the
    accumulator's.  ``L = lut_output_bits``, ``size = 2**lut_input_bits``.
    """
    p = chip.pbit
    size = 1 << p.lut_input_bits
    L = p.lut_output_bits
    k = np.arange(size, dtype=np.float64)
    if not p.lut_symmetric:
        k -= size // 2
    v = k * lsb * 2.0 ** chip.accumulator.beta_shift
    prob = 0.5 * (1.0 + np.tanh(beta * v))
    return thresholds_from_probabilities(prob, L)


def thresholds_from_probabilities(prob, L):
    """``round(prob * 2**L)`` clipped to ``0 .. 2**L - 1`` as uint64, exact up to ``L = 64``.

    The product is formed in float64 (53-bit significand: for ``L > 53`` the
    low bits of an entry come from the float rounding of ``prob``, which is
    all the table needs).  Entries that round to ``2**L`` (not representable in
    ``L`` bits; for ``L = 64`` not even in uint64) become ``2**L - 1``, so the
    comparator ``T > w`` still outputs -1 for the one word ``w = 2**L - 1``.
    """
    t = np.rint(np.clip(np.asarray(prob, dtype=np.float64), 0.0, 1.0) * 2.0 ** L)
    full = t >= 2.0 ** L
    out = np.where(full, 0.0, t).astype(np.uint64)   # below 2**64: exact conversion
    out[full] = np.uint64((1 << L) - 1)
    return out


#: ``[clock] mode`` -> clock cycles between two updates of one p-bit, as a function of
#: ``(n_colours, n_pbits)``; one colour phase (chromatic, clocked), one p-bit (sequential) or
#: every p-bit (naive_parallel) per cycle.
_CYCLES_PER_UPDATE = {
    "chromatic": lambda c, n: c,
    "clocked": lambda c, n: c,
    "sequential": lambda c, n: n,
    "naive_parallel": lambda c, n: 1,
}


def lfsr_shifts_per_update(chip, n_colours, n_pbits) -> int:
    """LFSR shifts between two draws of one p-bit (per sweep for a shared register).

    ``[rng] clocking = "per-update"``: ``steps_per_update`` as written.
    ``"free-running"``: the register shifts ``steps_per_update`` times (default
    1) per clock cycle, so the count is that times the number of cycles
    between two updates of a p-bit: ``n_colours`` for chromatic and clocked
    chips (one colour phase per cycle), ``n_pbits`` for sequential ones (one
    p-bit per cycle), 1 for naive parallel (all at once).  Asynchronous p-bits
    update at random times; a register clocked at ``frequency_mhz`` shifts
    ``neuron_time_ns * frequency_mhz / 1000`` cycles between two updates on
    average, and that mean (rounded, at least 1 cycle) is the count used.
    """
    r = chip.rng
    if r.clocking != "free-running":
        return int(r.steps_per_update)
    mode = chip.clock.mode
    if mode == "asynchronous":
        cycles = max(1, int(round(chip.timing.neuron_time_ns * chip.clock.frequency_mhz / 1000.0)))
    else:
        cycles = max(1, int(_CYCLES_PER_UPDATE[mode](int(n_colours), int(n_pbits))))
    return cycles * int(r.steps_per_update)


def lfsr_clocking_report(chip, n_colours, n_pbits) -> dict:
    """``{lfsr_clocking, lfsr_shifts_per_update, lfsr_shared}`` for a compile report (empty without an LFSR)."""
    if chip.rng.kind != "lfsr":
        return {}
    return {"lfsr_clocking": chip.rng.clocking,
            "lfsr_shifts_per_update": lfsr_shifts_per_update(chip, n_colours, n_pbits),
            "lfsr_shared": bool(chip.rng.shared)}


def _shared_phase_offsets(chip, colours, order, off):
    """Window offsets of shared free-running Fibonacci registers: ``off + s (C - 1 - colour)``.

    The model shifts a shared register ``s C`` times at the start of a sweep
    (``s`` = shifts per cycle, ``C`` = colours) and lets every phase read it;
    a register shifting ``s`` times per clock cycle is, when colour ``c``
    reads it (after the shifts of that cycle), ``s (C - 1 - c)`` shifts
    behind.  A Fibonacci register is a delay line: being ``d`` shifts behind
    puts the same bits ``d`` stages further along in the model's register.
    Galois registers are no delay line: they keep the sweep-start form (every
    colour reads the register after the sweep's shifts).
    """
    r = chip.rng
    if (colours is None or r.clocking != "free-running" or chip.clock.mode not in ("chromatic", "clocked")
            or r.structure != "fibonacci"):
        return off
    c = np.asarray(colours, dtype=np.int64)[order]
    new = off + r.steps_per_update * (int(c.max(initial=0)) - c)
    top = int((new + r.output_bits).max(initial=0))
    if top > r.width:
        raise ChipSpecError(f"chip {chip.name!r}: free-running shared LFSR windows need {top} stages "
                            "(output_bits + (share_group - 1) * share_shift + steps_per_update * "
                            f"(n_colours - 1)) but the register has width = {r.width}; use fewer output_bits, "
                            "a smaller share_shift or clocking = 'per-update'")
    return new


def _rng_config(chip):
    r = chip.rng
    kind = rng_code(r.kind)
    if r.kind == "ideal":
        bits = chip.pbit.lut_output_bits if chip.pbit.activation == "lut" else 53
    else:
        bits = r.output_bits
    taps = tuple(r.taps) or MAXIMAL_TAPS[r.width]
    return kind, bits, int(taps_to_mask(taps)), taps


def _variation(chip, n, order, chip_nodes=None):
    """Per-p-bit gain, offset and stuck values, drawn once from ``variation_seed`` per chip p-bit.

    The draw covers every chip p-bit up to ``max(chip_nodes)`` (a property of
    the silicon), then takes the p-bits the program uses, so the same chip
    p-bit has the same device values whatever is programmed onto it.
    """
    p = chip.pbit
    nodes = np.arange(n, dtype=np.int64) if chip_nodes is None else np.asarray(chip_nodes, dtype=np.int64)
    n_chip = int(nodes.max()) + 1 if nodes.size else 0
    g = variation_rng(p.variation_seed, VARIATION)
    gain = np.maximum(1.0 + p.gain_sigma * g.standard_normal(n_chip), 0.0)
    offset = p.offset_sigma * g.standard_normal(n_chip)
    stuck = np.zeros(n_chip, dtype=np.int8)
    n_stuck = int(round(p.stuck_fraction * n_chip))
    if n_stuck:
        idx = g.choice(n_chip, n_stuck, replace=False)
        stuck[idx] = np.where(np.arange(n_stuck) % 2 == 0, 1, -1)
    phys = nodes[order]
    return gain[phys], offset[phys], stuck[phys]


def _mismatch(chip, J_csr):
    """Directed (row = receiving p-bit) coupling values with multiplicative/additive mismatch.

    ``J_csr`` must be in physical order with sorted indices, so that the draw
    (like every other device-variation draw) does not depend on the kernel order.
    """
    w = chip.weights
    data = J_csr.data.astype(np.float64).copy()
    if w.mismatch_rel_sigma > 0 or w.mismatch_abs_sigma > 0:
        g = variation_rng(chip.pbit.variation_seed, MISMATCH)
        data = data * (1.0 + w.mismatch_rel_sigma * g.standard_normal(data.shape)) \
            + w.mismatch_abs_sigma * g.standard_normal(data.shape)
    return data


def _permute_csr(J, order):
    """``(J[order][:, order]`` with sorted indices, ``src``): ``src[k]`` is the index in ``J.data``
    of stored entry ``k`` of the permuted matrix."""
    tag = csr_matrix((np.arange(1, J.nnz + 1, dtype=np.float64), J.indices, J.indptr), shape=J.shape)
    P = tag[order][:, order].tocsr()
    P.sort_indices()
    src = np.rint(P.data).astype(np.int64) - 1
    return csr_matrix((J.data[src], P.indices, P.indptr), shape=J.shape), src


def _transposed_codes(J, codes):
    """``codes`` of the reverse direction aligned with J's stored entries (symmetric pattern)."""
    if codes.size == 0:
        return codes
    n = J.shape[0]
    rows = np.repeat(np.arange(n), np.diff(J.indptr))
    key = rows * n + J.indices              # entry (i, j)
    rkey = J.indices.astype(np.int64) * n + rows  # its mirror (j, i)
    pos = np.searchsorted(key, rkey)         # keys are sorted: rows ascending, indices sorted
    if not np.array_equal(key[pos], rkey):
        raise ValueError("coupling pattern is not symmetric")
    return codes[pos]


def _symmetric_codes(Jp, values, codes):
    """Give both directions of an undirected coupling the code of its upper entry.

    Only when the values are symmetric (no mismatch): stochastic rounding then
    rounds each coupling once, as one register per edge would hold it.
    """
    mirror = _transposed_codes(Jp, np.arange(codes.size))
    if codes.size == 0 or not np.array_equal(values, values[mirror]):
        return codes
    rows = np.repeat(np.arange(Jp.shape[0]), np.diff(Jp.indptr))
    lower = rows > Jp.indices
    out = codes.copy()
    out[lower] = codes[mirror[lower]]
    return out


def _report_dict(rep):
    return {"n": rep.n, "max_abs_error": rep.max_abs_error, "rms_error": rep.rms_error,
            "fraction_clipped": rep.fraction_clipped, "max_abs_in": rep.max_abs_in,
            "max_abs_out": rep.max_abs_out}


def build_datapath(chip, physical, beta, order, *, chip_nodes=None, colours=None) -> Datapath:
    """Kernel arrays for ``physical`` (an IsingModel) on ``chip``, nodes in ``order``.

    ``chip_nodes`` (physical p-bit -> chip-graph node) keys the device-variation
    draw on the silicon rather than on the program (default: identity).
    ``colours`` (physical order) give the number of colour phases a
    free-running LFSR shifts through between updates
    (:func:`lfsr_shifts_per_update`; default: one colour).
    """
    order = np.asarray(order, dtype=np.int64)
    n = physical.n
    # Everything drawn per coupling or per p-bit (mismatch, stochastic rounding) is drawn in
    # physical order and then permuted, so the chip is the same whatever the schedule's order.
    Jp = physical.J.tocsr(copy=True)
    Jp.sort_indices()
    J, src = _permute_csr(Jp, order)
    h = physical.h[order]
    wphys = _mismatch(chip, Jp)
    wdata = wphys[src]
    fixed = chip.is_fixed_point
    cfg = np.zeros(K.N_CFG, dtype=np.int64)
    real = np.zeros(K.N_REAL, dtype=np.float64)
    report = {}
    wf = bf = af = None
    if fixed:
        wf, bf, af = (number_format(chip, name) for name in ("weights", "bias", "accumulator"))
        seed = chip.pbit.variation_seed
        _, wrep = wf.quantize_with_report(wphys, seed=seed)
        _, hrep = bf.quantize_with_report(physical.h, seed=seed)
        wcodes = _symmetric_codes(Jp, wphys, wf.to_int(wphys, seed=seed))[src]
        hcodes = bf.to_int(physical.h, seed=seed)[order]
        F = max(wf.frac_bits, bf.frac_bits)
        wcodes = wcodes << (F - wf.frac_bits)
        hcodes = hcodes << (F - bf.frac_bits)
        cfg[K.FIXED] = 1
        cfg[K.ACC_BITS] = af.total_bits
        cfg[K.ACC_OVERFLOW] = af.overflow_code
        cfg[K.ALIGN_UP] = max(af.frac_bits - F, 0)
        cfg[K.ALIGN_DOWN] = max(F - af.frac_bits, 0)
        cfg[K.BETA_SHIFT] = chip.accumulator.beta_shift
        acc_lsb = af.lsb
        report.update(weights=_report_dict(wrep), bias=_report_dict(hrep), weight_format=str(wf),
                      bias_format=str(bf), accumulator_format=str(af))
        wflt, hflt = np.zeros(0), np.zeros(0)
    else:
        wcodes, hcodes = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        wflt, hflt = wdata, h.astype(np.float64)
        acc_lsb = 2.0 ** -chip.accumulator.frac_bits  # LUT index resolution for a float datapath
    lsb = acc_lsb * 2.0 ** chip.accumulator.beta_shift  # value of one step of the (shifted) LUT index
    real[K.BETA] = beta
    real[K.LSB] = lsb
    real[K.NOISE_SIGMA] = chip.pbit.input_noise_sigma
    act = chip.pbit.activation
    cfg[K.ACTIVATION] = _activation_code(act)
    lut = build_lut(chip, beta, acc_lsb) if act == "lut" else np.zeros(1, dtype=np.uint64)
    cfg[K.LUT_SYMMETRIC] = int(chip.pbit.lut_symmetric)
    cfg[K.LUT_BITS] = chip.pbit.lut_output_bits
    kind, bits, mask, taps = _rng_config(chip)
    cfg[K.RNG_KIND], cfg[K.RNG_BITS] = kind, bits
    r = chip.rng
    cfg[K.LFSR_WIDTH] = r.width
    cfg[K.LFSR_MASK] = mask - (1 << 64) if mask >= 1 << 63 else mask  # uint64 bits stored in an int64
    cfg[K.LFSR_XNOR], cfg[K.LFSR_GALOIS] = int(r.feedback == "xnor"), int(r.structure == "galois")
    n_colours = int(np.max(colours)) + 1 if colours is not None and len(colours) else 1
    shifts = lfsr_shifts_per_update(chip, n_colours, n)
    cfg[K.LFSR_STEPS] = shifts
    toggle = int(galois_toggle_mask(np.uint64(mask), r.width))
    cfg[K.LFSR_TOGGLE] = toggle - (1 << 64) if toggle >= 1 << 63 else toggle
    real[K.TWO_K] = 2.0 ** bits
    cfg[K.LFSR_SHARED] = int(r.shared)
    p = chip.pbit
    cfg[K.ANALOG] = int(p.gain_sigma > 0 or p.offset_sigma > 0 or p.input_noise_sigma > 0)
    gain, offset, stuck = _variation(chip, n, order, chip_nodes)
    if r.shared:
        group = order // r.share_group       # by physical index, as wired on the chip
        slot, off = group, (order % r.share_group) * r.share_shift
        if r.kind == "lfsr":
            off = _shared_phase_offsets(chip, colours, order, off)
    else:
        slot, off = np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    report.update(activation=act, rng=r.kind, rng_bits=bits,
                  lfsr_taps=list(taps) if r.kind == "lfsr" else None)
    if r.kind == "lfsr":
        report.update(lfsr_clocking=r.clocking, lfsr_shifts_per_update=shifts)
    wcodes = wcodes.astype(np.int64)
    kd = KernelDatapath(cfg, real, gain, offset, stuck, lut, wcodes,
                        hcodes.astype(np.int64), wflt.astype(np.float64), hflt,
                        slot.astype(np.int64), off.astype(np.int64), _transposed_codes(J, wcodes))
    graph = KernelGraph(J.indptr.astype(np.int64), J.indices.astype(np.int32),
                        J.data.astype(np.float64), h.astype(np.float64))
    return Datapath(kd, graph, order, wf, bf, af, lut if act == "lut" else None, report)


def conditional_p_plus(datapath, states, *, lfsr_as_ideal=False):
    """Exact ``P(m_i = +1 | state)`` of the datapath for states ``(S, n)`` in kernel order.

    Valid for Markov RNG models (ideal, xoroshiro words: uniform ``k``-bit
    integers) without input noise; raises for LFSR and noisy inputs, whose
    update is not a function of the state alone -- unless ``lfsr_as_ideal``,
    which takes the LFSR's ``k``-bit words as independent and uniform (the
    datapath's own Markov law, which a good LFSR clocking approaches).
    """
    kd = datapath.kernel
    cfg, real = kd.cfg, kd.real
    if cfg[K.RNG_KIND] == K.RNG_LFSR and not lfsr_as_ideal:
        raise ChipSpecError("the LFSR datapath is not Markov in the p-bit state; no exact conditional law "
                            "(lfsr_as_ideal=True gives the law with independent uniform words)")
    if real[K.NOISE_SIGMA] > 0:
        raise ChipSpecError("input noise makes the conditional law an integral; not computed exactly")
    s = np.asarray(states, dtype=np.int64)
    k = int(cfg[K.RNG_BITS])
    fixed = cfg[K.FIXED] != 0
    n = s.shape[1]
    g = datapath.graph

    if fixed:
        W = csr_matrix((kd.wint, g.indices, g.indptr), shape=(n, n))
        A = (W @ s.T).T + kd.hint
        a = _np_accumulator(cfg, A)
        x = a * real[K.LSB]
    else:
        W = csr_matrix((kd.wflt, g.indices, g.indptr), shape=(n, n))
        x = (W @ s.T.astype(np.float64)).T + kd.hflt
        a = None
    analog = cfg[K.ANALOG] != 0
    if analog:
        x = kd.gain * (x + kd.offset)
    act = cfg[K.ACTIVATION]
    if act == K.ACT_LUT:
        idx = np.rint(x / real[K.LSB]).astype(np.int64) if (analog or not fixed) else a
        size, L = kd.lut.shape[0], int(cfg[K.LUT_BITS])
        if cfg[K.LUT_SYMMETRIC]:
            t = kd.lut[np.minimum(np.abs(idx), size - 1)].astype(np.float64)
        else:
            t = kd.lut[np.clip(idx + size // 2, 0, size - 1)].astype(np.float64)
        if k >= L:
            p = t / 2.0 ** L
        else:
            p = np.floor(t / 2.0 ** (L - k)) / 2.0 ** k
        if cfg[K.LUT_SYMMETRIC]:
            p = np.where(idx < 0, 1.0 - p, p)
    else:
        bx = (real[K.BETA] * x).ravel()
        if act == K.ACT_TANH:
            th = np.empty_like(bx)
            fast_tanh_array(bx, th)
        else:
            th = np.clip(bx, -1.0, 1.0)
        q = (0.5 * (1.0 + th)).reshape(x.shape)
        p = np.minimum(np.ceil(q * 2.0 ** k), 2.0 ** k) / 2.0 ** k
    stuck = kd.stuck
    p = np.where(stuck > 0, 1.0, np.where(stuck < 0, 0.0, p))
    return p


def _np_accumulator(cfg, A):
    if cfg[K.ALIGN_UP] > 0:
        A = A << cfg[K.ALIGN_UP]
    elif cfg[K.ALIGN_DOWN] > 0:
        A = A >> cfg[K.ALIGN_DOWN]
    bits = int(cfg[K.ACC_BITS])
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    if cfg[K.ACC_OVERFLOW] == 1:
        A = ((A - lo) % (1 << bits)) + lo
    else:
        A = np.clip(A, lo, hi)
    s = int(cfg[K.BETA_SHIFT])
    return A >> s if s > 0 else (A << -s if s < 0 else A)
