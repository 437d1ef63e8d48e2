"""The files a run is given (config, catalog, state): read with errors that name the file and what is wrong with it,
instead of the CDK's generic "Something went wrong in the connector"."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any, Optional

from airbyte_cdk.models import (
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    AirbyteStateType,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
)
from airbyte_cdk.sources.connector_state_manager import ConnectorStateManager

from source_pinterest_marketing.errors import PinterestError, config_error


def input_error(message: str) -> PinterestError:
    return config_error(message)


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type (`null`, not Python's `NoneType`)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def read_json_file(path: str, what: str) -> Any:
    """The JSON value of the `what` file (config, catalog, state) at `path`."""
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError as error:
        raise input_error(f"Cannot read the {what} file {path}: {error.strerror or error}.") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise input_error(
            f"The {what} file {path} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start} is not "
            "UTF-8): save it as UTF-8."
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise input_error(
            f"The {what} file {path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None


def read_config_file(path: str) -> MutableMapping[str, Any]:
    config = read_json_file(path, "config")
    if not isinstance(config, MutableMapping):
        raise input_error(f"The config file {path} holds a JSON {json_type(config)}, not an object.")
    return config


def read_catalog_file(path: str) -> ConfiguredAirbyteCatalog:
    catalog = read_json_file(path, "catalog")
    if not isinstance(catalog, dict) or not isinstance(catalog.get("streams"), list):
        raise input_error(f"The catalog file {path} is not a configured catalog: it needs an object with a 'streams' list.")
    try:
        return ConfiguredAirbyteCatalogSerializer.load(catalog)
    except Exception as error:  # noqa: BLE001 - any shape error of the serializer, reported with the file
        raise input_error(f"The catalog file {path} is not a valid configured catalog: {_short(error)}.") from None


def read_state_file(path: Optional[str]) -> list[AirbyteStateMessage]:
    """The state messages of the state file (none without one); a state must be a list of state messages."""
    if not path:
        return []
    state = read_json_file(path, "state")
    if not state:
        return []
    if not isinstance(state, list):
        raise input_error(
            f"The state file {path} holds a JSON {json_type(state)}: expected a list of state messages "
            '({"type": "STREAM", "stream": {...}}).'
        )
    messages = []
    for index, entry in enumerate(state):
        try:
            message = AirbyteStateMessageSerializer.load(entry)
        except Exception as error:  # noqa: BLE001 - any shape error of the serializer, reported with the file
            raise input_error(f"The state file {path}: entry {index} is not a state message: {_short(error)}.") from None
        if not message.stream and not message.global_ and not message.data:
            raise input_error(f"The state file {path}: entry {index} has no stream, global or data state.")
        messages.append(message)
    return messages


def stream_states(state: Optional[list[AirbyteStateMessage]]) -> ConnectorStateManager:
    """The per-stream states of a `read`. The connector saves one STREAM state per stream: a GLOBAL or LEGACY
    state was not saved by it (another connector's, or a platform's mistake) and is refused naming its streams,
    not read as "no state" nor as the CDK's "something went wrong"."""
    for index, message in enumerate(state or []):
        if message.type == AirbyteStateType.STREAM and message.stream is not None:
            continue
        if message.global_ is not None:
            streams = [entry.stream_descriptor.name for entry in message.global_.stream_states or []]
            kind = f"a GLOBAL state (of streams {', '.join(map(repr, streams)) or 'none'})"
        else:
            kind = f"a {message.type.value if message.type else 'LEGACY'} state"
        raise input_error(
            f"The state cannot be used: its entry {index} is {kind}, while this connector saves one STREAM state per "
            "stream. Reset the connection's streams (clear their state) to read them from scratch, or pass the "
            "state this connector saved."
        )
    return ConnectorStateManager(state=state)


def _short(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:300] + "…"
