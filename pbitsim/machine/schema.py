"""The machine-description schema: every section, key, type, default, unit and allowed value.

A machine is ``count`` chips of one chip type joined by links.  This table is
the single source of truth for validation (:mod:`pbitsim.machine.spec`) and for
the reference in ``docs/multichip.md``.  Units are in key names (``_ns``,
``_per_ns``, ``_per_cycle``).  It reuses :class:`pbitsim.chip.schema.Key`.
"""
from __future__ import annotations

from ..chip.schema import BOOL, FLOAT, INT, LIST, STR, Key, _range  # noqa: F401 (BOOL kept for symmetry)

POLICIES = ("every_update", "batched")
LINK_TOPOLOGIES = ("all_to_all", "ring", "line", "explicit")


def _pair(v):
    if len(v) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        return "must be a list of two chip indices, e.g. [0, 1]"
    if v[0] == v[1]:
        return "joins a chip to itself"
    return None


SCHEMA = {
    "": {
        "name": Key(STR, "", "machine name (defaults to the file name)"),
        "description": Key(STR, "", "one line describing the machine"),
    },
    "chips": {
        "type": Key(STR, "ideal", "chip type of every chip: a shipped chip name or a .toml path (relative to the "
                    "machine file)"),
        "count": Key(INT, 2, "number of chips K", _range(1, 4096)),
        "capacity": Key(INT, 0, "p-bits per chip; 0 = the chip type's p-bit count (its [topology]; unlimited for "
                        "kind 'model')", _range(0)),
    },
    "exchange": {
        "policy": Key(STR, "every_update", "every_update: each boundary state change streams out as it happens "
                      "(period 0); batched: boundary states are sampled and sent every `every_cycles` clock "
                      "cycles", choices=POLICIES),
        "every_cycles": Key(INT, 1, "batched: exchange period in clock cycles of the chip type "
                            "([clock] frequency_mhz)", _range(1)),
    },
    "links": {
        "topology": Key(STR, "all_to_all", "which chip pairs are linked: all_to_all, ring (k <-> k+1 mod K), "
                        "line (k <-> k+1) or explicit (only the [[link]] tables)", choices=LINK_TOPOLOGIES),
        "latency_ns": Key(FLOAT, 20.0, "one-way latency of a link (ns), > 0", _range(0.0, lo_open=True)),
        "bandwidth_spins_per_ns": Key(FLOAT, 0.0, "link bandwidth per direction in spins (1-bit states) per ns, "
                                      "> 0; give this or bandwidth_bits_per_cycle", _range(0.0, lo_open=True)),
        "bandwidth_bits_per_cycle": Key(FLOAT, 0.0, "link bandwidth per direction in bits per clock cycle of the "
                                        "chip type, > 0", _range(0.0, lo_open=True)),
    },
    "link": {  # one [[link]] table: an explicit link, or an override of a generated one
        "between": Key(LIST, [0, 1], "the two chips it joins (0-based)", _pair),
        "latency_ns": Key(FLOAT, 0.0, "one-way latency (ns), > 0; default [links] latency_ns",
                          _range(0.0, lo_open=True)),
        "bandwidth_spins_per_ns": Key(FLOAT, 0.0, "spins per ns per direction, > 0; default from [links]",
                                      _range(0.0, lo_open=True)),
        "bandwidth_bits_per_cycle": Key(FLOAT, 0.0, "bits per clock cycle per direction, > 0",
                                        _range(0.0, lo_open=True)),
    },
}

#: sections that are one table; ``link`` is an array of tables
TABLES = ("chips", "exchange", "links")
