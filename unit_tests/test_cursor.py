"""The per-partition client-side cursor, driven as airbyte-cdk's concurrent framework drives it (`should_be_synced`,
`observe` each record emitted, `close_partition` at the slice's end): what an incremental read emits, and when a
partition's saved value advances (only over the finished prefix of its groups of slices)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Optional

import pytest
from airbyte_cdk.models import AirbyteStateType, SyncMode
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager
from airbyte_cdk.sources.message import InMemoryMessageRepository
from airbyte_cdk.sources.streams.concurrent.cursor import FinalStateCursor
from airbyte_cdk.sources.streams.concurrent.partitions.partition import Partition
from airbyte_cdk.sources.types import Record, StreamSlice
from harness import run_read

from source_pinterest_marketing.concurrency import record_filter
from source_pinterest_marketing.streams import cursor as cursor_module
from source_pinterest_marketing.streams.cursor import CursorKind, PartitionedCursor, StateError


def _cursor(filters_records: bool = True) -> PartitionedCursor:
    return PartitionedCursor(
        "campaigns", "updated_time", ("ad_account_id",), CursorKind.EPOCH_SECONDS, filters_records=filters_records
    )


class OneSlice(Partition):
    """A slice as the framework's partition: what `close_partition` is given."""

    def __init__(self, stream_slice: StreamSlice) -> None:
        self.stream_slice = stream_slice

    def read(self) -> Iterable[Record]:
        return []

    def to_slice(self) -> Optional[Mapping[str, Any]]:
        return self.stream_slice

    def stream_name(self) -> str:
        return "campaigns"

    def __hash__(self) -> int:
        return id(self)


def _slice(values: Mapping[str, Any], keys: tuple[str, ...] = ("ad_account_id",)) -> StreamSlice:
    return StreamSlice(
        partition={key: values[key] for key in keys if key in values},
        cursor_slice={key: value for key, value in values.items() if key not in keys},
    )


def _read(cursor: PartitionedCursor, values_of_slice: Mapping[str, Any], values: list, close: bool = True) -> list:
    """Read a slice whose records carry `values` as the framework does: the records the cursor keeps are emitted and
    observed; at the end (`close`), the partition is closed."""
    stream_slice = _slice(values_of_slice, cursor.partition_keys)
    emitted = []
    for value in values:
        record = Record(data={"id": "x", cursor.field: value}, stream_name=cursor.stream, associated_slice=stream_slice)
        if cursor.should_be_synced(record):
            emitted.append(value)
            cursor.observe(record)
    if close:
        cursor.close_partition(OneSlice(stream_slice))
    return emitted


def test_incremental_reader_keeps_records_at_or_after_the_saved_value() -> None:
    cursor = _cursor()
    cursor.load({"states": [{"partition": {"ad_account_id": "1"}, "cursor": {"updated_time": 100}}]})
    assert _read(cursor, {"ad_account_id": "1"}, [99, 100, 150, None]) == [100, 150, None]
    assert cursor.to_state()["states"] == [{"partition": {"ad_account_id": "1"}, "cursor": {"updated_time": 150}}]


def test_a_cursor_that_does_not_filter_emits_everything_and_observes() -> None:
    """A windowed stream's: its requests are bounded by date, every row is emitted."""
    cursor = _cursor(filters_records=False)
    cursor.load({"states": [{"partition": {"ad_account_id": "1"}, "cursor": {"updated_time": 100}}]})
    assert _read(cursor, {"ad_account_id": "1"}, [5, 300, 7]) == [5, 300, 7]
    assert cursor.saved_value({"ad_account_id": "1"}) == 300


def test_closing_a_partition_emits_the_state_after_its_records() -> None:
    cursor = _cursor()
    repository = InMemoryMessageRepository()
    cursor.emit_to(ConnectorStateManager(), repository)
    _read(cursor, {"ad_account_id": "1"}, [100, 150])
    [message] = list(repository.consume_queue())
    assert message.state.type == AirbyteStateType.STREAM
    assert message.state.stream.stream_state.states[0]["cursor"] == {"updated_time": 150}


def test_a_partition_never_moves_back() -> None:
    cursor = _cursor()
    _read(cursor, {"ad_account_id": "1"}, [500])
    _read(_cursor(filters_records=False), {"ad_account_id": "1"}, [200])
    not_filtering = _cursor(filters_records=False)
    _read(not_filtering, {"ad_account_id": "1"}, [500])
    _read(not_filtering, {"ad_account_id": "1"}, [200])
    assert cursor.saved_value({"ad_account_id": "1"}) == not_filtering.saved_value({"ad_account_id": "1"}) == 500


