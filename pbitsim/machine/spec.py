"""Machine descriptions: TOML files -> validated, frozen :class:`MachineSpec`.

A multi-chip p-computer is ``count`` chips of one chip type (a chip
description, :mod:`pbitsim.chip.spec`) joined by links that are slower than
on-chip wires.  ``load_machine("fpga-quad")`` finds a shipped description in
the repository's ``machines/`` folder; ``load_machine("my.toml")`` reads a file.
Every unknown key, wrong type and impossible value -- an unknown link endpoint,
a zero or negative latency or bandwidth, a chip type that has no chip time --
is one :class:`~pbitsim.errors.ChipSpecError` naming the file and the key,
before any work.  The schema lives in :mod:`pbitsim.machine.schema`;
``docs/multichip.md`` explains the model.
"""
from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field

from ..chip.spec import ChipSpec, _check_value, _read_toml, load_chip, read_description_file
from ..errors import ChipSpecError, PbitsimError
from .schema import SCHEMA, TABLES

__all__ = ["LinkSpec", "MachineSpec", "load_machine", "machine_from_dict", "list_machines", "MACHINE_DIR"]

#: shipped machine descriptions (``machines/`` beside ``hardware_models/`` at the repository root)
MACHINE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "machines")
#: clock modes a machine can run (the event engine); chromatic chips run as their clocked event equivalent
EVENT_MODES = {"chromatic": "clocked", "clocked": "clocked", "asynchronous": "asynchronous"}


@dataclass(frozen=True)
class LinkSpec:
    """One full-duplex link between chips ``a < b``: latency (ns) and bandwidth per direction (spins/ns)."""

    a: int
    b: int
    latency_ns: float
    bandwidth_spins_per_ns: float


