"""Sync analytics (ads analytics and targeting analytics) under every granularity: a WEEK, MONTH or TOTAL row is the
sum of its DAY rows for every additive column, the 24 HOUR rows of a day add up to the day, labels follow the
switches, and the HOUR date rule (8 days back, a 3-day range) applies."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from sim_http import ago, sync, sync_columns

from pinterest_simulator import Simulator
from pinterest_simulator.metrics import TARGETING_COLUMNS, is_additive, week_start

ADDITIVE = [c for c in sync_columns() if is_additive(c) and c != "SPEND_IN_DOLLAR"]
TARGETING_ADDITIVE = [c for c in TARGETING_COLUMNS if is_additive(c) and c != "SPEND_IN_DOLLAR"]
TYPES = ["GENDER", "AGE_BUCKET", "COUNTRY", "APPTYPE"]


def _endpoints(sim: Simulator, account_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Ads analytics path -> (the id column of its rows, its id filter)."""
    first = {
        kind: [e["id"] for e in sim.dataset.entities(kind, account_id)][:4]
        for kind in ("campaigns", "ad_groups", "ads", "product_group_promotions")
    }
    return {
        "analytics": ("AD_ACCOUNT_ID", {}),
        "campaigns/analytics": ("CAMPAIGN_ID", {"campaign_ids": first["campaigns"]}),
        "ad_groups/analytics": ("AD_GROUP_ID", {"ad_group_ids": first["ad_groups"]}),
        "ads/analytics": ("AD_ID", {"ad_ids": first["ads"]}),
        "product_groups/analytics": ("PRODUCT_GROUP_ID", {"product_group_ids": first["product_group_promotions"]}),
    }


def _label(day: dt.date, granularity: str, first: str) -> str | None:
    if granularity == "WEEK":
        return week_start(day, first).isoformat()
    if granularity == "MONTH":
        return day.replace(day=1).isoformat()
    return None


