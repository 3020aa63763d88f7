"""The registry-wide conformance suite: every registered engine, every kernel path, its exact reference law.

Each case asserts the law, the power check (rejected at beta * 1.1) and, for
synchronous dynamics (naive parallel, clocked reads one phase stale), that
Boltzmann is rejected.  Cases come from the registry, so a newly registered
engine is tested here without editing this file.
"""
import pytest

from pbitsim.engines import registry
from pbitsim.engines.registry import ENGINES, Engine, EnginePath
from pbitsim.testing.engine_suite import check_case, suite_cases

CASES = suite_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_engine_path_samples_its_reference_law(case):
    check_case(case)


def test_every_registered_engine_and_path_is_a_case():
    ids = {c.id for c in CASES}
    assert ids == {f"{name}-{p.name}" for name, e in ENGINES.items() for p in e.paths}
    for required in ("chromatic-ideal/single", "chromatic-ideal/replica_major", "chromatic-datapath/fast",
                     "chromatic-datapath/generic", "sequential-ideal", "naive_parallel-ideal",
                     "clocked-ideal", "clocked-ideal/delayed", "asynchronous-ideal", "asynchronous-ideal/delayed",
                     "clocked-datapath", "asynchronous-datapath"):
        assert required in ids
    naive = next(c for c in CASES if c.id == "naive_parallel-ideal")
    assert not naive.boltzmann_expected                      # shown to fail Boltzmann, not hidden


def test_a_new_engine_joins_the_suite_when_registered(monkeypatch):
    class Copy(Engine):  # sequential Gibbs under a new name
        name, description, paths = "copy_of_sequential", "test engine", (EnginePath("ideal"),)

        def run(self, program, schedule, options):
            return ENGINES["sequential"].run(program, schedule, options)

    monkeypatch.setattr(registry, "ENGINES", dict(ENGINES))
    registry.register(Copy())
    new = [c for c in suite_cases(registry.ENGINES) if c.engine == "copy_of_sequential"]
    assert len(new) == 1 and new[0].reference == "boltzmann"
    check_case(new[0])


def test_a_broken_engine_fails_the_suite(monkeypatch):
    """An engine that claims Gibbs but updates all p-bits at once is caught."""
    class Broken(Engine):
        name, description, paths = "broken", "naive parallel claiming Boltzmann", (EnginePath("ideal"),)

        def run(self, program, schedule, options):
            return ENGINES["naive_parallel"].run(program, schedule, options)

    monkeypatch.setattr(registry, "ENGINES", dict(ENGINES))
    registry.register(Broken())
    (case,) = [c for c in suite_cases(registry.ENGINES) if c.engine == "broken"]
    with pytest.raises(AssertionError):
        check_case(case)
