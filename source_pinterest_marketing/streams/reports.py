"""Asynchronous reports (docs/dev/API-NOTES.md#async-reports-create-poll-download): `<level>_report` streams for
every async level, and `custom_<name>` streams from `config.custom_reports`.

Reports are windowed streams (windows.py): a slice is one report request: an ad account, a date window (186
days; PRODUCT_ITEM 31; HOUR 3: docs/dev/API-NOTES.md#async-reports-date-limits), and, where one request cannot carry everything,
a batch of targeting types (5 a request) or of status filter values (6 a request). Each slice runs one
async job (jobs.py: create → poll with growing intervals → download and stream-parse the file), read by an
`AsyncJobStream`, on the worker thread of its partition: jobs of several accounts and windows are in flight at once,
bounded by `report_jobs_in_flight`. Standard levels differ only in data: the `REPORTS` table of frozen specs; custom
reports are specs built from the config.

The standard streams ask for every column the API accepts for their level: the ids, names and attributes of the
level's entity and of its parents, and every metric (columns.py; at the product item level, no Pin promotion or ad
column, which the API refuses there).

Status filters over 6 values are split into several requests when the level's rows are per entity at or below the
filtered entity (each entity has one status, so the requests' rows are disjoint and their union is the unsplit
answer); for a level that aggregates over the filtered entities (ADVERTISER with `campaign_statuses`) a split would
double-count, so such a report is rejected as a config error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any, Optional

from source_pinterest_marketing.api_description import api_enums
from source_pinterest_marketing.config import CustomReport, PinterestConfig
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import config_error
from source_pinterest_marketing.streams.ads import BY_AD_ACCOUNT
from source_pinterest_marketing.streams.base import shared_records
from source_pinterest_marketing.streams.columns import attribution_schema, columns, describing, nullable
from source_pinterest_marketing.streams.declaration import (
    API_PREFIX,
    Component,
    RequestContext,
    SliceRead,
    StreamDeclaration,
)
from source_pinterest_marketing.streams.fetchers import BOOKMARK_PAGES, SharedList
from source_pinterest_marketing.streams.jobs import REPORT_JOBS, AsyncJobStream, CsvIds, JobApi, JobFetcherBase
from source_pinterest_marketing.streams.metrics_rows import MetricsRowSchema, ShapedRow, WindowRows
from source_pinterest_marketing.streams.partitions import batched
from source_pinterest_marketing.streams.types import Record, Slice, Token
from source_pinterest_marketing.streams.windows import DateWindows
from source_pinterest_marketing.transport import Request

#: (days back, days per request) the API serves
DAYS_BACK, WINDOW_DAYS = 914, 186
PRODUCT_ITEM_DAYS_BACK, PRODUCT_ITEM_WINDOW_DAYS = 92, 31
MAX_TARGETING_TYPES = 5
MAX_STATUS_VALUES = 6
DEFAULT_TARGETING_TYPES = ("AGE_BUCKET", "GENDER", "COUNTRY", "APPTYPE", "PLACEMENT")
#: targeting types available at one level only (spec: `AdsAnalyticsCreateAsyncRequest.targeting_types`)
TARGETING_TYPE_LEVELS = {"AUDIENCE_MULTIPLIER": "CAMPAIGN_TARGETING", "MEDIA_TYPE": "PRODUCT_ITEM_TARGETING"}
REPORTS_OPERATION = "analytics/create_report"
REPORTS_PATH = "ad_accounts/{ad_account_id}/reports"
TEMPLATE_REPORTS_OPERATION = "analytics/create_template_report"
TEMPLATE_REPORTS_PATH = "ad_accounts/{ad_account_id}/templates/{template_id}/reports"


@dataclass(frozen=True)
class ReportLevel:
    """An async report level (without `_TARGETING`): the row id it is keyed by and the entities it describes."""

    #: the normalised id field ("campaign_id"), filled from the file's top-level key
    id_field: str
    #: the entities whose id, name and attribute columns its rows carry (its own and its parents')
    entities: tuple[str, ...]
    days_back: int = DAYS_BACK
    window_days: int = WINDOW_DAYS
    #: the status filters whose entities the level's rows are at or below (safe to split)
    splittable_filters: tuple[str, ...] = ("campaign_statuses",)
    #: extra primary key fields (ids not unique across accounts)
    extra_key: tuple[str, ...] = ()
    #: the columns that may hold a CSV row's entity id (a JSON file keys rows by it), first found wins;
    #: empty: the id field's UPPER_CASE name
    id_columns: tuple[str, ...] = ()

    @property
    def csv_id_columns(self) -> tuple[str, ...]:
        return self.id_columns or (self.id_field.upper(),)


_CAMPAIGN = ("advertiser", "campaign", "order_line")
_AD_GROUP = (*_CAMPAIGN, "ad_group", "promo")
#: "Pin promotion and ad related columns are not supported for the Product Item level reports"
#: (spec: `AdsAnalyticsCreateAsyncRequest.columns`)
NOT_AT_PRODUCT_ITEM_LEVEL = ("ad", "pin")
_BELOW_CAMPAIGN = ("campaign_statuses",)
_BELOW_AD_GROUP = (*_BELOW_CAMPAIGN, "ad_group_statuses")
LEVELS: Mapping[str, ReportLevel] = {
    "ADVERTISER": ReportLevel(
        "ad_account_id", ("advertiser",), splittable_filters=(), id_columns=("ADVERTISER_ID", "AD_ACCOUNT_ID")
    ),
    "CAMPAIGN": ReportLevel("campaign_id", _CAMPAIGN),
    "AD_GROUP": ReportLevel("ad_group_id", _AD_GROUP, splittable_filters=_BELOW_AD_GROUP),
    "PIN_PROMOTION": ReportLevel(
        "pin_promotion_id",
        (*_AD_GROUP, "ad", "pin"),
        splittable_filters=(*_BELOW_AD_GROUP, "ad_statuses"),
        id_columns=("PIN_PROMOTION_ID", "AD_ID"),
    ),
    "KEYWORD": ReportLevel("keyword_id", _AD_GROUP, splittable_filters=_BELOW_AD_GROUP),
    "PRODUCT_GROUP": ReportLevel(
        "product_group_id",
        (*_AD_GROUP, "product_group"),
        splittable_filters=(*_BELOW_AD_GROUP, "product_group_statuses"),
        # a product group id may be a catalog product group's, promoted from several ad accounts
        extra_key=("ad_account_id",),
    ),
    "PRODUCT_ITEM": ReportLevel(
        "product_item_id",
        (*_AD_GROUP, "product_group", "product_item"),
        PRODUCT_ITEM_DAYS_BACK,
        PRODUCT_ITEM_WINDOW_DAYS,
        splittable_filters=(*_BELOW_AD_GROUP, "product_group_statuses"),
        extra_key=("ad_account_id",),
    ),
}
#: status filters of a report: at most `MAX_STATUS_VALUES` values a request, split where the level allows
STATUS_FILTERS = ("campaign_statuses", "product_group_statuses", "ad_group_statuses", "ad_statuses")
#: filters sent as they are (id lists within the API's maximum, metrics filters, the time zone)
PLAIN_FILTERS = ("campaign_ids", "ad_group_ids", "ad_ids", "metrics_filters", "reporting_timezone")


@dataclass(frozen=True)
class ReportSpec:
    """One report stream: level, granularity, columns, filters and (for custom reports) its own settings."""

    stream_name: str
    #: the API level, `_TARGETING` included
    level: str
    granularity: str = "DAY"
    #: empty: every column of the level (`describing` its entities, and every metric)
    columns: tuple[str, ...] = ()
    targeting_types: tuple[str, ...] = ()
    attribution_types: tuple[str, ...] = ()
    campaign_statuses: tuple[str, ...] = ()
    product_group_statuses: tuple[str, ...] = ()
    ad_group_statuses: tuple[str, ...] = ()
    ad_statuses: tuple[str, ...] = ()
    #: `PLAIN_FILTERS` the report sets ((field, value) pairs, as the API takes them)
    filters: tuple[tuple[str, Any], ...] = ()
    start_date: Optional[date] = None
    end_date: Optional[date] = None
    #: the report's own start and end moments, where given as date-times (HOUR reports start and end at their hour)
    start_moment: Optional[datetime] = None
    end_moment: Optional[datetime] = None
    #: attribution settings the report sets itself ((field, value) pairs); the config's for the rest
    attribution: tuple[tuple[str, Any], ...] = ()
    #: a report template of Ads Manager (its columns, filters and attribution are the template's)
    template_id: Optional[str] = None

    @property
    def base_level(self) -> ReportLevel:
        return LEVELS[self.level.removesuffix("_TARGETING")]

    @property
    def targeting(self) -> bool:
        return self.level.endswith("_TARGETING")

    @property
    def request_columns(self) -> tuple[str, ...]:
        if self.columns:
            return self.columns
        return describing(self.base_level.entities)

    @property
    def schema_columns(self) -> tuple[str, ...]:
        """The columns rows may have: a template's are only known to the API, so every column of the table."""
        return tuple(columns()) if self.template_id else self.request_columns

    @property
    def primary_key(self) -> tuple[str, ...]:
        """The level's ids and the period, and the targeting value (a TOTAL period's end joins it: see
        `PinterestStream.primary_key`)."""
        level = self.base_level
        key = (*level.extra_key, level.id_field, "date")
        return (*key, "targeting_type", "targeting_value") if self.targeting else key

    @property
    def windows(self) -> DateWindows:
        """(days back, days per request) of the level at the granularity, the report's own dates, its batches."""
        level = self.base_level
        windows = DateWindows(
            level.days_back,
            level.window_days,
            FilterBatches(self),
            "these reports",
            self.start_date,
            self.end_date,
            final_days_only=True,
            start_moment=self.start_moment,
            end_moment=self.end_moment,
        )
        return windows.at(self.granularity)

    def check(self) -> None:
        """Config errors the API would answer with a 400 (or a split would make wrong)."""
        if self.level.startswith("PRODUCT_ITEM"):
            refused = [name for name in self.columns if columns()[name].describes in NOT_AT_PRODUCT_ITEM_LEVEL]
            if refused:
                raise config_error(
                    f"custom report '{self.stream_name}': level {self.level} does not take Pin promotion and ad "
                    f"columns (the API refuses them): {refused}. Remove them or use a level that has them."
                )
        for targeting_type, only_level in TARGETING_TYPE_LEVELS.items():
            if targeting_type in self.targeting_types and self.level != only_level:
                raise config_error(
                    f"custom report '{self.stream_name}': targeting type {targeting_type} is only available at "
                    f"level {only_level}, not {self.level}."
                )
        for name in STATUS_FILTERS:
            values = getattr(self, name)
            if len(values) > MAX_STATUS_VALUES and name not in self.base_level.splittable_filters:
                raise config_error(
                    f"custom report '{self.stream_name}': {name} has {len(values)} values; the API takes at most "
                    f"{MAX_STATUS_VALUES} and level {self.level} sums over them, so the request cannot be split. "
                    f"Use at most {MAX_STATUS_VALUES} values or a level at or below the filtered entity."
                )


