"""What airbyte-cdk says, in the connector's words: every adaptation of the CDK's output lives here.

- `in_own_words`: a request that failed inside the CDK's `HttpClient` after its retries ran out raises the CDK's text
  ("Exhausted available request attempts...", which quotes URLs and headers); the connector says instead what kept
  failing, as its error policy (errors.py) put it, and how often it was retried (`RetriesExhausted`).
- `MisleadingRetryLog`: the CDK logs "Rate limit exceeded" for every retry, whatever its cause; the connector's
  backoff strategy logs each retry with what happened instead.
- `SyncOutcome`: the CDK's concurrent read emits an error TRACE per failed stream, then ends with its own summary,
  always a `config_error` that lists the raw exceptions; a sync that failed ends instead with each cause said once,
  then one summary whose failure type is the most severe of its causes (a config error only if one of them was).
  Streams the sync did not read (the token lacks their scope: scopes.py) are among its failures, said only there.
- `message_line`: a record message serialised straight from its fields with orjson (`record_line`), the same text
  the CDK writes (`AirbyteEntrypoint.airbyte_message_to_string`), as UTF-8 bytes with its line break, for
  `LineWriter`, at a third of the CDK's cost: the CDK first copies every record into plain data with serpyco-rs
  (about 6 us for a row of 190 columns; it leaves out the record's null fields, as `record_line` does), then
  serialises that; every other message, and a record orjson cannot write, goes the CDK's way.
- `RecordLines`: records already written as lines, several in one message. In run.py's `read` a partition's records
  after its first are serialised in its worker thread (`RecordLinesBuffer`) and put on the CDK's queue through its
  message repository 16 KB at a time, which the CDK's concurrent framework yields as they are (as any message its
  repository holds): the main thread no longer builds a record message per record (a copy of the record and two
  dataclasses), dispatches it, counts it, hands it through the generators of the read and writes it alone. The CDK
  counts only the records it saw itself in its "Read N records from X stream" line: `RecordCountLog` adds the others.
- `LineWriter`: `read`'s lines written to stdout as bytes, in a buffer of their own, instead of through the CDK's
  `PRINT_BUFFER` (its `launch` prints every message: a text copy of each record, two writes of it into the print
  buffer's `StringIO` under its lock, the buffer's text joined and encoded again when flushed: about 3 us a record
  of 4 KB). What others print (the log lines of every thread, which the CDK's logging writes to `PRINT_BUFFER`)
  still goes through the print buffer: the writer takes the print buffer's lock for each line, writes out first
  what the print buffer holds (after its own lines written before), and flushes its own buffer at the print
  buffer's interval, so that lines are never cut into one another and the main thread's log lines keep their place
  among the messages. A worker thread's log line may come out before messages written at most one interval before
  it (its place among the records of other threads is a matter of timing in the CDK's launch too).
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional, TextIO

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import AirbyteMessage, AirbyteRecordMessage, FailureType, Type
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets
from airbyte_cdk.utils.print_buffer import PrintBuffer
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.errors import PinterestError, RetriesExhausted

#: `LineWriter`'s buffer: about 60 records of 4 KB a write
OUTPUT_BUFFER_BYTES = 256 * 1024
#: `RecordLinesBuffer` hands its lines on once it holds this many bytes (the queue holds at most 1,000: 16 MB)
RECORD_LINES_BYTES = 16 * 1024
#: failure types from the least to the most severe: what the user has to do about it
SEVERITY = (FailureType.transient_error, FailureType.system_error, FailureType.config_error)


def in_own_words(stream: str, error: AirbyteTracedException, problem: Optional[str], retries: int) -> AirbyteTracedException:
    """A failure of `stream` in the connector's own words: the error policy's message as it is; retries that ran out
    (the CDK's own text) as what kept failing (`problem`: the policy's word on the last answer)."""
    if isinstance(error, PinterestError) or problem is None or error.message == problem:
        return error
    internal = filter_secrets(error.internal_message or error.message or str(error))
    return RetriesExhausted(stream, problem, retries, error.failure_type or FailureType.transient_error, internal)


class MisleadingRetryLog(logging.Filter):
    """Drops airbyte-cdk's "Rate limit exceeded" line, which it logs for every retry whatever the cause (a 503, a
    401): `PinterestBackoffStrategy` logs each retry with what happened instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("UserDefinedBackoffException: Rate limit exceeded")


