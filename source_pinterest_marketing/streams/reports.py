"""Asynchronous reports (docs/dev/API-NOTES.md#async-reports-create-poll-download): `<level>_report` streams for
every async level, and `custom_<name>` streams from `config.custom_reports`.

Reports are windowed streams (windows.py): a slice is one report request: an ad account, a date window (186
days; PRODUCT_ITEM 31; HOUR 3: docs/dev/API-NOTES.md#async-reports-date-limits), and, where one request cannot carry everything,
a batch of targeting types (5 a request) or of status filter values (6 a request). Each slice runs one
`ReportJob` (create → poll with growing intervals → download and stream-parse the file), on the worker thread
of its partition: jobs of several accounts and windows are in flight at once, bounded by
`report_jobs_in_flight`. Standard levels differ only in data: the `REPORTS` table of frozen specs; custom
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

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar, Optional

import ijson
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.config import CustomReport, PinterestConfig, api_enums
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import PinterestError, UnexpectedResponseError, config_error
from source_pinterest_marketing.streams import periods
from source_pinterest_marketing.streams.ads import BY_AD_ACCOUNT
from source_pinterest_marketing.streams.columns import (
    attribution_schema,
    column_schema,
    columns,
    describing,
    nullable,
    row_schema,
)
from source_pinterest_marketing.streams.declaration import API_PREFIX, Record, Slice, StreamClient, StreamDeclaration
from source_pinterest_marketing.streams.partitions import batched
from source_pinterest_marketing.streams.windows import DateWindows

#: (days back, days per request) the API serves
DAYS_BACK, WINDOW_DAYS = 914, 186
PRODUCT_ITEM_DAYS_BACK, PRODUCT_ITEM_WINDOW_DAYS = 92, 31
HOUR_DAYS_BACK, HOUR_WINDOW_DAYS = 8, 3
MAX_TARGETING_TYPES = 5
MAX_STATUS_VALUES = 6
DEFAULT_TARGETING_TYPES = ("AGE_BUCKET", "GENDER", "COUNTRY", "APPTYPE", "PLACEMENT")
#: targeting types available at one level only (spec: `AdsAnalyticsCreateAsyncRequest.targeting_types`)
TARGETING_TYPE_LEVELS = {"AUDIENCE_MULTIPLIER": "CAMPAIGN_TARGETING", "MEDIA_TYPE": "PRODUCT_ITEM_TARGETING"}
REPORTS_OPERATION = "analytics/create_report"
REPORTS_PATH = "ad_accounts/{ad_account_id}/reports"


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


_CAMPAIGN = ("advertiser", "campaign", "order_line")
_AD_GROUP = (*_CAMPAIGN, "ad_group", "promo")
#: "Pin promotion and ad related columns are not supported for the Product Item level reports"
#: (spec: `AdsAnalyticsCreateAsyncRequest.columns`)
NOT_AT_PRODUCT_ITEM_LEVEL = ("ad", "pin")
LEVELS: Mapping[str, ReportLevel] = {
    "ADVERTISER": ReportLevel("ad_account_id", ("advertiser",), splittable_filters=()),
    "CAMPAIGN": ReportLevel("campaign_id", _CAMPAIGN),
    "AD_GROUP": ReportLevel("ad_group_id", _AD_GROUP),
    "PIN_PROMOTION": ReportLevel("pin_promotion_id", (*_AD_GROUP, "ad", "pin")),
    "KEYWORD": ReportLevel("keyword_id", _AD_GROUP),
    "PRODUCT_GROUP": ReportLevel(
        "product_group_id",
        (*_AD_GROUP, "product_group"),
        splittable_filters=("campaign_statuses", "product_group_statuses"),
        # a product group id may be a catalog product group's, promoted from several ad accounts
        extra_key=("ad_account_id",),
    ),
    "PRODUCT_ITEM": ReportLevel(
        "product_item_id",
        (*_AD_GROUP, "product_group", "product_item"),
        PRODUCT_ITEM_DAYS_BACK,
        PRODUCT_ITEM_WINDOW_DAYS,
        splittable_filters=("campaign_statuses", "product_group_statuses"),
        extra_key=("ad_account_id",),
    ),
}


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
    start_date: Optional[date] = None
    end_date: Optional[date] = None
    #: attribution settings the report sets itself ((field, value) pairs); the config's for the rest
    attribution: tuple[tuple[str, Any], ...] = ()

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
    def primary_key(self) -> tuple[str, ...]:
        """The level's ids and the period (a TOTAL window by both its ends), and the targeting value."""
        level = self.base_level
        key = (*level.extra_key, level.id_field, "date", *(("period_end",) if self.granularity == periods.TOTAL else ()))
        return (*key, "targeting_type", "targeting_value") if self.targeting else key

    @property
    def windows(self) -> DateWindows:
        """(days back, days per request) of the level and granularity, the report's own dates, its batches."""
        back, window = self.base_level.days_back, self.base_level.window_days
        if self.granularity == "HOUR":
            back, window = min(back, HOUR_DAYS_BACK), min(window, HOUR_WINDOW_DAYS)
        return DateWindows(
            back, window, FilterBatches(self), "these reports", self.start_date, self.end_date, self.granularity
        )

    def check(self) -> None:
        """Config errors the API would answer with a 400 (or a split would make wrong)."""
        if self.level.startswith("PRODUCT_ITEM"):
            refused = [name for name in self.columns if columns()[name].describes in NOT_AT_PRODUCT_ITEM_LEVEL]
            if refused:
                raise _config_error(
                    f"custom report '{self.stream_name}': level {self.level} does not take Pin promotion and ad "
                    f"columns (the API refuses them): {refused}. Remove them or use a level that has them."
                )
        for targeting_type, only_level in TARGETING_TYPE_LEVELS.items():
            if targeting_type in self.targeting_types and self.level != only_level:
                raise _config_error(
                    f"custom report '{self.stream_name}': targeting type {targeting_type} is only available at "
                    f"level {only_level}, not {self.level}."
                )
        for name in ("campaign_statuses", "product_group_statuses"):
            values = getattr(self, name)
            if len(values) > MAX_STATUS_VALUES and name not in self.base_level.splittable_filters:
                raise _config_error(
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
            ("campaign_statuses", spec.campaign_statuses, MAX_STATUS_VALUES),
            ("product_group_statuses", spec.product_group_statuses, MAX_STATUS_VALUES),
        )
        for name, values, size in splits:
            if values:
                batches = [{**batch, name: part} for batch in batches for part in batched(values, size)]
        return batches