@dataclass(frozen=True)
class MachineSpec:
    """A validated machine description.

    Attributes
    ----------
    name, description : str
    chip : ChipSpec
        The chip type of every chip (as loaded; see :attr:`event_chip` for what runs).
    count : int
        Number of chips ``K``.
    capacity : int or None
        P-bits one chip holds (None: unlimited, a chip type of topology kind ``model``).
    policy : {"every_update", "batched"}
        Exchange policy of the boundary states.
    every_cycles : int
        ``batched``: boundary states are sampled and sent every ``every_cycles`` clock cycles.
    links : tuple of LinkSpec
        Every link, sorted by ``(a, b)``; at least one route joins every pair of chips.
    link_topology : str
        How the links were generated (``all_to_all``, ``ring``, ``line``, ``explicit``).
    raw : dict
        The validated TOML-layout dict (for :meth:`with_params` and :meth:`to_dict`).
    """

    name: str
    description: str
    chip: ChipSpec
    count: int
    capacity: int | None
    policy: str
    every_cycles: int
    links: tuple
    link_topology: str
    raw: dict = field(default_factory=dict, compare=False, repr=False)
    source: str = field(default="<dict>", compare=False)
    base_dir: str | None = field(default=None, compare=False, repr=False)

    @property
    def cycle_ns(self) -> float:
        """One clock cycle of the chip type (ns)."""
        return 1e3 / float(self.chip.clock.frequency_mhz)

    @property
    def exchange_period_ns(self) -> float:
        """``P``: 0 for ``every_update`` (continuous streaming), else ``every_cycles * cycle_ns``."""
        return 0.0 if self.policy == "every_update" else self.every_cycles * self.cycle_ns

    @property
    def event_chip(self) -> ChipSpec:
        """The chip type as the machine runs it: the model's own graph (topology kind ``model``) on the
        event engine (a chromatic clock runs as its ``clocked`` event equivalent)."""
        d = self.chip.to_dict()
        d["topology"] = {"kind": "model"}
        d["clock"]["mode"] = EVENT_MODES[self.chip.clock.mode]
        from ..chip.spec import chip_from_dict

        return chip_from_dict(d, source=f"{self.chip.source} (on machine {self.name})")

    def ideal_links(self) -> "MachineSpec":
        """The same machine with zero-latency, infinite-bandwidth links exchanging on every update.

        Not expressible in a file (latencies and bandwidths must be > 0 there): it is the single-chip
        limit, the reference of the error a real link adds (tests and ``pbitsim.machine.metrics``).
        """
        links = tuple(dataclasses.replace(ln, latency_ns=0.0, bandwidth_spins_per_ns=math.inf)
                      for ln in self.links)
        return dataclasses.replace(self, links=links, policy="every_update", name=f"{self.name} (ideal links)")

    def to_dict(self) -> dict:
        """The validated TOML-layout dict (``chips.type`` as given, relative to ``base_dir``)."""
        return {k: ([dict(x) for x in v] if k == "link" else dict(v) if isinstance(v, dict) else v)
                for k, v in self.raw.items()}

    def with_params(self, updates: dict) -> "MachineSpec":
        """A new spec with dotted overrides; re-validated.

        ``"links.latency_ns"``, ``"chips.count"``, ``"exchange.every_cycles"`` ... (a leading
        ``"machine."`` is allowed, as sweeps write them) override the machine; any other
        ``"section.key"`` overrides its chip type (:meth:`pbitsim.chip.spec.ChipSpec.with_params`).
        """
        d = self.to_dict()
        chip_updates = {}
        for path, value in updates.items():
            parts = path.split(".")
            if parts[0] == "machine":
                parts = parts[1:]
                if len(parts) != 2 or parts[0] not in TABLES:
                    raise ChipSpecError(f"{self.source}: machine override {path!r} must be 'machine.section.key' "
                                        f"with section one of {', '.join(TABLES)}")
            if len(parts) == 2 and parts[0] in TABLES:
                d.setdefault(parts[0], {})[parts[1]] = value
            elif len(parts) == 2:
                chip_updates[path] = value
            else:
                raise ChipSpecError(f"{self.source}: override {path!r} must be 'section.key' (a machine section "
                                    f"{', '.join(TABLES)}, or a section of the chip type)")
        chip = self.chip.with_params(chip_updates) if chip_updates else None
        return machine_from_dict(d, source=f"{self.source} (with overrides)", base_dir=self.base_dir, chip=chip)

    def summary(self) -> str:
        lat = sorted({ln.latency_ns for ln in self.links})
        bw = sorted({ln.bandwidth_spins_per_ns for ln in self.links})
        cap = "unlimited" if self.capacity is None else str(self.capacity)
        ex = "every update" if self.policy == "every_update" else (
            f"every {self.every_cycles} cycles ({self.exchange_period_ns:.4g} ns)")
        return (f"{self.name}: {self.count} x {self.chip.name} (capacity {cap} p-bits each), "
                f"{len(self.links)} links ({self.link_topology}), latency {_span(lat)} ns, bandwidth "
                f"{_span(bw)} spins/ns, exchange {ex}")


def _span(values):
    if not values:
        return "-"
    return f"{values[0]:.4g}" if len(values) == 1 else f"{values[0]:.4g}..{values[-1]:.4g}"


def _table(src, name, raw):
    keys = SCHEMA[name]
    label = f"[[{name}]]" if name == "link" else f"[{name}]"
    if not isinstance(raw, dict):
        raise ChipSpecError(f"{src}: {label} must be a table, got {raw!r}")
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise ChipSpecError(f"{src}: unknown key {unknown[0]!r} in {label}; allowed keys: {', '.join(keys)}")
    return {k: _check_value(src, f"{label} {k}", keys[k], v) for k, v in raw.items()}


def _bandwidth(src, where, table, cycle_ns, default):
    given = [k for k in ("bandwidth_spins_per_ns", "bandwidth_bits_per_cycle") if k in table]
    if len(given) == 2:
        raise ChipSpecError(f"{src}: {where} gives both bandwidth_spins_per_ns and bandwidth_bits_per_cycle; "
                            "give one")
    if not given:
        if default is None:
            raise ChipSpecError(f"{src}: {where} needs a bandwidth: bandwidth_spins_per_ns or "
                                "bandwidth_bits_per_cycle (> 0)")
        return default
    v = float(table[given[0]])
    return v if given[0] == "bandwidth_spins_per_ns" else v / cycle_ns  # one bit per spin


