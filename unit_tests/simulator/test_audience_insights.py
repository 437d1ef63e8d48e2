"""Audience insights: the insights of each type, the audience definitions, and whom an audience is shared with."""

from __future__ import annotations

import datetime as dt
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
from pinterest_simulator.audience_data import INSIGHTS_LAG_DAYS
from pinterest_simulator.clock import FixedClock
from pinterest_simulator.reference_data import INTERESTS
from pinterest_simulator.server import load_spec
from pinterest_simulator.switches import CHOICES

INSIGHT_TYPES: list[str] = list(load_spec().schema("AudienceInsightType")["enum"])
ACCOUNT_TYPES: list[str] = list(load_spec().schema("AudienceAccountType")["enum"])
SHARED = "ad_accounts_audiences_shared_accounts/list"


def _shared_path(account_id: str) -> str:
    return f"/ad_accounts/{account_id}/audiences/shared/accounts"


def _first_audience(sim: Simulator, account_id: str) -> str:
    return str(sim.dataset.entities("audiences", account_id)[0]["id"])


@pytest.mark.parametrize("operation", ["audience_insights/get", "audience_insights_scope_and_type/get", SHARED])
def test_each_answer_validates_is_not_empty_and_needs_its_scope(
    sim: Simulator, account_id: str, operation: str
) -> None:
    path, query = one_request_each(sim, account_id)[operation]
    body = checked(sim, operation, path, **query)
    assert body["items"] if "items" in body else body["categories"]
    assert_each_scope_is_needed(sim, operation, path, **query)
    assert_unreadable_account(sim, path.replace(account_id, "{account}"), **query)


@pytest.mark.parametrize("insight_type", INSIGHT_TYPES)
def test_insights_of_every_type_and_account(sim: Simulator, insight_type: str) -> None:
    for account_id in sim.dataset.ad_account_ids:
        body = checked(
            sim,
            "audience_insights/get",
            f"/ad_accounts/{account_id}/audience_insights",
            audience_insight_type=insight_type,
        )
        assert body["type"] == insight_type
        assert body["date"] == (today() - dt.timedelta(days=INSIGHTS_LAG_DAYS)).isoformat()
        for dimension, values in body["demographics"].items():
            assert values, dimension
            assert abs(sum(v["ratio"] for v in values) - 1) < 0.02, dimension
        for category in body["categories"]:
            interest = INTERESTS[category["id"]]
            assert (category["key"], category["name"], interest.level) == (interest.id, interest.name, 1)
            assert [sub["id"] for sub in category["subcategories"]] == list(interest.children)
            assert 0 < category["ratio"] < 1


def test_sizes_and_indexes(sim: Simulator) -> None:
    def insight(account_id: str, insight_type: str) -> dict[str, Any]:
        path = f"/ad_accounts/{account_id}/audience_insights"
        body: dict[str, Any] = checked(sim, "audience_insights/get", path, audience_insight_type=insight_type)
        return body

    pinterest = [insight(a, "PINTEREST_TOTAL_AUDIENCE") for a in sim.dataset.ad_account_ids]
    assert all(p == pinterest[0] for p in pinterest)  # Pinterest's audience is one
    assert all(c["index"] == 1.0 for c in pinterest[0]["categories"])
    for account_id in sim.dataset.ad_account_ids:
        total, engaged = insight(account_id, "YOUR_TOTAL_AUDIENCE"), insight(account_id, "YOUR_ENGAGED_AUDIENCE")
        assert engaged["size"] < total["size"] < pinterest[0]["size"]
    sizes = {insight(a, "YOUR_TOTAL_AUDIENCE")["size"] for a in sim.dataset.ad_account_ids}
    assert len(sizes) == len(sim.dataset.ad_account_ids)


def test_the_insight_type_is_required_and_checked(sim: Simulator, account_id: str) -> None:
    path = f"/ad_accounts/{account_id}/audience_insights"
    assert error(call(sim, path)) == (400, 1)
    assert error(call(sim, path, audience_insight_type="EVERYONE")) == (400, 1)


