"""The files a person keeps outside Airbyte, which the platform keeps inside it: the config (with the rotated
refresh token: `--update-config`) and the state (`--update-state`). Checked before a token, an authorization code or
a sync is spent, and rewritten atomically when they change.

Inside Airbyte the platform keeps both (it saves the CONTROL and STATE messages the connector emits); outside it, the
only copy of a rotated refresh token is the config file, so a half-written or lost file means re-authenticating.
Hence:

- `write_problem` says, before anything is spent, why the file could not be replaced (a directory, a read-only file,
  a directory where no file can be created); it tries rather than trusting `os.access`, which root always passes;
- `write_json` writes a temporary file in the same directory and renames it over the old one (`os.replace`): a
  reader sees the old config or the new one, never half of one. The file keeps its mode (and owner, where allowed).

`StateFile` keeps the newest state of each stream, as Airbyte does from the STATE messages, so that the next `read
--state` resumes where this one stopped (also after a crash: it is rewritten at every checkpoint).
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any, Optional

from airbyte_cdk.models import AirbyteStateMessage, AirbyteStateMessageSerializer, AirbyteStateType

#: a file written fresh holds secrets: its owner alone reads it
PRIVATE_MODE = 0o600
_TEMPORARY_PREFIX = ".config-"


def target(path: str) -> str:
    """The file a write replaces: a symbolic link's target (renaming over the link would replace the link)."""
    return os.path.realpath(path)


def write_problem(path: str) -> Optional[str]:
    """Why `path` cannot be (re)written atomically, or None: it is a directory, an existing file without write
    permission for its owner (a file made read-only on purpose, even for root), or its directory is missing or
    refuses a new file (needed for the rename)."""
    real = target(path)
    if os.path.isdir(real):
        return f"{path} is a directory, not a file: give a file path (for example {os.path.join(path, 'config.json')})"
    directory = os.path.dirname(real)
    if not os.path.isdir(directory):
        return f"the directory {directory} does not exist"
    if os.path.exists(real):
        mode = stat.S_IMODE(os.stat(real).st_mode)
        if not mode & stat.S_IWUSR or not os.access(real, os.W_OK):
            return f"{path} is read-only (mode {mode:04o})"
    try:
        descriptor, probe = tempfile.mkstemp(dir=directory, prefix=_TEMPORARY_PREFIX)
    except OSError as error:
        return f"no file can be created in its directory {directory} ({error.strerror or error})"
    os.close(descriptor)
    os.unlink(probe)
    return None


def write_json(path: str, value: Mapping[str, Any] | list[Any], mode: Optional[int] = None) -> None:
    """Replace `path` with `value` as JSON, atomically. The new file gets `mode` if given, else the old file's mode
    (`PRIVATE_MODE` for a new file), and the old file's owner where the process may set it. Raises OSError."""
    real = target(path)
    old: Optional[os.stat_result] = os.stat(real) if os.path.exists(real) else None
    if mode is None:
        mode = stat.S_IMODE(old.st_mode) if old is not None else PRIVATE_MODE
    descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(real), prefix=_TEMPORARY_PREFIX)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            os.fchmod(file.fileno(), mode)
            if old is not None and (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
                # root rewriting a person's file: it stays theirs (others may not chown: the file becomes the writer's)
                with contextlib.suppress(OSError):
                    os.fchown(file.fileno(), old.st_uid, old.st_gid)
            file.write(json.dumps(value, indent=2) + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


#: what a state message carries that is this run's, not the stream's position
_RUN_STATISTICS = ("sourceStats", "destinationStats")


class StateFile:
    """The state file of `read --state PATH --update-state`: the state messages it was read with, each replaced by
    the newer one of its stream (a global state replaces the global one) as the sync emits them, written after each."""

    def __init__(self, path: str, initial: Iterable[AirbyteStateMessage]) -> None:
        self.path = path
        self.states: dict[tuple[str, ...], dict[str, Any]] = {}
        for message in initial:
            self.states[self.key(message)] = self.dumped(message)

    @staticmethod
    def key(message: AirbyteStateMessage) -> tuple[str, ...]:
        if message.type == AirbyteStateType.STREAM and message.stream is not None:
            descriptor = message.stream.stream_descriptor
            return ("stream", descriptor.name, descriptor.namespace or "")
        return (str(message.type or "legacy"),)

    @staticmethod
    def dumped(message: AirbyteStateMessage) -> dict[str, Any]:
        value = AirbyteStateMessageSerializer.dump(message)
        return {key: item for key, item in value.items() if key not in _RUN_STATISTICS}

    def update(self, message: AirbyteStateMessage) -> None:
        """Keep `message` as its stream's state and rewrite the file. Raises OSError."""
        self.states[self.key(message)] = self.dumped(message)
        write_json(self.path, list(self.states.values()))
