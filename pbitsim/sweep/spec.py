"""Sweep specifications (TOML): a base chip, a model, a grid over chip parameters, repeats, metrics.

```toml
name = "precision"
chip = "ideal"                  # shipped name or path (relative to this file)
model = "demo_rbm"              # "demo_rbm", "spin_glass", or a .npz path (relative to this file)
metrics = ["energy", "kl", "tau_int", "flips_per_s"]
repeats = 3                     # independent repeats per point, seeds derived from `seed`
seed = 1

[run]                           # passed to the metric evaluation
sweeps = 2000
burn_in = 100
replicas = 8
beta = 1.0

[grid]                          # cartesian product over dotted chip parameters
"weights.total_bits" = [4, 6, 8]

[zip]                           # parameters varied together (equal-length lists), crossed with [grid]
"weights.frac_bits" = [1, 3, 5]

[[points]]                      # explicit points (a list), crossed with [grid] x [zip]
"rng.kind" = "lfsr"
[[points]]
"rng.kind" = "xoroshiro"
"rng.output_bits" = 16
```

Every point is validated (chip overrides, metric names, run keys) before any
work starts; errors name the file and the key.

A multi-chip machine replaces ``chip``: ``machine = "king-cluster"`` (a shipped
machine or a path); parameters ``"machine.links.latency_ns"``,
``"machine.exchange.every_cycles"``, ``"machine.chips.count"`` ... override the
machine, any other ``"section.key"`` its chip type, and the metrics are those of
:data:`pbitsim.machine.metrics.MACHINE_METRICS` (``docs/multichip.md``).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
from dataclasses import dataclass, field

from ..chip.spec import load_chip
from ..errors import PbitsimError

try:
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

RUN_KEYS = {"sweeps": int, "burn_in": int, "replicas": int, "beta": float, "thin": int,
            "estimates": int, "samples_per_estimate": int, "data": str}
RUN_MIN = {"sweeps": 1, "burn_in": 0, "replicas": 1, "thin": 1, "estimates": 2, "samples_per_estimate": 1}
RUN_DEFAULTS = {"sweeps": 2000, "burn_in": 100, "replicas": 8, "beta": 1.0, "thin": 1,
                "estimates": 16, "samples_per_estimate": 200, "data": "digits"}
TOP_KEYS = {"name", "chip", "machine", "model", "metrics", "repeats", "seed", "run", "grid", "zip", "points",
            "description"}


class SweepSpecError(PbitsimError):
    """A sweep file is malformed (the message names the file and key)."""


@dataclass(frozen=True)
class SweepPoint:
    """One unit of work: chip overrides + repeat index + derived seed."""

    params: tuple            # sorted (dotted path, value) pairs
    repeat: int
    seed: int

    @property
    def param_dict(self):
        return dict(self.params)

    @property
    def chip_params(self):
        """The point's chip (or machine) overrides: its parameters without the compile options."""
        return split_params(self.params)[0]


#: sweep parameters that are options of ``pbitsim.compile``, not chip keys -> the keyword they set
#: (``"compile.scale" = "gradient"``: the point's program uses that scale policy, see
#: :mod:`pbitsim.compiler.scale_policy`)
COMPILE_PARAMS = {"compile.scale": "scale"}


def split_params(params) -> tuple:
    """``(chip overrides, compile keywords)`` of a point's ``(key, value)`` pairs or dict."""
    items = params.items() if isinstance(params, dict) else params
    chip, options = {}, {}
    for k, v in items:
        if k in COMPILE_PARAMS:
            options[COMPILE_PARAMS[k]] = v
        else:
            chip[k] = v
    return chip, options


