"""The connector's date-sensitive reads hold on every day: a sync at HOUR (the targeting streams, 24 rows a day for
every day the granularity reaches), WEEK and MONTH custom reports (each period once, whole, labelled by its first
day) and TOTAL sync analytics (whole 90-day windows), both clocks pinned. A read costs seconds, so they run for a
spread of the 60 days unit_tests/simulator/test_every_day.py runs the simulator's checks on: one of each weekday,
month and year ends, and 2026-12-07 (the day CI went red)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from harness import records_by_stream, run_read

from pinterest_simulator import Simulator
from source_pinterest_marketing.clock import utc_today

CONNECTOR_DAYS = [
    dt.date(2026, 11, 30),
    dt.date(2026, 12, 1),
    dt.date(2026, 12, 7),
    dt.date(2026, 12, 17),
    dt.date(2026, 12, 31),
    dt.date(2027, 1, 1),
    dt.date(2027, 1, 2),
]


@pytest.fixture
def on_day(pin_today: Callable[[dt.date], None]) -> Iterator[Callable[[dt.date], Simulator]]:
    """``on_day(day)``: both clocks on `day`, and a simulator built on it."""
    started: list[Simulator] = []

    def move(day: dt.date) -> Simulator:
        pin_today(day)
        started.append(Simulator(preset="small", seed=1).start())
        return started[-1]

    yield move
    for sim in started:
        sim.stop()


def _config(sim: Simulator, granularity: str, **overrides: Any) -> dict[str, Any]:
    return sim.connector_config(
        access_token_mode=True,
        ad_account_ids=sim.dataset.owned_ad_account_ids[:1],
        analytics_granularity=granularity,
        **overrides,
    )


@pytest.mark.parametrize("day", CONNECTOR_DAYS, ids=str)
def test_the_connectors_date_sensitive_reads_hold(on_day: Callable[[dt.date], Simulator], day: dt.date) -> None:
    """At HOUR, the account's targeting stream has 24 rows a day for each targeting type every impression has, on
    yesterday and the day before; WEEK and MONTH custom reports have each period once, labelled by its first day and
    equal to the sum of its days; TOTAL sync analytics come in whole 90-day windows."""
    sim = on_day(day)
    assert utc_today() == sim.today() == day
    start = day - dt.timedelta(days=2)
    hourly = records_by_stream(
        run_read(_config(sim, "HOUR", start_date=start.isoformat()), ["ad_account_targeting_analytics"])
    )["ad_account_targeting_analytics"]
    hours: dict[tuple[str, str], int] = defaultdict(int)
    for row in hourly:
        hours[(row["targeting_type"], row["date"][:10])] += 1
    for kind in ("AGE_BUCKET", "GENDER", "COUNTRY", "APPTYPE", "PLACEMENT"):
        for back in (2, 1):
            assert hours[(kind, (day - dt.timedelta(days=back)).isoformat())] == 24, (kind, back)
    reports = [
        {
            "name": f"spend_{granularity.lower()}",
            "level": "CAMPAIGN",
            "granularity": granularity,
            "columns": ["CAMPAIGN_ID", "SPEND_IN_MICRO_DOLLAR"],
            "start_date": (day - dt.timedelta(days=45)).isoformat(),
        }
        for granularity in ("DAY", "WEEK", "MONTH")
    ]
    rows = records_by_stream(
        run_read(_config(sim, "DAY", custom_reports=reports), [f"custom_{r['name']}" for r in reports])
    )
    daily: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows["custom_spend_day"]:
        daily[(row["campaign_id"], row["date"])] += row.get("SPEND_IN_MICRO_DOLLAR") or 0
    for granularity in ("week", "month"):
        whole = 0
        periods = rows[f"custom_spend_{granularity}"]
        assert periods, granularity
        keys = [(row["campaign_id"], row["period_start"]) for row in periods]
        assert len(keys) == len(set(keys)), f"{granularity}: a period twice"
        for row in periods:
            first = dt.date.fromisoformat(row["period_start"])
            if granularity == "week":
                assert first.weekday() == 0, f"a week labelled {first}, not a Monday"
            else:
                assert first.day == 1, f"a month labelled {first}, not its first day"
            last = min(dt.date.fromisoformat(row["period_end"]), day)
            days = [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
            if days[0] >= (day - dt.timedelta(days=45)).isoformat():  # a period the DAY report covers whole
                expected = sum(daily.get((row["campaign_id"], d), 0) for d in days)
                assert (row.get("SPEND_IN_MICRO_DOLLAR") or 0) == pytest.approx(expected), (granularity, first)
                whole += 1
        assert whole, f"no {granularity} the DAY report covers whole"
    totals = records_by_stream(
        run_read(_config(sim, "TOTAL", start_date=(day - dt.timedelta(days=200)).isoformat()), ["campaign_analytics"])
    )["campaign_analytics"]
    assert totals
    assert all(
        (dt.date.fromisoformat(row["period_end"]) - dt.date.fromisoformat(row["period_start"])).days == 89
        for row in totals
    )
