"""Helpers shared by the connector tests: run the real source through `airbyte_cdk.test` and slice the output."""

from __future__ import annotations

import io
import json
import logging
import socket
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

from airbyte_cdk.logger import AirbyteLogFormatter
from airbyte_cdk.models import (
    AirbyteMessageSerializer,
    AirbyteStateMessage,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    SyncMode,
    Type,
)
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, discover, read
from airbyte_cdk.test.models.outcome import ExpectedOutcome
from airbyte_cdk.test.state_builder import StateBuilder
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from jsonschema import Draft7Validator

from source_pinterest_marketing.run import PinterestEntrypoint
from source_pinterest_marketing.scopes import DEFAULT_SCOPES, needed_scopes
from source_pinterest_marketing.source import SourcePinterestMarketing
from source_pinterest_marketing.streams import DECLARATIONS
from source_pinterest_marketing.streams.ads import AD_ENTITY_STREAMS
from source_pinterest_marketing.streams.catalogs import CATALOG_STREAMS
from source_pinterest_marketing.streams.organic import ORGANIC_STREAMS, RELATION_STREAMS

#: the entity streams (no analytics, no reports)
ENTITY_DECLARATIONS = (*AD_ENTITY_STREAMS, *ORGANIC_STREAMS, *CATALOG_STREAMS)
ENTITY_STREAMS: tuple[str, ...] = tuple(declaration.name for declaration in ENTITY_DECLARATIONS)
INCREMENTAL_STREAMS: tuple[str, ...] = tuple(declaration.name for declaration in DECLARATIONS if declaration.cursor)
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {declaration.name: declaration.primary_key for declaration in DECLARATIONS}
#: the default scopes and every scope some stream needs (a token that reads them all)
EVERY_SCOPE: frozenset[str] = DEFAULT_SCOPES.union(
    *(alternative for declaration in DECLARATIONS for alternative in needed_scopes(declaration.operation))
)
#: dataset kind of every entity stream whose records are one dataset entity each
DATASET_KIND: dict[str, str] = {
    name: name
    for name in ENTITY_STREAMS
    if name not in ("board_pins", "board_section_pins", *(declaration.name for declaration in RELATION_STREAMS))
}
DATASET_KIND["board_pins"] = "pins"


def outcome(expect_failure: bool) -> ExpectedOutcome:
    return ExpectedOutcome.EXPECT_EXCEPTION if expect_failure else ExpectedOutcome.EXPECT_SUCCESS


def catalog(streams: Iterable[str], sync_mode: Optional[SyncMode] = None) -> ConfiguredAirbyteCatalog:
    """A configured catalog; by default incremental where the stream supports it."""
    builder = CatalogBuilder()
    for name in streams:
        mode = sync_mode or (SyncMode.incremental if name in INCREMENTAL_STREAMS else SyncMode.full_refresh)
        builder.with_stream(name, mode)
    return builder.build()


def run_read(
    config: Mapping[str, Any],
    streams: Iterable[str] = ENTITY_STREAMS,
    state: Optional[list[AirbyteStateMessage]] = None,
    expect_failure: bool = False,
    sync_mode: Optional[SyncMode] = None,
) -> EntrypointOutput:
    """`read` through the real entrypoint."""
    return read(
        SourcePinterestMarketing(),
        dict(config),
        catalog(streams, sync_mode),
        state=state,
        expected_outcome=outcome(expect_failure),
    )


def every_scope_config(sim: Any, **settings: Any) -> dict[str, Any]:
    """An OAuth config against the simulator `sim` whose token has every scope some stream needs."""
    config: dict[str, Any] = sim.connector_config(**settings)
    config["credentials"]["refresh_token"] = sim.issue_refresh_token(scopes=EVERY_SCOPE)
    return config


def run_discover(config: Mapping[str, Any]) -> EntrypointOutput:
    return discover(SourcePinterestMarketing(), dict(config))


