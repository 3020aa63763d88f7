"""Benchmark pbitsim's chromatic engine against peer samplers (see :mod:`pbitsim.bench.runner`).

    python scripts/bench.py [--graphs pegasus16,lattice128,rr100k] [--replicas 1,64]
                            [--peers dwave,openjij,thrml] [--sweeps N] [--quick] [--out FILE.json]
    python scripts/bench.py --scale [--scale-big]      # 10^6-p-bit chips: build + compile + 100 sweeps, memory

Same as ``pbitsim bench`` and ``python -m pbitsim.bench``; ``--help`` lists the options.
"""
import sys

from pbitsim.bench.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
