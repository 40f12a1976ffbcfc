"""No import circles: the import graph of the integration, read from the source with ast.

Every ``import``/``from ... import`` of a module of the package counts, including the
deferred ones inside functions (they hide real circles, they only run later); imports
under ``if TYPE_CHECKING:`` do not (they never run). Importing ``a.b.c`` counts as an
edge to ``a.b.c`` only, and ``from . import sibling`` to the sibling only: a package's
``__init__`` runs before its modules, so being inside it is no dependency on it, while
``from . import name`` of a name the ``__init__`` defines is. The engine must be
strictly circle-free; so must the Home Assistant glue, but for the known circles
listed below, which may only go away.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGE = "custom_components.snoop_guard"
ENGINE = f"{PACKAGE}.engine"

# Modules of the Home Assistant glue that still take part in an import circle; when one
# leaves every circle, delete it here, and never add one. Empty now: the circles
# coordinator <-> scanning and device_owner -> coordinator -> scanning -> device_owner
# are gone (the scan monitor and device ownership get what they need injected).
KNOWN_GLUE_CYCLES: frozenset[str] = frozenset()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    base = ROOT / Path(*PACKAGE.split("."))
    return {_module_name(path): path for path in sorted(base.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that runs (anywhere but in an ``if TYPE_CHECKING:`` body)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def _targets(
    module: str, is_package: bool, node: ast.Import | ast.ImportFrom, modules: Collection[str]
) -> Iterator[str]:
    """The modules a statement imports.

    ``from x import a``: ``x.a`` when it is a module, else ``x`` (a name defined in
    ``x``), even when ``x`` is the importer's own package (``from . import name``).
    """
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    if node.level:
        anchor = module.split(".")
        drop = node.level - 1 if is_package else node.level
        base = ".".join(anchor[: len(anchor) - drop])
        source = f"{base}.{node.module}" if node.module else base
    else:
        source = node.module or ""
    names = [f"{source}.{alias.name}" for alias in node.names]
    yield from (name for name in names if name in modules)
    if not module.startswith(f"{source}.") or any(name not in modules for name in names):
        yield source  # a package's __init__ runs before its modules: no edge for that alone


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        edges = graph.setdefault(module, set())
        for node in _imports(tree):
            edges.update(
                target
                for target in _targets(module, is_package, node, modules)
                if target in modules and target != module
            )
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _in_engine(module: str) -> bool:
    return module == ENGINE or module.startswith(f"{ENGINE}.")


def test_the_graph_sees_relative_absolute_and_deferred_imports() -> None:
    graph = _graph()
    assert f"{ENGINE}.scan.detector" in graph[f"{ENGINE}.scan"]  # from .detector import
    assert f"{ENGINE}.arp" in graph[f"{ENGINE}.scan.detector"]  # from ..arp import
    assert f"{ENGINE}.psl" in graph[f"{ENGINE}.compiled"]  # from . import psl
    assert f"{ENGINE}.compiled" in graph[f"{PACKAGE}.knowledge"]  # from .engine.compiled
    # TYPE_CHECKING-only: backends/dnsmasq names the matcher type but never imports it
    assert f"{ENGINE}.trackers" not in graph[f"{PACKAGE}.backends.dnsmasq"]


def test_finds_a_circle_through_a_deferred_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_engine_has_no_import_circles() -> None:
    graph = _graph()
    engine = {
        module: {target for target in targets if _in_engine(target)}
        for module, targets in graph.items()
        if _in_engine(module)
    }
    assert len(engine) > 20
    assert _cycles(engine) == []


def test_the_glue_has_no_new_import_circles_and_the_known_ones_only_shrink() -> None:
    in_cycles = {module for component in _cycles(_graph()) for module in component}
    new = sorted(in_cycles - KNOWN_GLUE_CYCLES)
    assert new == [], f"new import circle through {new}"
    gone = sorted(KNOWN_GLUE_CYCLES - in_cycles)
    assert gone == [], f"{gone} left every import circle: remove them from KNOWN_GLUE_CYCLES"