def _config_error(message: str) -> AirbyteTracedException:
    return config_error(message)


class ReportJobFailed(PinterestError):
    """A report job that did not finish after every attempt (transient: the next sync retries it)."""

    def __init__(self, stream: str, stream_slice: Mapping[str, Any], problem: str) -> None:
        window = f"{stream_slice.get('start_date')}..{stream_slice.get('end_date')}"
        message = (
            f"Report '{stream}' for ad account {stream_slice.get('ad_account_id')}, window {window}: {problem}. "
            "Windows finished before it are saved in the state; the next sync resumes from there."
        )
        super().__init__(message, FailureType.transient_error)


class AttemptFailed(Exception):
    """One attempt ended without a readable file (FAILED, CANCELLED, EXPIRED, DOES_NOT_EXIST, bad link)."""


class ReportJob:
    """One report request's life cycle: create (JSON body) → poll (1, 2, 4 … 30 s) → download the file with a
    plain GET (a pre-signed link: no Pinterest auth) and parse it as a stream. A job that ends FAILED, CANCELLED,
    EXPIRED or DOES_NOT_EXIST, or whose link fails, is created again, up to `max_attempts` times."""

    poll_base_seconds: ClassVar[float] = 1.0
    poll_max_seconds: ClassVar[float] = 30.0
    timeout_seconds: ClassVar[float] = 3 * 3600.0
    max_attempts: ClassVar[int] = 3
    download_timeout_seconds: ClassVar[float] = 300.0

    def __init__(
        self,
        client: StreamClient,
        stream_slice: Mapping[str, Any],
        body: Mapping[str, Any],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.stream_slice = stream_slice
        self.body = body
        self.sleep = sleep
        self.url = client.url(stream_slice)

    def rows(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(entity id, row) of the finished report, streamed from the file."""
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                with self.client.context.report_jobs:
                    url = self._create_and_wait()
                    yield from self._download(url)
                return
            except AttemptFailed as error:
                problem = str(error)
                self.client.logger.warning(
                    "Report %s (%s), attempt %d of %d: %s",
                    self.client.name,
                    _describe(self.stream_slice),
                    attempt,
                    self.max_attempts,
                    problem,
                )
        raise ReportJobFailed(self.client.name, self.stream_slice, f"{problem} after {self.max_attempts} attempts")

    def _send(self, method: str, **kwargs: Any) -> Mapping[str, Any]:
        response = self.client.send(method, self.url, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if not isinstance(body, Mapping):
            raise AttemptFailed(f"unexpected answer {str(body)[:200]}")
        return body

    def _create_and_wait(self) -> str:
        created = self._send("POST", json=dict(self.body))
        token = created.get("token")
        if not token:
            raise AttemptFailed(f"created with status {created.get('report_status')}: {created.get('message')}")
        started = time.monotonic()
        interval = self.poll_base_seconds
        while True:
            answer = self._send("GET", params={"token": token})
            status = answer.get("report_status")
            if status == "FINISHED":
                if not answer.get("url"):
                    raise AttemptFailed("FINISHED without a download url")
                return str(answer["url"])
            if status != "IN_PROGRESS":
                raise AttemptFailed(f"the job ended {status}")
            if time.monotonic() - started > self.timeout_seconds:
                raise ReportJobFailed(
                    self.client.name, self.stream_slice, f"still IN_PROGRESS after {self.timeout_seconds:.0f}s"
                )
            self.sleep(interval)
            interval = min(interval * 2, self.poll_max_seconds)

    def _download(self, url: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        try:
            # A pre-signed link: a plain GET, never the Pinterest session (no Authorization header).
            with requests.get(url, stream=True, timeout=self.download_timeout_seconds) as response:
                if not response.ok:
                    raise AttemptFailed(f"the download link answered HTTP {response.status_code}")
                response.raw.decode_content = True
                for entity_id, rows in ijson.kvitems(response.raw, "", use_float=True):
                    if not isinstance(rows, list):
                        raise AttemptFailed(f"entity {entity_id} of the file is not a list of rows")
                    for row in rows:
                        yield str(entity_id), row
        except (requests.RequestException, ijson.JSONError) as error:
            raise AttemptFailed(f"the download failed ({type(error).__name__}: {str(error)[:200]})") from None


def _describe(stream_slice: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in stream_slice.items())


@dataclass(frozen=True)
class ReportRows:
    """A slice's report job, its rows as records: one row per entity (and targeting value) per date, with
    the attribution settings written into each row."""

    spec: ReportSpec
    job: type[ReportJob] = ReportJob
    api_parameters: tuple[str, ...] = ()

    def attribution(self, config: PinterestConfig) -> dict[str, Any]:
        return {**config.attribution, **dict(self.spec.attribution)}

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
        for name in ("targeting_types", "campaign_statuses", "product_group_statuses"):
            if stream_slice.get(name):
                body[name] = list(stream_slice[name])
        return body

    def records(self, client: StreamClient, stream_slice: Slice) -> Iterator[Record]:
        """The window's rows, each with its period. WEEK and MONTH: the rows of the periods this window owns (the
        periods that end in it, see periods.py); an owned period that started before the window (a week
        straddling two windows, when Pinterest's weeks start on another day than assumed) is asked for on its
        own, whole, after the window's file, unless the API no longer serves its first day."""
        shape = RowShape(self, client.config, stream_slice)
        granularity = self.spec.granularity
        if granularity not in (periods.WEEK, periods.MONTH):
            yield from (shape.record(entity_id, row) for entity_id, row in self._rows(client, stream_slice))
            return
        windows = self.spec.windows
        window = (date.fromisoformat(stream_slice["start_date"]), date.fromisoformat(stream_slice["end_date"]))
        last_day, floor = windows.last_day(client.config), windows.floor()
        straddling: set[date] = set()
        for entity_id, row in self._rows(client, stream_slice):
            label = shape.label(row)
            if not periods.owned(label, granularity, window, last_day):
                continue
            if floor <= label < window[0]:
                straddling.add(label)
                continue
            yield shape.record(entity_id, row, label)
        for label in sorted(straddling):
            whole = {**stream_slice, "start_date": label.isoformat(), "end_date": periods.period_end(label, granularity).isoformat()}
            client.logger.info("Report %s: reading the %s of %s whole (it straddles two windows)", client.name, granularity, label)
            for entity_id, row in self._rows(client, whole):
                if shape.label(row) == label:
                    yield shape.record(entity_id, row, label)

    def _rows(self, client: StreamClient, stream_slice: Slice) -> Iterator[tuple[str, Mapping[str, Any]]]:
        return self.job(client, stream_slice, self.request_body(stream_slice, client.config)).rows()

    def endpoint(self, path: str) -> str:
        return f"POST/GET {API_PREFIX}{path}"


_DATE_AND_HOUR = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}))?")


