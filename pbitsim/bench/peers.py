"""Speed benchmark: nanoseconds per p-bit update, pbitsim beside peer samplers in one process.

Workload: the same seeded spin glass on each graph (``J_ij ~ U[-1, 1]`` on the
edges, ``h = 0``, ``beta = 1``):

- ``pegasus16``: Pegasus P16 fabric (5,640 p-bits, 40,484 edges, degree <= 15);
- ``lattice128``: 128 x 128 periodic square lattice (16,384 p-bits, degree 4);
- ``rr100k``: random 3-regular graph on 10^5 p-bits.

Engines (peers only when importable; each peer runs one chain on one thread):

- ``pbitsim``: the chromatic engine (ideal float datapath, exact Gibbs), 1 and
  64 replicas on all cores; wall time of the kernel only (compiled first).
- ``dwave``: dwave-samplers ``SimulatedAnnealingSampler`` with a constant
  ``beta = 1`` custom schedule and Gibbs acceptance (heat bath).
- ``openjij``: openjij's C++ core (``cxxjij`` ``graph.Sparse`` +
  ``ClassicalIsing`` + ``Algorithm_SingleSpinFlip_run`` at ``beta = 1``), the
  routine ``SASampler`` uses; its quadratic path is Metropolis, not heat bath.
- ``thrml``: thrml block Gibbs (JAX) over the same colour classes.

Fixed per-call costs (model conversion, allocation, JIT dispatch) are removed
by timing two sweep counts and taking the slope; every timing is the best of
``repeats``.  ``ns/update = seconds per sweep / (n * replicas)``.

    python scripts/bench.py [--graphs pegasus16,lattice128,rr100k] [--replicas 1,64]
                            [--peers dwave,openjij,thrml] [--sweeps N] [--quick] [--out FILE.json]
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

GRAPHS = ("pegasus16", "lattice128", "rr100k")
QUICK_GRAPHS = ("pegasus16", "lattice128")
PEERS = ("dwave", "openjij", "thrml")
_TARGET_UPDATES = {"pbitsim": 1.2e8, "peer": 5e7}  # per long timing run (scaled by --quick)


def graph_named(name):
    """The networkx graph of a benchmark workload name."""
    from ..topologies import lattice_graph, pegasus_graph, random_regular_graph

    if name == "pegasus16":
        return pegasus_graph(16)
    if name == "lattice128":
        return lattice_graph((128, 128), periodic=True)
    if name == "rr100k":
        return random_regular_graph(100_000, 3, seed=0)
    raise ValueError(f"unknown graph {name!r}; allowed: {', '.join(GRAPHS)}")


def spin_glass_named(name, seed=1):
    """The benchmark spin glass on graph ``name`` (``J ~ U[-1, 1]``, ``h = 0``)."""
    from ..spin_glass import random_spin_glass

    return random_spin_glass(graph_named(name), seed, name=f"{name} spin glass (seed {seed})")


def slope_seconds_per_sweep(run, sweeps, repeats):
    """Seconds per sweep from the best-of-``repeats`` times of ``sweeps`` and ``sweeps // 4`` sweeps.

    ``run(k)`` performs ``k`` sweeps and returns the seconds it measured.
    """
    short = max(1, sweeps // 4)
    t_long = min(run(sweeps) for _ in range(repeats))
    t_short = min(run(short) for _ in range(repeats))
    if sweeps == short:
        return t_long / sweeps
    return max(t_long - t_short, 1e-12) / (sweeps - short)


# --------------------------------------------------------------------------- engines
def time_pbitsim(model, replicas, sweeps, repeats, seed=1, layout="auto"):
    """``(ns/update, layout used)`` of the chromatic engine (kernel wall time, compiled by a warm-up run)."""
    from ..engines import chromatic
    from ..engines.schedule import make_schedule
    from ..compiler.program import place_model

    program = place_model(model, "ideal")

    def samples(k):
        sched = make_schedule(k, 0, k, replicas, 1.0, seed)  # one sample at the end
        return chromatic.run_layout(program, sched, layout, store_states=False)

    used = samples(2).info["layout"]
    ns = 1e9 * slope_seconds_per_sweep(lambda k: samples(k).timing.wall_s, sweeps, repeats)
    return ns / (model.n * replicas), used


def _peer_ising(model):
    """``(h, J)`` dicts of ``model`` in the peers' sign convention (``E = sum h s + sum J s s``)."""
    r, c, v = model.edges()
    J = {(int(a), int(b)): -float(w) for a, b, w in zip(r, c, v)}
    h = {i: -float(x) for i, x in enumerate(model.h)}
    return h, J


