"""Run a sweep: local process pool (default), in-process, or Dask; resumable, atomic, with progress.

Results directory layout::

    OUT/sweep.json          the validated spec (for `pbitsim plot`)
    OUT/points/<key>.json   one file per finished point, written atomically (temp file + rename)
    OUT/points/corrupt/     damaged point files, set aside and recomputed
    OUT/results.csv, OUT/results.json   the collected table

A point's key hashes the content of everything that determines its result
(:mod:`pbitsim.sweep.keys`), so re-running the same sweep reuses finished
points, recomputes exactly those whose inputs changed, sets damaged point files
aside (:mod:`pbitsim.sweep.store`) and resumes after a crash, Ctrl-C or SIGTERM
with nothing lost or duplicated.
"""
from __future__ import annotations

import csv
import io
import os

from ..files.atomic import write_json_atomic, write_text_atomic
from .checks import check_inputs, check_out_dir
from .keys import point_keys
from .metrics import evaluate_point
from .spec import SweepSpec
from .store import plan_sweep, point_path, save_point
from .workers import die_with_parent, sigterm_as_interrupt, stop_pool


def _task(spec: SweepSpec, point):
    return {"chip": spec.chip, "machine": spec.machine, "model": spec.model, "params": [list(p) for p in point.params],
            "run": spec.run, "metrics": list(spec.metrics), "seed": point.seed, "model_seed": spec.seed}


def pending_points(spec, out_dir):
    """Points without a valid result file yet (read-only: nothing is moved or deleted)."""
    from .store import read_point

    return [p for p, k in point_keys(spec).items()
            if read_point(point_path(out_dir, k), k, p, spec.metrics) is None]


def _progress(total, initial, desc):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="point", disable=None)


def run_sweep(spec: SweepSpec, out_dir, *, workers=None, scheduler=None, progress=True, max_points=None,
              log=None, checked=False):
    """Check everything, evaluate every pending point and collect the table; returns the table rows.

    Before anything is created: the results folder (:func:`~pbitsim.sweep.checks.check_out_dir`),
    the model and the feasibility of every metric (:func:`~pbitsim.sweep.checks.check_inputs`).
    Then finished points are reused and the rest computed (see :mod:`pbitsim.sweep.store`).

    workers : int or None
        Local processes (default: CPU count); 0 runs in this process.
    scheduler : str or None
        Dask scheduler address (``tcp://host:8786``) or ``"local"`` for a
        ``LocalCluster`` with ``workers`` workers.
    max_points : int or None
        Stop after this many points (used to test resumption).
    log : callable or None
        Receives one line saying how many points were reused and how many are computed.
    checked : bool
        The caller already ran both checks on this spec and folder (skip them).
    """
    if not checked:
        check_out_dir(out_dir)
        check_inputs(spec)
    keys = point_keys(spec)
    os.makedirs(os.path.join(out_dir, "points"), exist_ok=True)
    write_json_atomic(os.path.join(out_dir, "sweep.json"), spec_to_json(spec))
    plan = plan_sweep(spec, out_dir, keys)
    if log:
        log(f"{spec.name}: {plan.describe()}")
    todo = plan.todo if max_points is None else plan.todo[:max_points]
    bar = _progress(len(keys), plan.reused, spec.name) if progress else None
    try:
        if scheduler:
            _run_dask(spec, out_dir, todo, keys, scheduler, workers, bar)
        elif workers == 0 or len(todo) <= 1:
            for point in todo:
                save_point(out_dir, keys[point], point, evaluate_point(_task(spec, point)))
                if bar:
                    bar.update(1)
        else:
            _run_pool(spec, out_dir, todo, keys, workers, bar)
    finally:
        if bar:
            bar.close()
    return collect_table(spec, out_dir, keys=keys)


def _run_pool(spec, out_dir, todo, keys, workers, bar):
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    workers = workers or os.cpu_count() or 1
    ctx = mp.get_context("spawn")  # no fork after Numba's thread pool has started
    with sigterm_as_interrupt():
        pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=ctx,
                                   initializer=die_with_parent, initargs=(os.getpid(),))
        try:
            futures = {pool.submit(evaluate_point, _task(spec, p)): p for p in todo}
            for fut in as_completed(futures):
                save_point(out_dir, keys[futures[fut]], futures[fut], fut.result())
                if bar:
                    bar.update(1)
        except BaseException:
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)


def _run_dask(spec, out_dir, todo, keys, scheduler, workers, bar):
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = {client.submit(evaluate_point, _task(spec, p), pure=False): p for p in todo}
        for fut in as_completed(list(futures)):
            save_point(out_dir, keys[futures[fut]], futures[fut], fut.result())
            if bar:
                bar.update(1)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


TIMING_KEYS = ("wall_s", "flips_per_s")


def collect_table(spec, out_dir, *, include_timing=False, keys=None):
    """Rows (dicts) in spec order from the valid point files; writes results.csv/json atomically."""
    from .store import read_point

    keys = keys if keys is not None else point_keys(spec)
    rows = []
    for point, key in keys.items():
        rec = read_point(point_path(out_dir, key), key, point, spec.metrics)
        if rec is None:
            continue
        row = {**rec["params"], "repeat": rec["repeat"], "seed": rec["seed"]}
        for k, v in rec["metrics"].items():
            if include_timing or k not in TIMING_KEYS or k in spec.metrics:
                row[k] = v
        rows.append(row)
    write_json_atomic(os.path.join(out_dir, "results.json"), rows)
    if rows:
        cols = list(dict.fromkeys(k for r in rows for k in r))
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
        write_text_atomic(os.path.join(out_dir, "results.csv"), buf.getvalue())
    return rows


def spec_to_json(spec):
    return {"name": spec.name, "source": spec.source, "chip": spec.chip, "machine": spec.machine, "model": spec.model,
            "metrics": list(spec.metrics), "repeats": spec.repeats, "seed": spec.seed, "run": spec.run,
            "grid": spec.grid, "zip": spec.zipped, "points": list(spec.listed)}
