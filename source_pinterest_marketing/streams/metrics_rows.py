"""Rows of metrics, the same for sync analytics (analytics.py) and async reports (reports.py): how the rows of a
window's answers become records, and the schema of those records.

`WindowRows` is one read of a window slice (an account, a date window, a batch). Its first request asks for the
window; each row the answers hold is stamped by `stamped`, the one function that writes what the connector adds to
a metrics row:

- the entity's normalised id (`campaign_id`...), the targeting type and value of a targeting breakdown;
- its period (periods.py): `period_start` and `period_end`, and `date` (= `period_start`; an HOUR row's has its hour);
- the constants of the slice: the ad account, the attribution settings (or the template), the campaign.

WEEK and MONTH periods come out once and whole (`periods.WholePeriods`): a period that straddles two windows is
asked for by a request of its own, after the window's (`next_request`). How a family sends a request and reads its
answer differs (a streamed JSON body, a report job's file): that is the family's; the rest is here.

`MetricsRowSchema` builds the schema of such records: the columns asked (the column table's types and meanings),
the API's `DATE`, the period fields, the ids and what the family writes besides.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from source_pinterest_marketing.streams import periods
from source_pinterest_marketing.streams.columns import column_schema, nullable, row_schema
from source_pinterest_marketing.streams.declaration import RequestContext
from source_pinterest_marketing.streams.types import Record, Slice, Token

#: a row of an answer, shaped by its family: (the record so far, its entity's id, (targeting type, value) or None)
ShapedRow = tuple[Record, Any, Optional[tuple[Any, Any]]]


class WindowRows:
    """One read of a window slice's metrics rows (see the module docstring)."""

    def __init__(
        self,
        stream: str,
        granularity: str,
        window: tuple[date, date],
        window_days: int,
        served: tuple[date, date],
        id_field: str,
        constants: Mapping[str, Any],
    ) -> None:
        self.stamp = periods.PeriodStamp(stream, granularity, window[0], window_days)
        self.periods = periods.WholePeriods(granularity, window, served, stream)
        #: the row's normalised entity id field (the account's is a constant)
        self.id_field = id_field
        self.constants = constants
        #: the days the current request asks for, and the first day of the straddling period it is for (None: the
        #: window's own request)
        self.asked = window
        self.period: Optional[date] = None

    @classmethod
    def of(cls, context: RequestContext, stream_slice: Slice, id_field: str, constants: Mapping[str, Any]) -> WindowRows:
        """The read of the window slice `stream_slice` of a windowed stream."""
        windows = context.windows
        if windows is None:
            raise TypeError(f"stream {context.stream} has no date windows")
        window = (date.fromisoformat(stream_slice["start_date"]), date.fromisoformat(stream_slice["end_date"]))
        served = (windows.floor(), windows.last_day(context.config))
        return cls(context.stream, windows.granularity, window, windows.window_days, served, id_field, constants)

    @staticmethod
    def dates(stream_slice: Slice, token: Optional[Token]) -> dict[str, str]:
        """The days a request of the slice asks for: the window's, or a straddling period's (`token`)."""
        source = token or stream_slice
        return {"start_date": source["start_date"], "end_date": source["end_date"]}

    def next_token(self) -> Optional[Token]:
        """The token of the window's next request (`dates`), or None: the window is done."""
        if not self.next_request():
            return None
        return {"start_date": self.asked[0].isoformat(), "end_date": self.asked[1].isoformat()}

    def records(self, rows: Iterable[ShapedRow]) -> Iterator[Record]:
        """The records of the current request's rows: those of the periods it owns, stamped."""
        if self.periods.granularity not in periods.WHOLE_PERIODS:  # every row, in one request: no labels to find
            stamped = self.stamped
            for record, entity_id, targeting in rows:
                yield stamped(record, entity_id, targeting, None)
            return
        label = self.stamp.label
        for (record, entity_id, targeting), period_start in self.periods.rows(
            iter(rows), lambda row: label(row[0]), self.period
        ):
            yield self.stamped(record, entity_id, targeting, period_start)

    def stamped(
        self, record: Record, entity_id: Any, targeting: Optional[tuple[Any, Any]], label: Optional[date]
    ) -> Record:
        """`record` with what the connector writes into a metrics row: its entity id, targeting, period and the
        slice's constants. `label`: a WEEK or MONTH row's period start, when already known."""
        if self.id_field != "ad_account_id":
            record[self.id_field] = entity_id
        if targeting is not None:
            record["targeting_type"], record["targeting_value"] = targeting
        record["period_start"], record["period_end"] = self.stamp.period(entity_id, targeting, record, label)
        record["date"] = record["period_start"]
        record.update(self.constants)
        return record

    def next_request(self) -> bool:
        """Move to the next request of the window (a straddling period's); False: the window is done."""
        straddling = self.periods.next_request()
        if straddling is None:
            return False
        self.asked, self.period = straddling, straddling[0]
        return True


@dataclass(frozen=True)
class MetricsRowSchema:
    """The schema of metrics records: the `columns` asked (their types and meanings from the column table), the API's
    `DATE` (`api_date`), the period fields (an HOUR row's hold their hour: see `stream.hourly_schema`), the ad account
    and the entity id (`id_field`), the `targeting` fields and what the family writes besides (`own`: attribution
    settings, the campaign, the template...)."""

    columns: tuple[str, ...]
    id_field: str
    api_date: Mapping[str, Any]
    targeting: tuple[str, ...] = ()
    own: Mapping[str, Any] = field(default_factory=dict)

    def build(self, declaration: Any = None) -> dict[str, Any]:
        period = nullable("string", format="date")
        properties: dict[str, Any] = {column: column_schema(column) for column in self.columns}
        properties.update(DATE=dict(self.api_date), date=period, period_start=period, period_end=period)
        properties["ad_account_id"] = nullable("string")
        properties[self.id_field] = nullable("string")
        properties.update({name: nullable("string") for name in self.targeting})
        properties.update(self.own)
        return row_schema(properties)
