"""The one way requests leave the connector: a `Sender` built once per sync over airbyte-cdk's `HttpClient`.

The sync shares one `requests` session (connection pool, authenticator, and the API budget that keeps every
thread within Pinterest's rate limits, see rate_limits.py). Each stream sends through its own `HttpClient` on
that session, built with the stream's error policy (errors.py: what each answer means, which answers mean
"nothing here" for that stream) and backoff, so a failure names the stream.

A body read whole inside the request (pages, objects) is checked by the error policy, so a body that broke is
retried like any failed request. A streamed body (analytics rows, a report file) is read after the request has
returned, as its rows are used: its reader raises `BrokenBody` when the body breaks, and `Sender.retrying` reads it
again, with the same backoff and number of retries.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Optional, TypeVar

import requests
import urllib3
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.http_config import MAX_CONNECTION_POOL_SIZE
from airbyte_cdk.sources.streams.call_rate import APIBudget, LimiterSession
from airbyte_cdk.sources.streams.http.http_client import HttpClient
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.auth import Authenticator
from source_pinterest_marketing.errors import (
    IgnoredError,
    PinterestBackoffStrategy,
    PinterestError,
    PinterestErrorHandler,
)

#: (connect, read) timeouts of a request: nothing waits forever on a silent server (a read timeout counts
#: between two chunks of a streamed body, not for the whole body)
REQUEST_TIMEOUT_SECONDS = (10.0, 300.0)
#: what reading a streamed body (`response.raw`) raises when the connection breaks or goes silent mid-way: urllib3's
#: own errors (ProtocolError, ReadTimeoutError...: requests does not wrap a raw read), requests' and the socket's
BODY_READ_ERRORS: tuple[type[Exception], ...] = (urllib3.exceptions.HTTPError, requests.RequestException, OSError)
T = TypeVar("T")
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


class BrokenBody(Exception):
    """A successful answer whose streamed body could not be read to its end: the connection broke off, the body is
    cut short or it is not the JSON (or CSV) it should be. `problem` says what, for the log and the final error."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class Sender:
    """HTTP for one sync: `send(stream, ...)` with the stream's error policy, retries and the shared budget."""

    def __init__(
        self,
        base_url: str,
        authenticator: Authenticator,
        api_budget: APIBudget,
        max_retries: int,
        max_rate_limit_wait_seconds: float,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.authenticator = authenticator
        self.max_retries = max_retries
        self.max_rate_limit_wait_seconds = max_rate_limit_wait_seconds
        self.session = LimiterSession(api_budget=api_budget)
        adapter = requests.adapters.HTTPAdapter(pool_connections=MAX_CONNECTION_POOL_SIZE, pool_maxsize=MAX_CONNECTION_POOL_SIZE)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self._clients: dict[tuple[str, tuple[IgnoredError, ...], bool], tuple[HttpClient, PinterestErrorHandler]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the sync's connections (its pool): a sync leaves nothing open behind it."""
        self.session.close()

    def url(self, path: str) -> str:
        """The absolute URL of an API path (`ad_accounts/1/campaigns`)."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def send(
        self,
        stream: str,
        ignored_errors: tuple[IgnoredError, ...],
        method: str,
        url: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        json: Optional[Mapping[str, Any]] = None,
        streamed: bool = False,
    ) -> requests.Response:
        """Send with the stream's error policy; the response is a success or an answer the stream ignores.
        `streamed`: the body is read from the socket as it is parsed (never held whole)."""
        rejection = getattr(self.authenticator, "rejection", None)
        if rejection is not None:
            # Pinterest already refused the grant: no request would get through
            raise rejection
        client, handler = self._client(stream, ignored_errors, streamed)
        try:
            _, response = client.send_request(
                method, url, request_kwargs={"stream": True} if streamed else {}, params=params, json=json
            )
        except AirbyteTracedException as error:
            raise self._own(stream, url, error, handler.last_problem()) from None
        return response

    def retrying(self, stream: str, read: Callable[[], Iterable[T]], again: str) -> Iterator[T]:
        """What `read()` yields; when a body it reads breaks (`BrokenBody`), `read()` again from its start, after the
        wait and up to the number of retries of a request that failed (`PinterestBackoffStrategy`, `max_retries`);
        then the stream stops with a transient error naming it. `again` tells the log what is read again (and what
        becomes of the items `read()` already yielded)."""
        backoff = PinterestBackoffStrategy(stream, self.max_rate_limit_wait_seconds)
        for retry in itertools.count(1):
            try:
                yield from read()
                return
            except BrokenBody as broken:
                if retry > self.max_retries:
                    raise self.gave_up(stream, broken.problem, FailureType.transient_error) from None
                time.sleep(backoff.broken_body(broken.problem, retry, again))

    def gave_up(
        self, stream: str, problem: str, failure_type: FailureType, internal: Optional[str] = None
    ) -> RetriesExhausted:
        """The error of a request (or a body) that kept failing through every retry."""
        return RetriesExhausted(stream, problem, self.max_retries, failure_type, internal)

    def _own(self, stream: str, url: str, error: AirbyteTracedException, problem: Optional[str]) -> AirbyteTracedException:
        """The failure in the connector's own words: the error policy's message as it is; retries that ran out
        (the CDK's own text quotes URLs and headers) as what kept failing."""
        if isinstance(error, PinterestError) or problem is None or error.message == problem:
            return error
        internal = filter_secrets(f"{error.internal_message or error.message} [{url.split('?', 1)[0]}]")
        return self.gave_up(stream, problem, error.failure_type or FailureType.transient_error, internal)

    def _client(
        self, stream: str, ignored_errors: tuple[IgnoredError, ...], streamed: bool
    ) -> tuple[HttpClient, PinterestErrorHandler]:
        with self._lock:
            # one client per stream and error policy (a request may ignore more than its stream does; a streamed
            # body is checked by its reader, not by the policy)
            key = (stream, ignored_errors, streamed)
            found = self._clients.get(key)
            if found is None:
                logger = logging.getLogger(f"airbyte.{stream}")
                handler = PinterestErrorHandler(
                    logger=logger,
                    stream_name=stream,
                    ignored_errors=ignored_errors,
                    max_retries=self.max_retries,
                    invalidate_token=getattr(self.authenticator, "invalidate", None),
                    check_bodies=not streamed,
                )
                client = HttpClient(
                    name=stream,
                    logger=logger,
                    error_handler=handler,
                    session=self.session,
                    authenticator=self.authenticator,
                    backoff_strategy=PinterestBackoffStrategy(stream, self.max_rate_limit_wait_seconds),
                    request_timeout=REQUEST_TIMEOUT_SECONDS,
                )
                found = self._clients[key] = (client, handler)
            return found
