"""A model compiled onto a multi-chip machine: a :class:`MachineProgram` (Program + partition + links).

:func:`compile_machine` is what ``pbitsim.compile(model, machine)`` runs when
its target is a :class:`~pbitsim.machine.spec.MachineSpec` (or a machine name /
file):

1. checks before any work: ``K <= n`` and ``n <= K * capacity``;
2. compiles the model onto the chip type as one fabric holding the model's
   own graph (:attr:`MachineSpec.event_chip`: the chip type's datapath,
   formats, RNG, clock and timing; quantization, colouring as for one chip);
3. partitions the coupling graph over the ``K`` chips (METIS, minimum cut,
   :mod:`pbitsim.machine.partition`);
4. routes every cut coupling over the links and derives each synapse's link
   delay and exchange period (:mod:`pbitsim.machine.links`).

The result is a :class:`~pbitsim.compiler.program.Program` (every engine,
analysis and export reads it as one), plus ``machine``, ``partition`` and
``links``; ``pbitsim.simulate`` runs it on the event engine, which reads
cross-chip neighbours through the links.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..compiler.program import Program
from ..errors import PbitsimError
from .links import LinkPlan, plan_links
from .partition import Partition, check_fits_machine, partition_model
from .spec import MachineSpec, load_machine

__all__ = ["MachineProgram", "compile_machine", "format_machine_report"]


@dataclass(frozen=True, eq=False)
class MachineProgram(Program):
    """A :class:`Program` whose p-bits are spread over the chips of a machine.

    Attributes (besides the Program's)
    ----------------------------------
    machine : MachineSpec
    partition : Partition
        ``partition.part[i]``: chip of physical p-bit ``i``.
    links : LinkPlan
        Per-CSR-entry link offsets and exchange periods, and the link traffic.
    """

    machine: MachineSpec | None = None
    partition: Partition | None = None
    links: LinkPlan | None = None

    def save(self, path):
        """Refused: a program file holds one chip, and would silently drop the machine, partition and links."""
        raise PbitsimError(f"{path}: a machine program cannot be saved as a program file (it would lose the "
                           f"machine, partition and links); compile it again from the model and the machine "
                           f"file (compile_machine is deterministic for a given seed)")


def update_interval_ns(chip, n_colours) -> float:
    """Mean time between two updates of one p-bit: the neuron time, or one clock period over all colours."""
    if chip.clock.mode == "asynchronous":
        return float(chip.timing.neuron_time_ns)
    return max(int(n_colours), 1) * 1e3 / float(chip.clock.frequency_mhz)


def compile_machine(model, machine, *, method="auto", mapping=None, seed=0, scale=None, percentile=100.0,
                    colouring=None) -> MachineProgram:
    """Compile ``model`` onto ``machine`` (module docstring); deterministic for a given ``seed``.

    ``method`` must be ``auto`` or ``identity`` and ``mapping`` None: every chip takes its part of the
    model's own graph (the partition is the placement).

    ``seed`` seeds stochastic rounding (as for one chip) and METIS.  The report
    (``program.report``) adds ``machine``, ``partition`` (chips, couplings, cut,
    ``eta``, per-chip load, imbalance) and ``links`` (exchange period, per link
    direction: boundary spins, serialization delay, spins/ns needed vs bandwidth).
    """
    from ..compiler.logical import as_logical
    from ..compiler.pipeline import compile_model

    if method not in ("auto", "identity") or mapping is not None:
        raise PbitsimError(f"a machine takes the model's own graph, partitioned over its chips: method must be "
                           f"'auto' or 'identity' and no mapping given (got method={method!r})")
    machine = load_machine(machine)
    logical = as_logical(model).ising
    check_fits_machine(logical.n, machine)
    program = compile_model(model, machine.event_chip, method="identity", scale=scale, percentile=percentile,
                            seed=seed, colouring=colouring)
    indptr, indices, _ = program.physical.csr()
    partition = partition_model(indptr, indices, machine.count, seed=seed, capacity=machine.capacity,
                                name=machine.name)
    plan = plan_links(machine, partition, indptr, indices,
                      update_interval_ns(program.chip, program.colouring.n_colours))
    report = {**program.report, "machine": machine.name, "n_chips": machine.count,
              "capacity": machine.capacity, "partition": partition.report(), "links": plan.report()}
    fields = {f.name: getattr(program, f.name) for f in dataclasses.fields(Program) if f.init}
    fields["report"] = report
    return MachineProgram(**fields, machine=machine, partition=partition, links=plan)


def format_machine_report(program: MachineProgram) -> str:
    """Human-readable lines: machine, partition (eta, loads) and every link direction's traffic."""
    m, p, rep = program.machine, program.partition.report(), program.links.report()
    cap = "unlimited" if m.capacity is None else m.capacity
    lines = [m.summary(),
             f"partition       {p['n_chips']} chips, loads {p['load']} (capacity {cap}, imbalance "
             f"{p['imbalance']:.3f}), METIS seed {p['seed']}",
             f"cut             {p['cut_edges']} of {p['n_edges']} couplings: eta = {p['eta']:.4f}",
             f"exchange        period {rep['exchange_period_ns']:.4g} ns (0 = every update), p-bit update "
             f"interval {rep['update_interval_ns']:.4g} ns",
             "link  boundary spins  latency ns  serial. ns  needed/ns  bandwidth/ns  utilisation"]
    for h in rep["links"]:
        if h["boundary_spins"]:
            lines.append(f"{h['from']:>2}->{h['to']:<2} {h['boundary_spins']:>14}  {h['latency_ns']:>10.4g}  "
                         f"{h['serialization_ns']:>10.4g}  {h['needed_spins_per_ns']:>9.4g}  "
                         f"{h['bandwidth_spins_per_ns']:>12.4g}  {h['utilisation']:>11.3f}")
    if rep["oversubscribed"]:
        lines.append(f"warning         links {', '.join(rep['oversubscribed'])} need more than their bandwidth: "
                     "boundary states queue up (the serialization delay models the wait)")
    return "\n".join(lines)
