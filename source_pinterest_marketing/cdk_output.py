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
- `print_messages`: each message written to stdout in one write, so that the CDK's worker threads, which print too
  (a rate limit's stream status), never interleave a message and its line break.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Optional

import orjson
from airbyte_cdk.entrypoint import AirbyteEntrypoint
from airbyte_cdk.models import AirbyteMessage, FailureType, Type
from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.errors import PinterestError, RetriesExhausted

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


def message_text(message: AirbyteMessage) -> str:
    """The message as the CDK serialises it (see the module docstring)."""
    record = message.record
    if (
        message.type == Type.RECORD
        and record is not None
        and record.namespace is None
        and record.meta is None
        and record.file_reference is None
    ):
        data = record.data
        if None in data.values():
            # the CDK's serializer leaves out the record's fields that are null (not those nested deeper)
            data = {name: value for name, value in data.items() if value is not None}
        try:
            # the CDK's key order (AirbyteMessage, AirbyteRecordMessage fields), its unset fields left out
            fields = {"stream": record.stream, "data": data, "emitted_at": record.emitted_at}
            return orjson.dumps({"type": "RECORD", "record": fields}).decode()
        except (TypeError, orjson.JSONEncodeError):
            pass  # a value orjson does not write (an int beyond 64 bits): the CDK's own fallback
    return AirbyteEntrypoint.airbyte_message_to_string(message)


def print_messages(messages: Iterable[str]) -> None:
    """Write each serialised message to stdout, in one write (see the module docstring)."""
    for message in messages:
        print(f"{message}\n", end="")
