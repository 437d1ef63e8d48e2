"""Catalog health: feed processing results (``feed_processing_results/list``), their item issues
(``items_issues/list``), product group counts and products (``catalogs_product_groups/product_counts_get``,
``catalogs_product_group_pins/list``) and catalog reports (``reports/create`` / ``reports/get``): every answer
validates against its schema, the numbers agree with each other, paging, parameters, errors, scopes, Business Access
and the switches ``processing_results_paging``, ``catalog_report_format`` and ``catalog_all_items_report``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sim_http import get, headers, schema_errors, today

from pinterest_simulator import Simulator
from pinterest_simulator.catalog_health import (
    ISSUE_SAMPLES,
    RESULT_DAYS,
    feed_items,
    items_of,
    result_id,
    sampled_items,
)
from pinterest_simulator.catalog_reports import REPORT_COLUMNS
from pinterest_simulator.clock import FixedClock


# -- helpers ------------------------------------------------------------------------------------------------------
def _ok(r: requests.Response, operation_id: str) -> Any:
    assert r.status_code == 200, r.text
    assert schema_errors(operation_id, r.json()) == []
    return r.json()


def _results(sim: Simulator, feed_id: str, **params: Any) -> list[dict[str, Any]]:
    body = _ok(
        get(sim, f"/catalogs/feeds/{feed_id}/processing_results", page_size=250, **params),
        "feed_processing_results/list",
    )
    assert body["bookmark"] is None
    items: list[dict[str, Any]] = body["items"]
    return items


def _all_pages(sim: Simulator, path: str, operation_id: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    bookmark = None
    for _ in range(200):
        body = _ok(get(sim, path, **params, **({"bookmark": bookmark} if bookmark else {})), operation_id)
        items += body["items"]
        bookmark = body["bookmark"]
        if bookmark is None:
            return items
    raise AssertionError("the pages never ended")


def _issues(sim: Simulator, processing_result_id: str, **params: Any) -> list[dict[str, Any]]:
    return _all_pages(
        sim,
        f"/catalogs/processing_results/{processing_result_id}/item_issues",
        "items_issues/list",
        page_size=3,
        **params,
    )


def _completed(sim: Simulator, feed_id: str) -> dict[str, Any]:
    return next(r for r in _results(sim, feed_id) if r["status"] == "COMPLETED")


def _feed(sim: Simulator) -> dict[str, Any]:
    return sim.dataset.entities("catalogs_feeds")[0]


def _groups_of(sim: Simulator, feed_id: str) -> list[dict[str, Any]]:
    return [g for g in sim.dataset.entities("catalogs_product_groups") if g["feed_id"] == feed_id]


def _create(sim: Simulator, report: dict[str, Any], catalog_type: str = "RETAIL", **params: Any) -> requests.Response:
    return requests.post(
        f"{sim.base_url}/catalogs/reports",
        headers=headers(sim),
        params=params,
        json={"catalog_type": catalog_type, "report": report},
    )


def _poll(sim: Simulator, token: str, **params: Any) -> requests.Response:
    return get(sim, "/catalogs/reports", token=token, **params)


def _finished(sim: Simulator, token: str, **params: Any) -> dict[str, Any]:
    first = _ok(_poll(sim, token, **params), "reports/get")
    assert first == {"report_status": "IN_PROGRESS", "url": None, "size": None}
    done: dict[str, Any] = _ok(_poll(sim, token, **params), "reports/get")
    assert done["report_status"] == "FINISHED"
    return done


def _report(sim: Simulator, report: dict[str, Any], **params: Any) -> list[dict[str, str]]:
    created = _ok(_create(sim, report, **params), "reports/create")
    done = _finished(sim, created["token"], **params)
    file = requests.get(done["url"])  # a pre-signed link: no Authorization
    assert file.status_code == 200 and len(file.content) == done["size"]
    assert file.headers["Content-Type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(file.text))
    assert tuple(reader.fieldnames or ()) == REPORT_COLUMNS[report["report_type"]]
    return list(reader)


@pytest.fixture(autouse=True)
def _no_reports_yet(sim: Simulator) -> Iterator[None]:
    """Each test starts without catalog report jobs (the same parameters the same day are the same job)."""
    sim.catalog_reports.jobs.clear()
    yield
    sim.catalog_reports.jobs.clear()


@pytest.fixture
def admin(sim: Simulator) -> Iterator[str]:
    """The token user is an Admin of the business's account for the test."""
    account = sim.dataset.business_ad_account_id
    assert account is not None
    before = list(sim.dataset.ad_accounts[account]["permissions"])
    sim.dataset.set_roles(account, ["ADMIN"])
    yield account
    sim.dataset.set_roles(account, before)


