"""The MMM report stream (issue 23 item 3, streams/measurement.py `mmm_report`) against the simulator: the same
records whichever file the job writes (switch `measurement_file_format`) and whichever date limits the API applies
(switch `mmm_date_limits`: the reports' or the sync analytics'), each key once, valid against the schema; the
settings reach the request, the records and the key; a countries setting splits the numbers by country; each bad
setting names its field."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from harness import error_messages, final_states, records_by_stream, run_read, schema, state_messages
from jsonschema import Draft7Validator

from pinterest_simulator import Simulator
from pinterest_simulator.handlers import measurement as handlers
from pinterest_simulator.measurement import mmm_countries
from pinterest_simulator.switches import CHOICES
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.config import load_config
from source_pinterest_marketing.streams.measurement import MMM_REPORT

STREAM = "mmm_report"
CREATE = "analytics/create_mmm_report"
#: a start older than either reading's reach (90 days back under `sync_analytics`)
OLD_START = (utc_today() - timedelta(days=200)).isoformat()
CHOICES_TARGETING = ["APPTYPE", "COUNTRY", "CREATIVE_TYPE", "GENDER", "LOCATION"]
#: two settings, each read under one reading of the date limits (both readings in every run)
SETTINGS: list[dict[str, Any]] = [
    {},  # the defaults: campaigns, days, every targeting type and column
    # an ad group's row also has its CAMPAIGN_ID: a CSV file's first id column is not the row's entity
    {
        "level": "AD_GROUP_TARGETING",
        "granularity": "WEEK",
        "targeting_types": ["GENDER", "COUNTRY"],
        "columns": ["CAMPAIGN_ID", "SPEND_IN_DOLLAR", "TOTAL_IMPRESSION", "ECTR", "ADVERTISER_NAME"],
    },
]


def _read(switches: dict[str, str], settings: dict[str, Any], **config: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any]:
    with Simulator(preset="small", seed=1, switches=switches) as sim:
        output = run_read(sim.connector_config(mmm_report=settings, **config), [STREAM])
        bodies = [job.body for job in sim.mmm_reports.jobs.values()]
        assert len(bodies) == sim.requests.count(CREATE)
    assert not output.errors, error_messages(output)
    return records_by_stream(output)[STREAM], bodies, output


def _key(settings: dict[str, Any]) -> tuple[str, ...]:
    return MMM_REPORT.key(load_config({"credentials": {"auth_method": "access_token", "access_token": "x"}, "mmm_report": settings}))


def _day(value: str) -> date:
    return date.fromisoformat(value)


@pytest.mark.parametrize(("limits", "settings"), list(zip(CHOICES["mmm_date_limits"], SETTINGS, strict=True)))
def test_the_same_records_whatever_the_file_within_either_date_limit(limits: str, settings: dict[str, Any]) -> None:
    read = {
        fmt: _read({"mmm_date_limits": limits, "measurement_file_format": fmt}, settings, start_date=OLD_START)
        for fmt in CHOICES["measurement_file_format"]
    }
    (first, bodies, _), *others = read.values()
    # in any order (accounts are read concurrently)
    canonical = sorted(json.dumps(row, sort_keys=True) for row in first)
    assert first and all(sorted(json.dumps(row, sort_keys=True) for row in rows) == canonical for rows, _, _ in others)
    # within the last 90 days, at most 90 days from start to end: one job per account
    today = utc_today()
    assert bodies and all(_day(b["start_date"]) >= today - timedelta(days=90) for b in bodies)
    assert all((_day(b["end_date"]) - _day(b["start_date"])).days <= 90 and _day(b["end_date"]) <= today for b in bodies)
    assert len({b["report_name"].split()[2] for b in bodies}) == len(bodies)
    key = _key(settings)
    assert not [k for k, n in Counter(tuple(row[f] for f in key) for row in first).items() if n > 1]
    validator = Draft7Validator(schema(STREAM))
    assert not [error for row in first for error in validator.iter_errors(row)]
    level = settings.get("level", "CAMPAIGN_TARGETING")
    id_column, id_field = ("AD_GROUP_ID", "ad_group_id") if level == "AD_GROUP_TARGETING" else ("CAMPAIGN_ID", "campaign_id")
    assert all(row[id_field] == row[id_column] and row.get("country") is None for row in first)
    assert {b["level"] for b in bodies} == {level} and {b["granularity"] for b in bodies} == {settings.get("granularity", "DAY")}
    types = settings.get("targeting_types", CHOICES_TARGETING)
    assert {row["targeting_type"] for row in first} == set(types)
    assert all(row["targeting_value"] == row["TARGETING_VALUE"] for row in first)
    if "columns" in settings:
        assert all(b["columns"] == [id_column, *settings["columns"]] for b in bodies)
        assert not {"SPEND_IN_MICRO_DOLLAR", "TOTAL_CLICKTHROUGH"} & {k for row in first for k in row}
    if settings.get("granularity") == "WEEK":
        assert all(_day(row["date"]).weekday() == 0 or _day(row["date"]) == _day(bodies[0]["start_date"]) for row in first)





def test_countries_split_the_numbers_by_country() -> None:
    """One job per account and country (its filter), `country` in each record and in the key; a row read without
    countries is the sum of the same row read for each country its campaign delivers in."""
    settings = {"targeting_types": ["GENDER", "COUNTRY"], "columns": ["TOTAL_IMPRESSION", "SPEND_IN_MICRO_DOLLAR"]}
    start = (utc_today() - timedelta(days=6)).isoformat()
    whole, _, _ = _read({}, settings, start_date=start)
    split, bodies, _ = _read({}, {**settings, "countries": ["US", "CA"]}, start_date=start)
    assert sorted(tuple(b["countries"]) for b in bodies) == sorted([("US",), ("CA",)] * (len(bodies) // 2))
    key = _key({"countries": ["US"]})
    assert key[-1] == "country" and "country" not in _key({})
    assert not [k for k, n in Counter(tuple(row[f] for f in key) for row in split).items() if n > 1]
    assert {row["country"] for row in split} == {"US", "CA"}
    # a COUNTRY row of a report filtered to a country is that country's
    assert all(row["targeting_value"] == row["country"] for row in split if row["targeting_type"] == "COUNTRY")
    sums: dict[tuple[Any, ...], int] = defaultdict(int)
    for row in split:
        sums[(row["campaign_id"], row["targeting_type"], row["targeting_value"], row["date"])] += row["TOTAL_IMPRESSION"]
    with Simulator(preset="small", seed=1) as sim:
        both = {row["campaign_id"] for row in whole if set(mmm_countries(sim, row["campaign_id"])) <= {"US", "CA"}}
    compared = [row for row in whole if row["campaign_id"] in both and row["targeting_type"] == "GENDER"]
    assert compared and all(
        row["TOTAL_IMPRESSION"] == sums[(row["campaign_id"], "GENDER", row["targeting_value"], row["date"])]
        for row in compared
    )


def test_an_incremental_read_asks_from_the_saved_day_less_the_lookback() -> None:
    settings = {"targeting_types": ["GENDER"], "columns": ["TOTAL_IMPRESSION"]}
    with Simulator(preset="small", seed=1) as sim:
        config = sim.connector_config(access_token_mode=True, mmm_report=settings, lookback_window_days=3)
        first = run_read(config, [STREAM])
        assert not first.errors, error_messages(first)
        saved = final_states(first)[STREAM]
        created = len(sim.mmm_reports.jobs)
        again = run_read(config, [STREAM], state=state_messages({STREAM: saved}))
        assert not again.errors, error_messages(again)
        bodies = [job.body for job in list(sim.mmm_reports.jobs.values())[created:]]
    cursors = {state["partition"]["ad_account_id"]: state["cursor"]["date"] for state in saved["states"]}
    # rows reach today, the cursor only the last day whose metrics are final (metrics_ready_state)
    assert cursors and all(_day(cursor) < utc_today() for cursor in cursors.values())
    assert bodies and all(
        _day(b["start_date"]) == _day(cursors[b["report_name"].split()[2]]) - timedelta(days=3) for b in bodies
    )
    assert records_by_stream(again)[STREAM]


@pytest.mark.parametrize(
    ("settings", "field", "problem"),
    [
        ({"level": "CAMPAIGN"}, "mmm_report.level", "must be one of"),
        ({"granularity": "MONTH"}, "mmm_report.granularity", "must be one of"),
        ({"targeting_types": []}, "mmm_report.targeting_types", "at least one targeting type"),
        ({"targeting_types": ["AGE_BUCKET"]}, "mmm_report.targeting_types", "unknown value(s) ['AGE_BUCKET']"),
        ({"targeting_types": ["GENDER", "GENDER"]}, "mmm_report.targeting_types", "contains duplicates"),
        ({"columns": ["TOTAL_CONVERSIONS"]}, "mmm_report.columns", "unknown value(s) ['TOTAL_CONVERSIONS']"),
        ({"countries": ["US", "ZZ"]}, "mmm_report.countries", "unknown value(s) ['ZZ']"),
        ({"countries": ["US", "US"]}, "mmm_report.countries", "contains duplicates"),
        ({"country": ["US"]}, "mmm_report.country", "did you mean `countries`?"),
    ],
)
def test_a_bad_mmm_setting_names_its_field(settings: dict[str, Any], field: str, problem: str) -> None:
    config = {"credentials": {"auth_method": "access_token", "access_token": "pina_x"}, "mmm_report": settings}
    with pytest.raises(AirbyteTracedException) as raised:
        load_config(config)
    message = str(raised.value.message)
    assert field in message and problem in message, message


@pytest.mark.parametrize("file_format", CHOICES["measurement_file_format"])
def test_a_metric_that_is_not_a_number_fails_the_stream_naming_the_column(
    monkeypatch: pytest.MonkeyPatch, file_format: str
) -> None:
    """A file whose metric cell is text: the stream fails with an error naming it and the column (not a bare
    ValueError, and no record with a made-up number)."""
    real_rows = handlers.mmm_rows

    def garbled(sim: Any, job: Any) -> Any:
        for entity_id, rows in real_rows(sim, job):
            yield entity_id, [{**row, "TOTAL_IMPRESSION": "n/a"} for row in rows]

    monkeypatch.setattr(handlers, "mmm_rows", garbled)
    settings = {"targeting_types": ["GENDER"], "columns": ["TOTAL_IMPRESSION"]}
    with Simulator(preset="small", seed=1, switches={"measurement_file_format": file_format}) as sim:
        output = run_read(sim.connector_config(access_token_mode=True, mmm_report=settings), [STREAM])
    messages = error_messages(output)
    assert messages and all("'mmm_report'" in m and "TOTAL_IMPRESSION" in m and "'n/a'" in m for m in messages), messages
    assert not records_by_stream(output).get(STREAM)


def test_a_report_that_keeps_failing_names_its_account_country_and_window(sleeps: list[float]) -> None:
    """A report of one country (`countries` configured) that fails every attempt: the error names the ad account, the
    country and the window."""
    settings = {"targeting_types": ["GENDER"], "columns": ["TOTAL_IMPRESSION"], "countries": ["US"]}
    with Simulator(preset="small", seed=1) as sim:
        sim.mmm_reports.fail_next(100)
        config = sim.connector_config(access_token_mode=True, mmm_report=settings)
        output = run_read(config, [STREAM], expect_failure=True)
        accounts = set(sim.dataset.ad_account_ids)
    failures = [m for m in error_messages(output) if m.startswith(f"Report '{STREAM}'")]
    named = [re.match(r"Report 'mmm_report' for ad account (\w+), country US, window [-0-9]+\.\.[-0-9]+: ", m) for m in failures]
    assert all(named) and {n.group(1) for n in named if n} == accounts, failures
    assert all("the job ended FAILED after 3 attempts" in m for m in failures), failures
