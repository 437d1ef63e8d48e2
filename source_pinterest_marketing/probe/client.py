"""How the probe talks to Pinterest: the requests the connector builds (`streams.declaration.build_request`), sent
through airbyte-cdk's `HttpClient` with the connector's error policy (its wording), authenticator and API budget,
with no retries, every request counted against the printed budget, and every answer seen by a response hook (its
status, error code and rate-limit headers: the evidence of the throttling check, and what a failure was).

A request is described for the evidence as method, path and query (ids lists shortened to their size). The query
never carries a secret (tokens go in headers); every line still goes through airbyte-cdk's `filter_secrets`.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from typing import Any, Optional, TypeVar
from urllib.parse import parse_qsl, urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.call_rate import LimiterSession
from airbyte_cdk.sources.streams.http.http_client import HttpClient
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.api_description import lacking_scopes, operation_scopes
from source_pinterest_marketing.auth import PinterestOAuthAuthenticator
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import (
    ACCESS_TOKEN_REJECTED,
    REAUTHENTICATE,
    IgnoredError,
    PinterestBackoffStrategy,
    PinterestErrorHandler,
    UnexpectedResponseError,
    api_error,
    is_rate_limited,
)
from source_pinterest_marketing.scopes import MISSING_SCOPE_CODE
from source_pinterest_marketing.streams.declaration import StreamDeclaration
from source_pinterest_marketing.transport import Request, retrying, send

#: a header of a rate-limit nature (X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After...)
RATE_LIMIT_HEADER = re.compile(r"ratelimit|rate-limit|retry-after", re.IGNORECASE)
#: query values longer than this many items are shown as their count
SHOWN_VALUES = 3
T = TypeVar("T")
#: query parameters shown without their value (a report job's token: a handle on the account's report)
HIDDEN_VALUES = frozenset({"token", "bookmark"})

@dataclass(frozen=True)
class Exchange:
    """One answer Pinterest gave the probe: the request as evidence shows it, and what in the answer the probe
    looks at (never its body beyond an error's code and message)."""

    method: str
    path: str
    query: str
    status: int
    #: an error answer's Pinterest code and message
    code: Optional[int] = None
    message: str = ""
    #: names of the rate-limit headers it carried
    rate_limit_headers: tuple[str, ...] = ()
    #: the connector's error policy takes it for a rate limit (errors.is_rate_limited)
    rate_limited: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def request(self) -> str:
        return filter_secrets(f"{self.method} {self.path}{'?' + self.query if self.query else ''}")

    def __str__(self) -> str:
        answer = f"HTTP {self.status}"
        if self.status >= 400:
            answer += f" (code {self.code}: {self.message[:160]})"
        return filter_secrets(f"{self.request} → {answer}")


def describe_query(url: str) -> tuple[str, str]:
    """(path, query) of a URL for the evidence: list parameters (repeated keys, comma lists) longer than
    `SHOWN_VALUES` as their count, `HIDDEN_VALUES` without their value."""
    parts = urlsplit(url)
    values: dict[str, list[str]] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        values.setdefault(key, []).extend(value.split(",") if "," in value else [value])
    shown = [
        f"{key}=<{key}>"
        if key in HIDDEN_VALUES
        else f"{key}=<{len(items)} values>"
        if len(items) > SHOWN_VALUES
        else f"{key}={','.join(items)}"
        for key, items in values.items()
    ]
    return parts.path, "&".join(shown)


class ExchangeLog:
    """Every answer the probe's session received (a `requests` response hook): retried or failed ones too."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.exchanges: list[Exchange] = []

    def install(self, session: requests.Session) -> None:
        session.hooks.setdefault("response", []).append(self.record)

    def record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        code, message = api_error(response) if response.status_code >= 400 else (None, "")
        path, query = describe_query(response.request.url or response.url or "")
        exchange = Exchange(
            method=str(response.request.method),
            path=path,
            query=query,
            status=response.status_code,
            code=code,
            message=message,
            rate_limit_headers=tuple(sorted(name for name in response.headers if RATE_LIMIT_HEADER.search(name))),
            rate_limited=is_rate_limited(response),
        )
        with self.lock:
            self.exchanges.append(exchange)

    def snapshot(self) -> list[Exchange]:
        with self.lock:
            return list(self.exchanges)

    def last(self, since: int = 0) -> Optional[Exchange]:
        """The last answer, if it came after the first `since` ones."""
        with self.lock:
            return self.exchanges[-1] if len(self.exchanges) > since else None

    def __len__(self) -> int:
        with self.lock:
            return len(self.exchanges)


class BudgetExhausted(RuntimeError):
    """The probe would send more requests than it announced (a bug of a check's declared count)."""


class MissingScope(Exception):
    """Pinterest answered that the token lacks a scope (HTTP 401, code 3)."""

    def __init__(self, operation: str, scopes: tuple[str, ...], exchange: Exchange) -> None:
        self.operation = operation
        self.scopes = scopes
        self.exchange = exchange
        named = f"the scope {scopes[0]}" if len(scopes) == 1 else f"one of the scopes {', '.join(scopes)}"
        super().__init__(f"the token lacks {named} ({exchange.method} {exchange.path} answered HTTP 401, code 3)")


class CredentialsRejected(Exception):
    """Pinterest rejected the credentials themselves: nothing else can be probed."""


class RequestFailed(Exception):
    """A request that failed otherwise: the check that sent it cannot be made. `exchange`: the answer, if any."""

    def __init__(self, message: str, exchange: Optional[Exchange]) -> None:
        self.exchange = exchange
        super().__init__(message)


@dataclass(frozen=True)
class Answer:
    """A successful answer (or one of the statuses the check asked to inspect) and its parsed body."""

    exchange: Exchange
    body: Any

    @property
    def status(self) -> int:
        return self.exchange.status

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def items(self) -> list[Mapping[str, Any]]:
        """The `items` of a list page (empty when there are none or the answer is an error)."""
        items = self.body.get("items") if isinstance(self.body, Mapping) else None
        return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []

    @property
    def more_pages(self) -> bool:
        return isinstance(self.body, Mapping) and bool(self.body.get("bookmark"))


class ProbeClient:
    """Sends the probe's requests (built as the connector builds them) through a CDK `HttpClient` with the connector's
    error policy, built with no retries (one request each), and keeps the count within the budget the probe
    printed."""

    def __init__(self, context: SyncContext, budget: int) -> None:
        self.context = context
        self.budget = budget
        #: requests sent through the session (the token refresh and report downloads are counted by `count`)
        self.sent = 0
        self.session = LimiterSession(api_budget=context.api_budget)
        self.log = ExchangeLog()
        self.log.install(self.session)
        #: scopes shown granted by a successful answer, and shown missing by a missing-scope answer (to tell which
        #: of an operation's scopes is missing)
        self.granted: set[str] = set()
        self.missing: set[str] = set()
        #: the operation whose scopes a missing-scope answer is about
        self.operation = ""

    def close(self) -> None:
        self.session.close()

    @property
    def base_url(self) -> str:
        return self.context.config.api_base_url

    def ensure_room(self, requests_made: int) -> None:
        """Raise before sending when `requests_made` more would exceed the budget."""
        if self.sent + requests_made > self.budget:
            raise BudgetExhausted(f"the probe would send more than the {self.budget} requests it announced")

    def count(self, requests_made: int = 1) -> None:
        """Count requests against the budget, before sending them."""
        self.ensure_room(requests_made)
        self.sent += requests_made

    def record_sent(self, requests_made: int) -> None:
        """Count requests the connector's own code sent (a report job's), after the fact: their room was ensured."""
        self.sent += requests_made

    def http_client(self, declaration: StreamDeclaration, inspect: tuple[int, ...] = ()) -> HttpClient:
        """A CDK `HttpClient` for requests of the declared stream, a missing-scope answer being about its operation:
        the stream's error policy (answers with a status of `inspect` are returned, not raised), no retry."""
        self.operation = declaration.operation
        logger = logging.getLogger(f"airbyte.{declaration.name}")
        handler = PinterestErrorHandler(
            logger=logger,
            stream_name=declaration.name,
            ignored_errors=(
                *declaration.ignored_errors,
                *(IgnoredError(status, None, "looked at by the probe") for status in inspect),
            ),
            max_retries=self.context.max_retries,
            invalidate_token=getattr(self.context.authenticator, "invalidate", None),
        )
        return HttpClient(
            name=declaration.name,
            logger=logger,
            error_handler=handler,
            session=self.session,
            authenticator=self.context.authenticator,
            backoff_strategy=PinterestBackoffStrategy(declaration.name, self.context.config.rate_limit_max_wait_seconds),
        )

    def job_sender(self, declaration: StreamDeclaration) -> ProbeJobSender:
        """What a report job of the declared stream sends its requests through (`streams.jobs.AsyncJob`)."""
        return ProbeJobSender(self, declaration)

    def request(self, declaration: StreamDeclaration, request: Request, *, inspect: tuple[int, ...] = ()) -> Answer:
        """One request of the declared stream (as `build_request` built it). A success, or an answer whose status is in
        `inspect`, is returned; any other answer raises (the connector's error, in its words)."""
        rejection = getattr(self.context.authenticator, "rejection", None)
        if rejection is not None:
            raise rejection  # Pinterest already refused the grant: no request would get through
        client = self.http_client(declaration, inspect)
        self.count()
        before = len(self.log)
        try:
            # the whole body, whatever the connector streams: the probe looks at it all
            response = send(client, self.base_url, replace(request, streamed=False))
        except AirbyteTracedException as error:
            raise self.translated(error, before) from None
        exchange = self.log.last(before)
        if exchange is None:  # the hook always runs; keep mypy and a broken hook honest
            raise RuntimeError("the probe's response hook recorded nothing")
        if not response.ok:
            return Answer(exchange, None)
        # the token met one alternative of the operation's scopes: it holds those every alternative asks
        self.granted |= frozenset.intersection(*operation_scopes(declaration.operation))
        try:
            parsed = response.json()
        except ValueError:
            raise UnexpectedResponseError(declaration.name, response.url, "the body is not JSON") from None
        return Answer(exchange, parsed)

    def translated(self, error: AirbyteTracedException, since: int) -> Exception:
        """A failed request in the probe's terms, from the answer that failed it (`since`: the answers before the
        failed request's; a request that got no answer has none of its own):

        - a token lacking a scope (HTTP 401, code 3): `MissingScope`, naming the operation's scopes not already shown
          granted, narrowed to one already shown missing;
        - rejected credentials (HTTP 401, any other code): `CredentialsRejected`, in the connector's words;
        - a passing failure (no answer, 5xx, a rate limit; not retried: the budget is exact): `RequestFailed` saying
          so; any other error: `RequestFailed` in the connector's words (errors.py)."""
        last = self.log.last(since)
        if last is not None and last.status == 401:
            if last.code == MISSING_SCOPE_CODE:
                # the scopes of the operation (api_description: alternatives of scopes all required) not shown granted
                everything = frozenset().union(*operation_scopes(self.operation))
                candidates = lacking_scopes(self.granted, self.operation) or everything
                candidates = (candidates & self.missing) or candidates
                if len(candidates) == 1:
                    self.missing |= candidates
                return MissingScope(self.operation, tuple(sorted(candidates)), last)
            oauth = isinstance(self.context.authenticator, PinterestOAuthAuthenticator)
            return CredentialsRejected(REAUTHENTICATE if oauth else ACCESS_TOKEN_REJECTED)
        if error.failure_type != FailureType.transient_error:
            return RequestFailed(error.message or str(error), last)
        if last is None:
            return RequestFailed("no answer from Pinterest (the connection failed or timed out): run the probe again later", None)
        what = "Pinterest's rate limit was reached" if last.rate_limited else "Pinterest failed"
        return RequestFailed(f"{what} (HTTP {last.status}, code {last.code}: {last.message[:160]}): run the probe again later", last)


class ProbeJobSender:
    """A report job's requests sent as the probe sends (`streams.jobs.JobSender`): the declared stream's error policy,
    no retries; its jobs in flight are the probe's one."""

    def __init__(self, client: ProbeClient, declaration: StreamDeclaration) -> None:
        self.client = client
        self.name = declaration.name
        self.http = client.http_client(declaration)
        self.backoff = PinterestBackoffStrategy(declaration.name, client.context.config.rate_limit_max_wait_seconds)

    def send(self, request: Request) -> requests.Response:
        return send(self.http, self.client.base_url, request)

    def again_when_broken(self, read: Callable[[], Iterable[T]], again: str) -> Iterator[T]:
        return retrying(self.name, read, again, self.client.context.max_retries, self.backoff)

    def in_flight(self) -> AbstractContextManager[Any]:
        return nullcontext()
