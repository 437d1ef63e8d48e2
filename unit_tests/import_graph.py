"""The repository's import graph, read from the source with `ast` (nothing is imported): which of the project's
modules each module loads when it is imported, and the graph's strongly connected components (import cycles).

The modules are the two packages (dotted names) and every other Python file of the repository: the scripts and the
tests, known by the name they are imported under (their file name: the test runner and the scripts put their folders
on `sys.path`)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("source_pinterest_marketing", "pinterest_simulator")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(packages: Iterable[str] = PACKAGES, root: Path = ROOT) -> dict[str, Path]:
    return {module_name(path, root): path for package in packages for path in sorted((root / package).rglob("*.py"))}


def repository_files(root: Path = ROOT) -> list[Path]:
    """Every Python file of the repository (not the virtualenv, builds or hidden folders)."""
    skipped = {"build", "dist"}
    return [
        path
        for path in sorted(root.rglob("*.py"))
        if not any(part.startswith(".") or part in skipped for part in path.relative_to(root).parts[:-1])
    ]


def repository_modules(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Every module of the repository: the packages' by dotted name, every other file by its file name (the name
    it is imported under); files that share a name (``conftest.py``, a test of the same name in two folders) by
    their path, since no import can name them."""
    modules = project_modules(packages, root)
    loose = [path for path in repository_files(root) if path.relative_to(root).parts[0] not in set(packages)]
    names = [path.stem for path in loose]
    for path in loose:
        unique = names.count(path.stem) == 1
        modules[path.stem if unique else str(path.relative_to(root))] = path
    return modules


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def module_level_imports(body: list[ast.stmt], type_checking: bool = False) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports run when the module is imported: the body, into if/try/with blocks, not functions or classes.
    `type_checking`: also those under `if TYPE_CHECKING:` (imports for annotations only)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if type_checking or not is_type_checking(node):
                yield from module_level_imports(node.body, type_checking)
            yield from module_level_imports(node.orelse, type_checking)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from module_level_imports(block, type_checking)
        elif isinstance(node, ast.With):
            yield from module_level_imports(node.body, type_checking)


def import_targets(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str | None]]:
    """``(module, imported name or None)`` pairs of one import statement (absolute imports only)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name, None
    elif node.level == 0 and node.module is not None:
        for alias in node.names:
            yield node.module, alias.name


def imported_modules(node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> set[str]:
    """The project modules an import statement names (``from pkg import submodule`` names the submodule)."""
    loaded = set()
    for module, name in import_targets(node):
        target = f"{module}.{name}" if name is not None and f"{module}.{name}" in modules else module
        if target in modules:
            loaded.add(target)
    return loaded


def import_graph(modules: dict[str, Path], type_checking: bool = False) -> dict[str, set[str]]:
    """Module -> the project modules its module-level imports load."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = module_level_imports(tree.body, type_checking)
        graph[name] = set().union(*(imported_modules(node, modules) for node in imports)) - {name}
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


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    return [component for component in strongly_connected_components(graph) if len(component) > 1]
