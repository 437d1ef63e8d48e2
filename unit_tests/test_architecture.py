"""The shape of the code: no import cycles, the connector never needs the simulator, only public airbyte-cdk members
are used (a private one — `_read_pages`, `_http_client`, `_slice_logger`... — may change in any 7.x release), checked
over the source with `ast`, and every stream is an airbyte-cdk `HttpStream`."""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import airbyte_cdk
import pytest
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.sources.streams.http import HttpStream
from import_graph import ROOT, cycles, import_graph, project_modules, repository_modules

from pinterest_simulator import Simulator
from source_pinterest_marketing.config import load_config
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.source import SourcePinterestMarketing
from source_pinterest_marketing.streams import DECLARATIONS
from source_pinterest_marketing.streams.ads import CAMPAIGNS
from source_pinterest_marketing.streams.base import PinterestStream
from source_pinterest_marketing.streams.jobs import AsyncJobStream, JobFetcherBase
from source_pinterest_marketing.streams.reports import ReportRows

CONNECTOR = "source_pinterest_marketing"
#: the code that uses airbyte-cdk (the simulator does not)
CDK_USERS = (CONNECTOR, "scripts", "unit_tests", "integration_tests", "examples", "main.py")


# -- import cycles --------------------------------------------------------------------------------
def test_no_module_of_the_repository_takes_part_in_an_import_cycle_even_through_imports_for_type_checking() -> None:
    """The packages, the scripts and the tests: an import under ``if TYPE_CHECKING:`` counts (it is a dependency,
    only deferred)."""
    assert not cycles(import_graph(repository_modules(), type_checking=True))


def test_the_graph_is_the_whole_repository() -> None:
    graph = import_graph(repository_modules(), type_checking=True)
    assert {"pinterest_simulator.server", "source_pinterest_marketing.source", "snapshot", "demo", "harness"} <= set(
        graph
    )
    assert "harness" in graph["test_ambiguity"]  # tests are known by the name they import each other under
    assert "pinterest_simulator.state" in graph["pinterest_simulator.routes"]  # a TYPE_CHECKING import


