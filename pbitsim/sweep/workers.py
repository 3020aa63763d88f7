"""Local worker processes that die with their parent, and a parent that stops them on SIGTERM.

A sweep's pool workers are ``spawn``-ed processes.  If the parent is killed
(``SIGKILL``, OOM killer, a cluster's time limit) nothing would tell them to
stop, and they would sit idle forever holding their memory.  So each worker, on
start, (1) asks the Linux kernel to send it ``SIGKILL`` when its parent dies
(``prctl(PR_SET_PDEATHSIG)``) and (2) runs a daemon thread that exits the
process as soon as its parent pid changes (portable fallback).  The parent
turns ``SIGTERM`` into :class:`KeyboardInterrupt`, whose handler terminates the
pool's processes instead of waiting for the running points.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
POLL_S = 0.5


def _poll_parent(ppid):
    while True:
        if os.getppid() != ppid:
            os._exit(1)
        time.sleep(POLL_S)


def die_with_parent(ppid: int) -> None:
    """Pool initializer: end this process when the process ``ppid`` ends."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    if os.getppid() != ppid:  # the parent died before the death signal was armed
        os._exit(1)
    threading.Thread(target=_poll_parent, args=(ppid,), daemon=True, name="parent-watch").start()


@contextlib.contextmanager
def sigterm_as_interrupt():
    """Within the block (main thread only), ``SIGTERM`` raises :class:`KeyboardInterrupt`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    old = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def stop_pool(pool) -> None:
    """Cancel queued points and terminate the worker processes now (no waiting for running points)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in procs:
        with contextlib.suppress(Exception):
            proc.join(timeout=2.0)
