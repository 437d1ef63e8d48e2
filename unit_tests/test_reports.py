"""Async report streams against the simulator: every level, custom reports, job life cycle and faults."""

from __future__ import annotations

import itertools
import math
from datetime import date, timedelta
from typing import Any

import pytest
from harness import (
    check_status,
    error_messages,
    final_states,
    records_by_stream,
    run_check,
    run_discover,
    run_read,
    schema,
    state_messages,
)

from pinterest_simulator import Simulator
from source_pinterest_marketing.api_description import api_enums
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.streams.columns import columns
from source_pinterest_marketing.streams.jobs import AsyncJob
from source_pinterest_marketing.streams.periods import period_start
from source_pinterest_marketing.streams.reports import REPORTS

REPORT_STREAMS = tuple(spec.stream_name for spec in REPORTS)


@pytest.fixture(autouse=True)
def fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AsyncJob, "poll_base_seconds", 0.001)
    monkeypatch.setattr(AsyncJob, "poll_max_seconds", 0.01)


def _days_ago(days: int) -> str:
    return (utc_today() - timedelta(days=days)).isoformat()


def _config(sim: Simulator, start_days_ago: int, **overrides: Any) -> dict[str, Any]:
    base = {"start_date": _days_ago(start_days_ago), "ad_account_ids": [sim.dataset.ad_account_ids[0]]}
    return sim.connector_config(**{**base, **overrides})


def test_every_report_level_returns_records(sim: Simulator) -> None:
    config = _config(sim, 3, view_window_days=0)
    records = records_by_stream(run_read(config, REPORT_STREAMS))
    assert sorted(records) == sorted(REPORT_STREAMS)
    for spec in REPORTS:
        rows = records[spec.stream_name]
        for field in spec.primary_key:
            assert all(isinstance(row[field], str) for row in rows), (spec.stream_name, field)
        assert all(row["view_window_days"] == 0 and row["click_window_days"] == 30 for row in rows)
    # 0 is sent as 0, in a JSON body
    assert {body["view_window_days"] for body in sim.reports.bodies()} == {0}
    assert {row["targeting_type"] for row in records["campaign_targeting_report"]} <= {
        "AGE_BUCKET",
        "GENDER",
        "COUNTRY",
        "APPTYPE",
        "PLACEMENT",
    }


@pytest.mark.parametrize("granularity", ["DAY", "WEEK", "MONTH", "TOTAL", "HOUR"])
def test_custom_report_of_each_granularity(sim: Simulator, granularity: str) -> None:
    report = {
        "name": f"by_{granularity.lower()}",
        "level": "AD_GROUP",
        "granularity": granularity,
        "columns": ["AD_GROUP_ID", "SPEND_IN_DOLLAR", "TOTAL_IMPRESSION", "CTR"],
        "start_date": _days_ago(2),
        "view_window_days": 7,
    }
    config = _config(sim, 30, custom_reports=[report])
    rows = records_by_stream(run_read(config, [f"custom_by_{granularity.lower()}"]))[f"custom_by_{granularity.lower()}"]
    assert rows and all(row["ad_group_id"] and row["date"] for row in rows)
    assert {row["view_window_days"] for row in rows} == {7}
    [body] = sim.reports.bodies()
    # a WEEK or MONTH report starts with the whole period holding the start date
    first_day = period_start(date.fromisoformat(_days_ago(2)), granularity).isoformat()
    assert body["granularity"] == granularity and body["start_date"] == first_day
    assert all(row["period_start"] == row["date"] and row["period_end"] >= row["period_start"] for row in rows)


def test_two_year_history_uses_the_fewest_jobs(sim: Simulator) -> None:
    days = 730
    run_read(_config(sim, days - 1), ["advertiser_report"])
    bodies = sorted(sim.reports.bodies(), key=lambda body: body["start_date"])
    assert len(bodies) == math.ceil(days / 186)
    for before, after in itertools.pairwise(bodies):
        assert date.fromisoformat(after["start_date"]) == date.fromisoformat(before["end_date"]) + timedelta(days=1)
    assert all((date.fromisoformat(b["end_date"]) - date.fromisoformat(b["start_date"])).days < 186 for b in bodies)
    assert bodies[0]["start_date"] == _days_ago(days - 1) and bodies[-1]["end_date"] == _days_ago(0)


