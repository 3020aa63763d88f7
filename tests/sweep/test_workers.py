"""Pool workers die with their parent: after `kill -9` or SIGTERM of `pbitsim sweep`, no worker (and no
multiprocessing resource tracker) is left running.  Processes are found through /proc."""
import os
import signal
import subprocess
import sys
import time

import pytest

SWEEP = """
name = "long"
chip = "king-lattice"
model = "spin_glass"
metrics = ["energy"]
seed = 1
[run]
sweeps = 5000000          # minutes per point: the workers are busy when the parent dies
thin = 50000
burn_in = 0
replicas = 2
[grid]
"clock.frequency_mhz" = [100.0, 200.0, 300.0, 400.0]
"""


def _stat(pid):
    """``(state, ppid)`` of a live process, or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1])


def _children(pid):
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st and st[1] == pid and st[0] != "Z":
                out.append(int(name))
    return out


def _alive(pid):
    st = _stat(pid)
    return st is not None and st[0] != "Z"


def _start(tmp_path):
    (tmp_path / "sweep.toml").write_text(SWEEP)
    cmd = [sys.executable, "-m", "pbitsim.cli", "sweep", str(tmp_path / "sweep.toml"), "--out",
           str(tmp_path / "out"), "--workers", "2", "--no-plot"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 90
    kids = []
    while time.time() < deadline and len(kids) < 3:   # 2 workers + the resource tracker
        time.sleep(0.2)
        kids = _children(proc.pid)
        assert proc.poll() is None, proc.stderr.read().decode()
    assert len(kids) >= 3, f"expected 2 workers and a resource tracker, found {kids}"
    time.sleep(3.0)                                    # workers started their points
    kids = _children(proc.pid)
    assert len(kids) >= 3 and all(_alive(k) for k in kids)
    return proc, kids


def _wait_gone(pids, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def _reap(pids):
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_workers_die_with_their_parent(tmp_path, sig):
    proc, kids = _start(tmp_path)
    try:
        t0 = time.time()
        proc.send_signal(sig)
        proc.wait(timeout=20)
        left = _wait_gone(kids)
        assert not left, f"orphaned processes after {sig.name}: {left}"
        assert time.time() - t0 < 15
        if sig == signal.SIGTERM:
            assert proc.returncode == 130
            assert b"Traceback" not in proc.stderr.read()
    finally:
        _reap(kids)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
