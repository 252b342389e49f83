"""The import graph of aid/ has no cycle, counting imports inside functions too.

A cycle dodged with an import inside a function still ties the two modules together: each
needs the other to be understood, tested or moved. Layers flow one way (DESIGN.md):
web and jobs → services → matching, models, adapters.
"""
import ast
from pathlib import Path

AID = Path(__file__).resolve().parents[2] / "aid"


def _module_name(path):
    parts = path.relative_to(AID.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in AID.rglob("*.py")}


def _imports(name, path):
    """The aid modules `name` imports, wherever in the file the import stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:  # `from aid.services import work` names the module aid.services.work
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _without_packages(graph):
    """Edges into a package's __init__ stand for its public names, not for every submodule it
    gathers: leave out the __init__ modules' own imports, which only re-export."""
    packages = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    return {name: set() if name in packages and name != "aid" else targets for name, targets in graph.items()}


def test_the_import_graph_finds_the_modules_it_should():
    assert "aid.services.work" in GRAPH["aid.services.matches"]
    assert "aid.edge" in GRAPH["aid.services.work"]


def test_aid_has_no_import_cycle():
    graph = _without_packages(GRAPH)
    graph["aid"] = set()  # the app factory imports every blueprint by design
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_matching_engine_imports_nothing_of_the_app_but_itself():
    for name, targets in GRAPH.items():
        if name.startswith("aid.matching"):
            assert {t for t in targets if not t.startswith("aid.matching")} <= {"aid"}, name
