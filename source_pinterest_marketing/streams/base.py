"""`PinterestStream`: a declared stream (declaration.py) bound to one sync, and the one read path of every stream.

Reading a slice is, for every family:

1. fetch: the declaration's fetcher requests the slice and shapes its rows into records (pages, a single
   object, streamed analytics rows, a report job's file); a streamed body that breaks on its way (a connection
   reset, a body cut short) has the slice fetched again from its start, with the retries and backoff of a failed
   request (`Sender.retrying`): the records it had given are emitted again, with the same primary keys, and the
   cursor only moves when the slice is read to its end;
2. transform: the declared edits: the slice's ids copied into records that lack them, secrets dropped;
3. normalise: numbers the schema types as strings (ids the API sends as numbers) become strings, and the flags of
   analytics and report rows booleans, whatever their wire form (normalize.py, cheaper than the CDK's per-field
   TypeTransformer); a flag of no known form fails the stream naming the column;
4. filter: the declared record filter (configured statuses), HOUR rows outside a start or end given to the hour,
   then the cursor: an incremental entity read
   keeps what changed since the partition's saved value; every read observes the highest cursor value,
   committed when the slice (and the slices before it) are done (cursor.py).

Only public airbyte-cdk hooks are used: `Stream.read_records`, `stream_slices`, `get_json_schema`, the
`state` property and the descriptive properties.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from functools import cached_property
from typing import Any, Optional

from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams import Stream
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader
from typing_extensions import override

from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import UnexpectedValueError
from source_pinterest_marketing.streams import periods
from source_pinterest_marketing.streams.cursor import CursorKind, PartitionedCursor
from source_pinterest_marketing.streams.declaration import Component, StreamClient, StreamDeclaration
from source_pinterest_marketing.streams.normalize import Plan, UnrecognisedFlag, apply_plan, compile_plan
from source_pinterest_marketing.streams.readiness import last_final_day
from source_pinterest_marketing.streams.windows import as_date

PACKAGE = "source_pinterest_marketing"
#: what the log says when a slice is read again after its body broke
RESTARTED_SLICE = "reading the slice again from its start (its records already emitted come again, same primary keys)"


class PinterestStream(Stream):
    """Every stream of the connector: one class, parametrised by its declaration."""

    def __init__(self, declaration: StreamDeclaration, context: SyncContext) -> None:
        self.declaration = declaration
        self.context = context
        self.client = StreamClient(declaration, context)
        #: the per-partition client-side cursor; None: full refresh only
        self.state_cursor: Optional[PartitionedCursor] = (
            PartitionedCursor(
                declaration.name, declaration.cursor, declaration.partitioner.keys, self.cursor_kind(declaration.cursor)
            )
            if declaration.cursor
            else None
        )

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
        key = self.client.primary_key
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
        return logging.getLogger(f"airbyte.{self.name}")

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
        return hourly_schema(schema) if self.client.granularity == periods.HOUR else schema

    @property
    def state(self) -> MutableMapping[str, Any]:
        return self.state_cursor.to_state() if self.state_cursor else {}

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        if self.state_cursor:
            self.state_cursor.load(value)

    # -- reading ---------------------------------------------------------------------------------
    @override
    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: Optional[list[str]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Optional[Mapping[str, Any]]]:
        """Partitions, or for windowed streams partition x window x batch; each group of slices is
        registered with the cursor before it is read (see cursor.py)."""
        declaration, cursor = self.declaration, self.state_cursor
        windows = self.client.windows
        if cursor is not None and windows is not None and windows.final_days_only:
            final = last_final_day(self.context)
            if final is not None:
                cursor.hold_at(final.isoformat())
        for partition in declaration.partitioner.partitions(self.context):
            if windows is None:
                groups: Iterable[Sequence[Mapping[str, Any]]] = [[partition]]
            else:
                saved = cursor.saved_value(partition) if cursor and sync_mode == SyncMode.incremental else None
                groups = windows.groups(self.name, self.context, partition, as_date(saved))
            for group in groups:
                if cursor is not None:
                    cursor.register(group)
                yield from group

    @override
    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: Optional[list[str]] = None,
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Mapping[str, Any]]:
        """Fetch → transform → normalise → filter (see the module docstring)."""
        stream_slice = stream_slice or {}
        declaration = self.declaration
        # Windowed streams bound their requests by date and re-read the lookback on purpose: their
        # cursor only observes; entity lists keep, on an incremental read, what changed since the cursor.
        filtering = sync_mode == SyncMode.incremental and declaration.windows is None
        reader = self.state_cursor.reader(stream_slice, filtering) if self.state_cursor else None
        keep = declaration.keep.compile(self.context.config, stream_slice) if declaration.keep else None
        first_hour, last_hour = self.hour_bounds
        plan = self.normalization_plan
        added = [(name, stream_slice[name]) for name in declaration.slice_fields if name in stream_slice]
        dropped = declaration.dropped_fields
        count = 0
        fetched = self.context.sender.retrying(
            self.name,
            lambda: declaration.fetcher.records(self.client, stream_slice),
            again=RESTARTED_SLICE,
        )
        for record in fetched:
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
            if reader is not None and not reader.accept(record):
                continue
            count += 1
            yield record
        if reader is not None:
            reader.close()
        self.context.progress.partition_done(self.name, stream_slice, count)

    @cached_property
    def hour_bounds(self) -> tuple[Optional[str], Optional[str]]:
        """HOUR rows: the first and last hour to emit, where the start or end was a date-time (windows.py)."""
        windows = self.client.windows
        if windows is None or windows.granularity != periods.HOUR:
            return None, None
        return windows.hour_bounds(self.context.config)

    @cached_property
    def normalization_plan(self) -> Optional[Plan]:
        """Where numbers become strings in this stream's records, and (rows of the connector's own schemas: the
        column table's flags) where flags become booleans; None: nowhere."""
        return compile_plan(self.json_schema, flags=not isinstance(self.declaration.schema, Component))


#: the period fields of windowed streams: days, except at HOUR granularity (a day and an hour)
PERIOD_FIELDS = ("date", "period_start", "period_end", "DATE")


def hourly_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema of rows at HOUR granularity: their period fields hold a day and an hour, no longer a `date`."""
    properties = dict(schema.get("properties") or {})
    for name in PERIOD_FIELDS:
        if name in properties:
            properties[name] = {key: value for key, value in properties[name].items() if key != "format"}
    return {**schema, "properties": properties}
