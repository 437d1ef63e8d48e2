"""Sync analytics streams against the in-process simulator: coverage, request counts, hierarchy totals,
lookback over restated days, attribution parameters and the API's date rules."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
from collections import defaultdict
from collections.abc import Iterator
from typing import Any, Optional

import pytest
from airbyte_cdk.models import AirbyteStateMessage, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.state_builder import StateBuilder

from pinterest_simulator import Simulator
from source_pinterest_marketing import SourcePinterestMarketing
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.errors import PinterestBackoffStrategy
from source_pinterest_marketing.streams.analytics import ADS_ANALYTICS, ANALYTICS_STREAMS, MAX_DAYS_BACK, PeekedBody
from source_pinterest_marketing.streams.periods import windows as date_windows

#: stream -> operation, from the registry (test_registry.py checks each against the API description)
ALL_OPERATIONS = {declaration.name: declaration.operation for declaration in ANALYTICS_STREAMS}
TOP_PINS = {"user_account_top_pins", "user_account_top_video_pins"}
ADS_OPERATIONS = {name: operation for name, operation in ALL_OPERATIONS.items() if name in {s.name for s in ADS_ANALYTICS}}



def _today() -> dt.date:
    return utc_today()


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PinterestBackoffStrategy, "base_seconds", 0.01)


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(preset="small", seed=1) as running:
        yield running


def _config(sim: Simulator, days_back: int, **overrides: Any) -> dict[str, Any]:
    start = (_today() - dt.timedelta(days=days_back)).isoformat()
    # access-token mode: several reads share one config, and refresh tokens rotate
    return sim.connector_config(
        access_token_mode=True, start_date=start, ad_account_ids=[sim.dataset.owned_ad_account_ids[0]], **overrides
    )


def _read(
    config: dict[str, Any],
    streams: list[str],
    mode: SyncMode = SyncMode.full_refresh,
    state: Optional[list[AirbyteStateMessage]] = None,
) -> EntrypointOutput:
    catalog = CatalogBuilder()
    for name in streams:
        catalog.with_stream(name, mode)
    output = read(SourcePinterestMarketing(), config, catalog.build(), state=state)
    assert not output.errors, output.errors
    return output


def _rows(output: EntrypointOutput, stream: str) -> list[dict[str, Any]]:
    return [message.record.data for message in output.records if message.record.stream == stream]


def _analytics_requests(sim: Simulator) -> list[Any]:
    return [r for r in sim.requests if r.operation_id in ALL_OPERATIONS.values()]


def _assert_dates_allowed(sim: Simulator) -> None:
    """Every analytics request kept the API's rules (the simulator would have answered 400)."""
    today = _today()
    requests = _analytics_requests(sim)
    assert requests
    for record in requests:
        assert record.status == 200, record
        start = dt.date.fromisoformat(record.query["start_date"][0])
        end = dt.date.fromisoformat(record.query["end_date"][0])
        assert today - dt.timedelta(days=MAX_DAYS_BACK) <= start <= end <= today
        assert (end - start).days <= MAX_DAYS_BACK


def test_date_windows_cover_the_range_oldest_first() -> None:
    start = dt.date(2026, 1, 1)
    windows = list(date_windows(start, dt.date(2026, 7, 1), "DAY", 90))
    assert windows[0][0] == start and windows[-1][1] == dt.date(2026, 7, 1)
    assert all(b[0] - a[1] == dt.timedelta(days=1) for a, b in itertools.pairwise(windows))
    assert all((end - begin).days < 90 for begin, end in windows)


def test_every_stream_returns_records(sim: Simulator) -> None:
    sim.requests.clear()
    output = _read(_config(sim, days_back=5), list(ALL_OPERATIONS))
    for stream in ALL_OPERATIONS:
        rows = _rows(output, stream)
        assert rows, f"{stream} returned no records"
        for row in rows:
            if stream in TOP_PINS:
                assert row["start_date"] <= row["end_date"] and row["rank"] >= 1 and row["sort_by"]
                assert isinstance(row["pin_id"], str) and isinstance(row["user_account_id"], str)
            else:
                assert isinstance(row["date"], str)
        if stream in ADS_OPERATIONS:
            id_field = {"ad_account": "ad_account_id"}.get(stream.split("_targeting")[0])
            for row in rows:
                assert isinstance(row["ad_account_id"], str)
                assert all(isinstance(row[key], str) for key in row if key.endswith("_id") and row[key] is not None)
                assert row["view_window_days"] == 1 and row["conversion_report_time"] == "TIME_OF_AD_ACTION"
            if id_field:
                assert all(row[id_field] for row in rows)
    assert all(isinstance(row["pin_id"], str) for row in _rows(output, "pin_analytics"))
    targeting = _rows(output, "ad_targeting_analytics")
    assert all(row["targeting_type"] and row["targeting_value"] and row["ad_id"] for row in targeting)
    _assert_dates_allowed(sim)