def time_dwave(model, sweeps, repeats, seed=1):
    import dimod
    from dwave.samplers import SimulatedAnnealingSampler

    h, J = _peer_ising(model)
    bqm = dimod.BinaryQuadraticModel.from_ising(h, J)
    sampler = SimulatedAnnealingSampler()

    def run(k):
        t0 = time.perf_counter()
        sampler.sample(bqm, beta_schedule_type="custom", beta_schedule=np.ones(k), num_sweeps_per_beta=1,
                       num_reads=1, proposal_acceptance_criteria="Gibbs", seed=seed)
        return time.perf_counter() - t0

    return 1e9 * slope_seconds_per_sweep(run, sweeps, repeats) / model.n


def time_openjij(model, sweeps, repeats, seed=1):
    import openjij.cxxjij as cxx

    h, J = _peer_ising(model)
    graph = cxx.graph.Sparse(model.n)
    for (a, b), w in J.items():
        graph[a, b] = w
    for i, x in h.items():
        if x:
            graph[i] = x

    def run(k):
        system = cxx.system.make_classical_ising(graph.gen_spin(seed), graph)
        t0 = time.perf_counter()
        cxx.algorithm.Algorithm_SingleSpinFlip_run(system, seed, [(1.0, k)])
        return time.perf_counter() - t0

    return 1e9 * slope_seconds_per_sweep(run, sweeps, repeats) / model.n


def time_thrml(model, sweeps, repeats, seed=1):
    import jax
    import jax.numpy as jnp
    from thrml import Block, SamplingSchedule, SpinNode, sample_states
    from thrml.models import IsingEBM, IsingSamplingProgram, hinton_init

    from ..compiler.colouring import colour_graph

    r, c, v = model.edges()
    nodes = [SpinNode() for _ in range(model.n)]
    ebm = IsingEBM(nodes, [(nodes[a], nodes[b]) for a, b in zip(r, c)], jnp.asarray(model.h),
                   jnp.asarray(v), jnp.array(1.0))
    colouring = colour_graph((model.n, r, c), "smallest_last")
    blocks = [Block([nodes[i] for i in cls]) for cls in colouring.classes()]
    program = IsingSamplingProgram(ebm, blocks, clamped_blocks=[])
    key_init, key = jax.random.split(jax.random.key(seed))
    init = hinton_init(key_init, ebm, blocks, ())
    observe = [Block(nodes[:1])]

    def run(k):
        schedule = SamplingSchedule(n_warmup=k, n_samples=1, steps_per_sample=1)
        jax.block_until_ready(sample_states(key, program, schedule, init, [], observe))  # compile
        t0 = time.perf_counter()
        jax.block_until_ready(sample_states(key, program, schedule, init, [], observe))
        return time.perf_counter() - t0

    return 1e9 * slope_seconds_per_sweep(run, sweeps, repeats) / model.n


PEER_TIMERS = {"dwave": time_dwave, "openjij": time_openjij, "thrml": time_thrml}
PEER_NOTES = {"dwave": "dwave-samplers SA, Gibbs acceptance, 1 chain, 1 thread",
              "openjij": "openjij cxxjij SingleSpinFlip (Metropolis), 1 chain, 1 thread",
              "thrml": "thrml block Gibbs (JAX), 1 chain"}


# --------------------------------------------------------------------------- driver
def _auto_sweeps(n, replicas, kind, scale):
    return int(max(8, round(scale * _TARGET_UPDATES[kind] / (n * replicas))))


