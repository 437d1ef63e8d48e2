"""The answers of the reference, insights and trends endpoints that are not `{items}` pages, read by their fetchers:
an answer of another shape fails naming the stream (never read as "no records"), a labels wrapper's errors are
logged, a null targeting options answer is no option."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests

from source_pinterest_marketing.errors import UnexpectedResponseError
from source_pinterest_marketing.streams.account_extras import LABELS
from source_pinterest_marketing.streams.declaration import Fetcher, RequestContext, SliceRead
from source_pinterest_marketing.streams.targeting import ValueNames
from source_pinterest_marketing.streams.trends import TERMS_SUGGESTED, TRENDING_PRODUCT_CATEGORIES


def _answer(body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = body
    response.url = "https://api.pinterest.com/v5/x"
    return response


def _parse(fetcher: Fetcher, body: bytes, stream_slice: dict[str, Any]) -> list[dict[str, Any]]:
    context = RequestContext("the_stream", "x/get", "x", {}, None, None, "GET /v5/x")  # type: ignore[arg-type]
    return list(fetcher.parse(context, _answer(body), SliceRead(stream_slice, None, None)))


@pytest.mark.parametrize(
    ("fetcher", "body", "stream_slice", "problem"),
    [
        (ValueNames(), b'{"US": "United States"}', {"targeting_type": "LOCATION"}, "expected an array of objects"),
        (ValueNames(), b'["US"]', {"targeting_type": "LOCATION"}, "expected an array of objects"),
        (TERMS_SUGGESTED.fetcher, b'{"terms": []}', {"term": "cake"}, "expected an array of terms"),
        (TERMS_SUGGESTED.fetcher, b"[1, 2]", {"term": "cake"}, "expected an array of terms"),
        (TRENDING_PRODUCT_CATEGORIES.fetcher, b"{}", {"region": "US"}, "expected a JSON array"),
        (LABELS.fetcher, b'{"items": [{"labels": "x", "errors": []}]}', {}, "'labels' is not a list of objects"),
    ],
    ids=["options-object", "options-strings", "terms-object", "terms-numbers", "categories-object", "labels-not-a-list"],
)
def test_an_answer_of_another_shape_fails_naming_the_stream(
    fetcher: Fetcher, body: bytes, stream_slice: dict[str, Any], problem: str
) -> None:
    with pytest.raises(UnexpectedResponseError, match=problem) as raised:
        _parse(fetcher, body, stream_slice)
    assert "the_stream" in str(raised.value)


def test_a_null_targeting_options_answer_is_no_option() -> None:
    assert _parse(ValueNames(), b"null", {"targeting_type": "KEYWORD"}) == []


def test_every_object_of_a_targeting_options_answer_is_read() -> None:
    records = _parse(ValueNames(), b'[{"1": "one", "2": "two"}, {"3": "three"}]', {"targeting_type": "GEO"})
    assert [(r["targeting_type"], r["targeting_value"], r["targeting_name"]) for r in records] == [
        ("GEO", "1", "one"), ("GEO", "2", "two"), ("GEO", "3", "three")
    ]


def test_a_labels_wrappers_errors_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    body = b'{"items": [{"labels": [{"id": "1", "value": "Brand"}], "errors": [{"code": 7}]}, {"id": "2"}], "bookmark": null}'
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        records = _parse(LABELS.fetcher, body, {})
    assert [record["id"] for record in records] == ["1", "2"]
    assert "the API reported 1 label error(s)" in caplog.text
