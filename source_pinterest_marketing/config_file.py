"""The config file a person keeps outside Airbyte: checked before a token or an authorization code is spent, and
rewritten atomically when it changes (a rotated refresh token, new credentials).

Inside Airbyte the platform keeps the config (it saves the CONTROL message the connector emits); outside it, the only
copy of a rotated refresh token is this file, so a half-written or lost file means re-authenticating. Hence:

- `write_problem` says, before anything is spent, why the file could not be replaced (a directory, a read-only file,
  a directory where no file can be created); it tries rather than trusting `os.access`, which root always passes;
- `write_json` writes a temporary file in the same directory and renames it over the old one (`os.replace`): a
  reader sees the old config or the new one, never half of one. The file keeps its mode (and owner, where allowed).

Standard library only: the authorize helper, the connector and the probe share it.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from typing import Any, Optional

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


def write_json(path: str, value: Mapping[str, Any], mode: Optional[int] = None) -> None:
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
