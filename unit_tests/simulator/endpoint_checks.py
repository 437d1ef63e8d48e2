"""Checks every new endpoint family's tests share: an answer that validates against its operation's response
schema, the 401 code 3 of a token lacking each of the operation's scopes, the 403 code 29 of an unreadable ad
account."""

from __future__ import annotations

from typing import Any

import requests
from sim_http import schema_errors

from pinterest_simulator import Simulator
from pinterest_simulator.oauth import READ_SCOPES
from pinterest_simulator.server import load_spec

#: an ad account id no simulated token can read
UNREADABLE_ACCOUNT = "999999999999"


def call(sim: Simulator, path: str, token: str | None = None, **params: Any) -> requests.Response:
    """``GET {base_url}{path}`` with `token` (default: the fixed token, every read scope); lists as repeated keys."""
    bearer = token if token is not None else sim.access_token
    return requests.get(sim.base_url + path, headers={"Authorization": f"Bearer {bearer}"}, params=params)


def checked(sim: Simulator, operation_id: str, path: str, **params: Any) -> Any:
    """The 200 answer's body, checked against the operation's response schema."""
    answer = call(sim, path, **params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert schema_errors(operation_id, body) == [], operation_id
    return body


def error(answer: requests.Response) -> tuple[int, int]:
    """``(HTTP status, Pinterest code)`` of an error answer, its body checked as ``{code, message}``."""
    body = answer.json()
    assert set(body) == {"code", "message"} and isinstance(body["message"], str) and body["message"], body
    return answer.status_code, body["code"]


def operation_scopes(operation_id: str) -> frozenset[str]:
    """The scopes the operation's OAuth security requirement names (every alternative names the same)."""
    alternatives = load_spec().operations[operation_id].scope_alternatives
    assert alternatives and len(set(alternatives)) == 1, (operation_id, alternatives)
    return alternatives[0]


def assert_each_scope_is_needed(sim: Simulator, operation_id: str, path: str, **params: Any) -> None:
    """A token lacking any one of the operation's scopes gets 401 code 3; one with them all gets 200."""
    scopes = operation_scopes(operation_id)
    assert scopes <= set(READ_SCOPES)
    for scope in scopes:
        token = sim.issue_access_token([s for s in READ_SCOPES if s != scope])
        assert error(call(sim, path, token, **params)) == (401, 3), (operation_id, scope)
    assert call(sim, path, sim.issue_access_token(sorted(scopes)), **params).status_code == 200, operation_id


def assert_unreadable_account(sim: Simulator, path: str, **params: Any) -> None:
    """`path` and `params` (``{account}`` in either) for an ad account the token cannot read: 403 code 29."""
    query = {
        name: value.format(account=UNREADABLE_ACCOUNT) if isinstance(value, str) else value
        for name, value in params.items()
    }
    assert error(call(sim, path.format(account=UNREADABLE_ACCOUNT), **query)) == (403, 29), path


def one_request_each(sim: Simulator, account_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """operation -> (path, query) of one valid request of every operation of the reference families (issue 23,
    items 5 to 8), for the account."""
    from pinterest_simulator.reference_data import LEVEL_1_INTERESTS

    audience = sim.dataset.entities("audiences", account_id)[0]["id"]
    account = f"/ad_accounts/{account_id}"
    return {
        "targeting_template/list": (f"{account}/targeting_templates", {}),
        "targeting_options/get": ("/resources/targeting/LOCATION", {}),
        "interest_targeting_options/get": (f"/resources/targeting/interests/{LEVEL_1_INTERESTS[0].id}", {}),
        "ad_account_countries/get": ("/resources/ad_account_countries", {}),
        "delivery_metrics/get": ("/resources/delivery_metrics", {}),
        "audience_insights/get": (f"{account}/audience_insights", {"audience_insight_type": "YOUR_TOTAL_AUDIENCE"}),
        "audience_insights_scope_and_type/get": (f"{account}/insights/audiences", {}),
        "ad_accounts_audiences_shared_accounts/list": (
            f"{account}/audiences/shared/accounts",
            {"audience_id": audience, "account_type": "AD_ACCOUNT"},
        ),
        "country_keywords_metrics/get": (f"{account}/keywords/metrics", {"country_code": "US", "keywords": "x"}),
        "trending_keywords/list": ("/trends/keywords/US/top/growing", {}),
        "trends_featured_topics/list": ("/trends/topics/featured", {"region": "US"}),
        "trends_product_categories_trending/list": ("/trends/product_categories/trending", {"region": "US"}),
        "terms_related/list": ("/terms/related", {"terms": "workout"}),
        "terms_suggested/list": ("/terms/suggested", {"term": "fall"}),
        "labels/list": (f"{account}/labels", {}),
        "promotions/list": (f"{account}/promotions", {}),
        "advertiser_defined_events/get": (f"{account}/advertiser_defined_events", {}),
        "conversion_eqs/list": (f"{account}/conversion_eqs", {"lookback_period": "14d"}),
        "page_visit_conversion_tags/get": (f"{account}/conversion_tags/page_visit", {}),
        "ocpm_eligible_conversion_tags/get": (f"{account}/conversion_tags/ocpm_eligible", {}),
    }