@dataclass(frozen=True)
class FilterBatches:
    """The requests of one window: targeting types by 5, status filters by 6 (see the module docstring)."""

    spec: ReportSpec

    def batches(self, context: SyncContext, partition: Slice) -> Iterable[Mapping[str, Any]]:
        spec = self.spec
        batches: list[dict[str, list[str]]] = [{}]
        targeting = spec.targeting_types or (DEFAULT_TARGETING_TYPES if spec.targeting else ())
        splits = (
            ("targeting_types", targeting, MAX_TARGETING_TYPES),
            *((name, getattr(spec, name), MAX_STATUS_VALUES) for name in STATUS_FILTERS),
        )
        for name, values, size in splits:
            if values:
                batches = [{**batch, name: part} for batch in batches for part in batched(values, size)]
        return batches


@cache
def _column_names() -> tuple[frozenset[str], frozenset[str]]:
    """Every column of the column table, and those of them that hold ids (named `..._ID`)."""
    names = frozenset(columns())
    return names, frozenset(name for name in names if name.endswith("_ID"))


def id_columns_of(row: Mapping[str, Any]) -> frozenset[str]:
    """The columns of a report row that hold ids: named `..._ID` (the column table's, or any other by its name). The
    rows of a file share their columns: found once per set of columns (`_id_columns`), not for each of ~190 columns
    of every row."""
    return _id_columns(tuple(row))