class RecordCountLog(logging.Filter):
    """The CDK's "Read N records from X stream" line with the records of every `RecordLines` of X added: the CDK
    counts the messages it builds itself (a partition's first record), not those handed to it ready-made."""

    LINE = re.compile(r"Read (\d+) records from (.+) stream")

    def __init__(self) -> None:
        super().__init__()
        #: stream -> records handed on as `RecordLines` so far (counted by the main thread as they go out)
        self.in_lines: Counter[str] = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        found = self.LINE.fullmatch(record.msg) if isinstance(record.msg, str) and not record.args else None
        if found is not None and self.in_lines[found.group(2)]:
            record.msg = f"Read {int(found.group(1)) + self.in_lines[found.group(2)]} records from {found.group(2)} stream"
        return True


def quiet_misleading_retry_logs() -> None:
    """Install `MisleadingRetryLog` on the logger airbyte-cdk's retries log to (once per process)."""
    cdk_logger = logging.getLogger("airbyte")
    if not any(isinstance(existing, MisleadingRetryLog) for existing in cdk_logger.filters):
        cdk_logger.addFilter(MisleadingRetryLog())


class SyncOutcome:
    """Watches the messages of a sync going out (see the module docstring)."""

    def __init__(self, unread: Optional[Mapping[str, str]] = None) -> None:
        #: stream -> (failure type, message) of its first failure; `unread`: the streams not read (name -> why, a
        #: config error), said once, in the summary
        self.failures = {name: (FailureType.config_error, why) for name, why in (unread or {}).items()}

    def watch(self, messages: Iterable[AirbyteMessage]) -> Iterator[AirbyteMessage]:
        said: set[str] = set()
        try:
            for message in messages:
                error = message.trace.error if message.type == Type.TRACE and message.trace else None
                if error is not None and error.stream_descriptor is not None:
                    failure = error.failure_type or FailureType.system_error
                    self.failures.setdefault(error.stream_descriptor.name, (failure, error.message))
                    if error.message in said:
                        continue
                    said.add(error.message)
                yield message
        except AirbyteTracedException:
            if not self.failures:
                raise
            raise self.summary() from None
        if self.failures:  # the streams read all completed; those not read fail the sync
            raise self.summary()

    def summary(self) -> PinterestError:
        """One error for the whole sync: every cause with the streams it stopped."""
        streams_by_cause: dict[str, list[str]] = {}
        for stream, (_, message) in sorted(self.failures.items()):
            streams_by_cause.setdefault(message, []).append(stream)
        causes = "; ".join(
            f"{message.rstrip('.')} ({'stream' if len(streams) == 1 else 'streams'} {', '.join(streams)})"
            for message, streams in streams_by_cause.items()
        )
        worst = max((failure for failure, _ in self.failures.values()), key=SEVERITY.index)
        count = len(self.failures)
        return PinterestError(f"The sync failed in {count} stream{'s' if count > 1 else ''}: {causes}.", worst)


@lru_cache(maxsize=1024)
def record_prefix(stream: str) -> bytes:
    """What a record message's line holds before its data: the CDK's key order (AirbyteMessage, AirbyteRecordMessage
    fields), its unset fields left out."""
    return b'{"type":"RECORD","record":{"stream":' + orjson.dumps(stream) + b',"data":'


def record_line(stream: str, data: Mapping[str, Any], emitted_at: int) -> Optional[bytes]:
    """A record message's line as the CDK writes it, its line break included; None for a record orjson cannot write
    (an int beyond 64 bits: the CDK's own serialiser writes it)."""
    try:
        text = orjson.dumps(data)
        # the CDK's serializer leaves out the record's fields that are null (not those nested deeper). A null field
        # is written `"name":null`: a text without `:null` has none, found at a fraction of the cost of looking at
        # each value (most records); one with it is looked at
        if b":null" in text and None in data.values():
            text = orjson.dumps({name: value for name, value in data.items() if value is not None})
    except (TypeError, orjson.JSONEncodeError):
        return None
    return b"".join((record_prefix(stream), text, b',"emitted_at":%d}}\n' % emitted_at))


def message_line(message: AirbyteMessage) -> bytes:
    """The message's line as the CDK writes it, its line break included, UTF-8 (see the module docstring); the
    lines of a `RecordLines`."""
    if type(message) is RecordLines:
        return message.lines
    record = message.record
    if (
        message.type == Type.RECORD
        and record is not None
        and record.namespace is None
        and record.meta is None
        and record.file_reference is None
    ):
        line = record_line(record.stream, record.data, record.emitted_at)
        if line is not None:
            return line
    return f"{AirbyteEntrypoint.airbyte_message_to_string(message)}\n".encode()