# -- processing results ----------------------------------------------------------------------------------------------
def test_every_feed_has_a_result_a_day_newest_first(sim: Simulator) -> None:
    for feed in sim.dataset.entities("catalogs_feeds"):
        results = _results(sim, feed["id"])
        days = [dt.date.fromisoformat(r["created_at"][:10]) for r in results]
        assert days == [today() - dt.timedelta(days=n) for n in range(RESULT_DAYS["small"])]
        assert [r["id"] for r in results] == sorted((r["id"] for r in results), key=int, reverse=True)
        assert [r["id"] for r in results] == [result_id(feed["id"], day) for day in days]
        statuses = [r["status"] for r in results]
        assert statuses[0] == "PROCESSING" and results[0]["product_counts"] is None
        assert set(statuses[1:]) == {"COMPLETED", "FAILED"}
        assert all(r["updated_at"] >= r["created_at"] for r in results)


def test_a_result_keeps_its_id_and_completes_the_next_day() -> None:
    day = dt.date(2026, 2, 10)
    with Simulator(today=day) as sim:
        feed = _feed(sim)
        before = _results(sim, feed["id"])[0]
        sim.clock = FixedClock(day + dt.timedelta(days=1))
        after = {r["id"]: r for r in _results(sim, feed["id"])}
    assert before["status"] == "PROCESSING"
    again = after[before["id"]]
    assert again["status"] in ("COMPLETED", "FAILED") and again["updated_at"] > before["updated_at"]
    assert again["created_at"] == before["created_at"]


@pytest.mark.parametrize("day", ["2024-02-29", "2026-01-01", "2026-03-31", "2027-12-31"])
def test_results_and_issues_in_the_last_30_days_of_any_date(day: str) -> None:
    with Simulator(today=day) as sim:
        for feed in sim.dataset.entities("catalogs_feeds"):
            results = _results(sim, feed["id"])
            assert len(results) == 30
            completed = [r for r in results if r["status"] == "COMPLETED"]
            assert completed and _issues(sim, completed[0]["id"])


def test_processing_results_of_an_unknown_feed_are_404(sim: Simulator) -> None:
    r = get(sim, "/catalogs/feeds/1/processing_results")
    assert (r.status_code, r.json()) == (404, {"code": 4161, "message": "Sorry! We could not find your catalogs feed."})
    business_feed = sim.dataset.business.entities("catalogs_feeds")[0]  # type: ignore[union-attr]
    assert get(sim, f"/catalogs/feeds/{business_feed['id']}/processing_results").status_code == 404


def test_first_page_only_by_default(sim: Simulator) -> None:
    feed = _feed(sim)
    every = _results(sim, feed["id"])
    first = _ok(
        get(sim, f"/catalogs/feeds/{feed['id']}/processing_results", page_size=5), "feed_processing_results/list"
    )
    assert first == {"items": every[:5], "bookmark": None}
    default = _ok(get(sim, f"/catalogs/feeds/{feed['id']}/processing_results"), "feed_processing_results/list")
    assert default["items"] == every[:25] and default["bookmark"] is None  # 30 results: 5 never seen


def test_a_repeating_bookmark_answers_the_first_page_again(sim: Simulator) -> None:
    sim.switches.processing_results_paging = "repeating_bookmark"
    path = f"/catalogs/feeds/{_feed(sim)['id']}/processing_results"
    first = _ok(get(sim, path, page_size=5), "feed_processing_results/list")
    assert first["bookmark"] is not None
    again = _ok(get(sim, path, page_size=5, bookmark=first["bookmark"]), "feed_processing_results/list")
    assert again == first
    whole = _ok(get(sim, path, page_size=250), "feed_processing_results/list")
    assert whole["bookmark"] is None and len(whole["items"]) == 30


