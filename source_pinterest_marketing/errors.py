"""The one HTTP error policy of every stream: what each Pinterest answer means and how long to wait.

Pinterest error bodies are `{"code": int, "message": str}`; `code` is Pinterest's own error code,
not the HTTP status (docs/dev/API-NOTES.md#errors-body-and-codes). The policy, as a table in `PinterestErrorHandler`:

| answer                               | action                                         | failure type |
|--------------------------------------|------------------------------------------------|--------------|
| a rate limit, in any of its forms:   | wait what it announces (X-RateLimit-Reset,     | transient    |
|   429, body code 8 or 12, or a 400   | Retry-After, "retry after N seconds"), else    |              |
|   saying "retry after N seconds"     | exponential backoff; retry                     |              |
| 5xx, timeouts, dropped connections   | bounded retries with exponential backoff       | transient    |
| 401                                  | refresh the OAuth token once, then fail        | config       |
| 400                                  | fail with the API's own message (no retry)     | system       |
| 403 / 404 on an ad account path      | fail naming the ad account                     | config       |
| a stream's declared "empty" answer   | ignore (e.g. 409/4182: user has no catalog)     | -            |

Exceptions raised by the connector itself (all `AirbyteTracedException`):
- config errors (`config.load_config`), auth errors (`auth`), and `UnexpectedResponseError` here,
  for a 2xx body that is not the JSON shape the API documents.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional, Union

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, HttpStatusErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.default_error_mapping import DEFAULT_ERROR_MAPPING
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.config import SCOPES

#: body codes of a rate limit: 8 is documented; 12 is what throttled analytics requests are seen to answer
RATE_LIMIT_CODES = frozenset({8, 12})
#: a throttled request's message that says how long to wait ("Retry after 30 seconds")
_RETRY_AFTER_MESSAGE = re.compile(r"retry after (\d+(?:\.\d+)?) ?s", re.IGNORECASE)
MISSING_SCOPE_CODE = 3
_AD_ACCOUNT_IN_PATH = re.compile(r"/ad_accounts/(\d+)")
REAUTHENTICATE = (
    "Pinterest rejected the access token (HTTP 401) even after refreshing it. "
    "Re-authenticate the source (a new refresh token from the authorize helper or the Airbyte UI)."
)


@dataclass(frozen=True)
class IgnoredError:
    """An API answer that means "nothing to read here" for one stream, not a failure."""

    status: int
    #: Pinterest's error code; None matches any
    code: Optional[int]
    log_message: str


def api_error(response: requests.Response) -> tuple[Optional[int], str]:
    """Pinterest's `(code, message)` from an error body; tolerant of non-JSON bodies."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip().replace("\n", " ")
        return None, (text[:200] + "…") if len(text) > 200 else text
    if isinstance(body, Mapping):
        code = body.get("code")
        return (code if isinstance(code, int) else None), str(body.get("message", ""))
    return None, str(body)[:200]


def is_rate_limited(response: requests.Response) -> bool:
    """Whether an answer is a rate limit, in any form Pinterest uses (see the module docstring)."""
    if response.status_code == 429:
        return True
    if response.status_code < 400:
        return False
    code, message = api_error(response)
    return code in RATE_LIMIT_CODES or (response.status_code == 400 and _RETRY_AFTER_MESSAGE.search(message) is not None)


