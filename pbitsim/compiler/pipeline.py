r"""``compile_model`` (exported as ``pbitsim.compile``): a model onto a chip, ready to run or export.

Pipeline::

    model --as_logical--> IsingModel (RBM/DBM/sklearn/arrays converted exactly)
          --place or embed--> chains of chip p-bits (placement.py, embedding.py)
          --distribute--> couplings per coupler, fields per p-bit, chain couplers
          --quantize--> values on the chip's grid, scale s, beta_factor = 1/s (quantize.py)
          --colour--> the chip graph's colouring restricted to the p-bits in use
          --> Program

Only chip p-bits holding a spin are simulated (physical index space = used
p-bits, ``program.chip_nodes`` maps them back to chip nodes).

This is the only way a model becomes a :class:`~pbitsim.compiler.program.Program`:
``simulate(model, chip)``, ``pbitsim run/train/snr/export/sweep`` all compile
through it (:func:`as_program`), and :func:`place_model` is a thin alias of
``compile_model(..., method="identity")``.  Every method goes through the same
quantization and scale policy, so the same model on the same chip is the same
hardware whichever door it came through.
"""
from __future__ import annotations

import time

import numpy as np

from ..chip.spec import load_chip
from ..errors import ModelError, PbitsimError, TopologyError
from ..models import IsingModel
from ..topologies.arrays import TopologyArrays
from .chip_graph import chip_arrays, chip_edges, program_colouring
from .hardware import lfsr_clocking_report
from .embedding import default_chain_strength, distribute, find_chains, layout_chains, validate_chains
from .logical import as_logical
from .placement import (check_fits, identity_fits, identity_layout, mapping_placement, missing_edges,
                        subgraph_placement)
from .program import Program
from .quantize import quantize_program
from .scale_policy import scale_lines, scale_policy, scale_report, select_scale

__all__ = ["compile_model", "place_model", "as_program", "format_report", "METHODS"]

METHODS = ("auto", "identity", "direct", "embed")
#: ``method="auto"`` tries a subgraph placement only up to this many spins ...
AUTO_SUBGRAPH_MAX_SPINS = 256
#: ... and for at most this many seconds before embedding.
AUTO_SUBGRAPH_TIMEOUT_S = 2.0


def _check_args(method, scale, percentile, chain_strength, timeout_s):
    if method not in METHODS:
        raise PbitsimError(f"unknown compile method {method!r}; allowed: {', '.join(METHODS)}")
    if not 0.0 < float(percentile) <= 100.0:
        raise PbitsimError(f"percentile must be in (0, 100], got {percentile!r}")
    if chain_strength is not None and (not np.isfinite(float(chain_strength)) or float(chain_strength) <= 0):
        raise PbitsimError(f"chain_strength must be a positive finite number, got {chain_strength!r}")
    if not np.isfinite(float(timeout_s)) or float(timeout_s) <= 0:
        raise PbitsimError(f"timeout_s must be a positive number of seconds, got {timeout_s!r}")


def _is_chain_mapping(mapping):
    """A mapping whose values are collections of nodes (chains) rather than single nodes."""
    values = mapping.values() if isinstance(mapping, dict) else (mapping if isinstance(mapping, (list, tuple)) else [])
    return any(isinstance(v, (list, tuple, set, frozenset, np.ndarray)) for v in values)


def _identity_error(logical, chip, G):
    """The error message listing the model's coupled pairs that are not chip edges, or None if all are."""
    n, rows, cols = chip_edges(chip, G)
    r, c, _ = logical.edges()
    keys = rows * n + cols  # sorted: edge_arrays lexsorts (rows, cols)
    want = r * n + c
    idx = np.minimum(np.searchsorted(keys, want), max(keys.size - 1, 0))
    on_chip = keys[idx] == want if keys.size else np.zeros(want.size, dtype=bool)
    missing = [(int(a), int(b)) for a, b in zip(r[~on_chip], c[~on_chip])]
    if not missing:
        return None
    shown = ", ".join(f"({a}, {b})" for a, b in missing[:8])
    more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
    return (f"model does not fit chip {chip.name!r} ({chip.topology.kind}) under the identity placement: "
            f"{len(missing)} of {logical.n_edges} coupled pairs are not edges of the chip graph: {shown}{more}; "
            "use method='auto' or 'embed'")


