"""The one HTTP error policy of every stream: what each Pinterest answer means and how long to wait.

Pinterest error bodies are `{"code": int, "message": str}`; `code` is Pinterest's own error code,
not the HTTP status (docs/dev/API-NOTES.md#errors-body-and-codes). The policy, as a table in `PinterestErrorHandler`:

| answer                               | action                                         | failure type |
|--------------------------------------|------------------------------------------------|--------------|
| a rate limit, in any of its forms:   | wait what it announces (X-RateLimit-Reset,     | transient    |
|   429, body code 8 or 12, or a 400   | Retry-After, "retry after N seconds"), else    |              |
|   saying "retry after N seconds"     | exponential backoff; retry                     |              |
| 5xx, timeouts, dropped connections   | bounded retries with exponential backoff       | transient    |
| a 2xx whose body broke: empty, cut   | the same retries and backoff (a streamed body: | transient    |
|   short or not JSON                  |   `transport.retrying`, from the slice's start)|              |
| 401 code 3: the token lacks a scope  | fail naming the operation's scopes and how to  | config       |
|                                      | re-authorize (scopes.py); the sync's other     |              |
|                                      | requests of the operation are not sent         |              |
| 401                                  | refresh the OAuth token and retry, at most 3   | config       |
|                                      | times a request (access token: fail at once)   |              |
| 400                                  | fail with the API's own message (no retry)     | system       |
| a 4xx that is not JSON (not the API) | fail: check `api_base_url` / `environment`     | config       |
| 403 / 404 on an ad account path      | fail naming the ad account                     | config       |
| a stream's declared "empty" answer   | ignore (e.g. 409/4182: user has no catalog)     | -            |
| an answer a request may ignore       | let through to the stream's reader, which      | -            |
|   (`ignorable`: a Pin deleted...)    |   ignores it or fails with `failure`'s words   |              |

Exceptions raised by the connector itself (all `AirbyteTracedException`):
- config errors (`config.load_config`), auth errors (`auth`), and `UnexpectedResponseError` here,
  for a 2xx body that is JSON, but not of the shape the API documents (not retried: asking again gives the same).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Optional, Union
from urllib.parse import urlsplit

import orjson
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, HttpStatusErrorHandler
from airbyte_cdk.sources.streams.http.error_handlers.default_error_mapping import DEFAULT_ERROR_MAPPING
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.scopes import MISSING_SCOPE_CODE, refused_message

logger = logging.getLogger("airbyte")
#: body codes of a rate limit: 8 is documented; 12 is what throttled analytics requests are seen to answer
RATE_LIMIT_CODES = frozenset({8, 12})
#: a throttled request's message that says how long to wait ("Retry after 30 seconds")
_RETRY_AFTER_MESSAGE = re.compile(r"retry after (\d+(?:\.\d+)?) ?s", re.IGNORECASE)
#: what requests raises when an answer read whole breaks off mid-body (a connection reset or closed mid-way)
BODY_BROKE_OFF = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
_AD_ACCOUNT_IN_PATH = re.compile(r"/ad_accounts/(\d+)")
#: a request answered HTTP 401 this many times, each after a successful refresh, fails
MAX_REFRESHES_PER_REQUEST = 3
REAUTHENTICATE = (
    "Pinterest rejected the access token (HTTP 401) even after refreshing it. "
    "Re-authenticate the source (a new refresh token from the authorize helper or the Airbyte UI)."
)
ACCESS_TOKEN_REJECTED = (
    "Pinterest rejected the access token (HTTP 401): it is invalid or expired, and an access token is not refreshed. "
    "Set a new `credentials.access_token`, or use OAuth with a refresh token."
)


class PinterestError(AirbyteTracedException):
    """An error the connector raises itself, in its own words: `message` is for the user (never a secret),
    `internal_message` for the logs."""

    def __init__(self, message: str, failure_type: FailureType, internal_message: Optional[str] = None) -> None:
        super().__init__(message=message, internal_message=internal_message or message, failure_type=failure_type)


def config_error(message: str) -> PinterestError:
    """An error the user fixes in the configuration (or the catalog, or the state)."""
    return PinterestError(message, FailureType.config_error)


#: what a failed sync keeps (the cursor only moves over what was read to its end)
PROGRESS_KEPT = "The state of the partitions finished so far is saved; the next sync resumes from there."


class RetriesExhausted(PinterestError):
    """A request (or a streamed body) of `stream` that kept failing (`problem`) through every retry."""

    def __init__(
        self, stream: str, problem: str, retries: int, failure_type: FailureType, internal: Optional[str] = None
    ) -> None:
        self.stream = stream
        #: what kept failing, with how often it was retried
        self.problem = f"{problem}, again after {retries} retries"
        super().__init__(f"Stream '{stream}' stopped: {self.problem}. {PROGRESS_KEPT}", failure_type, internal)


@dataclass(frozen=True)
class IgnoredError:
    """An API answer that means "nothing to read here" for one stream, not a failure."""

    status: int
    #: Pinterest's error code; None matches any
    code: Optional[int]
    log_message: str
    #: logged as a warning (data left out that the user may expect), not only as the CDK's info line
    warn: bool = False

    def matches(self, response: requests.Response) -> bool:
        """Whether `response` is this answer."""
        return response.status_code == self.status and self.code in (None, api_error(response)[0])


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


def unreadable_body(response: requests.Response) -> Optional[str]:
    """What is wrong with the body of a successful answer read whole, if it cannot be the JSON the API sends: it is
    empty, cut short, or garbled (a connection or a proxy that broke it). None: it is JSON (or HTTP 204)."""
    if response.status_code == 204:
        return None
    if not response.content:
        return "its body is empty"
    try:
        orjson.loads(response.content)  # a fraction of json's cost: every page of every entity list comes here
    except orjson.JSONDecodeError:
        # orjson takes no more than json does (it refuses NaN, for one, which json reads): json has the last word
        try:
            json.loads(response.content)
        except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
            return f"its body is not valid JSON ({type(error).__name__}: {str(error)[:120]})"
    return None


def is_rate_limited(response: requests.Response) -> bool:
    """Whether an answer is a rate limit, in any form Pinterest uses (see the module docstring)."""
    if response.status_code == 429:
        return True
    if response.status_code < 400:
        return False
    code, message = api_error(response)
    return code in RATE_LIMIT_CODES or (response.status_code == 400 and _RETRY_AFTER_MESSAGE.search(message) is not None)


class PinterestErrorHandler(HttpStatusErrorHandler):
    """Maps Pinterest answers to CDK response actions, with messages that name what failed.

    `invalidate_token`: for OAuth, called with an access token the API rejected (HTTP 401); the request is then
    retried, and the authenticator refreshes the token first, once for every thread (see auth.py). None: the
    token cannot be refreshed (access-token mode).

    `ignored_errors`: the answers that mean "nothing here" for the stream; `ignorable`: answers let through to the
    stream's reader, which decides for each request whether it may ignore them, and fails with `failure` otherwise
    (a Pin deleted during the sync, a refusal only one of a batch's requests may meet).

    `check_bodies`: a successful answer whose body is not JSON (`unreadable_body`) is retried like a 5xx; off for
    streamed answers, whose body is read after this policy has run (their reader raises `transport.BrokenBody`, and
    the slice is read again: `transport.retrying`)."""

    def __init__(
        self,
        logger: logging.Logger,
        stream_name: str,
        ignored_errors: tuple[IgnoredError, ...] = (),
        max_retries: int = 8,
        max_time: timedelta = timedelta(minutes=15),
        invalidate_token: Optional[Callable[[str], bool]] = None,
        check_bodies: bool = True,
        ignorable: tuple[IgnoredError, ...] = (),
        operation: str = "",
        on_missing_scope: Optional[Callable[[str], None]] = None,
    ) -> None:
        super().__init__(logger=logger, error_mapping=DEFAULT_ERROR_MAPPING, max_retries=max_retries, max_time=max_time)
        self.stream_name = stream_name
        self.check_bodies = check_bodies
        self.ignored_errors = ignored_errors
        self.ignorable = ignorable
        self.invalidate_token = invalidate_token
        #: the stream's API operation (what a refusal for lack of a scope names) and who is told of such a refusal
        self.operation = operation
        self.on_missing_scope = on_missing_scope
        #: 401s answered per request: a token can expire again while a request is retried, a few times at most
        self.unauthorized: weakref.WeakKeyDictionary[requests.PreparedRequest, int] = weakref.WeakKeyDictionary()
        #: the last resolution of each thread's request (what a failure after the last retry is about)
        self.last = threading.local()
        #: the warnings of ignored answers already logged (`IgnoredError.warn`): each is logged once
        self.warned: set[str] = set()

    def interpret_response(
        self, response_or_exception: Optional[Union[requests.Response, Exception]] = None
    ) -> ErrorResolution:
        resolution = self._resolve(response_or_exception, (*self.ignored_errors, *self.ignorable))
        self.last.resolution = resolution
        self.last.status = response_or_exception.status_code if isinstance(response_or_exception, requests.Response) else None
        return resolution

    def last_problem(self) -> Optional[str]:
        """What went wrong with this thread's last request, if anything."""
        resolution: Optional[ErrorResolution] = getattr(self.last, "resolution", None)
        return resolution.error_message if resolution is not None else None

    def last_status(self) -> Optional[int]:
        """The HTTP status of this thread's last answer (None: none, or no answer)."""
        status: Optional[int] = getattr(self.last, "status", None)
        return status

    def failure(self, response: requests.Response) -> PinterestError:
        """The error an answer the policy let through (`ignorable`) means for a request that may not ignore it."""
        resolution = self._resolve(response, self.ignored_errors)
        return PinterestError(
            resolution.error_message or f"HTTP {response.status_code}", resolution.failure_type or FailureType.system_error
        )

    def _resolve(
        self, response_or_exception: Optional[Union[requests.Response, Exception]], ignored: tuple[IgnoredError, ...]
    ) -> ErrorResolution:
        if isinstance(response_or_exception, Exception):
            resolution = self._resolve_exception(response_or_exception)
            if resolution is not None:
                return resolution
        if not isinstance(response_or_exception, requests.Response):
            return super().interpret_response(response_or_exception)
        return self._resolve_response(response_or_exception, ignored)

    def _resolve_exception(self, exception: Exception) -> Optional[ErrorResolution]:
        """A request that got no whole answer: retried (None: an exception the CDK's default policy judges)."""
        if isinstance(exception, BODY_BROKE_OFF):
            # the answer began, then its body broke off (a connection reset or closed mid-way)
            return ErrorResolution(
                ResponseAction.RETRY,
                FailureType.transient_error,
                f"Pinterest's answer for stream '{self.stream_name}' broke off while it was read "
                f"({type(exception).__name__})",
            )
        if isinstance(exception, requests.RequestException):
            # no answer: a dropped or refused connection, a timeout
            return ErrorResolution(
                ResponseAction.RETRY,
                FailureType.transient_error,
                f"no answer from Pinterest for stream '{self.stream_name}' ({type(exception).__name__})",
            )
        return None

    def _resolve_response(self, response: requests.Response, ignored: tuple[IgnoredError, ...]) -> ErrorResolution:
        """An answer: the error policy's table, row by row."""
        where = f"stream '{self.stream_name}', {response.request.method} {_path_of(response)}"
        if response.ok:
            broken = unreadable_body(response) if self.check_bodies else None
            if broken is not None:
                return ErrorResolution(
                    ResponseAction.RETRY,
                    FailureType.transient_error,
                    f"Pinterest's answer (HTTP {response.status_code}) in {where} broke: {broken}",
                )
            return super().interpret_response(response)
        status = response.status_code
        code, message = api_error(response)

        if is_rate_limited(response):
            return ErrorResolution(
                ResponseAction.RATE_LIMITED,
                FailureType.transient_error,
                f"Pinterest rate limit reached ({where}): {message}",
            )
        for answer in ignored:
            if status == answer.status and answer.code in (None, code):
                warning = f"{answer.log_message} ({where})"
                # once per stream and place: the same refusal of every catalog (a user-wide restriction) says it once
                if answer.warn and warning not in self.warned:
                    self.warned.add(warning)
                    logger.warning("%s", warning)
                return ErrorResolution(ResponseAction.IGNORE, None, f"{answer.log_message} ({where})")
        if status < 500 and code is None and "json" not in response.headers.get("Content-Type", ""):
            host = urlsplit(response.url or "").netloc
            return ErrorResolution(
                ResponseAction.FAIL,
                FailureType.config_error,
                f"The server at {host} does not answer like the Pinterest API (HTTP {status}, "
                f"{response.headers.get('Content-Type') or 'no content type'}) in {where}. "
                "Check `api_base_url` and `environment`.",
            )
        if status == 401 and code == MISSING_SCOPE_CODE:
            refused = refused_message(where, self.operation, message)
            if self.on_missing_scope is not None:
                self.on_missing_scope(refused)
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, refused)
        if status == 401:
            return self._unauthorized(response)
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

    def _unauthorized(self, response: requests.Response) -> ErrorResolution:
        """HTTP 401: the access token expired or was replaced. OAuth: retry with a refreshed token, a few times for
        one request (tokens can expire again during its retries); then, or in access-token mode, a config error."""
        if self.invalidate_token is None:
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, ACCESS_TOKEN_REJECTED)
        request = response.request
        rejected = self.unauthorized.get(request, 0) + 1
        if rejected > MAX_REFRESHES_PER_REQUEST:
            return ErrorResolution(ResponseAction.FAIL, FailureType.config_error, REAUTHENTICATE)
        self.unauthorized[request] = rejected
        sent = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        self.invalidate_token(sent)
        return ErrorResolution(
            ResponseAction.RETRY,
            FailureType.transient_error,
            f"Pinterest rejected the access token (HTTP 401) for stream '{self.stream_name}': refreshing it and retrying",
        )