class PinterestErrorHandler(HttpStatusErrorHandler):
    """Maps Pinterest answers to CDK response actions, with messages that name what failed."""

    def __init__(
        self,
        logger: logging.Logger,
        stream_name: str,
        ignored_errors: tuple[IgnoredError, ...] = (),
        max_retries: int = 8,
        max_time: timedelta = timedelta(minutes=15),
    ) -> None:
        super().__init__(logger=logger, error_mapping=DEFAULT_ERROR_MAPPING, max_retries=max_retries, max_time=max_time)
        self._stream_name = stream_name
        self._ignored_errors = ignored_errors
        # Requests already answered "refresh the token, then retry": a second 401 fails them.
        self._refreshed_requests: weakref.WeakSet[requests.PreparedRequest] = weakref.WeakSet()

    def interpret_response(
        self, response_or_exception: Optional[Union[requests.Response, Exception]] = None
    ) -> ErrorResolution:
        if not isinstance(response_or_exception, requests.Response) or response_or_exception.ok:
            return super().interpret_response(response_or_exception)
        response = response_or_exception
        status = response.status_code
        code, message = api_error(response)
        where = f"stream '{self._stream_name}', {response.request.method} {_path_of(response)}"

        if is_rate_limited(response):
            return ErrorResolution(
                ResponseAction.RATE_LIMITED,
                FailureType.transient_error,
                f"Pinterest rate limit reached ({where}): {message}",
            )
        for ignored in self._ignored_errors:
            if status == ignored.status and ignored.code in (None, code):
                return ErrorResolution(ResponseAction.IGNORE, None, f"{ignored.log_message} ({where})")
        if status == 401 and code == MISSING_SCOPE_CODE:
            return ErrorResolution(
                ResponseAction.FAIL,
                FailureType.config_error,
                f"Pinterest says the token lacks a permission (scope) needed by {where} (HTTP 401, code {code}: "
                f"{message}). Re-authenticate the source and grant the scopes {SCOPES}.",
            )
        if status == 401:
            # Refresh once per request; if the retried request is rejected again, fail with our message
            # (the CDK's own one does not say what to do).
            if response.request in self._refreshed_requests:
                return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, REAUTHENTICATE)
            self._refreshed_requests.add(response.request)
            return ErrorResolution(ResponseAction.REFRESH_TOKEN_THEN_RETRY, FailureType.config_error, REAUTHENTICATE)
        if status in (403, 404):
            account = _AD_ACCOUNT_IN_PATH.search(_path_of(response))
            subject = f"ad account {account.group(1)}" if account else "this resource"
            return ErrorResolution(
                ResponseAction.FAIL,
                FailureType.config_error,
                f"Pinterest denied access to {subject} (HTTP {status}, code {code}: {message}) in {where}. "
                "Check that the authorizing user can read it and that the app has the needed scopes.",
            )
        if 400 <= status < 500:
            return ErrorResolution(
                ResponseAction.FAIL,
                FailureType.system_error,
                f"Pinterest rejected the request (HTTP {status}, code {code}): {message} [{where}]",
            )
        if status >= 500:
            return ErrorResolution(
                ResponseAction.RETRY,
                FailureType.transient_error,
                f"Pinterest server error (HTTP {status}) in {where}: {message}",
            )
        return super().interpret_response(response)


def _path_of(response: requests.Response) -> str:
    url = response.request.url or response.url or ""
    return url.split("?", 1)[0].split("/v5", 1)[-1] or url


class PinterestBackoffStrategy(BackoffStrategy):
    """Wait what Pinterest asks on rate limits; exponential backoff (capped) for everything else.

    A rate limit that asks for a longer wait than `max_wait_seconds` (the daily quota) is not
    waited out: the stream fails with a transient error, so the state checkpointed so far is kept
    and the unfinished partition is neither dropped nor passed by the cursor.
    `base_seconds` is a class attribute so tests can make retries fast.
    """

    base_seconds: float = 2.0
    max_seconds: float = 120.0

    def __init__(self, stream_name: str = "", max_wait_seconds: float = 900.0) -> None:
        self._stream_name = stream_name
        self._max_wait_seconds = max_wait_seconds

    def backoff_time(
        self,
        response_or_exception: Optional[Union[requests.Response, requests.RequestException]],
        attempt_count: int,
    ) -> Optional[float]:
        response = (
            response_or_exception.response
            if isinstance(response_or_exception, requests.RequestException)
            else response_or_exception
        )
        if response is not None and is_rate_limited(response):
            announced = _announced_wait(response)
            if announced is not None:
                if announced > self._max_wait_seconds:
                    raise RateLimitBudgetExceeded(self._stream_name, response, announced, self._max_wait_seconds)
                return announced
        return float(min(self.base_seconds * (2 ** max(attempt_count - 1, 0)), self.max_seconds))


def _announced_wait(response: requests.Response) -> Optional[float]:
    """The wait a rate limit announces: its headers, else its message ("Retry after 30 seconds")."""
    for header in ("X-RateLimit-Reset", "Retry-After"):
        value = response.headers.get(header)
        if value is None:
            continue
        try:
            return max(float(value), 0.0)
        except ValueError:
            continue
    said = _RETRY_AFTER_MESSAGE.search(api_error(response)[1])
    return float(said.group(1)) if said else None


class RateLimitBudgetExceeded(AirbyteTracedException):
    """Pinterest asks to wait longer than the configured budget (typically the daily quota)."""

    def __init__(self, stream_name: str, response: requests.Response, wait: float, budget: float) -> None:
        request = response.request
        message = (
            f"Pinterest's rate limit for stream '{stream_name}' asks to wait {wait:.0f}s, more than the "
            f"configured `rate_limit_max_wait_seconds` ({budget:.0f}s), at {request.method} {request.url}. "
            "The state of the partitions finished so far was saved; the next sync resumes from there."
        )
        super().__init__(message=message, internal_message=message, failure_type=FailureType.transient_error)


class UnexpectedResponseError(AirbyteTracedException):
    """A successful answer whose body is not what the API documents (not JSON, no `items`, ...)."""

    def __init__(self, stream_name: str, url: str, problem: str) -> None:
        path = url.split("?", 1)[0]
        super().__init__(
            message=f"Unexpected response from Pinterest for stream '{stream_name}' ({path}): {problem}.",
            internal_message=f"Unexpected response for stream '{stream_name}' from {path}: {problem}",
            failure_type=FailureType.system_error,
        )
