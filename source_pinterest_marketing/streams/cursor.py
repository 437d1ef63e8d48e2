"""Client-side incremental cursor with one value per partition.

Pinterest's entity lists have no "modified since" filter (docs/dev/API-NOTES.md#entity-lists-no-modified-since-filter), so
incremental entity streams read the whole list and keep the records whose cursor is at or after the
partition's saved value; windowed streams (analytics, reports) bound their requests by date instead and
only observe the `date` of their rows. State uses the CDK's partitioned shape:

    {"states": [{"partition": {"ad_account_id": "1"}, "cursor": {"updated_time": 1700000000}}]}

and, for a stream with a single partition, the flat `{"updated_at": "..."}`. A partition's value only
advances when what it covers has been read to the end, so a sync interrupted mid-partition re-reads
that part and loses nothing.

A partition may be read as several slices (an account's date windows and their batches), several at once
on concurrent workers. Slices are registered in groups (a window and its batches), in the order they are
generated, and a partition's value advances only over the prefix of its groups whose slices are all done:
a slice finished early never moves the cursor past a slice of its own or an earlier window that is still
being read.

`PartitionedCursor` is airbyte-cdk's concurrent `Cursor`, and state flows one way through it: the CDK's partition
reader calls `observe` with each record it emitted (records carry their slice), then `close_partition` when the slice
was read to its end, in the worker thread; the cursor advances the slice's partition (over its finished groups) and
emits the stream's state, after the records it covers (one queue: concurrency.py). An incremental entity read keeps
only what changed since the partition's saved value: `should_be_synced`.
"""

from __future__ import annotations

import enum
import json
import logging
import math
import re
import threading
from collections import deque
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Optional

from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.message import MessageRepository
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.types import Record
from airbyte_cdk.utils.datetime_helpers import ab_datetime_parse
from typing_extensions import override

from source_pinterest_marketing.clock import unix_now
from source_pinterest_marketing.errors import PinterestError

PartitionKey = tuple[tuple[str, str], ...]
#: distinct string cursor values a slice reader remembers parsed (bounded memory)
PARSED_VALUES_KEPT = 1_024
#: how far after now a saved cursor may be (clocks differ; Pinterest's day may have begun before ours)
FUTURE_TOLERANCE_SECONDS = 86_400
#: the earliest saved cursor value used: nothing the API serves is older, and a date-windowed stream subtracts its
#: lookback from the saved day (a year-1 day would overflow)
EARLIEST_CURSOR = datetime(1970, 1, 1, tzinfo=UTC)
#: a `date` cursor: a day, or a day and a time whose day counts (an HOUR row's `2025-01-05 13:00:00`)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T].*)?")
_UNPARSED: Any = object()
logger = logging.getLogger("airbyte")


def comparable(value: Any) -> Optional[float]:
    """Cursor values as numbers: epoch numbers as they are, ISO dates and date-times as epoch seconds; None for
    anything else (NaN and infinities too: no value compares with them)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)  # fast path: what Pinterest sends
        except ValueError:
            try:
                parsed = ab_datetime_parse(value)
            except ValueError:
                return None
        try:
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
        except (OverflowError, ValueError):
            return None
    return None


class CursorKind(enum.Enum):
    """What a stream's saved cursor values are, as its records carry them (a saved value is one of them)."""

    #: Unix seconds (`updated_time` of ad entities)
    EPOCH_SECONDS = "a number of seconds since 1970-01-01 (Unix time)"
    #: an ISO-8601 date-time string (`updated_at` of catalogs)
    DATE_TIME = "an ISO-8601 date-time string"
    #: the `date` of a date-windowed stream (analytics, reports): a day, which the windows start from
    DAY = "a day (YYYY-MM-DD)"

    @classmethod
    def typed_as(cls, field_schema: Mapping[str, Any]) -> CursorKind:
        """The kind of an entity stream's cursor, as its field's JSON schema types it."""
        types = field_schema.get("type")
        types = types if isinstance(types, list) else [types]
        return cls.EPOCH_SECONDS if "integer" in types or "number" in types else cls.DATE_TIME

    def holds(self, value: Any) -> bool:
        """Whether `value` is a value of this kind (a comparable one: see `comparable`)."""
        if self is CursorKind.EPOCH_SECONDS:
            return isinstance(value, (int, float)) and comparable(value) is not None
        if not isinstance(value, str) or comparable(value) is None:
            return False
        if self is CursorKind.DAY:
            if _DAY.fullmatch(value) is None:
                return False
            try:
                date.fromisoformat(value[:10])
            except ValueError:
                return False
        return True


