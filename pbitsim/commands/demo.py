"""`pbitsim demo`: the end-to-end job on shipped defaults, written to ``./pbitsim-demo/``.

1. load the shipped trained RBM (64 visible x 10 hidden, binarized digits);
2. compile it onto ``fpga-sparse-ising`` (minor embedding into Pegasus P6,
   6-bit fixed point, 32-entry LUT, 32-bit LFSRs) twice: with the demo's scale
   policy (``--scale``, default ``law``: the scale and chain-coupler level whose
   sampled hidden layer is closest to the exact one,
   :mod:`pbitsim.compiler.scale_policy`) and, on the same chains, with the
   percentile rule (the compiler's default) as the comparison;
3. measure the gradient signal-to-noise and bias on the ideal chip and on both
   compiled programs, all against the exact gradient (the hidden layer is
   small enough for exact RBM marginals), and the hidden-layer KL of each
   (the sampled hidden layer against its exact marginal, nats);
4. write a comparison plot, the reports (``snr_<chip>.txt`` and ``.json``), a
   ``summary.json`` (every field set: compile report, one row of SNR numbers per
   chip, export) and an FPGA export of the program.

Everything is built in a hidden temporary folder beside ``--out`` and moved into
place only when every step has succeeded: an interrupted or failed demo leaves
no output folder (or, for an existing one, its previous contents untouched).
Into an existing folder the results are moved entry by entry, replacing
same-named files and ``fpga-export/``, other files are kept.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

from dataclasses import replace

import numpy as np
from tqdm.auto import tqdm

from ..analysis.snr import gradient_snr
from ..compiler.scale_objectives import layer_log_marginal
from ..compiler.scale_policy import scale_policy
from ..simulate import simulate
from ..chip.spec import load_chip
from ..compiler import compile_model
from ..export import export_fpga
from ..export.directory import check_target
from ..files.atomic import write_json_atomic, write_text_atomic
from ..models import load_model
from ..training.digits import demo_rbm_path

HELP = "run the end-to-end demo (trained RBM -> FPGA chip: SNR/bias vs ideal, plot, export) into ./pbitsim-demo/"


def add_arguments(parser):
    parser.add_argument("--out", default="pbitsim-demo", help="output directory (default ./pbitsim-demo)")
    parser.add_argument("--chip", default="fpga-sparse-ising", help="non-ideal chip (default fpga-sparse-ising)")
    parser.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    parser.add_argument("--estimates", type=int, default=16, help="independent gradient estimates (default 16)")
    parser.add_argument("--samples", type=int, default=100, help="samples per estimate (default 100)")
    parser.add_argument("--scale", default=DEMO_SCALE_POLICY,
                        help=f"scale policy of the demo's program (default {DEMO_SCALE_POLICY}; the percentile "
                        "rule is always shown beside it): percentile, law, gradient or a number")
    parser.add_argument("--scale-seconds", type=float, default=120.0,
                        help="wall-time budget of the scale search in seconds (default 120)")


STAGES = ("compile", "SNR on the ideal chip", "SNR on the chip", "plot and reports", "FPGA export")
#: the demo's scale policy (``--scale``); ``docs/precision.md`` measures it against the percentile rule
DEMO_SCALE_POLICY = "law"
#: search settings of the demo's policy: runs long enough for a 1024-state hidden-layer histogram, and
#: five chain-coupler levels (the demo RBM is minor-embedded with chains of up to 13 p-bits)
DEMO_SEARCH = dict(candidates=16, replicas=32, sweeps=1000, burn_in=200, data="digits",
                   chain_levels=(0.25, 0.375, 0.5, 0.625, 0.75))
#: name suffix of the comparison row compiled with the percentile rule
RULE_SUFFIX = "-percentile-rule"
#: the run that measures each row's hidden-layer KL: replicas x sweeps (after BURN_IN)
KL_REPLICAS, KL_SWEEPS, KL_BURN_IN = 64, 2000, 200


def hidden_layer_kl(model_or_program, chip, rbm, seed):
    r"""``KL(q || p)`` in nats: the sampled hidden layer's histogram ``q`` against its exact marginal ``p``.

    One seeded run of ``KL_REPLICAS`` x ``KL_SWEEPS`` samples (after ``KL_BURN_IN`` sweeps);
    ``p(h) ∝ exp(c'h) prod_i (1 + exp(b_i + W_i h))``
    (:func:`pbitsim.compiler.scale_objectives.layer_log_marginal`).  Its finite-sample
    floor is about ``(visited states) / (2 N)`` (0.01 nats for the ideal chip here).
    """
    run = simulate(model_or_program, chip, sweeps=KL_SWEEPS, burn_in=KL_BURN_IN, replicas=KL_REPLICAS, seed=seed)
    states = model_or_program.unembed(run.states) if hasattr(model_or_program, "unembed") else run.states
    _, logp = layer_log_marginal(rbm)
    h = (states[..., rbm.n_visible:].reshape(-1, rbm.n_hidden) > 0).astype(np.int64)
    q = np.bincount(h @ (1 << np.arange(rbm.n_hidden)), minlength=logp.size) / h.shape[0]
    m = q > 0
    return float(np.sum(q[m] * (np.log(q[m]) - logp[m])))


def _row(rep):
    """One chip's line of ``summary.json["snr"]``: keys of the SNR report (``tests`` require all non-null)."""
    d = rep.to_dict()
    ex = d["exact"] or {}
    ac = d["autocorrelation"] or {}
    grad = ac.get("gradient_observables", {}) or {}
    return {"q_hat": d["q_hat"], "q_hat_ci": d["q_hat_ci"], "q": ex.get("q"), "q_ci": ex.get("q_ci"),
            "bias_sq": ex.get("bias_sq"), "bias_sq_stderr": ex.get("bias_sq_stderr"),
            "variance": ex.get("variance"), "g_norm_sq": ex.get("g_norm_sq"),
            "tau_int_gradient_median": grad.get("tau_median"), "tau_int_magnetization":
                (ac.get("magnetization") or {}).get("tau"), "warnings": d["warnings"]}


def _plot(path, rows):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(rows)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8))
    for ax, key, err, title in ((axes[0], "q", "q_ci", "Q = |g|^2 / E|ghat - g|^2"),
                                (axes[1], "bias_sq", "bias_sq_stderr", "bias^2 = |E ghat - g|^2"),
                                (axes[2], "hidden_kl", None, "hidden-layer KL [nats]")):
        vals = [rows[k][key] if rows[k][key] is not None else np.nan for k in names]
        if err is None:
            yerr = None
        elif err == "q_ci":
            lo = [v - (rows[k][err] or [v, v])[0] for k, v in zip(names, vals)]
            hi = [(rows[k][err] or [v, v])[1] - v for k, v in zip(names, vals)]
            yerr = [lo, hi]
        else:
            yerr = [rows[k][err] or 0.0 for k in names]
        ax.bar(names, vals, yerr=yerr, capsize=4, color=["tab:blue", "tab:orange", "tab:grey"][: len(names)])
        ax.tick_params(axis="x", labelsize=7, labelrotation=10)
        ax.set_title(title, fontsize=10)
        ax.axhline(0, color="k", lw=0.5)
    fig.suptitle("trained RBM: gradient quality on the ideal chip vs the FPGA chip", fontsize=10)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, path)
    plt.close(fig)


