"""Benchmark result rows (pbitsim.bench.report) and the command line that prints them (pbitsim.bench.cli)."""
import argparse

import pytest

from pbitsim.bench import cli
from pbitsim.bench.report import add_ratios, format_table, machine_info


def _row(graph, engine, ns, replicas=1):
    return dict(graph=graph, n=10, engine=engine, replicas=replicas, sweeps=8, ns_per_update=ns, note=engine)


def test_ratios_are_fastest_peer_over_each_row_per_graph():
    rows = [_row("a", "pbitsim", 2.0), _row("a", "pbitsim", 0.5, 64), _row("a", "dwave", 8.0),
            _row("a", "openjij", 4.0), _row("a", "thrml", None), _row("b", "pbitsim", 3.0), _row("b", "dwave", None)]
    add_ratios(rows)
    got = [r["speedup_vs_best_peer"] for r in rows]
    assert got == [2.0, 8.0, 0.5, 1.0, None, None, None]      # best peer on "a" is openjij (4 ns)
    table = format_table(rows).splitlines()
    assert table[0].startswith("| graph | n | engine |") and len(table) == 2 + len(rows)
    assert "| a | 10 | pbitsim | 1 | 2.00 | 2.00 | pbitsim |" in table
    assert "| b | 10 | dwave | 1 | - | - | dwave |" in table


def test_machine_info_keys():
    info = machine_info()
    assert set(info) == {"cpu", "cpus", "numba_threads", "python", "numba"} and info["numba_threads"] >= 1


def _parse(argv):
    return cli.add_arguments(argparse.ArgumentParser()).parse_args(argv)


def test_options_parse_and_reject_unknown_names():
    args = _parse(["--graphs", "pegasus16", "--replicas", "1,8", "--peers", "", "--no-hardware"])
    assert args.graphs == ["pegasus16"] and args.replicas == [1, 8] and args.peers == [] and args.hardware is False
    with pytest.raises(SystemExit):
        _parse(["--graphs", "pegasus17"])
    with pytest.raises(SystemExit):
        _parse(["--peers", "dwave,nonesuch"])


@pytest.mark.parametrize("argv, reason", [(["--sweeps", "2"], "--sweeps must be >= 4"),
                                          (["--replicas", "0"], "--replicas and --repeats must be >= 1")])
def test_bad_values_stop_before_any_timing(argv, reason):
    with pytest.raises(SystemExit, match=reason):
        cli.run_from_args(_parse(argv))
