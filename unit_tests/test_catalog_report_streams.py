"""Catalog report streams (issue 23, item 4; streams/catalog_health.py): a report per feed (feed ingestion issues) or
per catalog (distribution issues, all items), its file's rows as records, the same records whether the file is CSV
or JSON (switch `catalog_report_format`), and the ALL_ITEMS report opt-in, empty with one warning when Pinterest
restricts it (switch `catalog_all_items_report`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from harness import error_messages, records_by_stream, run_read, schema
from jsonschema import Draft7Validator

from pinterest_simulator import Simulator
from pinterest_simulator.switches import CHOICES
from source_pinterest_marketing.probe.switches import NOT_PROBED
from source_pinterest_marketing.streams import DECLARATIONS

REPORTS = {
    "catalog_feed_ingestion_issues": "FEED_INGESTION_ISSUES",
    "catalog_distribution_issues": "DISTRIBUTION_ISSUES",
    "catalog_all_items": "ALL_ITEMS",
}
KEYS = {declaration.name: declaration.primary_key for declaration in DECLARATIONS if declaration.name in REPORTS}


def _normalised(row: dict[str, Any]) -> dict[str, Any]:
    """The simulator's row as the connector's record: its typed values, an empty one null (a null field is left out
    of the record message, as the CDK writes them)."""
    return {name: value for name, value in row.items() if value not in (None, "")}


def _expected(sim: Simulator, report_type: str) -> list[dict[str, Any]]:
    return [
        _normalised(row)
        for job in sim.catalog_reports.jobs.values()
        if job.report_type == report_type
        for row in job.rows
    ]


def _read(sim: Simulator, **settings: Any) -> Any:
    output = run_read({**sim.connector_config(), **settings}, list(REPORTS))
    assert not output.errors, error_messages(output)
    return output


@pytest.mark.parametrize("file_format", CHOICES["catalog_report_format"])
def test_each_report_type_reads_its_files_rows_the_same_in_either_format(sleeps: list[float], file_format: str) -> None:
    with Simulator(preset="small", seed=1, switches={"catalog_report_format": file_format}) as sim:
        records = records_by_stream(_read(sim, catalog_all_items_report=True))
        feeds = sim.dataset.owner.entities("catalogs_feeds")
        catalogs = sim.dataset.owner.entities("catalogs")
        created = [body["report"] for _, body in sim.catalog_reports.requests]
        # one report per feed and per catalog, created once, polled until FINISHED, downloaded once
        assert sorted(
            report["feed_id"] for report in created if report["report_type"] == "FEED_INGESTION_ISSUES"
        ) == sorted(f["id"] for f in feeds)
        for report_type in ("DISTRIBUTION_ISSUES", "ALL_ITEMS"):
            asked = sorted(report["catalog_id"] for report in created if report["report_type"] == report_type)
            assert asked == sorted(c["id"] for c in catalogs)
        assert len(sim.catalog_reports.downloads) == len(sim.catalog_reports.jobs) == len(created)
        for stream, report_type in REPORTS.items():
            expected = _expected(sim, report_type)
            assert expected and sorted(map(repr, records[stream])) == sorted(map(repr, expected)), stream
            validator = Draft7Validator(schema(stream))
            assert not [error for record in records[stream] for error in validator.iter_errors(record)]
            keys = [tuple(record[name] for name in KEYS[stream]) for record in records[stream]]
            assert len(set(keys)) == len(keys) and all(None not in key for key in keys), stream
    # typed whatever the file: integers, booleans and prices, not the CSV's strings
    assert {type(record["item_number"]) for record in records["catalog_feed_ingestion_issues"]} == {int}
    assert {type(record["ineligible_for_ads"]) for record in records["catalog_distribution_issues"]} == {bool}
    assert {type(record["price"]) for record in records["catalog_all_items"]} == {float}


@pytest.mark.parametrize("access", CHOICES["catalog_all_items_report"])
def test_the_all_items_report_when_opted_in_is_read_or_empty_with_one_warning(sleeps: list[float], access: str) -> None:
    with Simulator(preset="small", seed=1, switches={"catalog_all_items_report": access}) as sim:
        output = _read(sim, catalog_all_items_report=True)
        records = records_by_stream(output)
        warnings = [
            log.log.message for log in output.logs if log.log.level.value == "WARN" and "ALL_ITEMS" in log.log.message
        ]
        if access == "allowed":
            assert records["catalog_all_items"] == _expected(sim, "ALL_ITEMS") and not warnings
        else:
            assert not records.get("catalog_all_items") and not _expected(sim, "ALL_ITEMS")
            [warning] = warnings
            assert "catalog_all_items_report" in warning and "catalog_all_items" in warning
        # the other report types are read either way
        assert records["catalog_feed_ingestion_issues"] and records["catalog_distribution_issues"]


def test_the_all_items_report_is_not_asked_for_unless_opted_in(sim: Simulator) -> None:
    records = records_by_stream(_read(sim))
    assert not records.get("catalog_all_items")
    asked = {body["report"]["report_type"] for _, body in sim.catalog_reports.requests}
    assert asked == {"FEED_INGESTION_ISSUES", "DISTRIBUTION_ISSUES"}


def test_the_user_guide_says_the_probe_does_not_check_the_catalog_report_switches() -> None:
    """The switches the probe leaves out (`NOT_PROBED`) each have an open-point row saying so."""
    guide = (Path(__file__).resolve().parents[1] / "docs/pinterest-marketing.md").read_text(encoding="utf-8")
    assert {"catalog_report_format", "catalog_all_items_report"} <= NOT_PROBED
    for switch in NOT_PROBED:
        [row] = [line for line in guide.splitlines() if line.startswith("|") and f"(`{switch}`:" in line]
        assert "No probe check" in row


@pytest.mark.parametrize(
    ("stream", "owner", "entities"),
    [("catalog_feed_ingestion_issues", "feed", "catalogs_feeds"), ("catalog_distribution_issues", "catalog", "catalogs")],
)
def test_a_report_that_keeps_failing_names_its_feed_or_catalog(
    sleeps: list[float], stream: str, owner: str, entities: str
) -> None:
    """A catalog report is a feed's or a catalog's, not an ad account's: the error of one that fails every attempt names
    its feed or catalog (no ad account, no window)."""
    with Simulator(preset="small", seed=1) as sim:
        sim.faults.add("status", operation_id="reports/get", status=200, body={"report_status": "FAILED"}, times=None)
        output = run_read(sim.connector_config(), [stream], expect_failure=True)
        owners = {entity["id"] for entity in sim.dataset.owner.entities(entities)}
    failures = [m for m in error_messages(output) if m.startswith(f"Report '{stream}'")]
    named = {m.split(": ")[0].removeprefix(f"Report '{stream}' for {owner} ") for m in failures}
    assert owners and named == owners, failures
    assert all("the job ended FAILED after 3 attempts" in m and "ad account" not in m for m in failures), failures
    # no windows to speak of: what happens next instead
    assert all(m.endswith("The next sync asks for it again.") and "Windows" not in m for m in failures), failures
