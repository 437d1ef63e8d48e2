"""The simulator's clock: the one place it reads the date and time from.

Every date rule (how far back a request may reach, which days are ready, restated or PROCESSING, a template's
relative range) and every generated number of a date counts from ``clock.today()``; entities touched or added
without an explicit time are stamped with ``clock.now()``. A `Simulator` has one clock (``Simulator(today=...)``,
``--today``, or the `TODAY_VARIABLE` environment variable; else the machine's UTC date), shared by its dataset.

Nothing else in the simulator reads the machine's date (unit_tests/test_clock.py scans for it). The machine's
wall-clock seconds are still read where they measure time passing rather than name a day: OAuth token lifetimes
(oauth.py), the request log's timestamps (server.py) and report job ages (report_jobs.py, monotonic).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

#: the environment variable that pins the date of a simulator built without ``today`` (a test and simulation hook:
#: the test suite sets it, so simulators it starts in subprocesses share the suite's date)
TODAY_VARIABLE = "PINTEREST_SIMULATOR_TODAY"
#: the time of day a pinned clock shows: midday, so that no time zone rounding moves it to another date
PINNED_TIME = dt.time(12, 0, tzinfo=dt.UTC)


class Clock(Protocol):
    """Where the simulator's "now" comes from."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    def today(self) -> dt.date:
        """Today in UTC (Pinterest's analytics dates are UTC days)."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().date()

    def __repr__(self) -> str:
        return "SystemClock()"


@dataclass(frozen=True)
class FixedClock:
    """A clock pinned to one day: ``now()`` is midday (UTC) of it, and does not move."""

    day: dt.date

    def now(self) -> dt.datetime:
        return dt.datetime.combine(self.day, PINNED_TIME)

    def today(self) -> dt.date:
        return self.day


def parse_day(value: str, source: str) -> dt.date:
    """`value` as a date ``YYYY-MM-DD``, or ValueError naming `source` (where the value came from)."""
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{source} must be a date YYYY-MM-DD, not {value!r}") from None


def from_environment(environ: Mapping[str, str] = os.environ) -> Clock:
    """A clock pinned to `TODAY_VARIABLE`'s date when it is set (and not empty), else the machine's."""
    value = environ.get(TODAY_VARIABLE, "")
    if not value.strip():
        return SystemClock()
    return FixedClock(parse_day(value, TODAY_VARIABLE))


def make_clock(today: dt.date | str | None = None) -> Clock:
    """The clock of a simulator built with `today` (a date, or ``YYYY-MM-DD``): pinned to it; without one, the
    environment's (`from_environment`)."""
    if today is None:
        return from_environment()
    if isinstance(today, str):
        return FixedClock(parse_day(today, "today"))
    return FixedClock(today)
