"""Machine-sweep figures against the boundary-exchange ratio eta (a measured metric, not a swept parameter).

:func:`pbitsim.sweep.plots.sweep_figures` draws every metric against the swept
parameters; for a machine sweep that reports ``eta`` it adds
``<metric>_vs_eta``: energy error and gradient-SNR loss against the mean eta of
each chip count, one line per link latency (averaged over the other axes).
"""
from __future__ import annotations

import numpy as np

COUNT_KEY = "machine.chips.count"
LATENCY_KEY = "machine.links.latency_ns"
Y_METRICS = {"energy_error": "energy error per p-bit (vs ideal links)",
             "snr_loss_db": "gradient-SNR loss 10 log10(Q_ideal / Q) (dB)"}


def _groups(rows, metric, line_key):
    """``{line: {count: ([eta], [value])}}`` of the finite rows."""
    out = {}
    for r in rows:
        v, eta = r.get(metric), r.get("eta")
        if v is None or eta is None or not (np.isfinite(v) and np.isfinite(eta)):
            continue
        by = out.setdefault(r.get(line_key) if line_key else None, {})
        e, y = by.setdefault(r.get(COUNT_KEY), ([], []))
        e.append(eta)
        y.append(v)
    return out


def eta_figures(spec: dict, rows: list, plt) -> list:
    """``[(file stem, figure)]``: each of :data:`Y_METRICS` the sweep measured, against eta."""
    if "eta" not in spec["metrics"] or COUNT_KEY not in spec.get("grid", {}):
        return []
    line_key = LATENCY_KEY if LATENCY_KEY in spec.get("grid", {}) else None
    figs = []
    for metric, label in Y_METRICS.items():
        if metric not in spec["metrics"]:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        for line, by_count in sorted(_groups(rows, metric, line_key).items(), key=lambda kv: str(kv[0])):
            pts = sorted((float(np.mean(e)), float(np.mean(y)),
                          float(np.std(y, ddof=1) / np.sqrt(len(y))) if len(y) > 1 else 0.0)
                         for e, y in by_count.values())
            x, m, err = (np.array(c) for c in zip(*pts))
            ax.errorbar(x, m, yerr=err, marker="o", capsize=3,
                        label=f"latency {line:g} ns" if line is not None else None)
        ax.set_xlabel("boundary-exchange ratio eta (cut couplings / all couplings)")
        ax.set_ylabel(label)
        ax.set_title(f"{spec['name']}: {metric} vs eta (chip counts {', '.join(map(str, spec['grid'][COUNT_KEY]))})")
        if line_key:
            ax.legend(fontsize=8)
        fig.tight_layout()
        figs.append((f"{metric}_vs_eta", fig))
    return figs
