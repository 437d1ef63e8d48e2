"""The transport every stream shares: `PinterestStream` alone knows the base URL, the authenticator,
bookmark pagination (`page_size=250`), where records sit in a response, and the error policy.

A stream is a declaration: a `path_template` filled from its slice (`"ad_accounts/{ad_account_id}/campaigns"`),
its primary key, extra query parameters, and how it is partitioned.
"""

from __future__ import annotations

import logging
from abc import ABC
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Optional

import requests
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams.core import StreamData
from airbyte_cdk.sources.streams.http import HttpStream
from airbyte_cdk.sources.streams.http.error_handlers import BackoffStrategy, ErrorHandler
from airbyte_cdk.sources.utils.transform import TransformConfig, TypeTransformer
from typing_extensions import override

from source_pinterest_marketing.context import SharedValue, SyncContext
from source_pinterest_marketing.errors import (
    IgnoredError,
    PinterestBackoffStrategy,
    PinterestErrorHandler,
    UnexpectedResponseError,
)
from source_pinterest_marketing.streams.cursor import PartitionedCursor
from source_pinterest_marketing.streams.normalize import Plan, apply_plan, compile_plan
from source_pinterest_marketing.streams.partitions import Partitioner, SinglePartition

MAX_PAGE_SIZE = 250
_UNREAD = object()