def test_a_slice_finished_early_waits_for_the_earlier_slices_of_its_partition() -> None:
    cursor = _cursor()
    first = {"ad_account_id": "1", "window": "a"}
    second = {"ad_account_id": "1", "window": "b"}
    other_account = {"ad_account_id": "2", "window": "a"}
    for stream_slice in (first, second, other_account):
        cursor.register([stream_slice])
    _read(cursor, second, [900])
    _read(cursor, other_account, [50])
    assert cursor.saved_value(second) is None  # the first window is still being read
    assert cursor.saved_value(other_account) == 50  # other partitions are independent
    _read(cursor, first, [400])
    assert cursor.saved_value(first) == 900


def test_a_window_advances_only_when_every_batch_of_it_is_done() -> None:
    """A window read in two batches (entity ids, targeting types): the batch finished first holds the
    window's last date, but the partition must not claim the window until the other batch is in too."""
    cursor = _cursor(filters_records=False)
    window = {"ad_account_id": "1", "start_date": "2026-01-01", "end_date": "2026-01-31"}
    batch_a, batch_b = {**window, "ids": ["1"]}, {**window, "ids": ["2"]}
    later = {"ad_account_id": "1", "start_date": "2026-02-01", "end_date": "2026-02-10", "ids": ["1"]}
    cursor.register([batch_a, batch_b])
    cursor.register([later])
    _read(cursor, batch_b, ["2026-01-31"])
    _read(cursor, later, ["2026-02-10"])
    assert cursor.saved_value(window) is None  # batch_a is still being read
    _read(cursor, batch_a, ["2026-01-30"])
    assert cursor.saved_value(window) == "2026-02-10"


def test_a_group_of_no_slices_registers_nothing() -> None:
    cursor = _cursor()
    cursor.register([])
    _read(cursor, {"ad_account_id": "1"}, [10])
    assert cursor.saved_value({"ad_account_id": "1"}) == 10


def test_a_slice_read_to_its_end_without_records_still_lets_later_slices_commit() -> None:
    cursor = _cursor()
    first, second = {"ad_account_id": "1", "n": 1}, {"ad_account_id": "1", "n": 2}
    cursor.register([first])
    cursor.register([second])
    _read(cursor, second, [700])
    _read(cursor, first, [])
    assert cursor.saved_value(first) == 700


def test_an_interrupted_slice_commits_nothing() -> None:
    cursor = _cursor()
    stream_slice = {"ad_account_id": "1"}
    cursor.register([stream_slice])
    _read(cursor, stream_slice, [800], close=False)  # ... and the read fails before the partition is closed
    assert cursor.saved_value(stream_slice) is None


def test_iso_dates_are_compared_as_times_also_past_the_parse_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cursor_module, "PARSED_VALUES_KEPT", 2)
    cursor = PartitionedCursor("catalogs", "updated_at", (), CursorKind.DATE_TIME, filters_records=True)
    cursor.load({"updated_at": "2026-11-03T00:00:00Z"})
    values = ["2026-11-01", "2026-11-05T10:00:00+00:00", "2026-11-03T00:00:00Z", "2026-11-02", "2026-11-05T10:00:00+00:00"]
    emitted = _read(cursor, {}, values)
    assert emitted == ["2026-11-05T10:00:00+00:00", "2026-11-03T00:00:00Z", "2026-11-05T10:00:00+00:00"]
    assert cursor.to_state() == {"updated_at": "2026-11-05T10:00:00+00:00"}


def test_state_in_the_older_global_shape_applies_to_every_partition() -> None:
    cursor = _cursor()
    cursor.load({"updated_time": 300})
    assert _read(cursor, {"ad_account_id": "7"}, [200, 400]) == [400]
    assert cursor.to_state() == {
        "states": [{"partition": {"ad_account_id": "7"}, "cursor": {"updated_time": 400}}],
        "state": {"updated_time": 300},
    }


