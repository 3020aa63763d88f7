"""Checks that run before a sweep does any work or creates any file.

:func:`check_out_dir` refuses an unusable results folder; :func:`check_inputs`
loads the model on the base chip, compiles it once, and checks that every
requested metric is computable for it (exact references need small models, the
gradient metrics need data with one column per visible unit).  Each failure is
one :class:`~pbitsim.sweep.spec.SweepSpecError` naming the sweep file and the
problem.
"""
from __future__ import annotations

import os

from ..chip.spec import load_chip
from ..errors import PbitsimError
from .metrics import GRADIENT, MAX_ENUMERATED_SPINS, build_program, load_sweep_model
from .spec import SweepSpecError


def check_out_dir(out_dir) -> None:
    """``out_dir`` is a new path, or a directory we may write that is empty or holds a sweep."""
    out = os.fspath(out_dir)
    if os.path.lexists(out) and not os.path.isdir(out):
        raise SweepSpecError(f"--out {out}: exists and is not a directory")
    if os.path.isdir(out):
        if not os.access(out, os.W_OK | os.X_OK):
            raise SweepSpecError(f"--out {out}: directory is not writable")
        if os.listdir(out) and not os.path.isfile(os.path.join(out, "sweep.json")):
            raise SweepSpecError(f"--out {out}: directory is not empty and holds no sweep.json "
                                 "(not a sweep results folder); choose a new or empty folder")
        return
    parent = os.path.dirname(os.path.abspath(out))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent) or not os.access(parent, os.W_OK | os.X_OK):
        raise SweepSpecError(f"--out {out}: cannot create it ({parent} is not a writable directory)")


def check_inputs(spec) -> None:
    """Load the model, compile it on the base chip and check every metric is feasible for it."""
    src = spec.source
    if spec.machine:
        return _check_machine_inputs(spec)
    chip = load_chip(spec.chip)
    try:
        model = load_sweep_model(spec.model, chip, spec.seed)
    except PbitsimError as exc:
        raise SweepSpecError(f"{src}: model {spec.model!r}: {exc}") from None
    wanted = set(spec.metrics)
    n = model.n
    if wanted & {"kl", "tv"} and n > MAX_ENUMERATED_SPINS:
        names = "/".join(sorted(wanted & {"kl", "tv"}))
        verb = "need" if "/" in names else "needs"
        raise SweepSpecError(f"{src}: metrics: {names} {verb} exact enumeration (<= {MAX_ENUMERATED_SPINS} "
                             f"spins), but model {spec.model!r} has {n} spins")
    if wanted & {"Q", "bias"}:
        from ..analysis.gradients import MAX_EXACT_LAYER, MAX_EXACT_SPINS
        from ..models import RBM

        small = (min(model.W.shape) <= MAX_EXACT_LAYER if isinstance(model, RBM) else n <= MAX_EXACT_SPINS)
        if not small:
            raise SweepSpecError(f"{src}: metrics: Q/bias need the exact gradient (an RBM with a layer of "
                                 f"<= {MAX_EXACT_LAYER} units or <= {MAX_EXACT_SPINS} spins); model "
                                 f"{spec.model!r} is too large (use Q_hat)")
    if wanted & GRADIENT:
        from ..models import RBM
        from ..training.digits import load_data

        cols = model.n_visible if isinstance(model, RBM) else n
        try:
            load_data(spec.run["data"], cols)
        except PbitsimError as exc:
            raise SweepSpecError(f"{src}: [run] data = {spec.run['data']!r}: {exc}") from None
    try:
        build_program(model, chip, spec.seed)
    except PbitsimError as exc:
        raise SweepSpecError(f"{src}: model {spec.model!r} on chip {spec.chip!r}: {exc}") from None


def _check_machine_inputs(spec) -> None:
    """A machine sweep: the model loads on the chip type and fits every point's machine (chips, capacity)."""
    from ..machine.partition import check_fits_machine
    from ..machine.spec import load_machine

    machine = load_machine(spec.machine)
    try:
        model = load_sweep_model(spec.model, machine.chip, spec.seed)
        for point in spec.points():
            check_fits_machine(model.n, machine.with_params(point.param_dict))
    except PbitsimError as exc:
        raise SweepSpecError(f"{spec.source}: model {spec.model!r} on machine {spec.machine!r}: {exc}") from None
