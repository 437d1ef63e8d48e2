"""Keyword planning and trends: keyword metrics of the account's keywords, trending keywords per region and trend
type, featured topics, trending product categories, related and suggested terms."""

from __future__ import annotations

import datetime as dt
import itertools
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
from pinterest_simulator.reference_data import FEATURED_INTERESTS, TREND_KEYWORDS
from pinterest_simulator.server import load_spec
from pinterest_simulator.switches import CHOICES
from pinterest_simulator.trends_data import PREDICTED_WEEKS, SERIES_WEEKS, VOLUME_BUCKETS, last_week

SPEC = load_spec()
REGIONS: list[str] = list(SPEC.schema("TrendsSupportedRegion")["enum"])
TREND_TYPES: list[str] = list(SPEC.schema("TrendType")["enum"])
MARKETS: list[str] = list(SPEC.schema("ProductCategoryRegion")["enum"])
INTERESTS: list[str] = list(SPEC.schema("InterestsEnum")["enum"])
INTEREST_OF = dict(TREND_KEYWORDS)


OPERATIONS = (
    "country_keywords_metrics/get",
    "trending_keywords/list",
    "trends_featured_topics/list",
    "trends_product_categories_trending/list",
    "terms_related/list",
    "terms_suggested/list",
)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_each_answer_validates_is_not_empty_and_needs_its_scope(
    sim: Simulator, account_id: str, operation: str
) -> None:
    path, query = one_request_each(sim, account_id)[operation]
    body = checked(sim, operation, path, **query)
    assert body
    assert all(body.values()) if isinstance(body, dict) else all(body)
    assert_each_scope_is_needed(sim, operation, path, **query)


# -- keyword metrics ----------------------------------------------------------------------------------------
def test_keyword_metrics_of_the_accounts_keywords(sim: Simulator) -> None:
    for account_id in sim.dataset.ad_account_ids:
        keywords = [k["value"] for k in sim.dataset.entities("keywords", account_id)]
        assert keywords and set(keywords) <= set(INTEREST_OF)  # searched phrases, not placeholders
        path = f"/ad_accounts/{account_id}/keywords/metrics"
        data = checked(sim, "country_keywords_metrics/get", path, country_code="US", keywords=",".join(keywords))[
            "data"
        ]
        assert [item["keyword"] for item in data] == list(dict.fromkeys(keywords))
        assert {item["metrics"]["keyword_query_volume"] for item in data} <= set(VOLUME_BUCKETS)


def test_keyword_metrics_differ_by_country_and_check_it(sim: Simulator, account_id: str) -> None:
    path = f"/ad_accounts/{account_id}/keywords/metrics"
    keywords = ",".join(k for k, _ in TREND_KEYWORDS[:40])

    def volumes(country: str) -> list[str]:
        data = checked(sim, "country_keywords_metrics/get", path, country_code=country, keywords=keywords)["data"]
        return [item["metrics"]["keyword_query_volume"] for item in data]

    assert volumes("US") == volumes("US") != volumes("DE")
    assert error(call(sim, path, country_code="XX", keywords="fall outfits")) == (400, 1)
    assert error(call(sim, path, keywords="fall outfits")) == (400, 1)
    assert error(call(sim, path, country_code="US")) == (400, 1)
    assert error(call(sim, path, country_code="US", keywords=",".join(["k"] * 2001))) == (400, 1)
    assert_unreadable_account(sim, "/ad_accounts/{account}/keywords/metrics", country_code="US", keywords="x")


# -- trending keywords --------------------------------------------------------------------------------------
def _trends(sim: Simulator, region: str = "US", trend_type: str = "growing", **query: Any) -> list[dict[str, Any]]:
    body = checked(sim, "trending_keywords/list", f"/trends/keywords/{region}/top/{trend_type}", **query)
    trends: list[dict[str, Any]] = body["trends"]
    return trends


def _series_dates(series: dict[str, int]) -> list[dt.date]:
    return [dt.date.fromisoformat(day) for day in series]


@pytest.mark.parametrize("trend_type", TREND_TYPES)
def test_every_region_and_trend_type(sim: Simulator, trend_type: str) -> None:
    answers = {region: _trends(sim, region, trend_type) for region in REGIONS}
    for trends in answers.values():
        assert len(trends) == 50
        for trend in trends:
            dates = _series_dates(trend["time_series"])
            assert len(dates) == SERIES_WEEKS
            assert all((b - a).days == 7 for a, b in itertools.pairwise(dates))
            assert 0 <= (today() - dates[-1]).days < 7 and dates[-1].weekday() == 6
            assert max(trend["time_series"].values()) == 100  # each keyword normalised on its own
            assert trend["has_prediction"] is False and "demographics" not in trend
    assert len({tuple(t["keyword"] for t in trends) for trends in answers.values()}) == len(REGIONS)


def test_trending_keywords_filters(sim: Simulator) -> None:
    assert len(_trends(sim, limit=7)) == 7
    beauty = _trends(sim, interests="beauty,womens_fashion")
    assert beauty and {INTEREST_OF[t["keyword"]] for t in beauty} <= {"beauty", "womens_fashion"}
    with_words = _trends(sim, include_keywords="outfits,nails")
    assert with_words and all("outfits" in t["keyword"] or "nails" in t["keyword"] for t in with_words)
    assert _trends(sim, genders="female") != _trends(sim, genders="male")
    assert _trends(sim, ages="18-24") != _trends(sim)
    grouped = _trends(sim, normalize_against_group="true")
    peaks = [max(t["time_series"].values()) for t in grouped]
    assert max(peaks) == 100 and min(peaks) < 100


