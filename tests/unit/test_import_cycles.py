"""No import cycles in connector/: between modules, nor between the top-level parts (the
layers of DESIGN.md: `connector.domain`, `connector.sync`, `connector.settings`, ...).

A cycle makes the import order matter (a half-initialised module raises ImportError or, worse,
hands out a name bound to None) and blurs which layer depends on which. Imports inside functions
count (they only defer the cycle); imports under `if TYPE_CHECKING:` do not run and do not
count. The graph is read from the source with `ast`, so the test needs no third-party tool.
"""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.factories import REPO

PACKAGE = "connector"


def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in (REPO / PACKAGE).rglob("*.py"):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(node: ast.AST, module: str, is_package: bool, known: dict[str, Path]) -> list[str]:
    """The connector modules one import statement names (`from a import b` names module a.b
    when b is one, else module a)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            anchor = module.split(".") if is_package else module.split(".")[:-1]
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    return []


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """Every statement that runs at some point: all of them but `if TYPE_CHECKING:` blocks."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def import_graph() -> dict[str, set[str]]:
    """Module -> the connector modules it imports. Reaching one's own package only to get to a
    sibling (`from connector.sync import plan`, `import connector.sync.plan`) is left out:
    Python imports the parents first anyway, and a package re-exporting its submodules is no
    cycle. Taking a name defined in the package's `__init__` is kept: that reads the package."""
    known = modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _statements(tree):
            for named in _imported(node, name, path.name == "__init__.py", known):
                target = named
                while target and target not in known:
                    target = target.rpartition(".")[0]
                if not target or target == name:
                    continue
                # an ancestor counts when the statement named it itself (a name from its
                # __init__), not when it is only on the way to a submodule
                if name.startswith(target + ".") and named != target:
                    continue
                if name.startswith(target + ".") and isinstance(node, ast.Import):
                    continue
                graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_the_checker_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_a_name_taken_from_ones_own_package_init_counts(tmp_path, monkeypatch):
    package = tmp_path / PACKAGE / "kit"
    package.mkdir(parents=True)
    (tmp_path / PACKAGE / "__init__.py").write_text("")
    (package / "__init__.py").write_text("from connector.kit.part import Part\nLIMIT = 1\n")
    (package / "part.py").write_text("from connector.kit import LIMIT\nPart = LIMIT\n")
    (package / "other.py").write_text("from connector.kit import part\n")
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)  # read the toy package
    graph = import_graph()
    assert graph["connector.kit.part"] == {"connector.kit"}
    assert graph["connector.kit.other"] == {"connector.kit.part"}
    assert cycles(graph) == [["connector.kit", "connector.kit.part"]]


def test_the_graph_holds_known_imports():
    graph = import_graph()
    assert "connector.domain.history" in graph["connector.domain.scoring"]
    assert "connector.durations" in graph["connector.settings"]


def test_no_module_imports_itself_through_others():
    assert cycles(import_graph()) == []


def test_no_layer_imports_itself_through_others():
    layers: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        layers.setdefault(layer(module), set()).update(
            layer(target) for target in targets if layer(target) != layer(module)
        )
    assert cycles(layers) == []
