"""The opt-in response cache (benchmarks): the same bytes again, generated once, and never stale."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from pinterest_simulator import Simulator


@pytest.fixture(scope="module")
def cached() -> Iterator[Simulator]:
    with Simulator(preset="small", seed=1, cache_responses=True) as running:
        yield running


def _ads_analytics(sim: Simulator) -> requests.Response:
    account = sim.dataset.owned_ad_account_ids[0]
    ad_ids = [ad["id"] for ad in sim.dataset.entities("ads", account)[:3]]
    today = sim.today()
    response = requests.get(
        f"{sim.base_url}/ad_accounts/{account}/ads/analytics",
        headers={"Authorization": f"Bearer {sim.access_token}"},
        params={
            "ad_ids": ad_ids,
            "start_date": (today - dt.timedelta(days=3)).isoformat(),
            "end_date": today.isoformat(),
            "granularity": "DAY",
            "columns": "SPEND_IN_MICRO_DOLLAR,TOTAL_CLICKTHROUGH",
        },
    )
    assert response.status_code == 200, response.text
    return response


def _report_file(sim: Simulator) -> bytes:
    account = sim.dataset.owned_ad_account_ids[0]
    headers = {"Authorization": f"Bearer {sim.access_token}"}
    today = sim.today()
    body: dict[str, Any] = {
        "start_date": (today - dt.timedelta(days=3)).isoformat(),
        "end_date": today.isoformat(),
        "granularity": "DAY",
        "level": "CAMPAIGN",
        "columns": ["SPEND_IN_MICRO_DOLLAR", "TOTAL_CLICKTHROUGH"],
    }
    reports = f"{sim.base_url}/ad_accounts/{account}/reports"
    token = requests.post(reports, headers=headers, json=body).json()["token"]
    statuses = [requests.get(reports, headers=headers, params={"token": token}).json() for _ in range(3)]
    # the job's polls are never served from the cache: it finishes on the second one
    assert [status["report_status"] for status in statuses] == ["IN_PROGRESS", "FINISHED", "FINISHED"]
    return requests.get(statuses[-1]["url"]).content


def test_an_analytics_answer_is_generated_once_and_served_again(cached: Simulator) -> None:
    first = _ads_analytics(cached)
    hits = cached.cache.hits
    again = _ads_analytics(cached)
    assert again.content == first.content and again.json()
    assert cached.cache.hits == hits + 1


def test_a_restatement_is_never_served_from_the_cache(cached: Simulator) -> None:
    before = _ads_analytics(cached).json()
    cached.dataset.restate()
    after = _ads_analytics(cached).json()
    assert after != before  # the recent days changed, as without the cache


def test_a_report_file_is_generated_once_for_the_same_job_body(cached: Simulator) -> None:
    first = _report_file(cached)
    hits = cached.cache.hits
    assert _report_file(cached) == first and first.startswith(b"{")
    assert cached.cache.hits == hits + 1


def test_without_the_option_nothing_is_kept(sim: Simulator) -> None:
    assert _ads_analytics(sim).content == _ads_analytics(sim).content
    assert sim.cache.hits == 0