def _locate(logical, chip, G, method, mapping, seed, timeout_s, embed_options, progress):
    """Chains (chip nodes per spin) and how they were found."""
    n, N = logical.n, G.number_of_nodes()
    name = chip.name
    check_fits(n, N, name)
    if method == "identity":
        if mapping is not None:
            raise PbitsimError("method 'identity' places spin i on chip p-bit i; it takes no mapping")
        msg = _identity_error(logical, chip, G)
        if msg:
            raise TopologyError(msg)
        return None, "identity"  # None: spin i on p-bit i (identity_layout)
    if mapping is not None:
        if _is_chain_mapping(mapping):
            seq = [mapping[i] for i in range(n)] if isinstance(mapping, dict) else list(mapping)
            if isinstance(mapping, dict) and set(mapping) != set(range(n)):
                raise TopologyError(f"mapping must give a chain for each spin 0..{n - 1}")
            chains = validate_chains(logical, [np.asarray(list(c)) for c in seq], G.to_networkx(), name)
            if method == "direct" and any(c.size > 1 for c in chains):
                raise PbitsimError("method 'direct' puts one p-bit on each spin, but the mapping gives chains; "
                                   "use method='auto' or 'embed'")
            return chains, "mapping (chains)"
        if method == "embed":
            raise PbitsimError("method 'embed' with a mapping needs chains (lists of chip nodes) as values")
        placement = mapping_placement(mapping, logical, G, name)
        return [np.array([p]) for p in placement], "mapping"
    if method in ("direct", "auto") and identity_fits(logical, G):
        return None, "identity"
    if method == "direct":
        placement, dt, complete = subgraph_placement(logical, G, timeout_s=timeout_s, seed=seed)
        if placement is None:
            ident = missing_edges(logical, G, np.arange(n))
            why = ("no placement exists" if complete else
                   f"no placement found within the time limit ({timeout_s:g} s)")
            raise TopologyError(
                f"the model's coupling graph ({n} spins, {logical.n_edges} couplings) is not a subgraph of chip "
                f"{name!r} ({N} p-bits, {G.number_of_edges()} edges) under the identity ({len(ident)} couplings "
                f"off the chip's edges) and {why}; use method='embed' for a minor embedding")
        return [np.array([p]) for p in placement], "subgraph"
    if method == "auto" and n <= AUTO_SUBGRAPH_MAX_SPINS:
        placement, _, _ = subgraph_placement(logical, G, timeout_s=min(timeout_s, AUTO_SUBGRAPH_TIMEOUT_S),
                                             seed=seed)
        if placement is not None:
            return [np.array([p]) for p in placement], "subgraph"
    chains = find_chains(logical, G.to_networkx(), seed=seed, timeout_s=timeout_s, options=embed_options,
                         chip_name=name,
                         progress=progress)
    return chains, "minorminer"  # layout_chains checks coverage and connectivity again


