"""`pbitsim demo`: the end-to-end job on shipped defaults, written to ``./pbitsim-demo/``.

1. load the shipped trained RBM (64 visible x 10 hidden, binarized digits);
2. compile it onto ``fpga-sparse-ising`` (minor embedding into Pegasus P6,
   6-bit fixed point, 32-entry LUT, 32-bit LFSRs);
3. measure the gradient signal-to-noise and bias on the ideal chip and on the
   compiled FPGA chip, both against the exact gradient (the hidden layer is
   small enough for exact RBM marginals);
4. write a comparison plot, the reports, and an FPGA export of the program.
"""
from __future__ import annotations

import os
import time

import numpy as np

from ..files.atomic import write_json_atomic, write_text_atomic

HELP = "run the end-to-end demo (trained RBM -> FPGA chip: SNR/bias vs ideal, plot, export) into ./pbitsim-demo/"


def add_arguments(parser):
    parser.add_argument("--out", default="pbitsim-demo", help="output directory (default ./pbitsim-demo)")
    parser.add_argument("--chip", default="fpga-sparse-ising", help="non-ideal chip (default fpga-sparse-ising)")
    parser.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    parser.add_argument("--estimates", type=int, default=16, help="independent gradient estimates (default 16)")
    parser.add_argument("--samples", type=int, default=100, help="samples per estimate (default 100)")


def _row(rep):
    d = rep.to_dict()
    ex = d["exact"] or {}
    ac = d["autocorrelation"] or {}
    grad = ac.get("gradient_observables", {}) or {}
    return {"q_hat": d["q_hat"], "q_hat_ci": d["q_hat_ci"], "q": ex.get("q"), "q_ci": ex.get("q_ci"),
            "bias_sq": ex.get("bias_sq"), "bias_sq_stderr": ex.get("bias_sq_stderr"),
            "variance": ex.get("variance"), "g_norm_sq": ex.get("g_norm_sq"),
            "tau_int_gradient_median": grad.get("median"), "tau_int_magnetization":
                (ac.get("magnetization") or {}).get("tau")}


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


def main(args):
    from ..chip.spec import load_chip
    from ..training.digits import demo_rbm_path
    from ..export import export_fpga
    from ..compiler import compile_model
    from ..models import load_model
    from ..analysis.snr import gradient_snr

    t0 = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    rbm = load_model(demo_rbm_path())
    chip = load_chip(args.chip)
    print(f"model     shipped demo RBM: {rbm.n_visible} visible x {rbm.n_hidden} hidden (binarized 8x8 digits)")
    program = compile_model(rbm, chip, seed=args.seed)
    rep = program.report
    print(f"compile   {chip.name}: {rep['n_physical']} of {rep['n_chip']} p-bits, chains up to "
          f"{rep['chain_length_max']}, {rep['n_colours']} colours, scale {rep['scale']:.3g}, "
          f"{100 * rep['fraction_zeroed_J']:.0f}% of couplings round to 0 at {rep['weight_format']}")
    program.save(os.path.join(args.out, "program.npz"))
    kw = dict(estimates=args.estimates, samples_per_estimate=args.samples, burn_in=100, seed=args.seed)
    reports = {"ideal": gradient_snr(rbm, "ideal", "digits", **kw),
               chip.name: gradient_snr(program, data="digits", **kw)}
    rows = {name: _row(r) for name, r in reports.items()}
    print(f"\n{'chip':20s} {'Q':>8s} {'Q 95% CI':>18s} {'bias^2':>9s} {'± se':>7s} {'variance':>9s} {'Qhat':>8s}")
    for name, r in rows.items():
        ci = r["q_ci"] or [float("nan")] * 2
        print(f"{name:20s} {r['q']:8.3g} [{ci[0]:7.3g}, {ci[1]:7.3g}] {r['bias_sq']:9.3g} "
              f"{r['bias_sq_stderr']:7.2g} {r['variance']:9.3g} {r['q_hat']:8.3g}")
    print("(Q against the exact gradient; bias^2 is what more samples never remove; "
          "Qhat equals Q only for an unbiased estimator)")
    png = os.path.join(args.out, "snr_comparison.png")
    _plot(png, rows)
    for name, r in reports.items():
        write_text_atomic(os.path.join(args.out, f"snr_{name}.txt"), r.summary() + "\n")
    manifest = export_fpga(program, os.path.join(args.out, "fpga-export"), formats=("mem", "coe", "mif"),
                           seed=args.seed, golden_phases=16, overwrite=True)
    write_json_atomic(os.path.join(args.out, "summary.json"),
                      {"model": {"n_visible": rbm.n_visible, "n_hidden": rbm.n_hidden},
                       "compile": {k: v for k, v in rep.items() if not isinstance(v, (list, dict))},
                       "snr": rows, "snr_reports": {k: r.to_dict() for k, r in reports.items()},
                       "export": {"path": manifest["path"], "files": len(manifest.get("files", []))},
                       "seconds": time.perf_counter() - t0})
    print(f"\nwrote {png}, snr_*.txt, summary.json, program.npz and an FPGA export in "
          f"{manifest['path']} ({len(manifest.get('files', []))} files) in {time.perf_counter() - t0:.1f} s")
    return 0
