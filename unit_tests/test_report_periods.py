"""WEEK, MONTH and TOTAL reports over 400+ days, read in full and then incrementally: exactly one row per entity and
period, each equal to the sum of its days, whatever day Pinterest's weeks start on."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from airbyte_cdk.models import SyncMode
from harness import final_states, records_by_stream, run_read, state_messages

from pinterest_simulator import Simulator
from pinterest_simulator.switches import CHOICES
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.streams import periods

START_DAYS_AGO = 400
STREAMS = ["custom_days", "custom_weeks", "custom_months", "custom_totals"]
METRIC = "SPEND_IN_MICRO_DOLLAR"


def _report(name: str, granularity: str, start: date) -> dict[str, Any]:
    columns = ["CAMPAIGN_ID", METRIC]
    return {"name": name, "level": "CAMPAIGN", "granularity": granularity, "columns": columns, "start_date": start.isoformat()}


def _config(sim: Simulator) -> dict[str, Any]:
    today = utc_today()
    start = today - timedelta(days=START_DAYS_AGO)
    reports = [
        # the days start earlier, so that they cover the first week and month whole
        _report("days", "DAY", start - timedelta(days=40)),
        _report("weeks", "WEEK", start),
        _report("months", "MONTH", start),
        _report("totals", "TOTAL", start),
    ]
    return sim.connector_config(access_token_mode=True, ad_account_ids=sim.dataset.ad_account_ids[:1], custom_reports=reports)


def _label(day: date, granularity: str, week_start: str) -> date:
    if granularity == "WEEK":
        first = 0 if week_start == "monday" else 6
        return day - timedelta(days=(day.weekday() - first) % 7)
    return periods.period_start(day, granularity)


def _check(rows: dict[str, list[dict[str, Any]]], week_start: str, days: dict[tuple[str, date], float]) -> None:
    today = utc_today()
    for stream, granularity in (("custom_weeks", "WEEK"), ("custom_months", "MONTH"), ("custom_totals", "TOTAL")):
        key = ("campaign_id", "date", "period_end")
        counts = Counter(tuple(row[field] for field in key) for row in rows[stream])
        assert not [k for k, n in counts.items() if n > 1], f"{stream}: a period twice"
        for row in rows[stream]:
            first, last = date.fromisoformat(row["period_start"]), date.fromisoformat(row["period_end"])
            if granularity != "TOTAL":
                assert first == _label(first, granularity, week_start), f"{stream}: {first} is not a period start"
                assert last == (first + timedelta(days=6) if granularity == "WEEK" else periods.period_end(first, "MONTH"))
            expected = sum(
                days.get((row["campaign_id"], first + timedelta(days=n)), 0)
                for n in range((min(last, today) - first).days + 1)
            )
            assert row.get(METRIC, 0) == pytest.approx(expected), f"{stream} {row['campaign_id']} {first}..{last}"


def _days(rows: list[dict[str, Any]]) -> dict[tuple[str, date], float]:
    spend: dict[tuple[str, date], float] = defaultdict(float)
    for row in rows:
        spend[(row["campaign_id"], date.fromisoformat(row["date"]))] += row.get(METRIC, 0)
    return spend


@pytest.mark.parametrize("period_label", CHOICES["period_label"])
@pytest.mark.parametrize("week_start", CHOICES["week_start"])
def test_periods_are_whole_and_unique_full_and_incremental(sim: Simulator, week_start: str, period_label: str) -> None:
    sim.switches.week_start = week_start
    sim.switches.period_label = period_label
    config = _config(sim)
    full = run_read(config, STREAMS, sync_mode=SyncMode.incremental)
    rows = records_by_stream(full)
    assert all(rows[stream] for stream in STREAMS)
    days = _days(rows["custom_days"])
    _check(rows, week_start, days)
    # every week and month with spend has its row, across month and year ends
    # (the read starts on the assumed first day of the start date's week; Pinterest's week holding that day is read)
    assumed = periods.period_start(utc_today() - timedelta(days=START_DAYS_AGO), "WEEK")
    first_week = _label(assumed, "WEEK", week_start)
    weeks = {(campaign, _label(day, "WEEK", week_start).isoformat()) for (campaign, day), spend in days.items() if spend and day >= first_week}
    assert weeks == {(row["campaign_id"], row["date"]) for row in rows["custom_weeks"]}
    months = {row["date"] for row in rows["custom_months"]}
    assert len(months) >= 13 and any(month.endswith("-01-01") for month in months)

    # an incremental sync re-reads from the start of the period holding cursor - lookback: whole periods again
    incremental = run_read(config, STREAMS, state=state_messages(final_states(full)), sync_mode=SyncMode.incremental)
    again = records_by_stream(incremental)
    _check({**rows, **again}, week_start, days)
    lookback_start = utc_today() - timedelta(days=30 + 7)
    assert all(date.fromisoformat(row["period_start"]) >= lookback_start - timedelta(days=31) for row in again["custom_weeks"])
    # a week is asked for on its own only when Pinterest's weeks do not start on the assumed day (Monday)
    whole_weeks = [log for log in (*full.logs, *incremental.logs) if "reading the WEEK of" in log.log.message]
    assert bool(whole_weeks) == (week_start != "monday")