@pytest.mark.parametrize("first", ["monday", "sunday"])
@pytest.mark.parametrize("granularity", ["WEEK", "MONTH", "TOTAL"])
def test_ads_analytics_periods_are_the_sum_of_their_days(
    sim: Simulator, account_id: str, granularity: str, first: str
) -> None:
    sim.switches.week_start = first  # type: ignore[assignment]
    dates = {"start_date": ago(45).isoformat(), "end_date": ago(1).isoformat(), "columns": ADDITIVE}
    for suffix, (id_column, ids) in _endpoints(sim, account_id).items():
        path = f"/ad_accounts/{account_id}/{suffix}"
        daily = sync(sim, path, granularity="DAY", **dates, **ids).json()
        coarse = sync(sim, path, granularity=granularity, **dates, **ids).json()
        sums: dict[tuple[str, str | None], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in daily:
            key = (row[id_column], _label(dt.date.fromisoformat(row["DATE"]), granularity, first))
            for column in ADDITIVE:
                sums[key][column] += row[column]
        assert len(coarse) == len(sums) > 0, suffix
        for row in coarse:
            key = (row[id_column], row.get("DATE"))
            assert {c: row[c] for c in ADDITIVE} == dict(sums[key]), (suffix, key)


def test_hour_rows_add_up_to_their_day(sim: Simulator, account_id: str) -> None:
    sim.switches.hour_date = "date"
    dates = {"start_date": ago(3).isoformat(), "end_date": ago(1).isoformat(), "columns": ADDITIVE}
    for suffix, (id_column, ids) in _endpoints(sim, account_id).items():
        path = f"/ad_accounts/{account_id}/{suffix}"
        daily = sync(sim, path, granularity="DAY", **dates, **ids).json()
        hourly = sync(sim, path, granularity="HOUR", **dates, **ids).json()
        assert len(hourly) == 24 * len(daily), suffix
        sums: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in hourly:
            for column in ADDITIVE:
                sums[(row[id_column], row["DATE"])][column] += row[column]
        for row in daily:
            assert {c: row[c] for c in ADDITIVE} == dict(sums[(row[id_column], row["DATE"])]), suffix


def _targeting_paths(sim: Simulator, account_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
    first = {
        kind: [e["id"] for e in sim.dataset.entities(kind, account_id)][:3]
        for kind in ("campaigns", "ad_groups", "ads")
    }
    return {
        "targeting_analytics": ("AD_ACCOUNT_ID", {}),
        "campaigns/targeting_analytics": ("CAMPAIGN_ID", {"campaign_ids": first["campaigns"]}),
        "ad_groups/targeting_analytics": ("AD_GROUP_ID", {"ad_group_ids": first["ad_groups"]}),
        "ads/targeting_analytics": ("AD_ID", {"ad_ids": first["ads"]}),
    }


def _items(sim: Simulator, path: str, **params: Any) -> list[dict[str, Any]]:
    r = sync(sim, path, targeting_types=TYPES, columns=list(TARGETING_COLUMNS), **params)
    assert r.status_code == 200, r.text
    return list(r.json()["data"])


@pytest.mark.parametrize("granularity", ["WEEK", "MONTH", "TOTAL"])
def test_targeting_periods_are_the_sum_of_their_days(sim: Simulator, account_id: str, granularity: str) -> None:
    dates = {"start_date": ago(40).isoformat(), "end_date": ago(1).isoformat()}
    for suffix, (id_column, ids) in _targeting_paths(sim, account_id).items():
        path = f"/ad_accounts/{account_id}/{suffix}"
        daily = _items(sim, path, granularity="DAY", **dates, **ids)
        coarse = _items(sim, path, granularity=granularity, **dates, **ids)
        sums: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for item in daily:
            metrics = item["metrics"]
            label = _label(dt.date.fromisoformat(metrics["DATE"]), granularity, "monday")
            key = (metrics[id_column], item["targeting_type"], item["targeting_value"], label)
            for column in TARGETING_ADDITIVE:
                sums[key][column] += metrics[column]
        assert len(coarse) == len(sums) > 0, suffix
        for item in coarse:
            metrics = item["metrics"]
            key = (metrics[id_column], item["targeting_type"], item["targeting_value"], metrics.get("DATE"))
            assert {c: metrics[c] for c in TARGETING_ADDITIVE} == dict(sums[key]), (suffix, key)
            assert metrics["SPEND_IN_DOLLAR"] == round(metrics["SPEND_IN_MICRO_DOLLAR"] / 1_000_000, 2)


def test_targeting_hours_add_up_to_their_day(sim: Simulator, account_id: str) -> None:
    sim.switches.hour_date = "date_hour"
    dates = {"start_date": ago(3).isoformat(), "end_date": ago(1).isoformat()}
    path = f"/ad_accounts/{account_id}/campaigns/targeting_analytics"
    ids = {"campaign_ids": [c["id"] for c in sim.dataset.entities("campaigns", account_id)]}
    daily = _items(sim, path, granularity="DAY", **dates, **ids)
    hourly = _items(sim, path, granularity="HOUR", **dates, **ids)
    assert len(hourly) == 24 * len(daily) > 0
    sums: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item in hourly:
        metrics = item["metrics"]
        key = (metrics["CAMPAIGN_ID"], item["targeting_type"], metrics["DATE"][:10])
        for column in TARGETING_ADDITIVE:
            sums[key][column] += metrics[column]
    for item in daily:
        metrics = item["metrics"]
        key = (metrics["CAMPAIGN_ID"], item["targeting_type"], metrics["DATE"])
        assert {c: metrics[c] for c in TARGETING_ADDITIVE} == dict(sums[key])


@pytest.mark.parametrize(
    "suffix",
    [
        "analytics",
        "campaigns/analytics",
        "ad_groups/analytics",
        "ads/analytics",
        "product_groups/analytics",
        "targeting_analytics",
        "campaigns/targeting_analytics",
        "ad_groups/targeting_analytics",
        "ads/targeting_analytics",
    ],
)
def test_the_hour_date_rule_of_sync_analytics(sim: Simulator, account_id: str, suffix: str) -> None:
    path = f"/ad_accounts/{account_id}/{suffix}"
    ids = {
        "campaigns/": {"campaign_ids": "1"},
        "ad_groups/": {"ad_group_ids": "1"},
        "ads/": {"ad_ids": "1"},
        "product_groups/": {"product_group_ids": "1"},
    }
    params: dict[str, Any] = {"columns": ["SPEND_IN_MICRO_DOLLAR"], "granularity": "HOUR"}
    params.update(next((v for k, v in ids.items() if suffix.startswith(k)), {}))
    if "targeting" in suffix:
        params["targeting_types"] = "GENDER"

    def answer(start: dt.date, end: dt.date, granularity: str = "HOUR") -> tuple[int, int | None]:
        r = sync(
            sim, path, **{**params, "granularity": granularity}, start_date=start.isoformat(), end_date=end.isoformat()
        )
        return r.status_code, r.json().get("code") if isinstance(r.json(), dict) and r.status_code != 200 else None

    assert answer(ago(8), ago(5)) == (200, None)  # 8 days back, a 3-day range
    assert answer(ago(9), ago(7)) == (400, 400)  # more than 8 days back
    assert answer(ago(5), ago(1)) == (400, 400)  # a 4-day range
    assert answer(ago(30), ago(1), "DAY") == (200, None)  # other granularities: 90 days
    assert answer(ago(91), ago(80), "WEEK") == (400, 400)