def _path_of(response: requests.Response) -> str:
    return api_path(response.request.url or response.url or "")


def api_path(url: str) -> str:
    """The path of an API URL, for messages: without the host, `/v5` and the query (`/ad_accounts/1/campaigns`)."""
    return url.split("?", 1)[0].split("/v5", 1)[-1] or url


class PinterestBackoffStrategy(BackoffStrategy):
    """Wait what Pinterest asks on rate limits; exponential backoff (capped) for everything else; a moment only
    before retrying with a refreshed token (HTTP 401). Each wait is logged at WARN, saying what happened and what
    comes next.

    A rate limit that asks for a longer wait than `max_wait_seconds` (the daily quota) is not
    waited out: the stream fails with a transient error, so the state checkpointed so far is kept
    and the unfinished partition is neither dropped nor passed by the cursor.
    `base_seconds` is a class attribute so tests can make retries fast.
    """

    base_seconds: float = 2.0
    max_seconds: float = 120.0
    #: before retrying with a refreshed token (the CDK's retry adds a second)
    refreshed_token_seconds: float = 0.01

    def __init__(self, stream_name: str = "", max_wait_seconds: float = 900.0) -> None:
        self.stream_name = stream_name
        self.max_wait_seconds = max_wait_seconds

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
        exponential = self.exponential(attempt_count)
        if response is None:
            name = type(response_or_exception).__name__
            broke_off = isinstance(response_or_exception, BODY_BROKE_OFF)
            problem = f"an answer that broke off while it was read ({name})" if broke_off else f"no answer ({name})"
            return self._log(problem, exponential, attempt_count)
        where = f"{response.request.method} {_path_of(response)}"
        if response.status_code == 401:
            return self._log(f"the access token was rejected (HTTP 401) at {where}", self.refreshed_token_seconds, attempt_count)
        if response.ok:  # only a body the error policy found broken is retried
            broken = f"Pinterest's answer (HTTP {response.status_code}) at {where} broke: {unreadable_body(response)}"
            return self._log(broken, exponential, attempt_count)
        if is_rate_limited(response):
            announced = _announced_wait(response)
            if announced is not None and announced > self.max_wait_seconds:
                raise RateLimitBudgetExceeded(self.stream_name, response, announced, self.max_wait_seconds)
            wait = announced if announced is not None else exponential
            return self._log(f"Pinterest's rate limit (HTTP {response.status_code}) at {where}", wait, attempt_count)
        return self._log(f"Pinterest answered HTTP {response.status_code} at {where}", exponential, attempt_count)

    def broken_body(self, problem: str, attempt_count: int, again: str) -> float:
        """The wait before reading a streamed body again that broke (`transport.BrokenBody`): as for a request that
        got no answer; `again` says what is read again."""
        return self._log(f"{problem}; {again}", self.exponential(attempt_count), attempt_count)

    def exponential(self, attempt_count: int) -> float:
        """The wait before retry `attempt_count` (1, 2, ...) when nothing announces one."""
        return float(min(self.base_seconds * (2 ** max(attempt_count - 1, 0)), self.max_seconds))

    def _log(self, problem: str, wait: float, attempt: int) -> float:
        logger.warning("Stream %s: %s; retry %d in %.1f s", self.stream_name, problem, attempt, wait)
        return wait


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


