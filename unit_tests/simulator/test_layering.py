"""The simulator is layered like a library: no import cycles, handlers on top, only public names across modules.

Module-level imports (outside ``if TYPE_CHECKING:``) form the import graph; it must have no strongly connected
component of more than one module. ``routes.load_handlers`` imports the handlers package dynamically: no module
outside ``handlers/`` imports it by name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = "pinterest_simulator"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports run when the module is imported: the body, into if/try/with blocks, not functions or classes."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node):
                yield from _module_level_imports(node.body)
            yield from _module_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _module_level_imports(block)
        elif isinstance(node, ast.With):
            yield from _module_level_imports(node.body)


def _targets(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str | None]]:
    """``(module, imported name or None)`` pairs of one import statement (absolute imports only)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name, None
    elif node.level == 0 and node.module is not None:
        for alias in node.names:
            yield node.module, alias.name


def _imported_modules(node: ast.Import | ast.ImportFrom) -> set[str]:
    """The package modules an import statement loads (``from pkg import submodule`` loads the submodule)."""
    out = set()
    for module, name in _targets(node):
        if name is not None and f"{module}.{name}" in MODULES:
            out.add(f"{module}.{name}")
        elif module in MODULES:
            out.add(module)
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules its module-level imports load."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = set().union(*(_imported_modules(node) for node in _module_level_imports(tree.body)))
    return graph


def strongly_connected_components(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; components in reverse topological order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _all_imports(path: Path) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def test_the_import_graph_has_no_cycles() -> None:
    graph = import_graph()
    cycles = [component for component in strongly_connected_components(graph) if len(component) > 1]
    cycles += [[name] for name, imported in graph.items() if name in imported]
    assert not cycles


def test_the_graph_sees_the_layers() -> None:
    graph = import_graph()
    assert "pinterest_simulator.report_jobs" in graph["pinterest_simulator.server"]
    assert "pinterest_simulator.metrics" in graph["pinterest_simulator.report_jobs"]
    assert "pinterest_simulator.server" not in graph["pinterest_simulator.routes"]  # a TYPE_CHECKING import


@pytest.mark.parametrize("module", [name for name in MODULES if not name.startswith(f"{PACKAGE}.handlers")])
def test_only_handlers_import_handlers(module: str) -> None:
    imported = {target for node in _all_imports(MODULES[module]) for target, _ in _targets(node)}
    assert not {target for target in imported if target.startswith(f"{PACKAGE}.handlers")}


@pytest.mark.parametrize("module", list(MODULES))
def test_only_public_names_are_imported_across_modules(module: str) -> None:
    private = [
        f"{target}.{name}"
        for node in _all_imports(MODULES[module])
        for target, name in _targets(node)
        if target.startswith(PACKAGE) and name is not None and name.startswith("_")
    ]
    assert not private


if __name__ == "__main__":
    for component in strongly_connected_components(import_graph()):
        print(" ".join(component))
