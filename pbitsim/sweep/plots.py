"""Plots of sweep results (matplotlib, imported lazily): metric vs parameter, heat maps."""
from __future__ import annotations

import json
import os

import numpy as np


def _aggregate(rows, x_key, line_key, metric):
    """``{line value: (xs, means, stderrs)}`` over repeats."""
    groups = {}
    for r in rows:
        if metric not in r or r[metric] is None:
            continue
        if x_key not in r:
            continue
        groups.setdefault(r.get(line_key) if line_key else None, {}).setdefault(r[x_key], []).append(r[metric])
    out = {}
    for line, by_x in groups.items():
        xs = list(by_x)
        vals = [np.asarray(by_x[x], dtype=float) for x in xs]
        means = np.array([v.mean() for v in vals])
        errs = np.array([v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0.0 for v in vals])
        out[line] = (xs, means, errs)
    return out


def _save(fig, base):
    written = []
    for ext in ("png", "svg"):
        path = f"{base}.{ext}"
        tmp = f"{base}.tmp.{ext}"
        fig.savefig(tmp, dpi=120)
        os.replace(tmp, path)
        written.append(path)
    return written


def plot_sweep(out_dir):
    """Write one line plot per metric (and a heat map for 2-D grids) into ``out_dir/plots``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(os.path.join(out_dir, "sweep.json"), encoding="utf-8") as f:
        spec = json.load(f)
    with open(os.path.join(out_dir, "results.json"), encoding="utf-8") as f:
        rows = json.load(f)
    params = list(dict.fromkeys(list(spec["grid"]) + list(spec["zip"])
                                + [k for p in spec.get("points", []) for k in p]))
    if not rows or not params:
        raise ValueError(f"{out_dir}: no results to plot")
    plot_dir = os.path.join(out_dir, "plots")
    os.makedirs(plot_dir, exist_ok=True)
    x_key = params[0]
    line_key = params[1] if len(params) > 1 else None
    written = []
    for metric in spec["metrics"]:
        agg = _aggregate(rows, x_key, line_key, metric)
        if not agg:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        numeric = all(isinstance(x, (int, float)) for xs, _, _ in agg.values() for x in xs)
        cats = list(dict.fromkeys(x for xs, _, _ in agg.values() for x in xs))
        for line, (xs, means, errs) in agg.items():
            xv = xs if numeric else [cats.index(x) for x in xs]
            label = f"{line_key} = {line}" if line_key else None
            ax.errorbar(xv, means, yerr=errs, marker="o", capsize=3, label=label)
        if not numeric:
            ax.set_xticks(range(len(cats)), [str(c) for c in cats])
        ax.set_xlabel(x_key)
        ax.set_ylabel(metric)
        ax.set_title(f"{spec['name']}: {metric}")
        if line_key:
            ax.legend(fontsize=8)
        fig.tight_layout()
        written += _save(fig, os.path.join(plot_dir, f"{metric}_vs_{x_key}"))
        plt.close(fig)
        if len(spec["grid"]) == 2:
            written += _heatmap(plt, rows, list(spec["grid"]), metric, plot_dir, spec["name"])
    return written


def _heatmap(plt, rows, keys, metric, plot_dir, name):
    kx, ky = keys
    xs = list(dict.fromkeys(r[kx] for r in rows))
    ys = list(dict.fromkeys(r[ky] for r in rows))
    grid = np.full((len(ys), len(xs)), np.nan)
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            vals = [r[metric] for r in rows if r[kx] == x and r[ky] == y and r.get(metric) is not None]
            if vals:
                grid[j, i] = np.mean(vals)
    fig, ax = plt.subplots(figsize=(6, 4))
    im = ax.imshow(grid, origin="lower", aspect="auto")
    ax.set_xticks(range(len(xs)), [str(x) for x in xs])
    ax.set_yticks(range(len(ys)), [str(y) for y in ys])
    ax.set_xlabel(kx)
    ax.set_ylabel(ky)
    ax.set_title(f"{name}: {metric}")
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    out = _save(fig, os.path.join(plot_dir, f"{metric}_heatmap"))
    plt.close(fig)
    return out
