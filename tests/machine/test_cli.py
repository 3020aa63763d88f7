"""`pbitsim partition MACHINE` and `pbitsim run MACHINE`."""
import json

import numpy as np

from pbitsim.cli import main
from pbitsim.models import IsingModel, save_model
from pbitsim.testing.engine_suite import random_ising


def test_partition_reports_eta_loads_and_links(tmp_path, capsys):
    model = tmp_path / "m.npz"
    save_model(random_ising(40, seed=2, density=0.2), str(model))
    out = tmp_path / "report.json"
    assert main(["partition", "async-pair", "--model", str(model), "--seed", "3", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "async-pair: 2 x smtj-async" in text and "eta = " in text and "0->1" in text
    rep = json.loads(out.read_text())
    assert sum(rep["partition"]["load"]) == 40 and rep["n_p_bits"] == 40
    assert 0 < rep["partition"]["eta"] < 1 and rep["links"]["exchange_period_ns"] > 0
    again = tmp_path / "again.json"
    main(["partition", "async-pair", "--model", str(model), "--seed", "3", "--json", str(again)])
    assert json.loads(again.read_text()) == rep                 # deterministic from the seed


def test_run_on_a_machine(tmp_path, capsys):
    model = tmp_path / "m.npz"
    save_model(IsingModel.from_dense(np.array([[0, 1, 0], [1, 0, -1], [0, -1, 0]])), str(model))
    assert main(["run", "fpga-quad", "--model", str(model), "--sweeps", "50", "--burn-in", "5"]) == 2
    assert "has 4 chips but the model has only 3 p-bits" in capsys.readouterr().err
    assert main(["run", "async-pair", "--model", str(model), "--sweeps", "50", "--burn-in", "5",
                 "--replicas", "2"]) == 0
    text = capsys.readouterr().out
    assert "machine     async-pair: 2 chips" in text and "asynchronous" in text
