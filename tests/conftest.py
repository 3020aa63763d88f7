"""Shared test helpers."""
import os
import subprocess
import sys

import pytest

import pbitsim


def outputs_on_thread_counts(code, threads=("1", "2"), timeout=300):
    """Run ``code`` in a fresh interpreter (this checkout first on the path) once per NUMBA_NUM_THREADS
    value; return each run's stripped stdout, asserting every run exits cleanly."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(pbitsim.__file__)))  # this checkout
    out = []
    for n in threads:
        env = dict(os.environ, NUMBA_NUM_THREADS=n,
                   PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
        res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                             timeout=timeout)
        assert res.returncode == 0, res.stderr
        out.append(res.stdout.strip())
    return out


@pytest.fixture
def thread_outputs():
    """The :func:`outputs_on_thread_counts` helper, as a fixture (test files need no import path)."""
    return outputs_on_thread_counts
