"""The package's module-level imports form no cycle (data flows one way: chip -> compiler -> engines -> ...).

Built from the source with :mod:`ast`, not by importing: an edge ``a -> b`` is
an ``import``/``from ... import`` of pbitsim module ``b`` in ``a``'s body
outside any function.  Imports deferred into functions do not count (they are
the usual way to hide a cycle, and are listed by ``function_level_imports`` for
review).
"""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pbitsim"


def _modules():
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        mods[".".join(parts)] = path
    return mods


def _targets(module, node, is_package, mods):
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = module if is_package else module.rsplit(".", 1)[0]
    if node.level:
        parts = base.split(".")
        base = ".".join(parts[:len(parts) - (node.level - 1)])
        target = base + ("." + node.module if node.module else "")
    else:
        target = node.module
    return [target] + [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in mods]


def import_graph():
    """``(graph, hidden)``: module -> set of pbitsim modules imported at module level, and the
    ``(file, line)`` of every import inside a function."""
    mods = _modules()
    graph, hidden = {}, []
    for name, path in mods.items():
        deps = set()

        def visit(node, in_function):
            for child in ast.iter_child_nodes(node):
                inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    if inner:
                        hidden.append((str(path.relative_to(ROOT)), child.lineno))
                    else:
                        deps.update(t for t in _targets(name, child, path.name == "__init__.py", mods)
                                    if t in mods and t != name)
                visit(child, inner)

        visit(ast.parse(path.read_text(encoding="utf-8")), False)
        graph[name] = deps
    return graph, hidden


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def test_no_import_cycles():
    graph, _ = import_graph()
    assert len(graph) > 50
    assert cycles(graph) == [], "module-level import cycles: " + "; ".join(" <-> ".join(c) for c in cycles(graph))


def test_cycle_finder_finds_a_cycle():
    """Power check: a two-module and a three-module cycle are found, a chain is not."""
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    graph, _ = import_graph()
    assert "pbitsim.compiler.program" in graph["pbitsim.compiler.pipeline"]