def test_request_count_is_the_minimum_and_old_dates_are_clamped() -> None:
    with Simulator(preset="small", seed=2) as sim:
        account = sim.dataset.owned_ad_account_ids[0]
        for _ in range(260):
            sim.dataset.add("ads", account)
        ads = len(sim.dataset.entities("ads", account))
        campaigns = len(sim.dataset.entities("campaigns", account))
        # beyond what the API serves: clamped with a log line, never sent
        clamped = _read(_config(sim, days_back=200), ["ad_account_analytics"])
        assert clamped.is_in_logs("serves analytics for the last 90 days only")
        assert sim.requests.count("ad_account/analytics") == 1
        assert len(_rows(clamped, "ad_account_analytics")) == MAX_DAYS_BACK

        streams = ["campaign_analytics", "ad_analytics", "ad_targeting_analytics", "campaign_targeting_analytics"]
        output = _read(_config(sim, days_back=2), streams)
        windows = 1
        assert sim.requests.count("ads/analytics") == math.ceil(ads / 250) * windows == 2
        assert sim.requests.count("ad_targeting_analytics/get") == math.ceil(ads / 250) * windows
        # one request a window, answering campaign_analytics and the question which campaigns delivered alike
        # (ad_analytics spends 2 requests on the window: analytics.IdleCampaigns)
        assert sim.requests.count("campaigns/analytics") == math.ceil(campaigns / 250) * windows == 1
        # 15 campaign targeting types, 14 allowed a request
        assert sim.requests.count("campaign_targeting_analytics/get") == 2 * windows
        assert {row["ad_id"] for row in _rows(output, "ad_analytics")} == {
            ad["id"] for ad in sim.dataset.entities("ads", account)
        }
        _assert_dates_allowed(sim)


def test_account_total_is_the_sum_over_campaigns_and_ad_groups(sim: Simulator) -> None:
    output = _read(_config(sim, days_back=10), ["ad_account_analytics", "campaign_analytics", "ad_group_analytics"])
    account = {row["date"]: row for row in _rows(output, "ad_account_analytics")}
    assert len(account) == 11
    for level in ("campaign_analytics", "ad_group_analytics"):
        sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for row in _rows(output, level):
            for column in ("SPEND_IN_MICRO_DOLLAR", "PAID_IMPRESSION", "TOTAL_IMPRESSION"):
                sums[row["date"]][column] += row[column]
        for day, row in account.items():
            for column in ("SPEND_IN_MICRO_DOLLAR", "PAID_IMPRESSION", "TOTAL_IMPRESSION"):
                assert row[column] == sums[day][column], (level, day, column)