@lru_cache(maxsize=256)
def _id_columns(keys: tuple[str, ...]) -> frozenset[str]:
    known, ids = _column_names()
    return frozenset(key for key in keys if key in ids or (key not in known and key.endswith("_ID")))


@dataclass(frozen=True)
class ReportRows(JobFetcherBase):
    """A slice's report job, its rows as records: one row per entity (and targeting value) per date, with the
    attribution settings written into each row (metrics_rows.py); WEEK and MONTH: each period once, whole (a period
    straddling two windows is a job of its own, the slice's next)."""

    spec: ReportSpec
    api_parameters: tuple[str, ...] = ()
    job_api: JobApi = REPORT_JOBS

    def attribution(self, config: PinterestConfig) -> dict[str, Any]:
        """The attribution settings of the rows (a template's are its own: see the report_templates stream)."""
        if self.spec.template_id:
            return {}
        return {**config.attribution, **dict(self.spec.attribution)}

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        """The request that creates the job: a template report's dates and granularity as query parameters on the
        template's path; otherwise the JSON body."""
        asked = {**stream_slice, **WindowRows.dates(stream_slice, token)}
        if self.spec.template_id:
            path = TEMPLATE_REPORTS_PATH.replace("{template_id}", self.spec.template_id)
            params = {key: asked[key] for key in ("start_date", "end_date")}
            return Request("POST", context.path_of(asked, path), {**params, "granularity": self.spec.granularity})
        return Request("POST", context.path_of(asked), body=self.request_body(asked, context.config))

    def request_body(self, stream_slice: Slice, config: PinterestConfig) -> dict[str, Any]:
        """The create body: JSON only (the endpoint takes no query parameters); 0-day windows are sent as 0."""
        spec = self.spec
        body: dict[str, Any] = {
            "start_date": stream_slice["start_date"],
            "end_date": stream_slice["end_date"],
            "granularity": spec.granularity,
            "level": spec.level,
            "columns": list(spec.request_columns),
            "report_format": "JSON",
            "primary_sort": "BY_ID",
            **self.attribution(config),
        }
        if spec.attribution_types:
            body["attribution_types"] = list(spec.attribution_types)
        for name in ("targeting_types", *STATUS_FILTERS):
            if stream_slice.get(name):
                body[name] = list(stream_slice[name])
        body.update(spec.filters)
        return body

    def start(self, context: RequestContext, stream_slice: Slice) -> WindowRows:
        spec = self.spec
        constants = {"ad_account_id": stream_slice["ad_account_id"], **self.attribution(context.config)}
        if spec.template_id:
            constants["template_id"] = spec.template_id
        return WindowRows.of(context, stream_slice, spec.base_level.id_field, constants)

    def csv_ids(self) -> CsvIds:
        level = self.spec.base_level
        return CsvIds(level.csv_id_columns, account_rows=level.id_field == "ad_account_id")

    def records(
        self, context: RequestContext, rows: Iterable[tuple[str, Mapping[str, Any]]], read: SliceRead
    ) -> Iterator[Record]:
        window: WindowRows = read.state
        yield from window.records(self.shaped(rows))
        read.next = window.next_token()

    def shaped(self, rows: Iterable[tuple[str, Mapping[str, Any]]]) -> Iterator[ShapedRow]:
        """A report file's rows as records: the file's UPPER_CASE columns (ids as strings: a file may carry id columns
        that were not requested, so not in the schema records are normalised to), with the entity id the file keys
        the row by, and its targeting."""
        targeting = self.spec.targeting
        for entity_id, row in rows:
            record: Record = row if type(row) is dict else dict(row)  # a row parsed from the file is the record
            for key in id_columns_of(record):
                value = record[key]
                if value is not None and type(value) is not str:
                    record[key] = str(value)
            yield record, entity_id, (record.get("TARGETING_TYPE"), record.get("TARGETING_VALUE")) if targeting else None

    def endpoint(self, path: str) -> str:
        if self.spec.template_id:
            return f"POST {API_PREFIX}{TEMPLATE_REPORTS_PATH}, GET {API_PREFIX}{path}"
        return super().endpoint(path)