def test_the_cycle_check_sees_a_cycle(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import pkg.b\n")
    (tmp_path / "b.py").write_text("from pkg import a\n")
    modules = {"pkg.a": tmp_path / "a.py", "pkg.b": tmp_path / "b.py"}
    assert cycles(import_graph(modules)) == [["pkg.a", "pkg.b"]]


def test_the_cycle_check_sees_a_cycle_through_an_import_for_type_checking(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "server.py").write_text("from pkg.routes import route\n")
    (tmp_path / "pkg" / "routes.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.server import Server\n"
    )
    (tmp_path / "script.py").write_text("import helper\n")
    (tmp_path / "helper.py").write_text("import typing\nif typing.TYPE_CHECKING:\n    import script\n")
    modules = repository_modules(tmp_path, packages=("pkg",))
    assert not cycles(import_graph(modules))
    assert cycles(import_graph(modules, type_checking=True)) == [["helper", "script"], ["pkg.routes", "pkg.server"]]


def test_the_connector_never_imports_the_simulator() -> None:
    """The Docker image ships the connector package alone."""
    graph = import_graph(project_modules(), type_checking=True)
    leaks = {module: sorted(imported) for module, imported in graph.items() if module.startswith(CONNECTOR)}
    assert not {module: imported for module, imported in leaks.items() if any("simulator" in i for i in imported)}


# -- private airbyte-cdk members ------------------------------------------------------------------
def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _defined_names(tree: ast.AST) -> Iterator[str]:
    """Names a piece of code defines: functions, class attributes, `self.x =` / `cls.x =` attributes."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    yield target.id
                elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    yield target.attr


@cache
def cdk_private_names() -> frozenset[str]:
    """Every private name airbyte-cdk defines anywhere (methods, attributes, module names)."""
    names: set[str] = set()
    for path in Path(airbyte_cdk.__file__).parent.rglob("*.py"):
        names.update(name for name in _defined_names(ast.parse(path.read_text(encoding="utf-8"))) if _private(name))
    return frozenset(names)


def _python_files(targets: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for target in targets:
        path = ROOT / target
        files.extend([path] if path.suffix == ".py" else sorted(path.rglob("*.py")))
    return files


@cache
def project_defined_names() -> frozenset[str]:
    """Every name the project's own code defines (its own private attributes may be used freely)."""
    files = _python_files((*CDK_USERS, "pinterest_simulator"))
    return frozenset(name for path in files for name in _defined_names(ast.parse(path.read_text(encoding="utf-8"))))


def _cdk_aliases(tree: ast.Module) -> dict[str, str]:
    """Local names bound to airbyte-cdk objects by `from airbyte_cdk... import X` -> their dotted path."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "airbyte_cdk":
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}:{alias.name}"
    return aliases


def _cdk_class(path: str) -> type | None:
    module, _, name = path.partition(":")
    found = getattr(importlib.import_module(module), name, None)
    return found if isinstance(found, type) else None


def _private_members_of(cdk_class: type) -> set[str]:
    """Private names of a CDK class and its CDK ancestors: class attributes and `self._x` attributes."""
    names: set[str] = set()
    for klass in cdk_class.__mro__:
        if not klass.__module__.startswith("airbyte_cdk"):
            continue
        names.update(name for name in vars(klass) if _private(name))
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        names.update(name for name in _defined_names(ast.parse(source)) if _private(name))
    return names


def private_cdk_uses(source: str) -> list[str]:
    """Where `source` imports, reaches into or overrides a private airbyte-cdk member."""
    tree = ast.parse(source)
    found: list[str] = []
    aliases = _cdk_aliases(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "airbyte_cdk":
            found += [f"line {node.lineno}: imports {alias.name}" for alias in node.names if _private(alias.name)]
        elif (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and node.attr in cdk_private_names()
            and node.attr not in project_defined_names()
        ):
            found.append(f"line {node.lineno}: uses {node.attr}")
        elif isinstance(node, ast.ClassDef):
            inherited: set[str] = set()
            for base in node.bases:
                name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
                cdk_class = _cdk_class(aliases[name]) if name in aliases else None
                if cdk_class is not None:
                    inherited |= _private_members_of(cdk_class)
            used = set(_defined_names(node)) | {
                sub.attr for sub in ast.walk(node) if isinstance(sub, ast.Attribute) and _private(sub.attr)
            }
            found += [f"class {node.name}: overrides or uses {name}" for name in sorted(used & inherited)]
    return found


@pytest.mark.parametrize("path", _python_files(CDK_USERS), ids=lambda path: str(path.relative_to(ROOT)))
def test_only_public_airbyte_cdk_members_are_used(path: Path) -> None:
    assert not private_cdk_uses(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("snippet", "found"),
    [
        (
            "from airbyte_cdk.sources.streams.http import HttpStream\n"
            "class S(HttpStream):\n"
            "    def _read_pages(self, fn, stream_slice=None, stream_state=None):\n"
            "        return []\n",
            "class S: overrides or uses _read_pages",
        ),
        (
            "from airbyte_cdk.sources.streams.http import HttpStream\n"
            "class S(HttpStream):\n"
            "    def read(self):\n"
            "        return HttpStream._read_pages(self, None)\n",
            "uses _read_pages",
        ),
        ("def send(stream):\n    return stream._http_client.send_request('GET', 'u', {})\n", "uses _http_client"),
        ("def create(source):\n    return source._slice_logger\n", "uses _slice_logger"),
        ("from airbyte_cdk.test.entrypoint_wrapper import _run_command\n", "imports _run_command"),
        (
            "from airbyte_cdk.sources.streams import Stream\n"
            "class S(Stream):\n"
            "    def __init__(self):\n"
            "        self._exit_on_rate_limit = True\n",
            "class S: overrides or uses _exit_on_rate_limit",
        ),
    ],
)
def test_the_check_finds_private_cdk_members(snippet: str, found: str) -> None:
    assert any(found in use for use in private_cdk_uses(snippet)), private_cdk_uses(snippet)


def test_the_check_leaves_the_projects_own_private_names_alone() -> None:
    assert not private_cdk_uses("class Cache:\n    def __init__(self):\n        self._lock = None\n")


# -- function length ------------------------------------------------------------------------------
#: the longest a function may be, its docstring included (a longer one does several things: name each)
MAX_FUNCTION_LINES = 80


def long_functions(path: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """``module:line name (N lines)`` of every function or method of a file longer than `limit` lines, from its
    ``def`` line to its last line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > limit:
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                found.append(f"{where}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_no_function_of_the_simulator_or_the_connector_is_longer_than_80_lines() -> None:
    packages = ("pinterest_simulator", "source_pinterest_marketing")
    assert not [found for path in _python_files(packages) for found in long_functions(path)]


def test_the_length_check_sees_a_long_function(tmp_path: Path) -> None:
    def body(indent: str, lines: int) -> str:
        return "".join(f"{indent}x{n} = {n}\n" for n in range(lines))

    path = tmp_path / "module.py"
    # 80 lines with its def: allowed; a method of 81: too long
    path.write_text(f"def short():\n{body('    ', 79)}\nclass C:\n    def long(self):\n{body('        ', 80)}")
    assert long_functions(path) == ["module.py:83 long (81 lines)"]


# -- every stream is an airbyte-cdk HttpStream --------------------------------------------------
def not_http_streams(streams: list[Stream]) -> list[str]:
    """The streams that are not airbyte-cdk `HttpStream`s reading their slices through the CDK's page loop: each must
    be an `HttpStream` subclass, and override `read_records` only where one slice is not a sequence of pages (an
    async job: `AsyncJobStream`, whose fetcher builds its job's requests)."""
    found = []
    for stream in streams:
        stream_class = type(stream)
        if not isinstance(stream, HttpStream):
            found.append(f"{stream.name}: {stream_class.__name__} is not an HttpStream")
        elif stream_class.read_records is not HttpStream.read_records and not (
            isinstance(stream, AsyncJobStream) and stream_class.read_records is AsyncJobStream.read_records
        ):
            found.append(f"{stream.name}: {stream_class.__name__} reads its slices past the CDK's page loop")
    return found


def test_every_stream_is_an_airbyte_cdk_http_stream(sim: Simulator) -> None:
    """Every stream discover and read see (the registry's, and the custom reports of a config: a report, a template's)
    is bound to the sync as an `HttpStream`, paging through the CDK's own loop, reports through their async jobs."""
    template = next(template for template in sim.dataset.template_list(sim.dataset.owned_ad_account_ids[0]))
    raw = sim.connector_config(
        access_token_mode=True,
        custom_reports=[
            {"name": "spend", "level": "CAMPAIGN", "columns": ["CAMPAIGN_ID", "SPEND_IN_MICRO_DOLLAR"]},
            {"name": "template", "level": template["report_level"], "template_id": template["id"]},
        ],
    )
    streams = SourcePinterestMarketing().streams(raw)
    assert {stream.name for stream in streams} == {d.name for d in DECLARATIONS} | {"custom_spend", "custom_template"}
    assert not not_http_streams(streams)
    job_streams = {stream.name for stream in streams if isinstance(stream, AsyncJobStream)}
    # reports and the other async jobs (catalog reports): the declarations of a job fetcher
    assert job_streams == {d.name for d in DECLARATIONS if isinstance(d.fetcher, (ReportRows, JobFetcherBase))} | {
        "custom_spend",
        "custom_template",
    }


def test_the_http_stream_check_sees_a_stream_that_is_not_one(sim: Simulator) -> None:
    class Plain(Stream):
        primary_key = None

        def read_records(self, sync_mode: Any, cursor_field: Any = None, stream_slice: Any = None, stream_state: Any = None) -> Any:
            return []

    class OwnLoop(PinterestStream):
        def read_records(self, sync_mode: Any, cursor_field: Any = None, stream_slice: Any = None, stream_state: Any = None) -> Any:
            return []

    raw = sim.connector_config(access_token_mode=True)
    context = SyncContext.create(load_config(raw), raw)
    assert not_http_streams([Plain()]) == ["plain: Plain is not an HttpStream"]
    assert not_http_streams([OwnLoop(CAMPAIGNS, context)]) == ["campaigns: OwnLoop reads its slices past the CDK's page loop"]
    assert not not_http_streams([PinterestStream(CAMPAIGNS, context)])