def _say(msg=""):
    tqdm.write(msg, file=sys.stdout)


def _move_into_place(build, out):
    """Move the finished ``build`` folder to ``out``: a rename, or entry by entry into an existing ``out``."""
    if not os.path.lexists(out):
        os.replace(build, out)
        return
    for name in sorted(os.listdir(build)):
        src, dst = os.path.join(build, name), os.path.join(out, name)
        if os.path.isdir(src) and os.path.lexists(dst):
            old = os.path.join(build, f".{name}.old")
            os.replace(dst, old)          # a directory cannot replace a non-empty one: swap, then delete
            os.replace(src, dst)
        else:
            os.replace(src, dst)
    shutil.rmtree(build)


def main(args):
    t0 = time.perf_counter()
    out = check_target(args.out, overwrite=True)      # the real folder (links resolved); a file is refused
    rbm = load_model(demo_rbm_path())
    chip = load_chip(args.chip)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    build = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.build-", dir=os.path.dirname(out))
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(build, 0o777 & ~mask)                     # mkdtemp's 0700 would otherwise become out's mode
    try:
        with tqdm(total=len(STAGES), desc="demo", unit="step", file=sys.stderr, leave=False,
                  disable=not sys.stderr.isatty(), bar_format="{desc}: {n_fmt}/{total_fmt} {bar} {elapsed}") as bar:
            compiled, rows, png, manifest = _build(build, args, rbm, chip, bar)
            summary = {"model": {"n_visible": rbm.n_visible, "n_hidden": rbm.n_hidden},
                       "compile": compiled, "snr": rows,
                       "export": {"path": os.path.join(out, "fpga-export"),
                                  "files": len(manifest.get("files", []))},
                       "seconds": time.perf_counter() - t0}
            write_json_atomic(os.path.join(build, "summary.json"), summary)
        _move_into_place(build, out)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    _say(f"\nwrote {os.path.join(args.out, os.path.basename(png))}, snr_*.txt/json, summary.json, program.npz and an "
         f"FPGA export in {os.path.join(args.out, 'fpga-export')} ({len(manifest.get('files', []))} files) in "
         f"{time.perf_counter() - t0:.1f} s")
    return 0


