"""The HTTP error policy (issues 2/6): what each Pinterest answer means, how long to wait, and that a
sync through faults ends with exactly the clean records."""

from __future__ import annotations

import json
import logging
from typing import Any, Optional

import pytest
import requests
import requests_mock
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ResponseAction
from harness import error_messages, keyed, run_read

from pinterest_simulator import Simulator
from source_pinterest_marketing.context import SYNC_MAX_RETRIES
from source_pinterest_marketing.errors import (
    MAX_REFRESHES_PER_REQUEST,
    REAUTHENTICATE,
    IgnoredError,
    PinterestBackoffStrategy,
    PinterestErrorHandler,
    RateLimitBudgetExceeded,
    unreadable_body,
)
from source_pinterest_marketing.streams.catalogs import NO_CATALOG

BASE = "https://api.pinterest.com/v5"


def _response(
    status: int, body: Any, path: str = "/ad_accounts/123/campaigns", headers: Optional[dict] = None
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = (json.dumps(body) if not isinstance(body, str) else body).encode()
    response.headers.update(headers or {})
    response.request = requests.Request("GET", f"{BASE}{path}?page_size=250").prepare()
    response.url = response.request.url
    return response


def _handler(ignored: tuple[IgnoredError, ...] = ()) -> PinterestErrorHandler:
    return PinterestErrorHandler(logging.getLogger("test"), "campaigns", ignored_errors=ignored)


@pytest.mark.parametrize(
    ("status", "body", "path", "action", "failure", "fragments"),
    [
        (
            429,
            {"code": 8, "message": "Slow down"},
            "/ad_accounts/1/campaigns",
            ResponseAction.RATE_LIMITED,
            FailureType.transient_error,
            ["rate limit", "campaigns"],
        ),
        (
            400,
            {"code": 8, "message": "Slow down"},
            "/ad_accounts/1/campaigns",
            ResponseAction.RATE_LIMITED,
            FailureType.transient_error,
            ["rate limit"],
        ),
        (
            400,
            {"code": 12, "message": "Rate limit exceeded."},
            "/ad_accounts/1/ads/analytics",
            ResponseAction.RATE_LIMITED,
            FailureType.transient_error,
            ["rate limit"],
        ),
        (
            400,
            {"code": 1, "message": "Too many requests. Retry after 30 seconds."},
            "/ad_accounts/1/ads/analytics",
            ResponseAction.RATE_LIMITED,
            FailureType.transient_error,
            ["rate limit", "Retry after 30 seconds"],
        ),
        (
            500,
            {"code": 0, "message": "oops"},
            "/boards",
            ResponseAction.RETRY,
            FailureType.transient_error,
            ["HTTP 500"],
        ),
        (502, "<html>Bad gateway</html>", "/boards", ResponseAction.RETRY, FailureType.transient_error, ["HTTP 502"]),
        (
            503,
            {"code": 4197, "message": "ramped down"},
            "/boards",
            ResponseAction.RETRY,
            FailureType.transient_error,
            ["HTTP 503"],
        ),
        (
            400,
            {"code": 1, "message": "Invalid parameter: page_size"},
            "/boards",
            ResponseAction.FAIL,
            FailureType.system_error,
            ["Invalid parameter: page_size", "campaigns"],
        ),
        (
            401,
            {"code": 2, "message": "Authentication failed."},
            "/boards",
            ResponseAction.FAIL,
            FailureType.config_error,
            ["Set a new `credentials.access_token`"],
        ),
        (
            401,
            {"code": 3, "message": "Missing scope"},
            "/boards",
            ResponseAction.FAIL,
            FailureType.config_error,
            ["scope", "Re-authenticate"],
        ),
        (
            403,
            {"code": 29, "message": "No access"},
            "/ad_accounts/123/campaigns",
            ResponseAction.FAIL,
            FailureType.config_error,
            ["ad account 123"],
        ),
        (
            404,
            {"code": 2, "message": "Not found"},
            "/ad_accounts/123",
            ResponseAction.FAIL,
            FailureType.config_error,
            ["ad account 123"],
        ),
        (
            409,
            {"code": 4182, "message": "No catalog"},
            "/catalogs/product_groups",
            ResponseAction.FAIL,
            FailureType.system_error,
            ["4182"],
        ),
    ],
    ids=[
        "429",
        "code8-on-400",
        "code12-on-400",
        "400-retry-after",
        "500",
        "502-html",
        "503",
        "400-message",
        "401-access-token",
        "401-scope",
        "403-account",
        "404-account",
        "409-not-declared",
    ],
)
def test_error_policy_table(
    status: int, body: Any, path: str, action: ResponseAction, failure: FailureType, fragments: list[str]
) -> None:
    resolution = _handler().interpret_response(_response(status, body, path))
    assert resolution.response_action == action
    assert resolution.failure_type == failure
    for fragment in fragments:
        assert fragment in resolution.error_message


def test_200_is_success_even_with_a_code_field() -> None:
    assert (
        _handler().interpret_response(_response(200, {"code": 8, "items": []})).response_action
        == ResponseAction.SUCCESS
    )


def test_declared_ignored_error_only_for_the_stream_declaring_it() -> None:
    answer = _response(409, {"code": 4182, "message": "No catalog"}, "/catalogs/product_groups")
    assert _handler((NO_CATALOG,)).interpret_response(answer).response_action == ResponseAction.IGNORE
    assert _handler().interpret_response(answer).response_action == ResponseAction.FAIL


def test_an_ignored_answer_that_warns_warns_once_per_place(caplog: pytest.LogCaptureFixture) -> None:
    """A user-wide refusal met for every catalog (the same request path) warns once; another path warns again."""
    restricted = IgnoredError(status=403, code=29, log_message="Restricted to a group of users", warn=True)
    handler = _handler((restricted,))
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        for path in ("/catalogs/reports", "/catalogs/reports", "/catalogs/reports", "/ad_accounts/9/ssio/accounts"):
            resolution = handler.interpret_response(_response(403, {"code": 29, "message": "no"}, path))
            assert resolution.response_action == ResponseAction.IGNORE
    warned = [record.getMessage() for record in caplog.records if "Restricted" in record.getMessage()]
    assert len(warned) == 2 and "/catalogs/reports" in warned[0] and "/ad_accounts/9/ssio/accounts" in warned[1]


def test_oauth_401_invalidates_the_token_and_retries_a_few_times_then_fails_with_reauthenticate() -> None:
    """A token may expire again while a request is retried: each 401 marks the token it was sent with as
    rejected (the next request refreshes it) and retries, up to MAX_REFRESHES_PER_REQUEST times."""
    rejected: list[str] = []
    handler = PinterestErrorHandler(
        logging.getLogger("test"), "campaigns", invalidate_token=lambda token: rejected.append(token) or True
    )
    answer = _response(401, {"code": 2, "message": "Authentication failed."})
    answer.request.headers["Authorization"] = "Bearer expired-token"
    for _ in range(MAX_REFRESHES_PER_REQUEST):
        resolution = handler.interpret_response(answer)
        assert (resolution.response_action, resolution.failure_type) == (ResponseAction.RETRY, FailureType.transient_error)
    assert rejected == ["expired-token"] * MAX_REFRESHES_PER_REQUEST
    final = handler.interpret_response(answer)
    assert (final.response_action, final.failure_type, final.error_message) == (
        ResponseAction.FAIL,
        FailureType.config_error,
        REAUTHENTICATE,
    )


def test_a_4xx_that_is_not_json_is_not_the_pinterest_api() -> None:
    """A server behind `api_base_url` that is not Pinterest's (an HTML 404) is said to be so, not a missing scope."""
    answer = _response(404, "<html>Not Found</html>", "/user_account", headers={"Content-Type": "text/html"})
    resolution = _handler().interpret_response(answer)
    assert resolution.response_action == ResponseAction.FAIL and resolution.failure_type == FailureType.config_error
    assert "does not answer like the Pinterest API (HTTP 404, text/html)" in resolution.error_message
    assert "`api_base_url`" in resolution.error_message


def test_no_answer_is_retried_without_an_error_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        resolution = _handler().interpret_response(requests.ConnectionError("reset by peer"))
    assert (resolution.response_action, resolution.failure_type) == (ResponseAction.RETRY, FailureType.transient_error)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("status", "headers", "attempt", "expected"),
    [
        (429, {"X-RateLimit-Reset": "7"}, 1, 7.0),
        (429, {"X-RateLimit-Reset": "0"}, 3, 0.0),
        (429, {"Retry-After": "11"}, 1, 11.0),
        (429, {}, 3, 8.0),  # no header: exponential, 2 * 2**(3-1)
        (503, {"X-RateLimit-Reset": "30"}, 1, 2.0),  # the header only counts for rate limits
        (503, {}, 2, 4.0),
        (503, {}, 20, 120.0),  # capped
    ],
)
def test_backoff(status: int, headers: dict, attempt: int, expected: float) -> None:
    body = {"code": 8, "message": "limit"} if status == 429 else {"code": 0, "message": "oops"}
    assert (
        PinterestBackoffStrategy("campaigns").backoff_time(_response(status, body, headers=headers), attempt)
        == expected
    )


