"""What one sync shares across streams: the validated config, one authenticator and one API budget (every stream's
HTTP client sends with them: see transport.py), the retries of a failing request, progress counters, lists fetched
once per sync, the report jobs allowed in flight, the sync's bound streams, and the connections to close when it
ends."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Optional, TypeVar

import requests
from airbyte_cdk.sources.streams.call_rate import APIBudget
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.auth import SYNC_REFRESH_SECONDS, Authenticator, build_authenticator, granted_scopes
from source_pinterest_marketing.config import PinterestConfig
from source_pinterest_marketing.rate_limits import build_api_budget

logger = logging.getLogger("airbyte")
#: retries of a failing request (5xx, timeouts, rate limits) before the stream fails
SYNC_MAX_RETRIES = 8
#: attempts of a token refresh when the token endpoint fails transiently (waits 2, 4, 8, 16 s between)
SYNC_TOKEN_ATTEMPTS = 5
T = TypeVar("T")


class Progress:
    """Per-partition log lines and per-stream totals, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: Counter[str] = Counter()
        self.partitions: Counter[str] = Counter()

    def partition_done(self, stream: str, partition: Mapping[str, Any], records: int) -> None:
        with self._lock:
            self.records[stream] += records
            self.partitions[stream] += 1
        described = ", ".join(f"{key}={_short(value)}" for key, value in partition.items()) or "all"
        logger.info("Stream %s: partition %s finished with %d records", stream, described, records)

    def log_totals(self, seconds: float) -> None:
        with self._lock:
            totals = sorted(self.records.items())
        summary = ", ".join(f"{stream}: {count}" for stream, count in totals) or "no records"
        logger.info("Sync finished in %.1fs with %d records (%s)", seconds, sum(self.records.values()), summary)


def _short(value: Any) -> str:
    """Partition values for the log: id lists as their size and first id."""
    if isinstance(value, list):
        return f"[{len(value)} ids from {value[0]}]" if value else "[]"
    return str(value)


class SharedValue(Generic[T]):
    """A value fetched at most once per sync, on first use, whichever stream asks first.

    The stream that owns the data may instead `claim` it and read it itself, streaming its records
    out, then `publish` what others need; meanwhile `get` waits for it rather than fetch twice.

    A fetch that fails with an error the connector phrased (its retries ran out, access was denied) is not tried
    again in the same sync: whoever asks next gets the same error at once, so every stream that needs the value
    fails with one message (the sync's summary then names them together)."""

    def __init__(self, fetch: Callable[[], T]) -> None:
        self._fetch = fetch
        self._condition = threading.Condition()
        self._value: Optional[T] = None
        self._claimed = False
        self._failure: Optional[AirbyteTracedException] = None

    def get(self) -> T:
        with self._condition:
            while self._claimed:
                self._condition.wait()
            if self._failure is not None:
                failure = self._failure
                raise AirbyteTracedException(failure.internal_message, failure.message, failure.failure_type)
            if self._value is None:
                try:
                    self._value = self._fetch()
                except AirbyteTracedException as error:
                    self._failure = error
                    raise
            return self._value

    def claim(self) -> bool:
        """True if the caller is first: it must then `publish` (or `abandon`)."""
        with self._condition:
            if self._claimed or self._value is not None:
                return False
            self._claimed = True
            return True

    def publish(self, value: T) -> None:
        with self._condition:
            self._value, self._claimed = value, False
            self._condition.notify_all()

    def abandon(self) -> None:
        """The claimer failed: whoever asks next fetches it."""
        with self._condition:
            self._claimed = False
            self._condition.notify_all()


@dataclass
class SyncContext:
    config: PinterestConfig
    #: one for every stream: a rotated token is seen by all (auth.py)
    authenticator: Authenticator
    #: one for every stream and thread: the rate limits hold across them (rate_limits.py)
    api_budget: APIBudget
    #: retries of a failing request, and of a streamed body that broke, before the stream fails
    max_retries: int = SYNC_MAX_RETRIES
    progress: Progress = field(default_factory=Progress)
    #: values fetched once per sync, by name (see `shared_holder`)
    shared: dict[str, SharedValue[Any]] = field(default_factory=dict)
    #: async report jobs created and not yet finished (generating on Pinterest's side), across every report stream
    report_jobs: threading.BoundedSemaphore = field(default_factory=threading.BoundedSemaphore)
    #: the streams this sync reads (None: unknown, e.g. in `check`)
    selected_streams: Optional[frozenset[str]] = None
    #: the sync's streams bound to it, by name (streams/base.py `bound_stream`): one HttpStream per stream
    streams: dict[str, Any] = field(default_factory=dict)
    #: what carried the sync's requests (connection pools), closed when it ends (`close`)
    connections: dict[int, Any] = field(default_factory=dict)
    #: API operations Pinterest refused for lack of a scope in this sync, with what the connector said: no other
    #: request of theirs is sent (scopes.py)
    scope_refusals: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(
        cls,
        config: PinterestConfig,
        raw_config: Mapping[str, Any],
        max_retries: int = SYNC_MAX_RETRIES,
        token_attempts: int = SYNC_TOKEN_ATTEMPTS,
        token_seconds: float = SYNC_REFRESH_SECONDS,
        config_file: Optional[str] = None,
    ) -> SyncContext:
        """The context of one sync (or check): `raw_config` is the user's own config, where rotated OAuth
        tokens are written (see auth.py), and `config_file` the file they are also saved to (`--update-config`);
        `max_retries`, `token_attempts` and `token_seconds` bound how long a failing request or token refresh is
        retried."""
        return cls(
            config=config,
            authenticator=build_authenticator(config, raw_config, token_attempts, token_seconds, config_file),
            api_budget=build_api_budget(),
            max_retries=max_retries,
            report_jobs=threading.BoundedSemaphore(config.report_jobs_in_flight),
        )

    def shared_holder(self, name: str, fetch: Callable[[], T]) -> SharedValue[T]:
        """The holder of the value `name`, created with `fetch` by whichever stream asks first."""
        holder = self.shared.get(name)
        return holder if holder is not None else self.shared.setdefault(name, SharedValue(fetch))

    def bound(self, name: str, bind: Callable[[], T]) -> T:
        """The sync's stream `name`, bound by `bind` the first time it is asked for."""
        with self.lock:
            found = self.streams.get(name)
            if found is None:
                found = self.streams[name] = bind()
            return found

    def granted_scopes(self) -> Optional[frozenset[str]]:
        """The scopes of the sync's token as Pinterest said them (known once it was refreshed); None: unknown."""
        return granted_scopes(self.authenticator)

    def scope_refused(self, operation: str) -> Callable[[str], None]:
        """What the error policy calls when Pinterest refuses `operation` for lack of a scope (HTTP 401, code 3)."""

        def note(message: str) -> None:
            with self.lock:
                self.scope_refusals.setdefault(operation, message)

        return note

    def will_read(self, stream_name: str) -> bool:
        return self.selected_streams is None or stream_name in self.selected_streams

    def carried(self, response: requests.Response) -> None:
        """Note the connection pool that carried `response` (requests' adapter), to close it when the sync ends."""
        adapter = getattr(response, "connection", None)
        if adapter is not None and id(adapter) not in self.connections:
            with self.lock:
                self.connections[id(adapter)] = adapter

    def close(self) -> None:
        """Close the connections the sync opened: a sync leaves nothing open behind it."""
        with self.lock:
            adapters, self.connections = list(self.connections.values()), {}
        for adapter in adapters:
            adapter.close()
