"""Chip descriptions: TOML files -> validated, frozen :class:`ChipSpec`.

``load_chip("fpga-sparse-ising")`` finds a shipped description in the
``hardware_models`` package; ``load_chip("my_chip.toml")`` reads a file.  Every
unknown section or key, wrong type and impossible value is rejected with a
message naming the file, the key and what is allowed.  The schema lives in
:mod:`pbitsim.chip.schema`.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, make_dataclass
from importlib import resources

from .schema import SCHEMA, Key
from ..errors import ChipSpecError, TopologyError

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover
    import tomli as tomllib

__all__ = ["ChipSpec", "load_chip", "list_chips", "chip_from_dict"]


def _freeze(v):
    return tuple(_freeze(x) for x in v) if isinstance(v, list) else v


def _make_section_class(section, keys):
    fields = [(k, object, field(default=_freeze(key.default))) for k, key in keys.items()]
    cls = make_dataclass(section.capitalize() + "Spec", fields, frozen=True)
    cls.__doc__ = f"Validated ``[{section}]`` section of a chip description (see pbitsim.chip.schema)."
    return cls


SECTION_CLASSES = {s: _make_section_class(s, keys) for s, keys in SCHEMA.items() if s}


@dataclass(frozen=True)
class TopologySpec:
    """``[topology]``: ``kind`` plus the kind's own keys (see :mod:`pbitsim.topologies`)."""

    kind: str = "model"
    params: tuple = ()  # sorted (key, value) pairs; lists frozen to tuples
    base_dir: str | None = None

    @property
    def param_dict(self):
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.params}


@dataclass(frozen=True)
class ChipSpec:
    """A validated chip description. Sections are frozen dataclasses named like the TOML tables."""

    name: str
    description: str
    topology: TopologySpec
    pbit: object
    rng: object
    weights: object
    bias: object
    accumulator: object
    clock: object
    timing: object
    source: str = field(default="<dict>", compare=False)

    # ------------------------------------------------------------- derived facts
    @property
    def is_fixed_point(self) -> bool:
        """True when any number format is fixed point (the integer datapath)."""
        return "fixed" in (self.weights.format, self.bias.format, self.accumulator.format)

    @property
    def has_variation(self) -> bool:
        p, w = self.pbit, self.weights
        return any(x > 0 for x in (p.gain_sigma, p.offset_sigma, p.stuck_fraction, p.input_noise_sigma,
                                   w.mismatch_rel_sigma, w.mismatch_abs_sigma))

    @property
    def is_ideal_datapath(self) -> bool:
        """Float weights, exact tanh, ideal/xoroshiro RNG and no device variation."""
        return (not self.is_fixed_point and self.pbit.activation == "tanh"
                and self.rng.kind == "ideal" and not self.has_variation)

    def to_dict(self) -> dict:
        """Plain nested dict (TOML layout) that :func:`chip_from_dict` turns back into this spec."""
        d = {"name": self.name, "description": self.description,
             "topology": {"kind": self.topology.kind, **self.topology.param_dict}}
        for s in SECTION_CLASSES:
            sec = getattr(self, s)
            d[s] = {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(sec).items()}
        return d

    def with_params(self, updates: dict) -> "ChipSpec":
        """A new spec with dotted-path overrides, e.g. ``{"weights.total_bits": 6}``; re-validated."""
        d = self.to_dict()
        for path, value in updates.items():
            parts = path.split(".")
            if len(parts) == 1:
                d[parts[0]] = value
            elif len(parts) == 2:
                if parts[0] not in d:
                    raise ChipSpecError(f"{self.source}: unknown section [{parts[0]}] in override {path!r}; "
                                        f"allowed sections: {', '.join(sorted(k for k in d if isinstance(d[k], dict)))}")
                d[parts[0]][parts[1]] = value
            else:
                raise ChipSpecError(f"override {path!r} must be 'section.key' or 'key'")
        return chip_from_dict(d, source=f"{self.source} (with overrides)", base_dir=self.topology.base_dir)

    def summary(self) -> str:
        t = self.topology
        params = ", ".join(f"{k}={v}" for k, v in t.params)
        fmt = "fixed" if self.is_fixed_point else "float"
        return (f"{self.name}: topology {t.kind}({params}), clock {self.clock.mode}, "
                f"datapath {fmt}, activation {self.pbit.activation}, rng {self.rng.kind}")


def _type_name(types):
    names = {int: "integer", float: "number", bool: "true/false", str: "string", list: "list"}
    return " or ".join(dict.fromkeys(names[t] for t in types))


def _check_value(src, where, key: Key, value):
    ok_type = isinstance(value, key.types) and not (isinstance(value, bool) and bool not in key.types)
    if not ok_type:
        raise ChipSpecError(f"{src}: {where} = {value!r} has the wrong type; expected {_type_name(key.types)}")
    if key.choices is not None and value not in key.choices:
        raise ChipSpecError(f"{src}: {where} = {value!r} is not allowed; allowed values: "
                            f"{', '.join(map(str, key.choices))}")
    if key.check is not None:
        problem = key.check(value)
        if problem:
            raise ChipSpecError(f"{src}: {where} = {value!r} {problem}")
    if isinstance(value, float) and value != value:
        raise ChipSpecError(f"{src}: {where} is NaN")
    return float(value) if float in key.types and not isinstance(value, bool) else value