def test_working_bookmarks_page_through_every_result(sim: Simulator) -> None:
    sim.switches.processing_results_paging = "bookmark"
    feed = _feed(sim)
    paged = _all_pages(
        sim, f"/catalogs/feeds/{feed['id']}/processing_results", "feed_processing_results/list", page_size=7
    )
    sim.switches.processing_results_paging = "first_page"
    assert paged == _results(sim, feed["id"])


# -- numbers that agree ------------------------------------------------------------------------------------------
def test_a_completed_results_counts_agree_with_its_items_and_the_first_product_group(sim: Simulator) -> None:
    for feed in sim.dataset.entities("catalogs_feeds"):
        result = _completed(sim, feed["id"])
        issues = _issues(sim, result["id"])
        errors = Counter(code for item in issues for code in item["errors"])
        warnings = Counter(code for item in issues for code in item["warnings"])
        assert dict(errors) == result["validation_details"]["errors"] and errors
        assert dict(warnings) == result["validation_details"]["warnings"] and warnings
        counts = result["product_counts"]
        assert counts["original"] - counts["ingested"] == sum(errors.values())
        first_group = _groups_of(sim, feed["id"])[0]
        group = _ok(
            get(sim, f"/catalogs/product_groups/{first_group['id']}/product_counts"),
            "catalogs_product_groups/product_counts_get",
        )
        assert group["total"] == counts["ingested"]
        info = result["ingestion_details"]["info"]
        assert (group["in_stock"], group["out_of_stock"], group["preorder"]) == (
            info["IN_STOCK"],
            info["OUT_OF_STOCK"],
            info["PREORDER"],
        )
        assert group["videos"] == result["video_counts"]["ingested_videos"]


def test_failed_and_processing_results_have_no_item_issues(sim: Simulator) -> None:
    results = _results(sim, _feed(sim)["id"])
    failed = next(r for r in results if r["status"] == "FAILED")
    assert failed["validation_details"]["errors"] == {"FETCH_ERROR": 1}
    assert failed["product_counts"] == {"original": 0, "ingested": 0}
    for result in (failed, results[0]):
        assert _issues(sim, result["id"]) == []


def test_issues_are_sampled_up_to_20_items_per_code() -> None:
    items = list(items_of(1, "1234567890123", 1000, "EUR"))
    day = dt.date(2026, 5, 5)
    chosen = sampled_items(items, day, "5200000000000000001")
    per_code = Counter(issue.code for item in chosen for issue in (item.error, item.warning(day)) if issue)
    affected = Counter(issue.code for item in items for issue in (item.error, item.warning(day)) if issue)
    assert any(n > ISSUE_SAMPLES for n in affected.values())
    # an item sampled for one code shows its other issue too: at least min(n, 20) per code, 20 for the sampled code
    assert all(per_code[code] >= min(n, ISSUE_SAMPLES) for code, n in affected.items())
    assert len(chosen) <= ISSUE_SAMPLES * len(affected) < len(items)
    assert chosen == sampled_items(items, day, "5200000000000000001")  # deterministic per result
    assert chosen != sampled_items(items, day, "5200000000000000002")  # drawn per result
    assert [item.number for item in chosen] == sorted(item.number for item in chosen)


def test_the_businesss_feeds_are_smaller(sim: Simulator) -> None:
    business = sim.dataset.business
    assert business is not None
    feed = business.entities("catalogs_feeds")[0]
    assert len(feed_items(sim.dataset, business, feed)) == 12
    assert len(feed_items(sim.dataset, sim.dataset.owner, _feed(sim))) == 40


# -- item issues: parameters and errors ---------------------------------------------------------------------------------
def test_item_issue_filters(sim: Simulator) -> None:
    result = _completed(sim, _feed(sim)["id"])
    every = _issues(sim, result["id"])
    numbers = [item["item_number"] for item in every]
    assert numbers == sorted(numbers)
    chosen = numbers[::2]
    assert _issues(sim, result["id"], item_numbers=",".join(map(str, chosen))) == every[::2]
    code = next(iter(every[0]["errors"] or every[0]["warnings"]))
    by_code = _issues(sim, result["id"], item_validation_issue=code)
    assert by_code and by_code == [i for i in every if code in i["errors"] or code in i["warnings"]]
    assert any(item["item_id"] is None for item in every)  # ITEMID_MISSING: the item number is the key
    both = get(
        sim, f"/catalogs/processing_results/{result['id']}/item_issues", item_numbers="1", item_validation_issue=code
    )
    assert (both.status_code, both.json()["code"]) == (501, 4181)
    bad = get(sim, f"/catalogs/processing_results/{result['id']}/item_issues", item_validation_issue="NOT_A_CODE")
    assert (bad.status_code, bad.json()["code"]) == (400, 1)


