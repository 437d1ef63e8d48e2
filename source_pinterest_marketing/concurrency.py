"""Concurrent reads with airbyte-cdk's concurrent framework.

Every selected stream is wrapped in the CDK's `StreamFacade`; its slices become partitions that
`num_workers` threads read in parallel, across streams and within a stream (accounts, boards,
id batches, date windows). Records and state messages travel through one queue
(`ConcurrentMessageRepository`), so a state message is always emitted after the records it covers.

The CDK's own concurrent cursors know date ranges, not Pinterest's per-partition client-side
cursors, so `StreamStateCursor` adapts ours: the stream commits a partition's cursor when it has
read the partition to its end (in the worker thread, after queueing its records), and this cursor
emits the stream's whole state when the framework closes the partition.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from queue import Queue
from typing import Any

from airbyte_cdk.models import AirbyteMessage, ConfiguredAirbyteCatalog, FailureType, SyncMode
from airbyte_cdk.sources.concurrent_source.concurrent_source import ConcurrentSource
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.message import InMemoryMessageRepository, MessageRepository
from airbyte_cdk.sources.message.concurrent_repository import ConcurrentMessageRepository
from airbyte_cdk.sources.streams.concurrent.abstract_stream import AbstractStream
from airbyte_cdk.sources.streams.concurrent.adapters import StreamFacade
from airbyte_cdk.sources.streams.concurrent.cursor import Cursor, FinalStateCursor
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.types import Record
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from typing_extensions import override

from source_pinterest_marketing.streams.base import PinterestStream

#: records buffered between the worker threads and the output (bounds memory)
QUEUE_SIZE = 1_000


class StreamStateCursor(Cursor):
    """Emits a stream's per-partition client-side state each time a partition is closed."""

    def __init__(
        self, stream: PinterestStream, state_manager: ConnectorStateManager, message_repository: MessageRepository
    ) -> None:
        self._stream = stream
        self._state_manager = state_manager
        self._message_repository = message_repository

    @property
    @override
    def state(self) -> MutableMapping[str, Any]:
        return self._stream.state

    @override
    def observe(self, record: Record) -> None:
        """The stream observes its records itself, while reading (it filters on them)."""

    @override
    def close_partition(self, partition: Partition) -> None:
        self._emit()

    @override
    def ensure_at_least_one_state_emitted(self) -> None:
        self._emit()

    @override
    def should_be_synced(self, record: Record) -> bool:
        return True

    def _emit(self) -> None:
        self._state_manager.update_state_for_stream(self._stream.name, None, self._stream.state)
        self._message_repository.emit_message(self._state_manager.create_state_message(self._stream.name, None))


class ConcurrentRead:
    """One `read` of the configured catalog, concurrently."""

    def __init__(self, source: Any, logger: logging.Logger, num_workers: int) -> None:
        self._source = source
        self._logger = logger
        # One thread more than the requests in flight, for partition generation; a single worker
        # means strictly one request at a time (the CDK's single-threaded mode).
        self._num_workers = num_workers + 1 if num_workers > 1 else 1
        self.queue: Queue[Any] = Queue(maxsize=QUEUE_SIZE)
        # Built on the main thread: the repository remembers it as the one consumer.
        self.message_repository = ConcurrentMessageRepository(self.queue, InMemoryMessageRepository())

    def run(
        self,
        streams: dict[str, PinterestStream],
        catalog: ConfiguredAirbyteCatalog,
        state_manager: ConnectorStateManager,
    ) -> Iterator[AirbyteMessage]:
        selected = [self._prepare(streams, configured, state_manager) for configured in catalog.streams]
        concurrent_source = ConcurrentSource.create(
            num_workers=self._num_workers,
            initial_number_of_partitions_to_generate=1 if self._num_workers == 1 else max(1, min(4, self._num_workers // 2)),
            logger=self._logger,
            slice_logger=self._source._slice_logger,
            message_repository=self.message_repository,
            queue=self.queue,
        )
        yield from concurrent_source.read(selected)

    def _prepare(
        self, streams: dict[str, PinterestStream], configured: Any, state_manager: ConnectorStateManager
    ) -> AbstractStream:
        name = configured.stream.name
        stream = streams.get(name)
        if stream is None:
            raise _catalog_error(f"the catalog asks for stream '{name}', which this connector does not have")
        incremental = configured.sync_mode == SyncMode.incremental
        if incremental and not stream.supports_incremental:
            # As the CDK's own sources do (and PyAirbyte, which asks for incremental everywhere, expects).
            self._logger.warning(
                "Stream '%s' has no cursor: the catalog asks for incremental, it is read in full", name
            )
            incremental = False
        stream_state: MutableMapping[str, Any] = {}
        cursor: Cursor
        if incremental:
            stream_state = dict(state_manager.get_stream_state(name, None) or {})
            stream.state = stream_state
            stream.incremental_read = True
            cursor = StreamStateCursor(stream, state_manager, self.message_repository)
        else:
            cursor = FinalStateCursor(name, None, self.message_repository)
        facade = StreamFacade.create_from_stream(stream, self._source, self._logger, stream_state, cursor)
        return facade.get_underlying_stream()  # type: ignore[no-any-return, attr-defined]


def _catalog_error(problem: str) -> AirbyteTracedException:
    message = f"Invalid configured catalog: {problem}. Refresh the source schema (discover) and try again."
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)
