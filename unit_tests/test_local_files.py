"""The files kept outside Airbyte (local_files.py): what cannot be rewritten is said before anything is spent,
and a rewrite is atomic, keeping the file's mode and owner."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from source_pinterest_marketing.local_files import write_json, write_problem

NOBODY = 65534


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    assert write_problem(str(path)) is None
    write_json(str(path), {"a": 1})
    assert json.loads(path.read_text()) == {"a": 1}
    assert _mode(path) == 0o600


def test_a_rewrite_keeps_the_mode_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("{}")
    path.chmod(0o640)
    write_json(str(path), {"b": 2})
    assert json.loads(path.read_text()) == {"b": 2}
    assert _mode(path) == 0o640
    assert os.listdir(tmp_path) == ["config.json"]


def test_a_given_mode_wins(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("{}")
    path.chmod(0o644)
    write_json(str(path), {}, mode=0o600)
    assert _mode(path) == 0o600


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text('{"old": true}')
    with pytest.raises(TypeError):
        write_json(str(path), {"not json": object()})
    assert json.loads(path.read_text()) == {"old": True}
    assert os.listdir(tmp_path) == ["config.json"]


def test_a_symbolic_link_keeps_pointing_at_the_rewritten_file(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("{}")
    link = tmp_path / "config.json"
    link.symlink_to(real)
    write_json(str(link), {"c": 3})
    assert link.is_symlink()
    assert json.loads(real.read_text()) == {"c": 3}


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another user")
def test_root_rewriting_a_persons_file_leaves_it_theirs(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("{}")
    os.chown(path, NOBODY, NOBODY)
    write_json(str(path), {"d": 4})
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (NOBODY, NOBODY)


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    assert write_problem(str(tmp_path)) == (
        f"{tmp_path} is a directory, not a file: give a file path (for example {tmp_path / 'config.json'})"
    )


def test_a_missing_directory(tmp_path: Path) -> None:
    assert write_problem(str(tmp_path / "missing" / "config.json")) == f"the directory {tmp_path / 'missing'} does not exist"


def test_a_file_without_write_permission_is_read_only_even_for_root(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("{}")
    path.chmod(0o444)
    assert write_problem(str(path)) == f"{path} is read-only (mode 0444)"


@pytest.fixture
def locked_directory() -> Iterator[Path]:
    """A directory (mode 0555, under a world-traversable one) its user cannot create files in."""
    parent = Path(tempfile.mkdtemp(prefix="config-file-test-"))
    parent.chmod(0o755)
    locked = parent / "secrets"
    locked.mkdir()
    (locked / "config.json").write_text("{}")
    (locked / "config.json").chmod(0o666)
    locked.chmod(0o555)
    try:
        yield locked
    finally:
        locked.chmod(0o755)
        for path in locked.iterdir():
            path.unlink()
        locked.rmdir()
        parent.rmdir()


def test_a_directory_without_write_permission_is_said_before_anything_is_written(locked_directory: Path) -> None:
    """The rename needs the directory: a writable file in a locked directory (the Docker image's user and a host
    directory of another user) is refused. Run as an unprivileged user: root may write anywhere."""
    path = locked_directory / "config.json"
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        try:
            if os.geteuid() == 0:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            os.write(write_end, str(write_problem(str(path))).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as answer:
        seen = answer.read()
    os.waitpid(child, 0)
    assert seen == f"no file can be created in its directory {locked_directory} (Permission denied)"
