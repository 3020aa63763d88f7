"""`pbitsim compile`: report printed, program written, one-line errors with exit status 2."""
import numpy as np
import pytest

from pbitsim.cli import main
from pbitsim.export import read_export
from pbitsim.models import RBM, IsingModel, load_model
from pbitsim.compiler.program import Program


@pytest.fixture(scope="module", autouse=True)
def isolated_colouring_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PBITSIM_CACHE_DIR", str(tmp_path_factory.mktemp("pbitsim-cache")))
        yield


@pytest.fixture
def rbm_file(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "rbm.npz"
    RBM(rng.normal(0, 0.5, (8, 4)), rng.normal(0, 0.2, 8), rng.normal(0, 0.2, 4)).save(path)
    return path


def one_line_error(capsys):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("pbitsim compile: error: ")
    return err


def test_compile_prints_the_report_and_writes_the_program(tmp_path, rbm_file, capsys):
    out = tmp_path / "program.npz"
    assert main(["compile", "fpga-sparse-ising", "--model", str(rbm_file), "--out", str(out), "--seed", "1"]) == 0
    text = capsys.readouterr().out
    for key in ("p-bits used", "chain length", "chain strength", "scale", "max |J|", "quant. RMS err",
                "clipped", "colours", f"wrote {out}"):
        assert key in text
    p = Program.load(out)
    assert p.n_logical == 12 and p.chip.name == "fpga-sparse-ising" and p.rbm is not None
    assert p.report["seed"] == 1 and "p-bits used     12 of 680" in text


def test_compile_options_reach_the_compiler(tmp_path, capsys):
    k6 = tmp_path / "k6.npz"    # Pegasus has no 6-clique: K6 needs chains
    IsingModel.from_dense(np.ones((6, 6)) - np.eye(6), np.full(6, 0.5)).save(k6)
    out = tmp_path / "p.npz"
    assert main(["compile", "fpga-sparse-ising", "--model", str(k6), "--out", str(out), "--method", "embed",
                 "--scale", "4", "--chain-strength", "2", "--timeout", "10", "--seed", "3"]) == 0
    p = Program.load(out)
    r = p.report
    assert r["scale"] == 4.0 and r["placement"] == "minorminer" and r["seed"] == 3 and p.is_embedded
    assert r["chain_strength"] == 2.0 and p.chain_strength == 8.0     # 2 x scale 4, on the grid
    assert main(["compile", "fpga-sparse-ising", "--model", str(k6), "--method", "embed", "--percentile", "50",
                 "--chain-strength", "2"]) == 0
    assert "percentile 50" in capsys.readouterr().out


def test_too_many_variables(tmp_path, capsys):
    path = tmp_path / "big.npz"
    IsingModel.from_edges([0], [1], [1.0], n=700).save(path)
    assert main(["compile", "fpga-sparse-ising", "--model", str(path)]) == 2
    assert "model has 700 spins, chip 'fpga-sparse-ising' has 680 p-bits" in one_line_error(capsys)


def test_embedding_time_limit(tmp_path, capsys):
    path = tmp_path / "rbm64.npz"
    RBM(np.ones((64, 32)), np.zeros(64), np.zeros(32)).save(path)
    assert main(["compile", "fpga-sparse-ising", "--model", str(path), "--method", "embed", "--timeout", "1"]) == 2
    err = one_line_error(capsys)
    assert "no minor embedding found" in err and "96 spins" in err and "680 p-bits" in err
    assert "time limit 1 s" in err


@pytest.mark.parametrize("make, match", [
    (lambda p: None, "no such model file"),
    (lambda p: np.savez(p, W=np.array([[np.nan, 1.0]]), b=np.zeros(1), c=np.zeros(2)), "non-finite value"),
    (lambda p: np.savez(p, W=np.ones((2, 2)), b=np.zeros(3), c=np.zeros(2)), "has length 3, expected 2"),
])
def test_bad_model_files(tmp_path, capsys, make, match):
    path = tmp_path / "m.npz"
    make(path)
    assert main(["compile", "fpga-sparse-ising", "--model", str(path)]) == 2
    assert match in one_line_error(capsys)


def test_unknown_chip_and_method(rbm_file, capsys):
    assert main(["compile", "no-such-chip", "--model", str(rbm_file)]) == 2
    assert "unknown chip 'no-such-chip'" in one_line_error(capsys)
    with pytest.raises(SystemExit) as info:
        main(["compile", "ideal", "--model", str(rbm_file), "--method", "magic"])
    assert info.value.code == 2


def test_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["compile", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--model", "--out", "--method", "--seed", "--scale", "--percentile", "--chain-strength", "--timeout"):
        assert flag in out


# ----------------------------------------------------------------- every command compiles through ps.compile
def wide_rbm_file(tmp_path, n_visible=3, n_hidden=16, seed=0):
    """A visible unit with 16 hidden neighbours: Pegasus p-bits have degree <= 15, so it needs a chain."""
    rng = np.random.default_rng(seed)
    path = tmp_path / "wide.npz"
    RBM(rng.normal(0, 0.5, (n_visible, n_hidden)), rng.normal(0, 0.2, n_visible),
        rng.normal(0, 0.2, n_hidden)).save(path)
    return path


def test_export_compiles_a_model_that_needs_embedding(tmp_path, capsys):
    """Before: "44 of 48 coupled pairs are not edges of the chip graph"; now embedded as pbitsim compile does."""
    out = tmp_path / "export"
    assert main(["export", "fpga-sparse-ising", "--model", str(wide_rbm_file(tmp_path)), "--out", str(out),
                 "--formats", "mem", "--golden-phases", "2"]) == 0
    text = capsys.readouterr().out
    program = read_export(out, verify=True)
    assert program.is_embedded and program.n_logical == 19 and program.n_physical > 19
    assert program.report["placement"] == "minorminer" and program.beta_factor < 1
    assert f"p-bits      {program.n_physical} in" in text


def test_train_on_the_fpga_chip_embeds_the_rbm(tmp_path, capsys):
    """Before: the same "44 of 48 coupled pairs are not edges" error; now the RBM is embedded once."""
    data = tmp_path / "data.npz"
    np.savez(data, data=(np.random.default_rng(1).random((12, 3)) < 0.5).astype(np.int8))
    out = tmp_path / "w.npz"
    assert main(["train", "fpga-sparse-ising", "--data", str(data), "--hidden", "16", "--epochs", "1",
                 "--batch", "6", "--snr-estimates", "0", "--out", str(out), "--no-progress"]) == 0
    rbm = load_model(out)
    assert isinstance(rbm, RBM) and rbm.W.shape == (3, 16) and np.all(np.isfinite(rbm.W))
    assert "recon err" in capsys.readouterr().out
