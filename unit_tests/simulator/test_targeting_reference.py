"""Targeting reference: targeting templates, targeting options per type, the interest tree, the ad account countries,
the delivery metrics' definitions; and that every targeting value the targeting analytics and reports carry is
decoded by ``targeting_options/get``."""

from __future__ import annotations

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
from sim_http import ago, async_columns, report, rows, sync, sync_columns

from pinterest_simulator import Simulator
from pinterest_simulator.metric_definitions import display_name
from pinterest_simulator.reference_data import INTERESTS, LEVEL_1_INTERESTS
from pinterest_simulator.server import load_spec
from pinterest_simulator.switches import CHOICES
from pinterest_simulator.targeting_data import ACCOUNT_OPTION_TYPES, DECODED_BY, DECODED_BY_NAME

SPEC = load_spec()
_ITEM = SPEC.doc["paths"]["/resources/targeting/{targeting_type}"]
PUBLIC_TARGETING_TYPES: list[str] = next(
    SPEC.deref(p)["schema"]["enum"]
    for p in [*_ITEM.get("parameters", []), *_ITEM["get"]["parameters"]]
    if SPEC.deref(p)["name"] == "targeting_type"
)
OPERATIONS = (
    "targeting_template/list",
    "targeting_options/get",
    "interest_targeting_options/get",
    "ad_account_countries/get",
    "delivery_metrics/get",
)


def _options(sim: Simulator, targeting_type: str, account_id: str | None = None) -> dict[str, str]:
    """``targeting_options/get`` flattened to value -> name (either shape)."""
    query = {"ad_account_id": account_id} if account_id else {}
    body = checked(sim, "targeting_options/get", f"/resources/targeting/{targeting_type}", **query)
    flat: dict[str, str] = {}
    for item in body:
        assert not set(item) & set(flat), "a value twice"
        flat.update(item)
    return flat


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_answer_validates_is_not_empty_and_needs_its_scope(
    sim: Simulator, account_id: str, operation: str
) -> None:
    path, query = one_request_each(sim, account_id)[operation]
    body = checked(sim, operation, path, **query)
    assert body if not isinstance(body, dict) else any(body.values())
    assert_each_scope_is_needed(sim, operation, path, **query)


def test_delivery_metrics_need_three_scopes() -> None:
    from endpoint_checks import operation_scopes

    assert operation_scopes("delivery_metrics/get") == {"ads:read", "pins:read", "user_accounts:read"}


