"""Measurement reports (docs/dev/API-NOTES.md#measurement-reports): `conversion_product_report`, the brand,
category and SKU conversions of `analytics/create_conversion_product_report`, read as async jobs like the reports
(jobs.py) with the settings of `config.conversion_product_report`.

A slice is one job: an ad account and a window of whole weeks or months (at most 364 days, the API's limit being a
year), from the first day the API serves (after 2024-03-16; after 2025-04-01 with BRAND_ATTRIBUTION) or the
configured start, incremental on the period with the connection's lookback. The API asks for a "7 day minimum time
window", which reads as 7 dates or as 7 days apart (the simulator's `conversion_report_min_window` switch): a request
shorter than 8 dates asks for the 8 days ending at its end (never before the first day served); the rows of the
periods it does not own are left out (`WindowRows`).

The file is JSON `{entity id: [rows]}` (metrics that are 0 left out) or CSV (every cell a string, a metric without a
value 0): the records are the same (`ConversionRows.normalised`): the requested columns and no others, metrics typed
as the JSON number they write, a missing metric 0, a missing attribute null.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Optional

from source_pinterest_marketing.api_description import api_enums
from source_pinterest_marketing.config import ConversionProductReport, PinterestConfig
from source_pinterest_marketing.streams import periods
from source_pinterest_marketing.streams.ads import BY_AD_ACCOUNT
from source_pinterest_marketing.streams.columns import nullable, row_schema
from source_pinterest_marketing.streams.declaration import RequestContext, SliceRead, StreamDeclaration
from source_pinterest_marketing.streams.jobs import AsyncJobStream, CsvIds, JobApi, JobFetcherBase
from source_pinterest_marketing.streams.metrics_rows import ShapedRow, WindowRows
from source_pinterest_marketing.streams.types import Record, Slice, Token
from source_pinterest_marketing.streams.windows import DateWindows
from source_pinterest_marketing.transport import Request

CONVERSION_PRODUCT_PATH = "ad_accounts/{ad_account_id}/reports/brand_category_sku"
#: created by a POST to the path (`{token}`), polled by a GET of it with `?token=` (`{report_status, url}`)
CONVERSION_PRODUCT_JOBS = JobApi(CONVERSION_PRODUCT_PATH)
#: "Start date must be after 2024-03-16"; "When the attribution type is BRAND_ATTRIBUTION, start_date for the report
#: must be after 2025-04-01" (spec `ConversionProductReportRequest`)
FIRST_DAY = date(2024, 3, 17)
FIRST_BRAND_ATTRIBUTION_DAY = date(2025, 4, 2)
#: the API serves no "days back" limit: the first day served bounds the windows (`ConversionWindows.span`)
DAYS_BACK = 36500
#: "A max of 1 year is allowed between the start and end date": whole weeks within 365 days, 52 weeks (a window of
#: whole months is shorter)
WINDOW_DAYS = 364
#: "7 day minimum time window", read as 7 dates or as 7 days apart (switch `conversion_report_min_window`): 8 dates
#: hold under both
CONVERSION_MIN_WINDOW_DAYS = 8
#: the level's id column (in the file) and the record's id field
LEVEL_IDS: Mapping[str, tuple[str, str]] = {
    "ADVERTISER": ("ADVERTISER_ID", "ad_account_id"),
    "CAMPAIGN": ("CAMPAIGN_ID", "campaign_id"),
    "AD_GROUP": ("AD_GROUP_ID", "ad_group_id"),
}
#: the product columns that key a row of each breakdown
BREAKDOWN_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "PRODUCT_BRAND": ("CONVERSION_PRODUCT_BRAND",),
    "PRODUCT_CATEGORY": ("CONVERSION_PRODUCT_CATEGORY",),
    "PRODUCT_BRAND_AND_CATEGORY": ("CONVERSION_PRODUCT_BRAND", "CONVERSION_PRODUCT_CATEGORY"),
    "PRODUCT_SKU": ("CONVERSION_PRODUCT_ID",),
    "PRODUCT_SKU_GROUP": ("CONVERSION_PRODUCT_ID_GROUP",),
}
#: the settings written into each row
SETTINGS_FIELDS = ("attribution_type", "click_window_days", "view_window_days", "conversion_report_time")
_METRIC = re.compile(r"^TOTAL_(?:(WEB|INAPP|OFFLINE)_)?(?:(\w+?)_)?CONVERSION_PRODUCT_(QUANTITY|VALUE_IN_USD|VALUE)$")
_CHANNELS = {"WEB": "on the web", "INAPP": "in the app", "OFFLINE": "offline"}
_MEASURES = {
    "QUANTITY": "Units of the converted products",
    "VALUE": "Value of the converted products, in the ad account's currency",
    "VALUE_IN_USD": "Value of the converted products, in US dollars",
}
_ATTRIBUTES = {
    "ADVERTISER_ID": "The ad account's id.",
    "CAMPAIGN_ID": "The campaign's id.",
    "CAMPAIGN_NAME": "The campaign's name.",
    "CAMPAIGN_OBJECTIVE_TYPE": "The campaign's objective.",
    "AD_GROUP_ID": "The ad group's id.",
    "AD_GROUP_NAME": "The ad group's name.",
    "CONVERSION_PRODUCT_ID": "The converted product's SKU (PRODUCT_SKU breakdown).",
    "CONVERSION_PRODUCT_BRAND": "The converted products' brand.",
    "CONVERSION_PRODUCT_CATEGORY": "The converted products' category.",
    "CONVERSION_PRODUCT_ID_GROUP": "The SKU group of `product_sku_ids` (PRODUCT_SKU_GROUP breakdown).",
}


def conversion_columns() -> tuple[str, ...]:
    """Every column of the API's `ConversionProductReportingColumn`."""
    return tuple(api_enums()["conversion_product_columns"])


