"""The side-by-side benchmark: pbitsim's chromatic engine and the peers on every workload, in one process.

Engines (peers only when importable; each peer runs one replica on one thread):
``pbitsim`` is the chromatic engine (ideal float datapath, exact Gibbs) with 1
and 64 replicas on all cores, wall time of the kernel only (compiled first);
the peers are described in :mod:`pbitsim.bench.peers`, the workloads in
:mod:`pbitsim.bench.workloads`, the timing method in :mod:`pbitsim.bench.timing`.
"""
from __future__ import annotations

import time

import numba

from .peers import PEER_NOTES, PEER_TIMERS, PEERS
from .report import add_ratios
from .timing import time_pbitsim
from .workloads import GRAPHS, spin_glass_named

_TARGET_UPDATES = {"pbitsim": 1.2e8, "peer": 5e7}  # per long timing run (scaled by --quick)


def _auto_sweeps(n, replicas, kind, scale):
    return int(max(8, round(scale * _TARGET_UPDATES[kind] / (n * replicas))))


def run_benchmark(graphs=GRAPHS, replicas=(1, 64), peers=PEERS, sweeps=None, quick=False, repeats=None,
                  log=print):
    """Time every engine on every graph; returns a list of result rows (dicts).

    Each row: ``graph``, ``n``, ``engine``, ``replicas``, ``sweeps``,
    ``ns_per_update`` (None when the engine is missing or failed), ``note``,
    ``speedup_vs_best_peer`` (see :func:`pbitsim.bench.report.add_ratios`).
    """
    scale = 0.5 if quick else 1.0
    repeats = repeats or (2 if quick else 3)
    rows = []
    for name in graphs:
        t0 = time.perf_counter()
        model = spin_glass_named(name)
        log(f"{name}: {model.n} p-bits, {model.n_edges} edges (built in {time.perf_counter() - t0:.1f} s)")
        for R in replicas:
            S = sweeps or _auto_sweeps(model.n, R, "pbitsim", scale)
            ns, layout = time_pbitsim(model, R, S, repeats)
            note = f"{R} replica(s) on {min(R, numba.get_num_threads())} thread(s), {layout} layout"
            rows.append(dict(graph=name, n=model.n, engine="pbitsim", replicas=R, sweeps=S, ns_per_update=ns,
                             note=note))
            log(f"  pbitsim  R={R:<3d} {ns:8.2f} ns/update  ({S} sweeps)")
        for peer in peers:
            S = sweeps or _auto_sweeps(model.n, 1, "peer", scale)
            try:
                ns, note = PEER_TIMERS[peer](model, S, repeats), PEER_NOTES[peer]
            except ImportError as exc:
                ns, note = None, f"not installed ({exc.name or exc})"
            except Exception as exc:  # a peer's API drift must not kill the benchmark
                ns, note = None, f"failed: {type(exc).__name__}: {exc}"
            rows.append(dict(graph=name, n=model.n, engine=peer, replicas=1, sweeps=S, ns_per_update=ns,
                             note=note))
            log(f"  {peer:<8s} R=1   " + (f"{ns:8.2f} ns/update  ({S} sweeps)" if ns else note))
    add_ratios(rows)
    return rows
