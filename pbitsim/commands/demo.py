"""`pbitsim demo`: the end-to-end job on shipped defaults, written to ``./pbitsim-demo/``.

A small RBM is sampled on the ideal chip and through the fpga-sparse-ising
datapath (6-bit fixed point, 32-entry LUT, 32-bit LFSRs), both compared with
exact enumeration; then a spin glass runs on the full fpga-sparse-ising chip.
"""
from __future__ import annotations

import os

import numpy as np

from ..atomic_io import write_json_atomic
from ..chip import chip_from_dict, load_chip
from ..exact import empirical_distribution, exact_law, kl_divergence, total_variation
from ..models import RBM
from ..program import chip_graph, place_model
from ..simulate import simulate
from ..spin_glass import random_spin_glass

HELP = "run the end-to-end demo (ideal vs FPGA datapath vs exact) into ./pbitsim-demo/"


def add_arguments(parser):
    parser.add_argument("--out", default="pbitsim-demo", help="output directory (default ./pbitsim-demo)")
    parser.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    parser.add_argument("--sweeps", type=int, default=20000, help="sweeps per replica (default 20000)")


def demo_rbm(seed):
    """A small seeded RBM (8 visible x 4 hidden), weights of the size trained RBMs have."""
    g = np.random.default_rng(seed)
    return RBM(g.normal(0, 1.2, (8, 4)), g.normal(0, 0.5, 8), g.normal(0, 0.5, 4), name="demo RBM 8x4")


def on_model_graph(chip_name):
    d = load_chip(chip_name).to_dict()
    d["topology"] = {"kind": "model"}
    d["name"] = f"{chip_name} datapath"
    return chip_from_dict(d, source=f"{chip_name} (on the model's graph)")


def _plot(path, law, results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    x = np.arange(law.means.shape[0])
    ax.bar(x - 0.27, law.means, 0.27, label="exact")
    for k, (name, r) in enumerate(results.items()):
        ax.bar(x + 0.27 * k, r["means"], 0.27, label=name)
    ax.set_xlabel("spin (visible, then hidden)")
    ax.set_ylabel("<m_i>")
    ax.legend(fontsize=8)
    ax.set_title("RBM marginals: exact vs chips")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(args):
    os.makedirs(args.out, exist_ok=True)
    rbm = demo_rbm(args.seed)
    model = rbm.to_ising()
    law = exact_law(model, 1.0)
    results = {}
    print(f"{rbm.name}: {model.n} spins, exact log Z = {law.log_z:.4f}")
    for name, chip in (("ideal", load_chip("ideal")), ("fpga datapath", on_model_graph("fpga-sparse-ising"))):
        s = simulate(place_model(model, chip), sweeps=args.sweeps, burn_in=100, replicas=8, seed=args.seed)
        emp = empirical_distribution(s.states)
        means = s.flat_states().mean(axis=0, dtype=np.float64)
        results[name] = {"means": means, "kl_exact_vs_sampled": kl_divergence(law.probs, emp, eps=1e-12),
                         "tv_to_exact": total_variation(emp, law.probs),
                         "max_marginal_error": float(np.abs(means - law.means).max()),
                         "ns_per_update": s.timing.ns_per_update}
        print(f"  {name:14s} TV to exact {results[name]['tv_to_exact']:.4f}   "
              f"max |<m_i> error| {results[name]['max_marginal_error']:.4f}")
    fpga = load_chip("fpga-sparse-ising")
    sg = random_spin_glass(chip_graph(fpga), args.seed)
    run = simulate(place_model(sg, fpga), sweeps=200, replicas=2, seed=args.seed)
    e, de = run.mean_energy()
    print(f"  spin glass on {fpga.name}: {sg.n} p-bits, energy {e:.2f} ± {de:.2f}, "
          f"{run.timing.updates_per_s:.3g} updates/s, {run.timing.simulated_ns:.0f} ns of chip time")
    png = os.path.join(args.out, "marginals.png")
    _plot(png, law, results)
    summary = {"rbm": {k: {kk: vv for kk, vv in v.items() if kk != "means"} for k, v in results.items()},
               "spin_glass": {"chip": fpga.name, "n": sg.n, "mean_energy": e, "stderr": de,
                              **run.timing.as_dict()}}
    write_json_atomic(os.path.join(args.out, "summary.json"), summary)
    print(f"wrote {png} and {os.path.join(args.out, 'summary.json')}")
    return 0