@pytest.mark.parametrize("status", ["FAILED", "CANCELLED", "EXPIRED"])
def test_a_job_that_fails_once_is_recreated(sim: Simulator, status: str) -> None:
    sim.reports.fail_next(1, status)
    output = run_read(_config(sim, 5), ["campaign_report"])
    assert records_by_stream(output)["campaign_report"]
    assert len(sim.reports.bodies()) == 2


def test_an_unknown_token_is_recreated(sim: Simulator) -> None:
    original = sim.reports.poll
    calls = {"n": 0}

    def forget_first(token: str) -> Any:
        calls["n"] += 1
        return None if calls["n"] == 1 else original(token)

    sim.reports.poll = forget_first  # type: ignore[method-assign]
    assert records_by_stream(run_read(_config(sim, 5), ["campaign_report"]))["campaign_report"]
    assert len(sim.reports.bodies()) == 2


def test_a_job_that_keeps_failing_fails_the_sync_with_a_resumable_state(sim: Simulator) -> None:
    account = sim.dataset.ad_account_ids[0]
    start = utc_today() - timedelta(days=400)
    second_window = start + timedelta(days=186)
    sim.reports.fail_windows[second_window.isoformat()] = "FAILED"
    output = run_read(_config(sim, 400, num_workers=1), ["advertiser_report"], expect_failure=True)
    message = next(m for m in error_messages(output) if "Report 'advertiser_report'" in m)
    assert account in message and second_window.isoformat() in message and "3 attempts" in message
    [entry] = final_states(output)["advertiser_report"]["states"]
    saved = date.fromisoformat(entry["cursor"]["date"])
    assert start <= saved < second_window  # the first window is kept, nothing past the failed one
    assert len([b for b in sim.reports.bodies() if b["start_date"] == second_window.isoformat()]) == 3


def test_the_download_carries_no_authorization_header(sim: Simulator) -> None:
    run_read(_config(sim, 5), ["advertiser_report"])
    assert sim.reports.downloads and all(d["authorization"] == "" for d in sim.reports.downloads)


def test_several_jobs_are_in_flight_at_once_bounded_by_config(sim: Simulator) -> None:
    sim.reports.in_progress_seconds = 0.3
    config = sim.connector_config(start_date=_days_ago(400), report_jobs_in_flight=3)
    run_read(config, ["advertiser_report"])
    assert len(sim.reports.bodies()) == 3 * len(sim.dataset.ad_account_ids)
    assert 2 <= sim.reports.peak_in_progress <= 3


def test_a_finished_jobs_download_leaves_its_place_in_flight_to_the_next_job(sim: Simulator) -> None:
    """`report_jobs_in_flight` bounds the jobs Pinterest generates: with one place, the next job is created while the
    finished one's file is still downloading (a slow download: 2 s), not after it."""
    download_seconds = 2.0
    sim.faults.add("latency", path_regex=r"^/downloads/reports/", latency_ms=download_seconds * 1000, times=None)
    config = sim.connector_config(start_date=_days_ago(5), report_jobs_in_flight=1, num_workers=2)
    run_read(config, ["advertiser_report"])
    answered = sim.requests.snapshot()
    creations = sorted(r.time for r in answered if r.operation_id == "analytics/create_report")
    assert len(creations) == len(sim.dataset.ad_account_ids) >= 2
    # a job is finished at its last poll; the next is created well before that job's file has arrived
    first_finished = max(
        r.time for r in answered if r.operation_id == "analytics/get_report" and r.time < creations[1]
    )
    assert creations[1] - first_finished < download_seconds / 2
    assert sim.reports.peak_in_progress == 1


def test_incremental_sync_restarts_at_the_saved_date_minus_the_lookback(sim: Simulator) -> None:
    config = _config(sim, 20, lookback_window_days=3, access_token_mode=True)
    state = final_states(run_read(config, ["campaign_report"]))
    # the cursor stops at the last day whose metrics are final (metrics_ready_state)
    final = sim.conversion_metrics_ready_lag_days
    assert state["campaign_report"]["states"][0]["cursor"]["date"] == _days_ago(final)
    run_read(config, ["campaign_report"], state=state_messages(state))
    last = sim.reports.bodies()[-1]
    assert last["start_date"] == _days_ago(final + 3)


