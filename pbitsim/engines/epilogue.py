"""The one epilogue every engine ends with: kernel outputs -> :class:`~pbitsim.samples.Samples`.

Engines hand over what their kernel produced, in the kernel's p-bit order;
:func:`finish` puts states and moments back in physical order, adds the
model's constant energy offset, computes the moments from stored states when
the kernel did not accumulate them, drops the states unless they were asked
for, and records the cost (:class:`~pbitsim.samples.Timing`).
"""
from __future__ import annotations

import numpy as np

from ..samples import Samples, Timing


def inverse(order):
    """``inv`` with ``inv[order[k]] = k`` (int64)."""
    inv = np.empty(order.shape[0], dtype=np.int64)
    inv[order] = np.arange(order.shape[0])
    return inv


def keep_states(options, kernel_moments=False):
    """Whether the kernel must store the states: asked for, or needed for moments it does not accumulate."""
    return options.store_states or (options.moments and not kernel_moments)


def finish(program, schedule, options, *, engine, energies, wall, updates, sweeps, simulated_ns, states=None,
           order=None, mean_m=None, mean_mm=None, info=None) -> Samples:
    """Build the :class:`Samples` of a run.

    Parameters
    ----------
    energies : float64 (replicas, samples)
        Energies of the ideal physical model without its offset (added here).
    states : int8 (replicas, samples or 0, n), optional
        Sampled states in kernel order.
    order : int64 (n,), optional
        Kernel order: position ``k`` holds physical p-bit ``order[k]`` (default: physical order).
    mean_m, mean_mm : float64 (replicas, n) and (replicas, n_edges), optional
        Moments the kernel accumulated (``mean_m`` in kernel order, ``mean_mm`` over the upper-triangle
        edges of ``program.physical.edges()``); computed here from the states when None and asked for.
    wall, updates, sweeps, simulated_ns
        :class:`Timing` fields (kernel seconds, p-bit updates of all replicas, sweeps, chip time).
    """
    inv = None if order is None else inverse(order)
    if states is not None and inv is not None and states.shape[1] > 0:
        states = states[:, :, inv]
    edges = None
    if options.moments:
        u, v, _ = program.physical.edges()
        edges = np.stack([u, v]).astype(np.int64)
        if mean_m is None:
            st = states.astype(np.float64)
            mean_m, mean_mm = st.mean(axis=1), (st[:, :, u] * st[:, :, v]).mean(axis=1)
        elif inv is not None:
            mean_m = mean_m[:, inv]
    return Samples(states=states if options.store_states else None,
                   energies=energies + program.physical.offset, beta=schedule.beta, seed=schedule.seed,
                   engine=engine, chip=program.chip.name,
                   timing=Timing(wall, int(updates), int(sweeps), simulated_ns=simulated_ns),
                   mean_m=mean_m if options.moments else None, mean_mm=mean_mm if options.moments else None,
                   edges=edges, program=program, info=dict(info or {}))
