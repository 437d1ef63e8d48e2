"""The API's limits in one table, and the one date check of sync analytics and async reports.

Sync analytics serve the last 90 days, at most 90 days per request
(https://developers.pinterest.com/docs/api/v5/ad_account-analytics); async reports the last 914 days, 186 per
request, product items 92/31 (https://developers.pinterest.com/docs/api/v5/analytics-create_report); hourly
granularity narrows either to 8/3. See docs/dev/API-NOTES.md#sync-analytics-date-limits,
docs/dev/API-NOTES.md#async-reports-date-limits and docs/dev/API-NOTES.md#async-reports-body-limits. The organic analytics (user account, pins) follow the sync limits. A
report's 5 targeting types are a ``maxItems`` of the spec, checked with the rest of the request body.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pinterest_simulator.clock import today
from pinterest_simulator.spec import refused


@dataclass(frozen=True)
class DateLimit:
    """How many days before today a request may start, and how many days its range may span (``end - start``,
    so a request covers at most ``max_span_days + 1`` dates)."""

    days_back: int
    max_span_days: int


#: which date rule a request follows (hourly granularity narrows each, see `date_limit`)
DateScope = Literal["sync_analytics", "reports", "product_item_reports"]

# -- the table ------------------------------------------------------------------------------------
DATE_LIMITS: dict[DateScope | Literal["hour"], DateLimit] = {
    "sync_analytics": DateLimit(days_back=90, max_span_days=90),
    "reports": DateLimit(days_back=914, max_span_days=186),
    "product_item_reports": DateLimit(days_back=92, max_span_days=31),
    "hour": DateLimit(days_back=8, max_span_days=3),
}
#: values per ``*_statuses`` filter of a report request
MAX_STATUS_VALUES = 6
#: items per page of a list endpoint (a larger ``page_size`` is served as this many)
MAX_PAGE_SIZE = 250


def date_limit(scope: DateScope, granularity: str) -> DateLimit:
    """The limit of `scope`; HOUR granularity takes the narrower of it and the hourly limit."""
    limit = DATE_LIMITS[scope]
    if granularity != "HOUR":
        return limit
    hour = DATE_LIMITS["hour"]
    return DateLimit(min(limit.days_back, hour.days_back), min(limit.max_span_days, hour.max_span_days))


def check_dates(start: dt.date, end: dt.date, limit: DateLimit, *, clamp_future_end: bool) -> tuple[dt.date, dt.date]:
    """``(start, min(end, today))``, or 400 ``{code: 400}`` when the API would refuse the range: an end before
    the start, an end after today (unless `clamp_future_end`, as sync analytics do), a start more than
    ``limit.days_back`` days ago, a range longer than ``limit.max_span_days`` days."""
    now = today()
    if end < start:
        raise refused(f"end_date {end} is before start_date {start}.")
    if not clamp_future_end and end > now:
        raise refused(f"end_date {end} is in the future.")
    if start < now - dt.timedelta(days=limit.days_back):
        raise refused(f"You can only get data from the last {limit.days_back} days (start_date {start}).")
    if (end - start).days > limit.max_span_days:
        raise refused(f"The date range cannot be longer than {limit.max_span_days} days ({start} to {end}).")
    return start, min(end, now)
