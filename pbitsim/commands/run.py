"""`pbitsim run CHIP`: simulate a model (or a random spin glass) on a chip, or on a multi-chip machine, and summarise."""
from __future__ import annotations

import os

import numpy as np

from ..engines.schedule import make_schedule
from ..export.directory import check_target, write_directory
from ..files.atomic import write_json_atomic
from ..chip.spec import load_chip
from ..errors import PbitsimError
from ..models import load_model
from ..compiler.chip_graph import chip_arrays
from ..compiler.pipeline import as_program
from ..machine.spec import is_machine_file, load_machine
from ..simulate import ENGINES, simulate
from ..spin_glass import random_spin_glass
from ..topologies.footprint import available_memory_bytes, format_bytes
from . import add_chip_argument, add_sampling_arguments

HELP = "simulate a model on a chip (or a multi-chip machine, machines/*.toml) and print a summary"


def add_arguments(parser):
    add_chip_argument(parser)
    parser.add_argument("--model", help=".npz model (Ising J/h or RBM W/b/c); default: a random spin glass "
                        "on the chip graph")
    parser.add_argument("--sweeps", type=int, default=1000, help="sweeps after burn-in (default 1000)")
    add_sampling_arguments(parser)
    parser.add_argument("--replicas", type=int, default=1, help="independent replicas (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the run and of the random model (default 0)")
    parser.add_argument("--out", help="directory for samples.npz and summary.json (must be empty or absent, "
                        "written atomically at the end)")
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty --out directory")


def build_model(chip, model_path, seed):
    if model_path:
        return load_model(model_path)
    G = chip_arrays(chip)  # edge arrays, no networkx: seconds for 10^6 p-bits
    if G is None:
        raise PbitsimError(f"chip {chip.name!r} takes the model's own graph (topology kind 'model'); "
                           "give --model FILE.npz")
    return random_spin_glass(G, seed, name=f"spin glass on {chip.name} (seed {seed})")


def format_summary(program, samples) -> str:
    s = samples.summary()
    e, de = samples.mean_energy()
    lines = [
        f"chip        {program.chip.name} ({program.chip.clock.mode if samples.engine == program.chip.clock.mode else samples.engine})",
        f"model       {program.logical.name or 'model'}",
        f"p-bits      {program.n_physical}",
        f"edges       {program.physical.n_edges}",
        f"colours     {program.colouring.n_colours} ({program.colouring.strategy})",
        f"samples     {samples.n_replicas} replicas x {samples.n_samples}",
        f"updates/s   {s['updates_per_s']:.3e}  ({s['ns_per_update']:.2f} ns per p-bit update, wall)",
        f"energy      {e:.6g} ± {de:.2g}" + (f"  ({e / program.n_physical:.5f} per p-bit)" if program.n_physical else ""),
        f"magnetization {s['magnetization']:.5f}",
    ]
    if np.isfinite(samples.timing.simulated_ns):
        lines.append(f"chip time   {samples.timing.simulated_ns:.4g} ns simulated")
    info = samples.info
    if "flips_per_ns" in info:  # event-driven engine: timing summary
        lines += [
            f"timing      {info.get('timing_mode')}: events from {info.get('event_source')}, "
            f"reads {info.get('reads')}",
            f"flips/ns    {info['flips_per_ns']:.4g} of chip time ({info.get('flips')} flips, "
            f"{info.get('events')} events)",
            f"events/s    {info.get('events_per_s', float('nan')):.3e} of wall time",
            f"time avg    energy {info.get('time_avg_energy', float('nan')):.6g} ± "
            f"{info.get('time_avg_energy_stderr', float('nan')):.2g}, magnetization "
            f"{info.get('time_avg_magnetization', float('nan')):.5f} ± "
            f"{info.get('time_avg_magnetization_stderr', float('nan')):.2g} (dwell-time weighted)",
        ]
        if "synapse_delay_ns_mean" in info:
            lines.append(f"delays      synapse {info['synapse_delay_ns_mean']:.3g} ns mean "
                         f"(max {info.get('synapse_delay_ns_max', 0):.3g}), response "
                         f"{info.get('response_time_ns', 0):.3g} ns")
    if "links" in info:  # a multi-chip machine
        part = program.report["partition"]
        lines.append(f"machine     {program.report['machine']}: {part['n_chips']} chips, loads {part['load']}, "
                     f"eta {part['eta']:.4f}, max link delay {info['links']['max_link_delay_ns']:.4g} ns, "
                     f"exchange period {info['links']['exchange_period_ns']:.4g} ns")
    if "datapath" in info:
        dp = info["datapath"]
        lines.append(f"datapath    {dp.get('weight_format', 'float')}, activation {dp.get('activation')}, "
                     f"rng {dp.get('rng')} ({dp.get('rng_bits')} bits)")
    return "\n".join(lines)


def check_arguments(args):
    """Everything checkable before any work: the run numbers, the engine and ``--out`` (nothing is created)."""
    make_schedule(args.sweeps, args.burn_in, args.thin, args.replicas, args.beta, args.seed)
    if args.engine is not None and args.engine not in ENGINES:
        raise PbitsimError(f"--engine {args.engine!r} is not an engine; allowed: {', '.join(ENGINES)}")
    if args.out:
        check_target(args.out, args.overwrite)


def check_memory(program, args):
    """Refuse a run whose stored states cannot fit in memory (int8, replicas x samples x p-bits)."""
    need = args.replicas * (args.sweeps // args.thin) * program.n_physical * 9  # states + float64 energies
    have, source = available_memory_bytes()
    if need > have:
        raise PbitsimError(f"--sweeps {args.sweeps} --thin {args.thin} --replicas {args.replicas} on "
                           f"{program.n_physical} p-bits stores about {format_bytes(need)} of samples; this "
                           f"machine has {format_bytes(have)} ({source}); raise --thin or lower --sweeps/--replicas")


def write_outputs(out, program, samples, overwrite):
    """``samples.npz`` and ``summary.json`` into ``out``, all or nothing (a temporary folder renamed at the end)."""
    summary = {k: v for k, v in samples.summary().items() if k != "flip_log"}
    summary.update({"p_bits": program.n_physical, "edges": program.physical.n_edges,
                    "colours": program.colouring.n_colours, "model": program.logical.name})

    def fill(tmp):
        samples.save(os.path.join(tmp, "samples.npz"))
        write_json_atomic(os.path.join(tmp, "summary.json"), summary)

    return write_directory(out, fill, overwrite=overwrite)


def main(args):
    check_arguments(args)
    if is_machine_file(args.chip):  # a multi-chip machine: the model partitioned over its chips
        machine = load_machine(args.chip)
        program = as_program(build_model(machine.chip, args.model, args.seed), machine, seed=args.seed)
    else:
        chip = load_chip(args.chip)
        program = as_program(build_model(chip, args.model, args.seed), chip, seed=args.seed)
    check_memory(program, args)
    samples = simulate(program, sweeps=args.sweeps, burn_in=args.burn_in, thin=args.thin,
                       replicas=args.replicas, beta=args.beta, seed=args.seed, engine=args.engine,
                       progress=True)  # a tqdm bar on stderr for long runs on a terminal
    print(format_summary(program, samples))
    if args.out:
        write_outputs(args.out, program, samples, args.overwrite)
        print(f"wrote {os.path.join(args.out, 'samples.npz')} and summary.json")
    return 0
