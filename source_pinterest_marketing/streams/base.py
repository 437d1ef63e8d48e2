"""`PinterestStream`: a declared stream (declaration.py) bound to one sync, an airbyte-cdk `HttpStream`. It is the one
object that binds a declaration to a sync (`bound_stream`: one per stream and sync).

The CDK's page loop (the inherited `HttpStream.read_records`) reads a slice, through the public hooks:

- `url_base`, `path`, `request_params`, `request_body_json`, `request_kwargs`: the page's `Request`, built by the
  declaration's fetcher from the slice and the page token (`declaration.build_request`: the probe sends the same);
  `request_kwargs` carries the timeouts and, for analytics, `stream=True` (the body is parsed as it arrives);
- `parse_response`: the fetcher reads the answer (a page of items, a single object, streamed analytics rows), then
  the records are made what the sync emits:
  1. transform: the declared edits: the slice's ids copied into records that lack them, secrets dropped;
  2. normalise: numbers the schema types as strings (ids the API sends as numbers) become strings, and the flags of
     analytics and report rows booleans, whatever their wire form (normalize.py, cheaper than the CDK's per-field
     TypeTransformer); a flag of no known form fails the stream naming the column;
  3. filter: the declared record filter (configured statuses), HOUR rows outside a start or end given to the hour.
  The cursor's own filter (an incremental entity read keeps what changed since the partition's saved value) is the
  cursor's `should_be_synced` (cursor.py, applied by concurrency.py);
- `next_page_token`: what the fetcher found the next request to be (a bookmark, a straddling period, the next
  variant of a Pin batch), noted for the answer it read (`NextPages`);
- `get_error_handler`, `get_backoff_strategy`: the one error policy (errors.py) with the stream's ignored answers,
  the backoff; the sync's authenticator and API budget are given to the CDK's `HttpClient` of each stream.

A slice is read with `read_slice`: the page loop, again from the slice's start when a streamed body breaks on its way
(a connection reset, a body cut short: `transport.retrying`, with the retries and backoff of a failed request; the
records it had given are emitted again, with the same primary keys, and the cursor only moves when the slice is read
to its end), failures in the connector's words (cdk_output.py). A slice whose read is not a sequence of pages (a
report job: create, poll, download) overrides `read_records` (jobs.AsyncJobStream).

Lists read once per sync (`fetchers.SharedList`: campaigns, ad groups, ads, boards... whose ids other streams need):
the owner's read streams the list out and publishes what others use of each record; a stream that needs it first
lists it through the owner (its page loop, its error policy), keeping the raw answers (bytes) for the owner, whose
read then feeds them to its own `parse_response`, without asking again. A list that could not be read fails every
stream that needs it with one error naming the list (`SharedListFailed`, remembered by `context.SharedValue`).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Generator, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, Optional

import requests
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.sources.streams.checkpoint import Cursor as CheckpointCursor
from airbyte_cdk.sources.streams.http import HttpStream
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from typing_extensions import override

from source_pinterest_marketing.cdk_output import in_own_words
from source_pinterest_marketing.context import SharedValue, SyncContext
from source_pinterest_marketing.errors import (
    PinterestBackoffStrategy,
    PinterestErrorHandler,
    UnexpectedValueError,
    config_error,
)
from source_pinterest_marketing.streams import periods
from source_pinterest_marketing.streams.cursor import CursorKind, PartitionedCursor
from source_pinterest_marketing.streams.declaration import (
    Component,
    RequestContext,
    SliceRead,
    StreamDeclaration,
    UnignoredAnswer,
)
from source_pinterest_marketing.streams.fetchers import SharedList, SharedListFailed, SharedPartition
from source_pinterest_marketing.streams.normalize import Plan, UnrecognisedFlag, apply_plan, compile_plan
from source_pinterest_marketing.streams.readiness import METRICS_READY_STATE, last_final_day
from source_pinterest_marketing.streams.types import Given, Record, Slice, Token
from source_pinterest_marketing.streams.windows import as_date
from source_pinterest_marketing.transport import Request, retrying

PACKAGE = "source_pinterest_marketing"
#: what the log says when a slice is read again after its body broke
RESTARTED_SLICE = "reading the slice again from its start (its records already emitted come again, same primary keys)"
#: the key of a slice's `extra_fields` that holds its reading (`SliceRead`)
READ = "read"


class NextPages:
    """The next page's token of each answer read, noted by `parse_response` and taken by `next_page_token` (the CDK
    asks for it with the answer alone). Thread-safe: a stream's slices are read on several threads at once."""

    def __init__(self) -> None:
        self.tokens: weakref.WeakKeyDictionary[requests.Response, Optional[Token]] = weakref.WeakKeyDictionary()
        self.lock = threading.Lock()

    def note(self, response: requests.Response, token: Optional[Token]) -> None:
        with self.lock:
            self.tokens[response] = token

    def take(self, response: requests.Response) -> Optional[Token]:
        with self.lock:
            return self.tokens.pop(response, None)