@pytest.mark.parametrize("processing_result_id", ["5200000000000000001", "123", "5207396841274098924709"])
def test_an_unknown_processing_result_is_404(sim: Simulator, processing_result_id: str) -> None:
    r = get(sim, f"/catalogs/processing_results/{processing_result_id}/item_issues")
    assert (r.status_code, r.json()["code"]) == (404, 4184)


def test_a_result_of_a_day_without_one_is_404(sim: Simulator) -> None:
    feed = _feed(sim)
    for day in (today() + dt.timedelta(days=1), today() - dt.timedelta(days=RESULT_DAYS["small"])):
        r = get(sim, f"/catalogs/processing_results/{result_id(feed['id'], day)}/item_issues")
        assert r.status_code == 404


# -- product groups -------------------------------------------------------------------------------------------------
def test_product_group_products_and_counts(sim: Simulator) -> None:
    user_pins = {p["id"] for p in sim.dataset.entities("pins")}
    seen: set[str] = set()
    for group in sim.dataset.entities("catalogs_product_groups"):
        counts = _ok(
            get(sim, f"/catalogs/product_groups/{group['id']}/product_counts"),
            "catalogs_product_groups/product_counts_get",
        )
        products = _all_pages(
            sim, f"/catalogs/product_groups/{group['id']}/products", "catalogs_product_group_pins/list", page_size=10
        )
        assert counts["total"] == len(products) > 0
        availability = Counter(p["metadata"]["availability"] for p in products)
        assert (availability["IN_STOCK"], availability["OUT_OF_STOCK"], availability["PREORDER"]) == (
            counts["in_stock"],
            counts["out_of_stock"],
            counts["preorder"],
        )
        pins = [p["pin"]["id"] for p in products]
        assert pins == sorted(pins, key=int) and len(set(pins)) == len(pins)
        assert not set(pins) & user_pins
        assert all(p["pin"]["pin_metrics"] is None for p in products)
        assert all(p["catalog_type"] == "RETAIL" and p["metadata"]["item_id"] for p in products)
        seen |= set(pins)
    first, second = _groups_of(sim, _feed(sim)["id"])[:2]
    assert _product_ids(sim, second["id"]) < _product_ids(sim, first["id"])  # the first group has every product


def _product_ids(sim: Simulator, group_id: str) -> set[str]:
    items = _ok(
        get(sim, f"/catalogs/product_groups/{group_id}/products", page_size=250), "catalogs_product_group_pins/list"
    )["items"]
    return {item["metadata"]["item_id"] for item in items}


def test_product_pins_have_metrics_when_asked(sim: Simulator) -> None:
    group = sim.dataset.entities("catalogs_product_groups")[0]
    body = _ok(
        get(sim, f"/catalogs/product_groups/{group['id']}/products", pin_metrics="true"),
        "catalogs_product_group_pins/list",
    )
    assert body["items"] and all(item["pin"]["pin_metrics"] is not None for item in body["items"])


def test_unknown_product_groups_and_no_catalog(sim: Simulator) -> None:
    for path in ("product_counts", "products"):
        r = get(sim, f"/catalogs/product_groups/1/{path}")
        assert (r.status_code, r.json()["code"]) == (404, 4180)
    with Simulator(has_catalog=False) as bare:
        counts = get(bare, "/catalogs/product_groups/1/product_counts")
        assert (counts.status_code, counts.json()["code"]) == (409, 4182)
        assert get(bare, "/catalogs/product_groups/1/products").status_code == 404
        created = _create(bare, {"report_type": "DISTRIBUTION_ISSUES"})
        assert (created.status_code, created.json()["code"]) == (409, 4182)
        polled = _poll(bare, "abc")
        assert (polled.status_code, polled.json()["code"]) == (409, 4182)


