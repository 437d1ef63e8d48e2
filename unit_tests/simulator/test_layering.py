"""The simulator is layered like a library: no import cycles, handlers on top, only public names across modules.

Module-level imports, those under ``if TYPE_CHECKING:`` included, form the import graph; it must have no strongly
connected component of more than one module. ``routes.load_handlers`` imports the handlers package dynamically: no module
outside ``handlers/`` imports it by name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from import_graph import cycles, import_graph, import_targets, project_modules

PACKAGE = "pinterest_simulator"
MODULES = project_modules((PACKAGE,))


def _all_imports(path: Path) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node


def test_the_import_graph_has_no_cycles() -> None:
    assert not cycles(import_graph(MODULES, type_checking=True))


def test_the_graph_sees_the_layers() -> None:
    graph = import_graph(MODULES, type_checking=True)
    assert "pinterest_simulator.report_files" in graph["pinterest_simulator.server"]
    assert "pinterest_simulator.report_rows" in graph["pinterest_simulator.report_files"]
    assert "pinterest_simulator.metrics" in graph["pinterest_simulator.report_rows"]
    # the layers that answer requests read the simulator's state, never the server
    for module in ("routes", "admin", "report_files", "report_rows", "report_jobs", "state"):
        assert "pinterest_simulator.server" not in graph[f"pinterest_simulator.{module}"], module
    assert "pinterest_simulator.state" in graph["pinterest_simulator.routes"]


@pytest.mark.parametrize("module", [name for name in MODULES if not name.startswith(f"{PACKAGE}.handlers")])
def test_only_handlers_import_handlers(module: str) -> None:
    imported = {target for node in _all_imports(MODULES[module]) for target, _ in import_targets(node)}
    assert not {target for target in imported if target.startswith(f"{PACKAGE}.handlers")}


@pytest.mark.parametrize("module", list(MODULES))
def test_only_public_names_are_imported_across_modules(module: str) -> None:
    private = [
        f"{target}.{name}"
        for node in _all_imports(MODULES[module])
        for target, name in import_targets(node)
        if target.startswith(PACKAGE) and name is not None and name.startswith("_")
    ]
    assert not private
