"""The connector's clock: the one place it reads the date and time from.

Every date the connector derives from "now" (the default end date, how far back analytics and reports may reach,
which days are final, whether a saved cursor lies in the future, the probe's windows) comes from `utc_today` or
`utc_now`, which ask the installed `Clock`: the machine's (`SystemClock`), unless `TODAY_VARIABLE` pins a date
(`FixedClock`) or a caller installs another one (`install`, `pinned`). Tests pin it, so none depends on the day it
runs (unit_tests/test_clock.py checks that nothing else reads the machine's date).

Token expiry arithmetic (auth.py, probe/cli.py) and durations stay on the machine's wall-clock seconds: they measure
time passing, and compare with expiry times Pinterest gives in the same seconds.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Protocol

#: the environment variable that pins the connector's date (a test and simulation hook, not a user setting: the
#: test suite sets it, so connectors it runs in subprocesses share the suite's date)
TODAY_VARIABLE = "SOURCE_PINTEREST_MARKETING_TODAY"
#: the time of day a pinned clock shows: midday, so that no time zone rounding moves it to another date
PINNED_TIME = time(12, 0, tzinfo=UTC)


class Clock(Protocol):
    """Where the connector's "now" comes from."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


@dataclass(frozen=True)
class FixedClock:
    """A clock pinned to one day: ``now()`` is midday (UTC) of it, and does not move."""

    day: date

    def now(self) -> datetime:
        return datetime.combine(self.day, PINNED_TIME)


def from_environment(environ: Mapping[str, str] = os.environ) -> Clock:
    """A clock pinned to `TODAY_VARIABLE`'s date when it is set (and not empty), else the machine's; ValueError
    naming the variable when it is not a date ``YYYY-MM-DD``."""
    value = environ.get(TODAY_VARIABLE, "").strip()
    if not value:
        return SystemClock()
    try:
        return FixedClock(date.fromisoformat(value))
    except ValueError:
        raise ValueError(f"{TODAY_VARIABLE} must be a date YYYY-MM-DD, not {value!r}") from None


_lock = threading.Lock()
_installed: Clock | None = None


def current() -> Clock:
    """The installed clock; the first call installs `from_environment`'s."""
    global _installed
    with _lock:
        if _installed is None:
            _installed = from_environment()
        return _installed


def install(clock: Clock | None) -> Clock | None:
    """Make `clock` the connector's (None: `from_environment`'s again, on the next read); return the one it
    replaces."""
    global _installed
    with _lock:
        previous, _installed = _installed, clock
        return previous


@contextmanager
def pinned(day: date) -> Iterator[FixedClock]:
    """The connector's clock pinned to `day` within the block, then the previous one again."""
    clock = FixedClock(day)
    previous = install(clock)
    try:
        yield clock
    finally:
        install(previous)


def utc_now() -> datetime:
    """Now, in UTC, from the connector's clock."""
    return current().now()


def utc_today() -> date:
    """Today's date in UTC (Pinterest's analytics dates are UTC days), from the connector's clock."""
    return utc_now().date()


def unix_now() -> float:
    """Now as Unix seconds, from the connector's clock (for cursor values, which are dates as numbers)."""
    return utc_now().timestamp()