@pytest.mark.parametrize(
    ("body", "attempt", "expected"),
    [
        ({"code": 1, "message": "Too many requests. Retry after 30 seconds."}, 1, 30.0),
        ({"code": 12, "message": "Rate limit exceeded, retry after 2.5s"}, 1, 2.5),
        ({"code": 12, "message": "Rate limit exceeded."}, 2, 4.0),  # nothing announced: exponential
    ],
)
def test_backoff_of_a_rate_limit_in_a_400(body: dict, attempt: int, expected: float) -> None:
    assert PinterestBackoffStrategy("ads_analytics").backoff_time(_response(400, body), attempt) == expected


def test_a_400_saying_retry_after_longer_than_allowed_stops_the_sync() -> None:
    answer = _response(400, {"code": 12, "message": "Retry after 7200 seconds"})
    with pytest.raises(RateLimitBudgetExceeded) as raised:
        PinterestBackoffStrategy("ads_analytics", max_wait_seconds=900).backoff_time(answer, 1)
    assert raised.value.failure_type == FailureType.transient_error and "7200" in raised.value.message


def test_backoff_for_a_dropped_connection_is_exponential() -> None:
    assert PinterestBackoffStrategy("campaigns").backoff_time(requests.ConnectionError("reset"), 2) == 4.0


