"""Periods of a reporting granularity: where a period starts and ends, and request windows made of whole periods.

Pinterest labels a WEEK or MONTH row with the first day of its period, and a period split between two requests
comes back as two partial rows with the same label. So windowed streams read in windows of whole periods (weeks
of `WEEK_FIRST_DAY`, calendar months), and each period is owned by the window that holds its last day (see
`owned`): under a week that starts on another day than assumed, a week that straddles two windows is still emitted
once, whole (reports: the owning window asks for it on its own, see reports.py).

TOTAL windows are fixed: consecutive windows of `window_days` days from an anchor (the configured start date, or
`TOTAL_ANCHOR`), the same every sync, so a TOTAL row's period (its window) never moves between syncs.

`PeriodStamp` and `WholePeriods` apply this to the rows of a window, for sync analytics and reports alike
(metrics_rows.py): every row gets `period_start` and `period_end` (`date` is `period_start`: an HOUR row's has its
hour), and each WEEK or MONTH period is emitted once, whole.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Callable, Hashable, Iterator, Mapping
from datetime import date, timedelta
from typing import Any, Optional, TypeVar

from source_pinterest_marketing.errors import UnexpectedResponseError

DAY, HOUR, WEEK, MONTH, TOTAL = "DAY", "HOUR", "WEEK", "MONTH", "TOTAL"
#: the granularities whose periods come out once and whole (`WholePeriods`)
WHOLE_PERIODS = (WEEK, MONTH)
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


_DATE_AND_HOUR = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}))?")
Row = TypeVar("Row")


class PeriodStamp:
    """The period of each row of one window (`DATE` as the API sends it: a day, a period's first day, or a day and
    hour). TOTAL rows are the fixed window, whatever their `DATE` says (the API description does not say what it
    is, or whether it is sent). HOUR rows dated without their hour get their place among the rows of the same
    entity, targeting value and day, which the API lists in time order (an assumption:
    docs/dev/API-NOTES.md#open-points)."""

    def __init__(self, stream: str, granularity: str, window_start: date, window_days: int) -> None:
        self.stream = stream
        self.granularity = granularity
        self.window_start = window_start
        self.total_end = window_start + timedelta(days=window_days - 1)
        #: HOUR rows dated without their hour: the hours seen so far per (entity, targeting, day)
        self.hours_seen: dict[Hashable, int] = {}

    def label(self, row: Mapping[str, Any]) -> date:
        """The first day of a WEEK or MONTH row's period (its `DATE`)."""
        found = _DATE_AND_HOUR.match(str(row.get("DATE") or ""))
        if found is None:
            raise UnexpectedResponseError(self.stream, "the answer", f"a {self.granularity} row without a DATE: {sorted(row)}")
        return date.fromisoformat(found.group(1))

    def period(
        self,
        entity_id: Hashable,
        targeting: Optional[tuple[Any, Any]],
        row: Mapping[str, Any],
        label: Optional[date] = None,
    ) -> tuple[str, str]:
        """(period_start, period_end) of a row; its entity id and (targeting type, value) are what an HOUR row's
        hours are counted within; `label`: a WEEK or MONTH row's period start, when already known."""
        if self.granularity == DAY:
            day = row.get("DATE")
            if type(day) is str and len(day) == 10:  # the common case, on the hot path: the day as sent
                return day, day
        if self.granularity == TOTAL:
            return self.window_start.isoformat(), self.total_end.isoformat()
        if label is None and self.granularity in WHOLE_PERIODS:
            label = self.label(row)
        if label is not None:
            return label.isoformat(), period_end(label, self.granularity).isoformat()
        found = _DATE_AND_HOUR.match(str(row.get("DATE") or ""))
        day = found.group(1) if found else self.window_start.isoformat()
        if self.granularity != HOUR:
            return day, day
        if found and found.group(2):
            hour = int(found.group(2))
        else:
            key = ((entity_id, *(targeting or (None, None))), day)
            hour = self.hours_seen.get(key, 0)
            self.hours_seen[key] = hour + 1
        return f"{day} {hour:02d}:00:00", f"{day} {hour:02d}:59:59"


class WholePeriods:
    """Which rows of one window's answers are emitted, and which requests the window makes, for the WEEK and MONTH
    periods to come out once and whole (see `owned`); any other granularity: every row, in one request.

    The window's own request comes first (`asked` None); a period it owns that started before the window (a week
    straddling two windows, when Pinterest's weeks start on another day than assumed) is left out of it and asked for
    on its own, whole, afterwards (`next_request`), unless the API no longer serves its first day. One object per read
    of a window: it keeps the straddling periods its first answer showed. `served`: the first and last day the API
    serves (the stream's floor and last day). Labels are read by `period_labels`."""

    def __init__(self, granularity: str, window: tuple[date, date], served: tuple[date, date], stream: str) -> None:
        self.granularity = granularity
        self.window = window
        self.floor, self.last_day = served
        self.stream = stream
        self.straddling: set[date] = set()

    def rows(
        self, rows: Iterator[Row], label: Callable[[Row], date], asked: Optional[date] = None
    ) -> Iterator[tuple[Row, Optional[date]]]:
        """The rows of one answer with their WEEK or MONTH period's first day (None for other granularities): the
        window's answer (`asked` None) gives the periods the window owns; a straddling period's (`asked`: its first
        day), that period's rows."""
        granularity = self.granularity
        if granularity not in WHOLE_PERIODS:
            for row in rows:
                yield row, None
            return
        if asked is not None:
            for row, got in period_labels(rows, label, granularity, asked):
                if got == asked:
                    yield row, asked
            return
        window = self.window
        for row, start in period_labels(rows, label, granularity, window[0]):
            if not owned(start, granularity, window, self.last_day):
                continue
            if self.floor <= start < window[0]:
                self.straddling.add(start)
                continue
            yield row, start

    def next_request(self) -> Optional[tuple[date, date]]:
        """The days of the next straddling period to ask for whole, oldest first (None: the window is done)."""
        if not self.straddling:
            return None
        start = min(self.straddling)
        self.straddling.discard(start)
        logging.getLogger(f"airbyte.{self.stream}").info(
            "Stream %s: reading the %s of %s whole (it straddles two windows)", self.stream, self.granularity, start
        )
        return start, min(period_end(start, self.granularity), self.last_day)


def whole_periods(
    rows: Callable[[date, date], Iterator[Row]],
    label: Callable[[Row], date],
    granularity: str,
    window: tuple[date, date],
    served: tuple[date, date],
    stream: str,
) -> Iterator[tuple[Row, Optional[date]]]:
    """The rows of a window (`rows(start, end)` requests them) with their WEEK or MONTH period's first day, each
    period once and whole: `WholePeriods` over the window's request and those of its straddling periods."""
    periods = WholePeriods(granularity, window, served, stream)
    yield from periods.rows(rows(*window), label)
    while (straddling := periods.next_request()) is not None:
        yield from periods.rows(rows(*straddling), label, straddling[0])


def period_labels(
    rows: Iterator[Row], label: Callable[[Row], date], granularity: str, first_requested: date
) -> Iterator[tuple[Row, date]]:
    """Each WEEK or MONTH row with its period's first day. A period that began before the request's first day may be
    labelled with that day instead of its own first day (the API description does not say:
    docs/dev/API-NOTES.md#open-points): a MONTH label is taken to its month's first day; a WEEK row labelled with the request's first day is
    taken back to the week's first day, on the weekday the request's other labels show (the row waits until one
    does; without any, the label stands: the request's first day begins a week)."""
    if granularity == MONTH:
        for row in rows:
            yield row, label(row).replace(day=1)
        return
    weekday: Optional[int] = None
    waiting: list[Row] = []
    for row in rows:
        start = label(row)
        if start != first_requested:
            weekday = start.weekday()
            for early in waiting:
                yield early, _week_back(first_requested, weekday)
            waiting.clear()
            yield row, start
        elif weekday is None:
            waiting.append(row)
        else:
            yield row, _week_back(start, weekday)
    for early in waiting:
        yield early, first_requested


def _week_back(day: date, weekday: int) -> date:
    """The first day of the week holding `day`, weeks beginning on `weekday`."""
    return day - timedelta(days=(day.weekday() - weekday) % 7)
