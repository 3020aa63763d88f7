"""`pbitsim train --replicas` sets the persistent replicas; the old `--chains` still works, with a note."""
import json

import numpy as np
import pytest

from pbitsim.cli import main


@pytest.fixture()
def data(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, data=(np.random.default_rng(0).random((12, 6)) < 0.5).astype(np.uint8))
    return path


@pytest.mark.parametrize("argv, replicas, note", [([], 8, False), (["--replicas", "5"], 5, False),
                                                  (["--chains", "3"], 3, True),
                                                  (["--replicas", "5", "--chains", "3"], 5, True)])
def test_replicas_option_and_deprecated_alias(data, tmp_path, capsys, argv, replicas, note):
    out = tmp_path / "w.npz"
    rc = main(["train", "ideal", "--data", str(data), "--out", str(out), "--epochs", "1", "--hidden", "2",
               "--batch", "8", "--snr-estimates", "0", "--no-progress", *argv])
    assert rc == 0
    setup = json.loads((tmp_path / "w.history.json").read_text())["setup"]
    assert setup["replicas"] == replicas and "chains" not in setup
    err = capsys.readouterr().err
    assert ("--chains is deprecated, use --replicas" in err) == note
