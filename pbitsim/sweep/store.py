"""The point files of a results folder: read, check, set aside the damaged ones, clean up temp files.

``OUT/points/<key>.json`` holds one finished point.  A file is *valid* when it
is a JSON object whose ``key`` equals its file name, whose ``params`` are the
point's, and whose ``metrics`` hold a number for every requested metric.
Anything else (empty, truncated, edited by hand) is moved to
``OUT/points/corrupt/`` and the point is computed again.  Temporary files left
by an interrupted atomic write (``.<name>.<random>.tmp``) are removed.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass

from ..files.atomic import write_json_atomic

CORRUPT_DIR = "corrupt"


@dataclass(frozen=True)
class SweepPlan:
    """What a run will do: points reused from disk and points to compute.

    Attributes
    ----------
    reused : int
        Points with a valid result file (their key, hence their inputs, unchanged).
    todo : list of SweepPoint
        Points to compute (new, inputs changed, or their file was damaged).
    corrupt : tuple of str
        Damaged point files, as moved to (paths under ``OUT/points/corrupt/``).
    tmp_removed : int
        Leftover temporary files of interrupted writes that were deleted.
    other_inputs : int
        Point files in the folder whose key no current point has (results for earlier
        inputs: kept, never served for the current ones).
    """

    reused: int
    todo: list
    corrupt: tuple
    tmp_removed: int
    other_inputs: int = 0

    def describe(self) -> str:
        text = f"{self.reused} points reused, {len(self.todo)} to compute"
        if self.corrupt:
            where = os.path.dirname(self.corrupt[0])
            text += f"; {len(self.corrupt)} damaged point file(s) set aside in {where}/ and recomputed"
        if self.tmp_removed:
            text += f"; {self.tmp_removed} leftover temp file(s) removed"
        if self.other_inputs:
            text += f"; {self.other_inputs} point file(s) of earlier inputs kept but not used"
        return text


def point_path(out_dir, key):
    return os.path.join(out_dir, "points", key + ".json")


def read_point(path, key, point, metrics):
    """The record in ``path`` if it is a complete result for ``point`` (else None)."""
    try:
        with open(path, encoding="utf-8") as f:
            rec = json.load(f)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(rec, dict) or rec.get("key") != key or not isinstance(rec.get("metrics"), dict):
        return None
    if rec.get("params") != json.loads(json.dumps(point.param_dict)) or rec.get("repeat") != point.repeat:
        return None
    values = rec["metrics"]
    if not all(isinstance(values.get(m), (int, float)) and not isinstance(values.get(m), bool) for m in metrics):
        return None
    return rec


def set_aside(out_dir, path):
    """Move a damaged point file to ``OUT/points/corrupt/`` (never overwriting); returns the new path."""
    dest_dir = os.path.join(out_dir, "points", CORRUPT_DIR)
    os.makedirs(dest_dir, exist_ok=True)
    base = os.path.basename(path)
    dest = os.path.join(dest_dir, base)
    i = 1
    while os.path.lexists(dest):
        dest = os.path.join(dest_dir, f"{base}.{i}")
        i += 1
    os.replace(path, dest)
    return dest


def remove_temp_files(out_dir) -> int:
    """Delete temp files of interrupted atomic writes in ``OUT`` and ``OUT/points``; returns how many."""
    n = 0
    for d in (out_dir, os.path.join(out_dir, "points")):
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            if name.startswith(".") and ".tmp" in name and os.path.isfile(os.path.join(d, name)):
                os.remove(os.path.join(d, name))
                n += 1
    return n


def plan_sweep(spec, out_dir, keys) -> SweepPlan:
    """Scan ``OUT/points`` for ``spec`` (``keys``: ``{point: key}``); set aside damaged files, clean temps."""
    tmp_removed = remove_temp_files(out_dir)
    todo, corrupt, reused = [], [], 0
    for point, key in keys.items():
        path = point_path(out_dir, key)
        if not os.path.lexists(path):
            todo.append(point)
        elif read_point(path, key, point, spec.metrics) is None:
            corrupt.append(set_aside(out_dir, path))
            todo.append(point)
        else:
            reused += 1
    current = {k + ".json" for k in keys.values()}
    other = sum(1 for f in os.listdir(os.path.join(out_dir, "points"))
                if f.endswith(".json") and f not in current)
    return SweepPlan(reused, todo, tuple(corrupt), tmp_removed, other)


def save_point(out_dir, key, point, result):
    record = {"params": dict(point.params), "repeat": point.repeat, "seed": point.seed,
              "key": key, "metrics": result}
    write_json_atomic(point_path(out_dir, key), record)
