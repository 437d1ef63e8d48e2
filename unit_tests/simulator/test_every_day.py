"""The simulator's date-sensitive checks hold on every day: each runs under 60 consecutive pinned dates.

Whether a check holds can depend on the day it runs in two ways: the generated data (sparse targeting breakdowns
once left yesterday's HOUR targeting rows empty on 3 days of 6, which turned CI red on 2026-12-07), and the calendar
(where weeks and months fall against "N days ago"). The checks here are the simulator tests whose answers depend on
today (HOUR / WEEK / MONTH / TOTAL rows of sync analytics, targeting analytics and reports, the period label of a
period cut by the start, metrics_ready_state, top Pins' data status, the date limits, the dated reference data:
audience insights, trends, promotions), called as they are, plus a
density check of every day the HOUR granularity reaches. Each runs in-process against one simulator whose clock is
moved day by day (and the connector's clock with it, as `pin_today` does). The connector's own date-sensitive reads
are unit_tests/test_every_day_connector.py. `PINTEREST_TESTS_TODAY=YYYY-MM-DD make unit` runs the whole suite on
any other day (docs/dev/ARCHITECTURE.md, "The clock")."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator

import pytest
import test_account_extras as account_extras
import test_audience_insights as audience_insights
import test_limits as limits
import test_metrics_ready as metrics_ready
import test_organic_analytics as organic
import test_switch_readings as switch_readings
import test_sync_granularities as granularities
from sim_http import ago, sync

from pinterest_simulator import Simulator
from pinterest_simulator.clock import FixedClock
from pinterest_simulator.limits import DATE_LIMITS
from pinterest_simulator.metrics import EVERY_DAY_TARGETING_TYPES
from pinterest_simulator.trends_data import last_week

#: 60 consecutive days from 2026-11-08: 2026-12-07 (the day CI went red), two month ends and a year end
FIRST_DAY = dt.date(2026, 11, 8)
DAYS = [FIRST_DAY + dt.timedelta(days=n) for n in range(60)]
#: how far back the HOUR granularity reaches
HOUR_DAYS_BACK = DATE_LIMITS["hour"].days_back


def _both_hour_date_readings(check: Callable[..., None]) -> Callable[[Simulator, str], None]:
    def run(sim: Simulator, account_id: str) -> None:
        for hour_date, pattern in (("date_hour", "{day} {hour:02d}:00:00"), ("date", "{day}")):
            check(sim, account_id, hour_date, pattern)
            sim.switches.reset()

    return run


def _each(check: Callable[..., None], values: tuple[str, ...]) -> Callable[[Simulator, str], None]:
    def run(sim: Simulator, account_id: str) -> None:
        for value in values:
            check(sim, account_id, value)
            sim.switches.reset()

    return run


def _week_starts(check: Callable[..., None]) -> Callable[[Simulator, str], None]:
    def run(sim: Simulator, account_id: str) -> None:
        for week_start, weekday in (("monday", 0), ("sunday", 6)):
            check(sim, account_id, week_start, weekday)
            sim.switches.reset()

    return run


def _months(sim: Simulator, account_id: str) -> None:
    """Targeting rows by MONTH over the last 40 days: the sums of their days (a month boundary is always inside)."""
    granularities.test_targeting_periods_are_the_sum_of_their_days(sim, account_id, "MONTH")


def _date_limits(sim: Simulator, account_id: str) -> None:
    limits.test_sync_analytics_answer_400_beyond_their_limits(sim, account_id, "HOUR", 8, 3)
    limits.test_reports_answer_400_beyond_their_limits(sim, account_id, "DAY", "CAMPAIGN", 914, 186)


def _top_pins(sim: Simulator, account_id: str) -> None:
    organic.test_top_pins_are_ranked_by_the_sort_metric_over_the_range(sim, "IMPRESSION")
    organic.test_top_pins_data_status_by_metric(sim)


def _every_day_targeting_types_every_day(sim: Simulator, account_id: str) -> None:
    """Density: every entity has a row for each of the `EVERY_DAY_TARGETING_TYPES` on every day HOUR reaches."""
    types = sorted(EVERY_DAY_TARGETING_TYPES - {"CREATIVE_TYPE", "MEDIA_TYPE"})  # those two: one level only
    campaigns = [c["id"] for c in sim.dataset.entities("campaigns", account_id)][:3]
    days = {ago(n).isoformat() for n in range(HOUR_DAYS_BACK + 1)}
    for path, ids in (("targeting_analytics", {}), ("campaigns/targeting_analytics", {"campaign_ids": campaigns})):
        found: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for batch in (types[:5], types[5:]):
            data = sync(
                sim,
                f"/ad_accounts/{account_id}/{path}",
                start_date=ago(HOUR_DAYS_BACK).isoformat(),
                end_date=ago(0).isoformat(),
                granularity="DAY",
                columns=["TOTAL_IMPRESSION"],
                targeting_types=batch,
                **ids,
            ).json()["data"]
            for item in data:
                entity = item["metrics"].get("CAMPAIGN_ID") or item["metrics"].get("AD_ACCOUNT_ID", account_id)
                found[entity].add((item["targeting_type"], item["metrics"]["DATE"]))
        expected = {(kind, day) for kind in types for day in days}
        for entity in campaigns if ids else [account_id]:
            assert found[entity] == expected, (path, entity, sorted(expected - found[entity])[:5])


def _reference_dates(sim: Simulator, account_id: str) -> None:
    """The dated reference data is in the last 30 days: audience insights (generated two days ago), the trends'
    weekly series (ending at the last Sunday), the promotions (one of each discount status)."""
    audience_insights.test_insights_of_every_type_and_account(sim, "YOUR_ENGAGED_AUDIENCE")
    trends = sync(sim, "/trends/keywords/US/top/growing", limit=1).json()["trends"]
    assert max(trends[0]["time_series"]) == last_week(sim.today()).isoformat()
    account_extras.check_discount_statuses(sim, account_id)


#: name -> a check of the simulator, given the simulator and an owned ad account
SIMULATOR_CHECKS: dict[str, Callable[[Simulator, str], None]] = {
    "hour_targeting_rows_sync": switch_readings.test_hour_rows_of_sync_targeting_analytics,
    "hour_rows_reports": _both_hour_date_readings(switch_readings.test_hour_rows_of_reports),
    "hour_rows_sync": _both_hour_date_readings(switch_readings.test_hour_rows_of_sync_analytics),
    "targeting_hours_add_up": granularities.test_targeting_hours_add_up_to_their_day,
    "total_rows": _each(switch_readings.test_total_rows, ("none", "start_date", "end_date")),
    "week_labels_reports": _week_starts(switch_readings.test_week_labels_and_sums_in_reports),
    "week_labels_sync": _week_starts(switch_readings.test_week_labels_in_sync_analytics),
    "period_cut_by_the_start": _each(
        switch_readings.test_a_period_cut_by_the_start_is_labelled_per_the_switch, ("WEEK", "MONTH")
    ),
    "targeting_months": _months,
    "date_limits": _date_limits,
    "metrics_ready": lambda sim, account_id: metrics_ready.test_default_horizons(sim),
    "top_pins": _top_pins,
    "every_day_targeting_types": _every_day_targeting_types_every_day,
    "reference_dates": _reference_dates,
}


@pytest.fixture(scope="module")
def moving_sim() -> Iterator[Simulator]:
    """One simulator for every day: its clock is moved per test."""
    with Simulator(preset="small", seed=1) as running:
        yield running


@pytest.fixture
def on_day(moving_sim: Simulator, pin_today: Callable[[dt.date], None]) -> Iterator[Callable[[dt.date], Simulator]]:
    """``on_day(day)``: both clocks, and the simulator's, on `day`; the simulator's switches and clock back after."""

    def move(day: dt.date) -> Simulator:
        pin_today(day)
        moving_sim.clock = FixedClock(day)
        return moving_sim

    yield move
    moving_sim.switches.reset()
    moving_sim.faults.clear()


@pytest.mark.parametrize("check", list(SIMULATOR_CHECKS))
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_simulators_date_sensitive_checks_hold(
    on_day: Callable[[dt.date], Simulator], day: dt.date, check: str
) -> None:
    sim = on_day(day)
    assert sim.today() == day and ago(0) == day
    SIMULATOR_CHECKS[check](sim, sim.dataset.owned_ad_account_ids[0])
