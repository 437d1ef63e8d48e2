"""The ad accounts' smaller entities (issue 23 item 8): labels, promotions, advertiser-defined events, event quality
scores and the conversion events of the tags, read from the simulator: every record the API holds, once, valid
against its schema, at one request per account (per lookback period), under every reading of what the API
description leaves open."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import requests
from harness import PRIMARY_KEYS, error_messages, records_by_stream, run_read, schema
from jsonschema import Draft7Validator

from pinterest_simulator import Simulator
from pinterest_simulator import account_extras as data
from pinterest_simulator.switches import CHOICES
from source_pinterest_marketing.errors import UnexpectedResponseError
from source_pinterest_marketing.streams.account_extras import (
    ACCOUNT_EXTRA_STREAMS,
    OCPM_ELIGIBLE_CONVERSION_TAGS,
)
from source_pinterest_marketing.streams.declaration import RequestContext, SliceRead
from source_pinterest_marketing.streams.fetchers import ARRAY, WholeAnswer

STREAMS = tuple(declaration.name for declaration in ACCOUNT_EXTRA_STREAMS)


def _expected(sim: Simulator) -> dict[str, list[dict[str, Any]]]:
    """What the simulator holds, per stream (each record with its account)."""
    dataset = sim.dataset
    expected: dict[str, list[dict[str, Any]]] = {stream: [] for stream in STREAMS}
    for account in dataset.ad_account_ids:
        with_account = {"ad_account_id": account}
        expected["labels"] += [{**label, **with_account} for label in data.labels(dataset, account)]
        expected["promotions"] += data.promotions(dataset, account)
        events = data.advertiser_defined_events(dataset, account)
        expected["advertiser_defined_events"] += [{**event, **with_account} for event in events]
        for period in ("1d", "14d"):
            scores = data.event_quality_scores(dataset, account, {"lookback_period": period})
            expected["conversion_eqs"] += [{**score, **with_account} for score in scores]
        expected["page_visit_conversion_tags"] += data.page_visit_events(dataset, account)
        expected["ocpm_eligible_conversion_tags"] += [
            event for events in data.ocpm_eligible_events(dataset, account).values() for event in events
        ]
    return expected


def _canonical(records: list[dict[str, Any]]) -> Counter[str]:
    return Counter(repr(sorted(record.items())) for record in records)


@pytest.mark.parametrize("labels_item", CHOICES["labels_item"])
def test_every_record_of_every_account_is_read_once(labels_item: str) -> None:
    """Both shapes of a labels/list item give the same records: the labels, archived ones included."""
    with Simulator(preset="small", seed=1, switches={"labels_item": labels_item}) as sim:
        output = run_read(sim.connector_config(), STREAMS)
        assert not output.errors, error_messages(output)
        records = records_by_stream(output)
        expected = _expected(sim)
        for stream in STREAMS:
            assert expected[stream], f"the simulator has no {stream}: the test would prove nothing"
            assert _canonical(records[stream]) == _canonical(expected[stream]), stream
            keys = [tuple(record[key] for key in PRIMARY_KEYS[stream]) for record in records[stream]]
            assert len(keys) == len(set(keys)), f"{stream}: its primary key repeats"
            validator = Draft7Validator(schema(stream))
            for record in records[stream]:
                assert not list(validator.iter_errors(record)), stream
        assert {label["status"] for label in records["labels"]} == {"ACTIVE", "ARCHIVED"}
        # a request per account (per lookback period), labels in every status
        accounts = len(sim.dataset.ad_account_ids)
        assert sim.requests.count("conversion_eqs/list") == 2 * accounts
        for operation in ("advertiser_defined_events/get", "ocpm_eligible_conversion_tags/get", "labels/list"):
            assert sim.requests.count(operation) == accounts, operation
        for request in sim.requests.snapshot():
            if request.operation_id == "labels/list":
                assert sorted(request.query["entity_statuses"]) == ["ACTIVE", "ARCHIVED"]
                assert request.query["page_size"] == ["250"]


def _answer(body: bytes, status: int = 200) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.url = "https://api.pinterest.com/v5/ad_accounts/1/conversion_tags/ocpm_eligible"
    return response


@pytest.mark.parametrize(
    ("shape", "body", "problem"),
    [
        (None, b'{"1": {"conversion_event": "LEAD"}}', "expected an object of lists"),
        (None, b"[]", "expected an object of lists"),
        (None, b'{"1": ["LEAD"]}', "is not an object"),
        (ARRAY, b"{}", "expected a JSON array"),
        (ARRAY, b"not json", "not JSON"),
    ],
)
def test_an_answer_of_another_shape_fails_naming_the_stream(shape: Any, body: bytes, problem: str) -> None:
    fetcher = WholeAnswer(shape) if shape else OCPM_ELIGIBLE_CONVERSION_TAGS.fetcher
    context = RequestContext("ocpm_eligible_conversion_tags", "x/get", "p", {}, None, None, "GET /v5/p")  # type: ignore[arg-type]
    with pytest.raises(UnexpectedResponseError, match=problem) as raised:
        fetcher.parse(context, _answer(body), SliceRead({}, None, None))
    assert "ocpm_eligible_conversion_tags" in str(raised.value)
