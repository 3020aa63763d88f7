"""Event-engine throughput: p-bit updates (events) per second of wall time.

Workload: a spin glass J_ij ~ U[-1, 1] on Pegasus P16 (5,640 p-bits, 40,484
edges), Poisson p-bits (neuron time 1 ns), beta = 1, with a synapse delay
(default 0.2 ns, i.e. 0.2 neuron times) so every read goes through the
exact delay histories.  Reports 1 replica and 64 replicas; the first call
compiles (or loads the Numba cache) and is excluded.  With ``--chip`` a
hardware datapath chip (topology widened to the Pegasus size) is timed beside
the ideal chip on the same spin glass, alternately, best of ``--repeats``, and
the ratio printed (issue 13: ``fpga-sparse-ising`` <= 1.5x the ideal chip).

    python scripts/bench_event.py [--sweeps 200] [--delay-ns 0.2] [--replicas 1 64]
    python scripts/bench_event.py --chip fpga-sparse-ising --sweeps 1000 --repeats 3
"""
from __future__ import annotations

import argparse
import os
import time

from pbitsim.chip.spec import load_chip
from pbitsim.compiler.pipeline import place_model
from pbitsim.simulate import simulate
from pbitsim.spin_glass import random_spin_glass
from pbitsim.topologies.pegasus import pegasus_graph


def bench(program, sweeps, replicas, seed=1, **kw):
    """``(updates, wall s, cpu s of this process, info)`` of one run (states not stored)."""
    c0 = time.process_time()
    run = simulate(program, sweeps=sweeps, burn_in=0, thin=sweeps, replicas=replicas, seed=seed,
                   store_states=False, **kw)
    cpu = time.process_time() - c0
    return run.timing.updates, run.timing.wall_s, cpu, run.info


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=16, help="Pegasus size (default 16)")
    ap.add_argument("--sweeps", type=int, default=200, help="chip time in neuron times (default 200)")
    ap.add_argument("--delay-ns", type=float, default=0.2, help="synapse delay (default 0.2 ns)")
    ap.add_argument("--delay-sigma-ns", type=float, default=0.0, help="per-edge delay spread (default 0)")
    ap.add_argument("--neuron-sigma", type=float, default=0.0, help="relative neuron-time spread (default 0)")
    ap.add_argument("--response-ns", type=float, default=0.0, help="output response time (default 0)")
    ap.add_argument("--mode", choices=("asynchronous", "clocked"), default="asynchronous",
                    help="Poisson p-bits (default) or a 4-colour-phase clock at 1 GHz")
    ap.add_argument("--skew-ps", type=float, default=0.0, help="clocked: static skew std (ps)")
    ap.add_argument("--jitter-ps", type=float, default=0.0, help="clocked: jitter std (ps)")
    ap.add_argument("--replicas", type=int, nargs="+", default=[1, 64])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--chip", default="ideal", help="chip datapath to time beside the ideal chip (default: ideal only)")
    ap.add_argument("--repeats", type=int, default=1, help="best of this many runs (default 1)")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="compile scale of --chip (default 1: chip units, as the benchmark's event rows; "
                         "0: the compiler's automatic scale)")
    args = ap.parse_args(argv)

    G = pegasus_graph(args.size)
    model = random_spin_glass(G, args.seed)
    params = {
        "clock.mode": args.mode, "clock.skew_ps": args.skew_ps, "clock.jitter_ps": args.jitter_ps,
        "timing.neuron_time_ns": 1.0,
        "timing.neuron_time_sigma": args.neuron_sigma, "timing.synapse_delay_ns": args.delay_ns,
        "timing.synapse_delay_sigma_ns": args.delay_sigma_ns, "timing.response_time_ns": args.response_ns}
    programs = {"ideal": place_model(model, load_chip("ideal").with_params(params))}
    if args.chip != "ideal":
        programs[args.chip] = place_model(model, load_chip(args.chip).with_params(
            {**params, "topology": {"kind": "pegasus", "size": args.size}}),
            **({"scale": args.scale} if args.scale > 0 else {}))
    program = programs["ideal"]
    sources = "Poisson p-bits, neuron time 1 ns" if args.mode == "asynchronous" else (
        f"clocked p-bits, {program.colouring.n_colours} colour phases at 1 GHz, skew {args.skew_ps} ps, "
        f"jitter {args.jitter_ps} ps")
    print(f"Pegasus P{args.size}: {model.n} p-bits, {model.n_edges} edges; {sources}; synapse delay "
          f"{args.delay_ns} ns (sigma {args.delay_sigma_ns}), response {args.response_ns} ns; "
          f"NUMBA_NUM_THREADS={os.environ.get('NUMBA_NUM_THREADS', 'default')}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    for p in programs.values():
        bench(p, 2, 1)  # compile / load cache
    for R in args.replicas:
        best = {}
        for _ in range(max(args.repeats, 1)):
            for name, p in programs.items():
                updates, wall, cpu, info = bench(p, args.sweeps, R)
                if name not in best or wall / updates < best[name][1] / best[name][0]:
                    best[name] = (updates, wall, cpu, info)
        for name, (updates, wall, cpu, info) in best.items():
            path = f" ({info['kernel']} datapath)" if "kernel" in info else ""
            print(f"{name}{path} replicas {R:3d}: {updates:.3e} updates in {wall:.3f} s wall = "
                  f"{updates / wall:.3e} updates/s ({1e9 * wall / updates:.1f} ns each, "
                  f"{1e9 * cpu / updates:.1f} CPU-ns); flips/ns per replica {info['flips_per_ns']:.1f}; "
                  f"{info['event_source']}, {info['reads']}")
        if args.chip != "ideal":
            ratio = (best[args.chip][1] / best[args.chip][0]) / (best["ideal"][1] / best["ideal"][0])
            print(f"replicas {R:3d}: event datapath vs ideal ({args.chip}): {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
