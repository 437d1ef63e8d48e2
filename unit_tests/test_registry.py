"""The stream registry is the one place a stream is declared: every declaration matches the API description, the
generators keep no table of their own, and a stream added to the registry is picked up by the schema, enum and
docs generators and read by the connector, with no other edit."""

from __future__ import annotations

import ast
import csv
import importlib.util
import io
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from harness import records_by_stream, run_read

import source_pinterest_marketing.streams as registry
from pinterest_simulator import Simulator
from pinterest_simulator.catalog_reports import report_file
from pinterest_simulator.state import load_spec
from source_pinterest_marketing.streams import DECLARATIONS, base
from source_pinterest_marketing.streams.declaration import (
    BUSINESS_ACCESS,
    DOCS_BASE,
    Component,
    FreeForm,
    StreamDeclaration,
)
from source_pinterest_marketing.streams.fetchers import BOOKMARK_PAGES, ConfiguredOrListed
from source_pinterest_marketing.streams.jobs import AsyncJobStream, JobApi, JobFileRows
from source_pinterest_marketing.streams.organic import BOARDS
from source_pinterest_marketing.streams.partitions import ByParent

ROOT = Path(__file__).resolve().parents[1]
GENERATORS = sorted((ROOT / "scripts").glob("generate_*.py"))

#: a list stream that is not registered: the sections of every board, under another name
NEW_LIST_STREAM = StreamDeclaration(
    name="sections_of_boards",
    operation="board_sections/list",
    path="boards/{board_id}/sections",
    fetcher=BOOKMARK_PAGES,
    schema=Component("BoardSection"),
    partitioner=ByParent(BOARDS, (("board_id", "id"),)),
    slice_fields=("board_id",),
)


#: an async job stream that is not registered: the distribution issues of the user's retail catalog (a catalog
#: report: `POST /catalogs/reports`, `GET /catalogs/reports?token=`, a file to download)
NEW_JOB_STREAM = StreamDeclaration(
    name="distribution_issue_rows",
    operation="reports/create",
    path="catalogs/reports",
    fetcher=JobFileRows(
        JobApi("catalogs/reports"), body={"catalog_type": "RETAIL", "report": {"report_type": "DISTRIBUTION_ISSUES"}}
    ),
    schema=FreeForm(),
    primary_key=("item_id", "code_label"),
    params=BUSINESS_ACCESS,
    bundled_schema=False,
    stream_class=AsyncJobStream,
)


def _script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _filled(path: str) -> str:
    """A template path with digits for its ids, as the connector sends it."""
    for key in ("ad_account_id", "board_id", "section_id"):
        path = path.replace(f"{{{key}}}", "123")
    return path