def _build_section(src, section, raw):
    keys = SCHEMA[section]
    if not isinstance(raw, dict):
        raise ChipSpecError(f"{src}: [{section}] must be a table, got {raw!r}")
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise ChipSpecError(f"{src}: unknown key {unknown[0]!r} in [{section}]; allowed keys: "
                            f"{', '.join(keys)}")
    values = {k: _freeze(_check_value(src, f"[{section}] {k}", keys[k], raw[k])) for k in raw}
    return SECTION_CLASSES[section](**values)


def _cross_checks(src, spec: ChipSpec):
    for s in ("weights", "bias", "accumulator"):
        sec = getattr(spec, s)
        if sec.frac_bits >= sec.total_bits:
            raise ChipSpecError(f"{src}: [{s}] frac_bits = {sec.frac_bits} must be smaller than "
                                f"total_bits = {sec.total_bits}")
    r = spec.rng
    if r.kind == "lfsr" and r.output_bits > r.width:
        raise ChipSpecError(f"{src}: [rng] output_bits = {r.output_bits} exceeds the LFSR width = {r.width}")
    if r.kind == "lfsr" and r.taps and max(r.taps) != r.width:
        raise ChipSpecError(f"{src}: [rng] taps = {list(r.taps)} must include the register width {r.width} "
                            "as the highest tap")
    if r.kind == "lfsr" and r.shared and r.output_bits + (r.share_group - 1) * r.share_shift > r.width:
        raise ChipSpecError(f"{src}: [rng] output_bits + (share_group - 1) * share_shift = "
                            f"{r.output_bits + (r.share_group - 1) * r.share_shift} exceeds the LFSR width = {r.width}: "
                            "every p-bit's window must lie inside the shared register")
    if r.kind == "xoroshiro" and r.output_bits > 53:
        raise ChipSpecError(f"{src}: [rng] output_bits = {r.output_bits} must be <= 53 for xoroshiro")
    if spec.clock.mode in ("chromatic", "naive_parallel", "sequential") and spec.topology.kind == "edgelist":
        pass


def chip_from_dict(data: dict, *, source="<dict>", base_dir=None) -> ChipSpec:
    """Validate a nested dict in the TOML layout and return a :class:`ChipSpec`."""
    from ..topologies import validate_topology_params

    src = source
    if not isinstance(data, dict):
        raise ChipSpecError(f"{src}: a chip description must be a table")
    allowed_top = set(SCHEMA[""]) | set(SECTION_CLASSES) | {"topology"}
    unknown = sorted(set(data) - allowed_top)
    if unknown:
        raise ChipSpecError(f"{src}: unknown key or section {unknown[0]!r}; allowed: "
                            f"{', '.join(sorted(allowed_top))}")
    top = {k: _check_value(src, k, SCHEMA[""][k], data[k]) for k in SCHEMA[""] if k in data}
    topo_raw = data.get("topology", {"kind": "model"})
    if not isinstance(topo_raw, dict):
        raise ChipSpecError(f"{src}: [topology] must be a table")
    kind = topo_raw.get("kind")
    if kind is None:
        raise ChipSpecError(f"{src}: [topology] needs a 'kind'")
    params = {k: v for k, v in topo_raw.items() if k != "kind"}
    try:
        validate_topology_params(kind, params, base_dir=base_dir)
    except TopologyError as exc:
        raise ChipSpecError(f"{src}: [topology] {exc}") from None
    topology = TopologySpec(kind, tuple(sorted((k, _freeze(v)) for k, v in params.items())),
                            None if base_dir is None else os.fspath(base_dir))
    sections = {s: _build_section(src, s, data.get(s, {})) for s in SECTION_CLASSES}
    name = top.get("name") or (os.path.splitext(os.path.basename(source))[0] if source != "<dict>" else "chip")
    spec = ChipSpec(name=name, description=top.get("description", ""), topology=topology,
                    source=source, **sections)
    _cross_checks(src, spec)
    return spec


def shipped_chip_names():
    """Names of the chip descriptions shipped in ``hardware_models``."""
    files = resources.files("hardware_models")
    return sorted(f.name[:-5] for f in files.iterdir() if f.name.endswith(".toml"))


def _read_toml(text, src):
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ChipSpecError(f"{src}: malformed TOML ({exc})") from None


def read_description_file(target, what="chip") -> dict:
    """The TOML table of a description file (``what``: "chip" or "machine"), with one-line errors."""
    if not os.path.isfile(target):
        raise ChipSpecError(f"{target}: no such {what} description file")
    with open(target, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ChipSpecError(f"{target}: not a UTF-8 text file") from None
    return _read_toml(text, target)


def load_chip(name_or_path) -> ChipSpec:
    """Load a shipped chip by name (``pbitsim models`` lists them) or a TOML file by path."""
    if isinstance(name_or_path, ChipSpec):
        return name_or_path
    target = os.fspath(name_or_path)
    if os.path.exists(target) or target.endswith(".toml") or os.sep in target:
        return chip_from_dict(read_description_file(target, "chip"), source=target,
                              base_dir=os.path.dirname(os.path.abspath(target)))
    names = shipped_chip_names()
    if target not in names:
        raise ChipSpecError(f"unknown chip {target!r}; shipped chips: {', '.join(names)} "
                            "(or give a path to a .toml file)")
    res = resources.files("hardware_models").joinpath(target + ".toml")
    text = res.read_text(encoding="utf-8")
    return chip_from_dict(_read_toml(text, f"hardware_models/{target}.toml"),
                          source=f"hardware_models/{target}.toml", base_dir=None)


def list_chips():
    """``[(name, description), ...]`` for every shipped chip."""
    return [(n, load_chip(n).description) for n in shipped_chip_names()]
