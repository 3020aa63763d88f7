"""Point keys: a hash of the *content* of every input that determines a sweep point's result.

A point's key (its file name under ``OUT/points/``) covers

- the effective chip of the point: the base chip description with the point's
  overrides applied, as its canonical TOML-layout dict (``name`` and
  ``description`` left out; an ``edgelist`` topology contributes its file's bytes);
- the model: the bytes of the ``.npz`` file (or of the shipped ``demo_rbm``),
  or, for ``spin_glass``, the generator name and seed (its graph is the chip's);
- the ``[run]`` settings the requested metrics read (and the bytes of a
  ``data`` file for the gradient metrics);
- the metric names, their definitions (:data:`~pbitsim.sweep.metrics.METRICS`)
  and :data:`~pbitsim.sweep.metrics.SEMANTICS_VERSION`;
- the point's parameters, repeat index and seed.

So editing a chip file, a model file or the run section recomputes exactly the
points whose inputs changed (a point that overrides the edited chip key keeps
its key), and a path that now names different bytes is never served stale.
"""
from __future__ import annotations

import hashlib
import json
import os

from ..chip.spec import load_chip
from .metrics import GRADIENT, METRICS, SAMPLING, SEMANTICS_VERSION, shipped_model_path

#: ``[run]`` keys read by each metric family (others do not enter the key)
RUN_KEYS_READ = {"sampling": ("sweeps", "burn_in", "thin", "replicas", "beta"),
                 "gradient": ("burn_in", "beta", "estimates", "samples_per_estimate", "data")}


def file_digest(path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _json_digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def chip_digest(chip) -> str:
    """Digest of what a chip simulates: its sections (not its name, description or source path)."""
    d = chip.to_dict()
    d.pop("name", None)
    d.pop("description", None)
    topo = d["topology"]
    if topo.get("kind") == "edgelist" and "path" in topo:
        from ..topologies import _edgelist_path

        path = _edgelist_path(topo, chip.topology.base_dir)
        topo = {**topo, "path": file_digest(path) if os.path.isfile(path) else f"missing:{path}"}
        d["topology"] = topo
    return _json_digest(d)


def machine_digest(machine) -> str:
    """Digest of what a machine simulates: its sections (not name/description) and its chip type's digest."""
    d = {k: v for k, v in machine.to_dict().items() if k not in ("name", "description")}
    d["chips"] = {k: v for k, v in d.get("chips", {}).items() if k != "type"}
    return _json_digest({"machine": d, "chip": chip_digest(machine.chip)})


def model_digest(model: str, model_seed: int) -> str:
    """Digest of the sweep's model reference (file bytes, or generator and seed)."""
    if model == "spin_glass":
        return _json_digest({"generator": "spin_glass", "seed": model_seed})
    path = shipped_model_path(model) or model
    return file_digest(path)


def _run_digest(spec):
    wanted = set(spec.metrics)
    keys = set()
    if wanted & SAMPLING or spec.machine:  # machine metrics sample
        keys.update(RUN_KEYS_READ["sampling"])
    if wanted & GRADIENT:
        keys.update(RUN_KEYS_READ["gradient"])
    run = {k: spec.run[k] for k in sorted(keys)}
    if "data" in run and run["data"] != "digits":
        run["data"] = file_digest(run["data"])
    return _json_digest(run)


def point_keys(spec) -> dict:
    """``{point: key}`` for every point of ``spec``, in spec order (20 hex characters each)."""
    if spec.machine:
        from ..machine.metrics import MACHINE_METRICS as defs
        from ..machine.spec import load_machine

        base = load_machine(spec.machine)
    else:
        base, defs = load_chip(spec.chip), METRICS
    shared = {"model": model_digest(spec.model, spec.seed), "run": _run_digest(spec),
              "metrics": {m: defs[m] for m in sorted(spec.metrics)}, "semantics": SEMANTICS_VERSION}
    chips = {}
    keys = {}
    for point in spec.points():
        if point.params not in chips:
            chips[point.params] = (machine_digest(base.with_params(point.chip_params)) if spec.machine
                                   else chip_digest(base.with_params(point.chip_params)))
        payload = {**shared, "chip": chips[point.params], "params": [list(p) for p in point.params],
                   "repeat": point.repeat, "seed": point.seed}
        keys[point] = _json_digest(payload)[:20]
    return keys
