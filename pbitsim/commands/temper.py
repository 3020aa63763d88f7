"""`pbitsim temper CHIP --model M --out DIR`: parallel tempering with ladder diagnostics, plots and adaptive ladders."""
from __future__ import annotations

import json
import os

from ..chip.spec import load_chip
from ..errors import PbitsimError
from ..files.atomic import write_json_atomic
from ..models import load_model
from ..tempering import ladder as L
from ..tempering.plots import plot_diagnostics
from ..tempering.temper import temper
from . import add_chip_argument

HELP = "parallel tempering of a model on a chip: swap acceptance, C(beta), replica flow, round trips, ladders"


def add_arguments(parser):
    add_chip_argument(parser)
    parser.add_argument("--model", required=True, help=".npz model (Ising J/h or RBM W/b/c)")
    parser.add_argument("--out", required=True, help="directory for temper.npz, temper.json, ladders and plots")
    parser.add_argument("--ladder", help="ladder file (JSON list or {'betas': [...]}) instead of a geometric one")
    parser.add_argument("--rungs", type=int, default=8, help="rungs of the geometric ladder (default 8)")
    parser.add_argument("--beta-min", type=float, default=0.1, help="hottest beta of the geometric ladder (default 0.1)")
    parser.add_argument("--beta-max", type=float, default=1.0, help="coldest beta of the geometric ladder (default 1)")
    parser.add_argument("--sweeps", type=int, default=2000, help="sweeps per replica after burn-in (default 2000)")
    parser.add_argument("--swap-every", type=int, default=1, help="sweeps between swap passes (default 1)")
    parser.add_argument("--burn-in", type=int, default=200, help="burn-in sweeps per replica (default 200)")
    parser.add_argument("--chains", type=int, default=4, help="independent copies of the ladder (default 4)")
    parser.add_argument("--engine", help="override the chip's clock mode (chromatic, sequential, ...)")
    parser.add_argument("--target", type=float, default=0.2,
                        help="target swap acceptance for the adaptive ladders and rung counts (default 0.2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the run (default 0)")
    parser.add_argument("--no-plots", action="store_true", help="skip temper.png")


def ladder_report(result, target):
    """Adaptive ladders from ``result`` and the rungs each kind needs for ``target`` acceptance."""
    thermo = result.thermodynamics()
    flow = result.flow()
    kinds = ["geometric", "constant_acceptance", "constant_entropy"]
    if flow[0].size >= 3:
        kinds.append("feedback")
    needed = {k: L.rungs_needed(k, thermo, target, flow=flow) for k in kinds}
    ladders = {k: L.adaptive(k, thermo, min(needed[k], L.MAX_RUNGS), flow=flow) for k in kinds if k != "geometric"}
    return needed, ladders


def main(args):
    chip = load_chip(args.chip)
    model = load_model(args.model)
    betas = args.ladder if args.ladder else L.geometric(args.beta_min, args.beta_max, args.rungs)
    if not 0.0 < args.target < 1.0:
        raise PbitsimError(f"--target must be in (0, 1), got {args.target}")
    result = temper(model, chip, betas=betas, sweeps=args.sweeps, swap_every=args.swap_every, burn_in=args.burn_in,
                    chains=args.chains, seed=args.seed, engine=args.engine, progress=True)
    os.makedirs(args.out, exist_ok=True)
    npz, js = result.save(args.out)
    result.ladder.save(os.path.join(args.out, "ladder.json"))
    needed, ladders = ladder_report(result, args.target)
    for kind, lad in ladders.items():
        lad.save(os.path.join(args.out, f"ladder_{kind}.json"))
    write_json_atomic(os.path.join(args.out, "rungs_needed.json"), {"target_acceptance": args.target, **needed})
    d = result.diagnostics
    print(f"{result.engine} on {result.chip}: {result.n_rungs} rungs x {result.n_chains} chains, "
          f"{result.energies.shape[1]} rounds of {result.sweeps_per_round} sweeps ({result.wall_s:.2f} s)")
    print("swap acceptance per pair: " + " ".join(f"{a:.3f}" for a in d.acceptance))
    print(f"round trips: {d.round_trips} (mean {d.round_trip_sweeps:.1f} sweeps)")
    print(f"rungs needed for acceptance >= {args.target}: " + json.dumps(needed))
    if not args.no_plots:
        print(f"wrote {plot_diagnostics(result, os.path.join(args.out, 'temper.png'), title=chip.name)}")
    print(f"wrote {npz}, {js}")
    return 0
