"""Plots of ladder diagnostics (matplotlib, imported lazily, Agg backend), written atomically as PNG."""
from __future__ import annotations

import os

import numpy as np


def _save_png(fig, path):
    tmp = f"{path}.tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, path)
    return path


def diagnostics_axes(axes, results, labels=None):
    """Draw acceptance, ``C(beta)``, replica flow and ``tau_int`` of one or more results on 4 axes."""
    labels = labels or [r.engine for r in results]
    a_acc, a_c, a_f, a_tau = axes
    for r, lab in zip(results, labels):
        b = np.asarray(r.betas)
        d = r.diagnostics
        mid = np.sqrt(b[1:] * b[:-1])
        a_acc.plot(mid, d.acceptance, "o-", ms=3, label=f"{lab} ({r.n_rungs} rungs)")
        a_c.plot(b, d.heat_capacity, "o-", ms=3, label=lab)
        a_f.plot(b, d.flow, "o-", ms=3, label=lab)
        line, = a_tau.plot(b, d.tau_energy, "o-", ms=3, label=f"{lab}: energy")
        if np.any(np.isfinite(d.tau_gradient)):
            a_tau.plot(b, d.tau_gradient, "s--", ms=3, color=line.get_color(), label=f"{lab}: gradient obs.")
    a_acc.set(xlabel="beta (pair midpoint)", ylabel="swap acceptance", ylim=(0, 1.02))
    a_c.set(xlabel="beta", ylabel="C(beta) = beta^2 Var E")
    a_f.set(xlabel="beta", ylabel="replica flow f(beta)", ylim=(-0.02, 1.02))
    a_f.plot([b[0], b[-1]], [0, 1], color="0.7", lw=0.8, zorder=0)
    a_tau.set(xlabel="beta", ylabel="tau_int (sweeps)", yscale="log")
    for a in axes:
        a.grid(alpha=0.3)
    a_acc.legend(fontsize=7)
    a_tau.legend(fontsize=6)


def plot_diagnostics(results, path, *, labels=None, title=None):
    """One 2x2 figure of the diagnostics of ``results`` (a TemperResult or a list) at ``path`` (PNG)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = results if isinstance(results, (list, tuple)) else [results]
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.5))
    diagnostics_axes(axes.ravel(), results, labels)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    try:
        return _save_png(fig, os.fspath(path))
    finally:
        plt.close(fig)
