"""The user guide's "Limitations" cannot lie: each row of its table names what is absent, by kind, and each name is
checked here against the API description (it exists there) and the connector (it has nothing that provides it).
A row naming something the connector has fails; the checks are shown to reject such names."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from source_pinterest_marketing.config import connector_spec_schema, load_config
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.streams import DECLARATIONS
from source_pinterest_marketing.streams.base import PinterestStream
from source_pinterest_marketing.streams.reports import REPORTS, ReportRows

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "pinterest-marketing.md"
OPENAPI = ROOT / "pinterest_simulator" / "data" / "openapi.json"
PACKAGE = ROOT / "source_pinterest_marketing"
REPORT_REQUEST = "AdsAnalyticsCreateAsyncRequest"
KINDS = ("operation", "report field", "full refresh only", "record field")
CONFIG = {"credentials": {"auth_method": "access_token", "access_token": "pina_limitations"}, "start_date": "2025-01-01"}


# -- the table --------------------------------------------------------------------------------------
def limitations_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("\n## Limitations\n", 1)[1].split("\n## ", 1)[0]


def limitation_rows() -> list[tuple[str, str, tuple[str, ...]]]:
    """(what is not supported, kind, names) of each row of the Limitations table."""
    rows = []
    for line in limitations_section().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if not line.startswith("|") or len(cells) != 4 or cells[1] in ("Kind", "---"):
            continue
        rows.append((cells[0], cells[1], tuple(re.findall(r"`([^`]+)`", cells[2]))))
    return rows


# -- the API description ----------------------------------------------------------------------------
@cache
def openapi() -> dict[str, Any]:
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


@cache
def operations() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path without the leading slash)."""
    found = {}
    for path, item in openapi()["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                found[operation["operationId"]] = (method.upper(), path.lstrip("/"))
    return found


def _properties(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The properties of a component, `$ref` and `allOf` resolved."""
    if "$ref" in schema:
        return _properties(openapi()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]])
    found: dict[str, Any] = {}
    for part in schema.get("allOf", ()):
        found.update(_properties(part))
    found.update(schema.get("properties", {}))
    return found


def report_request_fields() -> set[str]:
    return set(_properties(openapi()["components"]["schemas"][REPORT_REQUEST]))


# -- the connector -----------------------------------------------------------------------------------
@cache
def connector_source() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(PACKAGE.rglob("*.py")))


def operations_the_connector_sends(source: str = "") -> set[str]:
    """The operations of the registry's streams, and every operation whose path a string of the connector's code
    (`source`: the package's) names: helper requests such as metrics_ready_state, report jobs, template reports,
    single objects."""
    named = _paths_named_in(source or connector_source())
    return {declaration.operation for declaration in DECLARATIONS} | {
        operation for operation, (_, path) in operations().items() if path in named
    }


@cache
def _paths_named_in(source: str) -> frozenset[str]:
    """The paths of the API description that a string of `source` names whole (not as the start of a longer path)."""
    # a zero-width match at each quote or slash: every tail of a path string too ("/v5/resources/...")
    strings = set(re.findall(r"(?=[\"'/]([\w{}/]+)[\"'?\s])", source))
    return frozenset(path for _, path in operations().values() if path in strings)


def report_fields_the_connector_sends() -> set[str]:
    """Fields a custom report can set (its config properties) and every field of a standard report's request body."""
    custom = connector_spec_schema()["properties"]["custom_reports"]["items"]["properties"]
    config = load_config(CONFIG)
    window = {"ad_account_id": "1", "start_date": "2025-01-01", "end_date": "2025-01-02"}
    sent = set(custom)
    for spec in REPORTS:
        sent |= set(ReportRows(spec).request_body(window, config))
    return sent


def schema_properties() -> set[str]:
    """Every top-level property of every stream's schema (custom reports are built from the same row schema)."""
    context = SyncContext.create(load_config(CONFIG), CONFIG)
    found: set[str] = set()
    for declaration in DECLARATIONS:
        found |= set(PinterestStream(declaration, context).get_json_schema()["properties"])
    return found


# -- the checks: each returns what is wrong with a name of its kind ---------------------------------------
def check_operation(name: str) -> Iterator[str]:
    if name not in operations():
        yield f"{name!r} is not an operationId of the API description"
    elif name in operations_the_connector_sends():
        yield f"the connector reads {name!r} ({' '.join(operations()[name])})"


def check_report_field(name: str) -> Iterator[str]:
    if name not in report_request_fields():
        yield f"{name!r} is not a field of {REPORT_REQUEST}"
    elif name in report_fields_the_connector_sends():
        yield f"the connector sends or lets a custom report set {name!r}"


def check_full_refresh_only(name: str) -> Iterator[str]:
    declaration = next((d for d in DECLARATIONS if d.name == name), None)
    if declaration is None:
        yield f"{name!r} is not a stream"
        return
    if declaration.cursor is not None:
        yield f"{name!r} is incremental (cursor {declaration.cursor!r})"
    context = SyncContext.create(load_config(CONFIG), CONFIG)
    if PinterestStream(declaration, context).is_resumable:
        yield f"{name!r} is resumable"


def check_record_field(name: str) -> Iterator[str]:
    if name in schema_properties():
        yield f"a stream's schema has {name!r}"


CHECKS: dict[str, Callable[[str], Iterator[str]]] = {
    "operation": check_operation,
    "report field": check_report_field,
    "full refresh only": check_full_refresh_only,
    "record field": check_record_field,
}


# -- the tests ----------------------------------------------------------------------------------------
def test_the_section_is_the_checked_table_only() -> None:
    rows = limitation_rows()
    assert len(rows) >= 4  # the table parsed (its rows shrink as streams cover the operations: leads, MMM)
    assert set(CHECKS) == set(KINDS)
    for what, kind, names in rows:
        assert kind in KINDS, f"{what}: unknown kind {kind!r}"
        assert names, f"{what}: names nothing"
    # no claim outside the table: the section is its introduction and the table
    claims = [line for line in limitations_section().splitlines() if line.lstrip().startswith(("- ", "* "))]
    assert not claims, claims


@pytest.mark.parametrize(("what", "kind", "names"), limitation_rows(), ids=[row[0] for row in limitation_rows()])
def test_each_limitation_names_only_what_is_absent(what: str, kind: str, names: tuple[str, ...]) -> None:
    problems = [problem for name in names for problem in CHECKS[kind](name)]
    assert not problems, f"{what}: {problems}"


def test_the_full_refresh_row_names_every_stream_without_a_cursor() -> None:
    listed = {name for _, kind, names in limitation_rows() if kind == "full refresh only" for name in names}
    assert listed == {declaration.name for declaration in DECLARATIONS if declaration.cursor is None}


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        # what the guide once wrongly called unsupported: report templates, the ad_* / status / metrics filters,
        # ad Pin analytics
        ("operation", "analytics/create_template_report"),
        ("operation", "templates/list"),
        ("operation", "ad_pins/analytics"),
        ("operation", "metrics_ready_state/get"),
        ("operation", "campaigns/list"),
        ("report field", "ad_ids"),
        ("report field", "ad_group_statuses"),
        ("report field", "ad_statuses"),
        ("report field", "metrics_filters"),
        ("report field", "report_format"),
        ("full refresh only", "campaigns"),
        ("full refresh only", "ad_account_analytics"),
        ("record field", "period_start"),
        ("record field", "ad_account_id"),
        # names that are not in the API description at all
        ("operation", "billing/everything"),
        ("report field", "start_minute"),
        ("full refresh only", "no_such_stream"),
    ],
)
def test_a_limitation_naming_what_the_connector_has_fails(kind: str, name: str) -> None:
    assert list(CHECKS[kind](name))


def test_the_operation_check_sees_a_path_named_in_the_code() -> None:
    """A request the registry does not list (a path constant in the code) counts as one the connector sends."""
    assert "boards/get" not in operations_the_connector_sends()
    source = connector_source() + '\nONE_BOARD = "boards/{board_id}"\n'
    assert "boards/get" in operations_the_connector_sends(source)
    # a longer path that merely starts with it does not count
    longer = connector_source() + '\nX = "boards/{board_id}/pins/{id}"\n'
    assert "boards/get" not in operations_the_connector_sends(longer)
