"""The period logic shared by sync analytics and reports (periods.py): stamps, owned periods, straddling weeks
asked for whole; and the cursor's hold at the last day whose metrics are final."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from test_cursor import _read

from source_pinterest_marketing.errors import UnexpectedResponseError
from source_pinterest_marketing.streams import periods
from source_pinterest_marketing.streams.cursor import CursorKind, PartitionedCursor


def test_stamp_of_each_granularity() -> None:
    window = date(2026, 3, 2)
    day = periods.PeriodStamp("s", periods.DAY, window, 90)
    assert day.period("x", None, {"DATE": "2026-03-05"}) == ("2026-03-05", "2026-03-05")
    week = periods.PeriodStamp("s", periods.WEEK, window, 91)
    assert week.period("x", None, {"DATE": "2026-03-09"}) == ("2026-03-09", "2026-03-15")
    month = periods.PeriodStamp("s", periods.MONTH, window, 90)
    assert month.period("x", None, {"DATE": "2026-02-01"}) == ("2026-02-01", "2026-02-28")
    total = periods.PeriodStamp("s", periods.TOTAL, window, 90)
    # the fixed window, whatever DATE says (or when it is not sent)
    assert total.period("x", None, {}) == ("2026-03-02", "2026-05-30")
    assert total.period("x", None, {"DATE": "2026-03-09"}) == ("2026-03-02", "2026-05-30")


def test_hour_rows_with_and_without_their_hour() -> None:
    stamp = periods.PeriodStamp("s", periods.HOUR, date(2026, 3, 2), 3)
    assert stamp.period("a", None, {"DATE": "2026-03-02 07:00:00"}) == ("2026-03-02 07:00:00", "2026-03-02 07:59:59")
    assert stamp.period("a", None, {"DATE": "2026-03-02T08"}) == ("2026-03-02 08:00:00", "2026-03-02 08:59:59")
    # dated by the day only: each row of a series is the next hour of that day
    hours = [stamp.period("b", None, {"DATE": "2026-03-03"})[0] for _ in range(3)]
    assert hours == ["2026-03-03 00:00:00", "2026-03-03 01:00:00", "2026-03-03 02:00:00"]
    assert stamp.period("c", None, {"DATE": "2026-03-03"})[0] == "2026-03-03 00:00:00", "series count their own hours"


def test_week_row_without_date_fails_naming_the_stream() -> None:
    stamp = periods.PeriodStamp("campaign_analytics", periods.WEEK, date(2026, 3, 2), 91)
    with pytest.raises(UnexpectedResponseError, match="campaign_analytics"):
        stamp.period("a", None, {"SPEND": 1})


def _weekly_api(week_first_day: int, calls: list[tuple[date, date]]) -> Any:
    """An API whose weeks start on `week_first_day`: one row (the spend of its days in the range) per week."""

    def rows(start: date, end: date) -> Iterator[dict[str, Any]]:
        calls.append((start, end))
        day = start
        while day <= end:
            label = day - timedelta(days=(day.weekday() - week_first_day) % 7)
            days = [label + timedelta(days=n) for n in range(7)]
            covered = [d for d in days if start <= d <= end]
            yield {"DATE": label.isoformat(), "SPEND": len(covered)}
            day = max(covered) + timedelta(days=1)

    return rows


@pytest.mark.parametrize("week_first_day", [0, 6])
def test_each_week_once_and_whole_over_consecutive_windows(week_first_day: int) -> None:
    """Windows of whole Monday weeks; under Sunday weeks a week straddles two windows: it is emitted once, by
    the window holding its last day, asked for on its own, whole."""
    calls: list[tuple[date, date]] = []
    rows = _weekly_api(week_first_day, calls)
    first = date(2026, 1, 5)  # a Monday
    last_day = first + timedelta(days=69)
    windows = list(periods.windows(first, last_day, periods.WEEK, 28))
    emitted: list[dict[str, Any]] = []
    for window in windows:
        for row, label in periods.whole_periods(
            rows, lambda row: date.fromisoformat(row["DATE"]), periods.WEEK, window, (first, last_day), "s"
        ):
            assert label == date.fromisoformat(row["DATE"])
            emitted.append(row)
    labels = [row["DATE"] for row in emitted]
    assert len(labels) == len(set(labels)), "a week twice"
    for row in emitted:
        label = date.fromisoformat(row["DATE"])
        whole = min(label + timedelta(days=6), last_day) - max(label, first)
        assert row["SPEND"] == whole.days + 1, f"week {label} is not whole"
    straddled = [call for call in calls if call not in windows]
    assert bool(straddled) == (week_first_day != 0)
    assert all(end <= last_day for _, end in calls), "never past the last day served"


def test_cursor_holds_at_the_last_final_day(caplog: pytest.LogCaptureFixture) -> None:
    cursor = PartitionedCursor("ad_analytics", "date", ("ad_account_id",), CursorKind.DAY)
    cursor.hold_at("2026-03-05")
    for day in ("2026-03-04", "2026-03-07"):
        _read(cursor, {"ad_account_id": "1", "day": day}, [day])
    assert cursor.to_state()["states"][0]["cursor"] == {"date": "2026-03-05"}
    assert "metrics after 2026-03-05 are not final yet" in caplog.text
    assert caplog.text.count("not final yet") == 1, "said once per partition"
    # a partition whose rows end before the hold advances as usual
    _read(cursor, {"ad_account_id": "2"}, ["2026-03-01"])
    assert cursor.saved_value({"ad_account_id": "2"}) == "2026-03-01"