def test_incremental_sync_rereads_the_lookback_and_picks_up_restated_values() -> None:
    """Ads analytics: the cursor stops at the last day whose metrics are final (metrics_ready_state), the next
    sync re-reads from there minus the lookback; organic analytics (no such state) advance to today."""
    with Simulator(preset="small", seed=3) as sim:
        account = sim.dataset.owned_ad_account_ids[0]
        user = sim.dataset.user["id"]
        config = _config(sim, days_back=20, lookback_window_days=3)
        streams = ["campaign_analytics", "user_account_analytics"]
        first = _read(config, streams, SyncMode.incremental)
        today = _today()
        final = today - dt.timedelta(days=sim.conversion_metrics_ready_lag_days)
        state = first.most_recent_state
        assert state is not None
        states = {
            message.state.stream.stream_descriptor.name: message.state.stream.stream_state
            for message in first.state_messages
        }
        campaign_state = states["campaign_analytics"].__dict__
        assert campaign_state["states"] == [
            {"partition": {"ad_account_id": account}, "cursor": {"date": final.isoformat()}}
        ]
        assert first.is_in_logs(f"metrics after {final.isoformat()} are not final yet")
        assert states["user_account_analytics"].__dict__["states"] == [
            {"partition": {"user_account_id": user}, "cursor": {"date": today.isoformat()}}
        ]

        sim.dataset.restate()
        sim.requests.clear()
        builder = StateBuilder()
        for name, value in states.items():
            builder.with_stream_state(name, value.__dict__)
        second = _read(config, streams, SyncMode.incremental, state=builder.build())

        for operation, cursor in (("campaigns/analytics", final), ("user_account/analytics", today)):
            sent = [r for r in sim.requests if r.operation_id == operation]
            assert len(sent) == 1
            assert sent[0].query["start_date"] == [(cursor - dt.timedelta(days=3)).isoformat()]
            assert sent[0].query["end_date"] == [today.isoformat()]
        before = {(row["campaign_id"], row["date"]): row for row in _rows(first, "campaign_analytics")}
        after = _rows(second, "campaign_analytics")
        reread = (today - final).days + 3
        assert {row["date"] for row in after} == {(today - dt.timedelta(days=n)).isoformat() for n in range(reread + 1)}
        restated = [row for row in after if row["date"] >= (today - dt.timedelta(days=3)).isoformat()]
        assert restated and all(
            row["SPEND_IN_MICRO_DOLLAR"] != before[(row["campaign_id"], row["date"])]["SPEND_IN_MICRO_DOLLAR"]
            for row in restated
        )
        _assert_dates_allowed(sim)


def test_attribution_is_sent_on_every_request_and_written_into_rows(sim: Simulator) -> None:
    sim.requests.clear()
    config = _config(
        sim, days_back=3, view_window_days=0, click_window_days=7, conversion_report_time="TIME_OF_CONVERSION"
    )
    output = _read(config, list(ADS_OPERATIONS))
    sent = [r for r in sim.requests if r.operation_id in ADS_OPERATIONS.values()]
    assert {r.operation_id for r in sent} == set(ADS_OPERATIONS.values())
    for record in sent:
        assert record.query["view_window_days"] == ["0"]
        assert record.query["click_window_days"] == ["7"]
        assert record.query["engagement_window_days"] == ["30"]
        assert record.query["conversion_report_time"] == ["TIME_OF_CONVERSION"]
    for stream in ADS_OPERATIONS:
        for row in _rows(output, stream):
            assert (row["click_window_days"], row["engagement_window_days"], row["view_window_days"]) == (7, 30, 0)
            assert row["conversion_report_time"] == "TIME_OF_CONVERSION"


@pytest.mark.parametrize(
    ("stream", "body", "problem"),
    [
        ("ad_analytics", {"items": []}, "expected a JSON array of row objects"),
        ("ad_targeting_analytics", ["not", "an object"], "expected an object with a 'data' list"),
        ("ad_analytics", ["a row that is a string"], "a row is not an object"),
    ],
)
def test_analytics_body_of_the_wrong_shape_fails_naming_the_stream(
    sim: Simulator, stream: str, body: Any, problem: str
) -> None:
    """A 200 whose body is not the documented shape is an error, never a silent empty read."""
    sim.faults.add("status", status=200, operation_id=ALL_OPERATIONS[stream], body=body, times=None)
    try:
        catalog = CatalogBuilder().with_stream(stream, SyncMode.full_refresh).build()
        output = read(SourcePinterestMarketing(), _config(sim, days_back=3), catalog)
    finally:
        sim.faults.clear()
    messages = [message.trace.error.message for message in output.errors]
    assert any(f"stream '{stream}'" in message and problem in message for message in messages), messages
    assert not _rows(output, stream)


@pytest.mark.parametrize("head", [b"", b"   \n\t", b" " * 70_000])
def test_peeked_body_looks_at_the_first_byte_and_then_reads_everything(head: bytes) -> None:
    payload = head + b'[{"DATE": "2026-11-20", "AD_ID": "1"}]'
    body = PeekedBody(io.BytesIO(payload))
    assert body.first_byte() == b"["
    read_back = b"".join(iter(lambda: body.read(1000), b""))
    assert read_back == payload
    assert PeekedBody(io.BytesIO(b"  ")).first_byte() == b""
