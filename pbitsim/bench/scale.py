"""Scale benchmark: a 10^6-p-bit chip built, compiled and run, each case in its own process.

For each case (Pegasus P206 fabric-only, 1,011,880 p-bits; King's graph
1000 x 1000; optionally a 10^7-p-bit lattice and King's graph) a child process
(``python -m pbitsim.bench.scale CASE``) times, on the ideal float chromatic
chip (``colouring = "auto"``):

- **build**: the chip topology as edge arrays plus the random spin glass
  ``pbitsim run`` puts on it (:func:`pbitsim.spin_glass.random_spin_glass`,
  J ~ U[-1, 1], seed 0);
- **compile**: :func:`pbitsim.compile` (identity placement, quantization, colouring);
- **sweeps**: :func:`pbitsim.simulate` of 100 sweeps of one replica (wall
  time including the engine's set-up; every 10th state stored);

and reports its own peak resident memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``)
and that peak per p-bit.  Targets (issue 13): build + compile + sweeps < 30 s,
build + compile <= 5x the sweeps, peak RSS < 1.5 GB; 10^7 p-bits within 8 GB.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

__all__ = ["BIG_CASES", "SCALE_CASES", "format_scale_table", "scale_rows"]

#: Case name -> ``[topology]`` table (10^6 p-bits).
SCALE_CASES = {
    "pegasus-P206": {"kind": "pegasus", "size": 206, "fabric_only": True},
    "king-1000x1000": {"kind": "king", "shape": [1000, 1000]},
}
#: Optional 10^7-p-bit cases (``--scale-big``).
BIG_CASES = {
    "lattice-3163x3163": {"kind": "lattice", "shape": [3163, 3163]},
    "king-3163x3163": {"kind": "king", "shape": [3163, 3163]},
}
#: Peak-RSS targets, bytes.
RSS_TARGET = {**{k: 1.5e9 for k in SCALE_CASES}, **{k: 8e9 for k in BIG_CASES}}
SWEEPS = 100
THIN = 10


def _chip_toml(name, topology) -> str:
    items = []
    for key, value in topology.items():
        items.append(f"{key} = {json.dumps(value)}")
    return (f'name = "scale-{name}"\n[topology]\n' + "\n".join(items)
            + '\n[clock]\nmode = "chromatic"\ncolouring = "auto"\n')


def run_case(name, sweeps=SWEEPS, topology=None) -> dict:
    """Time one case in this process (what the child runs); returns the row.

    ``topology``: a ``[topology]`` table instead of the named case's (tests use a small one).
    """
    topology = topology or {**SCALE_CASES, **BIG_CASES}[name]
    import pbitsim as ps
    from pbitsim.chip.spec import load_chip
    from pbitsim.compiler.chip_graph import chip_arrays
    from pbitsim.spin_glass import random_spin_glass

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"{name}.toml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(_chip_toml(name, topology))
        t0 = time.perf_counter()
        chip = load_chip(path)
        graph = chip_arrays(chip)
        model = random_spin_glass(graph, 0, name=f"spin glass on {name}")
        t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    program = ps.compile(model, chip)
    t_compile = time.perf_counter() - t0
    t0 = time.perf_counter()
    ps.simulate(program, sweeps=sweeps, burn_in=0, thin=min(THIN, sweeps), replicas=1, seed=0)
    t_sweeps = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    return {"case": name, "n": int(model.n), "edges": int(model.n_edges),
            "colours": int(program.colouring.n_colours), "build_s": t_build,
            "compile_s": t_compile, "sweeps": int(sweeps), "sweeps_s": t_sweeps, "peak_rss_bytes": int(peak)}


def _finish(row) -> dict:
    """Add total time, (build + compile) / sweeps, bytes per p-bit and whether the case meets its targets."""
    setup = row["build_s"] + row["compile_s"]
    row["total_s"] = setup + row["sweeps_s"]
    row["setup_over_sweeps"] = setup / row["sweeps_s"] if row["sweeps_s"] > 0 else float("inf")
    row["bytes_per_pbit"] = row["peak_rss_bytes"] / row["n"] if row["n"] else float("nan")
    target = RSS_TARGET.get(row["case"], 1.5e9)
    big = row["case"] in BIG_CASES
    row["meets_targets"] = bool(row["peak_rss_bytes"] < target and
                                (big or (row["total_s"] < 30.0 and row["setup_over_sweeps"] <= 5.0)))
    return row


def scale_rows(cases, sweeps=SWEEPS) -> list[dict]:
    """Run every case in a fresh ``python -m pbitsim.bench.scale`` child; rows as dicts (errors as notes)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    rows = []
    for name in cases:
        proc = subprocess.run([sys.executable, "-m", "pbitsim.bench.scale", name, str(sweeps)],
                              capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            rows.append({"case": name, "error": tail})
            continue
        rows.append(_finish(json.loads(proc.stdout.strip().splitlines()[-1])))
    return rows


def format_scale_table(rows) -> str:
    """Markdown table of :func:`scale_rows`."""
    lines = ["| case | p-bits | edges | colours | build s | compile s | 100 sweeps s | total s | "
             "setup / sweeps | peak RSS | bytes/p-bit | targets |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['case']} | - | - | - | - | - | - | - | - | - | - | error: {r['error']} |")
            continue
        lines.append(
            f"| {r['case']} | {r['n']:,} | {r['edges']:,} | {r['colours']} | {r['build_s']:.2f} | "
            f"{r['compile_s']:.2f} | {r['sweeps_s']:.2f} | {r['total_s']:.2f} | {r['setup_over_sweeps']:.2f} | "
            f"{r['peak_rss_bytes'] / 1e9:.2f} GB | {r['bytes_per_pbit']:.0f} | "
            f"{'met' if r['meets_targets'] else 'missed'} |")
    return "\n".join(lines)


def main(argv=None):
    """Child entry point: ``python -m pbitsim.bench.scale CASE [SWEEPS]`` prints one JSON row."""
    argv = sys.argv[1:] if argv is None else argv
    name = argv[0]
    sweeps = int(argv[1]) if len(argv) > 1 else SWEEPS
    print(json.dumps(run_case(name, sweeps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
