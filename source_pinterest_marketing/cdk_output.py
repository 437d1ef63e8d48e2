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
- `message_text`: a record message serialised straight from its fields with orjson, the same text the CDK writes
  (`AirbyteEntrypoint.airbyte_message_to_string`), at a third of its cost: the CDK first copies every record into
  plain data with serpyco-rs (about 6 us for a row of 190 columns; it leaves out the record's null fields, as
  `message_text` does), then serialises that; every other message, and a record orjson cannot write, goes the CDK's
  way.
- `message_line`: the same text as bytes, its line break included (orjson writes it so), for `LineWriter`.
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
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Optional, TextIO

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import AirbyteMessage, FailureType, Type
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets
from airbyte_cdk.utils.print_buffer import PrintBuffer
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.errors import PinterestError, RetriesExhausted

#: `LineWriter`'s buffer: about 60 records of 4 KB a write
OUTPUT_BUFFER_BYTES = 256 * 1024
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


def message_line(message: AirbyteMessage) -> bytes:
    """The message's line as the CDK writes it, its line break included, UTF-8 (see the module docstring)."""
    record = message.record
    if (
        message.type == Type.RECORD
        and record is not None
        and record.namespace is None
        and record.meta is None
        and record.file_reference is None
    ):
        data = record.data
        try:
            # the CDK's key order (AirbyteMessage, AirbyteRecordMessage fields), its unset fields left out
            fields = {"stream": record.stream, "data": data, "emitted_at": record.emitted_at}
            line = orjson.dumps({"type": "RECORD", "record": fields}, option=orjson.OPT_APPEND_NEWLINE)
            # the CDK's serializer leaves out the record's fields that are null (not those nested deeper). A null
            # field is written `"name":null`: a line without `:null` has none, found at a fraction of the cost of
            # looking at each value (most records); one with it is looked at
            if b":null" in line and None in data.values():
                fields["data"] = {name: value for name, value in data.items() if value is not None}
                line = orjson.dumps({"type": "RECORD", "record": fields}, option=orjson.OPT_APPEND_NEWLINE)
            return line
        except (TypeError, orjson.JSONEncodeError):
            pass  # a value orjson does not write (an int beyond 64 bits): the CDK's own fallback
    return f"{AirbyteEntrypoint.airbyte_message_to_string(message)}\n".encode()


def message_text(message: AirbyteMessage) -> str:
    """The message as the CDK serialises it (`message_line` without its line break)."""
    return message_line(message)[:-1].decode()


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
