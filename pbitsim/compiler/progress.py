"""A progress bar for the compiler's long searches (minor embedding), quiet when stderr is not a terminal.

minorminer reports nothing while it searches and holds the interpreter lock, so
a bar in the same process could not move: with a bar, :func:`run_search`
runs the search in a child process (``fork`` where the platform has it, else
``spawn``) and advances the bar with the
wall clock against the search's time limit.  Without a terminal the search runs
in-process, exactly as before.
"""
from __future__ import annotations

import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from tqdm.auto import tqdm

__all__ = ["run_search", "shows_progress"]

#: Seconds between two refreshes of the bar.
REFRESH_S = 0.25


def shows_progress(enabled=True) -> bool:
    """True when a bar is wanted and stderr is a terminal."""
    return bool(enabled) and sys.stderr.isatty()


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def run_search(fn, *args, desc, limit_s, progress=False, **kwargs):
    """``fn(*args, **kwargs)``; with ``progress`` on a terminal, in a child process under a bar.

    The bar shows the elapsed seconds against ``limit_s`` (the search's own
    time limit) and closes when the search ends.  ``fn`` and its arguments must
    be picklable (a module-level function, plain data).
    """
    if not shows_progress(progress):
        return fn(*args, **kwargs)
    bar = tqdm(total=round(float(limit_s), 1), desc=desc, unit="s", leave=False,
               bar_format="{desc}: {bar} {n:.1f}/{total:.0f} s (time limit)")
    t0 = time.perf_counter()
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=_context()) as pool:
            future = pool.submit(fn, *args, **kwargs)
            while True:
                try:
                    return future.result(timeout=REFRESH_S)
                except FutureTimeout:
                    bar.n = min(round(time.perf_counter() - t0, 1), bar.total)
                    bar.refresh()
    finally:
        bar.close()