def test_a_new_product_group_lists_every_other_product(sim: Simulator) -> None:
    feed = _feed(sim)
    group = sim.dataset.add("catalogs_product_groups", feed_id=feed["id"])
    try:
        k = [g["id"] for g in _groups_of(sim, feed["id"])].index(group["id"])
        numbers = {item.number for item in feed_items(sim.dataset, sim.dataset.owner, feed) if item.ingested}
        expected = {n for n in numbers if n % (k + 1) == 0}
        products = _ok(
            get(sim, f"/catalogs/product_groups/{group['id']}/products", page_size=250),
            "catalogs_product_group_pins/list",
        )["items"]
        assert {int(p["pin"]["id"][-5:]) for p in products} == expected
    finally:
        del sim.dataset.by_user["catalogs_product_groups"][group["id"]]


# -- scopes and Business Access ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("scopes", "path"),
    [
        (["user_accounts:read"], "/catalogs/feeds/{feed}/processing_results"),
        (["boards:read", "pins:read"], "/catalogs/product_groups/{group}/products"),
        (["catalogs:read", "boards:read"], "/catalogs/product_groups/{group}/products"),
        (["pins:read", "boards:read"], "/catalogs/product_groups/{group}/product_counts"),
    ],
)
def test_a_token_without_the_scopes_is_401_code_3(sim: Simulator, scopes: list[str], path: str) -> None:
    token = sim.issue_access_token(scopes)
    url = sim.base_url + path.format(
        feed=_feed(sim)["id"], group=sim.dataset.entities("catalogs_product_groups")[0]["id"]
    )
    r = requests.get(url, headers={"Authorization": f"Bearer {token}"})
    assert (r.status_code, r.json()["code"]) == (401, 3)


def _business_paths(sim: Simulator) -> list[str]:
    business = sim.dataset.business
    assert business is not None
    feed = business.entities("catalogs_feeds")[0]
    group = business.entities("catalogs_product_groups")[0]
    day = today() - dt.timedelta(days=1)
    return [
        f"/catalogs/feeds/{feed['id']}/processing_results",
        f"/catalogs/processing_results/{result_id(feed['id'], day)}/item_issues",
        f"/catalogs/product_groups/{group['id']}/product_counts",
        f"/catalogs/product_groups/{group['id']}/products",
        "/catalogs/reports?token=none",
    ]


def test_business_access_needs_a_catalog_role(sim: Simulator) -> None:
    account = sim.dataset.business_ad_account_id
    for path in _business_paths(sim):
        r = get(sim, path, ad_account_id=account)  # the token user is only an Analyst there
        assert (r.status_code, r.json()["code"]) == (403, 29), path
        r = get(sim, path, ad_account_id="999999999999")
        assert (r.status_code, r.json()["code"]) == (403, 29), path
    created = _create(sim, {"report_type": "DISTRIBUTION_ISSUES"}, ad_account_id=account)
    assert (created.status_code, created.json()["code"]) == (403, 29)


def test_business_access_reads_the_businesss_catalog_health(sim: Simulator, admin: str) -> None:
    business = sim.dataset.business
    assert business is not None
    feed = business.entities("catalogs_feeds")[0]
    results = _results(sim, feed["id"], ad_account_id=admin)
    assert len(results) == RESULT_DAYS["small"]
    result = next(r for r in results if r["status"] == "COMPLETED")
    assert result["product_counts"]["original"] == 12
    _issues(sim, result["id"], ad_account_id=admin)
    for group in business.entities("catalogs_product_groups"):
        counts = _ok(
            get(sim, f"/catalogs/product_groups/{group['id']}/product_counts", ad_account_id=admin),
            "catalogs_product_groups/product_counts_get",
        )
        products = _ok(
            get(sim, f"/catalogs/product_groups/{group['id']}/products", ad_account_id=admin),
            "catalogs_product_group_pins/list",
        )["items"]
        assert counts["total"] == len(products) > 0
        assert all(
            p["pin"]["id"].startswith("6") and p["pin"]["board_owner"]["username"] == "partner_agency" for p in products
        )
    rows = _report(sim, {"report_type": "ALL_ITEMS"}, ad_account_id=admin)
    assert {row["catalog_id"] for row in rows} == {business.entities("catalogs")[0]["id"]}
    # the token user's own feed is not the business's
    own = _feed(sim)
    assert get(sim, f"/catalogs/feeds/{own['id']}/processing_results", ad_account_id=admin).status_code == 404