class StateError(PinterestError):
    """A saved state the connector cannot use (a config error: the user resets the stream)."""

    def __init__(self, stream: str, problem: str) -> None:
        message = (
            f"The saved state of stream '{stream}' cannot be used: {problem}. "
            "Fix that value in the state, or reset the stream (clear its state) to read it from scratch."
        )
        super().__init__(message, FailureType.config_error)


class PartitionedCursor(Cursor):
    """The per-partition cursor of one stream (see the module docstring). `filters_records`: an entity stream's
    (its incremental read keeps what changed since the saved value); a windowed stream bounds its requests by date
    and only observes."""

    def __init__(
        self, stream: str, field: str, partition_keys: tuple[str, ...], kind: CursorKind, filters_records: bool = False
    ) -> None:
        self.stream = stream
        self.field = field
        self.partition_keys = partition_keys
        #: what a saved value must be: every one is checked when the state is loaded, before anything is read
        self.kind = kind
        self.filters_records = filters_records
        self._saved: dict[PartitionKey, Any] = {}
        #: a state migrated from the older global shape: the cursor of every partition not saved since
        self._default: Any = None
        #: per partition, its registered groups in generation order (each: its slices not yet done)
        self._open: dict[PartitionKey, deque[_Group]] = {}
        #: the group of each registered slice not yet done
        self._group_of: dict[str, _Group] = {}
        #: the value the cursor never passes (the last day whose metrics are final), and the partitions held at it
        self._ceiling: Optional[tuple[float, Any]] = None
        self._held: set[PartitionKey] = set()
        #: the slices being read (by the identity of the slice their records carry)
        self._readings: dict[int, SliceReading] = {}
        self._lock = threading.Lock()
        #: where the state goes (`emit_to`); None: nowhere (a full-refresh read, a check)
        self._output: Optional[tuple[ConnectorStateManager, MessageRepository]] = None

    def emit_to(self, state_manager: ConnectorStateManager, message_repository: MessageRepository) -> None:
        """Emit the stream's state through `message_repository` each time a partition is closed."""
        self._output = (state_manager, message_repository)

    # -- airbyte-cdk's concurrent Cursor ----------------------------------------------------------
    @property
    @override
    def state(self) -> MutableMapping[str, Any]:
        return self.to_state()

    @override
    def should_be_synced(self, record: Record) -> bool:
        """Whether an incremental entity read emits the record: its cursor value is at or after its partition's saved
        one. The comparison is inclusive: an entity changed in the same second as the saved cursor is emitted again
        rather than risk missing it (dedup by primary key absorbs it)."""
        if not self.filters_records:
            return True
        return self._reading(record.associated_slice).newer(record.data)

    @override
    def observe(self, record: Record) -> None:
        """An emitted record: its cursor value counts for its slice's partition once the slice is closed."""
        self._reading(record.associated_slice).observe(record.data)

    @override
    def close_partition(self, partition: Partition) -> None:
        """The slice was read to its end: advance its partition over every finished group in order; emit the state."""
        stream_slice = partition.to_slice()  # (an empty slice is falsy: the one of a single partition)
        with self._lock:
            reading = self._readings.pop(id(stream_slice), None)
        self.close_slice(stream_slice if stream_slice is not None else {}, reading.highest if reading else None)
        self.emit()

    @override
    def ensure_at_least_one_state_emitted(self) -> None:
        self.emit()

    def emit(self) -> None:
        if self._output is None:
            return
        state_manager, message_repository = self._output
        state_manager.update_state_for_stream(self.stream, None, self.to_state())
        message_repository.emit_message(state_manager.create_state_message(self.stream, None))

    def _reading(self, stream_slice: Optional[Mapping[str, Any]]) -> SliceReading:
        key = id(stream_slice)
        reading = self._readings.get(key)
        if reading is None:
            with self._lock:
                reading = self._readings.get(key)
                if reading is None:
                    saved = comparable(self.saved_value(stream_slice or {})) if self.filters_records else None
                    reading = self._readings[key] = SliceReading(self.field, stream_slice, saved)
        return reading

    def key(self, stream_slice: Mapping[str, Any]) -> PartitionKey:
        return tuple((name, str(stream_slice[name])) for name in self.partition_keys)

    @staticmethod
    def slice_id(stream_slice: Mapping[str, Any]) -> str:
        return json.dumps(dict(stream_slice), sort_keys=True, default=str)

    def hold_at(self, value: str) -> None:
        """Never advance a partition past `value` (a day whose metrics are final): the days after it are
        read again next sync."""
        number = comparable(value)
        if number is not None:
            self._ceiling = (number, value)

    def register(self, group: Sequence[Mapping[str, Any]]) -> None:
        """Slices were generated (a window and its batches, or one slice): their partition cannot advance
        past them until every one of them is done."""
        if not group:
            return
        entry = _Group({self.slice_id(stream_slice) for stream_slice in group})
        with self._lock:
            self._open.setdefault(self.key(group[0]), deque()).append(entry)
            for slice_id in entry.waiting:
                self._group_of[slice_id] = entry

    # -- state in and out -------------------------------------------------------------------
    def load(self, state: Optional[Mapping[str, Any]]) -> None:
        if not state:
            return
        if not isinstance(state, Mapping):
            raise StateError(self.stream, f"expected an object, got {type(state).__name__}")
        if not self.partition_keys:
            if self.field in state:
                self._saved[()] = self._checked(state[self.field])
            return
        entries = state.get("states")
        if entries is None and self.field in state:
            # The older, global shape ({"updated_time": ...}): it applies to every partition.
            self._default = self._checked(state[self.field])
            logger.info(
                "Stream %s: state in the older global shape; its cursor %r applies to every %s",
                self.stream, self._default, "/".join(self.partition_keys),
            )
            return
        if entries is None:
            raise StateError(self.stream, f"expected per-partition state {{'states': [...]}}, got keys {sorted(state)}")
        if not isinstance(entries, list):
            raise StateError(self.stream, "'states' is not a list")
        fallback = state.get("state")
        if isinstance(fallback, Mapping) and self.field in fallback:
            self._default = self._checked(fallback[self.field])
        for entry in entries:
            partition = entry.get("partition") if isinstance(entry, Mapping) else None
            cursor = entry.get("cursor") if isinstance(entry, Mapping) else None
            if not isinstance(partition, Mapping) or not isinstance(cursor, Mapping):
                raise StateError(self.stream, f"malformed entry {json.dumps(entry, default=str)[:200]}")
            if any(name not in partition for name in self.partition_keys):
                raise StateError(self.stream, f"partition {dict(partition)} lacks {list(self.partition_keys)}")
            if self.field in cursor:
                self._saved[self.key(partition)] = self._checked(cursor[self.field])

    def _checked(self, value: Any) -> Any:
        described = f"cursor value {json.dumps(value, default=str)} of '{self.field}'"
        number = comparable(value) if self.kind.holds(value) else None
        if number is None:
            raise StateError(self.stream, f"{described} is not {self.kind.value}")
        if number < EARLIEST_CURSOR.timestamp():
            raise StateError(self.stream, f"{described} is before {EARLIEST_CURSOR.date()}")
        if number > unix_now() + FUTURE_TOLERANCE_SECONDS:
            # a cursor after today would hold the stream still (nothing is newer) and be saved back as it is
            raise StateError(self.stream, f"{described} is in the future")
        return value

    def to_state(self) -> dict[str, Any]:
        with self._lock:
            saved = dict(self._saved)
        if not self.partition_keys:
            return {self.field: saved[()]} if () in saved else {}
        state: dict[str, Any] = {
            "states": [
                {"partition": dict(key), "cursor": {self.field: value}}
                for key, value in sorted(saved.items())
            ]
        }
        if self._default is not None:
            # Partitions not read since a migration from the global shape keep its cursor.
            state["state"] = {self.field: self._default}
        return state

    def saved_value(self, stream_slice: Mapping[str, Any]) -> Any:
        return self._saved.get(self.key(stream_slice), self._default)

    # -- reading ------------------------------------------------------------------------------
    def close_slice(self, stream_slice: Mapping[str, Any], highest: Optional[tuple[float, Any]]) -> None:
        """The slice was read to its end, `highest` the greatest cursor value its reader observed (as
        a number, and as sent); advance its partition over every finished group in order."""
        key = self.key(stream_slice)
        slice_id = self.slice_id(stream_slice)
        with self._lock:
            group = self._group_of.pop(slice_id, None)
            if group is None:
                # Not generated by this stream's own slicing: nothing to order.
                self._commit(key, highest)
                return
            group.waiting.discard(slice_id)
            if highest is not None and (group.highest is None or highest[0] > group.highest[0]):
                group.highest = highest
            queue = self._open[key]
            while queue and not queue[0].waiting:
                self._commit(key, queue.popleft().highest)

    def _commit(self, key: PartitionKey, pending: Optional[tuple[float, Any]]) -> None:
        if pending is None:
            return
        number, value = pending
        if self._ceiling is not None and number > self._ceiling[0]:
            number, value = self._ceiling
            if key not in self._held:
                self._held.add(key)
                described = ", ".join(f"{name}={part}" for name, part in key) or "all"
                logger.info(
                    "Stream %s (%s): metrics after %s are not final yet (metrics_ready_state); the cursor stays at %s "
                    "and those days are read again next sync",
                    self.stream, described, value, value,
                )
        saved = comparable(self._saved.get(key, self._default))
        if saved is None or number > saved:
            self._saved[key] = value


