"""Bad input on the command line: exit status 2, one line naming the problem, no traceback, nothing written.

Every case snapshots the working folder before and after: a refused command
must leave it exactly as it was (no output folder, no temporary sibling).
"""
import importlib.resources
import os
import stat
import time

import numpy as np
import pytest

from pbitsim.cli import main
from pbitsim.models import IsingModel


@pytest.fixture(scope="module", autouse=True)
def isolated_colouring_cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PBITSIM_CACHE_DIR", str(tmp_path_factory.mktemp("pbitsim-cache")))
        yield


def tree(root):
    """Every path under ``root`` (links not followed) with its kind, mode and, for files, bytes."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            body = open(p, "rb").read() if stat.S_ISREG(st.st_mode) else os.readlink(p) if os.path.islink(p) else None
            out[os.path.relpath(p, root)] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), body)
    return out


def refused(argv, capsys, root, *needles):
    """Run ``pbitsim argv``: exit 2, exactly one stderr line naming every needle, ``root`` unchanged."""
    before = tree(root)
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"pbitsim {argv[0]}: error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)
    assert tree(root) == before
    return err


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    IsingModel.from_dense(np.array([[0, 0.5], [0.5, 0]]), [0.1, -0.2]).save(tmp_path / "ok.npz")
    return tmp_path


def test_run_out_is_a_file(work, capsys):
    (work / "afile").write_text("keep me")
    refused(["run", "ideal", "--model", "ok.npz", "--sweeps", "10", "--out", "afile"], capsys, work,
            "output directory afile exists and is not a directory")


@pytest.mark.parametrize("args, needle", [
    (["--sweeps", "-10"], "sweeps must be >= 1, got -10"),
    (["--thin", "0"], "thin must be >= 1, got 0"),
    (["--replicas", "0"], "replicas must be >= 1, got 0"),
    (["--burn-in", "-1"], "burn_in must be >= 0, got -1"),
    (["--beta", "nan"], "beta must be finite and >= 0, got nan"),
    (["--sweeps", "5", "--thin", "10"], "thin = 10 is larger than sweeps = 5"),
    (["--engine", "warp"], "--engine 'warp' is not an engine"),
])
def test_run_bad_numbers_fail_before_anything(work, capsys, args, needle):
    refused(["run", "ideal", "--model", "ok.npz", "--out", "r", *args], capsys, work, needle)


def test_run_refuses_a_run_whose_samples_cannot_fit(work, capsys):
    refused(["run", "ideal", "--model", "ok.npz", "--sweeps", str(10**15), "--replicas", "1000", "--out", "r"],
            capsys, work, "stores about", "of samples; this machine has")


def bad_models(d):
    """name -> (writer, expected words): the files a user may hand to --model."""
    def npz(**arrays):
        return lambda p: np.savez(p, **arrays)

    def raw(data):
        return lambda p: open(p, "wb").write(data)

    return {
        "nan.npz": (npz(J=np.array([[0, np.nan], [np.nan, 0]]), h=np.zeros(2)), "non-finite value (nan)"),
        "objects.npz": (npz(J=np.array([[0, 1], [1, 0]], dtype=object), h=np.zeros(2)),
                        "key 'J' holds Python objects"),
        "random.npz": (raw(np.random.default_rng(0).bytes(300)), "not a valid .npz archive"),
        "empty-file.npz": (raw(b""), "not a valid .npz archive (no zip header; empty file)"),
        "truncated.npz": (lambda p: (np.savez(p, J=np.eye(3) - np.eye(3), h=np.zeros(3)),
                                     open(p, "r+b").truncate(60)), "not a valid .npz archive"),
        "single.npz": (lambda p: np.save(open(p, "wb"), np.zeros(3)), "a single .npy array, not an .npz archive"),
        "zero-spins.npz": (npz(J=np.zeros((0, 0)), h=np.zeros(0)), "the model has 0 spins"),
        "words.npz": (npz(J=np.array([["a", "b"], ["c", "d"]]), h=np.zeros(2)), "could not convert string"),
        "offset.npz": (npz(J=np.zeros((2, 2)), h=np.zeros(2), offset=np.zeros(3)), "key 'offset' must be one number"),
        "unknown.npz": (npz(X=np.zeros(2)), "unrecognised keys ['X']"),
    }


@pytest.mark.parametrize("name", sorted(bad_models(None)))
def test_run_bad_model_files(work, capsys, name):
    write, needle = bad_models(work)[name]
    write(str(work / name))
    err = refused(["run", "ideal", "--model", name, "--sweeps", "10", "--out", "r"], capsys, work,
                  f"{name}: ", needle)
    assert "pickled" not in err


def test_model_path_that_is_a_folder_or_missing(work, capsys):
    (work / "folder.npz").mkdir()
    refused(["run", "ideal", "--model", "folder.npz", "--out", "r"], capsys, work, "folder.npz: is a directory")
    refused(["run", "ideal", "--model", "nowhere.npz", "--out", "r"], capsys, work, "nowhere.npz: no such model file")


def test_huge_topology_is_refused_in_under_a_second(work, capsys):
    (work / "huge.toml").write_text('name = "huge"\n[topology]\nkind = "pegasus"\nsize = 100000\n')
    t0 = time.perf_counter()
    refused(["run", "huge.toml", "--sweeps", "10", "--out", "r"], capsys, work,
            'huge.toml: [topology] topology "pegasus": key "size" = 100000', "2.4e+11 p-bits", "this machine has")
    assert time.perf_counter() - t0 < 1.0


# ----------------------------------------------------------------- export --out


@pytest.fixture
def tiny_chip(work):
    """The fpga-sparse-ising datapath on a 3 x 3 King's graph (export in a second)."""
    text = (importlib.resources.files("hardware_models") / "fpga-sparse-ising.toml").read_text()
    text = text.replace('kind = "pegasus"\nsize = 6', 'kind = "king"\nshape = [3, 3]')
    (work / "tiny.toml").write_text(text.replace('name = "fpga-sparse-ising"', 'name = "tiny-fpga"'))
    return "tiny.toml"


