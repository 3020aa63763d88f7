"""`pbitsim demo`: the end-to-end job on shipped defaults, written to ``./pbitsim-demo/``.

1. load the shipped trained RBM (64 visible x 10 hidden, binarized digits);
2. compile it onto ``fpga-sparse-ising`` (minor embedding into Pegasus P6,
   6-bit fixed point, 32-entry LUT, 32-bit LFSRs);
3. measure the gradient signal-to-noise and bias on the ideal chip and on the
   compiled FPGA chip, both against the exact gradient (the hidden layer is
   small enough for exact RBM marginals);
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

import numpy as np
from tqdm.auto import tqdm

from ..analysis.snr import gradient_snr
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


STAGES = ("compile", "SNR on the ideal chip", "SNR on the chip", "plot and reports", "FPGA export")


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
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.4))
    for ax, key, err, title in ((axes[0], "q", "q_ci", "Q = |g|^2 / E|ghat - g|^2"),
                                (axes[1], "bias_sq", "bias_sq_stderr", "bias^2 = |E ghat - g|^2")):
        vals = [rows[k][key] if rows[k][key] is not None else np.nan for k in names]
        if err == "q_ci":
            lo = [v - (rows[k][err] or [v, v])[0] for k, v in zip(names, vals)]
            hi = [(rows[k][err] or [v, v])[1] - v for k, v in zip(names, vals)]
            yerr = [lo, hi]
        else:
            yerr = [rows[k][err] or 0.0 for k in names]
        ax.bar(names, vals, yerr=yerr, capsize=4, color=["tab:blue", "tab:orange"][: len(names)])
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
    program = compile_model(rbm, chip, seed=args.seed)
    rep = program.report
    _say(f"compile   {chip.name}: {rep['n_physical']} of {rep['n_chip']} p-bits, chains up to "
         f"{rep['chain_length_max']}, {rep['n_colours']} colours, scale {rep['scale']:.3g}, "
         f"{100 * rep['fraction_zeroed_J']:.0f}% of couplings round to 0 at {rep['weight_format']}")
    program.save(os.path.join(build, "program.npz"))
    bar.update()
    kw = dict(estimates=args.estimates, samples_per_estimate=args.samples, burn_in=100, seed=args.seed,
              progress=True)     # nested bars, on a terminal only
    _step(bar, STAGES[1])
    reports = {"ideal": gradient_snr(rbm, "ideal", "digits", **kw)}
    bar.update()
    _step(bar, STAGES[2])
    reports[chip.name] = gradient_snr(program, data="digits", **kw)
    bar.update()
    _step(bar, STAGES[3])
    rows = {name: _row(r) for name, r in reports.items()}
    _say(f"\n{'chip':20s} {'Q':>8s} {'Q 95% CI':>18s} {'bias^2':>9s} {'± se':>7s} {'variance':>9s} {'Qhat':>8s}")
    for name, r in rows.items():
        ci = r["q_ci"] or [float("nan")] * 2
        _say(f"{name:20s} {r['q']:8.3g} [{ci[0]:7.3g}, {ci[1]:7.3g}] {r['bias_sq']:9.3g} "
             f"{r['bias_sq_stderr']:7.2g} {r['variance']:9.3g} {r['q_hat']:8.3g}")
    _say("(Q against the exact gradient; bias^2 is what more samples never remove; "
         "Qhat equals Q only for an unbiased estimator)")
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