def compile_model(model, chip="ideal", *, method="auto", scale=None, percentile=100.0, chain_strength=None,
                  mapping=None, seed=0, timeout_s=60.0, embed_options=None, colouring=None,
                  progress=False) -> Program:
    r"""Place or embed a model on a chip, quantize it to the chip's formats and colour it.

    Parameters
    ----------
    model : IsingModel, RBM, sklearn BernoulliRBM, (J, h), DBM weight list, or .npz path
        See :mod:`pbitsim.compiler.logical` (conversions to spins are exact).
    chip : str, path, ChipSpec or MachineSpec
        A machine (``pbitsim.load_machine``, a shipped machine name or a machine .toml) compiles
        through :func:`pbitsim.machine.program.compile_machine` into a ``MachineProgram``
        (``docs/multichip.md``).
    method : {"auto", "identity", "direct", "embed"}
        ``identity``: spin ``i`` on chip p-bit ``i``; every coupling must be a
        chip edge (the error lists those that are not).  ``direct``: one p-bit
        per spin -- the identity if every coupling is a
        chip edge, else a subgraph search (Glasgow solver, ``timeout_s``).
        ``embed``: a minor embedding by minorminer (``random_seed=seed``,
        ``timeout=timeout_s``).  ``auto``: the identity if it fits, else (up to
        256 spins) a subgraph search of at most 2 s, else an embedding.
    scale : float, str, ScalePolicy or dict, optional
        The scale policy (:mod:`pbitsim.compiler.scale_policy`): a number (chip
        units per logical unit), ``"percentile"`` (the default), ``"law"`` or
        ``"gradient"`` (a bounded, seeded search minimising the sampled law's
        distance from the target or the gradient's bias), or a
        :class:`~pbitsim.compiler.scale_policy.ScalePolicy`.  The percentile
        rule fits the largest magnitude (or
        ``percentile``) to the chip's weight/bias formats, 1 on a float chip.
    percentile : float in (0, 100]
        Reference magnitude for the automatic scale (below 100 the tails clip;
        the clipped fraction is reported).
    chain_strength : float, optional
        Ferromagnetic chain coupling in logical units; default
        ``1.5 * max_i (sum_j |J_ij| + |h_i|)`` over chained spins (see
        :mod:`pbitsim.compiler.embedding` for why), capped at the weight format's
        largest value after scaling.
    mapping : dict or sequence, optional
        Logical spin -> chip node (direct placement), or spin -> list of chip
        nodes (given chains; validated).
    seed : int
        Seeds the subgraph search, minorminer and stochastic rounding.
    timeout_s : float
        Time limit of the placement/embedding search (seconds).
    embed_options : dict, optional
        Extra ``minorminer.find_embedding`` parameters (e.g.
        ``{"chainlength_patience": 0}``: much faster, longer chains).
    colouring : str, optional
        Colouring strategy overriding the chip's ``[clock] colouring``.
    progress : bool
        Show a progress bar (on stderr, when it is a terminal) while a minor
        embedding runs.

    Returns
    -------
    Program
        ``program.report`` holds: ``method``, ``placement`` (identity, mapping,
        subgraph, minorminer), ``n_logical``, ``n_physical`` (p-bits used),
        ``n_chip`` (p-bits on the chip), ``n_edges`` (physical couplers incl.
        chain couplers), ``n_logical_edges``, ``chain_length_max/mean``,
        ``n_chain_couplers``, ``n_colours``, ``colouring``, ``seconds`` and the
        quantization numbers of :func:`pbitsim.compiler.quantize.quantize_program`
        (scale, max |J| / |h| before and after, RMS error, fraction clipped,
        chain strength ...) and of the scale policy
        (:func:`pbitsim.compiler.scale_policy.scale_report`: ``scale_policy``,
        ``scale_objective(_value)``, ``percentile_rule_scale``,
        ``saturation_rate``, ``scale_search``).

    Raises
    ------
    TopologyError
        The model has more spins than the chip (``model has N spins, chip ... has
        M p-bits``), no placement/embedding was found in time, or a mapping is
        invalid.
    PbitsimError / ModelError
        Bad arguments, NaN weights, mismatched shapes, unknown method.
    """
    from ..machine.spec import is_machine_file

    if is_machine_file(chip):  # a multi-chip machine: partition over its chips, route over its links
        from ..machine.program import compile_machine

        return compile_machine(model, chip, method=method, mapping=mapping, seed=seed, scale=scale,
                               percentile=percentile, colouring=colouring)
    t0 = time.perf_counter()
    _check_args(method, scale, percentile, chain_strength, timeout_s)
    policy = scale_policy(scale, percentile)
    chip = load_chip(chip)
    lm = as_logical(model)
    logical = lm.ising
    if logical.n == 0:
        raise ModelError("the model has 0 spins (empty arrays); nothing to compile")
    if chip.topology.kind == "model":
        if method == "embed" or mapping is not None:
            raise PbitsimError(f"chip {chip.name!r} takes the model's own graph (topology kind 'model'): "
                               "there is nothing to embed or map; use method='auto', 'identity' or 'direct'")
        G = TopologyArrays("model", {}, logical.n, *logical.edges()[:2])
        chains_chip, how = None, "identity"
    else:
        G = chip_arrays(chip)
        chains_chip, how = _locate(logical, chip, G, method, mapping, seed, float(timeout_s), embed_options,
                                   progress)
    layout = identity_layout(logical, G) if chains_chip is None else layout_chains(logical, chains_chip, G)
    lengths = layout.chains.lengths
    K = float(chain_strength) if chain_strength is not None else default_chain_strength(logical, lengths)
    J, h = distribute(logical, layout)
    col = program_colouring(chip, logical, G, layout.chip_nodes, colouring)
    last = {}  # the physical model of the last quantization built: the chosen one is usually the last checked

    def physical_of(qs):
        if last.get("q") is not qs:
            last.update(q=qs, physical=_physical_model(logical, layout, qs))
        return last["physical"]

    q, search, saturation = select_scale(
        policy, lambda s, k: quantize_program(logical, layout, J, h, chip, scale=s, percentile=policy.percentile,
                                              chain_strength=K if k is None else k, seed=seed),
        lambda qs: Program(logical, physical_of(qs), chip, layout.placement,
                           layout.chip_nodes, col, {}, lm.rbm, 1.0 / qs.scale, layout.chains, qs.chain),
        lm.rbm if lm.rbm is not None else logical, chip, seed,
        chains_free=chain_strength is None and layout.chain_u.size > 0)
    physical = physical_of(q)
    report = {
        "chip": chip.name, "model": lm.kind, "layers": list(lm.layers),
        "method": "direct" if how != "minorminer" and lengths.max(initial=1) == 1 else "embed",
        "placement": how, "seed": int(seed),
        "n_logical": int(logical.n), "n_physical": int(layout.n_physical),
        "n_chip": int(G.number_of_nodes()), "n_logical_edges": int(logical.n_edges),
        "n_edges": int(physical.n_edges), "n_chain_couplers": int(layout.chain_u.size),
        "chain_length_max": int(lengths.max(initial=0)),
        "chain_length_mean": float(lengths.mean()) if lengths.size else 0.0,
        **q.report, **scale_report(policy, search, saturation),
        "n_colours": int(col.n_colours), "colouring": col.strategy,
        **lfsr_clocking_report(chip, col.n_colours, layout.n_physical),
    }
    report["seconds"] = time.perf_counter() - t0
    return Program(logical, physical, chip, layout.placement, layout.chip_nodes, col, report, lm.rbm,
                   1.0 / q.scale, layout.chains, q.chain)