@pytest.mark.parametrize(
    ("state", "problem"),
    [
        (["not", "an object"], "expected an object"),
        ({"other": 1}, "expected per-partition state"),
        ({"states": {"not": "a list"}}, "'states' is not a list"),
        ({"states": [{"partition": {}, "cursor": {"updated_time": 1}}]}, "lacks"),
        ({"states": [{"partition": {"ad_account_id": "1"}, "cursor": {"updated_time": "soon"}}]}, "is not a number of seconds"),
    ],
)
def test_unusable_state_fails_naming_the_stream(state: object, problem: str) -> None:
    with pytest.raises(StateError) as raised:
        _cursor().load(state)  # type: ignore[arg-type]
    assert "stream 'campaigns'" in raised.value.message and problem in raised.value.message


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        (CursorKind.DAY, 1_796_000_000, "is not a day (YYYY-MM-DD)"),
        (CursorKind.DAY, "2026-1-5", "is not a day"),
        (CursorKind.DAY, "2025-02-30", "is not a day"),
        (CursorKind.DAY, "0001-01-05", "is before 1970-01-01"),
        (CursorKind.EPOCH_SECONDS, float("nan"), "is not a number of seconds"),
        (CursorKind.EPOCH_SECONDS, float("inf"), "is not a number of seconds"),
        (CursorKind.EPOCH_SECONDS, "1700000000", "is not a number of seconds"),
        (CursorKind.EPOCH_SECONDS, True, "is not a number of seconds"),
        (CursorKind.EPOCH_SECONDS, -5, "is before 1970-01-01"),
        (CursorKind.DATE_TIME, 1_700_000_000, "is not an ISO-8601 date-time string"),
        (CursorKind.DATE_TIME, "0001-01-01T00:00:00+05:00", "is before 1970-01-01"),
    ],
)
def test_a_saved_value_not_of_the_cursors_kind_is_refused(kind: CursorKind, value: object, problem: str) -> None:
    cursor = PartitionedCursor("s", "f", ("ad_account_id",), kind)
    with pytest.raises(StateError) as raised:
        cursor.load({"states": [{"partition": {"ad_account_id": "1"}, "cursor": {"f": value}}]})
    assert problem in (raised.value.message or "")


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (CursorKind.DAY, "2025-01-05"),
        (CursorKind.DAY, "2025-01-05 13:00:00"),  # an HOUR row's date
        (CursorKind.DAY, "2025-01-05T13:00:00Z"),
        (CursorKind.EPOCH_SECONDS, 1_700_000_000),
        (CursorKind.EPOCH_SECONDS, 1_700_000_000.5),
        (CursorKind.DATE_TIME, "2025-01-05T13:00:00"),
        (CursorKind.DATE_TIME, "2025-01-05T13:00:00.123+00:00"),
    ],
)
def test_the_values_a_stream_saves_are_loaded(kind: CursorKind, value: object) -> None:
    cursor = PartitionedCursor("s", "f", (), kind)
    cursor.load({"f": value})
    assert cursor.to_state() == {"f": value}


def test_a_record_value_that_compares_with_nothing_is_not_the_highest() -> None:
    cursor = _cursor()
    emitted = _read(cursor, {"ad_account_id": "1"}, [float("nan"), 200, float("nan")])
    assert len(emitted) == 3  # emitted, as a record without a cursor value is
    assert cursor.to_state()["states"][0]["cursor"] == {"updated_time": 200}


def test_records_go_to_should_be_synced_only_where_the_cursor_filters(
    sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """concurrency.record_filter: a full refresh read (the CDK's FinalStateCursor, which keeps every record) and an
    incremental read of windowed rows hand no record to `should_be_synced`; an incremental entity read hands each."""
    asked: list[str] = []

    def noted(cursor: Any, record: Record) -> bool:
        asked.append(record.stream_name)
        return True

    monkeypatch.setattr(FinalStateCursor, "should_be_synced", noted)
    monkeypatch.setattr(PartitionedCursor, "should_be_synced", noted)
    config = sim.connector_config(access_token_mode=True)
    full = run_read(config, ["campaigns", "campaign_analytics"], sync_mode=SyncMode.full_refresh)
    incremental = run_read(config, ["campaigns", "campaign_analytics"], sync_mode=SyncMode.incremental)
    assert {record.record.stream for record in full.records} == {"campaigns", "campaign_analytics"}
    assert len(asked) == sum(record.record.stream == "campaigns" for record in incremental.records) > 0
    assert set(asked) == {"campaigns"}
    assert record_filter(FinalStateCursor("campaigns", None, InMemoryMessageRepository())) is None
    assert record_filter(_cursor(filters_records=False)) is None
    filtering = _cursor()
    assert record_filter(filtering) == filtering.should_be_synced