@dataclass(frozen=True)
class SweepSpec:
    name: str
    source: str
    chip: str
    model: str
    metrics: tuple
    repeats: int
    seed: int
    run: dict = field(default_factory=dict)
    grid: dict = field(default_factory=dict)
    zipped: dict = field(default_factory=dict)
    listed: tuple = ()       # explicit points: tuple of dicts
    machine: str = ""        # a multi-chip machine (name or path); then ``chip`` is "" and parameters
                             # "machine.<section>.<key>" override the machine, others its chip type

    @property
    def parameters(self):
        listed = [k for p in self.listed for k in p]
        return list(dict.fromkeys(list(self.grid) + list(self.zipped) + listed))

    def points(self):
        """All points: grid product x zip rows x repeats, in a deterministic order."""
        grid_keys = list(self.grid)
        zip_keys = list(self.zipped)
        zip_rows = list(zip(*self.zipped.values())) if zip_keys else [()]
        listed = self.listed or ({},)
        out = []
        for combo in itertools.product(*self.grid.values()) if grid_keys else [()]:
            for row in zip_rows:
                for extra in listed:
                    params = tuple(sorted(list(zip(grid_keys, combo)) + list(zip(zip_keys, row))
                                          + list(extra.items())))
                    for rep in range(self.repeats):
                        out.append(SweepPoint(params, rep, derive_seed(self.seed, params, rep)))
        return out

    def point_key(self, point: SweepPoint) -> str:
        """Content hash of everything that determines a point's result (see :mod:`pbitsim.sweep.keys`)."""
        from .keys import point_keys

        return point_keys(self)[point]


def derive_seed(seed, params, repeat):
    h = hashlib.sha256(json.dumps([seed, [list(p) for p in params], repeat], sort_keys=True).encode())
    return int.from_bytes(h.digest()[:4], "little")


def _err(src, msg):
    raise SweepSpecError(f"{src}: {msg}")


def _resolve(base_dir, value):
    if value.endswith((".toml", ".npz")) and not os.path.isabs(value):
        return os.path.normpath(os.path.join(base_dir, value))
    return value