class RateLimitBudgetExceeded(PinterestError):
    """Pinterest asks to wait longer than the configured budget (typically the daily quota)."""

    def __init__(self, stream_name: str, response: requests.Response, wait: float, budget: float) -> None:
        request = response.request
        message = (
            f"Pinterest's rate limit for stream '{stream_name}' asks to wait {wait:.0f}s, more than the "
            f"configured `rate_limit_max_wait_seconds` ({budget:.0f}s), at {request.method} {_path_of(response)}. "
            "The state of the partitions finished so far was saved; the next sync resumes from there."
        )
        super().__init__(message, FailureType.transient_error)


class UnexpectedResponseError(PinterestError):
    """A successful answer whose body is not what the API documents (not JSON, no `items`, ...)."""

    def __init__(self, stream_name: str, url: str, problem: str) -> None:
        path = url.split("?", 1)[0]
        super().__init__(f"Unexpected response from Pinterest for stream '{stream_name}' ({path}): {problem}.", FailureType.system_error)


class UnexpectedValueError(PinterestError):
    """A value of a record that is none of the forms its column may take (a flag that is not one)."""

    def __init__(self, stream_name: str, column: str, value: Any) -> None:
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        super().__init__(
            f"Unexpected value from Pinterest for stream '{stream_name}': column {column} is {shown}, which is not a "
            "flag (a boolean, 'true' / 'false' in any case, 1 / 0 or '1' / '0'); the connector does not guess what "
            "it means. Please report the column and the value.",
            FailureType.system_error,
        )
