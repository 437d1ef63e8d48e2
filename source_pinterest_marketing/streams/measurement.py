"""Measurement reports (docs/dev/API-NOTES.md#measurement-reports), read as async jobs like the reports (jobs.py):
`conversion_product_report`, the brand, category and SKU conversions of `analytics/create_conversion_product_report`
(settings: `config.conversion_product_report`), and `mmm_report`, the Marketing Mix Modeling reports of
`analytics/create_mmm_report` (settings: `config.mmm_report`).

A slice is one job: an ad account and a window of whole weeks or months (at most 364 days, the API's limit being a
year), from the first day the API serves (after 2024-03-16; after 2025-04-01 with BRAND_ATTRIBUTION) or the
configured start, incremental on the period with the connection's lookback. The API asks for a "7 day minimum time
window", which reads as 7 dates or as 7 days apart (the simulator's `conversion_report_min_window` switch): a request
shorter than 8 dates asks for the 8 days ending at its end (never before the first day served); the rows of the
periods it does not own are left out (`WindowRows`).

MMM: a slice is one job: an ad account, a window and, with `countries` configured, one country (the API's countries
filter; `CountryBatches`). The API gives no date limits (the simulator's `mmm_date_limits` switch: the reports' or
the sync analytics'): the windows keep to the narrower, the last 90 days, at most 91 dates a request. Its answers are
wrapped (`{code, data: {...}}`: `MMM_JOBS`); its creates are limited to 5 a minute per ad account, which the sync's
API budget spaces (rate_limits.py), and count in the ads_analytics budget too.

The file of either report is JSON `{entity id: [rows]}` (metrics that are 0 may be left out) or CSV (a metric without
a value 0; the simulator's `measurement_file_format` switch): the records are the same (`normalised`): the requested
columns and no others, metrics typed as the JSON number they write, a missing metric 0, a missing attribute null.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Optional

from source_pinterest_marketing.api_description import api_enums
from source_pinterest_marketing.config import ConversionProductReport, MmmReport, PinterestConfig
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import UnexpectedResponseError
from source_pinterest_marketing.streams import periods
from source_pinterest_marketing.streams.ads import BY_AD_ACCOUNT
from source_pinterest_marketing.streams.columns import column_schema, nullable, row_schema
from source_pinterest_marketing.streams.declaration import RequestContext, SliceRead, StreamDeclaration
from source_pinterest_marketing.streams.jobs import AsyncJobStream, CsvIds, JobApi, JobFetcherBase
from source_pinterest_marketing.streams.metrics_rows import ShapedRow, WindowRows
from source_pinterest_marketing.streams.types import Record, Slice, Token
from source_pinterest_marketing.streams.windows import DateWindows
from source_pinterest_marketing.transport import Request

#: a config of the default settings: the keys the docs show (`StreamDeclaration.primary_key`)
DEFAULT_SETTINGS = PinterestConfig.model_construct(
    conversion_product_report=ConversionProductReport(), mmm_report=MmmReport()
)
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


def normalised(
    stream: str,
    rows: Iterable[tuple[str, Mapping[str, Any]]],
    columns: tuple[str, ...],
    metrics: frozenset[str],
    level_column: str,
    number: Callable[[Any], Any] = _number,
    targeting: bool = False,
) -> Iterator[ShapedRow]:
    """A file's rows as the same records whatever the file's format: the requested `columns` and `DATE` only (and
    the targeting type and value), `metrics` numbers (`number`: 0 where the file leaves them out; a metric that is
    not a number: `UnexpectedResponseError` naming the stream and the column), the others strings or null. A row's
    entity is its level's id (`level_column`) where it has one: a CSV file has no entity key, and its first id column
    may be another level's (an ad group row's CAMPAIGN_ID)."""
    for entity_id, row in rows:
        record: Record = {"DATE": row.get("DATE")}
        for column in columns:
            value = row.get(column)
            if column in metrics:
                try:
                    record[column] = number(value)
                except (TypeError, ValueError):
                    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
                    raise UnexpectedResponseError(
                        stream, "the report file", f"the metric {column} of a row is {shown}, not a number"
                    ) from None
            else:
                record[column] = _text(value)
        entity = record.get(level_column) or str(entity_id)
        if not targeting:
            yield record, entity, None
            continue
        kind, value = (_text(row.get(name)) for name in ("TARGETING_TYPE", "TARGETING_VALUE"))
        record["TARGETING_TYPE"], record["TARGETING_VALUE"] = kind, value
        yield record, entity, (kind, value)


def _text(value: Any) -> Optional[str]:
    return None if value is None or value == "" else str(value)


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
        settings = context.config.conversion_product_report
        columns = self.requested_columns(settings)
        metrics = frozenset(column for column in columns if metric_description(column) is not None)  # once a file
        yield from window.records(normalised(context.stream, rows, columns, metrics, LEVEL_IDS[settings.level][0]))
        read.next = window.next_token()



def conversion_product_key(config: PinterestConfig) -> tuple[str, ...]:
    """The level's id, the breakdown's product columns and the period (the ad account too: ids are per account)."""
    settings = config.conversion_product_report
    id_field = LEVEL_IDS[settings.level][1]
    return tuple(dict.fromkeys(("ad_account_id", id_field, *BREAKDOWN_COLUMNS[settings.breakdown], "date")))


CONVERSION_PRODUCT_REPORT = StreamDeclaration(
    name="conversion_product_report",
    operation="analytics/create_conversion_product_report",
    path=CONVERSION_PRODUCT_PATH,
    fetcher=ConversionRows(),
    schema=ConversionRowSchema(),
    partitioner=BY_AD_ACCOUNT,
    primary_key=conversion_product_key(DEFAULT_SETTINGS),
    configured_key=conversion_product_key,
    cursor="date",
    windows=ConversionWindows(DAYS_BACK, WINDOW_DAYS, what="conversion product reports", granularity=periods.WEEK),
    stream_class=AsyncJobStream,
)


MMM_PATH = "ad_accounts/{ad_account_id}/mmm_reports"
#: created by a POST to the path, polled by a GET of it with `?token=`; both answers wrapped: `{code, data: {...}}`
#: (`CreateMMMReportResponse`, `GetMMMReportResponse`)
MMM_JOBS = JobApi(MMM_PATH, handle="data.token", status="data.report_status", url="data.url")
#: the API gives no date limits (switch `mmm_date_limits`: the reports' 914 days back and 186 a request, or the sync
#: analytics' 90 and 90): the narrower holds under both, the last 90 days, a request from start to end at most 90 days
#: apart (91 dates: 13 whole weeks)
MMM_DAYS_BACK = 90
MMM_WINDOW_DAYS = 91
#: the level's id column (in the file) and the record's id field
MMM_LEVEL_IDS: Mapping[str, tuple[str, str]] = {
    "CAMPAIGN_TARGETING": ("CAMPAIGN_ID", "campaign_id"),
    "AD_GROUP_TARGETING": ("AD_GROUP_ID", "ad_group_id"),
}
#: the MMM columns that are not in the column table (data/report_columns.csv: the async report and sync analytics
#: enums), with their schema
MMM_OWN_COLUMNS: Mapping[str, dict[str, Any]] = {
    "ECPM_IN_DOLLAR": nullable(
        "number",
        description="Effective cost per thousand impressions (eCPM), earned impressions counted as well as paid ones, "
        "in the ad account's currency.",
    ),
    "ADVERTISER_NAME": nullable("string", description="The ad account's name."),
    "SPEND_ORDER_LINE_PAID_TYPE": nullable(
        "string", description="How the campaign's order line is paid (the order line's paid type)."
    ),
}


def mmm_columns() -> tuple[str, ...]:
    """Every column of the API's `MMMReportingColumn`."""
    return tuple(api_enums()["mmm_columns"])