# -- targeting templates -----------------------------------------------------------------------------------
def _templates(sim: Simulator, account_id: str, **query: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    bookmark = None
    while True:
        page = checked(
            sim,
            "targeting_template/list",
            f"/ad_accounts/{account_id}/targeting_templates",
            **query,
            **({"bookmark": bookmark} if bookmark else {}),
        )
        items += page["items"]
        bookmark = page["bookmark"]
        if not bookmark:
            return items


@pytest.mark.parametrize("order", ["ASCENDING", "DESCENDING"])
def test_targeting_templates_page_by_id(sim: Simulator, account_id: str, order: str) -> None:
    every = _templates(sim, account_id, page_size=250)
    one_by_one = _templates(sim, account_id, page_size=1, order=order)
    ids = [t["id"] for t in every]
    assert len(ids) == len(set(ids)) >= 3
    assert [t["id"] for t in one_by_one] == sorted(ids, key=int, reverse=order == "DESCENDING")
    assert {t["status"] for t in every} == {"ACTIVE", "DELETED"}
    assert all(t["ad_account_id"] == account_id for t in every)


def test_targeting_templates_search_and_sizing(sim: Simulator, account_id: str) -> None:
    every = _templates(sim, account_id)
    assert all(t["sizing"] is None for t in every)
    found = _templates(sim, account_id, search_query="BAKERS")
    assert found and all("bakers" in t["name"].lower() for t in found) and len(found) < len(every)
    assert _templates(sim, account_id, search_query="no such template") == []
    sized = _templates(sim, account_id, include_sizing="true")
    for template in sized:
        reach = template["sizing"]["reach_estimate"]
        assert reach["lower_bound"] <= reach["estimate"] <= reach["upper_bound"]


def test_targeting_template_attributes_are_decodable(sim: Simulator, account_id: str) -> None:
    keywords = {k["value"] for k in sim.dataset.entities("keywords", account_id)}
    audiences = {a["id"] for a in sim.dataset.entities("audiences", account_id)}
    for template in _templates(sim, account_id):
        attributes = template["targeting_attributes"]
        for targeting_type in ("APPTYPE", "GENDER", "AGE_BUCKET", "LOCATION", "GEO", "LOCALE", "INTEREST"):
            assert set(attributes[targeting_type] or ()) <= set(_options(sim, targeting_type)), targeting_type
        for interest in attributes["INTEREST"]:
            assert checked(sim, "interest_targeting_options/get", f"/resources/targeting/interests/{interest}")
        assert set(attributes["AUDIENCE_INCLUDE"] or ()) <= audiences
        assert {k["value"] for k in template["keywords"]} <= keywords


# -- targeting options ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("targeting_type", PUBLIC_TARGETING_TYPES)
@pytest.mark.parametrize("shape", CHOICES["targeting_options_shape"])
def test_every_targeting_type_has_options_in_either_shape(
    sim: Simulator, account_id: str, targeting_type: str, shape: str
) -> None:
    sim.switches.targeting_options_shape = shape
    body = checked(sim, "targeting_options/get", f"/resources/targeting/{targeting_type}", ad_account_id=account_id)
    assert body
    if shape == "one_map":
        assert len(body) == 1
    else:
        assert all(len(item) == 1 for item in body) and len(body) > 1
    options = _options(sim, targeting_type, account_id)
    assert all(isinstance(name, str) and name for name in options.values())


@pytest.mark.parametrize("targeting_type", sorted(ACCOUNT_OPTION_TYPES))
def test_the_accounts_own_types_need_the_account(sim: Simulator, account_id: str, targeting_type: str) -> None:
    assert checked(sim, "targeting_options/get", f"/resources/targeting/{targeting_type}") == []
    with sim.switches.temporarily(targeting_options_shape="map_per_option"):
        assert checked(sim, "targeting_options/get", f"/resources/targeting/{targeting_type}") == []
    options = _options(sim, targeting_type, account_id)
    if targeting_type == "KEYWORD":
        assert set(options) <= {k["value"] for k in sim.dataset.entities("keywords", account_id)}
    else:
        assert options == {a["id"]: a["name"] for a in sim.dataset.entities("audiences", account_id)}
    assert_unreadable_account(sim, f"/resources/targeting/{targeting_type}", ad_account_id="{account}")


def test_a_bad_targeting_type_is_400(sim: Simulator) -> None:
    assert error(call(sim, "/resources/targeting/COUNTRY")) == (400, 1)
    assert error(call(sim, "/resources/targeting/LOCATION", ad_account_id="not-an-id")) == (400, 1)


def test_the_signature_parameters_are_accepted(sim: Simulator) -> None:
    answer = call(sim, "/resources/targeting/GENDER", client_id="1094834", oauth_signature="8209f", timestamp="1")
    assert answer.status_code == 200


# -- the decode join ---------------------------------------------------------------------------------------------
def _decoders(sim: Simulator, account_id: str) -> dict[str, set[str]]:
    """Reporting targeting type -> the keys (or names) of its ``targeting_options/get`` answer."""
    decoders: dict[str, set[str]] = {}
    for reporting_type, option_type in DECODED_BY.items():
        options = _options(sim, option_type, account_id)
        decoders[reporting_type] = set(options.values() if reporting_type in DECODED_BY_NAME else options)
    return decoders


@pytest.mark.parametrize("shape", CHOICES["targeting_options_shape"])
def test_every_sync_targeting_value_is_decoded(sim: Simulator, account_id: str, shape: str) -> None:
    sim.switches.targeting_options_shape = shape
    types = list(SPEC.schema("AdsAnalyticsTargetingType")["enum"])
    assert set(DECODED_BY) <= set(types)
    decoders = _decoders(sim, account_id)
    data = []
    for path, ids in (
        (f"/ad_accounts/{account_id}/targeting_analytics", {}),
        (
            f"/ad_accounts/{account_id}/ad_groups/targeting_analytics",
            {"ad_group_ids": [g["id"] for g in sim.dataset.entities("ad_groups", account_id)][:20]},
        ),
    ):
        answer = sync(
            sim,
            path,
            start_date=ago(20).isoformat(),
            end_date=ago(1).isoformat(),
            targeting_types=types,
            columns=["SPEND_IN_DOLLAR"],
            granularity="TOTAL",
            **ids,
        )
        assert answer.status_code == 200, answer.text
        data += answer.json()["data"]
    seen = {row["targeting_type"] for row in data}
    assert set(DECODED_BY) <= seen
    undecoded = [
        (row["targeting_type"], row["targeting_value"])
        for row in data
        if row["targeting_type"] in DECODED_BY and str(row["targeting_value"]) not in decoders[row["targeting_type"]]
    ]
    assert undecoded == []


def test_every_report_targeting_value_is_decoded(sim: Simulator, account_id: str) -> None:
    decoders = _decoders(sim, account_id)
    decodable = sorted(DECODED_BY)
    found: list[dict[str, Any]] = []
    for batch in (decodable[:5], decodable[5:10], decodable[10:]):
        body = {
            "start_date": ago(10), "end_date": ago(1), "granularity": "TOTAL", "level": "AD_GROUP_TARGETING",
            "columns": ["AD_GROUP_ID", "SPEND_IN_DOLLAR"], "targeting_types": batch,
        }  # fmt: skip
        found += rows(report(sim, account_id, **body))
    assert {row["TARGETING_TYPE"] for row in found} == set(decodable)
    undecoded = [r for r in found if str(r["TARGETING_VALUE"]) not in decoders[r["TARGETING_TYPE"]]]
    assert undecoded == []


def test_targeting_values_follow_the_specs_examples(sim: Simulator, account_id: str) -> None:
    """The forms of the spec's ``MetricsResponse`` example: iphone, 500 (a DMA code), US, US:94102, US-CA, 45-49,
    names of interests; keywords are the account's."""
    from pinterest_simulator.metrics import targeting_value

    value = {t: targeting_value(sim.dataset, account_id, account_id, t) for t in DECODED_BY}
    assert value["LOCATION"].isdigit() and value["COUNTRY"].isalpha() and len(value["COUNTRY"]) == 2
    assert value["GEO"].startswith("US:") and value["REGION"].startswith("US-")
    assert value["TARGETED_INTEREST"] in {i.name for i in LEVEL_1_INTERESTS}
    assert value["PINNER_INTEREST"] in {i.name for i in INTERESTS.values() if i.level == 2}
    assert value["KEYWORD"] in {k["value"] for k in sim.dataset.entities("keywords", account_id)}
    assert value["AUDIENCE_INCLUDE"] in {a["id"] for a in sim.dataset.entities("audiences", account_id)}


# -- interests -----------------------------------------------------------------------------------------------
def test_every_interest_option_resolves_into_the_tree(sim: Simulator) -> None:
    options = _options(sim, "INTEREST")
    assert options
    children: set[str] = set()
    for interest_id, name in options.items():
        interest = checked(sim, "interest_targeting_options/get", f"/resources/targeting/interests/{interest_id}")
        assert (interest["id"], interest["name"]) == (interest_id, name)
        assert interest["level"] in (1, 2)
        assert bool(interest["child_interests"]) == (interest["level"] == 1)
        children |= set(interest["child_interests"])
    assert children <= set(options)
    assert {i for i in options if i not in children} == {i.id for i in LEVEL_1_INTERESTS}


def test_an_unknown_interest_is_404_and_a_bad_id_400(sim: Simulator) -> None:
    assert error(call(sim, "/resources/targeting/interests/123")) == (404, 2)
    assert error(call(sim, "/resources/targeting/interests/abc")) == (400, 1)


# -- countries -------------------------------------------------------------------------------------------------
def test_ad_account_countries(sim: Simulator) -> None:
    items = checked(sim, "ad_account_countries/get", "/resources/ad_account_countries")["items"]
    codes = [item["code"] for item in items]
    assert len(codes) == len(set(codes)) and "US" in codes
    assert [item["index"] for item in items] == list(range(1, len(items) + 1))
    assert next(item for item in items if item["code"] == "US")["currency"] == "Dollars"
    assert {account["country"] for account in sim.dataset.entities("ad_accounts")} <= set(codes)
    assert set(codes) <= set(_options(sim, "LOCATION"))


# -- delivery metrics ------------------------------------------------------------------------------------------
def _metrics(sim: Simulator, **query: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = checked(sim, "delivery_metrics/get", "/resources/delivery_metrics", **query)["items"]
    keys = [(item["category"], item["name"]) for item in items]
    assert len(keys) == len(set(keys))
    assert all(item["definition"].endswith(".") and len(item["definition"]) > 10 for item in items)
    return items


def test_delivery_metrics_define_every_column_the_reports_use(sim: Simulator) -> None:
    organic = set(SPEC.schema("ReportingColumnAsync")["enum"])  # a name check below, not organic metrics
    sync_metrics = _metrics(sim, report_type="SYNC")
    async_metrics = _metrics(sim, report_type="ASYNC")
    every = _metrics(sim)
    assert {m["name"] for m in sync_metrics if m["category"] == "ADS"} == set(sync_columns())
    assert {m["name"] for m in async_metrics} == set(async_columns()) == organic
    assert {m["category"] for m in async_metrics} == {"ADS"}
    user_metrics = {"IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK", "ENGAGEMENT_RATE", "VIDEO_MRC_VIEW"}
    assert user_metrics <= {m["name"] for m in sync_metrics if m["category"] == "ORGANIC"}
    assert {(m["category"], m["name"]) for m in every} == {
        (m["category"], m["name"]) for m in sync_metrics + async_metrics
    }


def test_display_names_are_left_out_only_for_micro_currency_columns(sim: Simulator) -> None:
    for item in _metrics(sim):
        assert ("display_name" in item) == ("_IN_MICRO_" not in item["name"]), item
    by_name = {item["name"]: item for item in _metrics(sim) if item["category"] == "ADS"}
    assert by_name["AD_GROUP_ID"]["display_name"] == "Ad group ID" == display_name("AD_GROUP_ID")
    assert by_name["CTR"]["display_name"] == "CTR"


def test_a_bad_report_type_is_400(sim: Simulator) -> None:
    assert error(call(sim, "/resources/delivery_metrics", report_type="DAILY")) == (400, 1)


def test_targeting_templates_of_an_unreadable_account_are_403(sim: Simulator) -> None:
    assert_unreadable_account(sim, "/ad_accounts/{account}/targeting_templates")