@dataclass
class _Group:
    """Registered slices read together before their partition may advance: their ids not yet done, and
    the highest cursor value (as a number, and as sent) of those done."""

    waiting: set[str]
    highest: Optional[tuple[float, Any]] = None


class SliceReading:
    """What the cursor notes of one slice being read: the greatest cursor value its emitted records carry (as a number,
    and as sent), and the saved value of its partition an incremental entity read compares with. A slice is read by
    one thread."""

    __slots__ = ("_field", "_parsed", "_saved", "highest", "stream_slice")

    def __init__(self, field: str, stream_slice: Optional[Mapping[str, Any]], saved: Optional[float]) -> None:
        self._field = field
        #: the slice itself, held so that its identity (the key of this reading) is not reused while it is read
        self.stream_slice = stream_slice
        self._saved = saved
        self.highest: Optional[tuple[float, Any]] = None
        # Records of a slice mostly share a few cursor values (analytics days): parse each once.
        self._parsed: dict[str, Optional[float]] = {}

    def number(self, value: Any) -> Optional[float]:
        if type(value) is str:
            number = self._parsed.get(value, _UNPARSED)
            if number is _UNPARSED:
                if len(self._parsed) >= PARSED_VALUES_KEPT:
                    self._parsed.clear()
                number = self._parsed[value] = comparable(value)
            return number  # type: ignore[no-any-return]
        return comparable(value)

    def newer(self, record: Mapping[str, Any]) -> bool:
        """The record's cursor value is at or after the saved one (or it has none to compare)."""
        number = self.number(record.get(self._field))
        return number is None or self._saved is None or number >= self._saved

    def observe(self, record: Mapping[str, Any]) -> None:
        value = record.get(self._field)
        number = self.number(value)
        if number is not None and (self.highest is None or number > self.highest[0]):
            self.highest = (number, value)
