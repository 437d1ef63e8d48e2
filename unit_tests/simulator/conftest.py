"""Fixtures: one running simulator per module (switches back to their defaults after each test), and a bearer
header with every read scope."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pinterest_simulator import Simulator


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(preset="small", seed=1) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(sim: Simulator) -> Iterator[None]:
    yield
    sim.faults.clear()
    sim.oauth.restore_fixed_token()
    sim.switches.reset()


@pytest.fixture
def auth(sim: Simulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.issue_access_token()}"}


@pytest.fixture
def account_id(sim: Simulator) -> str:
    return sim.dataset.owned_ad_account_ids[0]
