"""Timing helpers: seconds per sweep with fixed costs removed, and pbitsim's chromatic engine timed that way.

Fixed per-call costs (model conversion, allocation, JIT dispatch) are removed
by timing two sweep counts and taking the slope; every timing is the best of
``repeats``.  ``ns/update = seconds per sweep / (n * replicas)``.
"""
from __future__ import annotations

from ..compiler.pipeline import place_model
from ..engines import chromatic
from ..engines.schedule import make_schedule


def slope_seconds_per_sweep(run, sweeps, repeats):
    """Seconds per sweep from the best-of-``repeats`` times of ``sweeps`` and ``sweeps // 4`` sweeps.

    ``run(k)`` performs ``k`` sweeps and returns the seconds it measured.  When
    timing noise swamps the difference (too few sweeps on a loaded machine, so the
    long run is not measurably longer than the short one), the long run's plain
    average is returned instead: an upper bound that still includes fixed costs.
    """
    short = max(1, sweeps // 4)
    t_long = min(run(sweeps) for _ in range(repeats))
    t_short = min(run(short) for _ in range(repeats))
    if sweeps == short:
        return t_long / sweeps
    slope = (t_long - t_short) / (sweeps - short)
    if slope <= 0.1 * t_long / sweeps:
        return t_long / sweeps
    return slope


def time_pbitsim(model, replicas, sweeps, repeats, seed=1, layout="auto"):
    """``(ns/update, layout used)`` of the chromatic engine (kernel wall time, compiled by a warm-up run)."""
    program = place_model(model, "ideal")

    def samples(k):
        sched = make_schedule(k, 0, k, replicas, 1.0, seed)  # one sample at the end
        return chromatic.run_layout(program, sched, layout, store_states=False)

    used = samples(2).info["layout"]
    ns = 1e9 * slope_seconds_per_sweep(lambda k: samples(k).timing.wall_s, sweeps, repeats)
    return ns / (model.n * replicas), used