def _generated_pairs(kind, K):
    if kind == "all_to_all":
        return [(a, b) for a in range(K) for b in range(a + 1, K)]
    if kind in ("ring", "line"):
        pairs = [(k, k + 1) for k in range(K - 1)]
        if kind == "ring" and K > 2:
            pairs.append((0, K - 1))
        return pairs
    return []


def _links(src, data, K, cycle_ns):
    lk = _table(src, "links", data.get("links", {}))
    kind = lk.get("topology", SCHEMA["links"]["topology"].default)
    latency = float(lk.get("latency_ns", SCHEMA["links"]["latency_ns"].default))
    explicit = data.get("link", [])
    if not isinstance(explicit, list):
        raise ChipSpecError(f"{src}: 'link' must be an array of tables ([[link]])")
    bw = _bandwidth(src, "[links]", lk, cycle_ns, None) if any(k.startswith("bandwidth") for k in lk) else None
    if bw is None and kind != "explicit" and K > 1:
        _bandwidth(src, "[links]", lk, cycle_ns, None)  # the error: a bandwidth is required
    links = {p: LinkSpec(p[0], p[1], latency, bw) for p in _generated_pairs(kind, K)}
    seen = set()
    for q, raw in enumerate(explicit):
        t = _table(src, "link", raw)
        where = f"[[link]] {q + 1}"
        if "between" not in t:
            raise ChipSpecError(f"{src}: {where} needs 'between' (the two chips it joins)")
        a, b = sorted(t["between"])
        bad = [c for c in (a, b) if not 0 <= c < K]
        if bad:
            raise ChipSpecError(f"{src}: {where} between = {list(t['between'])}: unknown link endpoint chip "
                                f"{bad[0]} (the machine has chips 0..{K - 1})")
        if (a, b) in seen:
            raise ChipSpecError(f"{src}: {where} between = {list(t['between'])}: chips {a} and {b} are linked twice")
        seen.add((a, b))
        base = links.get((a, b))
        lat = float(t.get("latency_ns", base.latency_ns if base else latency))
        links[(a, b)] = LinkSpec(a, b, lat, _bandwidth(src, where, t, cycle_ns, base.bandwidth_spins_per_ns
                                                       if base else bw))
    out = tuple(links[p] for p in sorted(links))
    _check_connected(src, K, out)
    return kind, out


def _check_connected(src, K, links):
    parent = list(range(K))

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for ln in links:
        parent[root(ln.a)] = root(ln.b)
    apart = [k for k in range(K) if root(k) != root(0)]
    if apart:
        raise ChipSpecError(f"{src}: [links] chip {apart[0]} has no route to chip 0; add a [[link]] or use "
                            "topology = 'all_to_all', 'ring' or 'line'")


def _capacity(src, chip, given):
    if given:
        return int(given)
    if chip.topology.kind == "model":
        return None
    from ..topologies import topology_size

    return int(topology_size(chip.topology.kind, chip.topology.param_dict, base_dir=chip.topology.base_dir).n_nodes)