def mmm_column_schema(column: str) -> dict[str, Any]:
    """An MMM column's schema: its own (`MMM_OWN_COLUMNS`), else the column table's."""
    own = MMM_OWN_COLUMNS.get(column)
    return dict(own) if own is not None else column_schema(column)


def mmm_metrics(requested: Iterable[str]) -> frozenset[str]:
    """The metric columns among `requested`: those typed as numbers."""
    return frozenset(
        column for column in requested if {"number", "integer"} & set(mmm_column_schema(column)["type"])
    )


def _canonical_number(value: Any) -> Any:
    """A metric as one JSON number whatever the file: a whole number an int (a CSV cell typed by the column table is
    a float where the JSON file writes an int), absent 0."""
    number = _number(value)
    return int(number) if type(number) is float and number.is_integer() else number


@dataclass(frozen=True)
class CountryBatches:
    """The jobs of one window: one, or, with `mmm_report.countries`, one per country (its filter)."""

    def batches(self, context: SyncContext, partition: Slice) -> Iterable[Mapping[str, Any]]:
        countries = context.config.mmm_report.countries
        if not countries:
            return [{}]
        return [{"country": country} for country in countries]


@dataclass(frozen=True)
class MmmWindows(DateWindows):
    """The MMM report's windows, at the configured granularity."""

    def resolved(self, config: PinterestConfig) -> DateWindows:
        return self.at(config.mmm_report.granularity)


