"""Targeting reference (issue 23 item 5): targeting templates, the targeting options of every type (the fixed ones once,
an ad account's own per account), the interest tree, the ad account countries and the delivery metrics' definitions,
read from the simulator: every record once, valid against its schema, under both shapes of a targeting options
answer; the targeting values of targeting analytics decode."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from harness import (
    assert_unique_keys,
    assert_valid_records,
    error_messages,
    final_states,
    records_by_stream,
    run_read,
)

from pinterest_simulator import Simulator
from pinterest_simulator.handlers import targeting as targeting_handlers
from pinterest_simulator.metric_definitions import definitions
from pinterest_simulator.reference_data import COUNTRIES, INTERESTS
from pinterest_simulator.switches import CHOICES
from pinterest_simulator.targeting_data import ACCOUNT_OPTION_TYPES, targeting_options, targeting_templates
from source_pinterest_marketing.api_description import api_parameter
from source_pinterest_marketing.streams.targeting import ACCOUNT_TARGETING_TYPES, TARGETING_STREAMS

STREAMS = tuple(declaration.name for declaration in TARGETING_STREAMS)
EVERY_TYPE = api_parameter("targeting_options/get", "targeting_type")["enum"]
FIXED_TYPES = [kind for kind in EVERY_TYPE if kind not in ACCOUNT_TARGETING_TYPES]


def _canonical(records: list[dict[str, Any]]) -> Counter[str]:
    """The records as a multiset; a null field is as good as an absent one (the API omits nulls freely)."""
    return Counter(repr(sorted((key, value) for key, value in record.items() if value is not None)) for record in records)


def _options(kind: str, names: dict[str, str], **extra: str) -> list[dict[str, Any]]:
    return [{"targeting_type": kind, "targeting_value": value, "targeting_name": name, **extra} for value, name in names.items()]


def _expected(sim: Simulator) -> dict[str, list[dict[str, Any]]]:
    dataset = sim.dataset
    accounts = dataset.ad_account_ids
    return {
        "targeting_templates": [template for account in accounts for template in targeting_templates(dataset, account)],
        "targeting_options": [o for kind in FIXED_TYPES for o in _options(kind, targeting_options(dataset, kind, None))],
        "account_targeting_options": [
            option
            for account in accounts
            for kind in ACCOUNT_TARGETING_TYPES
            for option in _options(kind, targeting_options(dataset, kind, account), ad_account_id=account)
        ],
        "interests": [
            {"id": i.id, "name": i.name, "level": i.level, "child_interests": list(i.children)} for i in INTERESTS.values()
        ],
        "ad_account_countries": [
            {"code": c.code, "name": c.name, "currency": c.currency_name, "index": n} for n, c in enumerate(COUNTRIES, 1)
        ],
        "delivery_metrics": [
            {**definition, "report_type": report_type}
            for report_type in ("SYNC", "ASYNC")
            for definition in definitions(sim.spec, report_type)
        ],
    }


def test_the_account_types_are_the_simulators_and_the_api_descriptions() -> None:
    assert set(ACCOUNT_TARGETING_TYPES) == ACCOUNT_OPTION_TYPES
    assert set(ACCOUNT_TARGETING_TYPES) < set(EVERY_TYPE)


@pytest.mark.parametrize("shape", CHOICES["targeting_options_shape"])
def test_every_reference_record_is_read_once(shape: str) -> None:
    with Simulator(preset="small", seed=1, switches={"targeting_options_shape": shape}) as sim:
        output = run_read(sim.connector_config(), STREAMS)
        assert not output.errors, error_messages(output)
        records = records_by_stream(output)
        for stream, expected in _expected(sim).items():
            assert expected, f"the simulator has no {stream}: the test would prove nothing"
            assert _canonical(records[stream]) == _canonical(expected), stream
            assert_unique_keys(stream, records[stream])
            assert_valid_records(stream, records[stream])
        accounts = len(sim.dataset.ad_account_ids)
        # the fixed types once, an account's own per account; one request per interest; two report types
        assert sim.requests.count("targeting_options/get") == len(FIXED_TYPES) + accounts * len(ACCOUNT_TARGETING_TYPES)
        assert sim.requests.count("interest_targeting_options/get") == len(INTERESTS)
        assert sim.requests.count("delivery_metrics/get") == 2
        # the templates are incremental per account, on their updated_time
        states = final_states(output)["targeting_templates"]["states"]
        assert sorted(entry["partition"]["ad_account_id"] for entry in states) == sorted(sim.dataset.ad_account_ids)


def test_an_interest_the_tree_does_not_know_is_skipped_and_logged(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = next(iter(INTERESTS))
    monkeypatch.setattr(targeting_handlers, "INTERESTS", {key: value for key, value in INTERESTS.items() if key != gone})
    output = run_read(sim.connector_config(), ("interests",))
    assert not output.errors, error_messages(output)
    ids = {record["id"] for record in records_by_stream(output)["interests"]}
    assert ids == set(INTERESTS) - {gone}
    assert any("unknown to the interest tree" in log.log.message for log in output.logs)


def test_the_values_of_targeting_analytics_decode(sim: Simulator) -> None:
    """Every targeting value of the ad account's targeting analytics is a targeting option's (interests by name)."""
    streams = ("targeting_options", "account_targeting_options", "ad_account_targeting_analytics")
    output = run_read(sim.connector_config(), streams)
    assert not output.errors, error_messages(output)
    records = records_by_stream(output)
    options = records["targeting_options"] + records["account_targeting_options"]
    known = {(o["targeting_type"], o["targeting_value"]) for o in options} | {(o["targeting_type"], o["targeting_name"]) for o in options}
    rows = records["ad_account_targeting_analytics"]
    assert rows
    decodable = {"APPTYPE", "GENDER", "AGE_BUCKET", "LOCATION", "KEYWORD", "AUDIENCE_INCLUDE"}
    checked = 0
    for row in rows:
        if row["targeting_type"] in decodable:
            assert (row["targeting_type"], row["targeting_value"]) in known, row["targeting_type"]
            checked += 1
    assert checked
