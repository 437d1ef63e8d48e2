"""``ad_pins/analytics``: the promoted Pins of one campaign, each the sum over the campaign's ads promoting it; the
sync analytics date rules; answers valid against ``AdPinsAnalyticsResponse``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from sim_http import ago, schema_errors, sync, sync_columns

from pinterest_simulator import Simulator
from pinterest_simulator.metrics import is_additive

COLUMNS = [
    "PIN_ID",
    "CAMPAIGN_ID",
    "CAMPAIGN_NAME",
    "SPEND_IN_MICRO_DOLLAR",
    "SPEND_IN_DOLLAR",
    "TOTAL_IMPRESSION",
    "CTR",
]


def _campaign_with_shared_pins(sim: Simulator, account_id: str) -> tuple[str, dict[str, list[str]]]:
    """A campaign in which some Pin is promoted by more than one ad, and its ``{pin_id: [ad ids]}``."""
    by_campaign: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for ad in sim.dataset.entities("ads", account_id):
        by_campaign[ad["campaign_id"]][ad["pin_id"]].append(ad["id"])
    campaign = next(c for c, pins in by_campaign.items() if any(len(ads) > 1 for ads in pins.values()))
    return campaign, dict(by_campaign[campaign])


def _pins_analytics(sim: Simulator, account_id: str, **params: Any) -> Any:
    query = {"start_date": ago(4).isoformat(), "end_date": ago(1).isoformat(), "granularity": "DAY", "columns": COLUMNS}
    r = sync(sim, f"/ad_accounts/{account_id}/pins/analytics", **{**query, **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_rows_of_the_campaigns_promoted_pins_only(sim: Simulator, account_id: str) -> None:
    campaign, pins = _campaign_with_shared_pins(sim, account_id)
    other = next(
        ad["pin_id"] for ad in sim.dataset.entities("ads", account_id) if ad["pin_id"] not in pins
    )  # promoted in another campaign only
    unknown = "123456789012345678"
    rows = _pins_analytics(sim, account_id, campaign_id=campaign, pin_ids=[*pins, other, unknown])
    assert schema_errors("ad_pins/analytics", rows) == []
    assert {row["PIN_ID"] for row in rows} == set(pins)
    assert len(rows) == 4 * len(pins)  # a row per Pin and day
    for row in rows:
        assert row["CAMPAIGN_ID"] == campaign and row["CAMPAIGN_NAME"].startswith("Sim Campaign")
        assert set(row) == {"DATE", *COLUMNS}
    assert _pins_analytics(sim, account_id, campaign_id=campaign, pin_ids=[other, unknown]) == []
    other_account = sim.dataset.owned_ad_account_ids[1]
    assert _pins_analytics(sim, other_account, campaign_id=campaign, pin_ids=list(pins)) == []


@pytest.mark.parametrize("granularity", ["DAY", "WEEK", "TOTAL"])
def test_a_pins_numbers_are_the_sum_over_the_campaigns_ads_promoting_it(
    sim: Simulator, account_id: str, granularity: str
) -> None:
    campaign, pins = _campaign_with_shared_pins(sim, account_id)
    columns = ["PIN_ID", *[c for c in sync_columns() if is_additive(c) and c != "SPEND_IN_DOLLAR"]]
    dates = {"start_date": ago(12).isoformat(), "end_date": ago(1).isoformat(), "granularity": granularity}
    rows = _pins_analytics(sim, account_id, campaign_id=campaign, pin_ids=list(pins), columns=columns, **dates)
    ads = sync(
        sim,
        f"/ad_accounts/{account_id}/ads/analytics",
        ad_ids=[ad for ads in pins.values() for ad in ads],
        columns=["AD_ID", *columns[1:]],
        **dates,
    ).json()
    pin_of = {ad: pin for pin, ads in pins.items() for ad in ads}
    sums: dict[tuple[str, Any], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in ads:
        for column in columns[1:]:
            sums[(pin_of[row["AD_ID"]], row.get("DATE"))][column] += row[column]
    assert len(rows) == len(sums)
    shared = 0
    for row in rows:
        shared += len(pins[row["PIN_ID"]]) > 1
        for column in columns[1:]:
            assert row[column] == sums[(row["PIN_ID"], row.get("DATE"))][column], (row["PIN_ID"], column)
    assert shared  # some Pin sums two ads


def test_hour_rows_and_the_date_rules(sim: Simulator, account_id: str) -> None:
    campaign, pins = _campaign_with_shared_pins(sim, account_id)
    pin = next(iter(pins))
    sim.switches.hour_date = "date"  # DATE stays a date (`format: date`)
    hourly = _pins_analytics(
        sim, account_id, campaign_id=campaign, pin_ids=[pin], granularity="HOUR", start_date=ago(2).isoformat()
    )
    daily = _pins_analytics(sim, account_id, campaign_id=campaign, pin_ids=[pin], start_date=ago(2).isoformat())
    assert schema_errors("ad_pins/analytics", hourly) == []
    assert len(hourly) == 24 * len(daily) == 24 * 2
    for n, day in enumerate(daily):
        hours = hourly[24 * n : 24 * n + 24]
        assert {row["DATE"] for row in hours} == {day["DATE"]}
        assert sum(row["TOTAL_IMPRESSION"] for row in hours) == day["TOTAL_IMPRESSION"]
    path = f"/ad_accounts/{account_id}/pins/analytics"
    base = {"campaign_id": campaign, "pin_ids": pin, "columns": COLUMNS, "granularity": "DAY"}
    for start, end, granularity in (
        (ago(91), ago(80), "DAY"),  # more than 90 days back
        (ago(9), ago(8), "HOUR"),  # HOUR: 8 days back
        (ago(5), ago(1), "HOUR"),  # HOUR: a 3-day range at most
        (ago(3), ago(4), "DAY"),  # end before start
    ):
        r = sync(
            sim, path, **{**base, "granularity": granularity}, start_date=start.isoformat(), end_date=end.isoformat()
        )
        assert (r.status_code, r.json()["code"]) == (400, 400), (start, end, granularity)
    ok = sync(sim, path, **{**base, "granularity": "HOUR"}, start_date=ago(4).isoformat(), end_date=ago(1).isoformat())
    assert ok.status_code == 200


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"campaign_id": None}, "campaign_id"),
        ({"pin_ids": ",".join(str(10**17 + n) for n in range(101))}, "pin_ids"),
        ({"columns": "NOT_A_COLUMN"}, "columns"),
        ({"click_window_days": "3"}, "click_window_days"),
        ({"conversion_report_time": "LATER"}, "conversion_report_time"),
    ],
)
def test_bad_parameters_are_400_code_1(sim: Simulator, account_id: str, params: dict[str, Any], named: str) -> None:
    campaign, pins = _campaign_with_shared_pins(sim, account_id)
    query: dict[str, Any] = {
        "campaign_id": campaign,
        "pin_ids": ",".join(pins),
        "start_date": ago(2).isoformat(),
        "end_date": ago(1).isoformat(),
        "granularity": "DAY",
        "columns": COLUMNS,
        **params,
    }
    r = sync(sim, f"/ad_accounts/{account_id}/pins/analytics", **{k: v for k, v in query.items() if v is not None})
    assert (r.status_code, r.json()["code"]) == (400, 1) and named in r.json()["message"]


def test_attribution_parameters_are_accepted_and_numbers_restate(sim: Simulator, account_id: str) -> None:
    campaign, pins = _campaign_with_shared_pins(sim, account_id)
    params = {"campaign_id": campaign, "pin_ids": list(pins), "start_date": ago(20).isoformat()}
    attribution = {
        "click_window_days": 7,
        "engagement_window_days": 1,
        "view_window_days": 0,
        "conversion_report_time": "TIME_OF_CONVERSION",
    }
    before = _pins_analytics(sim, account_id, **params, **attribution)
    sim.dataset.restate()
    after = _pins_analytics(sim, account_id, **params)
    changed = {row["DATE"] for row, again in zip(before, after, strict=True) if row != again}
    assert changed and all(day >= ago(6).isoformat() for day in changed)
