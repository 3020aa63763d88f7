"""Run a sweep kernel in windows of well under a second: Ctrl-C is honoured, a progress bar can follow.

A Numba kernel cannot be interrupted: Python raises ``KeyboardInterrupt`` only
when the call returns.  Every sweep engine therefore cuts its run into windows
of the global sweep counter (:mod:`pbitsim.kernels.run_window`) and calls its
kernel once per window, carrying states, RNG streams and float accumulators, so
the result is bit-identical whatever the cut.  The window length adapts to the
measured speed (about :data:`TARGET_S` per call).  On Ctrl-C the exception
propagates from between two windows; the engine returns nothing, so no
half-built :class:`~pbitsim.samples.Samples` ever escapes.
"""
from __future__ import annotations

import sys
import time

from tqdm import tqdm

#: wall time aimed at per kernel call (s)
TARGET_S = 0.25
#: p-bit updates of the first window (before any speed is measured)
FIRST_UPDATES = 2_000_000
#: a progress bar appears when the run is projected to last longer than this (s)
BAR_AFTER_S = 2.0


def _bar(total, first, elapsed, progress, label):
    """A tqdm bar on stderr when asked for, stderr is a terminal and the run looks long; else None."""
    if not progress or total <= first or not sys.stderr.isatty():
        return None
    if elapsed * total / max(first, 1) < BAR_AFTER_S:
        return None
    bar = tqdm(total=total, desc=label, unit="sweep", file=sys.stderr, leave=False, dynamic_ncols=True)
    bar.update(first)
    return bar


def run_windows(step, total_sweeps, updates_per_sweep, *, window_sweeps=None, progress=False, label="sweeps"):
    """Call ``step(g0, g1)`` on consecutive windows covering ``[0, total_sweeps)``; returns the summed wall time.

    Parameters
    ----------
    step : callable
        Runs the kernel on the sweeps ``g0 <= g < g1`` (the window slots of the schedule vector).
    total_sweeps : int
        ``burn_in + n_samples * thin``.
    updates_per_sweep : int
        p-bit updates per sweep over all replicas (sizes the first window).
    window_sweeps : int, optional
        Fixed window length; default adaptive.
    progress : bool
        Show a progress bar (stderr, terminals only, long runs only).
    """
    g0, wall, bar = 0, 0.0, None
    k = window_sweeps or max(1, FIRST_UPDATES // max(int(updates_per_sweep), 1))
    try:
        while g0 < total_sweeps:
            g1 = min(total_sweeps, g0 + k)
            t0 = time.perf_counter()
            step(g0, g1)
            dt = time.perf_counter() - t0
            wall += dt
            if g0 == 0:
                bar = _bar(total_sweeps, g1, dt, progress, label)
            elif bar is not None:
                bar.update(g1 - g0)
            if window_sweeps is None:  # aim at TARGET_S, changing by at most 4x per call
                rate = (g1 - g0) / max(dt, 1e-6)
                k = int(min(max(rate * TARGET_S, k / 4.0, 1.0), 4.0 * k))
            g0 = g1
    finally:
        if bar is not None:
            bar.close()
    return wall
