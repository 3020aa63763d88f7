"""The docs name only things that exist: dotted ``pbitsim.x.y`` names, ``ps.name`` and repository paths.

Every ``pbitsim.a.b.c`` in ``docs/*.md`` and ``README.md`` must import as a
module or resolve as an attribute of the longest importable prefix; every
``ps.name`` (``import pbitsim as ps``) must be an attribute of ``pbitsim``;
every repository path (``pbitsim/...``, ``tests/...``, ``scripts/...``,
``hardware_models/...``, ``docs/...``) must exist; ``docs/cli.md`` must be the
parsers' current ``--help`` text.  A module moved without its
docs fails here, naming the document and the line.
"""
import importlib
import pathlib
import re

import pytest

import pbitsim
import pbitsim.cli

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]

DOTTED = re.compile(r"\bpbitsim(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
ALIAS = re.compile(r"(?<![\w.])ps\.([A-Za-z_][A-Za-z0-9_]*)")
PATH = re.compile(r"(?<![\w/.-])(?:pbitsim|tests|scripts|hardware_models|docs)/[A-Za-z0-9_./-]*[A-Za-z0-9_]")


def _occurrences(pattern):
    found = {}
    for doc in DOCS:
        for lineno, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            for m in pattern.finditer(line):
                found.setdefault(m.group(0), f"{doc.relative_to(ROOT)}:{lineno}")
    return sorted(found.items())


def resolve(dotted):
    """The object a dotted name means: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ModuleNotFoundError as exc:
            if exc.name is None or not ".".join(parts[:k]).startswith(exc.name):
                raise  # the module exists but one of its own imports is missing: a real error
            continue
        for attr in parts[k:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_docs_are_found():
    assert len(DOCS) >= 5 and all(d.exists() for d in DOCS)
    assert len(_occurrences(DOTTED)) >= 10 and len(_occurrences(PATH)) >= 10


@pytest.mark.parametrize("name, where", _occurrences(DOTTED))
def test_dotted_name_resolves(name, where):
    try:
        resolve(name)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"{where}: {name} does not resolve ({type(exc).__name__}: {exc})")


@pytest.mark.parametrize("name, where", _occurrences(ALIAS))
def test_ps_name_is_public(name, where):
    assert hasattr(pbitsim, name.split(".", 1)[1]), f"{where}: {name} is not an attribute of pbitsim"


@pytest.mark.parametrize("path, where", _occurrences(PATH))
def test_repository_path_exists(path, where):
    assert (ROOT / path).exists(), f"{where}: {path} does not exist"


def test_checker_rejects_stale_names():
    """Power check: the resolver fails on a moved module and on a missing attribute."""
    assert resolve("pbitsim.analysis.exact.exact_law") is pbitsim.exact_law
    with pytest.raises((ImportError, AttributeError)):
        resolve("pbitsim.no_such_module.thing")
    with pytest.raises(AttributeError):
        resolve("pbitsim.analysis.exact.no_such_function")
    assert [m.group(0) for m in PATH.finditer("see `pbitsim/timing.py` and tests/x_test.py")] == \
        ["pbitsim/timing.py", "tests/x_test.py"]


def test_cli_reference_is_current(monkeypatch):
    """``docs/cli.md`` is the parsers' own ``--help`` text (regenerate it as its first line says)."""
    monkeypatch.setenv("COLUMNS", "100")
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert text.strip() == pbitsim.cli.reference_markdown().strip(), \
        'docs/cli.md is stale: python -c "import pbitsim.cli as c; print(c.reference_markdown())" > docs/cli.md'
