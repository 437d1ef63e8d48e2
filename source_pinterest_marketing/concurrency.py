"""Concurrent reads with airbyte-cdk's concurrent framework, over its public interfaces.

Every selected stream becomes the CDK's `DefaultStream`, whose partitions are the stream's slices
(`SlicePartition`); `num_workers` threads read them in parallel, across streams and within a stream
(accounts, boards, windows, batches). Records and state messages travel through one queue
(`ConcurrentMessageRepository`), so a state message is always emitted after the records it covers; that queue is a
`RoomQueue` (the C `SimpleQueue`, bounded with hysteresis: no thread switch per record).

A partition reads its slice with the stream's `read_slice` (the `HttpStream` page loop, base.py) and gives the CDK
`Record`s that carry their slice (in run.py's `read`, only its first: the others are observed by the partition,
serialised in the worker thread and handed on as `cdk_output.RecordLines`, see `PartitionRecords`); the stream's
cursor decides which an incremental read emits (`should_be_synced`), and the CDK's partition reader has it observe
each record emitted and close the partition at its end, which emits the state (`streams.cursor.PartitionedCursor`:
the CDK's own concurrent cursors know date ranges, not Pinterest's per-partition client-side cursors). Whether a read is incremental is decided here, once, from the catalog; so is
whether its cursor filters records at all (`record_filter`): a full refresh read's `FinalStateCursor` and an
incremental read of windowed rows keep every record, and their records are not handed to `should_be_synced` one by
one.

The worker threads are in lanes, one per rate-limit category of the sync's API budget (`rate_limits.py`), and one
more per category for its async job streams (reports), each with `num_workers` threads, plus the threads that generate
partitions (`CategoryLanes`): a partition runs in the lane of its stream's operation's category
(`rate_limits.category_of`). A worker that waits for its category's budget (a minute's 300 `ads_analytics` requests
spent) so holds up only partitions of that category, never one of another: the `ads_analytics` budget, the one that
bounds a large sync, is spent from the sync's first seconds while the entity streams spend `ads_read` in their own
lane (in one pool, in catalog order, it sat idle until every entity stream was read). Report jobs, which wait for
Pinterest to generate them and then read a file, run beside the synchronous analytics from the start rather than after
them: the file reading is spread over the sync instead of piling up at its end.

The CDK's adapter for a legacy stream (`StreamFacade`, experimental) would copy each slice and each record and run
its TypeTransformer on every record, and has no per-slice retry of a body that broke: these partitions are the
connector's own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from queue import Full, Queue, SimpleQueue
from typing import Any, Optional

from airbyte_cdk.models import AirbyteMessage, ConfiguredAirbyteCatalog, ConfiguredAirbyteStream, SyncMode
from airbyte_cdk.sources.concurrent_source.concurrent_source import ConcurrentSource
from airbyte_cdk.sources.concurrent_source.thread_pool_manager import ThreadPoolManager
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.message import InMemoryMessageRepository
from airbyte_cdk.sources.message.concurrent_repository import ConcurrentMessageRepository
from airbyte_cdk.sources.streams.concurrent.abstract_stream import AbstractStream
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor, CursorField, FinalStateCursor
from airbyte_cdk.sources.streams.concurrent.default_stream import DefaultStream
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.streams.concurrent.partitions.partition_generator import PartitionGenerator
from airbyte_cdk.sources.types import Record, StreamSlice
from airbyte_cdk.sources.utils.slice_logger import DebugSliceLogger
from airbyte_cdk.utils.slice_hasher import SliceHasher
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from typing_extensions import override

from source_pinterest_marketing.cdk_output import RecordCountLog, RecordLines, RecordLinesBuffer
from source_pinterest_marketing.errors import config_error
from source_pinterest_marketing.rate_limits import category_of
from source_pinterest_marketing.streams.base import PinterestStream
from source_pinterest_marketing.streams.cursor import PartitionedCursor
from source_pinterest_marketing.streams.jobs import AsyncJobStream

#: records buffered between the worker threads and the output (bounds memory)
QUEUE_SIZE = 1_000
#: a worker that found the queue full puts again once it holds fewer than this (`RoomQueue`)
QUEUE_LOW_WATER = QUEUE_SIZE // 2
#: how long a waiting worker sleeps before it looks at the queue again, if no one woke it
ROOM_POLL_SECONDS = 0.05


class RoomQueue(Queue[Any]):
    """The queue between the worker threads and the main thread (the CDK's `ConcurrentSource` takes any `Queue`): a
    `queue.Queue` with the operations the CDK uses (`put`, `put(block=False)`, `get`, `empty`, `qsize`, `full`),
    over the C `SimpleQueue`, bounded with hysteresis.

    A `queue.Queue(maxsize)` takes a Python lock and notifies a condition on every `put` and `get`; once the main
    thread is the bottleneck (a CPU-bound sync) the queue stays full, and every record taken off it wakes a worker
    to put exactly one more: a switch of threads per record (about 1.5 us of its CPU). Here `put` and `get` are the
    C queue's; a worker that finds `QUEUE_SIZE` items waits until the main thread has taken the queue down to
    `QUEUE_LOW_WATER`, so the workers refill it in bursts. The bound stays (memory: at most `QUEUE_SIZE` plus one
    item per worker). A worker also looks again every `ROOM_POLL_SECONDS`, so a wake-up missed in a race delays it
    by no more than that. `task_done` and `join` are not supported (the CDK does not use them)."""

    def __init__(self, maxsize: int = QUEUE_SIZE, low_water: int = QUEUE_LOW_WATER) -> None:
        super().__init__()
        self.items: SimpleQueue[Any] = SimpleQueue()
        self.high_water = maxsize
        self.low_water = low_water
        self.room = threading.Condition(threading.Lock())
        #: workers waiting for room
        self.waiting = 0

    @override
    def put(self, item: Any, block: bool = True, timeout: Optional[float] = None) -> None:
        items = self.items
        if items.qsize() >= self.high_water:
            if not block:
                raise Full
            deadline = None if timeout is None else time.monotonic() + timeout
            with self.room:
                self.waiting += 1
                try:
                    while items.qsize() >= self.low_water:
                        left = ROOM_POLL_SECONDS if deadline is None else min(ROOM_POLL_SECONDS, deadline - time.monotonic())
                        if left <= 0:
                            raise Full
                        self.room.wait(left)
                finally:
                    self.waiting -= 1
        items.put(item)

    @override
    def get(self, block: bool = True, timeout: Optional[float] = None) -> Any:
        item = self.items.get(block, timeout)
        if self.waiting and self.items.qsize() < self.low_water:
            with self.room:
                self.room.notify_all()
        return item

    @override
    def qsize(self) -> int:
        return self.items.qsize()

    @override
    def empty(self) -> bool:
        return self.items.empty()

    @override
    def full(self) -> bool:
        return self.items.qsize() >= self.high_water

    @override
    def task_done(self) -> None:
        raise NotImplementedError("RoomQueue does not count tasks")

    @override
    def join(self) -> None:
        raise NotImplementedError("RoomQueue does not count tasks")


def record_filter(cursor: Cursor) -> Optional[Callable[[Record], bool]]:
    """The cursor's `should_be_synced`, or None when it keeps every record: the CDK's `FinalStateCursor` (a full
    refresh read) always does, and so does a `PartitionedCursor` that does not filter (windowed rows)."""
    if isinstance(cursor, FinalStateCursor) or (isinstance(cursor, PartitionedCursor) and not cursor.filters_records):
        return None
    return cursor.should_be_synced


@dataclass(frozen=True)
class PartitionRecords:
    """What becomes of a stream's records in its partitions."""

    #: the cursor's filter (`record_filter`); None: every record is emitted
    keeps: Optional[Callable[[Record], bool]]
    #: the cursor's `observe` (None: the CDK's `FinalStateCursor`, which observes nothing)
    observe: Optional[Callable[[Record], None]]
    #: None: each record is handed to the CDK; else the records after a partition's first are serialised in the
    #: worker thread and handed on through this (the message repository) as `RecordLines`
    emit: Optional[Callable[[AirbyteMessage], None]]


class SlicePartition(Partition):
    """One slice of a stream, read in a worker thread."""

    def __init__(
        self, stream: PinterestStream, stream_slice: StreamSlice, records: PartitionRecords, lane: str
    ) -> None:
        self.stream = stream
        self.stream_slice = stream_slice
        #: how its records are filtered, observed and handed on (`PartitionRecords`)
        self.records = records
        self.hash = SliceHasher.hash(stream.name, stream_slice)
        #: the lane of worker threads that reads it (`CategoryLanes`, `lane_of`)
        self.lane = lane

    @override
    def read(self) -> Iterable[Record]:
        name, stream_slice, keeps = self.stream.name, self.stream_slice, self.records.keeps
        count = 0
        rows = self.stream.read_slice(stream_slice)
        if self.records.emit is None:
            for data in rows:
                record = Record(data=data, stream_name=name, associated_slice=stream_slice)
                if keeps is None or keeps(record):
                    count += 1
                    yield record
        else:
            # the partition's first record goes the CDK's way (it marks the stream RUNNING), the others as lines
            observe = self.records.observe
            lines = RecordLinesBuffer(name, self.records.emit)
            try:
                for data in rows:
                    checked: Optional[Record] = None  # made only for the cursor
                    if keeps is not None or observe is not None:
                        checked = Record(data=data, stream_name=name, associated_slice=stream_slice)
                        if keeps is not None and not keeps(checked):
                            continue
                    count += 1
                    if count == 1:
                        yield checked or Record(data=data, stream_name=name, associated_slice=stream_slice)
                        continue
                    if observe is not None and checked is not None:
                        observe(checked)
                    lines.add(data)
            except Exception:
                lines.send()  # the records read before a failure are emitted, as one by one
                raise
            lines.send()
        self.stream.context.progress.partition_done(name, stream_slice, count)

    @override
    def to_slice(self) -> Optional[Mapping[str, Any]]:
        return self.stream_slice

    @override
    def stream_name(self) -> str:
        return self.stream.name

    @override
    def __hash__(self) -> int:
        return self.hash


class SlicePartitions(PartitionGenerator):
    """A stream's slices as the framework's partitions."""

    def __init__(
        self, stream: PinterestStream, sync_mode: SyncMode, cursor: Cursor, emit: Optional[Callable[[AirbyteMessage], None]]
    ) -> None:
        self.stream = stream
        self.sync_mode = sync_mode
        self.records = PartitionRecords(
            keeps=record_filter(cursor),
            observe=None if isinstance(cursor, FinalStateCursor) else cursor.observe,
            emit=emit,
        )
        self.lane = lane_of(stream)

    @override
    def generate(self) -> Iterable[Partition]:
        for stream_slice in self.stream.stream_slices(sync_mode=self.sync_mode):
            if not isinstance(stream_slice, StreamSlice):
                raise TypeError(f"stream {self.stream.name}: a slice is not a StreamSlice: {stream_slice!r}")
            yield SlicePartition(self.stream, stream_slice, self.records, self.lane)


def lane_of(stream: PinterestStream) -> str:
    """The lane of a stream's partitions: its operation's rate-limit category, and for an async job stream that
    category's jobs lane."""
    category = category_of(stream.declaration.operation)
    return f"{category} jobs" if isinstance(stream, AsyncJobStream) else category


class CategoryLanes(ThreadPoolExecutor):
    """The sync's worker threads in lanes: a partition (`SlicePartition`) is read in its lane (`lane_of`), made on its
    first partition, `per_lane` threads each; anything else the CDK submits (generating a stream's partitions) runs in
    this pool's own `generators` threads. Each lane is a queue of its own (first in, first out, as the CDK's one pool
    is), so workers waiting for one category's budget never keep another's partitions waiting. The CDK's
    `ThreadPoolManager` only submits to its pool and shuts it down: both are routed here."""

    def __init__(self, per_lane: int, generators: int) -> None:
        super().__init__(max_workers=generators, thread_name_prefix="workerpool")
        self.per_lane = per_lane
        self.lanes: dict[str, ThreadPoolExecutor] = {}
        self.lanes_lock = threading.Lock()

    @override
    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        partition = args[0] if args else None
        if not isinstance(partition, SlicePartition):
            return super().submit(fn, *args, **kwargs)
        with self.lanes_lock:
            lane = self.lanes.get(partition.lane)
            if lane is None:
                prefix = f"workerpool-{partition.lane.replace(' ', '-')}"
                lane = self.lanes[partition.lane] = ThreadPoolExecutor(self.per_lane, thread_name_prefix=prefix)
        return lane.submit(fn, *args, **kwargs)

    @override
    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        with self.lanes_lock:
            lanes = list(self.lanes.values())
        for lane in lanes:
            lane.shutdown(wait=wait, cancel_futures=cancel_futures)


class ConcurrentRead:
    """One `read` of the configured catalog, concurrently."""

    def __init__(self, logger: logging.Logger, num_workers: int, record_lines: bool = False) -> None:
        self.logger = logger
        #: records handed on as `RecordLines` (only for a writer that writes them: `cdk_output.message_line`)
        self.record_lines = record_lines
        #: requests in flight per lane (`CategoryLanes`); a single worker means strictly one request at a time (the
        #: CDK's single-threaded mode: one pool of one thread, no lanes)
        self.num_workers = num_workers
        #: streams whose partitions are generated at the same time
        self.generators = 1 if num_workers == 1 else max(1, min(4, (num_workers + 1) // 2))
        self.queue = RoomQueue()
        # Built on the main thread: the repository remembers it as the one consumer.
        self.message_repository = ConcurrentMessageRepository(self.queue, InMemoryMessageRepository())

    def prepare_all(
        self,
        streams: Mapping[str, PinterestStream],
        catalog: ConfiguredAirbyteCatalog,
        state_manager: ConnectorStateManager,
    ) -> list[AbstractStream]:
        """The selected streams as the framework's, each incremental one with its state loaded: an unknown stream or
        an unusable state fails here, before any request."""
        return [self.prepare(streams, configured, state_manager) for configured in catalog.streams]

    def run(self, selected: list[AbstractStream]) -> Iterator[AirbyteMessage]:
        # The pool is the connector's own (as `ConcurrentSource.create` builds it), so that the sync can stop it.
        workers = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="workerpool")
            if self.num_workers == 1
            else CategoryLanes(self.num_workers, self.generators)
        )
        concurrent_source = ConcurrentSource(
            threadpool=ThreadPoolManager(workers, self.logger),
            logger=self.logger,
            slice_logger=DebugSliceLogger(),
            queue=self.queue,
            message_repository=self.message_repository,
            initial_number_partitions_to_generate=self.generators,
        )
        read_to_the_end = False
        counts = RecordCountLog()
        self.logger.addFilter(counts)
        try:
            for message in concurrent_source.read(selected):
                if type(message) is RecordLines:
                    counts.in_lines[message.stream] += message.count
                yield message
            read_to_the_end = True
        finally:
            self.logger.removeFilter(counts)
            # A sync leaves no thread behind: once every partition is read the workers are idle and are joined (the
            # CDK only tells them to end). After a failure they are not waited for: one may still be finishing a
            # partition whose records nobody reads any more.
            workers.shutdown(wait=read_to_the_end, cancel_futures=True)

    def prepare(
        self, streams: Mapping[str, PinterestStream], configured: ConfiguredAirbyteStream, state_manager: ConnectorStateManager
    ) -> AbstractStream:
        name = configured.stream.name
        stream = streams.get(name)
        if stream is None:
            raise _catalog_error(f"the catalog asks for stream '{name}', which this connector does not have")
        incremental = configured.sync_mode == SyncMode.incremental
        if incremental and not stream.supports_incremental:
            # As the CDK's own sources do (and PyAirbyte, which asks for incremental everywhere, expects).
            self.logger.warning("Stream '%s' has no cursor: the catalog asks for incremental, it is read in full", name)
            incremental = False
        cursor: Cursor
        if incremental and stream.partitioned_cursor is not None:
            cursor = stream.partitioned_cursor
            cursor.load(state_manager.get_stream_state(name, None))
            cursor.emit_to(state_manager, self.message_repository)
        else:
            incremental = False
            cursor = FinalStateCursor(name, None, self.message_repository)
        primary_key = stream.primary_key
        return DefaultStream(
            partition_generator=SlicePartitions(
                stream,
                SyncMode.incremental if incremental else SyncMode.full_refresh,
                cursor,
                self.message_repository.emit_message if self.record_lines else None,
            ),
            name=name,
            json_schema=stream.get_json_schema,
            primary_key=[primary_key] if isinstance(primary_key, str) else list(primary_key or []),
            cursor_field=CursorField(stream.declaration.cursor) if stream.declaration.cursor else None,
            logger=self.logger,
            cursor=cursor,
        )


def _catalog_error(problem: str) -> AirbyteTracedException:
    message = f"Invalid configured catalog: {problem}. Refresh the source schema (discover) and try again."
    return config_error(message)
