"""Custom report filters of ``analytics/create_report``: id, status and objective filters keep the matching entities
and their children (the levels above sum only the matching ads), ``metrics_filters`` keep the rows that pass,
``reporting_timezone`` is recorded on the job."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from sim_http import ago, create_report, report, rows

from pinterest_simulator import Simulator

METRICS = ["SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION", "TOTAL_CLICKTHROUGH"]


def _report(sim: Simulator, account_id: str, level: str, **body: Any) -> dict[str, list[dict[str, Any]]]:
    return report(
        sim,
        account_id,
        **{
            "level": level,
            "granularity": "TOTAL",
            "columns": METRICS,
            "start_date": ago(6),
            "end_date": ago(1),
            **body,
        },
    )


def _sums(file_rows: list[dict[str, Any]], key: str) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in file_rows:
        for column in METRICS:
            out[row[key]][column] += row.get(column, 0)
    return out


def _metrics(row: dict[str, Any]) -> dict[str, int]:
    return {column: row.get(column, 0) for column in METRICS}


def test_campaign_ids_keep_their_children_and_narrow_the_levels_above(sim: Simulator, account_id: str) -> None:
    campaigns = [c["id"] for c in sim.dataset.entities("campaigns", account_id)][:2]
    groups = _report(sim, account_id, "AD_GROUP", campaign_ids=campaigns)
    expected = {g["id"] for g in sim.dataset.entities("ad_groups", account_id) if g["campaign_id"] in campaigns}
    assert set(groups) == expected
    ads = _report(sim, account_id, "PIN_PROMOTION", campaign_ids=campaigns)
    assert {row["CAMPAIGN_ID"] for row in rows(ads)} == set(campaigns)
    [account_row] = rows(_report(sim, account_id, "ADVERTISER", campaign_ids=campaigns))
    by_campaign = _report(sim, account_id, "CAMPAIGN", campaign_ids=campaigns)
    assert set(by_campaign) == set(campaigns)
    assert _metrics(account_row) == {c: sum(row.get(c, 0) for row in rows(by_campaign)) for c in METRICS}
    [everything] = rows(_report(sim, account_id, "ADVERTISER"))
    assert everything["TOTAL_IMPRESSION"] > account_row["TOTAL_IMPRESSION"]
    keywords = _report(sim, account_id, "KEYWORD", campaign_ids=campaigns)
    own = {g["id"] for g in sim.dataset.entities("ad_groups", account_id) if g["campaign_id"] in campaigns}
    kept = {k["id"] for k in sim.dataset.entities("keywords", account_id) if k["parent_id"] in set(campaigns) | own}
    assert set(keywords) == kept and kept  # not the account-level keywords


def test_ad_group_and_ad_filters_sum_up_the_levels_above(sim: Simulator, account_id: str) -> None:
    ad_groups = sim.dataset.entities("ad_groups", account_id)
    chosen = [ad_groups[0]["id"], ad_groups[3]["id"]]
    campaigns = _report(sim, account_id, "CAMPAIGN", ad_group_ids=chosen)
    groups = _report(sim, account_id, "AD_GROUP", ad_group_ids=chosen)
    assert set(groups) == set(chosen)
    expected = _sums(rows(groups), "CAMPAIGN_ID")
    assert set(campaigns) == set(expected)
    for campaign_id, [row] in campaigns.items():
        assert _metrics(row) == expected[campaign_id]
    ads = [a["id"] for a in sim.dataset.entities("ads", account_id)][:5]
    ad_rows = _report(sim, account_id, "PIN_PROMOTION", ad_ids=ads)
    assert set(ad_rows) == set(ads)
    by_group = _report(sim, account_id, "AD_GROUP", ad_ids=ads)
    expected = _sums(rows(ad_rows), "AD_GROUP_ID")
    assert {g: _metrics(r) for g, [r] in by_group.items()} == expected
    [account_row] = rows(_report(sim, account_id, "ADVERTISER", ad_ids=ads))
    assert _metrics(account_row) == {c: sum(v[c] for v in expected.values()) for c in METRICS}


@pytest.mark.parametrize(
    ("name", "values", "level", "kind"),
    [
        ("campaign_statuses", ["PAUSED"], "CAMPAIGN", "campaigns"),
        ("ad_group_statuses", ["RUNNING"], "AD_GROUP", "ad_groups"),
        ("ad_group_statuses", ["ARCHIVED", "PAUSED"], "AD_GROUP", "ad_groups"),
        ("ad_statuses", ["APPROVED"], "PIN_PROMOTION", "ads"),
        ("ad_statuses", ["ARCHIVED"], "PIN_PROMOTION", "ads"),
    ],
)
def test_status_filters(sim: Simulator, account_id: str, name: str, values: list[str], level: str, kind: str) -> None:
    file = _report(sim, account_id, level, **{name: values})
    expected = {e["id"] for e in sim.dataset.entities(kind, account_id) if e["summary_status"] in values}
    assert set(file) <= expected and file
    assert len(file) >= len(expected) - 1  # an entity without any delivery has no row
    if kind != "ads":  # the ads under the kept entities only
        children = _report(sim, account_id, "PIN_PROMOTION", **{name: values})
        column = {"campaigns": "CAMPAIGN_ID", "ad_groups": "AD_GROUP_ID"}[kind]
        assert {row[column] for row in rows(children)} <= expected


def test_objectives_product_groups_and_product_items(sim: Simulator, account_id: str) -> None:
    shopping = _report(sim, account_id, "CAMPAIGN", campaign_objective_types=["CATALOG_SALES"])
    assert {c["objective_type"] for c in sim.dataset.entities("campaigns", account_id) if c["id"] in shopping} == {
        "CATALOG_SALES"
    }
    promotions = sim.dataset.entities("product_group_promotions", account_id)
    running = {p["id"] for p in promotions if p["status"] == "ACTIVE"}
    groups = _report(sim, account_id, "PRODUCT_GROUP", product_group_statuses=["RUNNING"])
    assert set(groups) <= running and groups
    items = _report(sim, account_id, "PRODUCT_ITEM", product_group_statuses=["RUNNING"])
    assert {row["PRODUCT_GROUP_ID"] for row in rows(items)} <= running
    item_ids = list(items)[:2]
    assert set(_report(sim, account_id, "PRODUCT_ITEM", product_item_ids=item_ids)) == set(item_ids)
    r = create_report(
        sim,
        account_id,
        {
            "level": "PRODUCT_ITEM",
            "granularity": "DAY",
            "columns": METRICS,
            "start_date": ago(3).isoformat(),
            "end_date": ago(1).isoformat(),
            "ad_statuses": ["APPROVED"],
        },
    )
    assert (r.status_code, r.json()["code"]) == (400, 400) and "ad_statuses" in r.json()["message"]


def test_metrics_filters_keep_the_rows_that_pass(sim: Simulator, account_id: str) -> None:
    daily = _report(sim, account_id, "AD_GROUP", granularity="DAY", columns=[*METRICS, "SPEND_IN_DOLLAR"])
    impressions = sorted(row["TOTAL_IMPRESSION"] for row in rows(daily))
    middle = impressions[len(impressions) // 2]
    above = _report(
        sim,
        account_id,
        "AD_GROUP",
        granularity="DAY",
        metrics_filters=[{"field": "TOTAL_IMPRESSION", "operator": "GREATER_THAN", "values": [middle]}],
    )
    assert sorted(row["TOTAL_IMPRESSION"] for row in rows(above)) == [v for v in impressions if v > middle]
    spend = sorted(row["SPEND_IN_DOLLAR"] for row in rows(daily))
    cheap = _report(  # SPEND_IN_DOLLAR is not a requested column: the filter reads it anyway
        sim,
        account_id,
        "AD_GROUP",
        granularity="DAY",
        metrics_filters=[
            {"field": "SPEND_IN_DOLLAR", "operator": "LESS_THAN", "values": [spend[len(spend) // 3]]},
            {"field": "TOTAL_IMPRESSION", "operator": "GREATER_THAN", "values": [0, 10]},
        ],
    )
    expected = [
        (g, row["DATE"])
        for g, group_rows in daily.items()
        for row in group_rows
        if row["SPEND_IN_DOLLAR"] < spend[len(spend) // 3] and row["TOTAL_IMPRESSION"] > 10
    ]
    assert [(g, row["DATE"]) for g, group_rows in cheap.items() for row in group_rows] == expected and expected
    targeting = _report(
        sim,
        account_id,
        "CAMPAIGN_TARGETING",
        targeting_types=["GENDER", "AGE_BUCKET"],
        metrics_filters=[{"field": "TOTAL_IMPRESSION", "operator": "LESS_THAN", "values": [1]}],
    )
    assert targeting == {}  # every targeting row has impressions


@pytest.mark.parametrize(
    "metrics_filter",
    [
        {"field": "CTR", "operator": "LESS_THAN", "values": [1]},
        {"field": "TOTAL_IMPRESSION", "operator": "EQUALS", "values": [1]},
        {"field": "TOTAL_IMPRESSION", "operator": "LESS_THAN", "values": []},
        {"field": "TOTAL_IMPRESSION", "operator": "LESS_THAN", "values": ["ten"]},
        {"field": "TOTAL_IMPRESSION", "values": [1]},
    ],
)
def test_malformed_metrics_filters_are_400_code_1(
    sim: Simulator, account_id: str, metrics_filter: dict[str, Any]
) -> None:
    body = {
        "level": "CAMPAIGN",
        "granularity": "DAY",
        "columns": METRICS,
        "start_date": ago(3).isoformat(),
        "end_date": ago(1).isoformat(),
        "metrics_filters": [metrics_filter],
    }
    r = create_report(sim, account_id, body)
    assert (r.status_code, r.json()["code"]) == (400, 1) and "metrics_filters" in r.json()["message"]
    assert create_report(sim, account_id, {**body, "metrics_filters": []}).status_code == 400


def test_reporting_timezone_is_recorded(sim: Simulator, account_id: str) -> None:
    body = {
        "level": "CAMPAIGN",
        "granularity": "DAY",
        "columns": METRICS,
        "start_date": ago(3).isoformat(),
        "end_date": ago(1).isoformat(),
    }
    plain = create_report(sim, account_id, body).json()["token"]
    zoned = create_report(sim, account_id, {**body, "reporting_timezone": "AD_ACCOUNT_TIME_ZONE"}).json()["token"]
    assert sim.reports.jobs[plain].reporting_timezone is None
    assert sim.reports.jobs[zoned].reporting_timezone == "AD_ACCOUNT_TIME_ZONE"
    assert report(sim, account_id, **body) == report(sim, account_id, **body, reporting_timezone="PINTEREST_TIME_ZONE")
    r = create_report(sim, account_id, {**body, "reporting_timezone": "UTC"})
    assert (r.status_code, r.json()["code"]) == (400, 1)
