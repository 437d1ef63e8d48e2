"""Periods of a reporting granularity: where a period starts and ends, and request windows made of whole periods.

Pinterest labels a WEEK or MONTH row with the first day of its period, and a period split between two requests
comes back as two partial rows with the same label. So windowed streams read in windows of whole periods (weeks
of `WEEK_FIRST_DAY`, calendar months), and each period is owned by the window that holds its last day (see
`owned`): under a week that starts on another day than assumed, a week that straddles two windows is still emitted
once, whole (reports: the owning window asks for it on its own, see reports.py).

TOTAL windows are fixed: consecutive windows of `window_days` days from an anchor (the configured start date, or
`TOTAL_ANCHOR`), the same every sync, so a TOTAL row's period (its window) never moves between syncs.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

DAY, HOUR, WEEK, MONTH, TOTAL = "DAY", "HOUR", "WEEK", "MONTH", "TOTAL"
#: the first day of a WEEK period (0: Monday, as `date.weekday()`): an assumption, the API description does not
#: say (docs/dev/API-NOTES.md#open-points); periods stay whole and unique under another first day too
WEEK_FIRST_DAY = 0
#: where TOTAL windows start when no start date is configured (any fixed day: it only has to stay the same)
TOTAL_ANCHOR = date(2020, 1, 6)


def period_start(day: date, granularity: str) -> date:
    """The first day of the WEEK or MONTH period holding `day` (the day itself for other granularities)."""
    if granularity == WEEK:
        return day - timedelta(days=(day.weekday() - WEEK_FIRST_DAY) % 7)
    if granularity == MONTH:
        return day.replace(day=1)
    return day


def period_end(start: date, granularity: str) -> date:
    """The last day of the WEEK or MONTH period that starts on `start` (labels are periods' first days)."""
    if granularity == WEEK:
        return start + timedelta(days=6)
    if granularity == MONTH:
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def total_window_start(day: date, anchor: date, window_days: int) -> date:
    """The start of the fixed TOTAL window holding `day`."""
    return anchor + timedelta(days=(day - anchor).days // window_days * window_days)


def windows(start: date, end: date, granularity: str, window_days: int) -> Iterator[tuple[date, date]]:
    """Consecutive inclusive windows covering start..end, oldest first, each at most `window_days` days: whole
    weeks (WEEK), whole calendar months (MONTH, at least one), fixed windows (TOTAL: `start` is one's first day),
    or days. The last window ends at `end`."""
    while start <= end:
        if granularity == WEEK:
            length = max(window_days // 7, 1) * 7
        elif granularity == MONTH:
            length = _months_within(start, window_days)
        else:
            length = window_days
        window_end = min(start + timedelta(days=length - 1), end)
        yield start, window_end
        start = window_end + timedelta(days=1)


def _months_within(start: date, window_days: int) -> int:
    """Days of the most whole months from `start` (a month's first day) that fit in `window_days` (one at least)."""
    days = 0
    month = start
    while True:
        month_days = calendar.monthrange(month.year, month.month)[1]
        if days and days + month_days > window_days:
            return days
        days += month_days
        month = month + timedelta(days=month_days)


def owned(label: date, granularity: str, window: tuple[date, date], last_day: date) -> bool:
    """Whether the window owns the WEEK or MONTH period labelled `label`: the window holding the period's last day,
    or, for a period still running past the last day read, the window that ends on that day."""
    end = period_end(label, granularity)
    window_start, window_end = window
    return window_start <= end <= window_end or (window_end == last_day and end > window_end)