def machine_from_dict(data: dict, *, source="<dict>", base_dir=None, chip=None) -> MachineSpec:
    """Validate a nested dict in the TOML layout and return a :class:`MachineSpec` (nothing is built).

    ``chip`` (a :class:`ChipSpec`) replaces the chip type ``[chips] type`` names (overrides of it).
    """
    src = source
    if not isinstance(data, dict):
        raise ChipSpecError(f"{src}: a machine description must be a table")
    allowed = set(SCHEMA[""]) | set(TABLES) | {"link"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ChipSpecError(f"{src}: unknown key or section {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
    top = {k: _check_value(src, k, SCHEMA[""][k], data[k]) for k in SCHEMA[""] if k in data}
    chips = _table(src, "chips", data.get("chips", {}))
    if "type" not in chips:
        raise ChipSpecError(f"{src}: [chips] needs 'type' (a shipped chip name or a .toml path)")
    ctype = chips["type"]
    path = ctype if os.path.isabs(ctype) or base_dir is None else os.path.join(base_dir, ctype)
    try:
        chip = chip if chip is not None else load_chip(path if ctype.endswith(".toml") else ctype)
    except PbitsimError as exc:
        raise ChipSpecError(f"{src}: [chips] type = {ctype!r}: {exc}") from None
    if chip.clock.mode not in EVENT_MODES:
        raise ChipSpecError(f"{src}: [chips] type = {ctype!r} has clock mode {chip.clock.mode!r}, which has no chip "
                            f"time; a machine runs on the event engine (clock modes {', '.join(EVENT_MODES)})")
    K = int(chips.get("count", SCHEMA["chips"]["count"].default))
    ex = _table(src, "exchange", data.get("exchange", {}))
    policy = ex.get("policy", SCHEMA["exchange"]["policy"].default)
    if "every_cycles" in ex and policy != "batched":
        raise ChipSpecError(f"{src}: [exchange] every_cycles = {ex['every_cycles']} applies to policy = 'batched' "
                            f"only, not {policy!r}")
    cycle_ns = 1e3 / float(chip.clock.frequency_mhz)
    kind, links = _links(src, data, K, cycle_ns)
    name = top.get("name") or (os.path.splitext(os.path.basename(source))[0] if source != "<dict>" else "machine")
    raw = {**top, "chips": dict(chips), "exchange": dict(ex), "links": dict(data.get("links", {}))}
    if data.get("link"):
        raw["link"] = [dict(x) for x in data["link"]]
    return MachineSpec(name=name, description=top.get("description", ""), chip=chip, count=K,
                       capacity=_capacity(src, chip, chips.get("capacity", 0)), policy=policy,
                       every_cycles=int(ex.get("every_cycles", 1)), links=links, link_topology=kind, raw=raw,
                       source=source, base_dir=None if base_dir is None else os.fspath(base_dir))


def shipped_machine_names():
    """Names of the machine descriptions shipped in ``machines/``."""
    if not os.path.isdir(MACHINE_DIR):
        return []
    return sorted(f[:-5] for f in os.listdir(MACHINE_DIR) if f.endswith(".toml"))


def is_machine_file(target) -> bool:
    """True when ``target`` names a shipped machine or a TOML file with a ``[chips]`` section."""
    if isinstance(target, MachineSpec):
        return True
    if isinstance(target, ChipSpec) or target is None:
        return False
    t = os.fspath(target)
    if t in shipped_machine_names() and not os.path.exists(t):
        return True
    if t.endswith(".toml") and os.path.isfile(t):
        try:
            with open(t, "rb") as f:
                return "chips" in _read_toml(f.read().decode("utf-8", "replace"), t)
        except ChipSpecError:
            return False
    return False


def load_machine(name_or_path) -> MachineSpec:
    """Load a shipped machine by name (``machines/<name>.toml``) or a TOML file by path."""
    if isinstance(name_or_path, MachineSpec):
        return name_or_path
    target = os.fspath(name_or_path)
    if not (os.path.exists(target) or target.endswith(".toml") or os.sep in target):
        names = shipped_machine_names()
        if target not in names:
            raise ChipSpecError(f"unknown machine {target!r}; shipped machines: {', '.join(names)} "
                                "(or give a path to a .toml file)")
        target = os.path.join(MACHINE_DIR, target + ".toml")
    return machine_from_dict(read_description_file(target, "machine"), source=target,
                             base_dir=os.path.dirname(os.path.abspath(target)))


def list_machines():
    """``[(name, description), ...]`` for every shipped machine."""
    return [(n, load_machine(n).description) for n in shipped_machine_names()]