def metric_description(column: str) -> Optional[str]:
    """A metric column's meaning, from its name (`TOTAL_[channel_][event_]CONVERSION_PRODUCT_<measure>`); None: not a
    metric."""
    found = _METRIC.match(column)
    if found is None:
        return None
    channel, event, measure = found.groups()
    events = f"{event.replace('_', ' ').lower()} conversions" if event else "conversions of every event"
    where = _CHANNELS[channel] if channel else "in every channel"
    return f"{_MEASURES[measure]}: {events} {where}."


def first_day(settings: ConversionProductReport, granularity: str) -> date:
    """The first period start the API serves whole for these settings."""
    first = FIRST_BRAND_ATTRIBUTION_DAY if settings.attribution_type == "BRAND_ATTRIBUTION" else FIRST_DAY
    start = periods.period_start(first, granularity)
    return start if start >= first else periods.period_end(start, granularity) + timedelta(days=1)


@dataclass(frozen=True)
class ConversionWindows(DateWindows):
    """The report's windows: at the configured granularity, from the first day the API serves (`first_day`)."""

    def resolved(self, config: PinterestConfig) -> DateWindows:
        return self.at(config.conversion_product_report.granularity)

    def span(
        self, config: PinterestConfig, saved: Optional[date], stream: str = "", partition: Optional[Slice] = None
    ) -> Optional[tuple[date, date]]:
        span = super().span(config, saved, stream, partition)
        if span is None:
            return None
        start = max(span[0], first_day(config.conversion_product_report, self.granularity))
        return (start, span[1]) if start <= span[1] else None


@dataclass(frozen=True)
class ConversionRowSchema:
    """Every column of the API's enum (a metric a number, the others strings), the period, the ids and settings."""

    def build(self, declaration: Any = None) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for column in conversion_columns():
            meaning = metric_description(column)
            if meaning is not None:
                properties[column] = nullable("number", description=meaning)
            else:
                properties[column] = nullable(
                    "string", description=_ATTRIBUTES.get(column, column.replace("_", " ").lower())
                )
        period = nullable("string", format="date")
        properties.update(
            DATE=nullable("string", description="The period's first day, as the API writes it."),
            date=period,
            period_start=period,
            period_end=period,
            ad_account_id=nullable("string"),
            campaign_id=nullable("string"),
            ad_group_id=nullable("string"),
            attribution_type=nullable(
                "string", description="The report's conversion product attribution type (DEFAULT or BRAND_ATTRIBUTION)."
            ),
            click_window_days=nullable("integer"),
            view_window_days=nullable("integer"),
            conversion_report_time=nullable("string"),
        )
        return row_schema(properties)


def _number(value: Any) -> Any:
    """A metric as its JSON file writes it: a CSV cell's text parsed as JSON parses a number; absent: 0."""
    if value is None or value == "":
        return 0
    if type(value) is str:
        try:
            return int(value)
        except ValueError:
            return float(value)
    return value


