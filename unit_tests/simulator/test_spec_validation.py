"""Requests are validated against the spec: 404/405 for unknown operations, 400 code 1 for bad parameters."""

from __future__ import annotations

import time

import pytest
import requests

from pinterest_simulator import Simulator
from pinterest_simulator.server import load_spec


def test_unknown_path_is_404(sim: Simulator, auth: dict[str, str]) -> None:
    r = requests.get(f"{sim.base_url}/ad_accounts/1/nothing_here", headers=auth)
    assert r.status_code == 404
    assert set(r.json()) == {"code", "message"}


def test_wrong_method_is_405(sim: Simulator, auth: dict[str, str]) -> None:
    r = requests.delete(f"{sim.base_url}/ad_accounts", headers=auth)
    assert r.status_code == 405
    assert r.json()["code"] == 5


@pytest.mark.parametrize(
    ("suffix", "params", "named"),
    [
        ("/campaigns", {"page_size": "0"}, "page_size"),
        ("/campaigns", {"page_size": "251"}, "page_size"),
        ("/campaigns", {"page_size": "3e"}, "page_size"),
        ("/campaigns", {"entity_statuses": "ACTIVE,RUNNING"}, "entity_statuses"),
        ("/campaigns", {"order": "UP"}, "order"),
        ("/campaigns", {"campaign_ids": ",".join(str(10**12 + i) for i in range(251))}, "campaign_ids"),
        ("/campaigns", {"campaign_ids": "12a"}, "campaign_ids"),
        ("/campaigns", {"no_such_param": "1"}, "no_such_param"),
        ("/conversion_tags", {"page_size": "25"}, "page_size"),
        ("/conversion_tags", {"filter_deleted": "maybe"}, "filter_deleted"),
        ("/analytics", {"start_date": "2025-01-01", "end_date": "2025-01-02", "granularity": "DAY"}, "columns"),
        ("/keywords", {"match_types": "BROAD,EXACT,PHRASE,EXACT_NEGATIVE,PHRASE_NEGATIVE,BROAD"}, "match_types"),
    ],
)
def test_bad_query_parameter_is_400(
    sim: Simulator, auth: dict[str, str], account_id: str, suffix: str, params: dict[str, str], named: str
) -> None:
    r = requests.get(f"{sim.base_url}/ad_accounts/{account_id}{suffix}", headers=auth, params=params)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == 1
    assert named in r.json()["message"]


@pytest.mark.parametrize(
    "path", ["/ad_accounts/12x/campaigns", "/ad_accounts/1234567890123456789/campaigns", "/boards/abc/pins"]
)
def test_bad_path_id_is_400(sim: Simulator, auth: dict[str, str], path: str) -> None:
    r = requests.get(sim.base_url + path, headers=auth)
    assert r.status_code == 400
    assert r.json()["code"] == 1


def test_repeated_and_comma_separated_arrays_are_equivalent(
    sim: Simulator, auth: dict[str, str], account_id: str
) -> None:
    url = f"{sim.base_url}/ad_accounts/{account_id}/campaigns"
    repeated = requests.get(
        url, headers=auth, params=[("entity_statuses", "ACTIVE"), ("entity_statuses", "ARCHIVED"), ("page_size", "250")]
    )
    comma = requests.get(url, headers=auth, params={"entity_statuses": "ACTIVE,ARCHIVED", "page_size": "250"})
    assert repeated.status_code == comma.status_code == 200
    assert repeated.json() == comma.json()
    assert {c["status"] for c in comma.json()["items"]} <= {"ACTIVE", "ARCHIVED"}


def test_auth_is_checked_before_parameters(sim: Simulator, account_id: str) -> None:
    r = requests.get(f"{sim.base_url}/ad_accounts/{account_id}/campaigns", params={"page_size": "0"})
    assert r.status_code == 401


def test_validation_is_fast() -> None:
    spec = load_spec()
    op, values = spec.match("GET", "/ad_accounts/549755885175/ads")
    query = {
        "entity_statuses": ["ACTIVE", "PAUSED", "ARCHIVED"],
        "page_size": ["250"],
        "ad_group_ids": [",".join(["2680060704746"] * 250)],
    }
    start = time.perf_counter()
    for _ in range(200):
        spec.match("GET", "/ad_accounts/549755885175/ads")
        op.validate(values, query)
    assert (time.perf_counter() - start) / 200 < 0.001
