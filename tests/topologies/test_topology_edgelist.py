"""Edge-list files: format, node count, and errors that cite file and line."""

import pytest

from pbitsim.errors import TopologyError
from pbitsim.topologies import edgelist_graph, topology_graph


def write(tmp_path, text, name="g.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_whitespace_comma_comments_and_blank_lines(tmp_path):
    path = write(tmp_path, "# a triangle plus a tail\n0 1\n\n1,2\n2 , 0  # closing edge\n3\t2\n")
    G = edgelist_graph(path)
    assert G.number_of_nodes() == 4
    assert sorted(map(sorted, G.edges())) == [[0, 1], [0, 2], [1, 2], [2, 3]]
    assert G.graph["family"] == "edgelist"
    assert G.graph["params"] == {"path": str(path)}
    assert all(len(p) == 2 for _, p in G.nodes(data="pos"))


def test_header_keeps_isolated_nodes_and_duplicates_merge(tmp_path):
    G = edgelist_graph(write(tmp_path, "# header\nn 6\n0 1\n1 0\n0 1\n"))
    assert sorted(G.nodes()) == list(range(6))
    assert G.number_of_edges() == 1


def test_inferred_n_is_max_index_plus_one(tmp_path):
    G = edgelist_graph(write(tmp_path, "5 9\n"))
    assert G.number_of_nodes() == 10 and G.number_of_edges() == 1


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("0 1\n1 2 3\n", 2, ["expected one edge"]),
        ("0 1\n\n# c\nfoo bar\n", 4, ["integer"]),
        ("0 1.5\n", 1, ["integer"]),
        ("0 -1\n", 1, ["negative"]),
        ("0 1\n2 2\n", 2, ["self-loop"]),
        ("n 3\n0 3\n", 2, ["out of range", "n = 3"]),
        ("0 1\nn 3\n", 2, ["'n N'"]),
        ("n\n", 1, ["'n N'"]),
        ("7\n", 1, ["expected one edge"]),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path, text, line, words):
    path = write(tmp_path, text)
    with pytest.raises(TopologyError) as info:
        edgelist_graph(path)
    msg = str(info.value)
    assert f"{path}:{line}:" in msg
    for word in words:
        assert word in msg


def test_empty_and_missing_files(tmp_path):
    with pytest.raises(TopologyError, match="empty"):
        edgelist_graph(write(tmp_path, "# nothing\n\n"))
    with pytest.raises(TopologyError, match="missing.txt"):
        edgelist_graph(tmp_path / "missing.txt")


def test_dispatcher_resolves_relative_path_against_base_dir(tmp_path):
    sub = tmp_path / "chips"
    sub.mkdir()
    write(sub, "0 1\n", name="edges.txt")
    G = topology_graph("edgelist", {"path": "edges.txt"}, base_dir=sub)
    assert G.number_of_edges() == 1
    absolute = str(sub / "edges.txt")
    assert topology_graph("edgelist", {"path": absolute}, base_dir="/nonexistent").number_of_edges() == 1
