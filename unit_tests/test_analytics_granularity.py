"""Sync analytics at every `analytics_granularity`, under every reading of what the API leaves open (the simulator's
`week_start`, `period_label`, `total_date` and `hour_date` switches): one row per entity and period over full and incremental reads,
each period equal to the sum of its days, the period in the key, HOUR rows one key per hour."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from harness import final_states, records_by_stream, run_discover, run_read, state_messages

from pinterest_simulator import Simulator
from pinterest_simulator.switches import CHOICES
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.streams import periods

STREAMS = {"campaign_analytics": "campaign_id", "campaign_targeting_analytics": "campaign_id", "ad_pin_analytics": "pin_id"}
METRICS = ("SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION")


def _config(sim: Simulator, granularity: str, **overrides: Any) -> dict[str, Any]:
    return sim.connector_config(
        access_token_mode=True,
        ad_account_ids=sim.dataset.owned_ad_account_ids[:1],
        analytics_granularity=granularity,
        **overrides,
    )


def _series(stream: str, row: dict[str, Any]) -> tuple[Any, ...]:
    """What one row is of, apart from its period."""
    parents = ("campaign_id",) if stream == "ad_pin_analytics" else ()
    targeting = ("targeting_type", "targeting_value") if "targeting" in stream else ()
    return tuple(row[field] for field in (*parents, STREAMS[stream], *targeting))


def _key(stream: str, row: dict[str, Any], granularity: str) -> tuple[Any, ...]:
    period = (row["date"], row["period_end"]) if granularity == periods.TOTAL else (row["date"],)
    return (*_series(stream, row), *period)


def _unique(stream: str, rows: list[dict[str, Any]], granularity: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    counts = Counter(_key(stream, row, granularity) for row in rows)
    assert not [key for key, n in counts.items() if n > 1], f"{stream} {granularity}: a key twice"
    return {_key(stream, row, granularity): row for row in rows}


def _daily(sim: Simulator, streams: list[str]) -> dict[str, dict[tuple[Any, ...], dict[str, float]]]:
    """The DAY rows' metrics, by stream, series and day."""
    rows = records_by_stream(run_read(_config(sim, "DAY"), streams))
    days: dict[str, dict[tuple[Any, ...], dict[str, float]]] = {}
    for stream in streams:
        found: dict[tuple[Any, ...], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for row in rows[stream]:
            for metric in METRICS:
                found[(*_series(stream, row), row["date"])][metric] += row.get(metric) or 0
        days[stream] = found
    return days


def _assert_sums(stream: str, rows: dict[tuple[Any, ...], dict[str, Any]], days: Any, granularity: str) -> None:
    today = utc_today()
    for row in rows.values():
        first = date.fromisoformat(row["period_start"])
        last = min(date.fromisoformat(row["period_end"]), today)
        if granularity in (periods.WEEK, periods.MONTH):
            assert row["period_end"] == periods.period_end(first, granularity).isoformat()
        if granularity == periods.MONTH:
            assert first.day == 1, f"{stream}: a month keyed by its first day, whatever the row's DATE"
        for metric in METRICS:
            expected = sum(
                days.get((*_series(stream, row), (first + timedelta(days=n)).isoformat()), {}).get(metric, 0)
                for n in range((last - first).days + 1)
            )
            assert (row.get(metric) or 0) == pytest.approx(expected), f"{stream} {granularity} {first}..{last} {metric}"


def _full_then_incremental(sim: Simulator, granularity: str) -> list[dict[str, list[dict[str, Any]]]]:
    config = _config(sim, granularity, lookback_window_days=10)
    full = run_read(config, list(STREAMS))
    incremental = run_read(config, list(STREAMS), state=state_messages(final_states(full)))
    return [records_by_stream(full), records_by_stream(incremental)]


@pytest.mark.parametrize("period_label", CHOICES["period_label"])
@pytest.mark.parametrize("week_start", CHOICES["week_start"])
@pytest.mark.parametrize("granularity", [periods.WEEK, periods.MONTH])
def test_week_and_month_periods_are_whole_and_unique(
    sim: Simulator, granularity: str, week_start: str, period_label: str
) -> None:
    sim.switches.week_start = week_start
    sim.switches.period_label = period_label
    days = _daily(sim, list(STREAMS))
    reads = _full_then_incremental(sim, granularity)
    for stream in STREAMS:
        assert reads[0][stream], f"{stream}: no {granularity} rows"
        merged: dict[tuple[Any, ...], dict[str, Any]] = {}
        for read in reads:
            merged.update(_unique(stream, read[stream], granularity))
        _assert_sums(stream, merged, days[stream], granularity)
        if granularity == periods.WEEK:
            first_day = 0 if week_start == "monday" else 6
            assert {date.fromisoformat(key[-1]).weekday() for key in merged if key[-1] > min(k[-1] for k in merged)} == {
                first_day
            }, "each week labelled by Pinterest's first day"


@pytest.mark.parametrize("total_date", CHOICES["total_date"])
def test_total_rows_are_fixed_windows_with_their_end_in_the_key(sim: Simulator, total_date: str) -> None:
    sim.switches.total_date = total_date
    days = _daily(sim, list(STREAMS))
    reads = _full_then_incremental(sim, periods.TOTAL)
    for stream in STREAMS:
        merged: dict[tuple[Any, ...], dict[str, Any]] = {}
        for read in reads:
            merged.update(_unique(stream, read[stream], periods.TOTAL))
        assert merged, stream
        windows = {(row["period_start"], row["period_end"]) for row in merged.values()}
        for start, end in windows:
            assert (date.fromisoformat(end) - date.fromisoformat(start)).days == 89, "fixed 90-day windows"
            assert (date.fromisoformat(start) - periods.TOTAL_ANCHOR).days % 90 == 0, "anchored, the same every sync"
        _assert_sums(stream, merged, days[stream], periods.TOTAL)
    discovered = {stream.name: stream for stream in run_discover(_config(sim, "TOTAL")).catalog.catalog.streams}
    assert discovered["campaign_analytics"].source_defined_primary_key == [["campaign_id"], ["date"], ["period_end"]]


@pytest.mark.parametrize("hour_date", CHOICES["hour_date"])
def test_hour_rows_keep_one_key_per_hour_and_add_up_to_their_day(sim: Simulator, hour_date: str) -> None:
    sim.switches.hour_date = hour_date
    streams = ["campaign_analytics", "ad_pin_analytics"]
    days = _daily(sim, streams)
    config = _config(sim, periods.HOUR)
    output = run_read(config, streams)
    rows = records_by_stream(output)
    today = utc_today()
    for stream in streams:
        unique = _unique(stream, rows[stream], periods.HOUR)
        assert {row["date"][11:] for row in unique.values()} >= {"00:00:00", "23:00:00"}
        hourly: dict[tuple[Any, ...], float] = defaultdict(float)
        for row in unique.values():
            assert row["period_end"] == row["date"][:14] + "59:59"
            hourly[(*_series(stream, row), row["date"][:10])] += row.get("TOTAL_IMPRESSION") or 0
        first = min(key[-1] for key in hourly)
        assert first >= (today - timedelta(days=7)).isoformat(), "HOUR: the last 8 days only"
        for key, total in hourly.items():
            assert total == pytest.approx(days[stream].get(key, {}).get("TOTAL_IMPRESSION", 0)), (stream, key)
    assert output.is_in_logs("serves analytics for the last 8 days only") or config.get("start_date") is None
    # the schema says an HOUR period is a day and an hour, not a date
    schema = {s.name: s.json_schema for s in run_discover(config).catalog.catalog.streams}["campaign_analytics"]
    assert "format" not in schema["properties"]["date"]
    assert schema["properties"]["date"]["type"] == ["null", "string"]


def test_hour_streams_start_and_end_at_the_hour_of_a_date_time(sim: Simulator) -> None:
    """A start or end given as a date-time: days are read whole, HOUR rows are kept from the start's hour to the
    end's (the sync analytics at HOUR granularity, and an HOUR custom report with its own date-times)."""
    day = (utc_today() - timedelta(days=2)).isoformat()
    report = {
        "name": "hourly",
        "level": "CAMPAIGN",
        "granularity": "HOUR",
        "columns": ["CAMPAIGN_ID", "TOTAL_IMPRESSION"],
        "start_date": f"{day}T05:30:00Z",
        "end_date": f"{day}T09:00:00+02:00",
    }
    config = _config(sim, periods.HOUR, start_date=f"{day}T20:15:00Z", custom_reports=[report])
    output = run_read(config, ["campaign_analytics", "custom_hourly"])
    rows = records_by_stream(output)
    assert rows["campaign_analytics"] and min(row["date"] for row in rows["campaign_analytics"]) == f"{day} 20:00:00"
    assert {row["date"] for row in rows["custom_hourly"]} == {f"{day} {hour:02d}:00:00" for hour in range(5, 8)}
    assert output.is_in_logs(f"`start_date` {day}T20:15:00Z is read as the UTC day {day}")
