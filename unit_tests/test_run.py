"""The console entry point caps glibc's malloc arenas before the worker threads start (see run.py)."""

from __future__ import annotations

import sys

import pytest

from source_pinterest_marketing import run


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