def export(chip, out, *extra):
    return ["export", chip, "--out", out, "--golden-phases", "2", "--formats", "mem", *extra]


def test_export_out_is_a_file(work, tiny_chip, capsys):
    (work / "build").write_text("keep me")
    refused(export(tiny_chip, "build"), capsys, work, "output directory build exists and is not a directory")


def test_export_into_a_symlink_to_an_empty_folder_keeps_the_link(work, tiny_chip, capsys):
    (work / "real").mkdir()
    os.symlink("real", work / "build")
    assert main(export(tiny_chip, "build")) == 0
    assert os.path.islink(work / "build") and os.readlink(work / "build") == "real"
    assert (work / "real" / "manifest.json").is_file()
    assert sorted(p.name for p in work.iterdir()) == ["build", "ok.npz", "real", "tiny.toml"]


def test_export_overwrite_through_a_symlink_replaces_the_target_contents(work, tiny_chip, capsys):
    (work / "real").mkdir()
    (work / "real" / "stale.txt").write_text("old build")
    os.symlink("real", work / "build")
    refused(export(tiny_chip, "build"), capsys, work, "output directory build is not empty (1 entries)")
    assert main(export(tiny_chip, "build", "--overwrite")) == 0
    assert os.path.islink(work / "build") and os.readlink(work / "build") == "real"
    assert (work / "real" / "manifest.json").is_file() and not (work / "real" / "stale.txt").exists()
    assert sorted(p.name for p in work.iterdir()) == ["build", "ok.npz", "real", "tiny.toml"]  # no .build.old-*


def test_export_refuses_a_read_only_folder(work, tiny_chip, capsys):
    """``chmod 555``: refused even as root (who passes os.access) from the mode bits; the folder stays as it was."""
    ro = work / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        refused(export(tiny_chip, "ro"), capsys, work, "output directory ro is not writable (mode 555)")
        refused(export(tiny_chip, "ro", "--overwrite"), capsys, work, "is not writable (mode 555)")
        assert stat.S_IMODE(ro.stat().st_mode) == 0o555
    finally:
        ro.chmod(0o755)


def test_export_overwrite_keeps_the_folder_mode(work, tiny_chip, capsys):
    out = work / "build"
    out.mkdir()
    (out / "stale.txt").write_text("x")
    out.chmod(0o750)
    assert main(export(tiny_chip, "build", "--overwrite")) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o750 and not (out / "stale.txt").exists()