def place_model(model, chip="ideal", **options) -> Program:
    """Identity placement, spin ``i`` on chip p-bit ``i``: ``compile_model(model, chip, method="identity", **options)``.

    A thin alias kept for existing scripts; the program is quantized and scaled
    exactly as :func:`compile_model` does (on a fixed-point chip the values lie
    on the chip's grid and ``beta_factor = 1 / scale``; ``scale=1.0`` programs
    the model's values in chip units).  For topology kind ``model`` the chip
    takes the model's own graph; otherwise every coupled pair must be a chip
    edge (the error lists those that are not).
    """
    return compile_model(model, chip, method="identity", **options)


def as_program(model_or_program, chip="ideal", *, seed=0) -> Program:
    """A Program as given, or ``compile_model(model, chip, method="auto", seed=seed)`` for a model.

    What :func:`pbitsim.simulate`, ``pbitsim run/train/snr/export/sweep`` use to
    turn a model into a program: the identity placement when the model's graph
    is a subgraph of the chip under it, else a subgraph search (small models),
    else a minor embedding.
    """
    if isinstance(model_or_program, Program):
        return model_or_program
    return compile_model(model_or_program, chip, method="auto", seed=seed)


def _physical_model(logical, layout, q) -> IsingModel:
    """The programmed IsingModel; its offset makes intact-chain energies equal ``scale * E_q``."""
    if layout.chain_u.size:
        rows = np.concatenate([layout.edge_u, layout.chain_u])
        cols = np.concatenate([layout.edge_v, layout.chain_v])
        vals = np.concatenate([q.J, np.full(layout.chain_u.size, q.chain)])
    else:  # no chains (direct placement): no copies of 10^6-p-bit arrays
        rows, cols, vals = layout.edge_u, layout.edge_v, q.J
    offset = q.scale * logical.offset + q.chain * layout.chain_u.size
    return IsingModel.from_edges(rows, cols, vals, q.h, n=layout.n_physical, offset=offset,
                                 name=logical.name)


