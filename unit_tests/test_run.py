"""The console entry point: it caps glibc's malloc arenas before the worker threads start (see run.py), and runs
the helpers the image offers by name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from source_pinterest_marketing import run

ROOT = Path(__file__).resolve().parents[1]


def test_the_arena_cap_is_applied_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    assert run.limit_malloc_arenas() is True


def test_the_users_own_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert run.limit_malloc_arenas() is False


def test_run_caps_the_arenas_before_launching(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(run, "limit_malloc_arenas", lambda: calls.append("arenas") or True)
    monkeypatch.setattr(run, "launch", lambda args: calls.append("launch"))
    monkeypatch.setattr(sys, "argv", ["source-pinterest-marketing", "spec"])
    run.run()
    assert calls == ["arenas", "launch"]


@pytest.mark.parametrize("helper", sorted(run.HELPERS))
def test_the_image_runs_each_helper_named_first(helper: str) -> None:
    """`docker run IMAGE <helper> ...`: main.py, as the image's ENTRYPOINT runs it, hands the rest to the helper."""
    completed = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), helper, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert f"usage: source-pinterest-marketing-{helper}" in completed.stdout