@dataclass(frozen=True)
class MmmRowSchema:
    """Every column of the API's MMM enum, the file's `DATE` and targeting, the period, the ids and `country`."""

    def build(self, declaration: Any = None) -> dict[str, Any]:
        properties: dict[str, Any] = {column: mmm_column_schema(column) for column in mmm_columns()}
        period = nullable("string", format="date")
        properties.update(
            DATE=nullable("string", description="The period's first day, as the API writes it."),
            TARGETING_TYPE=nullable("string"),
            TARGETING_VALUE=nullable("string"),
            date=period,
            period_start=period,
            period_end=period,
            ad_account_id=nullable("string"),
            campaign_id=nullable("string"),
            ad_group_id=nullable("string"),
            targeting_type=nullable("string"),
            targeting_value=nullable("string"),
            country=nullable(
                "string",
                description="The country whose numbers the row holds (one of the mmm_report.countries setting, the "
                "report's countries filter); null: every country.",
            ),
        )
        return row_schema(properties)


@dataclass(frozen=True)
class MmmRows(JobFetcherBase):
    """A slice's MMM report job (see the module docstring)."""

    job_api: JobApi = MMM_JOBS
    api_parameters: tuple[str, ...] = ()

    @staticmethod
    def requested_columns(settings: MmmReport) -> tuple[str, ...]:
        """The configured columns (every one by default), with the level's id."""
        return tuple(dict.fromkeys((MMM_LEVEL_IDS[settings.level][0], *(settings.columns or mmm_columns()))))

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        settings = context.config.mmm_report
        asked = WindowRows.dates(stream_slice, token)
        body: dict[str, Any] = {
            "report_name": f"airbyte {context.stream} {stream_slice['ad_account_id']} "
            f"{asked['start_date']}..{asked['end_date']}",
            **asked,
            "granularity": settings.granularity,
            "level": settings.level,
            "targeting_types": list(settings.targeting_types),
            "columns": list(self.requested_columns(settings)),
        }
        if stream_slice.get("country"):
            body["countries"] = [stream_slice["country"]]
        return Request("POST", context.path_of(stream_slice), body=body)

    def start(self, context: RequestContext, stream_slice: Slice) -> WindowRows:
        constants = {"ad_account_id": stream_slice["ad_account_id"], "country": stream_slice.get("country")}
        return WindowRows.of(context, stream_slice, MMM_LEVEL_IDS[context.config.mmm_report.level][1], constants)

    def csv_ids(self) -> CsvIds:
        # the level's id column is always requested (`normalised` takes the entity from it)
        return CsvIds(tuple(column for column, _ in MMM_LEVEL_IDS.values()))

    def records(
        self, context: RequestContext, rows: Iterable[tuple[str, Mapping[str, Any]]], read: SliceRead
    ) -> Iterator[Record]:
        window: WindowRows = read.state
        settings = context.config.mmm_report
        columns = self.requested_columns(settings)
        level_column = MMM_LEVEL_IDS[settings.level][0]
        shaped = normalised(
            context.stream, rows, columns, mmm_metrics(columns), level_column, _canonical_number, targeting=True
        )
        yield from window.records(shaped)
        read.next = window.next_token()


def mmm_key(config: PinterestConfig) -> tuple[str, ...]:
    """The level's id, the targeting type and value, the period, and the country when the report is read per
    country (the ad account too: ids are per account)."""
    settings = config.mmm_report
    id_field = MMM_LEVEL_IDS[settings.level][1]
    country = ("country",) if settings.countries else ()
    return ("ad_account_id", id_field, "targeting_type", "targeting_value", "date", *country)


MMM_REPORT = StreamDeclaration(
    name="mmm_report",
    operation="analytics/create_mmm_report",
    path=MMM_PATH,
    fetcher=MmmRows(),
    schema=MmmRowSchema(),
    partitioner=BY_AD_ACCOUNT,
    primary_key=mmm_key(DEFAULT_SETTINGS),
    configured_key=mmm_key,
    cursor="date",
    windows=MmmWindows(MMM_DAYS_BACK, MMM_WINDOW_DAYS, CountryBatches(), what="MMM reports", final_days_only=True),
    stream_class=AsyncJobStream,
)


MEASUREMENT_STREAMS: tuple[StreamDeclaration, ...] = (CONVERSION_PRODUCT_REPORT, MMM_REPORT)