REPORTS: tuple[ReportSpec, ...] = tuple(
    ReportSpec(f"{level.lower()}{suffix.lower()}_report", f"{level}{suffix}")
    for level in LEVELS
    for suffix in ("", "_TARGETING")
    if f"{level}{suffix}" in api_enums()["async_report_levels"]
)


@dataclass(frozen=True)
class AccountsWithTemplate:
    """The ad accounts of the sync that have the report's template (their own, or shared with them). Reading it, as
    `check` does first, is a config error when no account has the template, or when it is at another level than the
    report's (the rows would be keyed by the wrong id)."""

    spec: ReportSpec
    keys: tuple[str, ...] = ("ad_account_id",)

    def partitions(self, context: SyncContext) -> Iterator[Slice]:
        spec = self.spec
        found = False
        for account in BY_AD_ACCOUNT.partitions(context):
            template = next(
                (
                    template
                    for template in shared_records(context, REPORT_TEMPLATES, account)
                    if str(template.get("id")) == spec.template_id and not template.get("is_deleted")
                ),
                None,
            )
            if template is None:
                continue
            if template.get("report_level") != spec.level:
                raise config_error(
                    f"custom report '{spec.stream_name}': template {spec.template_id} (ad account "
                    f"{account['ad_account_id']}) is at level {template.get('report_level')}, not {spec.level}: set "
                    "the report's level to the template's."
                )
            found = True
            yield account
        if not found:
            raise config_error(
                f"custom report '{spec.stream_name}': template {spec.template_id} is not a template of the ad accounts "
                "read (or it was deleted); the report_templates stream lists them."
            )


