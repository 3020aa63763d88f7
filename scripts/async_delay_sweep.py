"""KL divergence from the Boltzmann law of asynchronous p-bits vs synapse delay / neuron time.

Poisson p-bits (mean neuron time 1 ns) read their neighbours through synapses
of delay ``d``; with ``d << tau_n`` they are Gibbs samplers, and the sampled law
departs from Boltzmann as ``d / tau_n`` grows.  The instance is a small
frustrated Ising model (exact enumeration gives the reference).  Error bars:
jackknife over replicas.

    python scripts/async_delay_sweep.py --out build/async_delay.png
"""
from __future__ import annotations

import argparse
import os

import numpy as np

from pbitsim.chip.spec import load_chip
from pbitsim.analysis.exact import exact_law, kl_divergence, states_to_codes
from pbitsim.models import IsingModel
from pbitsim.simulate import simulate

# frustrated 5-spin instance: antiferromagnetic triangle (0, 1, 2) plus two pendant spins, with fields
EDGES = [(0, 1, -1.0), (1, 2, -1.0), (0, 2, -1.0), (2, 3, 0.8), (3, 4, -0.6), (1, 4, 0.7)]
FIELDS = [0.3, -0.2, 0.1, 0.25, -0.15]


def frustrated_model():
    u, v, w = zip(*EDGES)
    return IsingModel.from_edges(u, v, w, FIELDS, name="frustrated 5-spin instance")


def kl_with_error(states, probs):
    """KL(pooled empirical || probs) and its jackknife error over replicas."""
    n = states.shape[-1]
    freq = np.stack([np.bincount(c, minlength=1 << n) / c.size for c in states_to_codes(states)])
    kl = kl_divergence(freq.mean(0), probs)
    jack = np.array([kl_divergence(np.delete(freq, r, axis=0).mean(0), probs) for r in range(freq.shape[0])])
    return kl, float(np.sqrt((jack.size - 1) * jack.var()))


def sweep(ratios, *, replicas, sweeps, thin, beta, seed, spread=0.0):
    model = frustrated_model()
    law = exact_law(model, beta)
    rows = []
    for ratio in ratios:
        chip = load_chip("ideal").with_params({
            "clock.mode": "asynchronous", "timing.neuron_time_ns": 1.0,
            "timing.synapse_delay_ns": float(ratio), "timing.synapse_delay_sigma_ns": spread * float(ratio)})
        run = simulate(model, chip, sweeps=sweeps, thin=thin, burn_in=50, replicas=replicas, beta=beta, seed=seed)
        kl, err = kl_with_error(run.states, law.probs)
        rows.append((float(ratio), kl, err, run.info["time_avg_energy"], run.info["flips_per_ns"]))
    return law, rows


def plot(rows, law, path, title):
    import matplotlib  # optional plotting dependency, deferred on purpose (backend set first)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r, kl, err = (np.array(c) for c in list(zip(*rows))[:3])
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.errorbar(r, kl, yerr=err, marker="o", capsize=3)
    ax.set_xlabel("synapse delay / neuron time")
    ax.set_ylabel("KL(sampled || Boltzmann)  [nats]")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ratios", type=float, nargs="+",
                    default=[0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0])
    ap.add_argument("--replicas", type=int, default=32)
    ap.add_argument("--sweeps", type=int, default=4000, help="samples per replica x thin (neuron times)")
    ap.add_argument("--thin", type=int, default=2)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--spread", type=float, default=0.0,
                    help="per-edge delay spread, relative to the mean delay (default 0)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="async_delay_sweep.png", help="PNG path (default async_delay_sweep.png)")
    args = ap.parse_args(argv)
    law, rows = sweep(args.ratios, replicas=args.replicas, sweeps=args.sweeps, thin=args.thin, beta=args.beta,
                      seed=args.seed, spread=args.spread)
    print(f"exact mean energy {law.mean_energy:.4f} (beta {args.beta})")
    print(f"{'delay/tau_n':>11}  {'KL':>9}  {'+-':>8}  {'<E>_time':>9}  {'flips/ns':>8}")
    for ratio, kl, err, e, fpn in rows:
        print(f"{ratio:11.3f}  {kl:9.5f}  {err:8.5f}  {e:9.4f}  {fpn:8.3f}")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    plot(rows, law, args.out, f"Poisson p-bits, frustrated 5-spin instance, beta = {args.beta}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
