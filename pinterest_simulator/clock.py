"""The simulator's calendar: today's date in UTC, the day every date rule and generated number counts from."""

from __future__ import annotations

import datetime as dt


def today() -> dt.date:
    """Today in UTC (Pinterest's analytics dates are UTC days)."""
    return dt.datetime.now(dt.UTC).date()
