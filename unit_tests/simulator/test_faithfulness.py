"""What the spec documents: protected pins left out by default, what product item reports refuse, targeting types
of one level, text columns as strings, sparse report rows, and sums that still add up."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
import requests
from sim_http import ago, async_columns, create_report, report, rows, sync, sync_columns

from pinterest_simulator import Simulator
from pinterest_simulator.limits import PRODUCT_ITEM_REFUSED_COLUMNS, TARGETING_TYPE_LEVELS
from pinterest_simulator.metrics import CORE_METRICS, column_kind, is_additive, is_metric, is_premiere


# -- include_protected_pins -----------------------------------------------------------------------------
def _all_pins(sim: Simulator, auth: dict[str, str], **params: Any) -> set[str]:
    r = requests.get(f"{sim.base_url}/pins", headers=auth, params={"page_size": 250, **params})
    assert r.status_code == 200 and r.json()["bookmark"] is None
    return {pin["id"] for pin in r.json()["items"]}


def test_pins_on_protected_boards_only_when_asked(sim: Simulator, auth: dict[str, str]) -> None:
    boards = sim.dataset.entities("boards")
    protected = [b for b in boards if b["privacy"] == "PROTECTED"]
    assert protected and all(b["is_ads_only"] for b in protected)
    on_protected = {p["id"] for p in sim.dataset.entities("pins") if p["board_id"] in {b["id"] for b in protected}}
    assert on_protected
    by_default = _all_pins(sim, auth)
    assert by_default and not by_default & on_protected
    assert _all_pins(sim, auth, include_protected_pins="false") == by_default
    assert _all_pins(sim, auth, include_protected_pins="true") == by_default | on_protected
    listed = requests.get(f"{sim.base_url}/boards", headers=auth, params={"privacy": "PROTECTED"}).json()["items"]
    assert {b["id"] for b in listed} == {b["id"] for b in protected}
    board_pins = requests.get(f"{sim.base_url}/boards/{protected[0]['id']}/pins", headers=auth).json()["items"]
    assert board_pins and all(p["board_id"] == protected[0]["id"] for p in board_pins)


def test_secret_pins_still_need_the_secret_scopes(sim: Simulator) -> None:
    token = sim.issue_access_token(["pins:read", "boards:read"])
    auth = {"Authorization": f"Bearer {token}"}
    secret = {b["id"] for b in sim.dataset.entities("boards") if b["privacy"] == "SECRET"}
    pins = requests.get(
        f"{sim.base_url}/pins", headers=auth, params={"page_size": 250, "include_protected_pins": "true"}
    ).json()["items"]
    assert pins and not any(p["board_id"] in secret for p in pins)


def test_every_promotion_names_a_catalog_product_group() -> None:
    for has_catalog in (True, False):
        sim = Simulator(has_catalog=has_catalog)
        promotions = sim.dataset.entities("product_group_promotions")
        ids = [p["catalog_product_group_id"] for p in promotions]
        assert all(isinstance(i, str) and i.isdigit() and len(i) <= 18 for i in ids)
        if has_catalog:
            assert set(ids) <= {g["id"] for g in sim.dataset.entities("catalogs_product_groups")}
        else:
            assert len(set(ids)) == len(ids)
            assert not set(ids) & {p["id"] for p in promotions}


# -- report body rules ------------------------------------------------------------------------------------
def test_the_product_item_column_rule_is_one_constant() -> None:
    by_prefix = {
        c
        for c in async_columns()
        if c.startswith(("PIN_PROMOTION_", "AD_")) and not c.startswith(("AD_GROUP_", "AD_ACCOUNT_"))
    }
    assert by_prefix | {"PIN_ID"} == PRODUCT_ITEM_REFUSED_COLUMNS
    assert set(async_columns()) >= PRODUCT_ITEM_REFUSED_COLUMNS


def _body(level: str, columns: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "level": level,
        "granularity": "DAY",
        "columns": columns,
        "start_date": ago(3).isoformat(),
        "end_date": ago(1).isoformat(),
        **extra,
    }


@pytest.mark.parametrize("level", ["PRODUCT_ITEM", "PRODUCT_ITEM_TARGETING"])
def test_product_item_reports_refuse_ad_columns_and_filters(sim: Simulator, account_id: str, level: str) -> None:
    extra = {"targeting_types": ["GENDER"]} if level.endswith("_TARGETING") else {}
    for column in sorted(PRODUCT_ITEM_REFUSED_COLUMNS):
        r = create_report(sim, account_id, _body(level, ["PRODUCT_ITEM_BRAND", column, "SPEND_IN_DOLLAR"], **extra))
        assert r.status_code == 400 and r.json()["code"] == 400, column
        assert column in r.json()["message"] and "not supported" in r.json()["message"]
    for name, value in (("ad_ids", ["123"]), ("ad_statuses", ["APPROVED"])):
        r = create_report(sim, account_id, _body(level, ["SPEND_IN_DOLLAR"], **{name: value}, **extra))
        assert (r.status_code, r.json()["code"]) == (400, 400) and name in r.json()["message"]
    allowed = ["AD_GROUP_ID", "AD_GROUP_NAME", "ADVERTISER_ID", "PRODUCT_GROUP_ID", "SPEND_IN_DOLLAR"]
    assert create_report(sim, account_id, _body(level, allowed, **extra)).status_code == 200
    # other levels take them
    assert create_report(sim, account_id, _body("PIN_PROMOTION", ["AD_ID", "PIN_ID"], ad_ids=["1"])).status_code == 200


@pytest.mark.parametrize(("targeting_type", "level"), sorted(TARGETING_TYPE_LEVELS.items()))
def test_targeting_types_of_one_level(sim: Simulator, account_id: str, targeting_type: str, level: str) -> None:
    ok = create_report(sim, account_id, _body(level, ["SPEND_IN_DOLLAR"], targeting_types=[targeting_type]))
    assert ok.status_code == 200, ok.text
    for other in ("CAMPAIGN_TARGETING", "AD_GROUP_TARGETING", "PRODUCT_ITEM_TARGETING"):
        if other != level:
            r = create_report(
                sim, account_id, _body(other, ["SPEND_IN_DOLLAR"], targeting_types=["GENDER", targeting_type])
            )
            assert (r.status_code, r.json()["code"]) == (400, 400)
            assert targeting_type in r.json()["message"] and level in r.json()["message"]


# -- text columns -----------------------------------------------------------------------------------------
TEXT = (
    "PRODUCT_ITEM_NAME",
    "PRODUCT_ITEM_BRAND",
    "PRODUCT_ITEM_DESCRIPTION",
    "PRODUCT_ITEM_IMAGE_URL",
    "PRODUCT_ITEM_PRODUCT_URL",
    "PRODUCT_ITEM_PIN_URL",
    "PRODUCT_ITEM_PRODUCT_CATEGORY",
    "PRODUCT_ITEM_PRODUCT_TYPE",
    "PRODUCT_ITEM_CURRENCY",
)


def _every_column(level: str) -> list[str]:
    refused = PRODUCT_ITEM_REFUSED_COLUMNS if level.startswith("PRODUCT_ITEM") else frozenset()
    return [c for c in async_columns() if c not in refused]


def _check_types(row: dict[str, Any]) -> None:
    for column, value in row.items():
        if column in ("DATE", "TARGETING_TYPE", "TARGETING_VALUE"):
            assert isinstance(value, str)
            continue
        kind = column_kind(column)
        if kind == "text":
            assert isinstance(value, str), (column, value)
        elif kind == "flag":
            assert isinstance(value, bool), (column, value)
        else:
            assert isinstance(value, int | float) and not isinstance(value, bool), (column, value)


def test_text_columns_are_strings_and_flags_booleans(sim: Simulator, account_id: str) -> None:
    items = rows(report(sim, account_id, **_body("PRODUCT_ITEM", _every_column("PRODUCT_ITEM"))))
    assert items
    for row in items:
        _check_types(row)
        assert all(isinstance(row[c], str) and row[c] for c in TEXT), row
        assert row["PRODUCT_ITEM_PRODUCT_URL"].startswith("https://")
        assert isinstance(row["PRODUCT_ITEM_PRICE"], float)
        assert not isinstance(row.get("CAMPAIGN_CUSTOM_LABELS", ""), int | float)
    campaigns = rows(report(sim, account_id, **_body("CAMPAIGN", _every_column("CAMPAIGN"))))
    by_id = {campaign["id"]: campaign for campaign in sim.dataset.entities("campaigns", account_id)}
    for row in campaigns:
        _check_types(row)
        assert row["IS_PREMIERE_CAMPAIGN"] is is_premiere(by_id[row["CAMPAIGN_ID"]])
        assert row["CAMPAIGN_STATUS"] in {"RUNNING", "PAUSED", "ARCHIVED"}
        assert row["CAMPAIGN_OBJECTIVE_TYPE"] and row["CAMPAIGN_ENTITY_STATUS"]
    for level in ("AD_GROUP", "PIN_PROMOTION", "KEYWORD", "PRODUCT_GROUP"):
        for row in rows(report(sim, account_id, **_body(level, _every_column(level)))):
            _check_types(row)
    pins = rows(
        report(sim, account_id, **_body("PIN_PROMOTION", ["AD_STATUS", "AD_NAME", "CAMPAIGN_NAME", "SPEND_IN_DOLLAR"]))
    )
    assert all(isinstance(row["AD_STATUS"], str) and isinstance(row["CAMPAIGN_NAME"], str) for row in pins)


def test_the_classification_of_sync_columns(sim: Simulator, account_id: str) -> None:
    ad_groups = [g["id"] for g in sim.dataset.entities("ad_groups", account_id)][:3]
    answer = sync(
        sim,
        f"/ad_accounts/{account_id}/ad_groups/analytics",
        start_date=ago(2).isoformat(),
        end_date=ago(1).isoformat(),
        granularity="DAY",
        columns=sync_columns(),
        ad_group_ids=ad_groups,
    )
    assert answer.status_code == 200
    for row in answer.json():
        _check_types(row)
        # sync rows carry every requested metric, 0 where there is no value
        assert {c for c in sync_columns() if is_metric(c)} <= set(row)


# -- sparse rows ---------------------------------------------------------------------------------------------
def test_report_rows_carry_only_their_non_zero_metrics(sim: Simulator, account_id: str) -> None:
    for level in ("ADVERTISER", "CAMPAIGN", "PIN_PROMOTION", "KEYWORD", "PRODUCT_ITEM"):
        file_rows = rows(report(sim, account_id, **_body(level, _every_column(level))))
        counts = [sum(1 for c in row if is_metric(c)) for row in file_rows]
        assert 20 <= sum(counts) / len(counts) <= 40, (level, sum(counts) / len(counts))
        assert all(row[c] != 0 for row in file_rows for c in row if is_metric(c))
        core = CORE_METRICS & set(_every_column(level))
        assert all(len(core & set(row)) >= len(core) - 3 for row in file_rows), level


def test_sparse_columns_differ_between_entities_and_empty_rows_are_left_out(sim: Simulator, account_id: str) -> None:
    ads = report(sim, account_id, **_body("PIN_PROMOTION", _every_column("PIN_PROMOTION")))
    seen: dict[str, set[str]] = defaultdict(set)
    for ad_id, ad_rows in ads.items():
        for row in ad_rows:
            seen[ad_id].update(c for c in row if is_metric(c) and c not in CORE_METRICS)
    assert len({frozenset(columns) for columns in seen.values()}) > 1  # ads differ in their sparse columns
    column = next(
        c
        for c in set().union(*seen.values())
        if is_additive(c) and sum(c in s for s in seen.values()) < len(ads) / 2 + 1
    )
    only = report(sim, account_id, **_body("PIN_PROMOTION", ["PIN_PROMOTION_ID", column]))
    assert set(only) == {ad_id for ad_id, columns in seen.items() if column in columns} != set(ads)
    assert all(row[column] for row in rows(only))


# -- sums still add up ---------------------------------------------------------------------------------------
def _additive(columns: list[str]) -> list[str]:
    return [c for c in columns if is_additive(c) and c != "SPEND_IN_DOLLAR"]


@pytest.mark.parametrize("week_start", ["monday", "sunday"])
def test_a_week_is_the_sum_of_its_days_for_every_additive_column(
    sim: Simulator, account_id: str, week_start: str
) -> None:
    sim.switches.week_start = week_start  # type: ignore[assignment]
    columns = _every_column("AD_GROUP")
    start, end = ago(20), ago(3)
    body = {"level": "AD_GROUP", "columns": columns, "start_date": start.isoformat(), "end_date": end.isoformat()}
    weekly = report(sim, account_id, granularity="WEEK", **body)
    daily = report(sim, account_id, granularity="DAY", **body)
    monthly = report(sim, account_id, granularity="MONTH", **body)
    total = report(sim, account_id, granularity="TOTAL", **body)
    step = 7
    checked = 0
    for ad_group_id, day_rows in daily.items():
        for coarse, label_of in (
            (weekly, lambda d: d - dt.timedelta(days=(d.weekday() + (week_start == "sunday")) % step)),
            (monthly, lambda d: d.replace(day=1)),
            (total, lambda d: None),
        ):
            sums: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            for row in day_rows:
                label = label_of(dt.date.fromisoformat(row["DATE"]))
                for column in _additive(columns):
                    sums[label.isoformat() if label else None][column] += row.get(column, 0)
            for row in coarse[ad_group_id]:
                for column in _additive(columns):
                    assert row.get(column, 0) == sums[row.get("DATE")][column], (row.get("DATE"), column)
                    checked += 1
    assert checked > 1000


def test_parents_are_the_sum_of_their_children_for_every_additive_column(sim: Simulator, account_id: str) -> None:
    body = {"granularity": "DAY", "start_date": ago(4).isoformat(), "end_date": ago(1).isoformat()}
    levels = {
        level: report(sim, account_id, level=level, columns=_every_column(level), **body)
        for level in ("ADVERTISER", "CAMPAIGN", "AD_GROUP", "PIN_PROMOTION")
    }
    parent_of = {
        "CAMPAIGN": ("ADVERTISER_ID", "ADVERTISER"),
        "AD_GROUP": ("CAMPAIGN_ID", "CAMPAIGN"),
        "PIN_PROMOTION": ("AD_GROUP_ID", "AD_GROUP"),
    }
    sparse_seen = set()
    for child, (parent_column, parent) in parent_of.items():
        sums: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in rows(levels[child]):
            for column in _additive(async_columns()):
                sums[(row[parent_column], row["DATE"])][column] += row.get(column, 0)
        for parent_id, parent_rows in levels[parent].items():
            for row in parent_rows:
                for column in _additive(async_columns()):
                    assert row.get(column, 0) == sums[(parent_id, row["DATE"])][column], (parent, column)
                    if row.get(column) and column not in CORE_METRICS:
                        sparse_seen.add(column)
    assert sparse_seen  # the check covered sparse columns too


def test_sync_analytics_add_up_for_every_additive_column(sim: Simulator, account_id: str) -> None:
    params = {"start_date": ago(12).isoformat(), "end_date": ago(1).isoformat(), "columns": sync_columns()}
    account = sync(sim, f"/ad_accounts/{account_id}/analytics", granularity="WEEK", **params).json()
    campaigns = [c["id"] for c in sim.dataset.entities("campaigns", account_id)]
    by_campaign = sync(
        sim, f"/ad_accounts/{account_id}/campaigns/analytics", granularity="DAY", campaign_ids=campaigns, **params
    ).json()
    for column in _additive(sync_columns()):
        assert sum(row[column] for row in account) == sum(row[column] for row in by_campaign), column
