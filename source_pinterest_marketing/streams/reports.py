"""Asynchronous reports (API-NOTES §4): `<level>_report` streams for every async level, and `custom_<name>`
streams from `config.custom_reports`.

A slice is one report request: an ad account, a date window (186 days; PRODUCT_ITEM 31; HOUR 3), and, where one
request cannot carry everything, a batch of targeting types (5 a request) or of status filter values (6 a request).
Slices are generated oldest window first and registered with the per-account `date` cursor, which only advances
over a finished prefix of them, so a sync that fails keeps the state of the windows it finished.

Each slice runs one `ReportJob` (create → poll with growing intervals → download and stream-parse the file), on
the worker thread of its partition: jobs of several accounts and windows are in flight at once, bounded by
`report_jobs_in_flight`. Streams of the standard levels differ only in data: one class, `ReportStream`, and the
`REPORTS` table of frozen specs; custom reports are specs built from the config.

Default columns of the standard streams (`DEFAULT_METRICS`, plus each level's id columns in `LEVELS`): spend,
impressions, clicks, engagements, conversions and their value, and the usual ratios.

Status filters over 6 values are split into several requests when the level's rows are per entity at or below the
filtered entity (each entity has one status, so the requests' rows are disjoint and their union is the unsplit
answer); for a level that aggregates over the filtered entities (ADVERTISER with `campaign_statuses`) a split would
double-count, so such a report is rejected as a config error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, ClassVar, Optional

import ijson
import requests
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from typing_extensions import override

from source_pinterest_marketing.config import AttributionSettings, CustomReport, api_enums
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.streams.analytics import ATTRIBUTION_FIELDS, DateCursor, date_span, date_windows
from source_pinterest_marketing.streams.base import PinterestStream
from source_pinterest_marketing.streams.partitions import ByAdAccount, batched

logger = logging.getLogger("airbyte")

#: (days back, days per request) the API serves (API-NOTES §4.1)
DAYS_BACK, WINDOW_DAYS = 914, 186
PRODUCT_ITEM_DAYS_BACK, PRODUCT_ITEM_WINDOW_DAYS = 92, 31
HOUR_DAYS_BACK, HOUR_WINDOW_DAYS = 8, 3
#: one day less than the API allows, so a UTC midnight between planning and sending never makes a 400
SAFETY_DAYS = 1
MAX_TARGETING_TYPES = 5
MAX_STATUS_VALUES = 6
DEFAULT_REPORTS_IN_FLIGHT = 4
DEFAULT_TARGETING_TYPES = ("AGE_BUCKET", "GENDER", "COUNTRY", "APPTYPE", "PLACEMENT")
DEFAULT_METRICS = (
    "SPEND_IN_MICRO_DOLLAR",
    "SPEND_IN_DOLLAR",
    "PAID_IMPRESSION",
    "TOTAL_IMPRESSION",
    "TOTAL_CLICKTHROUGH",
    "CTR",
    "CPC_IN_MICRO_DOLLAR",
    "CPM_IN_MICRO_DOLLAR",
    "TOTAL_ENGAGEMENT",
    "ENGAGEMENT_RATE",
    "TOTAL_CONVERSIONS",
    "TOTAL_CONVERSIONS_VALUE_IN_MICRO_DOLLAR",
    "TOTAL_CHECKOUT",
    "TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR",
)
_STRING_SUFFIXES = ("_ID", "_NAME", "_STATUS", "_TYPE", "_LABEL", "_TAG", "_OPTIMIZATION")
_DOCS = "https://developers.pinterest.com/docs/api/v5/analytics-create_report"


@dataclass(frozen=True)
class ReportLevel:
    """An async report level (without `_TARGETING`): the row id it is keyed by and its default id columns."""

    #: the normalised id field ("campaign_id"), filled from the file's top-level key
    id_field: str
    #: id columns requested by default (the API's async column names)
    id_columns: tuple[str, ...]
    days_back: int = DAYS_BACK
    window_days: int = WINDOW_DAYS
    #: the status filters whose entities the level's rows are at or below (safe to split)
    splittable_filters: tuple[str, ...] = ("campaign_statuses",)
    #: extra primary key fields (ids not unique across accounts)
    extra_key: tuple[str, ...] = ()


LEVELS: Mapping[str, ReportLevel] = {
    "ADVERTISER": ReportLevel("ad_account_id", ("ADVERTISER_ID",), splittable_filters=()),
    "CAMPAIGN": ReportLevel("campaign_id", ("ADVERTISER_ID", "CAMPAIGN_ID", "CAMPAIGN_NAME")),
    "AD_GROUP": ReportLevel("ad_group_id", ("ADVERTISER_ID", "CAMPAIGN_ID", "AD_GROUP_ID", "AD_GROUP_NAME")),
    "PIN_PROMOTION": ReportLevel(
        "pin_promotion_id", ("ADVERTISER_ID", "CAMPAIGN_ID", "AD_GROUP_ID", "PIN_PROMOTION_ID", "AD_ID", "PIN_ID")
    ),
    "KEYWORD": ReportLevel("keyword_id", ("ADVERTISER_ID", "CAMPAIGN_ID", "AD_GROUP_ID")),
    "PRODUCT_GROUP": ReportLevel(
        "product_group_id",
        ("ADVERTISER_ID", "CAMPAIGN_ID", "AD_GROUP_ID", "PRODUCT_GROUP_ID"),
        splittable_filters=("campaign_statuses", "product_group_statuses"),
    ),
    "PRODUCT_ITEM": ReportLevel(
        "product_item_id",
        ("ADVERTISER_ID", "CAMPAIGN_ID", "AD_GROUP_ID", "PRODUCT_GROUP_ID"),
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
    #: empty: the level's id columns + DEFAULT_METRICS
    columns: tuple[str, ...] = ()
    targeting_types: tuple[str, ...] = ()
    attribution_types: tuple[str, ...] = ()
    campaign_statuses: tuple[str, ...] = ()
    product_group_statuses: tuple[str, ...] = ()
    start_date: Optional[date] = None
    end_date: Optional[date] = None
    #: attribution settings the report sets itself ((field, value) pairs); the config's for the rest
    attribution: tuple[tuple[str, Any], ...] = ()
    custom: bool = False

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
        level = self.base_level
        return (*level.id_columns, *DEFAULT_METRICS)

    @property
    def primary_key(self) -> list[str]:
        level = self.base_level
        key = [*level.extra_key, level.id_field, "date"]
        return [*key, "targeting_type", "targeting_value"] if self.targeting else key

    @property
    def limits(self) -> tuple[int, int]:
        """(days back, days per request)."""
        back, window = self.base_level.days_back, self.base_level.window_days
        if self.granularity == "HOUR":
            return min(back, HOUR_DAYS_BACK), min(window, HOUR_WINDOW_DAYS)
        return back, window

    def filter_batches(self) -> list[dict[str, list[str]]]:
        """The request-level splits: targeting types by 5, status filters by 6 (see the module docstring)."""
        batches: list[dict[str, list[str]]] = [{}]
        targeting = self.targeting_types or (DEFAULT_TARGETING_TYPES if self.targeting else ())
        splits = (
            ("targeting_types", targeting, MAX_TARGETING_TYPES),
            ("campaign_statuses", self.campaign_statuses, MAX_STATUS_VALUES),
            ("product_group_statuses", self.product_group_statuses, MAX_STATUS_VALUES),
        )
        for name, values, size in splits:
            if values:
                batches = [{**batch, name: part} for batch in batches for part in batched(list(values), size)]
        return batches

    def check(self) -> None:
        """Config errors the API would answer with a 400 (or a split would make wrong)."""
        for name in ("campaign_statuses", "product_group_statuses"):
            values = getattr(self, name)
            if len(values) > MAX_STATUS_VALUES and name not in self.base_level.splittable_filters:
                raise _config_error(
                    f"custom report '{self.stream_name}': {name} has {len(values)} values; the API takes at most "
                    f"{MAX_STATUS_VALUES} and level {self.level} sums over them, so the request cannot be split. "
                    f"Use at most {MAX_STATUS_VALUES} values or a level at or below the filtered entity."
                )


def _config_error(message: str) -> AirbyteTracedException:
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)


class ReportJobFailed(AirbyteTracedException):
    """A report job that did not finish after every attempt (transient: the next sync retries it)."""

    def __init__(self, stream: str, stream_slice: Mapping[str, Any], problem: str) -> None:
        window = f"{stream_slice.get('start_date')}..{stream_slice.get('end_date')}"
        message = (
            f"Report '{stream}' for ad account {stream_slice.get('ad_account_id')}, window {window}: {problem}. "
            "Windows finished before it are saved in the state; the next sync resumes from there."
        )
        super().__init__(message=message, internal_message=message, failure_type=FailureType.transient_error)


class _AttemptFailed(Exception):
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
        stream: ReportStream,
        stream_slice: Mapping[str, Any],
        body: Mapping[str, Any],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.stream = stream
        self.stream_slice = stream_slice
        self.body = body
        self._sleep = sleep
        self.url = f"{stream.url_base}{stream.path(stream_slice=stream_slice)}"

    def rows(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(entity id, row) of the finished report, streamed from the file."""
        problem = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                with self.stream.jobs_in_flight:
                    url = self._create_and_wait()
                    yield from self._download(url)
                return
            except _AttemptFailed as error:
                problem = str(error)
                self.stream.logger.warning(
                    "Report %s (%s), attempt %d of %d: %s",
                    self.stream.name,
                    _describe(self.stream_slice),
                    attempt,
                    self.max_attempts,
                    problem,
                )
        raise ReportJobFailed(self.stream.name, self.stream_slice, f"{problem} after {self.max_attempts} attempts")

    def _send(self, method: str, **kwargs: Any) -> Mapping[str, Any]:
        _, response = self.stream._http_client.send_request(method, self.url, request_kwargs={}, **kwargs)
        body = response.json()
        if not isinstance(body, Mapping):
            raise _AttemptFailed(f"unexpected answer {str(body)[:200]}")
        return body

    def _create_and_wait(self) -> str:
        created = self._send("POST", json=dict(self.body))
        token = created.get("token")
        if not token:
            raise _AttemptFailed(f"created with status {created.get('report_status')}: {created.get('message')}")
        started = time.monotonic()
        interval = self.poll_base_seconds
        while True:
            answer = self._send("GET", params={"token": token})
            status = answer.get("report_status")
            if status == "FINISHED":
                if not answer.get("url"):
                    raise _AttemptFailed("FINISHED without a download url")
                return str(answer["url"])
            if status != "IN_PROGRESS":
                raise _AttemptFailed(f"the job ended {status}")
            if time.monotonic() - started > self.timeout_seconds:
                raise ReportJobFailed(
                    self.stream.name, self.stream_slice, f"still IN_PROGRESS after {self.timeout_seconds:.0f}s"
                )
            self._sleep(interval)
            interval = min(interval * 2, self.poll_max_seconds)

    def _download(self, url: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        try:
            # A pre-signed link: a plain GET, never the Pinterest session (no Authorization header).
            with requests.get(url, stream=True, timeout=self.download_timeout_seconds) as response:
                if not response.ok:
                    raise _AttemptFailed(f"the download link answered HTTP {response.status_code}")
                response.raw.decode_content = True
                for entity_id, rows in ijson.kvitems(response.raw, "", use_float=True):
                    if not isinstance(rows, list):
                        raise _AttemptFailed(f"entity {entity_id} of the file is not a list of rows")
                    for row in rows:
                        yield str(entity_id), row
        except (requests.RequestException, ijson.JSONError) as error:
            raise _AttemptFailed(f"the download failed ({type(error).__name__}: {str(error)[:200]})") from None


def _describe(stream_slice: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in stream_slice.items())


class ReportStream(PinterestStream):
    """Async report rows of one level, declared by `spec` (see `REPORTS`); one row per entity (and targeting
    value) per date, with the attribution settings written into each row."""

    spec: ClassVar[ReportSpec]
    endpoint: ClassVar[str] = "POST/GET /v5/ad_accounts/{ad_account_id}/reports"
    path_template = "ad_accounts/{ad_account_id}/reports"
    partitioner = ByAdAccount()
    paginated = False
    records_key: ClassVar[Optional[str]] = None
    incremental_field = "date"
    job_class: ClassVar[type[ReportJob]] = ReportJob

    def __init__(self, context: SyncContext) -> None:
        super().__init__(context)
        self._cursor: DateCursor = DateCursor(self.name, "date", self.partitioner.keys)

    @property
    def jobs_in_flight(self) -> threading.BoundedSemaphore:
        """One semaphore per sync, shared by every report stream: jobs created and not yet downloaded."""
        size = getattr(self.context.config.spec, "report_jobs_in_flight", DEFAULT_REPORTS_IN_FLIGHT)
        return self.context.shared_value(  # type: ignore[no-any-return]
            "report_jobs_in_flight", lambda: threading.BoundedSemaphore(size)
        )

    @override
    def get_json_schema(self) -> Mapping[str, Any]:
        return report_schema(self.spec) if self.spec.custom else super().get_json_schema()

    @override
    def stream_slices(self, **kwargs: Any) -> Iterable[Optional[Mapping[str, Any]]]:
        incremental = self.incremental_read or kwargs.get("sync_mode") == SyncMode.incremental
        batches = self.spec.filter_batches()
        for partition in self.partitioner.slices(self.context):
            span = self._date_range(partition, incremental)
            if span is None:
                continue
            for start, end in date_windows(*span, days=self.spec.limits[1]):
                for batch in batches:
                    stream_slice = {**partition, "start_date": start.isoformat(), "end_date": end.isoformat(), **batch}
                    self._cursor.register(stream_slice)
                    yield stream_slice

    def _date_range(self, partition: Mapping[str, Any], incremental: bool) -> Optional[tuple[date, date]]:
        days_back = self.spec.limits[0]
        return date_span(
            self.name,
            self._cursor,
            partition,
            incremental,
            self.context,
            days_back,
            self.spec.start_date,
            self.spec.end_date,
            what="these reports",
        )

    @cached_property
    def attribution(self) -> dict[str, Any]:
        settings: AttributionSettings = self.context.config.attribution
        values = {name: getattr(settings, name) for name in ATTRIBUTION_FIELDS}
        values.update(dict(self.spec.attribution))
        return values

    def request_body(self, stream_slice: Mapping[str, Any]) -> dict[str, Any]:
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
            **self.attribution,
        }
        if spec.attribution_types:
            body["attribution_types"] = list(spec.attribution_types)
        for name in ("targeting_types", "campaign_statuses", "product_group_statuses"):
            if stream_slice.get(name):
                body[name] = list(stream_slice[name])
        return body

    @override
    def _read_pages(
        self,
        records_generator_fn: Callable[..., Iterable[Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Any]:
        stream_slice = stream_slice or {}
        job = self.job_class(self, stream_slice, self.request_body(stream_slice))
        for entity_id, row in job.rows():
            yield self.row(entity_id, row, stream_slice)

    def row(self, entity_id: str, row: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> dict[str, Any]:
        """The record: the file's UPPER_CASE columns (ids as strings) + normalised ids, date and settings."""
        record = {
            key: (str(value) if key.endswith("_ID") and value is not None else value) for key, value in row.items()
        }
        level = self.spec.base_level
        record["ad_account_id"] = stream_slice["ad_account_id"]
        if level.id_field != "ad_account_id":
            record[level.id_field] = entity_id
        record["date"] = row.get("DATE") or stream_slice["start_date"]
        if self.spec.targeting:
            record["targeting_type"] = row.get("TARGETING_TYPE")
            value = row.get("TARGETING_VALUE")
            record["targeting_value"] = None if value is None else str(value)
        record.update(self.attribution)
        return record


def column_schema(column: str) -> dict[str, Any]:
    """Ids, names, statuses and types as strings; every other column a nullable number."""
    if column.endswith(_STRING_SUFFIXES) or column in ("DATE", "TARGETING_VALUE"):
        return {"type": ["null", "string"]}
    return {"type": ["null", "number"]}


def report_schema(spec: ReportSpec) -> dict[str, Any]:
    """The row schema of a report: its columns, the id/date/targeting fields and the attribution settings."""
    properties: dict[str, Any] = {column: column_schema(column) for column in spec.request_columns}
    properties["DATE"] = {"type": ["null", "string"]}
    date_schema: dict[str, Any] = {"type": ["null", "string"]}
    if spec.granularity != "HOUR":
        date_schema["format"] = "date"
    properties["date"] = date_schema
    properties["ad_account_id"] = {"type": ["null", "string"]}
    properties[spec.base_level.id_field] = {"type": ["null", "string"]}
    if spec.targeting:
        for name in ("TARGETING_TYPE", "TARGETING_VALUE", "targeting_type", "targeting_value"):
            properties[name] = {"type": ["null", "string"]}
    properties.update(
        click_window_days={"type": ["null", "integer"]},
        engagement_window_days={"type": ["null", "integer"]},
        view_window_days={"type": ["null", "integer"]},
        conversion_report_time={"type": ["null", "string"]},
    )
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": True,
        "properties": properties,
    }


def _check_columns() -> None:
    known = set(api_enums()["async_report_columns"])
    unknown = [c for level in LEVELS.values() for c in level.id_columns if c not in known]
    unknown += [c for c in DEFAULT_METRICS if c not in known]
    if unknown:
        raise ValueError(f"report columns not in the API's async enum: {unknown}")


_check_columns()

REPORTS: tuple[ReportSpec, ...] = tuple(
    ReportSpec(f"{level.lower()}{suffix.lower()}_report", f"{level}{suffix}")
    for level in LEVELS
    for suffix in ("", "_TARGETING")
    if f"{level}{suffix}" in api_enums()["async_report_levels"]
)


def report_stream_class(spec: ReportSpec) -> type[ReportStream]:
    """The registry holds classes: one small subclass per spec, nothing but data."""
    name = "".join(part.title() for part in spec.stream_name.split("_"))
    return type(
        name,
        (ReportStream,),
        {
            "__doc__": f"Async report, level {spec.level}, granularity {spec.granularity}. {_DOCS}",
            "__module__": __name__,
            "spec": spec,
            "stream_name": spec.stream_name,
            "primary_key": spec.primary_key,
        },
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
        start_date=date.fromisoformat(report.start_date) if report.start_date else None,
        end_date=date.fromisoformat(report.end_date) if report.end_date else None,
        attribution=tuple(
            (name, getattr(report, name)) for name in ATTRIBUTION_FIELDS if name in report.model_fields_set
        ),
        custom=True,
    )
    spec.check()
    return spec


def custom_report_streams(context: SyncContext) -> Iterator[ReportStream]:
    """One `custom_<name>` stream per configured custom report."""
    for report in context.config.custom_reports:
        yield report_stream_class(custom_report_spec(report))(context)


REPORT_STREAMS: tuple[type[ReportStream], ...] = tuple(report_stream_class(spec) for spec in REPORTS)