def test_predictions_and_demographics(sim: Simulator) -> None:
    for trend in _trends(sim, include_prediction="true", include_demographics="true", limit=10):
        assert trend["has_prediction"] is True
        past, future = _series_dates(trend["time_series"]), _series_dates(trend["predicted_time_series"])
        assert len(future) == PREDICTED_WEEKS and future[0] == past[-1] + dt.timedelta(days=7)
        for distribution in trend["demographics"].values():
            assert abs(sum(distribution.values()) - 1) < 0.1
            assert min(distribution.values()) >= 0.04


def test_trending_keywords_refuse_bad_values(sim: Simulator) -> None:
    assert error(call(sim, "/trends/keywords/GB/top/growing")) == (400, 1)
    assert error(call(sim, "/trends/keywords/US/top/weekly")) == (400, 1)
    assert error(call(sim, "/trends/keywords/US/top/growing", limit=51)) == (400, 1)
    assert error(call(sim, "/trends/keywords/US/top/growing", interests="cars")) == (400, 1)


@pytest.mark.parametrize("days_later", [1, 3, 200])
def test_the_series_move_with_the_simulators_clock(sim: Simulator, days_later: int) -> None:
    before = _trends(sim, limit=1)[0]
    clock = sim.clock
    sim.clock = FixedClock(today() + dt.timedelta(days=days_later))
    try:
        after = _trends(sim, limit=1)[0]
        last = _series_dates(after["time_series"])[-1]
        assert last == last_week(sim.today()) and 0 <= (sim.today() - last).days < 7
        moved = last != _series_dates(before["time_series"])[-1]
        assert moved == (last_week(sim.today()) != last_week(today()))
    finally:
        sim.clock = clock


# -- featured topics, product categories --------------------------------------------------------------------
@pytest.mark.parametrize("default", CHOICES["featured_topics_default"])
def test_featured_topics(sim: Simulator, default: str) -> None:
    sim.switches.featured_topics_default = default
    for market in MARKETS:
        body = checked(sim, "trends_featured_topics/list", "/trends/topics/featured", region=market)
        expected = INTERESTS if default == "every_interest" else ["ALL"]
        assert [item["interest"] for item in body] == expected
        for item in body:
            assert item["market"] == market and len(item["trends"]) == 5
            pool = {k for k, interest in TREND_KEYWORDS if interest in FEATURED_INTERESTS[item["interest"]]}
            assert all(topic["title"].lower() in pool for topic in item["trends"])
            assert all(1 <= len(topic["pins"]) <= 6 for topic in item["trends"])
        one = checked(sim, "trends_featured_topics/list", "/trends/topics/featured", region=market, interest="TRAVEL")
        assert [item["interest"] for item in one] == ["TRAVEL"]


def test_featured_topics_need_a_market(sim: Simulator) -> None:
    assert error(call(sim, "/trends/topics/featured")) == (400, 1)
    assert error(call(sim, "/trends/topics/featured", region="DE")) == (400, 1)


def test_trending_product_categories(sim: Simulator) -> None:
    path = "/trends/product_categories/trending"
    every = checked(sim, "trends_product_categories_trending/list", path, region="US")
    volumes = [item["percent_relative_volume"] for item in every]
    assert volumes == sorted(volumes, reverse=True) and volumes[0] == 100
    assert {v for item in every for v in item["verticals"]} == {"FASHION", "HOME_DECOR", "BEAUTY"}
    beauty = checked(sim, "trends_product_categories_trending/list", path, region="US", verticals="BEAUTY")
    assert beauty and all(item["verticals"] == ["BEAUTY"] for item in beauty)
    saves = checked(sim, "trends_product_categories_trending/list", path, region="CA", engagement_type="SAVE")
    assert {item["engagement_type"] for item in saves} == {"SAVE"}
    assert saves != checked(sim, "trends_product_categories_trending/list", path, region="CA")
    assert error(call(sim, path)) == (400, 1)


# -- terms --------------------------------------------------------------------------------------------------
def test_related_terms(sim: Simulator, account_id: str) -> None:
    terms = [k["value"] for k in sim.dataset.entities("keywords", account_id)][:5]
    body = checked(sim, "terms_related/list", "/terms/related", terms=terms)
    assert body["id"] == terms[0]
    assert [item["term"] for item in body["related_terms_list"]] == terms
    assert body["related_term_count"] == sum(len(item["related_terms"]) for item in body["related_terms_list"])
    assert all(3 <= len(item["related_terms"]) <= 6 for item in body["related_terms_list"])
    assert all(item["term"] not in item["related_terms"] for item in body["related_terms_list"])
    assert error(call(sim, "/terms/related")) == (400, 1)
    assert error(call(sim, "/terms/related", terms=" ")) == (400, 400)


@pytest.mark.parametrize("limit", [None, 1, 10])
def test_suggested_terms(sim: Simulator, limit: int | None) -> None:
    query = {"limit": limit} if limit else {}
    for term in ("fall", "wedding", "zebra"):
        body = checked(sim, "terms_suggested/list", "/terms/suggested", term=term, **query)
        assert 1 <= len(body) <= (limit or 4)
        assert all(s.startswith(term) and s != term for s in body) and len(set(body)) == len(body)


def test_suggested_terms_refuse_bad_values(sim: Simulator) -> None:
    assert error(call(sim, "/terms/suggested", term="fall", limit=11)) == (400, 1)
    assert error(call(sim, "/terms/suggested")) == (400, 1)
    assert error(call(sim, "/terms/suggested", term="")) == (400, 400)
