"""Measurement reports (issue 23 item 3, streams/measurement.py) against the simulator: conversion_product_report's
records are the same whichever file the job writes (switch `measurement_file_format`), each key once, valid against
the schema; windows hold the API's minimum under both readings of it (switch `conversion_report_min_window`), from
the first day it serves; the settings reach the request and the key; each bad setting names its field."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from harness import error_messages, final_states, records_by_stream, run_read, schema, state_messages
from jsonschema import Draft7Validator

from pinterest_simulator import Simulator
from pinterest_simulator.switches import CHOICES
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.config import load_config
from source_pinterest_marketing.streams import DECLARATIONS
from source_pinterest_marketing.streams.measurement import FIRST_BRAND_ATTRIBUTION_DAY, FIRST_DAY

STREAM = "conversion_product_report"
CREATE = "analytics/create_conversion_product_report"
METRICS = [
    "TOTAL_CONVERSION_PRODUCT_QUANTITY",
    "TOTAL_WEB_CONVERSION_PRODUCT_VALUE",
    "TOTAL_OFFLINE_CONVERSION_PRODUCT_QUANTITY",
]
COLUMNS = ["CAMPAIGN_NAME", *METRICS]


def _read(
    switches: dict[str, str], settings: dict[str, Any], **config: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any]:
    with Simulator(preset="small", seed=1, switches=switches) as sim:
        output = run_read(sim.connector_config(conversion_product_report=settings, **config), [STREAM])
        bodies = [job.body for job in sim.conversion_reports.jobs.values()]
        assert len(bodies) == sim.requests.count(CREATE)
    assert not output.errors, error_messages(output)
    return records_by_stream(output)[STREAM], bodies, output


def _canonical(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True)


def _key(row: dict[str, Any], settings: dict[str, Any]) -> tuple[Any, ...]:
    level_id = {"CAMPAIGN": "campaign_id", "AD_GROUP": "ad_group_id", "ADVERTISER": "ad_account_id"}[settings["level"]]
    product = {
        "PRODUCT_SKU": ("CONVERSION_PRODUCT_ID",),
        "PRODUCT_BRAND_AND_CATEGORY": ("CONVERSION_PRODUCT_BRAND", "CONVERSION_PRODUCT_CATEGORY"),
    }
    return (row["ad_account_id"], row[level_id], *(row[c] for c in product[settings["breakdown"]]), row["date"])


@pytest.mark.parametrize(
    "settings",
    [
        {"level": "AD_GROUP", "breakdown": "PRODUCT_SKU", "granularity": "WEEK", "columns": COLUMNS},
        {"level": "ADVERTISER", "breakdown": "PRODUCT_BRAND_AND_CATEGORY", "granularity": "MONTH", "columns": COLUMNS},
    ],
)
def test_the_same_records_whatever_the_file(settings: dict[str, Any]) -> None:
    start = (utc_today() - timedelta(days=120)).isoformat()
    read = {
        fmt: _read({"measurement_file_format": fmt}, settings, start_date=start)[0]
        for fmt in CHOICES["measurement_file_format"]
    }
    first, *others = read.values()
    # in any order (accounts are read concurrently)
    assert first and all(sorted(map(_canonical, rows)) == sorted(map(_canonical, first)) for rows in others)
    keys = Counter(_key(row, settings) for row in first)
    assert not [key for key, count in keys.items() if count > 1]
    validator = Draft7Validator(schema(STREAM))
    assert not [error for row in first for error in validator.iter_errors(row)]
    # the requested columns and no other metric; a metric the JSON file leaves out (0) is 0, not absent
    assert all(set(METRICS) <= row.keys() for row in first)
    if settings["level"] == "AD_GROUP":  # small rows: some have no offline conversion (the JSON file leaves it out)
        assert any(row["TOTAL_OFFLINE_CONVERSION_PRODUCT_QUANTITY"] == 0 for row in first)
    assert not {"TOTAL_CONVERSION_PRODUCT_VALUE"} & {key for row in first for key in row}


@pytest.mark.parametrize("reading", CHOICES["conversion_report_min_window"])
def test_short_windows_are_asked_as_8_days_under_each_reading_of_the_minimum(reading: str) -> None:
    """A start 2 days ago (a full read) and an incremental read without lookback: requests of fewer than 8 dates
    would be refused under `seven_days_apart` (8 dates) or `seven_dates` (7)."""
    settings = {"granularity": "WEEK", "columns": COLUMNS}
    start = (utc_today() - timedelta(days=2)).isoformat()
    rows, bodies, output = _read(
        {"conversion_report_min_window": reading}, settings, start_date=start, lookback_window_days=0
    )
    assert bodies and all((_day(b["end_date"]) - _day(b["start_date"])).days >= 7 for b in bodies)
    # only the periods of the window: the week of the start and later
    week = utc_today() - timedelta(days=2)
    week -= timedelta(days=week.weekday())
    assert rows and {row["date"] for row in rows} <= {week.isoformat(), (week + timedelta(days=7)).isoformat()}
    with Simulator(preset="small", seed=1, switches={"conversion_report_min_window": reading}) as sim:
        config = sim.connector_config(conversion_product_report=settings, start_date=start, lookback_window_days=0)
        again = run_read(config, [STREAM], state=state_messages({STREAM: final_states(output)[STREAM]}))
    assert not again.errors, error_messages(again)


def _day(value: str) -> date:
    return date.fromisoformat(value)


@pytest.mark.parametrize(
    ("attribution", "first"), [("DEFAULT", FIRST_DAY), ("BRAND_ATTRIBUTION", FIRST_BRAND_ATTRIBUTION_DAY)]
)
def test_windows_start_at_the_first_day_served_and_span_at_most_a_year(attribution: str, first: Any) -> None:
    settings = {"granularity": "MONTH", "columns": COLUMNS, "attribution_type": attribution, "click_window_days": 7}
    rows, bodies, _ = _read({}, settings)
    starts = sorted(_day(body["start_date"]) for body in bodies)
    assert first <= starts[0] < first + timedelta(days=31) and starts[0].day == 1
    assert all((_day(b["end_date"]) - _day(b["start_date"])).days < 365 for b in bodies)
    assert {body["conversion_product_attribution_type"] for body in bodies} == {attribution}
    assert {body["click_window_days"] for body in bodies} == {7}
    # every objective by default (the API's own default leaves out CATALOG_SALES)
    assert all("CATALOG_SALES" in body["campaign_objective_types"] for body in bodies)
    assert rows and {(row["attribution_type"], row["click_window_days"]) for row in rows} == {(attribution, 7)}


def test_the_sku_group_breakdown_sends_its_skus() -> None:
    settings = {"breakdown": "PRODUCT_SKU_GROUP", "product_sku_ids": ["SIMSKU0002", "SIMSKU0003"], "columns": COLUMNS}
    start = (utc_today() - timedelta(days=60)).isoformat()
    rows, bodies, _ = _read({}, settings, start_date=start)
    assert bodies and all(body["product_sku_ids"] == ["SIMSKU0002", "SIMSKU0003"] for body in bodies)
    assert rows and all(row["CONVERSION_PRODUCT_ID_GROUP"] for row in rows)
    assert all("CONVERSION_PRODUCT_ID_GROUP" in body["columns"] for body in bodies)


@pytest.mark.parametrize(
    ("settings", "field", "problem"),
    [
        ({"granularity": "TOTAL"}, "conversion_product_report.granularity", "must be one of ['WEEK', 'MONTH']"),
        ({"level": "PIN_PROMOTION"}, "conversion_product_report.level", "must be one of"),
        ({"breakdown": "PRODUCT"}, "conversion_product_report.breakdown", "must be one of"),
        ({"columns": ["SPEND_IN_DOLLAR"]}, "conversion_product_report.columns", "unknown value(s) ['SPEND_IN_DOLLAR']"),
        ({"attribution_type": "LAST_CLICK"}, "conversion_product_report.attribution_type", "must be one of"),
        ({"click_window_days": 3}, "conversion_product_report.click_window_days", "must be one of"),
        (
            {"campaign_objective_types": []},
            "conversion_product_report.campaign_objective_types",
            "at least one objective",
        ),
        (
            {"breakdown": "PRODUCT_SKU_GROUP", "product_sku_ids": ["A-1", "B2"]},
            "conversion_product_report.product_sku_ids",
            "letters and digits",
        ),
        (
            {"breakdown": "PRODUCT_SKU_GROUP", "product_sku_ids": ["A1"]},
            "conversion_product_report.product_sku_ids",
            "needs 2 to 500",
        ),
        ({"breakdown": "PRODUCT_SKU_GROUP"}, "product_sku_ids", "needs 2 to 500 SKU ids"),
        ({"product_sku_ids": ["A1", "B2"]}, "product_sku_ids", "only taken with the PRODUCT_SKU_GROUP breakdown"),
        ({"days": 3}, "conversion_product_report.days", ""),
        (
            {"breakdown": "PRODUCT_SKU_GROUP", "product_sku_ids": ["A1", "A1"]},
            "conversion_product_report.product_sku_ids",
            "contains duplicate ids",
        ),
        ({"campaign_objective_types": []}, "conversion_product_report.campaign_objective_types", "at least one objective"),
    ],
)
def test_a_bad_conversion_setting_names_its_field(settings: dict[str, Any], field: str, problem: str) -> None:
    config = {
        "credentials": {"auth_method": "access_token", "access_token": "pina_x"},
        "conversion_product_report": settings,
    }
    with pytest.raises(AirbyteTracedException) as raised:
        load_config(config)
    message = str(raised.value.message)
    assert field in message and problem in message, message


def test_an_ad_group_row_of_a_csv_file_is_keyed_by_its_own_id() -> None:
    """A CSV file has no entity key, and an ad group's row also has its CAMPAIGN_ID (every column is read by
    default): the record's ad_group_id is the row's AD_GROUP_ID, never its campaign's id."""
    settings = {"level": "AD_GROUP", "granularity": "WEEK", "columns": ["CAMPAIGN_ID", *METRICS]}
    start = (utc_today() - timedelta(days=30)).isoformat()
    rows = _read({"measurement_file_format": "csv"}, settings, start_date=start)[0]
    assert rows and all(row["ad_group_id"] == row["AD_GROUP_ID"] != row["CAMPAIGN_ID"] for row in rows)


def test_a_key_of_the_settings_is_the_declared_key_under_the_default_settings() -> None:
    """A declaration whose key depends on the settings (`configured_key`) shows the default settings' key
    (`primary_key`: docs, tests); a sync's stream takes the configured one."""
    raw = {"credentials": {"auth_method": "access_token", "access_token": "pina_x"}}
    config = load_config(raw)
    configured = [declaration for declaration in DECLARATIONS if declaration.configured_key is not None]
    assert {declaration.name for declaration in configured} >= {STREAM, "mmm_report"}
    assert all(declaration.key(config) == declaration.primary_key for declaration in configured)
    sku = load_config({**raw, "conversion_product_report": {"level": "AD_GROUP", "breakdown": "PRODUCT_SKU"}})
    [declaration] = [declaration for declaration in configured if declaration.name == STREAM]
    assert declaration.key(sku) == ("ad_account_id", "ad_group_id", "CONVERSION_PRODUCT_ID", "date")
