"""Study 3: global spectral gap vs observable-projected gap as modes are planted in a small digits RBM.

An RBM (``--n-visible`` downsampled digit pixels x ``--n-hidden`` hidden units) is trained by PCD on the
ideal chip; then ``k = 0, 1, ..., n_hidden`` digit-class patterns (sign of the class means of digits 0, 1, 4)
are planted in hidden units ``0..k-1`` with strength ``--strength``
(:func:`pbitsim.analysis.planted_modes.plant_modes`).  For each ``k`` and kernel (the chip's chromatic sweep,
random-scan sweeps) the exact per-sweep transition matrix gives the global gap ``1 - |lambda_1|`` and the
gap of the slowest mode the gradient observables see (:func:`pbitsim.analysis.projected_gap.compare_gaps`),
for all gradient observables (couplings and biases) and for the couplings ``m_i m_j`` alone.  Two bases:
the trained RBM (its fields break the spin-flip symmetry) and the same couplings with every spin field zero
(flip-symmetric: the global-flip mode is odd and the couplings cannot see it).

    python scripts/studies/planted_modes.py            # ~ a few minutes on 2 cores
    python scripts/studies/planted_modes.py --quick    # 4 visible x 2 hidden, seconds
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from study_data import FIGURES, downsampled_digits, save_figure, spin_symmetric  # noqa: E402

from pbitsim.analysis.exact import exact_law  # noqa: E402
from pbitsim.analysis.planted_modes import pattern_signs, plant_modes  # noqa: E402
from pbitsim.analysis.projected_gap import compare_gaps  # noqa: E402
from pbitsim.analysis.relaxation import gradient_observables  # noqa: E402
from pbitsim.analysis.scan_orders import order_kernel  # noqa: E402
from pbitsim.analysis.spectral import spectrum  # noqa: E402
from pbitsim.files.atomic import write_json_atomic  # noqa: E402
from pbitsim.training.pcd import train_rbm  # noqa: E402

PATTERN_CLASSES = (0, 1, 4, 7)


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-visible", type=int, default=8)
    p.add_argument("--n-hidden", type=int, default=2)
    p.add_argument("--strength", type=float, default=4.0, help="planted binary weight |W_ij| (spin coupling /4)")
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--schemes", nargs="+", default=["chromatic", "random_scan"])
    p.add_argument("--tol", type=float, default=1e-8, help="mode weight above which an observable sees a mode")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=os.path.join(FIGURES, "planted_modes"), help="writes OUT.png and OUT.json")
    p.add_argument("--quick", action="store_true", help="4 visible x 2 hidden, 2 epochs (a test run)")
    args = p.parse_args(argv)
    if args.quick:
        args.n_visible, args.n_hidden, args.epochs = 4, 2, 1
    return args


def analyse(model, beta, scheme, tol):
    """Global and projected gaps (all gradient observables, couplings only) of one kernel on one model."""
    K = order_kernel(model, beta, scheme)
    pi = exact_law(model.to_ising(), beta).probs
    spec = spectrum(K.T, pi)
    full = compare_gaps(K.T, pi, gradient_observables(model, biases=True), spec=spec, tol=tol)
    cpl = compare_gaps(K.T, pi, gradient_observables(model, biases=False), spec=spec, tol=tol)
    return {"global_gap": full.global_gap, "projected_gap_all": full.projected_gap,
            "projected_gap_couplings": cpl.projected_gap, "slowest_weight_all": full.slowest_weight,
            "slowest_weight_couplings": cpl.slowest_weight, "tau_max_all": full.tau_max,
            "tau_max_couplings": cpl.tau_max, "parity_slowest": float(spec.parity()[1])}


def run(args):
    x, y = downsampled_digits(args.n_visible, return_labels=True)
    trained = train_rbm(x, n_hidden=args.n_hidden, chip="ideal", epochs=args.epochs, lr=0.05, batch_size=32,
                        snr_estimates=0, log_likelihood_method="none", seed=args.seed, progress=False).model
    patterns = pattern_signs(x, y, PATTERN_CLASSES[:args.n_hidden])
    rows = []
    for base_name, base in (("trained", trained), ("symmetric", spin_symmetric(trained))):
        for k in range(args.n_hidden + 1):
            model = plant_modes(base, patterns[:k], args.strength)
            if base_name == "symmetric":
                model = spin_symmetric(model)
            for scheme in args.schemes:
                r = {"base": base_name, "k": k, "scheme": scheme, **analyse(model, args.beta, scheme, args.tol)}
                rows.append(r)
                print(f"{base_name:9} k={k} {scheme:11} global {r['global_gap']:.4g}  projected(all) "
                      f"{r['projected_gap_all']:.4g}  projected(couplings) {r['projected_gap_couplings']:.4g}  "
                      f"w1(couplings) {r['slowest_weight_couplings']:.2g}  parity {r['parity_slowest']:+.2f}",
                      flush=True)
    return {"setup": {k: v for k, v in vars(args).items() if k != "out"},
            "patterns": patterns.tolist(), "pattern_classes": list(PATTERN_CLASSES[:args.n_hidden]),
            "rows": rows}


def summary(result):
    """Per (base, scheme): gaps at k = 0 and at the k with the smallest projected gap, and the drop factor."""
    out = {}
    for base in ("trained", "symmetric"):
        for scheme in result["setup"]["schemes"]:
            rs = [r for r in result["rows"] if r["base"] == base and r["scheme"] == scheme]
            r0 = rs[0]
            low = min(rs, key=lambda r: r["projected_gap_couplings"])
            out[f"{base}/{scheme}"] = {
                "projected_gap_k0": r0["projected_gap_couplings"], "projected_gap_min": low["projected_gap_couplings"],
                "k_min": low["k"], "drop": r0["projected_gap_couplings"] / low["projected_gap_couplings"],
                "global_gap_k0": r0["global_gap"], "global_gap_at_k_min": low["global_gap"]}
    return out


def plot(result, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    styles = {"chromatic": "-", "random_scan": "--"}
    for ax, base in zip(axes, ("trained", "symmetric")):
        for scheme in result["setup"]["schemes"]:
            rs = [r for r in result["rows"] if r["base"] == base and r["scheme"] == scheme]
            ks = [r["k"] for r in rs]
            ls = styles.get(scheme, ":")
            ax.semilogy(ks, [r["global_gap"] for r in rs], "o" + ls, color="k", label=f"global ({scheme})")
            ax.semilogy(ks, [r["projected_gap_couplings"] for r in rs], "s" + ls, color="C1",
                        label=f"projected, couplings ({scheme})")
            ax.semilogy(ks, [r["projected_gap_all"] for r in rs], "^" + ls, color="C0", mfc="none",
                        label=f"projected, all ({scheme})")
        ax.set_title(f"{base} base (fields {'kept' if base == 'trained' else 'zeroed'})")
        ax.set_xlabel("planted modes k")
        ax.set_xticks(range(result["setup"]["n_hidden"] + 1))
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("spectral gap per sweep")
    axes[1].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Planted modes in a {result['setup']['n_visible']}x{result['setup']['n_hidden']} digits RBM, "
                 f"strength {result['setup']['strength']}, beta {result['setup']['beta']}")
    return save_figure(fig, path)


def main(argv=None):
    args = parse(argv)
    t0 = time.perf_counter()
    result = run(args)
    result["summary"] = summary(result)
    result["wall_s"] = time.perf_counter() - t0
    plot(result, args.out + ".png")
    write_json_atomic(args.out + ".json", result)
    print(f"wrote {args.out}.png and {args.out}.json ({result['wall_s']:.0f} s)")
    return result


if __name__ == "__main__":
    main()