def format_report(report) -> str:
    """Human-readable lines of a compile report (what ``pbitsim compile`` prints)."""
    r = report
    g = lambda k, fmt="{:.6g}": fmt.format(r[k]) if r.get(k) is not None else "-"  # noqa: E731
    lines = [
        f"chip            {r.get('chip', '-')}",
        f"model           {r.get('model', '-')}" + (f" layers {r['layers']}" if r.get("layers") else ""),
        f"method          {r.get('method', '-')} ({r.get('placement', '-')})",
        f"p-bits used     {r.get('n_physical')} of {r.get('n_chip')} (logical spins {r.get('n_logical')})",
        f"couplers        {r.get('n_edges')} programmed ({r.get('n_chain_couplers')} chain couplers; "
        f"model couplings {r.get('n_logical_edges')}, {100 * r.get('fraction_zeroed_J', 0.0):.2f}% of their "
        "couplers quantized to 0)",
        f"chain length    max {r.get('chain_length_max')}, mean {g('chain_length_mean', '{:.3f}')}",
        f"chain strength  {g('chain_strength')} logical, {g('chain_strength_physical')} programmed"
        + (" (capped at the weight range)" if r.get("chain_strength_capped") else ""),
        f"formats         weights {r.get('weight_format')}, bias {r.get('bias_format')}",
        *scale_lines(r),
        f"max |J|         {g('max_abs_J_in')} -> {g('max_abs_J_out')} (programmed {g('max_abs_J_physical')})",
        f"max |h|         {g('max_abs_h_in')} -> {g('max_abs_h_out')} (programmed {g('max_abs_h_physical')})",
        f"quant. RMS err  {g('rms_error')} (J {g('rms_error_J')}, h {g('rms_error_h')}; logical units)",
        "clipped         {:.3f}% (J {:.3f}%, h {:.3f}%)".format(
            *(100 * r.get(k, 0.0) for k in ("fraction_clipped", "fraction_clipped_J", "fraction_clipped_h"))),
        f"colours         {r.get('n_colours')} ({r.get('colouring')})",
    ]
    if r.get("lfsr_clocking"):
        lines.append(f"LFSR clocking   {r['lfsr_clocking']}: {r['lfsr_shifts_per_update']} shift(s) "
                     + ("of each shared register per sweep" if r.get("lfsr_shared") else "between two updates "
                        "of a p-bit"))
    if r.get("input_may_saturate"):
        lines.append(f"warning         a p-bit's input can reach {g('max_abs_input_physical')}, beyond the "
                     "accumulator range (it saturates)")
    if "seconds" in r:
        lines.append(f"compile time    {r['seconds']:.2f} s")
    return "\n".join(lines)
