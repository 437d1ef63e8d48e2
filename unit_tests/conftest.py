"""Shared fixtures of the connector tests: an in-process simulator and instant retries."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from airbyte_cdk.sources.streams.http import rate_limiting

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pinterest_simulator import Simulator
from source_pinterest_marketing import errors
from source_pinterest_marketing.auth import PinterestOAuthAuthenticator
from source_pinterest_marketing.streams.jobs import AsyncJob


@pytest.fixture(autouse=True)
def fast_report_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Report jobs are polled at once in tests (the simulator's jobs finish after a poll or two)."""
    monkeypatch.setattr(AsyncJob, "poll_base_seconds", 0.001)
    monkeypatch.setattr(AsyncJob, "poll_max_seconds", 0.01)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries do not wait: the backoff base is tiny and the CDK's retry sleeps are recorded, not slept."""
    recorded: list[float] = []
    monkeypatch.setattr(errors.PinterestBackoffStrategy, "base_seconds", 0.001)
    monkeypatch.setattr(PinterestOAuthAuthenticator, "retry_base_seconds", 0.001)
    monkeypatch.setattr(rate_limiting, "time", SimpleNamespace(sleep=recorded.append))
    return recorded


@pytest.fixture
def sim(sleeps: list[float]) -> Iterator[Simulator]:
    """A fresh simulator (small preset) per test: tests mutate its data, tokens and faults."""
    with Simulator(preset="small", seed=1) as running:
        yield running


@pytest.fixture
def config(sim: Simulator) -> dict:
    """An OAuth config against the simulator, with a freshly minted refresh token."""
    return sim.connector_config()
