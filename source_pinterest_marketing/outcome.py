"""How a sync that failed ends: each cause said once, then one summary in the connector's words whose failure type
is the most severe of its causes (a config error only if one of them was).

airbyte-cdk's concurrent read emits an error TRACE per failed stream, then ends with its own summary, always a
`config_error` that lists the raw exceptions. `SyncOutcome` watches the messages going out, drops an error that
another stream already reported word for word (a revoked grant fails every stream the same way), and replaces the
CDK's summary with its own."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from airbyte_cdk.models import AirbyteMessage, FailureType, Type
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.errors import PinterestError

#: failure types from the least to the most severe: what the user has to do about it
SEVERITY = (FailureType.transient_error, FailureType.system_error, FailureType.config_error)


class SyncOutcome:
    def __init__(self) -> None:
        #: stream -> (failure type, message) of its first failure
        self.failures: dict[str, tuple[FailureType, str]] = {}

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
