"""Benchmarks: pbitsim's engines beside dwave-samplers, openjij and thrml on the same graphs, in one run.

The data flows one way: ``workloads`` (graphs and spin glasses) -> ``timing``
(slope timing, the chromatic engine) -> ``peers`` (peer samplers) and
``hardware`` (integer datapath, event engine) -> ``report`` (ratios, table,
machine) -> ``runner`` (the side-by-side run) -> ``cli`` (options; used by
``pbitsim bench``, ``scripts/bench.py`` and ``python -m pbitsim.bench``).
"""