def run_check(config: Mapping[str, Any]) -> EntrypointOutput:
    """`check --config` through the connector's entrypoint (as its console script runs it), logs included."""
    logs = io.StringIO()
    handler = logging.StreamHandler(logs)
    handler.setFormatter(AirbyteLogFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "config.json"
            path.write_text(json.dumps(config))
            entrypoint = PinterestEntrypoint(SourcePinterestMarketing())
            messages = list(entrypoint.run(entrypoint.parse_args(["check", "--config", str(path)])))
    finally:
        root.removeHandler(handler)
    return EntrypointOutput(messages=messages + logs.getvalue().splitlines())


def run_cli(args: list[str]) -> tuple[EntrypointOutput, Optional[AirbyteTracedException]]:
    """The connector's own command line (`check --config PATH --update-config`, ...), in-process: its messages, and
    the error that ended it (None when it ended normally)."""
    entrypoint = PinterestEntrypoint(SourcePinterestMarketing())
    messages: list[str] = []
    try:
        messages.extend(entrypoint.run(entrypoint.parse_args(args)))
    except AirbyteTracedException as error:
        return EntrypointOutput(messages=messages), error
    return EntrypointOutput(messages=messages), None


def write_catalog(path: Path, streams: Iterable[str], sync_mode: Optional[SyncMode] = None) -> str:
    """A configured catalog file (see `catalog`); its path."""
    path.write_text(json.dumps(ConfiguredAirbyteCatalogSerializer.dump(catalog(streams, sync_mode))))
    return str(path)


def check_status(output: EntrypointOutput) -> tuple[str, str]:
    """(status, message) of the one CONNECTION_STATUS message of a check."""
    [message] = output.connection_status_messages
    status = message.connectionStatus
    return status.status.value, status.message or ""


def records_by_stream(output: EntrypointOutput) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in output.records:
        grouped[message.record.stream].append(dict(message.record.data))
    return dict(grouped)


def ids(records: Iterable[Mapping[str, Any]]) -> set[str]:
    return {record["id"] for record in records}


def final_states(output: EntrypointOutput) -> dict[str, dict[str, Any]]:
    """The last state each incremental stream emitted, as plain dicts (no full-refresh sentinels)."""
    states: dict[str, dict[str, Any]] = {}
    for message in output.state_messages:
        dumped = AirbyteMessageSerializer.dump(message)["state"]["stream"]
        states[dumped["stream_descriptor"]["name"]] = dumped.get("stream_state") or {}
    return {stream: state for stream, state in states.items() if not state.get("__ab_no_cursor_state_message")}


def state_messages(states: Mapping[str, Mapping[str, Any]]) -> list[AirbyteStateMessage]:
    builder = StateBuilder()
    for stream, state in states.items():
        builder.with_stream_state(stream, dict(state))
    return builder.build()


def error_messages(output: EntrypointOutput) -> list[str]:
    return [message.trace.error.message for message in output.errors]


def all_output_text(output: EntrypointOutput) -> list[str]:
    """Every message of the run, serialised (records, state, logs, traces, statuses)."""
    return [json.dumps(AirbyteMessageSerializer.dump(message)) for message in output.get_message_iterator()]


def schema(stream: str) -> dict[str, Any]:
    return ResourceSchemaLoader("source_pinterest_marketing").get_schema(stream)


def assert_valid_records(stream: str, records: Iterable[Mapping[str, Any]]) -> None:
    """Every record of `stream` is valid against its discovered schema (the first problems are named)."""
    validator = Draft7Validator(schema(stream))
    for record in records:
        problems = [error.message for error in validator.iter_errors(record)]
        assert not problems, f"{stream}: {problems[:3]}"


def assert_unique_keys(stream: str, records: Iterable[Mapping[str, Any]]) -> None:
    keys = [tuple(record[key] for key in PRIMARY_KEYS[stream]) for record in records]
    assert len(keys) == len(set(keys)), f"{stream}: its primary key repeats"


def read_valid(config: Mapping[str, Any], streams: Iterable[str], state: Any = None) -> EntrypointOutput:
    """A read of `streams` that must succeed, every record valid against its stream's schema."""
    streams = tuple(streams)
    output = run_read(config, streams, state=state)
    assert not output.errors, error_messages(output)
    records = records_by_stream(output)
    for stream in streams:
        assert_valid_records(stream, records.get(stream, []))
    return output


def control_messages(stdout: str) -> list[dict[str, Any]]:
    """CONTROL messages the CDK printed straight to stdout (rotated config)."""
    found = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("{") and '"CONTROL"' in line:
            message = json.loads(line)
            if message.get("type") == Type.CONTROL.value:
                found.append(message)
    return found


def keyed(output: EntrypointOutput) -> dict[str, dict[str, dict[str, Any]]]:
    """Records per stream, keyed by primary key (record order is not defined with concurrent reads)."""
    return {
        stream: {json.dumps([record.get(key) for key in _pk(stream)]): record for record in records}
        for stream, records in records_by_stream(output).items()
    }


def _pk(stream: str) -> list[str]:
    return list(PRIMARY_KEYS[stream])


class SilentServer:
    """A TCP server that accepts every connection and never answers (a token endpoint behind a black hole)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.host = f"127.0.0.1:{self.listener.getsockname()[1]}"
        #: the connections accepted (one per request sent), held open without a byte of answer
        self.connections: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}/v5"

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)


@contextmanager
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.stopped.set()
        server.thread.join()
        for connection in server.connections:
            connection.close()
        server.listener.close()