def parse_sweep(data: dict, *, source="<dict>", base_dir=".") -> SweepSpec:
    """Validate a sweep dict (TOML layout) and return a :class:`SweepSpec`; nothing runs."""
    src = source
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        _err(src, f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(TOP_KEYS))}")
    machine = data.get("machine", "")
    if machine and "chip" in data:
        _err(src, "give 'chip' or 'machine', not both (a machine names its chip type)")
    for key in ("machine" if machine else "chip", "model", "metrics"):
        if key not in data:
            _err(src, f"missing required key {key!r}")
    chip = data.get("chip", "")
    model = data["model"]
    if not isinstance(chip, str) or not isinstance(model, str) or not isinstance(machine, str):
        _err(src, "'chip', 'machine' and 'model' must be strings")
    chip = _resolve(base_dir, chip)
    machine = _resolve(base_dir, machine)
    if machine:
        from ..machine.metrics import MACHINE_METRICS as allowed_metrics
    else:
        from .metrics import METRICS as allowed_metrics
    model = _resolve(base_dir, model)
    metrics = data["metrics"]
    if not isinstance(metrics, list) or not metrics:
        _err(src, "'metrics' must be a non-empty list")
    for m in metrics:
        if m not in allowed_metrics:
            _err(src, f"metrics: unknown metric {m!r}; allowed{' on a machine' if machine else ''}: "
                      f"{', '.join(allowed_metrics)}")
    repeats = data.get("repeats", 1)
    seed = data.get("seed", 0)
    for key, v in (("repeats", repeats), ("seed", seed)):
        if isinstance(v, bool) or not isinstance(v, int) or v < (1 if key == "repeats" else 0):
            _err(src, f"{key!r} must be an integer >= {1 if key == 'repeats' else 0}, got {v!r}")
    run = dict(RUN_DEFAULTS)
    for k, v in data.get("run", {}).items():
        if k not in RUN_KEYS:
            _err(src, f"[run] unknown key {k!r}; allowed: {', '.join(RUN_KEYS)}")
        typ = RUN_KEYS[k]
        if isinstance(v, bool) or not isinstance(v, (int, float) if typ is float else typ):
            _err(src, f"[run] {k} = {v!r} must be of type {typ.__name__}")
        run[k] = typ(v)
        if k in RUN_MIN and run[k] < RUN_MIN[k]:
            _err(src, f"[run] {k} = {v!r} must be >= {RUN_MIN[k]}")
        if k == "beta" and not (math.isfinite(run[k]) and run[k] > 0):
            _err(src, f"[run] beta = {v!r} must be a finite number > 0")
        if k == "data" and v != "digits":
            run[k] = os.path.normpath(os.path.join(base_dir, v)) if not os.path.isabs(v) else v
            if not os.path.isfile(run[k]):
                _err(src, f"[run] data = {v!r}: no such file (give 'digits' or an .npz with key 'data')")
    grid = data.get("grid", {})
    zipped = data.get("zip", {})
    listed = data.get("points", [])
    if not isinstance(listed, list) or not all(isinstance(p, dict) and p for p in listed):
        _err(src, "'points' must be a list of non-empty tables ([[points]])")
    overlap = (set(grid) | set(zipped)) & {k for p in listed for k in p}
    if overlap:
        _err(src, f"parameter {sorted(overlap)[0]!r} appears in [[points]] and in [grid]/[zip]")
    if set(grid) & set(zipped):
        _err(src, f"parameter {sorted(set(grid) & set(zipped))[0]!r} appears in both [grid] and [zip]")
    if not grid and not zipped and not listed:
        _err(src, "the sweep has no parameters: give a [grid], [zip] or [[points]]")
    for table, name in ((grid, "grid"), (zipped, "zip")):
        for k, v in table.items():
            if not isinstance(v, list) or not v:
                _err(src, f"[{name}] {k!r} must be a non-empty list of values")
    lengths = {len(v) for v in zipped.values()}
    if len(lengths) > 1:
        _err(src, f"[zip] lists must have equal lengths, got {sorted(lengths)}")
    spec = SweepSpec(str(data.get("name", os.path.splitext(os.path.basename(source))[0])), source, chip, model,
                     tuple(metrics), repeats, seed, run, dict(grid), dict(zipped), tuple(dict(p) for p in listed),
                     machine)
    _validate_points(spec)
    _check_files(spec)
    return spec


def _check_files(spec):
    """The model file (a path) must exist now; the chip is loaded by :func:`_validate_points`."""
    from .metrics import shipped_model_path

    if spec.model != "spin_glass" and not shipped_model_path(spec.model) and not os.path.isfile(spec.model):
        _err(spec.source, f"model {spec.model!r}: no such file (give 'demo_rbm', 'spin_glass' or an .npz path)")


def _validate_points(spec):
    """Apply every point's overrides to the chip (or machine) now, so bad paths/values fail before any work."""
    try:
        if spec.machine:
            from ..machine.spec import load_machine

            base = load_machine(spec.machine)
        else:
            base = load_chip(spec.chip)
    except PbitsimError as exc:
        _err(spec.source, f"{'machine' if spec.machine else 'chip'}: {exc}")
    seen = set()
    for point in spec.points():
        if point.params in seen:
            continue
        seen.add(point.params)
        try:
            base.with_params(point.chip_params)
            if "scale" in split_params(point.params)[1]:
                from ..compiler.scale_policy import scale_policy

                scale_policy(split_params(point.params)[1]["scale"])
        except PbitsimError as exc:
            _err(spec.source, f"parameter point {point.param_dict}: {exc}")


def load_sweep(path) -> SweepSpec:
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise SweepSpecError(f"{path}: no such sweep file")
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise SweepSpecError(f"{path}: malformed TOML ({exc})") from None
    return parse_sweep(data, source=path, base_dir=os.path.dirname(os.path.abspath(path)))
