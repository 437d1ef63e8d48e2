"""Records handed on as lines (cdk_output.RecordLines): run.py's `read` serialises a partition's records in its
worker thread and hands them on in batches; the records, states and counts that come out are those of the CDK's
own path, record for record."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import orjson
import pytest
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import AirbyteMessage, ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.sources.types import Record, StreamSlice
from airbyte_cdk.sources.utils.record_helper import stream_data_to_airbyte_message
from harness import catalog as harness_catalog

from pinterest_simulator import Simulator
from source_pinterest_marketing import run
from source_pinterest_marketing.cdk_output import RECORD_LINES_BYTES, RecordLines, RecordLinesBuffer, message_line
from source_pinterest_marketing.concurrency import QUEUE_SIZE, PartitionRecords, SlicePartition
from source_pinterest_marketing.source import SourcePinterestMarketing
from source_pinterest_marketing.streams.base import PinterestStream

STREAMS = ["campaigns", "ads", "campaign_analytics", "campaign_report"]
EMITTED_AT = re.compile(rb',\s*"emitted_at":\s*\d+')


def _without_emitted_at(line: bytes) -> bytes:
    return EMITTED_AT.sub(b"", line)


def test_buffered_lines_are_the_lines_of_the_cdks_record_messages() -> None:
    """Each line a `RecordLinesBuffer` hands on is `message_line` of the CDK's record message for the same data;
    the lines go out once `limit` bytes are held and at `send`; a record orjson cannot write is written by the CDK's
    own serialiser, in its place."""
    rows: list[dict[str, Any]] = [{"id": str(n), "SPEND": n / 3, "none": None, "text": 'a"b\n'} for n in range(10)]
    rows.insert(4, {"id": "huge", "BIG": 2**70})
    emitted: list[AirbyteMessage] = []
    buffer = RecordLinesBuffer("campaigns", emitted.append, limit=200)
    for row in rows:
        buffer.add(row)
    buffer.send()
    buffer.send()  # nothing held: nothing handed on
    lines = b"".join(message_line(message) for message in emitted)
    expected = b"".join(message_line(stream_data_to_airbyte_message("campaigns", row)) for row in rows)
    assert _without_emitted_at(lines) == _without_emitted_at(expected)
    batches = [cast(RecordLines, message) for message in emitted]
    assert all(type(batch) is RecordLines for batch in batches)
    assert sum(batch.count for batch in batches) == len(rows)
    assert all(batch.lines.count(b"\n") == batch.count and batch.stream == "campaigns" for batch in batches)
    assert len(batches) > 2 and all(len(batch.lines) < 200 + 120 for batch in batches)
    assert b'"BIG": 1180591620717411303424' in lines  # the CDK's own text of it


class _Rows:
    """A stream's slice that yields `rows`, then fails with `error` (if any)."""

    def __init__(self, rows: list[dict[str, Any]], error: Exception | None = None) -> None:
        self.name = "campaigns"
        self.rows = rows
        self.error = error
        self.done: list[int] = []
        self.context = SimpleNamespace(progress=SimpleNamespace(partition_done=lambda _n, _s, count: self.done.append(count)))

    def read_slice(self, _slice: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
        yield from self.rows
        if self.error is not None:
            raise self.error


def _partition(stream: _Rows, records: PartitionRecords) -> SlicePartition:
    return SlicePartition(cast(PinterestStream, stream), StreamSlice(partition={"p": 1}, cursor_slice={}), records, "ads_read")


def test_a_partition_gives_its_first_record_to_the_cdk_and_the_rest_as_lines() -> None:
    """The first record goes the CDK's way (it marks the stream RUNNING and counts it); the others are filtered by
    the cursor, observed, and handed on as lines, all of them by the partition's end."""
    rows = [{"id": str(n), "updated_time": n} for n in range(50)]
    emitted: list[AirbyteMessage] = []
    observed: list[Any] = []
    keeps = {str(n) for n in range(50) if n % 5}
    stream = _Rows(rows)
    records = PartitionRecords(
        keeps=lambda record: record["id"] in keeps, observe=lambda record: observed.append(record["id"]), emit=emitted.append
    )
    yielded = list(_partition(stream, records).read())
    assert [record.data["id"] for record in yielded] == ["1"]
    lines = b"".join(message_line(message) for message in emitted)
    assert [orjson.loads(line)["record"]["data"]["id"] for line in lines.splitlines()] == sorted(keeps, key=int)[1:]
    assert observed == sorted(keeps, key=int)[1:]  # the first: the CDK's partition reader observes it
    assert stream.done == [len(keeps)]


def test_the_records_read_before_a_failure_are_handed_on() -> None:
    """A partition that fails hands on the records it read before, as the CDK's path emits them one by one."""
    stream = _Rows([{"id": str(n)} for n in range(5)], RuntimeError("the body broke"))
    emitted: list[AirbyteMessage] = []
    records = PartitionRecords(keeps=None, observe=None, emit=emitted.append)
    read: list[Record] = []
    with pytest.raises(RuntimeError, match="the body broke"):
        for record in _partition(stream, records).read():
            read.append(record)
    assert len(read) == 1 and sum(cast(RecordLines, message).count for message in emitted) == 4
    assert stream.done == []  # not finished


def _read(entrypoint: AirbyteEntrypoint, sim: Simulator, tmp_path: Path) -> tuple[list[bytes], dict[str, int]]:
    """The lines of a read, and the counts of the "Read N records from X stream" lines logged."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**sim.connector_config(access_token_mode=True), "num_workers": 3}))
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(harness_catalog(STREAMS))))
    args = entrypoint.parse_args(["read", "--config", str(config), "--catalog", str(catalog)])
    logged: dict[str, int] = {}

    def said(record: logging.LogRecord) -> None:
        if found := re.fullmatch(r"Read (\d+) records from (\w+) stream", record.getMessage()):
            logged[found.group(2)] = int(found.group(1))

    handler = logging.Handler()
    handler.emit = said  # type: ignore[method-assign]
    cdk_logger = logging.getLogger(run.CDK_LOGGER)
    cdk_logger.addHandler(handler)
    try:
        return [line.encode() for line in entrypoint.run(args)], logged
    finally:
        cdk_logger.removeHandler(handler)


def test_a_read_in_lines_emits_what_the_cdks_path_emits(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run.py's `read` (records as lines) and the CDK's `run` (a message per record) emit the same records of each
    stream, the same final states and the same record counts: in the STATE
    messages' `sourceStats`, and in the CDK's "Read N records from X stream" lines."""
    batches: list[int] = []
    send = RecordLinesBuffer.send

    def counted_send(self: RecordLinesBuffer) -> None:
        batches.append(len(self.lines))
        send(self)

    monkeypatch.setattr(RecordLinesBuffer, "send", counted_send)
    source = SourcePinterestMarketing()
    ours, our_log = _read(run.PinterestEntrypoint(source), sim, tmp_path)
    assert max(batches) > 1  # records did go as lines
    batches.clear()
    # the same source, read by the CDK's entrypoint (which writes a message per record): no lines any more
    cdks, cdk_log = _read(AirbyteEntrypoint(source), sim, tmp_path)
    assert batches == []

    def summary(lines: list[bytes]) -> tuple[dict[str, list[bytes]], dict[str, Any], Counter[str]]:
        records: dict[str, list[bytes]] = {}
        states: dict[str, Any] = {}
        counted: Counter[str] = Counter()
        for line in lines:
            message = orjson.loads(line)
            if message["type"] == "RECORD":
                records.setdefault(message["record"]["stream"], []).append(_without_emitted_at(line))
            elif message["type"] == "STATE":
                stream = message["state"]["stream"]
                states[stream["stream_descriptor"]["name"]] = stream["stream_state"]
                counted[stream["stream_descriptor"]["name"]] += int(message["state"]["sourceStats"]["recordCount"])
        return {name: sorted(found) for name, found in records.items()}, states, counted

    our_records, our_states, our_counts = summary(ours)
    cdk_records, cdk_states, cdk_counts = summary(cdks)
    assert set(our_records) == set(STREAMS)
    assert our_records == cdk_records
    assert our_states == cdk_states
    assert our_counts == cdk_counts == {name: len(found) for name, found in our_records.items()}
    assert our_log == cdk_log == {name: len(found) for name, found in our_records.items()}


def test_the_docs_say_how_many_lines_go_at_a_time_and_wait_at_most() -> None:
    """What README.md and docs/dev/ARCHITECTURE.md say of the batches: their size, and how many can wait."""
    root = Path(__file__).resolve().parents[1]
    size = f"{RECORD_LINES_BYTES // 1024} KB at a time"
    readme = " ".join((root / "README.md").read_text().split())
    architecture = " ".join((root / "docs" / "dev" / "ARCHITECTURE.md").read_text().split())
    assert size in readme and size in architecture
    assert f"at most {QUEUE_SIZE:,} batches of {RECORD_LINES_BYTES // 1024} KB queued" in readme