def check_templates(context: SyncContext) -> None:
    """The config errors of custom reports that read a template (`AccountsWithTemplate`), before any sync."""
    for declaration in custom_report_declarations(context.config):
        if isinstance(declaration.partitioner, AccountsWithTemplate):
            list(declaration.partitioner.partitions(context))


def report_declaration(spec: ReportSpec, bundled_schema: bool = True) -> StreamDeclaration:
    return StreamDeclaration(
        name=spec.stream_name,
        operation=TEMPLATE_REPORTS_OPERATION if spec.template_id else REPORTS_OPERATION,
        path=REPORTS_PATH,
        fetcher=ReportRows(spec),
        schema=MetricsRowSchema(
            spec.schema_columns,
            spec.base_level.id_field,
            api_date=nullable("string"),
            targeting=("TARGETING_TYPE", "TARGETING_VALUE", "targeting_type", "targeting_value") if spec.targeting else (),
            own={"template_id": nullable("string")} if spec.template_id else attribution_schema(),
        ),
        partitioner=AccountsWithTemplate(spec) if spec.template_id else BY_AD_ACCOUNT,
        primary_key=spec.primary_key,
        cursor="date",
        windows=spec.windows,
        bundled_schema=bundled_schema,
        stream_class=AsyncJobStream,
    )


def custom_report_spec(report: CustomReport) -> ReportSpec:
    """A custom report of the config as a spec (its attribution fields only where the user set them)."""
    spec = ReportSpec(
        stream_name=report.stream_name,
        level=report.level,
        granularity=report.granularity,
        columns=tuple(report.columns),
        targeting_types=tuple(report.targeting_types),
        attribution_types=tuple(report.attribution_types),
        campaign_statuses=tuple(report.campaign_statuses),
        product_group_statuses=tuple(report.product_group_statuses),
        ad_group_statuses=tuple(report.ad_group_statuses),
        ad_statuses=tuple(report.ad_statuses),
        filters=tuple((name, _api_value(getattr(report, name))) for name in PLAIN_FILTERS if getattr(report, name)),
        template_id=report.template_id,
        start_date=report.start_date,
        end_date=report.end_date,
        start_moment=report.moment("start_date"),
        end_moment=report.moment("end_date"),
        attribution=tuple(report.own_attribution.items()),
    )
    spec.check()
    return spec


def _api_value(value: Any) -> Any:
    """A config value as the request body carries it (metrics filters as objects)."""
    if isinstance(value, list):
        return [item.model_dump() if hasattr(item, "model_dump") else item for item in value]
    return value


def custom_report_declarations(config: PinterestConfig) -> Iterator[StreamDeclaration]:
    """One `custom_<name>` stream per configured custom report (its schema built from its columns)."""
    for report in config.custom_reports:
        yield report_declaration(custom_report_spec(report), bundled_schema=False)


# the report templates of each ad account (a custom report reads one with `template_id`)
REPORT_TEMPLATES = StreamDeclaration(
    name="report_templates",
    operation="templates/list",
    path="ad_accounts/{ad_account_id}/templates",
    fetcher=SharedList(BOOKMARK_PAGES, ("id", "report_level", "is_deleted")),
    schema=Component("TemplateResponse"),
    partitioner=BY_AD_ACCOUNT,
    cursor="updated_time",
    params={"order": "ASCENDING"},
    slice_fields=("ad_account_id",),
)

REPORT_STREAMS: tuple[StreamDeclaration, ...] = (
    REPORT_TEMPLATES,
    *(report_declaration(spec) for spec in REPORTS),
)