def test_stream_names_are_unique() -> None:
    names = [declaration.name for declaration in DECLARATIONS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("declaration", DECLARATIONS, ids=lambda declaration: declaration.name)
def test_each_declaration_matches_the_api_description(declaration: StreamDeclaration) -> None:
    """The declared operation is what the declared request path and method are in the OpenAPI description."""
    spec = load_spec()
    method = "POST" if declaration.stream_class is AsyncJobStream else "GET"  # an async job is created by a POST
    operation, _ = spec.match(method, "/" + _filled(declaration.path))
    assert operation.operation_id == declaration.operation
    assert declaration.docs_url == DOCS_BASE + declaration.operation.replace("/", "-")
    if isinstance(declaration.fetcher, ConfiguredOrListed):
        single, _ = spec.match("GET", "/" + _filled(declaration.path) + "/123")
        assert single.operation_id == "ad_accounts/get"
    for name in declaration.fetcher.api_parameters:
        assert name in operation.query or name in operation.path_params, f"{declaration.operation} has no parameter {name}"


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


@pytest.mark.parametrize("generator", GENERATORS, ids=lambda path: path.name)
def test_no_generator_keeps_a_table_of_streams(generator: Path) -> None:
    """Stream names and operations live in the registry only; a generator that names one keeps its own table."""
    facts = {declaration.name for declaration in DECLARATIONS} | {declaration.operation for declaration in DECLARATIONS}
    named = _string_constants(generator) & facts
    assert not named, f"{generator.name} names streams or their operations: {sorted(named)}"


def test_the_table_check_sees_a_table(tmp_path: Path) -> None:
    script = tmp_path / "generate_x.py"
    script.write_text('STREAMS = {"campaigns": "CampaignResponse"}\n')
    assert "campaigns" in _string_constants(script)


def test_a_new_list_stream_gets_its_schema_docs_row_and_records(
    sim: Simulator, config: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    declarations = (*DECLARATIONS, NEW_LIST_STREAM)
    # the schema: generated from its component, with the parent id the connector adds
    schemas = _script(ROOT / "scripts" / "generate_schemas.py")
    assert schemas.main(["--schemas-dir", str(tmp_path)], declarations) == 0
    generated = json.loads((tmp_path / "sections_of_boards.json").read_text())
    assert generated == json.loads((ROOT / "source_pinterest_marketing/schemas/board_sections.json").read_text())
    # the docs row
    docs = _script(ROOT / "scripts" / "generate_docs.py")
    text = docs.render((ROOT / "docs" / "pinterest-marketing.md").read_text(encoding="utf-8"), declarations)
    assert (
        "| `sections_of_boards` | [`GET /v5/boards/{board_id}/sections`]"
        "(https://developers.pinterest.com/docs/api/v5/board_sections-list) | `id` | full_refresh |" in text
    )
    assert f"{len(declarations)} streams" in text
    # the records: registered, with its schema where the package would have it
    monkeypatch.setattr(registry, "DECLARATIONS", declarations)
    monkeypatch.setattr(base, "ResourceSchemaLoader", _loader_also_reading(tmp_path))
    records = records_by_stream(run_read(config, ["sections_of_boards", "board_sections"]))
    assert records["board_sections"]
    assert sorted(records["sections_of_boards"], key=str) == sorted(records["board_sections"], key=str)


def _loader_also_reading(schemas_dir: Path) -> type:
    real = base.ResourceSchemaLoader

    class Loader(real):  # type: ignore[misc, valid-type]
        def get_schema(self, name: str) -> Mapping[str, Any]:
            path = schemas_dir / f"{name}.json"
            return json.loads(path.read_text()) if name == NEW_LIST_STREAM.name else super().get_schema(name)

    return Loader


def test_a_new_stream_gets_its_operation_enums_and_limits() -> None:
    """A stream's declared parameters' values and limits come from its own operation in the API description, as
    soon as it is registered (here: the ad Pin analytics, left out and put back)."""
    pins = next(declaration for declaration in DECLARATIONS if declaration.name == "ad_pin_analytics")
    others = tuple(declaration for declaration in DECLARATIONS if declaration is not pins)
    enums = _script(ROOT / "scripts" / "generate_api_enums.py")
    spec = json.loads((ROOT / "pinterest_simulator/data/openapi.json").read_text())
    assert "ad_pins/analytics" not in enums.build(spec, others)["operations"]
    built = enums.build(spec, (*others, pins))
    assert built["operations"]["ad_pins/analytics"]["pin_ids"] == {"max_items": 100}
    assert len(built["operations"]["ad_pins/analytics"]["columns"]["enum"]) == 175


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_a_new_async_job_stream_reads_its_jobs_file(
    sim: Simulator, config: dict, monkeypatch: pytest.MonkeyPatch, file_format: str
) -> None:
    """An async job stream is one declaration (its job's endpoints as data: `JobApi`) with `AsyncJobStream`: the job is
    created, polled and its file (CSV or a JSON array) read, each row a record."""
    sim.switches.catalog_report_format = file_format  # type: ignore[assignment]
    monkeypatch.setattr(registry, "DECLARATIONS", (*DECLARATIONS, NEW_JOB_STREAM))
    records = records_by_stream(run_read(config, [NEW_JOB_STREAM.name]))[NEW_JOB_STREAM.name]
    [job] = sim.catalog_reports.jobs.values()
    file = report_file(job).decode()
    if file_format == "json":
        expected = json.loads(file)
    else:
        expected = [{key: value or None for key, value in row.items()} for row in csv.DictReader(io.StringIO(file))]
    assert records and records == expected
    assert [request.operation_id for request in sim.requests if request.operation_id.startswith("reports/")][:2] == [
        "reports/create",
        "reports/get",
    ]
    assert len(sim.catalog_reports.downloads) == 1