class RowShape:
    """A report file's row as a record: the file's UPPER_CASE columns (ids as strings: a file may carry id
    columns that were not requested, so not in the schema records are normalised to), the entity's normalised
    id, the account, the period (`date` = `period_start`, and `period_end`), targeting and attribution."""

    def __init__(self, rows: ReportRows, config: PinterestConfig, stream_slice: Slice) -> None:
        spec = rows.spec
        self.stream = spec.stream_name
        self.granularity = spec.granularity
        self.id_field = spec.base_level.id_field
        self.targeting = spec.targeting
        self.window_start = date.fromisoformat(stream_slice["start_date"])
        self.total_end = self.window_start + timedelta(days=spec.windows.window_days - 1)
        self.constants = {"ad_account_id": stream_slice["ad_account_id"], **rows.attribution(config)}
        #: HOUR rows dated without their hour: the hours seen so far per (entity, targeting, day)
        self.hours_seen: dict[tuple[Any, ...], int] = {}

    def label(self, row: Mapping[str, Any]) -> date:
        """The first day of a WEEK or MONTH row's period (its `DATE`)."""
        found = _DATE_AND_HOUR.match(str(row.get("DATE") or ""))
        if found is None:
            raise UnexpectedResponseError(self.stream, "report file", f"a {self.granularity} row without a DATE: {sorted(row)}")
        return date.fromisoformat(found.group(1))

    def record(self, entity_id: str, row: Mapping[str, Any], label: Optional[date] = None) -> Record:
        record: Record = {
            key: (str(value) if key.endswith("_ID") and value is not None else value) for key, value in row.items()
        }
        if self.id_field != "ad_account_id":
            record[self.id_field] = entity_id
        if self.targeting:
            record["targeting_type"] = row.get("TARGETING_TYPE")
            record["targeting_value"] = row.get("TARGETING_VALUE")
        record["period_start"], record["period_end"] = self.period(entity_id, row, label)
        record["date"] = record["period_start"]
        record.update(self.constants)
        return record

    def period(self, entity_id: str, row: Mapping[str, Any], label: Optional[date]) -> tuple[str, str]:
        if self.granularity == periods.TOTAL:
            # the fixed window, whatever the row's DATE says (the API description does not say what it is)
            return self.window_start.isoformat(), self.total_end.isoformat()
        if label is not None:
            return label.isoformat(), periods.period_end(label, self.granularity).isoformat()
        found = _DATE_AND_HOUR.match(str(row.get("DATE") or ""))
        day = found.group(1) if found else self.window_start.isoformat()
        if self.granularity != periods.HOUR:
            return day, day
        hour = int(found.group(2)) if found and found.group(2) else self._next_hour(entity_id, row, day)
        return f"{day} {hour:02d}:00:00", f"{day} {hour:02d}:59:59"

    def _next_hour(self, entity_id: str, row: Mapping[str, Any], day: str) -> int:
        """An HOUR row dated without its hour: its hour is its place among the rows of its entity, targeting
        value and day, which the file lists in time order (an assumption: docs/dev/API-NOTES.md#open-points)."""
        key = (entity_id, row.get("TARGETING_TYPE"), row.get("TARGETING_VALUE"), day)
        hour = self.hours_seen.get(key, 0)
        self.hours_seen[key] = hour + 1
        return hour


