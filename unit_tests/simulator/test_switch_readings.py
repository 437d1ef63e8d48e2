"""Every value of every switch, observed over HTTP: keywords, HOUR / TOTAL / WEEK dates in report files and sync
analytics, the rate-limit forms, and what product group ids are."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from typing import Any

import pytest
import requests
from sim_http import ago, create_report, download_report, download_report_text, headers, report, rows, sync

from pinterest_simulator import Simulator
from pinterest_simulator.faults import RATE_LIMIT_MESSAGE
from pinterest_simulator.metrics import is_additive, is_premiere

METRICS = ["SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION", "TOTAL_CLICKTHROUGH", "CTR"]


# -- keyword_scope ----------------------------------------------------------------------------------
def _keywords(sim: Simulator, account_id: str, **params: Any) -> set[str]:
    r = requests.get(
        f"{sim.base_url}/ad_accounts/{account_id}/keywords", headers=headers(sim), params={"page_size": 250, **params}
    )
    assert r.status_code == 200, r.text
    return {k["id"] for k in r.json()["items"]}


def test_keyword_scope(sim: Simulator, account_id: str) -> None:
    keywords = sim.dataset.entities("keywords", account_id)
    groups = {g["id"]: g["campaign_id"] for g in sim.dataset.entities("ad_groups", account_id)}
    below_of: dict[str, set[str]] = defaultdict(set)
    for k in keywords:
        if k["parent_type"] == "ad_group":
            below_of[groups[k["parent_id"]]].add(k["id"])
    # a campaign with keywords of its own and on its ad groups
    campaign = next(k["parent_id"] for k in keywords if k["parent_type"] == "campaign" and below_of[k["parent_id"]])
    own = {k["id"] for k in keywords if k["parent_id"] == campaign}
    below = below_of[campaign]
    account_level = {k["id"] for k in keywords if k["parent_id"] == account_id}
    group = next(k["parent_id"] for k in keywords if k["parent_type"] == "ad_group")
    group_keywords = {k["id"] for k in keywords if k["parent_id"] == group}
    assert own and below and account_level and group_keywords

    assert sim.switches.keyword_scope == "direct"
    assert _keywords(sim, account_id, campaign_id=campaign) == own
    assert _keywords(sim, account_id) == account_level
    direct_group = _keywords(sim, account_id, ad_group_id=group)
    direct_groups = _keywords(sim, account_id, ad_group_ids=group)

    sim.switches.keyword_scope = "subtree"
    assert _keywords(sim, account_id, campaign_id=campaign) == own | below
    assert _keywords(sim, account_id) == {k["id"] for k in keywords}
    assert _keywords(sim, account_id, ad_group_id=group) == direct_group == group_keywords
    assert _keywords(sim, account_id, ad_group_ids=group) == direct_groups == group_keywords


# -- hour_date ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("hour_date", "pattern"), [("date_hour", "{day} {hour:02d}:00:00"), ("date", "{day}")])
def test_hour_rows_of_reports(sim: Simulator, account_id: str, hour_date: str, pattern: str) -> None:
    sim.switches.hour_date = hour_date  # type: ignore[assignment]
    start, end = ago(2), ago(1)
    file = report(
        sim, account_id, level="CAMPAIGN", granularity="HOUR", columns=METRICS, start_date=start, end_date=end
    )
    days = [start, end]
    expected = [pattern.format(day=day.isoformat(), hour=hour) for day in days for hour in range(24)]
    daily = report(
        sim, account_id, level="CAMPAIGN", granularity="DAY", columns=METRICS, start_date=start, end_date=end
    )
    assert set(file) == set(daily)
    for campaign_id, entity_rows in file.items():
        assert [row["DATE"] for row in entity_rows] == expected  # 24 a day, in hour order
        by_day = {row["DATE"]: row for row in daily[campaign_id]}
        for n, row in enumerate(entity_rows):
            day = by_day[days[n // 24].isoformat()]
            share = day["TOTAL_IMPRESSION"] // 24 + (n % 24 < day["TOTAL_IMPRESSION"] % 24)
            assert row.get("TOTAL_IMPRESSION", 0) == share  # an hour's share of the day
        for day in days:  # the 24 hours add up to the day
            hours = [row for row in entity_rows if row["DATE"].startswith(day.isoformat())]
            assert sum(row.get("TOTAL_IMPRESSION", 0) for row in hours) == by_day[day.isoformat()]["TOTAL_IMPRESSION"]


@pytest.mark.parametrize(("hour_date", "pattern"), [("date_hour", "{day} {hour:02d}:00:00"), ("date", "{day}")])
def test_hour_rows_of_sync_analytics(sim: Simulator, account_id: str, hour_date: str, pattern: str) -> None:
    sim.switches.hour_date = hour_date  # type: ignore[assignment]
    campaigns = [c["id"] for c in sim.dataset.entities("campaigns", account_id)][:2]
    start, end = ago(3), ago(1)
    params = {"start_date": start.isoformat(), "end_date": end.isoformat(), "columns": METRICS}
    path = f"/ad_accounts/{account_id}/campaigns/analytics"
    hourly = sync(sim, path, granularity="HOUR", campaign_ids=campaigns, **params).json()
    daily = sync(sim, path, granularity="DAY", campaign_ids=campaigns, **params).json()
    days = [start + dt.timedelta(days=n) for n in range(3)]
    expected = [pattern.format(day=day.isoformat(), hour=hour) for day in days for hour in range(24)]
    for campaign_id in campaigns:
        entity_rows = [row for row in hourly if row["CAMPAIGN_ID"] == campaign_id]
        assert [row["DATE"] for row in entity_rows] == expected
        by_day = {row["DATE"]: row for row in daily if row["CAMPAIGN_ID"] == campaign_id}
        for n, row in enumerate(entity_rows):
            day = by_day[days[n // 24].isoformat()]
            spend = day["SPEND_IN_MICRO_DOLLAR"]
            assert row["SPEND_IN_MICRO_DOLLAR"] == spend // 24 + (n % 24 < spend % 24)
        for n, day in enumerate(days):  # the 24 hours add up to the day
            hours = entity_rows[24 * n : 24 * n + 24]
            for column in ("SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION", "TOTAL_CLICKTHROUGH"):
                assert sum(row[column] for row in hours) == by_day[day.isoformat()][column], column
    account_rows = sync(sim, f"/ad_accounts/{account_id}/analytics", granularity="HOUR", **params).json()
    assert [row["DATE"] for row in account_rows] == expected


def test_hour_rows_of_sync_targeting_analytics(sim: Simulator, account_id: str) -> None:
    sim.switches.hour_date = "date"
    start = ago(1)
    data = sync(
        sim,
        f"/ad_accounts/{account_id}/targeting_analytics",
        start_date=start.isoformat(),
        end_date=start.isoformat(),
        granularity="HOUR",
        columns=METRICS,
        targeting_types=["GENDER", "AGE_BUCKET", "COUNTRY"],
    ).json()["data"]
    assert data
    by_type: dict[str, list[str]] = defaultdict(list)
    for item in data:
        by_type[item["targeting_type"]].append(item["metrics"]["DATE"])
    assert all(dates == [start.isoformat()] * 24 for dates in by_type.values())


# -- total_date ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("total_date", ["none", "start_date", "end_date"])
def test_total_rows(sim: Simulator, account_id: str, total_date: str) -> None:
    sim.switches.total_date = total_date  # type: ignore[assignment]
    start, end = ago(10), ago(0) + dt.timedelta(days=2)  # a future end: sync analytics serve up to today
    expected = {"none": None, "start_date": start.isoformat(), "end_date": end.isoformat()}[total_date]
    params = {"start_date": start.isoformat(), "end_date": end.isoformat(), "columns": METRICS, "granularity": "TOTAL"}
    sync_rows = sync(sim, f"/ad_accounts/{account_id}/analytics", **params).json()
    report_end = ago(0)
    file = report(
        sim, account_id, level="AD_GROUP", granularity="TOTAL", columns=METRICS, start_date=start, end_date=report_end
    )
    report_expected = {"none": None, "start_date": start.isoformat(), "end_date": report_end.isoformat()}[total_date]
    assert len(sync_rows) == 1 and sync_rows[0].get("DATE") == expected
    assert ("DATE" in sync_rows[0]) == (total_date != "none")
    assert all(len(entity_rows) == 1 for entity_rows in file.values())
    assert {row.get("DATE") for row in rows(file)} == {report_expected}
    assert all(("DATE" in row) == (total_date != "none") for row in rows(file))


# -- week_start -----------------------------------------------------------------------------------------
def _wednesday(days_back: int) -> dt.date:
    day = ago(days_back)
    return day - dt.timedelta(days=(day.weekday() - 2) % 7)


@pytest.mark.parametrize(("week_start", "weekday"), [("monday", 0), ("sunday", 6)])
def test_week_labels_and_sums_in_reports(sim: Simulator, account_id: str, week_start: str, weekday: int) -> None:
    sim.switches.week_start = week_start  # type: ignore[assignment]
    start = _wednesday(40)
    end = start + dt.timedelta(days=15)
    body = {"level": "CAMPAIGN", "columns": METRICS, "start_date": start, "end_date": end}
    weekly = report(sim, account_id, granularity="WEEK", **body)
    daily = report(sim, account_id, granularity="DAY", **body)
    first = start - dt.timedelta(days=(start.weekday() - weekday) % 7)
    assert first < start  # the first week starts before the request and is still labelled with its first day
    for campaign_id, entity_rows in weekly.items():
        labels = [dt.date.fromisoformat(row["DATE"]) for row in entity_rows]
        assert labels == [first + dt.timedelta(days=7 * n) for n in range(len(labels))]
        assert all(label.weekday() == weekday for label in labels)
        for row, label in zip(entity_rows, labels, strict=True):
            days = {label + dt.timedelta(days=n) for n in range(7)} & {
                start + dt.timedelta(days=n) for n in range((end - start).days + 1)
            }
            in_week = [d for d in daily[campaign_id] if dt.date.fromisoformat(d["DATE"]) in days]
            for column in ("SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION", "TOTAL_CLICKTHROUGH"):
                assert row.get(column, 0) == sum(d.get(column, 0) for d in in_week), (row["DATE"], column)


@pytest.mark.parametrize(("week_start", "weekday"), [("monday", 0), ("sunday", 6)])
def test_week_labels_in_sync_analytics(sim: Simulator, account_id: str, week_start: str, weekday: int) -> None:
    sim.switches.week_start = week_start  # type: ignore[assignment]
    start = _wednesday(30)
    params = {
        "start_date": start.isoformat(),
        "end_date": (start + dt.timedelta(days=9)).isoformat(),
        "columns": METRICS,
    }
    weekly = sync(sim, f"/ad_accounts/{account_id}/analytics", granularity="WEEK", **params).json()
    daily = sync(sim, f"/ad_accounts/{account_id}/analytics", granularity="DAY", **params).json()
    labels = [dt.date.fromisoformat(row["DATE"]) for row in weekly]
    assert labels[0] < start and all(label.weekday() == weekday for label in labels)
    assert sum(row["TOTAL_IMPRESSION"] for row in weekly) == sum(row["TOTAL_IMPRESSION"] for row in daily)
    monthly = sync(sim, f"/ad_accounts/{account_id}/analytics", granularity="MONTH", **params).json()
    assert all(row["DATE"].endswith("-01") for row in monthly)


# -- period_label ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("granularity", ["WEEK", "MONTH"])
def test_a_period_cut_by_the_start_is_labelled_per_the_switch(sim: Simulator, account_id: str, granularity: str) -> None:
    start = _wednesday(40)
    if start.day == 1:  # a Wednesday that begins a month does not cut it: take the one before (on any today)
        start -= dt.timedelta(days=7)
    params = {"start_date": start.isoformat(), "end_date": (start + dt.timedelta(days=20)).isoformat(), "columns": METRICS}
    path = f"/ad_accounts/{account_id}/analytics"
    labels = {}
    for label in ("period_start", "first_requested_day"):
        sim.switches.period_label = label  # type: ignore[assignment]
        labels[label] = [row["DATE"] for row in sync(sim, path, granularity=granularity, **params).json()]
    assert labels["period_start"][0] < start.isoformat() and labels["first_requested_day"][0] == start.isoformat()
    assert labels["period_start"][1:] == labels["first_requested_day"][1:], "only the cut period's label differs"


# -- throttle --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("throttle", "status", "body", "reset_header"),
    [
        ("http_429", 429, {"code": 8, "message": RATE_LIMIT_MESSAGE}, "3"),
        ("http_400_retry_after", 400, {"code": 12, "message": "Rate limit exceeded. Retry after 3 seconds."}, None),
        ("code_12", 400, {"code": 12, "message": "Rate limit exceeded."}, None),
    ],
)
def test_rate_limit_forms(
    sim: Simulator, auth: dict[str, str], throttle: str, status: int, body: dict[str, Any], reset_header: str | None
) -> None:
    sim.switches.throttle = throttle  # type: ignore[assignment]
    sim.requests.clear()
    rule = sim.faults.add("rate_limit", operation_id="ad_accounts/list", times=2, reset=3)
    assert rule.rate_limit_reset == 3
    url = f"{sim.base_url}/ad_accounts"
    first, second, third = (requests.get(url, headers=auth) for _ in range(3))
    for answer in (first, second):
        assert answer.status_code == status and answer.json() == body
        assert answer.headers.get("X-RateLimit-Reset") == reset_header
        assert "Retry-After" not in answer.headers
    assert third.status_code == 200
    assert [r.fault for r in sim.requests][:2] == [f"rate_limit:{status}"] * 2


def test_the_form_is_read_at_request_time_and_status_faults_keep_theirs(sim: Simulator, auth: dict[str, str]) -> None:
    sim.faults.add("rate_limit", operation_id="boards/list", times=2, reset=5)
    url = f"{sim.base_url}/boards"
    assert requests.get(url, headers=auth).status_code == 429
    sim.switches.throttle = "code_12"
    assert requests.get(url, headers=auth).json() == {"code": 12, "message": "Rate limit exceeded."}
    sim.faults.add("status", status=429, operation_id="boards/list", rate_limit_reset=4)
    answer = requests.get(url, headers=auth)  # a `status` fault answers as it always did
    assert (answer.status_code, answer.json()["code"], answer.headers["X-RateLimit-Reset"]) == (429, 8, "4")


def test_rate_limit_faults_over_http(sim: Simulator, auth: dict[str, str]) -> None:
    sim.switches.throttle = "http_400_retry_after"
    added = requests.post(
        f"{sim.root_url}/_sim/faults", json={"kind": "rate_limit", "operation_id": "pins/list", "reset": 9}
    )
    assert added.status_code == 200 and added.json()["rate_limit_reset"] == 9
    answer = requests.get(f"{sim.base_url}/pins", headers=auth)
    assert answer.status_code == 400 and answer.json()["message"] == "Rate limit exceeded. Retry after 9 seconds."
    with pytest.raises(ValueError, match="not both"):
        sim.faults.add("rate_limit", reset=1, rate_limit_reset=2)


# -- product_group_ids -----------------------------------------------------------------------------------
def _product_group_rows(
    sim: Simulator, account_id: str, ids: list[str], granularity: str = "TOTAL"
) -> list[dict[str, Any]]:
    r = sync(
        sim,
        f"/ad_accounts/{account_id}/product_groups/analytics",
        start_date=ago(6).isoformat(),
        end_date=ago(0).isoformat(),
        granularity=granularity,
        columns=["SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION", "TOTAL_CONVERSIONS", "CTR"],
        product_group_ids=ids,
    )
    assert r.status_code == 200, r.text
    return list(r.json())


def test_product_group_ids_in_sync_analytics(sim: Simulator, account_id: str) -> None:
    promotions = sim.dataset.entities("product_group_promotions", account_id)
    catalog_groups = {g["id"] for g in sim.dataset.entities("catalogs_product_groups")}
    promotion_ids = [p["id"] for p in promotions]
    catalog_ids = list(dict.fromkeys(p["catalog_product_group_id"] for p in promotions))
    assert set(catalog_ids) <= catalog_groups and len(catalog_ids) < len(promotion_ids)  # some are shared
    unknown = ["1234567890123"]

    by_promotion = {
        r["PRODUCT_GROUP_ID"]: r for r in _product_group_rows(sim, account_id, promotion_ids + catalog_ids + unknown)
    }
    assert list(by_promotion) == promotion_ids  # catalog and unknown ids skipped

    sim.switches.product_group_ids = "catalog_product_group"
    by_catalog = {
        r["PRODUCT_GROUP_ID"]: r for r in _product_group_rows(sim, account_id, promotion_ids + catalog_ids + unknown)
    }
    assert list(by_catalog) == catalog_ids  # promotion and unknown ids skipped
    for catalog_id, row in by_catalog.items():
        members = [p["id"] for p in promotions if p["catalog_product_group_id"] == catalog_id]
        for column in ("SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION", "TOTAL_CONVERSIONS"):
            assert row[column] == sum(by_promotion[m][column] for m in members), (catalog_id, column)


def test_product_group_ids_in_reports(sim: Simulator, account_id: str) -> None:
    promotions = sim.dataset.entities("product_group_promotions", account_id)
    catalog_of = {p["id"]: p["catalog_product_group_id"] for p in promotions}
    body = {
        "granularity": "TOTAL",
        "columns": ["PRODUCT_GROUP_ID", "SPEND_IN_MICRO_DOLLAR"],
        "start_date": ago(5),
        "end_date": ago(0),
    }
    groups = report(sim, account_id, level="PRODUCT_GROUP", **body)
    items = report(sim, account_id, level="PRODUCT_ITEM", **body)
    assert set(groups) == set(catalog_of)
    assert {row["PRODUCT_GROUP_ID"] for row in rows(items)} == set(catalog_of)
    first = promotions[0]["id"]
    filtered = report(sim, account_id, level="PRODUCT_GROUP", product_group_ids=[first], **body)
    assert set(filtered) == {first}

    sim.switches.product_group_ids = "catalog_product_group"
    groups_by_catalog = report(sim, account_id, level="PRODUCT_GROUP", **body)
    items_by_catalog = report(sim, account_id, level="PRODUCT_ITEM", **body)
    assert set(groups_by_catalog) == set(catalog_of.values())
    assert {row["PRODUCT_GROUP_ID"] for row in rows(items_by_catalog)} == set(catalog_of.values())
    for catalog_id, [row] in groups_by_catalog.items():
        members = [pid for pid, cid in catalog_of.items() if cid == catalog_id]
        assert row["SPEND_IN_MICRO_DOLLAR"] == sum(groups[m][0]["SPEND_IN_MICRO_DOLLAR"] for m in members)
    catalog_id = catalog_of[first]
    filtered = report(sim, account_id, level="PRODUCT_ITEM", product_group_ids=[catalog_id, first], **body)
    assert {row["PRODUCT_GROUP_ID"] for row in rows(filtered)} == {catalog_id}


# -- flag_form ----------------------------------------------------------------------------------------
FLAGS = ["CAMPAIGN_BUDGET_OPTIMIZATION", "IS_PREMIERE_CAMPAIGN"]
#: each form's JSON values (true, false) and CSV cells (true, false)
FLAG_FORMS = {
    "boolean": ((True, False), ("true", "false")),
    "string": (("true", "false"), ("true", "false")),
    "integer": ((1, 0), ("1", "0")),
    "digit_string": (("1", "0"), ("1", "0")),
}


@pytest.mark.parametrize("form", list(FLAG_FORMS))
def test_flag_form_in_sync_analytics_and_report_files(sim: Simulator, account_id: str, form: str) -> None:
    sim.switches.flag_form = form  # type: ignore[assignment]
    (true, false), (csv_true, csv_false) = FLAG_FORMS[form]
    campaigns = {c["id"]: c for c in sim.dataset.entities("campaigns", account_id)}
    truth = {cid: (bool(c.get("is_campaign_budget_optimization")), is_premiere(c)) for cid, c in campaigns.items()}
    assert {flags[1] for flags in truth.values()} == {True, False}  # both values are seen
    columns = ["CAMPAIGN_ID", *FLAGS, "SPEND_IN_MICRO_DOLLAR"]
    dates = {"start_date": ago(2).isoformat(), "end_date": ago(1).isoformat()}
    answer = sync(
        sim, f"/ad_accounts/{account_id}/campaigns/analytics", campaign_ids=list(campaigns), columns=columns,
        granularity="DAY", **dates,
    ).json()
    file = report(sim, account_id, level="CAMPAIGN", granularity="DAY", columns=columns, **dates)
    for row in [*answer, *rows(file)]:
        expected = [true if value else false for value in truth[row["CAMPAIGN_ID"]]]
        # the types too: 1 == True in Python
        assert [(type(row[flag]), row[flag]) for flag in FLAGS] == [(type(v), v) for v in expected], row
    created = create_report(sim, account_id, {"level": "CAMPAIGN", "granularity": "DAY", "columns": columns, "report_format": "CSV", **dates})
    lines = list(csv.DictReader(io.StringIO(download_report_text(sim, account_id, created.json()["token"]))))
    assert lines
    for line in lines:
        expected = [csv_true if value else csv_false for value in truth[line["CAMPAIGN_ID"]]]
        assert [line[flag] for flag in FLAGS] == expected, line


def test_a_report_job_keeps_the_switches_of_its_creation(sim: Simulator, account_id: str) -> None:
    sim.switches.hour_date = "date"
    body = {
        "level": "ADVERTISER",
        "granularity": "HOUR",
        "columns": METRICS,
        "start_date": ago(1).isoformat(),
        "end_date": ago(1).isoformat(),
    }
    token = create_report(sim, account_id, body).json()["token"]
    sim.switches.hour_date = "date_hour"
    file = download_report(sim, account_id, token)
    assert {row["DATE"] for row in rows(file)} == {ago(1).isoformat()}


def test_the_response_cache_keys_on_the_switches() -> None:
    with Simulator(cache_responses=True) as sim:
        account_id = sim.dataset.owned_ad_account_ids[0]
        params = {
            "start_date": ago(3).isoformat(),
            "end_date": ago(1).isoformat(),
            "columns": METRICS,
            "granularity": "TOTAL",
        }
        assert "DATE" not in sync(sim, f"/ad_accounts/{account_id}/analytics", **params).json()[0]
        sim.switches.total_date = "start_date"
        assert sync(sim, f"/ad_accounts/{account_id}/analytics", **params).json()[0]["DATE"] == ago(3).isoformat()
        body = {"level": "ADVERTISER", **{k: v for k, v in params.items() if k != "columns"}, "columns": METRICS}
        assert rows(report(sim, account_id, **body))[0]["DATE"] == ago(3).isoformat()
        sim.switches.total_date = "end_date"
        assert rows(report(sim, account_id, **body))[0]["DATE"] == ago(1).isoformat()


def test_every_additive_default_metric_is_additive() -> None:
    assert all(is_additive(column) for column in ("SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION", "TOTAL_CLICKTHROUGH"))
