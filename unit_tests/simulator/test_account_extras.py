"""The ad accounts' smaller entities: labels, promotions, advertiser-defined events, event quality scores, and the
conversion tags' page-visit and oCPM-eligible events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from endpoint_checks import (
    assert_each_scope_is_needed,
    assert_unreadable_account,
    call,
    checked,
    error,
    one_request_each,
)
from sim_http import today

from pinterest_simulator import Simulator
from pinterest_simulator.clock import FixedClock
from pinterest_simulator.routes import HANDLERS
from pinterest_simulator.server import load_spec
from pinterest_simulator.switches import CHOICES

SPEC = load_spec()
OPERATIONS = (
    "labels/list",
    "promotions/list",
    "advertiser_defined_events/get",
    "conversion_eqs/list",
    "page_visit_conversion_tags/get",
    "ocpm_eligible_conversion_tags/get",
)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_answer_validates_for_every_account_and_needs_its_scope(sim: Simulator, operation: str) -> None:
    for account_id in sim.dataset.ad_account_ids:
        path, query = one_request_each(sim, account_id)[operation]
        body = checked(sim, operation, path, **query)
        assert body["items"] if isinstance(body, dict) and "items" in body else body
    assert_each_scope_is_needed(sim, operation, path, **query)
    assert_unreadable_account(sim, path.replace(account_id, "{account}"), **query)


def _walk(sim: Simulator, operation: str, path: str, **query: Any) -> list[Any]:
    items: list[Any] = []
    bookmark = None
    while True:
        page = checked(sim, operation, path, **query, **({"bookmark": bookmark} if bookmark else {}))
        assert set(page) == {"items", "bookmark"}
        items += page["items"]
        bookmark = page["bookmark"]
        if not bookmark:
            return items


# -- labels ------------------------------------------------------------------------------------------------
def _labels(sim: Simulator, account_id: str, **query: Any) -> list[dict[str, Any]]:
    items = _walk(sim, "labels/list", f"/ad_accounts/{account_id}/labels", **query)
    if sim.switches.labels_item == "label":
        return items
    assert all(set(item) == {"labels", "errors"} and len(item["labels"]) == 1 for item in items)
    return [item["labels"][0] for item in items]


@pytest.mark.parametrize("labels_item", CHOICES["labels_item"])
def test_labels_filters_and_pages(sim: Simulator, account_id: str, labels_item: str) -> None:
    sim.switches.labels_item = labels_item
    every = _labels(sim, account_id, entity_statuses="ACTIVE,ARCHIVED")
    campaigns = {c["id"] for c in sim.dataset.entities("campaigns", account_id)}
    assert {label["parent_id"] for label in every} == campaigns
    assert all(label["parent_type"] == "CAMPAIGN" for label in every)
    assert [label["id"] for label in every] == sorted((label["id"] for label in every), key=int)
    assert _labels(sim, account_id, entity_statuses="ACTIVE,ARCHIVED", page_size=1) == every
    assert {label["status"] for label in every} == {"ACTIVE", "ARCHIVED"}
    assert _labels(sim, account_id) == [label for label in every if label["status"] == "ACTIVE"]
    brands = _labels(sim, account_id, label_types="BRAND")
    assert brands and {label["label_type"] for label in brands} == {"BRAND"}
    assert len(brands) == len(campaigns)  # one BRAND label a campaign
    campaign = sorted(campaigns)[0]
    assert {label["parent_id"] for label in _labels(sim, account_id, campaign_ids=campaign)} == {campaign}
    chosen = [every[0]["id"], every[-1]["id"]]
    picked = _labels(sim, account_id, label_ids=chosen, entity_statuses="ACTIVE,ARCHIVED")
    assert [label["id"] for label in picked] == chosen


def test_labels_refuse_bad_filters(sim: Simulator, account_id: str) -> None:
    path = f"/ad_accounts/{account_id}/labels"
    assert error(call(sim, path, entity_statuses="PAUSED")) == (400, 1)
    assert error(call(sim, path, label_types="OTHER")) == (400, 1)
    assert error(call(sim, path, campaign_ids="abc")) == (400, 1)


# -- promotions --------------------------------------------------------------------------------------------
@pytest.fixture
def pinned(sim: Simulator) -> Iterator[Any]:
    clock = sim.clock

    def pin(day: dt.date) -> None:
        sim.clock = FixedClock(day)

    yield pin
    sim.clock = clock


@pytest.mark.parametrize("order", ["ASCENDING", "DESCENDING"])
def test_promotions_page_by_id(sim: Simulator, account_id: str, order: str) -> None:
    path = f"/ad_accounts/{account_id}/promotions"
    every = _walk(sim, "promotions/list", path)
    assert len(every) >= 3 and all(p["ad_account_id"] == account_id for p in every)
    one_by_one = _walk(sim, "promotions/list", path, page_size=1, order=order)
    assert [p["id"] for p in one_by_one] == sorted((p["id"] for p in every), key=int, reverse=order == "DESCENDING")


def check_discount_statuses(sim: Simulator, account_id: str) -> None:
    """Each promotion's ``discount_status`` follows its times and the simulator's clock; the account has one of
    each status on any day."""
    now = int(sim.clock.now().timestamp())
    promotions = _walk(sim, "promotions/list", f"/ad_accounts/{account_id}/promotions")
    for promotion in promotions:
        start, end = promotion["start_time"], promotion["end_time"]
        expected = (
            "PAUSED"
            if promotion["status"] != "ACTIVE"
            else "SCHEDULED"
            if now < start
            else "ACTIVE"
            if now < end
            else "EXPIRED"
        )
        assert promotion["discount_status"] == expected
        assert ("external_id" in promotion) == (promotion["platform_type"] != "DEFAULT")
    assert {p["discount_status"] for p in promotions} == {"ACTIVE", "SCHEDULED", "EXPIRED", "PAUSED"}


@pytest.mark.parametrize("days_later", [0, 1, 30, 365])
def test_discount_status_follows_the_clock(sim: Simulator, account_id: str, pinned: Any, days_later: int) -> None:
    pinned(today() + dt.timedelta(days=days_later))
    check_discount_statuses(sim, account_id)


# -- advertiser-defined events, event quality scores ------------------------------------------------------
def test_advertiser_defined_events(sim: Simulator) -> None:
    response = SPEC.operations["advertiser_defined_events/get"].raw["responses"]["200"]
    event = response["content"]["application/json"]["schema"]["properties"]["items"]["items"]
    mapped_types = set(event["properties"]["mapped_conversion_type"]["anyOf"][0]["enum"])
    for account_id in sim.dataset.ad_account_ids:
        path = f"/ad_accounts/{account_id}/advertiser_defined_events"
        items = checked(sim, "advertiser_defined_events/get", path)["items"]
        names = [item["name"] for item in items]
        assert 2 <= len(names) == len(set(names))
        assert {item["mapped_conversion_type"] for item in items} - {None} <= mapped_types


def _eqs(sim: Simulator, account_id: str, **query: Any) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = checked(
        sim, "conversion_eqs/list", f"/ad_accounts/{account_id}/conversion_eqs", **query
    )
    return body


def test_event_quality_scores(sim: Simulator, account_id: str) -> None:
    components = set(SPEC.schema("QualityComponents")["properties"])
    every = _eqs(sim, account_id, lookback_period="14d")
    assert len({(s["source_platform"], s["ingestion_source"]) for s in every}) == len(every) >= 2
    for score in every:
        assert score["lookback_period"] == "14d" and set(score["quality_components"]) == components
        coverages = [d["coverage"] for c in score["quality_components"].values() for d in c.values()]
        mean = sum(coverages) / len(coverages)
        status = "GOOD" if mean >= 70 else "FAIR" if mean >= 40 else "NEEDS_IMPROVEMENT"
        assert score["overall_status"] == status
        for component, events in score["quality_components"].items():
            for details in events.values():
                assert bool(details["issues"]) == (details["coverage"] < 40)
                assert ("overlap" in details) == (component == "external_event_id")
    web = _eqs(sim, account_id, lookback_period="14d", source_platform="WEB")
    assert web and {s["source_platform"] for s in web} == {"WEB"} and len(web) < len(every)
    api = _eqs(sim, account_id, lookback_period="14d", source_platform="WEB", ingestion_source="CONVERSIONS_API")
    assert [s["ingestion_source"] for s in api] == ["CONVERSIONS_API"]
    assert _eqs(sim, account_id, lookback_period="14d", source_platform="POINT_OF_SALE") == []
    day = _eqs(sim, account_id, lookback_period="1d")
    assert [s["quality_components"] for s in day] != [s["quality_components"] for s in every]


def test_event_quality_scores_need_the_lookback(sim: Simulator, account_id: str) -> None:
    path = f"/ad_accounts/{account_id}/conversion_eqs"
    assert error(call(sim, path)) == (400, 1)
    assert error(call(sim, path, lookback_period="7d")) == (400, 1)


# -- conversion tag events ---------------------------------------------------------------------------------
def _active_tags(sim: Simulator, account_id: str) -> list[str]:
    return [t["id"] for t in sim.dataset.entities("conversion_tags", account_id) if t["status"] == "ACTIVE"]


@pytest.mark.parametrize("order", ["ASCENDING", "DESCENDING"])
def test_page_visit_events_of_the_active_tags(sim: Simulator, order: str) -> None:
    for account_id in sim.dataset.ad_account_ids:
        path = f"/ad_accounts/{account_id}/conversion_tags/page_visit"
        every = _walk(sim, "page_visit_conversion_tags/get", path, order=order)
        expected = sorted(_active_tags(sim, account_id), key=int, reverse=order == "DESCENDING")
        assert [e["conversion_tag_id"] for e in every] == expected
        assert _walk(sim, "page_visit_conversion_tags/get", path, order=order, page_size=1) == every
        assert {(e["ad_account_id"], e["conversion_event"]) for e in every} == {(account_id, "PAGE_VISIT")}


def test_ocpm_eligible_events_of_the_active_tags(sim: Simulator) -> None:
    for account_id in sim.dataset.ad_account_ids:
        path = f"/ad_accounts/{account_id}/conversion_tags/ocpm_eligible"
        body = checked(sim, "ocpm_eligible_conversion_tags/get", path)
        assert list(body) == [account_id]
        events = body[account_id]
        assert {e["conversion_tag_id"] for e in events} == set(_active_tags(sim, account_id))
        assert len({(e["conversion_tag_id"], e["conversion_event"]) for e in events}) == len(events)


def test_an_account_without_active_tag(sim: Simulator, account_id: str) -> None:
    tags = sim.dataset.by_account["conversion_tags"][account_id]
    statuses = {tag_id: tag["status"] for tag_id, tag in tags.items()}
    try:
        for tag in tags.values():
            tag["status"] = "ARCHIVED"
        base = f"/ad_accounts/{account_id}"
        assert checked(sim, "ocpm_eligible_conversion_tags/get", f"{base}/conversion_tags/ocpm_eligible") == {}
        page = checked(sim, "page_visit_conversion_tags/get", f"{base}/conversion_tags/page_visit")
        assert page == {"items": [], "bookmark": None}
        assert _eqs(sim, account_id, lookback_period="1d") == []
    finally:
        for tag_id, status in statuses.items():
            tags[tag_id]["status"] = status


def test_every_reference_operation_answers_in_the_large_preset() -> None:
    with Simulator(preset="large", seed=2) as large:
        for account_id in large.dataset.ad_account_ids:
            for operation, (path, query) in one_request_each(large, account_id).items():
                body = checked(large, operation, path, **query)
                assert body, operation
        account_id = large.dataset.owned_ad_account_ids[0]
        labels = _walk(large, "labels/list", f"/ad_accounts/{account_id}/labels")  # more than one page of 25
        assert len(labels) > 25 and len({item["labels"][0]["id"] for item in labels}) == len(labels)


def test_the_table_of_requests_covers_every_handler_of_the_families(sim: Simulator, account_id: str) -> None:
    families = {f"pinterest_simulator.handlers.{name}" for name in ("targeting", "audience_insights", "trends")}
    families.add("pinterest_simulator.handlers.account_extras")
    handled = {operation for operation, func in HANDLERS.items() if func.__module__ in families}
    assert set(one_request_each(sim, account_id)) == handled