@pytest.mark.parametrize("days_later", [0, 1, 45, 400])
def test_the_dates_follow_the_simulators_clock(sim: Simulator, account_id: str, days_later: int) -> None:
    clock = sim.clock
    day = today() + dt.timedelta(days=days_later)
    sim.clock = FixedClock(day)
    try:
        expected = (day - dt.timedelta(days=INSIGHTS_LAG_DAYS)).isoformat()
        path = f"/ad_accounts/{account_id}/audience_insights"
        body = checked(sim, "audience_insights/get", path, audience_insight_type="YOUR_ENGAGED_AUDIENCE")
        definitions = checked(
            sim, "audience_insights_scope_and_type/get", f"/ad_accounts/{account_id}/insights/audiences"
        )
        assert body["date"] == expected
        assert {item["date"] for item in definitions["items"]} == {expected}
    finally:
        sim.clock = clock


def test_audience_definitions(sim: Simulator, account_id: str) -> None:
    items = checked(sim, "audience_insights_scope_and_type/get", f"/ad_accounts/{account_id}/insights/audiences")[
        "items"
    ]
    assert {item["scope"] for item in items} == {"PARTNER", "PINTEREST"}
    assert len({(item["scope"], item["type"]) for item in items}) == len(items)


# -- shared accounts ---------------------------------------------------------------------------------------
def _shares(sim: Simulator, account_id: str, audience_id: str, account_type: str, **query: Any) -> list[Any]:
    items: list[Any] = []
    bookmark = None
    while True:
        page = checked(
            sim,
            SHARED,
            _shared_path(account_id),
            audience_id=audience_id,
            account_type=account_type,
            **query,
            **({"bookmark": bookmark} if bookmark else {}),
        )
        items += page["items"]
        bookmark = page["bookmark"]
        if not bookmark:
            return items


def test_shares_page_by_account_and_name_real_accounts(sim: Simulator) -> None:
    readable = {a["id"]: a["name"] for a in sim.dataset.entities("ad_accounts")}
    businesses = {sim.dataset.user["id"]}
    assert sim.dataset.business is not None
    businesses.add(sim.dataset.business.user["id"])
    shared = 0
    for account_id in sim.dataset.ad_account_ids:
        for audience in sim.dataset.entities("audiences", account_id):
            for account_type in ACCOUNT_TYPES:
                every = _shares(sim, account_id, audience["id"], account_type)
                one_by_one = _shares(sim, account_id, audience["id"], account_type, page_size=1)
                assert one_by_one == every
                assert [s["account_id"] for s in every] == sorted((s["account_id"] for s in every), key=int)
                assert all(s["account_type"] == account_type for s in every)
                for share in every:
                    if account_type == "AD_ACCOUNT":
                        assert readable[share["account_id"]] == share["account_name"]
                        assert share["account_id"] != account_id
                    else:
                        assert share["account_id"] in businesses
                    assert share["shared_on_timestamp"] >= audience["created_timestamp"]
                shared += bool(every)
    assert shared


def test_an_audience_of_another_account_or_unknown_is_404(sim: Simulator, account_id: str) -> None:
    other = next(a for a in sim.dataset.ad_account_ids if a != account_id)
    for audience_id in (_first_audience(sim, other), "123"):
        answer = call(sim, _shared_path(account_id), audience_id=audience_id, account_type="AD_ACCOUNT")
        assert error(answer) == (404, 2)


def test_both_parameters_are_required(sim: Simulator, account_id: str) -> None:
    audience_id = _first_audience(sim, account_id)
    assert error(call(sim, _shared_path(account_id), audience_id=audience_id)) == (400, 1)
    assert error(call(sim, _shared_path(account_id), account_type="AD_ACCOUNT")) == (400, 1)
    bad = call(sim, _shared_path(account_id), audience_id=audience_id, account_type="USER")
    assert error(bad) == (400, 1)


@pytest.mark.parametrize("unshared", CHOICES["unshared_audience"])
def test_an_audience_shared_with_nobody_per_the_switch(sim: Simulator, account_id: str, unshared: str) -> None:
    sim.switches.unshared_audience = unshared
    audiences = sim.dataset.entities("audiences", account_id)
    assert len(audiences) >= 2
    nobody = audiences[1]["id"]  # every other audience is shared with nobody
    answer = call(sim, _shared_path(account_id), audience_id=nobody, account_type="AD_ACCOUNT")
    if unshared == "empty":
        assert answer.status_code == 200 and answer.json() == {"items": [], "bookmark": None}
    else:
        assert error(answer) == (404, 2)
    shared = _shares(sim, account_id, audiences[0]["id"], "AD_ACCOUNT")
    assert shared  # a shared audience answers under both