@dataclass
class Shared:
    """What one read of a list other streams need gathers for them (see the module docstring): what they use of
    each record, and, when the read is theirs (`emits` False), the raw answers kept for the owner (None: the owner
    does not read in this sync)."""

    emits: bool
    projected: list[Record]
    answers: Optional[list[requests.Response]]

    def restart(self) -> None:
        """The slice is read again from its start."""
        self.projected.clear()
        if self.answers is not None:
            self.answers.clear()


def slice_read(stream_slice: Optional[Mapping[str, Any]]) -> SliceRead:
    """The reading a slice given to the CDK's page loop carries (`PinterestStream.reading`)."""
    read = stream_slice.extra_fields.get(READ) if isinstance(stream_slice, StreamSlice) else None
    if not isinstance(read, SliceRead):
        raise TypeError("a slice is read with PinterestStream.read_slice (its reading holds what its pages share)")
    return read


class PinterestStream(HttpStream):
    """Every stream of the connector: one class, parametrised by its declaration (async jobs: `jobs.AsyncJobStream`)."""

    def __init__(self, declaration: StreamDeclaration, context: SyncContext) -> None:
        # HttpStream builds its HttpClient in __init__, asking for the name, the logger, the error handler and the
        # backoff strategy: everything they need is set first.
        self.declaration = declaration
        self.context = context
        self.fetcher = declaration.fetcher
        self.request_context = RequestContext.of(declaration, context.config)
        self.error_handler = PinterestErrorHandler(
            logger=self.logger,
            stream_name=declaration.name,
            ignored_errors=declaration.ignored_errors,
            ignorable=self.fetcher.ignorable,
            max_retries=context.max_retries,
            invalidate_token=getattr(context.authenticator, "invalidate", None),
            check_bodies=not self.fetcher.streamed,
            operation=declaration.operation,
            on_missing_scope=context.scope_refused(declaration.operation),
        )
        self.backoff_strategy = PinterestBackoffStrategy(declaration.name, context.config.rate_limit_max_wait_seconds)
        self.next_pages = NextPages()
        #: the per-partition client-side cursor (the CDK's concurrent `Cursor`); None: full refresh only
        self.partitioned_cursor: Optional[PartitionedCursor] = (
            PartitionedCursor(
                declaration.name,
                declaration.cursor,
                declaration.partitioner.keys,
                self.cursor_kind(declaration.cursor),
                filters_records=declaration.windows is None,
            )
            if declaration.cursor
            else None
        )
        super().__init__(authenticator=context.authenticator, api_budget=context.api_budget)

    def cursor_kind(self, field: str) -> CursorKind:
        """What the cursor's values are: a windowed stream's `date` is a day; an entity's, as its schema types it."""
        if self.declaration.windows is not None:
            return CursorKind.DAY
        return CursorKind.typed_as(self.json_schema.get("properties", {}).get(field, {}))

    # -- what the stream is ----------------------------------------------------------------------
    @property
    @override
    def name(self) -> str:
        return self.declaration.name

    @property
    @override
    def primary_key(self) -> Optional[str | list[str]]:
        key = self.declaration.key(self.context.config)
        if self.request_context.granularity == periods.TOTAL and "period_end" not in key and "date" in key:
            # a TOTAL row's period is its fixed window, so `period_end` joins `date` in the key
            at = key.index("date") + 1
            key = (*key[:at], "period_end", *key[at:])
        return key[0] if len(key) == 1 else list(key)

    @property
    @override
    def cursor_field(self) -> str | list[str]:
        return self.declaration.cursor or []

    @property
    @override
    def supports_incremental(self) -> bool:
        return self.declaration.cursor is not None

    @property
    @override
    def is_resumable(self) -> bool:
        # Only incremental streams checkpoint; full-refresh lists are re-read whole (no page cursor):
        # Pinterest bookmarks are not meant to outlive a sync, partitions are the unit of resumption.
        return self.supports_incremental

    @property
    @override
    def logger(self) -> logging.Logger:
        return logging.getLogger(f"airbyte.{self.declaration.name}")

    @override
    def get_json_schema(self) -> Mapping[str, Any]:  # type: ignore[override]  # the CDK's is an lru_cache wrapper
        return self.json_schema

    @cached_property
    def json_schema(self) -> Mapping[str, Any]:
        declared = self.declaration.schema
        if self.declaration.bundled_schema or isinstance(declared, Component):
            schema = ResourceSchemaLoader(PACKAGE).get_schema(self.name)
        else:
            schema = declared.build(self.declaration)
        return hourly_schema(schema) if self.request_context.granularity == periods.HOUR else schema

    @override
    def get_cursor(self) -> Optional[CheckpointCursor]:
        """No legacy checkpoint cursor (the CDK would read full-refresh streams one page a slice with one): the state
        is the concurrent `PartitionedCursor`'s (cursor.py, concurrency.py)."""
        return None

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self.partitioned_cursor.to_state() if self.partitioned_cursor else {}

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        if self.partitioned_cursor:
            self.partitioned_cursor.load(value)

    # -- the HttpStream hooks: the request of a page ----------------------------------------------
    @property
    @override
    def url_base(self) -> str:
        return self.context.config.api_base_url.rstrip("/") + "/"

    def request_for(self, stream_slice: Given, token: Optional[Token]) -> Request:
        """The request of the page `token` of the slice (built once: the CDK asks each hook in turn)."""
        read = slice_read(stream_slice)
        if read.request is None or read.request[0] is not token:
            read.request = (token, self.fetcher.request(self.request_context, read.stream_slice, token))
        return read.request[1]

    # The CDK passes the state, the slice (with its reading) and the page token to each hook by keyword.
    @override
    def path(self, *, stream_state: Given = None, stream_slice: Given = None, next_page_token: Given = None) -> str:
        return self.request_for(stream_slice, next_page_token).path

    @override
    def request_params(
        self, stream_state: Given, stream_slice: Given = None, next_page_token: Given = None
    ) -> MutableMapping[str, Any]:
        return dict(self.request_for(stream_slice, next_page_token).params)

    @override
    def request_body_json(self, stream_state: Given, stream_slice: Given = None, next_page_token: Given = None) -> Given:
        return self.request_for(stream_slice, next_page_token).body

    @override
    def request_kwargs(
        self, stream_state: Given, stream_slice: Given = None, next_page_token: Given = None
    ) -> Mapping[str, Any]:
        """The timeouts, and for a streamed body (analytics) `stream`: the CDK's HttpClient passes them to requests."""
        return self.request_for(stream_slice, next_page_token).kwargs

    @override
    def get_error_handler(self) -> Optional[ErrorHandler]:
        return self.error_handler

    @override
    def get_backoff_strategy(self) -> Optional[BackoffStrategy]:
        return self.backoff_strategy

    # -- the HttpStream hooks: an answer ----------------------------------------------------------
    @override
    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        return self.next_pages.take(response)

    @override
    def parse_response(
        self,
        response: requests.Response,
        *,
        stream_state: Mapping[str, Any],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Mapping[str, Any]]:
        """The records of one answer (see the module docstring)."""
        read = slice_read(stream_slice)
        self.context.carried(response)
        try:
            records = self.fetcher.parse(self.request_context, response, read)
            shared: Optional[Shared] = read.shared
            if shared is not None and not shared.emits:
                # another stream's read of this list: what it uses, and the answer kept for this stream
                shared.projected.extend(self.shared_list.project(records))
                if shared.answers is not None:
                    shared.answers.append(response)
            else:
                if shared is not None:
                    records = list(records)
                    shared.projected.extend(self.shared_list.project(records))
                yield from self.emitted(records, read)
        except UnignoredAnswer as unignored:
            raise self.error_handler.failure(unignored.response) from None
        self.next_pages.note(response, read.next)

    def emitted(self, records: Iterable[Record], read: SliceRead) -> Iterator[Record]:
        """Records as the sync emits them: transformed, normalised, filtered (see the module docstring)."""
        declaration = self.declaration
        stream_slice = read.stream_slice
        added = [(name, stream_slice[name]) for name in declaration.slice_fields if name in stream_slice]
        dropped = declaration.dropped_fields
        plan = self.normalization_plan
        keep = read.keep
        first_hour, last_hour = self.hour_bounds
        for record in records:
            for name, value in added:
                if record.get(name) is None:
                    record[name] = value
            for name in dropped:
                record.pop(name, None)
            if plan is not None:
                try:
                    apply_plan(record, plan)
                except UnrecognisedFlag as error:
                    raise UnexpectedValueError(self.name, error.field, error.value) from None
            if keep is not None and not keep(record):
                continue
            if (first_hour and str(record.get("period_start")) < first_hour) or (
                last_hour and str(record.get("period_start")) > last_hour
            ):
                continue
            yield record

    @cached_property
    def hour_bounds(self) -> tuple[Optional[str], Optional[str]]:
        """HOUR rows: the first and last hour to emit, where the start or end was a date-time (windows.py)."""
        windows = self.request_context.windows
        if windows is None or windows.granularity != periods.HOUR:
            return None, None
        return windows.hour_bounds(self.context.config)

    @cached_property
    def normalization_plan(self) -> Optional[Plan]:
        """Where numbers become strings in this stream's records, and (rows of the connector's own schemas: the
        column table's flags) where flags become booleans; None: nowhere."""
        return compile_plan(self.json_schema, flags=not isinstance(self.declaration.schema, Component))

    # -- slices ------------------------------------------------------------------------------------
    @override
    def stream_slices(
        self, *, sync_mode: SyncMode, cursor_field: Optional[list[str]] = None, stream_state: Given = None
    ) -> Iterable[Given]:
        """Partitions, or for windowed streams partition x window x batch, as the CDK's `StreamSlice` (its partition:
        what the state is kept per); each group of slices is registered with the cursor before it is read (see
        cursor.py)."""
        declaration, cursor = self.declaration, self.partitioned_cursor
        if declaration.switched_off(self.context.config):
            self.logger.warning(
                "Stream %s is selected but reads nothing: its opt-in setting `%s` is off (turn it on to read it)",
                self.name,
                declaration.opt_in,
            )
            return
        windows = self.request_context.windows
        if cursor is not None and windows is not None and windows.final_days_only:
            final = last_final_day(self.context, self.ready_state)
            if final is not None:
                cursor.hold_at(final.isoformat())
        keys = declaration.partitioner.keys
        for partition in declaration.partitioner.partitions(self.context):
            if windows is None:
                groups: Iterable[Sequence[Mapping[str, Any]]] = [[partition]]
            else:
                saved = cursor.saved_value(partition) if cursor and sync_mode == SyncMode.incremental else None
                groups = windows.groups(self.name, self.context, partition, as_date(saved))
            for group in groups:
                if cursor is not None:
                    cursor.register(group)
                for stream_slice in group:
                    yield StreamSlice(
                        partition={key: stream_slice[key] for key in keys if key in stream_slice},
                        cursor_slice={key: value for key, value in stream_slice.items() if key not in keys},
                    )

    def ready_state(self, day: date) -> tuple[Optional[Mapping[str, Any]], Optional[int]]:
        """Pinterest's word on whether `day`'s metrics are final (readiness.py), and the HTTP status of its answer."""
        stream = bound_stream(self.context, METRICS_READY_STATE)
        found = list(stream.records({"date": day.isoformat()}))
        return (found[0] if found else None), stream.error_handler.last_status()

    # -- reading a slice ---------------------------------------------------------------------------
    def reading(self, stream_slice: Slice, shared: Optional[Shared] = None) -> StreamSlice:
        """The slice as the CDK's page loop is given it: a fresh reading (`SliceRead`) in its extra fields."""
        base = stream_slice if isinstance(stream_slice, StreamSlice) else StreamSlice(partition={}, cursor_slice=stream_slice)
        keep = self.declaration.keep.compile(self.context.config, stream_slice) if self.declaration.keep else None
        read = SliceRead(stream_slice, self.fetcher.start(self.request_context, stream_slice), keep)
        read.shared = shared
        return StreamSlice(partition=base.partition, cursor_slice=base.cursor_slice, extra_fields={READ: read})

    def read_slice(self, stream_slice: Slice) -> Generator[Mapping[str, Any], None, None]:
        """The records of one slice, as the sync emits them (a list other streams need: shared, see the module
        docstring)."""
        if isinstance(self.fetcher, SharedList):
            return self.owned_list(stream_slice)
        return self.records(stream_slice)

    def records(self, stream_slice: Slice, shared: Optional[Shared] = None) -> Generator[Mapping[str, Any], None, None]:
        """The records of one slice through the CDK's page loop (the inherited `read_records`), again from the slice's
        start when a streamed body breaks; failures in the connector's words."""
        rejection = getattr(self.context.authenticator, "rejection", None)
        if rejection is not None:
            raise rejection  # Pinterest already refused the grant: no request would get through
        refused = self.context.scope_refusals.get(self.declaration.operation)
        if refused is not None:
            raise config_error(refused)  # the token lacks a scope of this operation: no request would get through

        def read() -> Iterable[Mapping[str, Any]]:
            if shared is not None:
                shared.restart()
            return self.read_records(SyncMode.full_refresh, stream_slice=self.reading(stream_slice, shared))  # type: ignore[return-value]

        try:
            yield from retrying(self.name, read, RESTARTED_SLICE, self.context.max_retries, self.backoff_strategy)
        except AirbyteTracedException as error:
            raise in_own_words(self.name, error, self.error_handler.last_problem(), self.context.max_retries) from None

    # -- lists read once per sync -------------------------------------------------------------------
    @property
    def shared_list(self) -> SharedList:
        if not isinstance(self.fetcher, SharedList):
            raise TypeError(f"stream {self.name} is not listed once per sync (its fetcher is no SharedList)")
        return self.fetcher

    def shared_holder(self, stream_slice: Slice) -> SharedValue[SharedPartition]:
        return self.context.shared_holder(
            f"{self.name}:{PartitionedCursor.slice_id(stream_slice)}", lambda: self.list_for_others(stream_slice)
        )

    def shared(self, stream_slice: Slice) -> list[Record]:
        """What other streams use of every record of one partition of this list, listed once per sync."""
        self.shared_list  # noqa: B018 - a stream that is not listed once fails here, naming itself
        return self.shared_holder(stream_slice).get().shared

    def owned_list(self, stream_slice: Slice) -> Generator[Mapping[str, Any], None, None]:
        """The owner's read of one partition of its list: streamed out, what others use published; or, when another
        stream listed it first, its kept answers parsed here (no request)."""
        holder = self.shared_holder(stream_slice)
        if holder.claim():
            shared = Shared(emits=True, projected=[], answers=None)
            try:
                yield from self.records(stream_slice, shared)
            except BaseException:
                holder.abandon()
                raise
            holder.publish(SharedPartition(None, shared.projected))
            return
        partition = holder.get()
        kept, partition.answers = partition.answers, None
        if kept is None:  # already emitted once in this sync: list it again
            yield from self.records(stream_slice)
            return
        reading = self.reading(stream_slice)
        while kept:
            yield from self.parse_response(kept.pop(0), stream_state={}, stream_slice=reading)

    def list_for_others(self, stream_slice: Slice) -> SharedPartition:
        """One partition of this list read for the other streams that need it (once per sync): what they use of each
        record, and, when this stream reads in this sync, its answers kept (as bytes) for its own read."""
        shared = Shared(emits=False, projected=[], answers=[] if self.context.will_read(self.name) else None)
        try:
            for _ in self.records(stream_slice, shared):
                pass
        except AirbyteTracedException as error:
            if error.failure_type == FailureType.config_error:
                raise  # it names the account or the token already, in the same words for every stream
            raise SharedListFailed(self.name, stream_slice, error) from None
        return SharedPartition(shared.answers, shared.projected)