def test_custom_report_names_and_status_filters(sim: Simulator) -> None:
    statuses = ["RUNNING", "PAUSED", "NOT_STARTED", "COMPLETED", "ADVERTISER_DISABLED", "ARCHIVED", "DRAFT"]
    report = {"name": "spend", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"], "campaign_statuses": statuses}
    config = _config(sim, 3, custom_reports=[report])
    names = {stream.name for stream in run_discover(config).catalog.catalog.streams}
    assert "custom_spend" in names
    rows = records_by_stream(run_read(config, ["custom_spend"]))["custom_spend"]
    # 7 values are split into two requests of at most 6 (a campaign has one status: the rows are disjoint)
    bodies = sim.reports.bodies()
    assert sorted(len(body["campaign_statuses"]) for body in bodies) == [1, 6]
    assert len({(row["campaign_id"], row["date"]) for row in rows}) == len(rows)
    # ...but an account-level report sums over the campaigns: splitting would double count, so it is refused
    aggregate = {**report, "level": "ADVERTISER"}
    output = run_read(_config(sim, 3, custom_reports=[aggregate]), ["custom_spend"], expect_failure=True)
    assert any("at most 6" in message for message in error_messages(output))


def test_standard_reports_ask_every_column_of_their_level(sim: Simulator) -> None:
    """Ids, names and attributes of the level and its parents, and every metric; none the API refuses."""
    streams = ["campaign_report", "product_item_report"]
    output = run_read(_config(sim, 3), streams)
    metrics = {name for name, column in columns().items() if column.describes == "metric"}
    asked = {body["level"]: set(body["columns"]) for body in sim.reports.bodies()}
    async_metrics = metrics & set(api_enums()["async_report_columns"])
    assert async_metrics <= asked["CAMPAIGN"] and async_metrics <= asked["PRODUCT_ITEM"]
    assert {"ADVERTISER_ID", "CAMPAIGN_ID", "CAMPAIGN_NAME", "CAMPAIGN_DAILY_SPEND_CAP"} <= asked["CAMPAIGN"]
    assert not {"AD_GROUP_ID", "AD_ID", "PRODUCT_ITEM_BRAND"} & asked["CAMPAIGN"]
    assert {"PRODUCT_ITEM_BRAND", "PRODUCT_ITEM_PRICE", "PRODUCT_GROUP_ID", "AD_GROUP_ID"} <= asked["PRODUCT_ITEM"]
    assert not {"AD_ID", "PIN_PROMOTION_ID", "PIN_ID", "AD_NAME"} & asked["PRODUCT_ITEM"]
    rows = records_by_stream(output)
    assert any(row.get("TOTAL_CONVERSIONS") is not None for row in rows["campaign_report"])
    # the schema has every asked column, typed by the reviewed table (text as text)
    properties = schema("product_item_report")["properties"]
    assert asked["PRODUCT_ITEM"] <= set(properties)
    assert properties["PRODUCT_ITEM_BRAND"]["type"] == ["null", "string"]


@pytest.mark.parametrize(
    ("report", "message"),
    [
        (
            {"name": "items", "level": "PRODUCT_ITEM", "columns": ["PRODUCT_ITEM_BRAND", "AD_ID", "SPEND_IN_DOLLAR"]},
            "does not take Pin promotion and ad columns (the API refuses them): ['AD_ID']",
        ),
        (
            {
                "name": "media",
                "level": "CAMPAIGN_TARGETING",
                "columns": ["SPEND_IN_DOLLAR"],
                "targeting_types": ["MEDIA_TYPE"],
            },
            "targeting type MEDIA_TYPE is only available at level PRODUCT_ITEM_TARGETING",
        ),
    ],
)
def test_a_custom_report_the_api_would_refuse_fails_the_check(sim: Simulator, report: dict, message: str) -> None:
    status, text = check_status(run_check(_config(sim, 3, custom_reports=[report])))
    assert status == "FAILED" and message in text
    assert not sim.reports.bodies()