@dataclass(frozen=True)
class ConversionRows(JobFetcherBase):
    """A slice's brand/category/SKU report job (see the module docstring)."""

    job_api: JobApi = CONVERSION_PRODUCT_JOBS
    api_parameters: tuple[str, ...] = ()

    @staticmethod
    def requested_columns(settings: ConversionProductReport) -> tuple[str, ...]:
        """The configured columns (every one by default), with the level's id and the breakdown's product columns."""
        chosen = settings.columns or conversion_columns()
        keys = (LEVEL_IDS[settings.level][0], *BREAKDOWN_COLUMNS[settings.breakdown])
        return tuple(dict.fromkeys((*keys, *chosen)))

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        settings = context.config.conversion_product_report
        asked = WindowRows.dates(stream_slice, token)
        start, end = date.fromisoformat(asked["start_date"]), date.fromisoformat(asked["end_date"])
        # at least 8 dates (the minimum under both readings), never before the first day served
        start = max(min(start, end - timedelta(days=CONVERSION_MIN_WINDOW_DAYS - 1)), first_day(settings, periods.DAY))
        body: dict[str, Any] = {
            "report_name": f"airbyte {context.stream} {stream_slice['ad_account_id']} {start}..{end}",
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "granularity": settings.granularity,
            "level": settings.level,
            "columns": list(self.requested_columns(settings)),
            "conversion_product_breakdown": settings.breakdown,
            "conversion_product_attribution_type": settings.attribution_type,
            "campaign_objective_types": list(settings.campaign_objective_types),
            "click_window_days": settings.click_window_days,
            "view_window_days": settings.view_window_days,
            "conversion_report_time": settings.conversion_report_time,
        }
        if settings.product_sku_ids:
            body["product_sku_ids"] = list(settings.product_sku_ids)
        return Request("POST", context.path_of(stream_slice), body=body)

    def start(self, context: RequestContext, stream_slice: Slice) -> WindowRows:
        settings = context.config.conversion_product_report
        constants = {
            "ad_account_id": stream_slice["ad_account_id"],
            **{name: getattr(settings, name) for name in SETTINGS_FIELDS},
        }
        return WindowRows.of(context, stream_slice, LEVEL_IDS[settings.level][1], constants)

    def csv_ids(self) -> CsvIds:
        # the level's id column is always requested; an advertiser's rows are the ad account's
        return CsvIds(tuple(column for column, _ in LEVEL_IDS.values() if column != "ADVERTISER_ID"), account_rows=True)

    def records(
        self, context: RequestContext, rows: Iterable[tuple[str, Mapping[str, Any]]], read: SliceRead
    ) -> Iterator[Record]:
        window: WindowRows = read.state
        columns = self.requested_columns(context.config.conversion_product_report)
        yield from window.records(self.normalised(rows, columns))
        read.next = window.next_token()

    @staticmethod
    def normalised(rows: Iterable[tuple[str, Mapping[str, Any]]], columns: tuple[str, ...]) -> Iterator[ShapedRow]:
        """A file's rows as the same records whatever the file's format: the requested columns and `DATE` only,
        metrics numbers (0 where the file leaves them out), attributes strings or null."""
        metrics = frozenset(column for column in columns if metric_description(column) is not None)  # once a file
        for entity_id, row in rows:
            record: Record = {"DATE": row.get("DATE")}
            for column in columns:
                value = row.get(column)
                if column in metrics:
                    record[column] = _number(value)
                else:
                    record[column] = None if value is None or value == "" else str(value)
            yield record, str(entity_id), None


def conversion_product_key(settings: ConversionProductReport) -> tuple[str, ...]:
    """The level's id, the breakdown's product columns and the period (the ad account too: ids are per account)."""
    id_field = LEVEL_IDS[settings.level][1]
    return tuple(dict.fromkeys(("ad_account_id", id_field, *BREAKDOWN_COLUMNS[settings.breakdown], "date")))


CONVERSION_PRODUCT_REPORT = StreamDeclaration(
    name="conversion_product_report",
    operation="analytics/create_conversion_product_report",
    path=CONVERSION_PRODUCT_PATH,
    fetcher=ConversionRows(),
    schema=ConversionRowSchema(),
    partitioner=BY_AD_ACCOUNT,
    primary_key=conversion_product_key(ConversionProductReport.model_validate({})),
    cursor="date",
    windows=ConversionWindows(DAYS_BACK, WINDOW_DAYS, what="conversion product reports", granularity=periods.WEEK),
    stream_class=AsyncJobStream,
)


def configured(declaration: StreamDeclaration, config: PinterestConfig) -> StreamDeclaration:
    """A measurement stream's declaration with the key of the configured settings (others: as they are)."""
    if declaration.name == CONVERSION_PRODUCT_REPORT.name:
        return replace(declaration, primary_key=conversion_product_key(config.conversion_product_report))
    return declaration


MEASUREMENT_STREAMS: tuple[StreamDeclaration, ...] = (CONVERSION_PRODUCT_REPORT,)
