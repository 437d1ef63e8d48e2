"""Suite-wide rules of every test:

- one pinned date: the connector's and the simulator's clocks both read `PINNED_TODAY` (in this process, and in
  every connector or simulator the tests start as a subprocess, through the clocks' environment variables), so no
  test depends on the day it runs; `pin_today` pins another date for one test;
- no secret leaks: every captured output of every test (stdout, stderr, logs, failure reports) is scanned for the
  client secrets and tokens the simulators minted. The only place they may appear is a CONTROL message carrying
  the updated config, which is where Airbyte expects them.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator

import pytest

from pinterest_simulator import clock as simulator_clock
from pinterest_simulator.oauth import ISSUED_SECRETS
from source_pinterest_marketing import clock as connector_clock

#: the environment variable that runs the suite on another date (a CI loop over many days: docs/dev/ARCHITECTURE.md)
TESTS_TODAY_VARIABLE = "PINTEREST_TESTS_TODAY"
#: the date every test runs on, whatever the machine's date: 2026-12-07 (a day the generated data once had gaps on),
#: or the date `TESTS_TODAY_VARIABLE` names
PINNED_TODAY = simulator_clock.parse_day(os.environ.get(TESTS_TODAY_VARIABLE) or "2026-12-07", TESTS_TODAY_VARIABLE)


def _pin(day: dt.date) -> None:
    """Both clocks on `day`: the environment variables (read by simulators built without ``today`` and by
    subprocesses) and the connector's clock in this process."""
    os.environ[connector_clock.TODAY_VARIABLE] = day.isoformat()
    os.environ[simulator_clock.TODAY_VARIABLE] = day.isoformat()
    connector_clock.install(connector_clock.FixedClock(day))


def pytest_configure(config: pytest.Config) -> None:
    """Pin both clocks before any test module is imported (module constants may be dates)."""
    _pin(PINNED_TODAY)


@pytest.fixture(autouse=True)
def _pinned_today() -> Iterator[None]:
    """Every test starts, and leaves, on `PINNED_TODAY`."""
    _pin(PINNED_TODAY)
    yield
    _pin(PINNED_TODAY)


@pytest.fixture
def suite_today() -> dt.date:
    """The date the suite runs on (`PINNED_TODAY`)."""
    return PINNED_TODAY


@pytest.fixture
def pin_today() -> Callable[[dt.date], None]:
    """``pin_today(day)``: both clocks on `day` for the rest of the test (simulators built after it count from it)."""
    return _pin

_LEAKS: dict[str, None] = {}  # ordered set


def _scan(nodeid: str, text: str) -> None:
    secrets = [secret for secret in list(ISSUED_SECRETS) if len(secret) >= 16]
    for line in text.splitlines():
        if '"type":"CONTROL"' in line.replace(" ", ""):
            continue
        for secret in secrets:
            if secret in line:
                _LEAKS[f"{nodeid}: {secret[:5]}... in: {line.replace(secret, '****')[:160]}"] = None


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    texts = [content for _, content in report.sections]
    if report.longrepr is not None:
        texts.append(str(report.longrepr))
    _scan(report.nodeid, "\n".join(texts))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _LEAKS:
        print("\nSecrets found in test outputs (outside CONTROL messages):")
        for leak in list(_LEAKS)[:50]:
            print(f"  {leak}")
        session.exitstatus = 1
