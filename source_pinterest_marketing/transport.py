"""The one way requests leave the connector: a `Sender` built once per sync over airbyte-cdk's `HttpClient`.

The sync shares one `requests` session (connection pool, authenticator, and the API budget that keeps every
thread within Pinterest's rate limits, see rate_limits.py). Each stream sends through its own `HttpClient` on
that session, built with the stream's error policy (errors.py: what each answer means, which answers mean
"nothing here" for that stream) and backoff, so a failure names the stream.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any, Optional

import requests
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
        self._clients: dict[tuple[str, tuple[IgnoredError, ...]], tuple[HttpClient, PinterestErrorHandler]] = {}
        self._lock = threading.Lock()

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
        client, handler = self._client(stream, ignored_errors)
        try:
            _, response = client.send_request(
                method, url, request_kwargs={"stream": True} if streamed else {}, params=params, json=json
            )
        except AirbyteTracedException as error:
            raise self._own(stream, url, error, handler.last_problem()) from None
        return response

    def _own(self, stream: str, url: str, error: AirbyteTracedException, problem: Optional[str]) -> AirbyteTracedException:
        """The failure in the connector's own words: the error policy's message as it is; retries that ran out
        (the CDK's own text quotes URLs and headers) as what kept failing."""
        if isinstance(error, PinterestError) or problem is None or error.message == problem:
            return error
        message = (
            f"Stream '{stream}' stopped: {problem}, again after {self.max_retries} retries. The state of the "
            "partitions finished so far is saved; the next sync resumes from there."
        )
        internal = filter_secrets(f"{error.internal_message or error.message} [{url.split('?', 1)[0]}]")
        return PinterestError(message, error.failure_type or FailureType.transient_error, internal_message=internal)

    def _client(self, stream: str, ignored_errors: tuple[IgnoredError, ...]) -> tuple[HttpClient, PinterestErrorHandler]:
        with self._lock:
            # one client per stream and error policy (a request may ignore more than its stream does)
            found = self._clients.get((stream, ignored_errors))
            if found is None:
                logger = logging.getLogger(f"airbyte.{stream}")
                handler = PinterestErrorHandler(
                    logger=logger,
                    stream_name=stream,
                    ignored_errors=ignored_errors,
                    max_retries=self.max_retries,
                    invalidate_token=getattr(self.authenticator, "invalidate", None),
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
                found = self._clients[(stream, ignored_errors)] = (client, handler)
            return found