def bound_stream(context: SyncContext, declaration: StreamDeclaration) -> PinterestStream:
    """The sync's stream of `declaration`: bound once (as its `stream_class`, else `PinterestStream`), then the same."""

    def bind() -> PinterestStream:
        stream = (declaration.stream_class or PinterestStream)(declaration, context)
        if not isinstance(stream, PinterestStream):
            raise TypeError(f"stream {declaration.name}: {declaration.stream_class} is no PinterestStream")
        return stream

    stream = context.bound(declaration.name, bind)
    if not isinstance(stream, PinterestStream):
        raise TypeError(f"stream {declaration.name} is bound to a {type(stream).__name__}")
    return stream


def shared_records(context: SyncContext, declaration: StreamDeclaration, stream_slice: Slice) -> list[Record]:
    """What other streams use of every record of one partition of `declaration` (a `SharedList`), listed
    once per sync for every stream that needs it."""
    return bound_stream(context, declaration).shared(stream_slice)


#: the period fields of windowed streams: days, except at HOUR granularity (a day and an hour)
PERIOD_FIELDS = ("date", "period_start", "period_end", "DATE")


def hourly_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema of rows at HOUR granularity: their period fields hold a day and an hour, no longer a `date`."""
    properties = dict(schema.get("properties") or {})
    for name in PERIOD_FIELDS:
        if name in properties:
            properties[name] = {key: value for key, value in properties[name].items() if key != "format"}
    return {**schema, "properties": properties}
