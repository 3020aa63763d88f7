"""Plots of sweep results (matplotlib, imported lazily): metric vs parameter, heat maps.

A sweep has *axes*: each ``[grid]`` key is one axis, all ``[zip]`` keys together
are one axis (they vary together, so they are drawn as one line along the first
zipped key, the others named in the label), and the ``[[points]]`` list is one
categorical axis.  Each metric is drawn against the first axis, one line per
value of the second (further axes are averaged together with the repeats).
Axis labels carry units from the chip schema (``_ns``, ``_ps``, ``_mhz``,
``_bits`` keys and the schema's documented units).
"""
from __future__ import annotations

import json
import os
import re

import numpy as np

from ..errors import PbitsimError

SUFFIX_UNITS = {"_ns": "ns", "_ps": "ps", "_mhz": "MHz", "_bits": "bits", "_s": "s"}
METRIC_LABELS = {
    "energy": "energy per p-bit (units of J)", "magnetization": "magnetisation per spin",
    "flips_per_s": "p-bit updates per second (1/s)", "kl": "KL(target || sampled) (nats)",
    "tv": "total variation distance", "tau_int": "tau_int of the energy (sweeps)",
    "Q": "Q = |g|^2 / E|ghat - g|^2", "Q_hat": "Q_hat = (|gbar|^2 - T/K) / T", "bias": "bias^2 = |E ghat - g|^2",
}


def parameter_unit(path: str) -> str | None:
    """The unit of a dotted chip parameter (``"timing.synapse_delay_ns"`` -> ``"ns"``), or None."""
    key = path.split(".")[-1]
    for suffix, unit in SUFFIX_UNITS.items():
        if key.endswith(suffix):
            return unit
    from ..chip.schema import SCHEMA

    entry = (SCHEMA.get(path.split(".")[0]) or {}).get(key) if "." in path else None
    doc = getattr(entry, "doc", "") or ""
    m = re.search(r"\((bits|ns|ps|MHz)\)|units of (\w+)|noise on (\w+)", doc)
    if m:
        return m.group(1) or f"units of {m.group(2) or m.group(3)}"
    if "relative" in doc or "fraction" in doc:
        return "relative"
    return None


def parameter_label(path: str) -> str:
    unit = parameter_unit(path)
    return f"{path} ({unit})" if unit else path


def sweep_axes(spec: dict) -> list:
    """``[(label, keys, kind)]``: one per grid key, one for all zip keys, one for the explicit points."""
    axes = [(parameter_label(k), [k], "grid") for k in spec["grid"]]
    if spec["zip"]:
        keys = list(spec["zip"])
        label = parameter_label(keys[0]) + (f" + {len(keys) - 1} zipped" if len(keys) > 1 else "")
        axes.append((label, keys, "zip"))
    listed = list(dict.fromkeys(k for p in spec.get("points", []) for k in p))
    if listed:
        axes.append(("explicit point", listed, "points"))
    return axes


def _coord(row, axis):
    """A row's value on an axis: its (first) key's value, or the explicit point as text."""
    _, keys, kind = axis
    if kind == "points":
        return ", ".join(f"{k}={row[k]}" for k in keys if k in row)
    return row.get(keys[0])


def _aggregate(rows, x_axis, line_axis, metric):
    """``{line value: (xs, means, stderrs)}`` over repeats (and any further axes)."""
    groups = {}
    for r in rows:
        v = r.get(metric)
        if v is None or not np.isfinite(v):
            continue
        line = _coord(r, line_axis) if line_axis else None
        groups.setdefault(line, {}).setdefault(_coord(r, x_axis), []).append(v)
    out = {}
    for line, by_x in groups.items():
        xs = list(by_x)
        vals = [np.asarray(by_x[x], dtype=float) for x in xs]
        means = np.array([v.mean() for v in vals])
        errs = np.array([v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0.0 for v in vals])
        out[line] = (xs, means, errs)
    return out


def sweep_figures(out_dir):
    """``[(file stem, figure)]`` for a results folder (the caller saves and closes them)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(os.path.join(out_dir, "sweep.json"), encoding="utf-8") as f:
        spec = json.load(f)
    with open(os.path.join(out_dir, "results.json"), encoding="utf-8") as f:
        rows = json.load(f)
    axes = sweep_axes(spec)
    if not rows or not axes:
        raise PbitsimError(f"{out_dir}: no results to plot")
    x_axis = axes[0]
    line_axis = axes[1] if len(axes) > 1 else None
    figs = []
    for metric in spec["metrics"]:
        agg = _aggregate(rows, x_axis, line_axis, metric)
        if not agg:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        cats = list(dict.fromkeys(x for xs, _, _ in agg.values() for x in xs))
        numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in cats)
        for line, (xs, means, errs) in agg.items():
            order = np.argsort(xs) if numeric else np.arange(len(xs))
            xv = np.asarray(xs, dtype=float)[order] if numeric else [cats.index(xs[i]) for i in order]
            label = str(line) if line_axis else None
            ax.errorbar(xv, means[order], yerr=errs[order], marker="o", capsize=3, label=label)
        if not numeric:
            ax.set_xticks(range(len(cats)), [str(c) for c in cats], rotation=20, fontsize=7)
        ax.set_xlabel(x_axis[0])
        ax.set_ylabel(METRIC_LABELS.get(metric, metric))
        ax.set_title(f"{spec['name']}: {metric}")
        if line_axis:
            ax.legend(fontsize=8, title=line_axis[0], title_fontsize=8)
        fig.tight_layout()
        figs.append((f"{metric}_vs_{x_axis[1][0] if x_axis[2] != 'points' else 'point'}", fig))
        if len(spec["grid"]) == 2:
            figs.append((f"{metric}_heatmap", _heatmap(plt, rows, list(spec["grid"]), metric, spec["name"])))
    if spec.get("machine"):  # a multi-chip machine: also against the measured eta
        from ..machine.plots import eta_figures

        figs += eta_figures(spec, rows, plt)
    return figs


def _heatmap(plt, rows, keys, metric, name):
    kx, ky = keys
    xs = sorted(dict.fromkeys(r[kx] for r in rows), key=_sort_key)
    ys = sorted(dict.fromkeys(r[ky] for r in rows), key=_sort_key)
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
    ax.set_xlabel(parameter_label(kx))
    ax.set_ylabel(parameter_label(ky))
    ax.set_title(f"{name}: {METRIC_LABELS.get(metric, metric)}", fontsize=9)
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    return fig


def _sort_key(v):
    return (0, v, "") if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, 0, str(v))


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
    """Write one line plot per metric (and a heat map for 2-D grids) into ``out_dir/plots``; returns paths."""
    import matplotlib.pyplot as plt

    figs = sweep_figures(out_dir)
    plot_dir = os.path.join(out_dir, "plots")
    os.makedirs(plot_dir, exist_ok=True)
    written = []
    for stem, fig in figs:
        written += _save(fig, os.path.join(plot_dir, stem))
        plt.close(fig)
    return written
