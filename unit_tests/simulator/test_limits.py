"""The API's date limits: one table and one check, for sync analytics and async reports alike."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from pinterest_simulator import Simulator
from pinterest_simulator.limits import DateLimit, DateScope, check_dates, date_limit
from pinterest_simulator.spec import ApiError

#: the day the pure checks below count from (any day: they take it as an argument)
TODAY = dt.date(2026, 12, 7)


def _ago(days: int, today: dt.date = TODAY) -> dt.date:
    return today - dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("scope", "granularity", "expected"),
    [
        ("sync_analytics", "DAY", DateLimit(90, 90)),
        ("sync_analytics", "HOUR", DateLimit(8, 3)),
        ("reports", "WEEK", DateLimit(914, 186)),
        ("reports", "HOUR", DateLimit(8, 3)),
        ("product_item_reports", "DAY", DateLimit(92, 31)),
        ("product_item_reports", "HOUR", DateLimit(8, 3)),
    ],
)
def test_hourly_granularity_narrows_every_scope(scope: DateScope, granularity: str, expected: DateLimit) -> None:
    assert date_limit(scope, granularity) == expected


def test_the_check_allows_the_limits_and_clamps_or_refuses_a_future_end() -> None:
    limit = DateLimit(days_back=10, max_span_days=5)
    assert check_dates(_ago(10), _ago(5), limit, today=TODAY, clamp_future_end=False) == (_ago(10), _ago(5))
    tomorrow = TODAY + dt.timedelta(days=1)
    assert check_dates(_ago(2), tomorrow, limit, today=TODAY, clamp_future_end=True) == (_ago(2), TODAY)
    for start, end, clamp, message in [
        (_ago(2), _ago(3), True, "is before start_date"),
        (_ago(2), tomorrow, False, "is in the future"),
        (_ago(11), _ago(9), True, "from the last 10 days"),
        (_ago(8), _ago(2), True, "longer than 5 days"),
    ]:
        with pytest.raises(ApiError) as refused:
            check_dates(start, end, limit, today=TODAY, clamp_future_end=clamp)
        assert (refused.value.status, refused.value.code) == (400, 400) and message in refused.value.message


def _sync(sim: Simulator, account_id: str, start: dt.date, end: dt.date, granularity: str) -> requests.Response:
    return requests.get(
        f"{sim.base_url}/ad_accounts/{account_id}/analytics",
        headers={"Authorization": f"Bearer {sim.access_token}"},
        params={
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "granularity": granularity,
            "columns": "SPEND_IN_MICRO_DOLLAR",
        },
    )


def _report(sim: Simulator, account_id: str, start: dt.date, end: dt.date, granularity: str, level: str) -> int:
    body = {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "granularity": granularity,
        "level": level,
        "columns": ["SPEND_IN_MICRO_DOLLAR"],
    }
    headers = {"Authorization": f"Bearer {sim.access_token}"}
    return requests.post(f"{sim.base_url}/ad_accounts/{account_id}/reports", headers=headers, json=body).status_code


@pytest.mark.parametrize(("granularity", "back", "span"), [("DAY", 90, 90), ("HOUR", 8, 3)])
def test_sync_analytics_answer_400_beyond_their_limits(
    sim: Simulator, account_id: str, granularity: str, back: int, span: int
) -> None:
    today = sim.today()
    assert _sync(sim, account_id, _ago(back, today), _ago(back - span, today), granularity).status_code == 200
    assert _sync(sim, account_id, _ago(back + 1, today), _ago(back - span, today), granularity).json()["code"] == 400
    assert _sync(sim, account_id, _ago(back - 1, today), _ago(back - span - 2, today), granularity).status_code == 400
    assert _sync(sim, account_id, _ago(1, today), today + dt.timedelta(days=1), granularity).status_code == 200


@pytest.mark.parametrize(
    ("granularity", "level", "back", "span"),
    [("DAY", "CAMPAIGN", 914, 186), ("DAY", "PRODUCT_ITEM", 92, 31), ("HOUR", "CAMPAIGN", 8, 3)],
)
def test_reports_answer_400_beyond_their_limits(
    sim: Simulator, account_id: str, granularity: str, level: str, back: int, span: int
) -> None:
    today = sim.today()
    assert _report(sim, account_id, _ago(back, today), _ago(back - span, today), granularity, level) == 200
    assert _report(sim, account_id, _ago(back + 1, today), _ago(back - span, today), granularity, level) == 400
    assert _report(sim, account_id, _ago(back - 1, today), _ago(back - span - 2, today), granularity, level) == 400
    assert _report(sim, account_id, _ago(1, today), today + dt.timedelta(days=1), granularity, level) == 400
