"""`pbitsim sweep SWEEP.toml --out DIR`: run (or resume) a parameter sweep."""
from ..sweep import load_sweep, run_sweep
from ..sweep.checks import check_inputs, check_out_dir

HELP = "run or resume a parameter sweep described in TOML"


def add_arguments(parser):
    parser.add_argument("sweep", help="sweep description (.toml)")
    parser.add_argument("--out", required=True, help="results directory (re-running resumes it)")
    parser.add_argument("--workers", type=int, default=None,
                        help="local processes (default: all cores; 0 = in this process), or Dask workers "
                             "with --scheduler local")
    parser.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786) or 'local' for a "
                        "LocalCluster")
    parser.add_argument("--no-plot", action="store_true", help="skip the plots at the end")


def main(args):
    spec = load_sweep(args.sweep)           # spec, chip and every point's overrides
    check_out_dir(args.out)                  # before any work, nothing created yet
    check_inputs(spec)                       # model, data, metric feasibility
    n = len(spec.points())
    print(f"sweep {spec.name}: {n} points ({len(spec.parameters)} parameters, {spec.repeats} repeats), "
          f"metrics {', '.join(spec.metrics)}")
    rows = run_sweep(spec, args.out, workers=args.workers, scheduler=args.scheduler, log=print,
                     checked=True)
    print(f"{len(rows)}/{n} points done; table in {args.out}/results.csv")
    if not args.no_plot and rows:
        from ..sweep.plots import plot_sweep

        for path in plot_sweep(args.out):
            print(f"wrote {path}")
    return 0