@dataclass(frozen=True)
class ReportSchema:
    """The row schema of a report: its columns, the id/date/targeting fields and the attribution settings."""

    spec: ReportSpec

    def build(self, declaration: StreamDeclaration) -> dict[str, Any]:
        spec = self.spec
        properties: dict[str, Any] = {column: column_schema(column) for column in spec.request_columns}
        properties["DATE"] = nullable("string")
        period = nullable("string") if spec.granularity == periods.HOUR else nullable("string", format="date")
        properties.update(date=period, period_start=period, period_end=period)
        properties["ad_account_id"] = nullable("string")
        properties[spec.base_level.id_field] = nullable("string")
        if spec.targeting:
            for name in ("TARGETING_TYPE", "TARGETING_VALUE", "targeting_type", "targeting_value"):
                properties[name] = nullable("string")
        properties.update(attribution_schema())
        return row_schema(properties)


REPORTS: tuple[ReportSpec, ...] = tuple(
    ReportSpec(f"{level.lower()}{suffix.lower()}_report", f"{level}{suffix}")
    for level in LEVELS
    for suffix in ("", "_TARGETING")
    if f"{level}{suffix}" in api_enums()["async_report_levels"]
)


def report_declaration(spec: ReportSpec, bundled_schema: bool = True) -> StreamDeclaration:
    return StreamDeclaration(
        name=spec.stream_name,
        operation=REPORTS_OPERATION,
        path=REPORTS_PATH,
        fetcher=ReportRows(spec),
        schema=ReportSchema(spec),
        partitioner=BY_AD_ACCOUNT,
        primary_key=spec.primary_key,
        cursor="date",
        windows=spec.windows,
        bundled_schema=bundled_schema,
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
        start_date=report.start_date,
        end_date=report.end_date,
        attribution=tuple(report.own_attribution.items()),
    )
    spec.check()
    return spec


def custom_report_declarations(config: PinterestConfig) -> Iterator[StreamDeclaration]:
    """One `custom_<name>` stream per configured custom report (its schema built from its columns)."""
    for report in config.custom_reports:
        yield report_declaration(custom_report_spec(report), bundled_schema=False)


REPORT_STREAMS: tuple[StreamDeclaration, ...] = tuple(report_declaration(spec) for spec in REPORTS)
