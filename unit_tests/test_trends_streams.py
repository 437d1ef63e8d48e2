"""Keyword planning and trends (issue 23 item 7): keyword metrics per account and configured country, trending keywords
per configured region and trend type, featured topics and product categories per configured market, and the terms
related to and suggested for the accounts' keywords, read from the simulator: every record once, valid against its
schema, ranked answers with their rank, at the API's minimum of requests; the settings' bad values name their field."""

from __future__ import annotations

from typing import Any

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from harness import PRIMARY_KEYS, error_messages, records_by_stream, run_read, schema
from jsonschema import Draft7Validator

from pinterest_simulator import Simulator
from pinterest_simulator.switches import CHOICES
from pinterest_simulator.trends_data import featured_trend, related_terms, suggested_terms
from source_pinterest_marketing.api_description import api_parameter
from source_pinterest_marketing.config import load_config
from source_pinterest_marketing.streams.trends import TRENDS_STREAMS

STREAMS = tuple(declaration.name for declaration in TRENDS_STREAMS)
SETTINGS = {
    "keyword_metrics_countries": ["US", "FR"],
    "trends_regions": ["US", "DE+AT+CH"],
    "trend_types": ["growing", "seasonal"],
    "trends_markets": ["US", "GB+IE"],
}
INTERESTS = api_parameter("trends_featured_topics/list", "interest")["enum"]
ENGAGEMENT_TYPES = api_parameter("trends_product_categories_trending/list", "engagement_type")["enum"]


def _keywords(sim: Simulator) -> dict[str, list[str]]:
    return {
        account: list(dict.fromkeys(keyword["value"] for keyword in sim.dataset.entities("keywords", account)))
        for account in sim.dataset.ad_account_ids
    }


def _ranks_are_positions(records: list[dict[str, Any]], group: tuple[str, ...]) -> None:
    ranks: dict[tuple[Any, ...], list[int]] = {}
    for record in records:
        ranks.setdefault(tuple(record[key] for key in group), []).append(record["rank"])
    assert ranks
    for found in ranks.values():
        assert sorted(found) == list(range(1, len(found) + 1))


@pytest.mark.parametrize("featured_default", CHOICES["featured_topics_default"])
def test_every_trend_of_every_setting_is_read_once(featured_default: str) -> None:
    with Simulator(preset="small", seed=1, switches={"featured_topics_default": featured_default}) as sim:
        output = run_read({**sim.connector_config(), **SETTINGS}, STREAMS)
        assert not output.errors, error_messages(output)
        records = records_by_stream(output)
        for stream in STREAMS:
            assert records[stream], stream
            keys = [tuple(record[key] for key in PRIMARY_KEYS[stream]) for record in records[stream]]
            assert len(keys) == len(set(keys)), f"{stream}: its primary key repeats"
            validator = Draft7Validator(schema(stream))
            for record in records[stream]:
                assert not list(validator.iter_errors(record)), stream
        keywords = _keywords(sim)
        texts = list(dict.fromkeys(text for account in keywords.values() for text in account))
        # every keyword of every account, in every configured country
        assert sorted((r["ad_account_id"], r["country_code"], r["keyword"]) for r in records["keyword_metrics"]) == sorted(
            (account, country, text) for account, own in keywords.items() for country in SETTINGS["keyword_metrics_countries"] for text in own
        )
        # each configured region and trend type, ranked
        combinations = {(r["region"], r["trend_type"]) for r in records["trending_keywords"]}
        assert combinations == {(region, kind) for region in SETTINGS["trends_regions"] for kind in SETTINGS["trend_types"]}
        _ranks_are_positions(records["trending_keywords"], ("region", "trend_type"))
        # every interest of every market, as the API answers it with `interest`, whatever it answers without
        today = sim.dataset.today()
        expected_topics = [featured_trend(sim.dataset.seed, today, market, interest) for market in SETTINGS["trends_markets"] for interest in INTERESTS]
        assert sorted(records["trends_featured_topics"], key=repr) == sorted(expected_topics, key=repr)
        combinations = {(r["region"], r["engagement_type"]) for r in records["trending_product_categories"]}
        assert combinations == {(market, kind) for market in SETTINGS["trends_markets"] for kind in ENGAGEMENT_TYPES}
        _ranks_are_positions(records["trending_product_categories"], ("region", "engagement_type"))
        # the terms of every keyword, once whatever the accounts sharing it
        seed = sim.dataset.seed
        assert {r["term"]: r["related_terms"] for r in records["terms_related"]} == {t: related_terms(seed, t) for t in texts}
        limit = api_parameter("terms_suggested/list", "limit")["maximum"]
        suggested = {t: list(suggested_terms(seed, t, limit)) for t in texts}
        assert sorted((r["term"], r["rank"], r["suggested_term"]) for r in records["terms_suggested"]) == sorted(
            (t, rank, s) for t, terms in suggested.items() for rank, s in enumerate(terms, 1)
        )
        # the API's minimum: a request per account and country (<= 2,000 keywords), region and type, market and
        # interest or engagement type, 50 terms, suggested term; the keyword lists once per sync
        accounts = len(keywords)
        log = sim.requests
        assert log.count("country_keywords_metrics/get") == accounts * len(SETTINGS["keyword_metrics_countries"])
        assert log.count("trending_keywords/list") == len(SETTINGS["trends_regions"]) * len(SETTINGS["trend_types"])
        assert log.count("trends_featured_topics/list") == len(SETTINGS["trends_markets"]) * len(INTERESTS)
        assert log.count("trends_product_categories_trending/list") == len(SETTINGS["trends_markets"]) * len(ENGAGEMENT_TYPES)
        assert log.count("terms_related/list") == -(-len(texts) // 50)
        assert log.count("terms_suggested/list") == len(texts)
        for request in log.snapshot():
            if request.operation_id == "trending_keywords/list":
                assert request.query["limit"] == ["50"]
            if request.operation_id == "terms_suggested/list":
                assert request.query["limit"] == [str(limit)]


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("keyword_metrics_countries", [], "needs at least one value"),
        ("keyword_metrics_countries", ["XX"], "unknown value(s) ['XX']"),
        ("trends_regions", ["UK"], "unknown value(s) ['UK']"),
        ("trends_regions", ["US", "US"], "contains duplicates"),
        ("trend_types", [], "needs at least one value"),
        ("trend_types", ["weekly"], "unknown value(s) ['weekly']"),
        ("trends_markets", ["DE"], "unknown value(s) ['DE']"),
        ("trends_markets", "US", "list"),
    ],
)
def test_a_bad_trends_setting_names_its_field(field: str, value: Any, problem: str) -> None:
    config = {"credentials": {"auth_method": "access_token", "access_token": "pina_x"}, field: value}
    with pytest.raises(AirbyteTracedException) as raised:
        load_config(config)
    message = str(raised.value.message)
    assert f"`{field}`" in message and problem in message


def test_the_trends_settings_default_to_the_us_and_every_trend_type() -> None:
    config = load_config({"credentials": {"auth_method": "access_token", "access_token": "pina_x"}})
    assert (config.keyword_metrics_countries, config.trends_regions, config.trends_markets) == (["US"], ["US"], ["US"])
    assert config.trend_types == ["growing", "monthly", "yearly", "seasonal"]