@dataclass
class RecordLines(AirbyteMessage):
    """Records of one stream already written as lines (`record_line`), handed to the output as one message: what
    `message_line` writes for it is `lines`. Only `read_lines` (run.py), whose writer is `message_line`, asks for
    them (`ConcurrentRead(record_lines=True)`). Its `record` is None: should the CDK's own serialiser ever get one,
    it writes a RECORD message without a record, which the platform refuses, rather than lose the records."""

    stream: str = ""
    lines: bytes = b""
    #: the records in `lines`
    count: int = 0


class RecordLinesBuffer:
    """A partition's records serialised as they are read (in its worker thread), handed on as `RecordLines` through
    `emit` each time `limit` bytes are held, and by `send` at the partition's end. A record orjson cannot write is
    written by the CDK's own serialiser, as `message_line` does, in its place among the others."""

    def __init__(self, stream: str, emit: Callable[[AirbyteMessage], None], limit: int = RECORD_LINES_BYTES) -> None:
        self.stream = stream
        self.emit = emit
        self.limit = limit
        self.lines: list[bytes] = []
        self.size = 0

    def add(self, data: Mapping[str, Any]) -> None:
        emitted_at = time.time_ns() // 1_000_000  # when the record is emitted, on the machine's clock, as the CDK stamps it
        line = record_line(self.stream, data, emitted_at)
        if line is None:  # a value orjson does not write: the CDK's own serialiser writes the record
            record = AirbyteRecordMessage(stream=self.stream, data=dict(data), emitted_at=emitted_at)
            line = f"{AirbyteEntrypoint.airbyte_message_to_string(AirbyteMessage(type=Type.RECORD, record=record))}\n".encode()
        self.lines.append(line)
        self.size += len(line)
        if self.size >= self.limit:
            self.send()

    def send(self) -> None:
        """Hand on the lines held, if any."""
        if self.lines:
            lines, self.lines, self.size = self.lines, [], 0
            self.emit(RecordLines(type=Type.RECORD, stream=self.stream, lines=b"".join(lines), count=len(lines)))


class LineWriter:
    """Lines written to stdout as bytes past the CDK's print buffer, keeping its lock and its order (see the module
    docstring). `flush` at the end."""

    def __init__(self, print_buffer: PrintBuffer, stdout: TextIO, buffer_size: int = OUTPUT_BUFFER_BYTES) -> None:
        self.print_buffer = print_buffer
        self.stdout = stdout
        # a buffer of its own over stdout's file descriptor, which it leaves open
        self.out = io.BufferedWriter(io.FileIO(stdout.fileno(), "wb", closefd=False), buffer_size)
        self.last_flush = time.monotonic()

    def write(self, line: bytes) -> None:
        print_buffer = self.print_buffer
        with print_buffer.lock:
            if print_buffer.buffer.tell():  # what others printed since (log lines): out first, after what came before
                self.out.flush()
                print_buffer.flush()
            self.out.write(line)
            now = time.monotonic()
            if now - self.last_flush >= print_buffer.flush_interval:
                self.out.flush()
                self.last_flush = now

    def flush(self) -> None:
        with self.print_buffer.lock:
            self.out.flush()
            self.print_buffer.flush()


def writes_bytes(stdout: Optional[TextIO]) -> bool:
    """Whether `LineWriter` may write to `stdout`: a file descriptor whose text is UTF-8 (orjson's bytes)."""
    if stdout is None or (stdout.encoding or "").lower().replace("-", "") != "utf8":
        return False
    try:
        stdout.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return False
    return True


def write_lines(lines: Iterable[bytes], print_buffer: PrintBuffer, stdout: Optional[TextIO]) -> None:
    """Write each line to `stdout` (the process's own: `sys.__stdout__`) with a `LineWriter`, or, where that cannot
    be (not a file, not UTF-8), through the print buffer as the CDK's `launch` does."""
    if not writes_bytes(stdout):
        for line in lines:
            print_buffer.write(line.decode())
        return
    assert stdout is not None
    writer = LineWriter(print_buffer, stdout)
    try:
        for line in lines:
            writer.write(line)
    finally:
        writer.flush()
