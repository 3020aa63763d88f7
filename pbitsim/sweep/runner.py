"""Run a sweep: local process pool (default), in-process, or Dask; resumable, atomic, with progress.

Results directory layout::

    OUT/sweep.json          the validated spec (for `pbitsim plot`)
    OUT/points/<key>.json   one file per finished point, written atomically (temp file + rename)
    OUT/results.csv, OUT/results.json   the collected table

A point's key hashes everything that determines its result, so re-running the
same sweep skips finished points and resumes after a crash or Ctrl-C with
nothing lost or duplicated.
"""
from __future__ import annotations

import csv
import io
import json
import os

from ..files.atomic import write_json_atomic, write_text_atomic
from .metrics import evaluate_point
from .spec import SweepSpec


def _task(spec: SweepSpec, point):
    return {"chip": spec.chip, "model": spec.model, "params": [list(p) for p in point.params],
            "run": spec.run, "metrics": list(spec.metrics), "seed": point.seed, "model_seed": spec.seed}


def _point_path(out_dir, spec, point):
    return os.path.join(out_dir, "points", spec.point_key(point) + ".json")


def pending_points(spec, out_dir):
    """Points without a result file yet."""
    return [p for p in spec.points() if not os.path.exists(_point_path(out_dir, spec, p))]


def _save_point(out_dir, spec, point, result):
    record = {"params": dict(point.params), "repeat": point.repeat, "seed": point.seed,
              "key": spec.point_key(point), "metrics": result}
    write_json_atomic(_point_path(out_dir, spec, point), record)


def _progress(total, initial, desc):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit="point", disable=None)


def run_sweep(spec: SweepSpec, out_dir, *, workers=None, scheduler=None, progress=True, max_points=None):
    """Evaluate every pending point and collect the table; returns the list of table rows.

    workers : int or None
        Local processes (default: CPU count); 0 runs in this process.  With
        ``scheduler`` unset and ``cluster=True`` semantics (``workers`` given
        together with ``scheduler="local"``) a Dask ``LocalCluster`` is used.
    scheduler : str or None
        Dask scheduler address (``tcp://host:8786``) or ``"local"`` for a
        ``LocalCluster`` with ``workers`` workers.
    max_points : int or None
        Stop after this many points (used to test resumption).
    """
    os.makedirs(os.path.join(out_dir, "points"), exist_ok=True)
    write_json_atomic(os.path.join(out_dir, "sweep.json"), spec_to_json(spec))
    todo = pending_points(spec, out_dir)
    total = len(spec.points())
    if max_points is not None:
        todo = todo[:max_points]
    bar = _progress(total, total - len(pending_points(spec, out_dir)), spec.name) if progress else None
    try:
        if scheduler:
            _run_dask(spec, out_dir, todo, scheduler, workers, bar)
        elif workers == 0 or len(todo) <= 1:
            for point in todo:
                _save_point(out_dir, spec, point, evaluate_point(_task(spec, point)))
                if bar:
                    bar.update(1)
        else:
            _run_pool(spec, out_dir, todo, workers, bar)
    finally:
        if bar:
            bar.close()
    return collect_table(spec, out_dir)


def _run_pool(spec, out_dir, todo, workers, bar):
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    workers = workers or os.cpu_count() or 1
    ctx = mp.get_context("spawn")  # no fork after Numba's thread pool has started
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=ctx) as pool:
        futures = {pool.submit(evaluate_point, _task(spec, p)): p for p in todo}
        try:
            for fut in as_completed(futures):
                _save_point(out_dir, spec, futures[fut], fut.result())
                if bar:
                    bar.update(1)
        except BaseException:
            for f in futures:
                f.cancel()
            raise


def _run_dask(spec, out_dir, todo, scheduler, workers, bar):
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
            _save_point(out_dir, spec, futures[fut], fut.result())
            if bar:
                bar.update(1)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


TIMING_KEYS = ("wall_s", "flips_per_s")


def collect_table(spec, out_dir, *, include_timing=False):
    """Rows (dicts) in spec order from the finished point files; writes results.csv/json atomically."""
    rows = []
    for point in spec.points():
        path = _point_path(out_dir, spec, point)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            rec = json.load(f)
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
    return {"name": spec.name, "source": spec.source, "chip": spec.chip, "model": spec.model,
            "metrics": list(spec.metrics), "repeats": spec.repeats, "seed": spec.seed, "run": spec.run,
            "grid": spec.grid, "zip": spec.zipped, "points": list(spec.listed)}