STREAMS = ("campaigns", "ad_groups", "ads", "boards", "board_pins", "catalogs")


def test_sync_through_faults_ends_with_exactly_the_clean_records(sim: Simulator, sleeps: list[float]) -> None:
    """429 (code 8, reset 0), 503 and a dropped connection are retried; nothing is lost or duplicated."""
    clean = run_read(sim.connector_config(), STREAMS)
    sleeps.clear()
    sim.faults.add("status", status=429, operation_id="campaigns/list", times=2, rate_limit_reset=0)
    sim.faults.add("status", status=503, operation_id="ads/list", times=1)
    sim.faults.add("drop", operation_id="boards/list_pins", times=1)
    sim.faults.add("status", status=429, operation_id="catalogs/list", times=1, rate_limit_reset=3)
    faulty = run_read(sim.connector_config(), STREAMS)
    assert keyed(faulty) == keyed(clean)
    assert sum(len(records) for records in keyed(faulty).values()) == len(faulty.records)  # no duplicates
    assert not faulty.errors
    assert not sim.faults.rules  # every fault fired
    assert 3 + 1 in sleeps  # X-RateLimit-Reset honoured (the CDK adds a second)


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        (json.dumps({"data": []}), "application/json", "no 'items' list"),
        (json.dumps([1, 2]), "application/json", "expected a JSON object"),
        (json.dumps({"items": [1]}), "application/json", "not an object"),
        (json.dumps({"items": {"id": "1"}}), "application/json", "no 'items' list"),
    ],
)
def test_unexpected_success_bodies_fail_naming_the_stream(
    sleeps: list[float], body: str, content_type: str, problem: str
) -> None:
    """JSON of another shape than documented: asking again would give the same, so the stream fails at once."""
    base = "https://pinterest.example/v5"
    config = {"credentials": {"auth_method": "access_token", "access_token": "pina_canned"}, "api_base_url": base}
    with requests_mock.Mocker() as mock:
        answer = mock.get(f"{base}/boards", text=body, headers={"Content-Type": content_type})
        output = run_read(config, ("boards",), expect_failure=True)
    assert not output.records and answer.call_count == 1
    messages = error_messages(output)
    assert any("stream 'boards'" in message and problem in message for message in messages), messages
    assert output.errors[-1].trace.error.failure_type == FailureType.system_error