def run_benchmark(graphs=GRAPHS, replicas=(1, 64), peers=PEERS, sweeps=None, quick=False, repeats=None,
                  log=print):
    """Time every engine on every graph; returns a list of result rows (dicts).

    Each row: ``graph``, ``n``, ``engine``, ``replicas``, ``sweeps``,
    ``ns_per_update`` (None when the engine is missing or failed), ``note``.
    """
    import numba

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
    import numba

    return {"cpu": model, "cpus": os.cpu_count(), "numba_threads": numba.get_num_threads(),
            "python": platform.python_version(), "numba": numba.__version__}


def _csv(text, allowed=None, kind=str):
    items = [kind(x) for x in text.split(",") if x.strip()]
    if allowed:
        bad = [x for x in items if x not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown {', '.join(map(str, bad))}; allowed: {', '.join(allowed)}")
    return items


def add_arguments(ap):
    """Register the benchmark options on an ``argparse`` parser (also used by ``pbitsim bench``)."""
    ap.add_argument("--graphs", type=lambda s: _csv(s, GRAPHS), default=None,
                    help=f"comma-separated workloads (default: {','.join(GRAPHS)}; "
                         f"with --quick: {','.join(QUICK_GRAPHS)})")
    ap.add_argument("--replicas", type=lambda s: _csv(s, kind=int), default=[1, 64],
                    help="pbitsim replica counts (default: 1,64)")
    ap.add_argument("--peers", type=lambda s: _csv(s, PEERS) if s.strip() else [], default=list(PEERS),
                    help=f"peer samplers, each run when installed (default: {','.join(PEERS)}; '' for none)")
    ap.add_argument("--sweeps", type=int, default=None,
                    help="sweeps of the long timing run for every engine (default: sized per engine/graph)")
    ap.add_argument("--repeats", type=int, default=None, help="best of this many timings (default 3, quick 2)")
    ap.add_argument("--quick", action="store_true",
                    help="half the updates per timing, best of 2, small graphs unless --graphs (< 30 s)")
    ap.add_argument("--hardware", action=argparse.BooleanOptionalAction, default=None,
                    help="also time the integer datapath vs float and the event engine with delays on "
                         "Pegasus P16 (default: on, off with --quick)")
    ap.add_argument("--out", default=None, help="also write the results as JSON to this file")
    return ap


def run_from_args(args):
    """Run the benchmark for parsed options (see :func:`add_arguments`), print the table; returns 0."""
    from ..files.atomic import write_json_atomic

    if args.sweeps is not None and args.sweeps < 4:
        raise SystemExit("pbitsim bench: error: --sweeps must be >= 4")
    if any(r < 1 for r in args.replicas) or (args.repeats is not None and args.repeats < 1):
        raise SystemExit("pbitsim bench: error: --replicas and --repeats must be >= 1")
    info = machine_info()
    print(f"machine: {info['cpu']}, {info['cpus']} CPUs, numba threads {info['numba_threads']}")
    t0 = time.perf_counter()
    graphs = args.graphs or list(QUICK_GRAPHS if args.quick else GRAPHS)
    rows = run_benchmark(graphs, args.replicas, args.peers, args.sweeps, args.quick, args.repeats)
    hardware = (not args.quick) if args.hardware is None else args.hardware
    if hardware:
        from .hardware import hardware_rows

        print("hardware paths (Pegasus P16):")
        rows += hardware_rows(args.replicas, args.repeats or (2 if args.quick else 3), args.quick)
    print()
    print(format_table(rows))
    print(f"\n(total {time.perf_counter() - t0:.0f} s; 'x best peer' = fastest peer's ns/update / this "
          "engine's, so > 1 is faster; pbitsim with R replicas reports aggregate ns per update)")
    if args.out:
        write_json_atomic(args.out, {"machine": info, "results": rows})
        print(f"wrote {args.out}")
    return 0


def main(argv=None):
    """``scripts/bench.py`` / ``pbitsim bench``: parse ``argv``, run, print the table, optionally write JSON."""
    argv = list(argv) if argv is not None else None
    if argv and argv[0] == "--":  # ``pbitsim bench -- --quick`` hands the separator through
        argv = argv[1:]
    if argv is not None:
        argv = ["--help" if a == "--help-bench" else a for a in argv]
    parser = add_arguments(argparse.ArgumentParser(prog="pbitsim bench", description=__doc__.splitlines()[0]))
    return run_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
