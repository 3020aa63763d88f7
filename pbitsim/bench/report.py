"""Benchmark results as text: speed-up ratios, the markdown table and the machine they were measured on.

A result row is a dict with ``graph``, ``n``, ``engine``, ``replicas``,
``sweeps``, ``ns_per_update`` (None when the engine is missing or failed) and
``note``; :func:`add_ratios` adds ``speedup_vs_best_peer``.
"""
from __future__ import annotations

import os
import platform

import numba


def add_ratios(rows):
    """Set ``speedup_vs_best_peer`` = (fastest peer's ns/update) / (this row's) on each graph."""
    for name in {r["graph"] for r in rows}:
        peer_ns = [r["ns_per_update"] for r in rows
                   if r["graph"] == name and r["engine"] != "pbitsim" and r["ns_per_update"]]
        best = min(peer_ns) if peer_ns else None
        for r in rows:
            if r["graph"] == name:
                ok = best and r["ns_per_update"]
                r["speedup_vs_best_peer"] = best / r["ns_per_update"] if ok else None


def format_table(rows):
    """Markdown table of the rows."""
    lines = ["| graph | n | engine | replicas | ns/update | x best peer | note |",
             "|---|---:|---|---:|---:|---:|---|"]
    for r in rows:
        ns = f"{r['ns_per_update']:.2f}" if r["ns_per_update"] else "-"
        sp = f"{r['speedup_vs_best_peer']:.2f}" if r.get("speedup_vs_best_peer") else "-"
        lines.append(f"| {r['graph']} | {r['n']} | {r['engine']} | {r['replicas']} | {ns} | {sp} | {r['note']} |")
    return "\n".join(lines)


def machine_info():
    """CPU model and core count (``lscpu`` model name when available)."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": model, "cpus": os.cpu_count(), "numba_threads": numba.get_num_threads(),
            "python": platform.python_version(), "numba": numba.__version__}