def test_a_body_is_json_as_json_reads_it_though_checked_with_orjson_first() -> None:
    """unreadable_body checks with orjson, then, where orjson refuses, with json (which reads NaN, for one): a body
    is broken only if json cannot read it."""
    with requests_mock.Mocker() as mock:
        mock.get("https://pinterest.example/nan", text='{"items": [{"id": "1", "n": NaN}]}')
        mock.get("https://pinterest.example/cut", text='{"items": [{"id": "1"')
        read, cut = requests.get("https://pinterest.example/nan"), requests.get("https://pinterest.example/cut")
    assert unreadable_body(read) is None
    assert (unreadable_body(cut) or "").startswith("its body is not valid JSON (JSONDecodeError: ")


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        ("<html><body>Service Unavailable</body></html>", "text/html", "its body is not valid JSON"),
        ('{"items": [{"id": "1"}, {"id": "2"', "application/json", "its body is not valid JSON"),
        ("", "application/json", "its body is empty"),
    ],
)
def test_success_bodies_that_broke_are_retried_then_fail_transiently(
    sleeps: list[float], body: str, content_type: str, problem: str
) -> None:
    """A 200 whose body is not JSON at all, cut short or empty broke on its way: retried like a 5xx (the same number
    of retries), then a transient error naming the stream."""
    base = "https://pinterest.example/v5"
    config = {"credentials": {"auth_method": "access_token", "access_token": "pina_canned"}, "api_base_url": base}
    with requests_mock.Mocker() as mock:
        answer = mock.get(f"{base}/boards", text=body, headers={"Content-Type": content_type})
        output = run_read(config, ("boards",), expect_failure=True)
    assert not output.records
    assert answer.call_count == SYNC_MAX_RETRIES + 1
    message = output.errors[-1].trace.error.message
    assert f"Stream 'boards' stopped: Pinterest's answer (HTTP 200) in stream 'boards', GET /boards broke: {problem}" in message
    assert f"again after {SYNC_MAX_RETRIES} retries" in message
    assert output.errors[-1].trace.error.failure_type == FailureType.transient_error


def test_retry_logs_say_what_happened_at_the_right_level(sim: Simulator) -> None:
    """A 500 is not called a rate limit, a recovered dropped connection logs no ERROR, each retry says what next."""
    sim.faults.add("status", operation_id="campaigns/list", status=500, times=2)
    sim.faults.add("drop", operation_id="ads/list", times=1)
    output = run_read(sim.connector_config(access_token_mode=True), ("campaigns", "ads"))
    assert not output.errors
    logs = [(log.log.level.value, log.log.message) for log in output.logs]
    assert not [message for _, message in logs if "Rate limit exceeded" in message]
    assert not [message for level, message in logs if level in ("ERROR", "FATAL")]
    retries = [message for level, message in logs if level == "WARN" and "retry" in message]
    assert any("Pinterest answered HTTP 500 at GET /ad_accounts/" in message for message in retries)
    assert any(message.startswith("Stream ads: no answer") for message in retries)