# -- catalog reports ---------------------------------------------------------------------------------------------------
def test_a_feed_ingestion_report_lists_every_issue_of_the_latest_completed_result(sim: Simulator) -> None:
    feed = _feed(sim)
    result = _completed(sim, feed["id"])
    rows = _report(sim, {"report_type": "FEED_INGESTION_ISSUES", "feed_id": feed["id"]})
    assert {row["processing_result_id"] for row in rows} == {result["id"]}
    errors = Counter(row["code_label"] for row in rows if row["severity"] == "ERROR")
    warnings = Counter(row["code_label"] for row in rows if row["severity"] == "WARN")
    assert dict(errors) == result["validation_details"]["errors"]
    assert dict(warnings) == result["validation_details"]["warnings"]
    assert all(row["message"] and row["attribute_name"] for row in rows)
    older = [r for r in _results(sim, feed["id"]) if r["status"] == "COMPLETED"][-1]
    chosen = _report(
        sim, {"report_type": "FEED_INGESTION_ISSUES", "feed_id": feed["id"], "processing_result_id": older["id"]}
    )
    assert {row["processing_result_id"] for row in chosen} == {older["id"]}


def test_distribution_and_all_items_reports_cover_the_catalogs_products(sim: Simulator) -> None:
    catalog = sim.dataset.entities("catalogs")[0]
    items = _report(sim, {"report_type": "ALL_ITEMS"})
    assert _report(sim, {"report_type": "ALL_ITEMS", "catalog_id": catalog["id"]}) == items  # the oldest by default
    products = set()
    for feed in sim.dataset.entities("catalogs_feeds"):
        products |= _product_ids(sim, _groups_of(sim, feed["id"])[0]["id"])
    assert {row["item_id"] for row in items} == products
    issues = _report(sim, {"report_type": "DISTRIBUTION_ISSUES"})
    assert issues and {row["item_id"] for row in issues} < products
    assert {row["ineligible_for_ads"] for row in issues} == {"true"}
    by_item = {row["item_id"]: row for row in items}
    assert all(by_item[row["item_id"]]["product_pin_id"] == row["product_pin_id"] for row in issues)


def test_the_same_parameters_the_same_day_are_the_same_report() -> None:
    day = dt.date(2026, 4, 20)
    with Simulator(today=day) as sim:
        report = {"report_type": "DISTRIBUTION_ISSUES"}
        token = _ok(_create(sim, report), "reports/create")["token"]
        _finished(sim, token)
        assert _create(sim, report).json()["token"] == token
        assert _ok(_poll(sim, token), "reports/get")["report_status"] == "FINISHED"  # the same job, finished
        other = _create(sim, {"report_type": "ALL_ITEMS"}).json()["token"]
        sim.clock = FixedClock(day + dt.timedelta(days=1))
        tomorrow = _create(sim, report).json()["token"]
    assert len({token, other, tomorrow}) == 3


def test_a_report_keeps_the_rows_of_its_creation(sim: Simulator) -> None:
    report = {"report_type": "ALL_ITEMS"}
    token = _ok(_create(sim, report), "reports/create")["token"]
    feed = sim.dataset.add("catalogs_feeds")
    try:
        assert _create(sim, report).json()["token"] == token
        done = _finished(sim, token)
        rows = list(csv.DictReader(io.StringIO(requests.get(done["url"]).text)))
        assert feed["id"] not in {row["feed_id"] for row in rows}
    finally:
        del sim.dataset.by_user["catalogs_feeds"][feed["id"]]


def test_json_report_files(sim: Simulator) -> None:
    sim.switches.catalog_report_format = "json"
    token = _ok(_create(sim, {"report_type": "DISTRIBUTION_ISSUES"}), "reports/create")["token"]
    sim.switches.catalog_report_format = "csv"  # the job keeps the format of its creation
    done = _finished(sim, token)
    assert done["url"].endswith(".json")
    file = requests.get(done["url"])
    assert file.headers["Content-Type"].startswith("application/json")
    rows = json.loads(file.content)
    assert rows and all(tuple(row) == REPORT_COLUMNS["DISTRIBUTION_ISSUES"] for row in rows)
    assert {row["ineligible_for_ads"] for row in rows} == {True}