def _step(bar, label):
    bar.set_description_str(f"demo: {label}")      # redraws: a stage can be long


def _build(build, args, rbm, chip, bar):
    """Every output of the demo, written into the folder ``build``; one bar step per :data:`STAGES` entry."""
    _say(f"model     shipped demo RBM: {rbm.n_visible} visible x {rbm.n_hidden} hidden (binarized 8x8 digits)")
    _step(bar, STAGES[0])
    policy = scale_policy(args.scale)
    rule = compile_model(rbm, chip, seed=args.seed)            # today's rule: the compiler's default
    program = rule
    if policy.name != "percentile":                            # the same chains, the demo's scale policy
        chains = {i: [int(x) for x in rule.chip_nodes[rule.chains[i]]] for i in range(rule.n_logical)}
        program = compile_model(rbm, chip, seed=args.seed, mapping=chains,
                                scale=replace(policy, **DEMO_SEARCH, max_seconds=args.scale_seconds)
                                if policy.searches else policy)
    rep = program.report
    _say(f"compile   {chip.name}: {rep['n_physical']} of {rep['n_chip']} p-bits, chains up to "
         f"{rep['chain_length_max']}, {rep['n_colours']} colours, {rep['weight_format']}")
    programs = {chip.name: program}
    if program is not rule:
        programs[chip.name + RULE_SUFFIX] = rule
    for name, p in programs.items():
        r = p.report
        sat = r.get("saturation_rate")
        _say(f"  {r['scale_policy_detail'] if p is program else 'percentile rule (comparison)'}: scale "
             f"{r['scale']:.3g}, chain coupler {r['chain_strength_physical']:.3g}, "
             f"{100 * r['fraction_zeroed_J']:.0f}% of couplings round to 0, accumulator saturates in "
             + ("-" if sat is None else f"{100 * sat:.0f}%") + " of updates"
             + (f" ({r['scale_objective']} {r['scale_objective_value']:.3g})" if r.get("scale_objective") else ""))
    program.save(os.path.join(build, "program.npz"))
    bar.update()
    kw = dict(estimates=args.estimates, samples_per_estimate=args.samples, burn_in=100, seed=args.seed,
              progress=True)     # nested bars, on a terminal only
    _step(bar, STAGES[1])
    reports = {"ideal": gradient_snr(rbm, "ideal", "digits", **kw)}
    kls = {"ideal": hidden_layer_kl(rbm, "ideal", rbm, args.seed)}
    bar.update()
    _step(bar, STAGES[2])
    for name, p in programs.items():
        reports[name] = gradient_snr(p, data="digits", **kw)
        kls[name] = hidden_layer_kl(p, None, rbm, args.seed)
    bar.update()
    _step(bar, STAGES[3])
    rows = {name: {**_row(r), "hidden_kl": kls[name]} for name, r in reports.items()}
    width = max(len(n) for n in rows) + 1
    _say(f"\n{'chip':{width}s} {'Q':>8s} {'Q 95% CI':>18s} {'bias^2':>9s} {'± se':>7s} {'variance':>9s} "
         f"{'Qhat':>8s} {'hidden KL':>9s}")
    for name, r in rows.items():
        ci = r["q_ci"] or [float("nan")] * 2
        _say(f"{name:{width}s} {r['q']:8.3g} [{ci[0]:7.3g}, {ci[1]:7.3g}] {r['bias_sq']:9.3g} "
             f"{r['bias_sq_stderr']:7.2g} {r['variance']:9.3g} {r['q_hat']:8.3g} {r['hidden_kl']:9.3g}")
    _say("(Q against the exact gradient; bias^2 is what more samples never remove; "
         "Qhat equals Q only for an unbiased estimator; hidden KL: sampled hidden layer vs its exact "
         "marginal, nats)")
    for name, r in rows.items():
        for w in r["warnings"]:
            _say(f"WARNING ({name}): {w}")
    png = os.path.join(build, "snr_comparison.png")
    _plot(png, rows)
    for name, r in reports.items():
        write_text_atomic(os.path.join(build, f"snr_{name}.txt"), r.summary() + "\n")
        write_json_atomic(os.path.join(build, f"snr_{name}.json"), r.to_dict())
    bar.update()
    _step(bar, STAGES[4])
    manifest = export_fpga(program, os.path.join(build, "fpga-export"), formats=("mem", "coe", "mif"),
                           seed=args.seed, golden_phases=16)
    bar.update()
    compiled = {k: v for k, v in rep.items() if not isinstance(v, (list, dict))}
    return compiled, rows, png, manifest
