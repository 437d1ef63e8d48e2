"""Date-windowed reading, shared by sync analytics and async reports.

A windowed stream reads each partition (an ad account, or the user) over the days the API serves, in windows
of at most `window_days` days, oldest first; each window is read as one or more requests ("batches": entity
ids, targeting types or status filters that one request cannot carry all of). The slices of a partition are
therefore partition x window x batch, and the batches of a window form one group: the partition's `date`
cursor only advances past a window when every batch of it is done (see cursor.py), so an interrupted sync
never saves a date whose data it has not read. Windows are made of whole periods of the stream's granularity
(weeks, months, fixed TOTAL windows: periods.py).

Where the reading starts: the stream's own start date (custom reports), else the config's `start_date`,
else as far back as the API serves; on an incremental sync, the saved date minus `lookback_window_days`
(Pinterest restates recent conversions); in both cases back to the start of the period that holds that day,
so the first period is read whole; never before what the API serves, with one day of margin so a UTC midnight
between planning and sending never makes a 400 (a TOTAL window the API cannot serve whole is skipped). It
ends at the stream's or the config's end date, at most today (UTC).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Optional, Protocol

from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.config import PinterestConfig
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.streams import periods
from source_pinterest_marketing.streams.types import Slice

logger = logging.getLogger("airbyte")

#: days less than the API's reach, so a UTC midnight between planning and sending never makes a 400
MARGIN_DAYS = 1
#: at HOUR granularity the API serves the last 8 days, at most 3 days a request (sync analytics and reports alike:
#: docs/dev/API-NOTES.md#sync-analytics-date-limits)
HOUR_DAYS_BACK, HOUR_WINDOW_DAYS = 8, 3


class Batcher(Protocol):
    """The requests of one window of a partition, as extra slice keys (an id batch, targeting types...): `partition`
    carries the window's `start_date` and `end_date` too (what entities delivered in it may decide the batches)."""

    def batches(self, context: SyncContext, partition: Slice) -> Iterable[Mapping[str, Any]]: ...


@dataclass(frozen=True)
class OneRequest:
    """A window is read with one request."""

    def batches(self, context: SyncContext, partition: Slice) -> Iterable[Mapping[str, Any]]:
        yield {}


@dataclass(frozen=True)
class DateWindows:
    """How a windowed stream splits a partition's days into requests."""

    #: the API serves the last `days_back` days
    days_back: int
    #: days per request (inclusive)
    window_days: int
    batches: Batcher = OneRequest()
    #: what the stream reads, for the log line when the start is clamped ("analytics", "these reports")
    what: str = "analytics"
    #: the stream's own dates (custom reports); the config's otherwise
    start: Optional[date] = None
    end: Optional[date] = None
    #: the rows' granularity: windows are made of its whole periods
    granularity: str = periods.DAY
    #: the granularity is the config's `analytics_granularity` (see `resolved`)
    configurable: bool = False
    #: ads metrics: the cursor never passes the last day whose metrics are final (readiness.py)
    final_days_only: bool = False
    #: the stream's own start and end moments, where its dates were given as date-times (HOUR rows: `hour_bounds`)
    start_moment: Optional[datetime] = None
    end_moment: Optional[datetime] = None

    def at(self, granularity: str) -> DateWindows:
        """These windows at `granularity`, within the API's HOUR limits."""
        if granularity != periods.HOUR:
            return replace(self, granularity=granularity, configurable=False)
        return replace(
            self,
            granularity=granularity,
            configurable=False,
            days_back=min(self.days_back, HOUR_DAYS_BACK),
            window_days=min(self.window_days, HOUR_WINDOW_DAYS),
        )

    def resolved(self, config: PinterestConfig) -> DateWindows:
        """The windows of one sync: at the configured `analytics_granularity` when `configurable`."""
        return self.at(config.analytics_granularity) if self.configurable else self

    def groups(
        self, stream: str, context: SyncContext, partition: Slice, saved: Optional[date]
    ) -> Iterator[list[dict[str, Any]]]:
        """The slices of one partition, one group (its batches) per window, oldest window first. `saved`: the
        partition's saved date on an incremental read (None on a full one)."""
        span = self.span(context.config, saved, stream, partition)
        if span is None:
            return
        for start, end in periods.windows(*span, self.granularity, self.window_days):
            window = {**partition, "start_date": start.isoformat(), "end_date": end.isoformat()}
            yield [{**window, **batch} for batch in self.batches.batches(context, window)]

    def floor(self) -> date:
        """The first day the API serves (with the margin)."""
        return utc_today() - timedelta(days=self.days_back - MARGIN_DAYS)

    def last_day(self, config: PinterestConfig) -> date:
        """The last day read: the stream's or the config's end date, at most today."""
        return min(self.end or config.end_date, utc_today())

    def hour_bounds(self, config: PinterestConfig) -> tuple[Optional[str], Optional[str]]:
        """At HOUR granularity, the first and last hour to keep (`YYYY-MM-DD HH:00:00`) when the start or end was
        given as a date-time: the hours before the start's hour and after the end's are read (a request reads
        whole days) but not emitted."""
        start = self.start_moment if self.start is not None else config.moment("start_date")
        end = self.end_moment if self.end is not None else config.moment("end_date")
        return (
            start.strftime("%Y-%m-%d %H:00:00") if start else None,
            end.strftime("%Y-%m-%d %H:00:00") if end else None,
        )

    def anchor(self, config: PinterestConfig) -> date:
        """Where the fixed TOTAL windows start."""
        return self.start or config.start_date or periods.TOTAL_ANCHOR

    def span(
        self, config: PinterestConfig, saved: Optional[date], stream: str = "", partition: Optional[Slice] = None
    ) -> Optional[tuple[date, date]]:
        """The days to read (inclusive), or None when there is nothing to read (see the module docstring)."""
        floor = self.floor()
        end = self.last_day(config)
        start = self.start or config.start_date or floor
        if saved is not None:
            start = max(start, saved - timedelta(days=config.lookback_window_days))
        if start < floor:
            described = ", ".join(f"{key}={value}" for key, value in (partition or {}).items()) or "user"
            logger.info(
                "Stream %s (%s): Pinterest serves %s for the last %d days only; reading from %s instead of %s",
                stream,
                described,
                self.what,
                self.days_back,
                floor,
                start,
            )
        if self.granularity == periods.TOTAL:
            start = periods.total_window_start(max(start, floor), self.anchor(config), self.window_days)
            if start < floor:  # a window the API cannot serve whole: the next one
                start += timedelta(days=self.window_days)
        else:
            start = max(periods.period_start(start, self.granularity), floor)
        return (start, end) if start <= end else None


def as_date(value: Any) -> Optional[date]:
    """A saved `date` cursor value (`2025-01-31`, or a date-time whose day counts) as a date."""
    return date.fromisoformat(str(value)[:10]) if value else None