class PinterestStream(HttpStream, ABC):
    """Base of every stream. Subclasses declare; they do not re-implement transport."""

    primary_key: ClassVar[Optional[str | list[str]]] = "id"  # type: ignore[misc]
    path_template: ClassVar[str]
    #: bookmark-paginated list (`{items, bookmark}`); False for single objects or `{items}` only
    paginated: ClassVar[bool] = True
    #: where the records are: "items" for lists, None when the body is the record itself
    records_key: ClassVar[Optional[str]] = "items"
    #: answers that mean "nothing here" for this stream, not a failure
    ignored_errors: ClassVar[tuple[IgnoredError, ...]] = ()
    #: how the stream is split into partitions (each one checkpointed when done)
    partitioner: ClassVar[Partitioner] = SinglePartition()
    #: the record's modification time, for client-side incremental reads; None: full refresh only
    incremental_field: ClassVar[Optional[str]] = None
    #: fields other streams use of this stream's records (ids, parents); when set, each partition
    #: is listed once per sync and shared with them (`shared_records`)
    shared_fields: ClassVar[tuple[str, ...]] = ()
    # Records are normalised to their schema by `normalize.py` (nested ids the API sends as
    # numbers), not by the CDK's per-field TypeTransformer, which costs more than the read itself.
    transformer = TypeTransformer(TransformConfig.NoTransform)

    def __init__(self, context: SyncContext) -> None:
        self.context = context
        #: set by the source when the catalog asks for an incremental sync of this stream
        self.incremental_read = False
        self._cursor = (
            PartitionedCursor(self.name, self.incremental_field, self.partitioner.keys)
            if self.incremental_field
            else None
        )
        super().__init__(authenticator=context.authenticator, api_budget=context.api_budget)

    @property
    @override
    def name(self) -> str:
        """Stream names are declared explicitly (`stream_name`) so a class rename never renames a table."""
        return self.stream_name

    stream_name: ClassVar[str]

    @property
    @override
    def cursor_field(self) -> str | list[str]:
        return self.incremental_field or []

    @property
    @override
    def supports_incremental(self) -> bool:
        return self.incremental_field is not None

    @property
    @override
    def is_resumable(self) -> bool:
        # Only incremental streams checkpoint; full-refresh lists are re-read whole (no page cursor).
        return self.supports_incremental

    @property  # type: ignore[override]
    @override
    def state(self) -> MutableMapping[str, Any]:
        return self._cursor.to_state() if self._cursor else {}

    @state.setter
    @override
    def state(self, value: MutableMapping[str, Any]) -> None:
        if self._cursor:
            self._cursor.load(value)

    @override
    def stream_slices(self, **kwargs: Any) -> Iterable[Optional[Mapping[str, Any]]]:
        for stream_slice in self.partitioner.slices(self.context):
            if self._cursor is not None:
                self._cursor.register(stream_slice)
            yield stream_slice

    @property
    @override
    def url_base(self) -> str:
        return f"{self.context.config.api_base_url}/"

    @override
    def path(
        self,
        *,
        stream_state: Optional[Mapping[str, Any]] = None,
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> str:
        return self.path_template.format(**(stream_slice or {}))

    def query_params(self, stream_slice: Mapping[str, Any]) -> MutableMapping[str, Any]:
        """Stream-specific query parameters (filters, statuses); paging is added by the base."""
        return {}

    @override
    def request_params(
        self,
        stream_state: Optional[Mapping[str, Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> MutableMapping[str, Any]:
        params = self.query_params(stream_slice or {})
        if self.paginated:
            params["page_size"] = MAX_PAGE_SIZE
            if next_page_token:
                params["bookmark"] = next_page_token["bookmark"]
        return params

    @override
    def next_page_token(self, response: requests.Response) -> Optional[Mapping[str, Any]]:
        if not self.paginated or not response.ok:
            return None
        # Noted while the page's records were extracted, so the body is not parsed twice.
        bookmark = response.__dict__.get("_pinterest_bookmark", _UNREAD)
        if bookmark is _UNREAD:
            bookmark = self._json(response).get("bookmark")
        return {"bookmark": bookmark} if bookmark else None

    @override
    def parse_response(
        self,
        response: requests.Response,
        *,
        stream_state: Mapping[str, Any],
        stream_slice: Optional[Mapping[str, Any]] = None,
        next_page_token: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Mapping[str, Any]]:
        plan = self._normalization_plan
        for record in self.extract_records(response):
            transformed = self.transform(record, stream_slice or {})
            yield apply_plan(transformed if isinstance(transformed, dict) else dict(transformed), plan) if plan is not None else transformed

    def extract_records(self, response: requests.Response) -> Iterable[Mapping[str, Any]]:
        """The records of one response, checked against the documented shape."""
        if not response.ok:
            # Only answers the error handler chose to IGNORE get here (see `ignored_errors`).
            return []
        if response.status_code == 204 or not response.content:
            raise UnexpectedResponseError(self.name, response.url, f"empty body with HTTP {response.status_code}")
        body = self._json(response)
        if self.records_key is None:
            return [body]
        records = body.get(self.records_key)
        if self.paginated:
            response._pinterest_bookmark = body.get("bookmark")  # type: ignore[attr-defined]
        if not isinstance(records, list):
            raise UnexpectedResponseError(self.name, response.url, f"no '{self.records_key}' list in the body")
        for record in records:
            if type(record) is not dict and not isinstance(record, Mapping):
                raise UnexpectedResponseError(self.name, response.url, f"an item of '{self.records_key}' is not an object")
        return records

    @cached_property
    def _normalization_plan(self) -> Optional[Plan]:
        return compile_plan(self.get_json_schema())

    def transform(self, record: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> Mapping[str, Any]:
        """Per-record hook (add the partition's id, drop a sensitive field); identity by default."""
        return record

    def _json(self, response: requests.Response) -> Mapping[str, Any]:
        try:
            body = response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "unknown content type")
            raise UnexpectedResponseError(self.name, response.url, f"the body is not JSON ({kind})") from None
        if not isinstance(body, Mapping):
            raise UnexpectedResponseError(self.name, response.url, f"expected a JSON object, got {type(body).__name__}")
        return body

    @override
    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: Optional[list[str]] = None,
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[StreamData]:
        # Overriding read_records also opts out of the CDK's resumable-full-refresh page cursor:
        # Pinterest bookmarks are not meant to outlive a sync, partitions are the unit of resumption.
        stream_slice = stream_slice or {}
        cursor = self._cursor
        incremental = self.incremental_read or sync_mode == SyncMode.incremental
        reader = cursor.reader(stream_slice, incremental) if cursor is not None else None
        count = 0
        for record in self._read_pages(
            lambda request, response, state, _slice: self.parse_response(response, stream_slice=_slice, stream_state=state),
            stream_slice,
            stream_state,
        ):
            # (`type(...) is dict` first: an ABC isinstance check costs more than the rest of this line)
            if reader is not None and (type(record) is dict or isinstance(record, Mapping)) and not reader.accept(record):
                continue
            count += 1
            yield record
        if reader is not None:
            reader.close()
        self.context.progress.partition_done(self.name, stream_slice, count)

    @override
    def _read_pages(
        self,
        records_generator_fn: Callable[..., Iterable[Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Any]:
        if not self.shared_fields:
            yield from super()._read_pages(records_generator_fn, stream_slice, stream_state)
            return
        stream_slice = stream_slice or {}
        holder = _shared_holder(self.context, type(self), stream_slice)
        if holder.claim():
            # First to need this partition: stream it out page by page, noting what others need.
            shared: list[Mapping[str, Any]] = []
            try:
                for response in self.responses(stream_slice):
                    records = list(self.parse_response(response, stream_state=stream_state or {}, stream_slice=stream_slice))
                    shared.extend(_projection(type(self), records))
                    yield from records
            except BaseException:
                holder.abandon()
                raise
            holder.publish(SharedPartition(None, shared))
            return
        # Another stream fetched it first and kept its pages for us (as bytes): parse them one at a time.
        partition = holder.get()
        pages, partition.pages = partition.pages, None
        if pages is None:  # already emitted once in this sync: list it again
            pages = list(self.responses(stream_slice))
        while pages:
            yield from self.parse_response(pages.pop(0), stream_state=stream_state or {}, stream_slice=stream_slice)

    def responses(self, stream_slice: Mapping[str, Any]) -> Iterable[requests.Response]:
        """The raw responses of one partition's pages (the HTTP listing, without any stream hook)."""
        yield from HttpStream._read_pages(self, lambda request, response, state, _slice: [response], stream_slice, {})

    @override
    def get_error_handler(self) -> ErrorHandler:
        return PinterestErrorHandler(
            logger=self.logger,
            stream_name=self.name,
            ignored_errors=self.ignored_errors,
            max_retries=self.context.max_retries,
        )

    @override
    def get_backoff_strategy(self) -> BackoffStrategy:
        return PinterestBackoffStrategy(self.name, self.context.config.rate_limit_max_wait_seconds)

    @property
    @override
    def logger(self) -> logging.Logger:
        return logging.getLogger(f"airbyte.{self.name}")


def _shared_name(stream_class: type[PinterestStream], stream_slice: Mapping[str, Any]) -> str:
    return f"{stream_class.stream_name}:{PartitionedCursor.slice_id(stream_slice)}"


@dataclass
class SharedPartition:
    """One partition's list, fetched once per sync: its raw pages, kept (as bytes, not parsed) only
    until the stream itself has emitted them, and what other streams use of each record."""

    pages: Optional[list[requests.Response]]
    shared: list[Mapping[str, Any]]


def _shared_holder(
    context: SyncContext, stream_class: type[PinterestStream], stream_slice: Mapping[str, Any]
) -> SharedValue:
    def fetch() -> SharedPartition:
        stream = stream_class(context)
        keep_pages = context.will_read(stream_class.stream_name)
        pages: list[requests.Response] = []
        shared: list[Mapping[str, Any]] = []
        for response in stream.responses(stream_slice):
            records = stream.parse_response(response, stream_state={}, stream_slice=stream_slice)
            shared.extend(_projection(stream_class, records))
            if keep_pages:
                pages.append(response)
        return SharedPartition(pages if keep_pages else None, shared)

    return context.shared_holder(_shared_name(stream_class, stream_slice), fetch)


def shared_records(
    context: SyncContext, stream_class: type[PinterestStream], stream_slice: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    """The `shared_fields` of every record of one partition of `stream_class`, listed once per sync
    for every stream that needs them."""
    return _shared_holder(context, stream_class, stream_slice).get().shared  # type: ignore[no-any-return]


def _projection(stream_class: type[PinterestStream], records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    fields = stream_class.shared_fields
    return [{field: record.get(field) for field in fields} for record in records]
