"""Parameter sweeps over chip descriptions: spec (TOML), runner (local pool / Dask), metrics."""
from .runner import collect_table, run_sweep
from .spec import SweepSpec, SweepSpecError, load_sweep, parse_sweep

__all__ = ["SweepSpec", "SweepSpecError", "collect_table", "load_sweep", "parse_sweep", "run_sweep"]