def test_all_items_reports_may_be_restricted(sim: Simulator) -> None:
    sim.switches.catalog_all_items_report = "restricted"
    r = _create(sim, {"report_type": "ALL_ITEMS"})
    assert (r.status_code, r.json()) == (403, {"code": 29, "message": "You are not permitted to access that resource."})
    assert _create(sim, {"report_type": "DISTRIBUTION_ISSUES"}).status_code == 200
    feed = _feed(sim)
    assert _create(sim, {"report_type": "FEED_INGESTION_ISSUES", "feed_id": feed["id"]}).status_code == 200


@pytest.mark.parametrize(
    ("catalog_type", "report", "status", "code"),
    [
        ("RETAIL", {"report_type": "FEED_INGESTION_ISSUES", "feed_id": "1"}, 404, 4161),
        ("HOTEL", {"report_type": "FEED_INGESTION_ISSUES", "feed_id": "{feed}"}, 404, 4161),
        (
            "RETAIL",
            {"report_type": "FEED_INGESTION_ISSUES", "feed_id": "{feed}", "processing_result_id": "1"},
            404,
            4184,
        ),
        (
            "RETAIL",
            {"report_type": "FEED_INGESTION_ISSUES", "feed_id": "{feed}", "processing_result_id": "{other}"},
            404,
            4184,
        ),
        ("RETAIL", {"report_type": "DISTRIBUTION_ISSUES", "catalog_id": "1"}, 404, 678),
        ("HOTEL", {"report_type": "ALL_ITEMS"}, 404, 678),
        ("RETAIL", {"report_type": "FEED_INGESTION_ISSUES"}, 400, 1),
        ("RETAIL", {"report_type": "SOMETHING_ELSE"}, 400, 1),
        ("CREATIVE_ASSETS", {"report_type": "ALL_ITEMS"}, 400, 1),
        ("RETAIL", {"report_type": "ALL_ITEMS", "feed_id": "{feed}"}, 400, 1),
    ],
)
def test_report_parameters_the_api_refuses(
    sim: Simulator, catalog_type: str, report: dict[str, str], status: int, code: int
) -> None:
    feeds = sim.dataset.entities("catalogs_feeds")
    other = result_id(feeds[1]["id"], today() - dt.timedelta(days=1))
    filled = {k: v.format(feed=feeds[0]["id"], other=other) for k, v in report.items()}
    r = _create(sim, filled, catalog_type=catalog_type)
    assert (r.status_code, r.json()["code"]) == (status, code), r.text


def test_a_report_body_that_is_not_an_object_is_400(sim: Simulator) -> None:
    r = requests.post(f"{sim.base_url}/catalogs/reports", headers=headers(sim), data="[]")
    assert (r.status_code, r.json()["code"]) == (400, 1)


def test_unknown_expired_and_other_owners_tokens_are_1104(sim: Simulator, admin: str) -> None:
    expected = {"code": 1104, "message": "The token you provided is not valid or has expired."}
    r = _poll(sim, "not-a-token")
    assert (r.status_code, r.json()) == (400, expected)
    token = _ok(_create(sim, {"report_type": "DISTRIBUTION_ISSUES"}), "reports/create")["token"]
    assert _poll(sim, token, ad_account_id=admin).json() == expected  # the business's reports are others
    done = _finished(sim, token)
    sim.catalog_reports.ttl_seconds = 0
    try:
        assert (_poll(sim, token).status_code, _poll(sim, token).json()) == (400, expected)
        assert requests.get(done["url"]).status_code == 403
    finally:
        sim.catalog_reports.ttl_seconds = 3600


def test_a_download_link_is_open_to_body_faults(sim: Simulator) -> None:
    token = _ok(_create(sim, {"report_type": "ALL_ITEMS"}), "reports/create")["token"]
    done = _finished(sim, token)
    whole = requests.get(done["url"]).content
    sim.faults.add("truncate", path_regex="^/downloads/catalog_reports/", after_bytes=100, times=1)
    assert requests.get(done["url"]).content == whole[:100]
    assert requests.get(done["url"]).content == whole
    assert [d["authorization"] for d in sim.catalog_reports.downloads[-3:]] == ["", "", ""]
