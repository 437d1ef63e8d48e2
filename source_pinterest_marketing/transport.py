"""Requests as data, and what happens to their bodies.

A `Request` (method, path, query, JSON body, streamed or not) is built apart from sending it: by one function per
stream (`streams.declaration.build_request`, from the declaration, the slice, the config and the page token). The
streams send theirs through airbyte-cdk's `HttpStream` page loop (streams/base.py), which reads it through its hooks;
a report job and the probe send theirs through a CDK `HttpClient` of their own (`send`).

Every stream's `HttpClient` shares the sync's authenticator and API budget (rate_limits.py: one budget, so the rate
limits hold across streams and threads) and has the stream's error policy (errors.py). A body read whole inside the
request (pages, objects) is checked by that policy, so a body that broke is retried like any failed request. A
streamed body (analytics rows, a report file) is read after the request has returned, as its rows are used: its
reader raises `BrokenBody` when the body breaks, and `retrying` reads it again, with the backoff and the number of
retries of a failed request.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Optional, TypeVar

import requests
import urllib3
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.http_client import HttpClient

from source_pinterest_marketing.errors import PinterestBackoffStrategy, RetriesExhausted

#: (connect, read) timeouts of a request: nothing waits forever on a silent server (a read timeout counts
#: between two chunks of a streamed body, not for the whole body)
REQUEST_TIMEOUT_SECONDS = (10.0, 300.0)
#: what reading a streamed body (`response.raw`) raises when the connection breaks or goes silent mid-way: urllib3's
#: own errors (ProtocolError, ReadTimeoutError...: requests does not wrap a raw read), requests' and the socket's
BODY_READ_ERRORS: tuple[type[Exception], ...] = (urllib3.exceptions.HTTPError, requests.RequestException, OSError)
T = TypeVar("T")


@dataclass(frozen=True)
class Request:
    """One request to the API, as data: `path` is under the API's base URL (`ad_accounts/1/campaigns`); `streamed`:
    its body is read from the socket as it is parsed, never held whole."""

    method: str
    path: str
    params: Mapping[str, Any] = field(default_factory=dict)
    body: Optional[Mapping[str, Any]] = None
    streamed: bool = False

    def url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/{self.path.lstrip('/')}"

    def with_params(self, **params: Any) -> Request:
        """The same request with these query parameters set (None: left out)."""
        merged = {**self.params, **params}
        return replace(self, params={name: value for name, value in merged.items() if value is not None})

    @property
    def kwargs(self) -> dict[str, Any]:
        """What `requests` is told besides the request itself: the timeouts, and whether the body is streamed."""
        return {"timeout": REQUEST_TIMEOUT_SECONDS, "stream": True} if self.streamed else {"timeout": REQUEST_TIMEOUT_SECONDS}


def send(client: HttpClient, base_url: str, request: Request) -> requests.Response:
    """Send `request` through `client` (its error policy, retries and session): a success, or an answer the policy
    ignores; anything else raises."""
    _, response = client.send_request(
        request.method,
        request.url(base_url),
        request_kwargs=request.kwargs,
        params=dict(request.params),
        json=dict(request.body) if request.body is not None else None,
    )
    return response


class BrokenBody(Exception):
    """A successful answer whose streamed body could not be read to its end: the connection broke off, the body is
    cut short or it is not the JSON (or CSV) it should be. `problem` says what, for the log and the final error."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def retrying(
    stream: str, read: Callable[[], Iterable[T]], again: str, max_retries: int, backoff: PinterestBackoffStrategy
) -> Iterator[T]:
    """What `read()` yields; when a body it reads breaks (`BrokenBody`), `read()` again from its start, after the wait
    and up to the number of retries of a request that failed (`backoff`, `max_retries`); then the stream stops with a
    transient error naming it. `again` tells the log what is read again (and what becomes of the items `read()`
    already yielded)."""
    for retry in itertools.count(1):
        try:
            yield from read()
            return
        except BrokenBody as broken:
            if retry > max_retries:
                raise RetriesExhausted(stream, broken.problem, max_retries, FailureType.transient_error) from None
            time.sleep(backoff.broken_body(broken.problem, retry, again))
