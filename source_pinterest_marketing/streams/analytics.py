"""Synchronous analytics: ads analytics per level (account, campaign, ad group, ad, product group), their
targeting breakdowns, and the organic user account and pin analytics.

Pinterest serves these for the last 90 days only, at most 90 days per request (API-NOTES §3.2), so a
partition (an ad account, or the user) is read in date windows, oldest first; within a window every
entity id batch (250 ids, 100 pins) is requested before the window counts as done. A slice is one
window: its batches are read like pages of that slice (`_read_pages`), so the per-account `date`
cursor only advances once every entity of the window is in, and because windows go oldest first the
saved date never passes a day that was not read. (Today the API's 90-day reach makes every partition
exactly one window, so the concurrent reader, which may run a stream's slices in parallel, cannot finish
a later window first; shorter windows would need ordered slices.) An incremental sync restarts at the
saved date minus `lookback_window_days` (Pinterest restates recent conversions), never before what the
API serves (one day of margin, so a UTC midnight between planning and sending never makes a 400).

The ads levels differ only in data: one parametrised class, `AdsAnalytics`, and the `ADS_ANALYTICS`
table of frozen specs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any, ClassVar, Optional, Protocol

import ijson
import requests
from airbyte_cdk.models import SyncMode
from typing_extensions import override

from source_pinterest_marketing.config import api_enums
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import UnexpectedResponseError
from source_pinterest_marketing.streams.ads import (
    MAX_IDS_PER_REQUEST,
    AdGroups,
    Ads,
    Campaigns,
    CatalogSalesAdGroupSlices,
    ProductGroupPromotions,
    StatusFilteredStream,
    entity_records,
)
from source_pinterest_marketing.streams.base import PinterestStream, shared_records
from source_pinterest_marketing.streams.cursor import PartitionedCursor, SliceReader
from source_pinterest_marketing.streams.organic import Pins
from source_pinterest_marketing.streams.partitions import ByAdAccount, SinglePartition, Slice, batched

logger = logging.getLogger("airbyte")

#: "you can pull data from up to 90 days before the current date in UTC time" (API-NOTES §3.2)
MAX_DAYS_BACK = 90
#: one day less than the API allows, so a UTC midnight between planning and sending never makes a 400
SAFETY_DAYS = 1
#: days per request window (inclusive); the API allows end_date - start_date <= 90
WINDOW_DAYS = 90
MAX_PIN_IDS_PER_REQUEST = 100
#: the id columns of sync analytics rows (sent as strings, but as numbers in targeting rows)
ID_COLUMNS = frozenset(
    {column for column in api_enums()["sync_analytics_columns"] if column.endswith("_ID")} | {"PRODUCT_GROUP_ID"}
)
ATTRIBUTION_FIELDS = ("click_window_days", "engagement_window_days", "view_window_days", "conversion_report_time")
#: pin metrics of `multi_pins/analytics` for every Pin format (the standard set of the spec's enum)
PIN_METRICS = (
    "IMPRESSION",
    "OUTBOUND_CLICK",
    "PIN_CLICK",
    "SAVE",
    "SAVE_RATE",
    "TOTAL_COMMENTS",
    "TOTAL_REACTIONS",
    "USER_FOLLOW",
    "PROFILE_VISIT",
)


def utc_today() -> date:
    return datetime.now(UTC).date()


def date_windows(start: date, end: date, days: int = WINDOW_DAYS) -> Iterable[tuple[date, date]]:
    """Consecutive inclusive windows of at most `days` days covering start..end, oldest first."""
    while start <= end:
        window_end = min(start + timedelta(days=days - 1), end)
        yield start, window_end
        start = window_end + timedelta(days=1)


class DateCursor(PartitionedCursor):
    """The per-partition `date` cursor of analytics streams. The request dates already bound what is
    read, and the lookback days before the saved date are re-read on purpose: every record is emitted."""

    @override
    def reader(self, stream_slice: Mapping[str, Any], incremental: bool) -> SliceReader:
        return super().reader(stream_slice, incremental=False)

    def saved_date(self, stream_slice: Mapping[str, Any]) -> Optional[date]:
        value = self.saved_value(stream_slice)
        return date.fromisoformat(str(value)[:10]) if value else None


def date_span(
    stream_name: str,
    cursor: DateCursor,
    partition: Mapping[str, Any],
    incremental: bool,
    context: SyncContext,
    days_back: int,
    start_date: Optional[date] = None,
    end_date: Optional[date] = None,
    what: str = "analytics",
) -> Optional[tuple[date, date]]:
    """The days to read for one partition of an analytics or report stream: the start date (the
    stream's own, else the config's; by default as far back as the API serves), or on an incremental
    sync the saved date minus `lookback_window_days`, up to the end date; clamped to the last
    `days_back` days the API serves, with a log line, never sent outside them. None: nothing to read."""
    config = context.config
    today = utc_today()
    floor = today - timedelta(days=days_back - SAFETY_DAYS)
    end = min(end_date or config.end_date, today)
    start = start_date or config.start_date or floor
    saved = cursor.saved_date(partition) if incremental else None
    if saved is not None:
        start = max(start, saved - timedelta(days=config.lookback_window_days))
    if start < floor:
        described = ", ".join(f"{key}={value}" for key, value in partition.items()) or "user"
        logger.info(
            "Stream %s (%s): Pinterest serves %s for the last %d days only; reading from %s instead of %s",
            stream_name,
            described,
            what,
            days_back,
            floor,
            start,
        )
        start = floor
    return (start, end) if start <= end else None


class AnalyticsStream(PinterestStream):
    """Base of the date-windowed analytics streams: windows per partition, id batches within a window."""

    paginated = False
    records_key: ClassVar[Optional[str]] = None
    incremental_field = "date"

    def __init__(self, context: SyncContext) -> None:
        super().__init__(context)
        self._cursor: DateCursor = DateCursor(self.name, "date", self.partitioner.keys)

    @override
    def stream_slices(self, **kwargs: Any) -> Iterable[Optional[Mapping[str, Any]]]:
        incremental = kwargs.get("sync_mode") == SyncMode.incremental
        for partition in self.partitioner.slices(self.context):
            span = self._date_range(partition, incremental)
            if span is None:
                continue
            for start, end in date_windows(*span):
                stream_slice = {**partition, "start_date": start.isoformat(), "end_date": end.isoformat()}
                # registered: the partition's date only advances over windows read to the end, in order
                self._cursor.register(stream_slice)
                yield stream_slice

    def _date_range(self, partition: Slice, incremental: bool) -> Optional[tuple[date, date]]:
        return date_span(self.name, self._cursor, partition, incremental, self.context, MAX_DAYS_BACK)

    def batches(self, stream_slice: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
        """The requests of one window, as extra slice keys (an id batch...); one request by default."""
        yield {}

    @override
    def _read_pages(
        self,
        records_generator_fn: Callable[..., Iterable[Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Any]:
        # Each batch is one request of the window's slice, like a page: the window (and with it
        # the cursor) is only closed by the base's read_records after the last batch.
        for batch in self.batches(stream_slice or {}):
            yield from super()._read_pages(records_generator_fn, {**(stream_slice or {}), **batch}, stream_state)

    def _body(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "unknown content type")
            raise UnexpectedResponseError(self.name, response.url, f"the body is not JSON ({kind})") from None


@dataclass(frozen=True)
class EntityIds:
    """Ids of every campaign / ad group / ad of the account, in every status (shared per sync)."""

    stream: type[StatusFilteredStream]

    def ids(self, context: SyncContext, account_id: str) -> list[str]:
        return [str(record["id"]) for record in entity_records(context, self.stream, account_id, ("id",))]


@dataclass(frozen=True)
class ProductGroupPromotionIds:
    """`product_group_ids` of `product_groups/analytics` are product group promotion ids: the spec calls
    the promotion's `ad_group_id` "the ad group the product group belongs to"."""

    def ids(self, context: SyncContext, account_id: str) -> list[str]:
        slices = [s for s in CatalogSalesAdGroupSlices().slices(context) if s["ad_account_id"] == account_id]
        return [
            str(record["id"])
            for stream_slice in slices
            for record in shared_records(context, ProductGroupPromotions, stream_slice)
        ]


class IdSource(Protocol):
    def ids(self, context: SyncContext, account_id: str) -> list[str]: ...


@dataclass(frozen=True)
class AdsAnalyticsSpec:
    """One ads analytics stream: its endpoint, entity id column and where the ids come from."""

    stream_name: str
    #: path under the account, e.g. "campaigns/analytics"
    path: str
    #: the normalised id field of each row ("campaign_id") and the API's column ("CAMPAIGN_ID")
    id_field: str
    id_column: str
    #: the id list parameter and its source; None for the account level
    ids_param: Optional[str] = None
    ids: Optional[IdSource] = None
    #: key of `api_enums()["targeting_types"]` for targeting breakdowns; None for plain rows
    targeting_level: Optional[str] = None
    #: the spec's `maxItems` of `targeting_types` (15 for the account endpoint, 14 elsewhere)
    max_targeting_types: int = 14
    doc: str = ""

    @property
    def primary_key(self) -> list[str]:
        key = [self.id_field, "date"]
        return [*key, "targeting_type", "targeting_value"] if self.targeting_level else key


class AdsAnalytics(AnalyticsStream):
    """Ads analytics of one level, declared by `spec` (see `ADS_ANALYTICS`)."""

    spec: ClassVar[AdsAnalyticsSpec]
    partitioner = ByAdAccount()

    @override
    def batches(self, stream_slice: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
        """Id batches of 250, times targeting type batches (at most 14 types a request, 15 for accounts;
        each type's breakdown is independent, so splitting them loses nothing)."""
        spec = self.spec
        id_batches: Iterable[Optional[list[str]]] = [None]
        if spec.ids is not None:
            id_batches = list(batched(spec.ids.ids(self.context, stream_slice["ad_account_id"]), MAX_IDS_PER_REQUEST))
        type_batches: list[Optional[list[str]]] = [None]
        if spec.targeting_level:
            types = list(api_enums()["targeting_types"][spec.targeting_level])
            type_batches = list(batched(types, spec.max_targeting_types))
        for ids in id_batches:
            for types_batch in type_batches:
                batch: dict[str, Any] = {}
                if ids is not None:
                    batch["ids"] = ids
                if types_batch is not None:
                    batch["targeting_types"] = types_batch
                yield batch

    @override
    def query_params(self, stream_slice: Mapping[str, Any]) -> MutableMapping[str, Any]:
        attribution = self.context.config.attribution
        params: dict[str, Any] = {
            "start_date": stream_slice["start_date"],
            "end_date": stream_slice["end_date"],
            "granularity": "DAY",
            "columns": ",".join(api_enums()["sync_analytics_columns"]),
            **{name: getattr(attribution, name) for name in ATTRIBUTION_FIELDS},
        }
        if self.spec.ids_param:
            params[self.spec.ids_param] = list(stream_slice["ids"])
        if self.spec.targeting_level:
            params["targeting_types"] = ",".join(stream_slice["targeting_types"])
        return params

    @override
    def request_kwargs(self, *args: Any, **kwargs: Any) -> Mapping[str, Any]:
        # The body is read as it is parsed (see extract_records), never held whole.
        return {"stream": True}

    @override
    def extract_records(self, response: requests.Response) -> Iterable[Mapping[str, Any]]:
        # A body holds up to 250 entities x 90 days of ~190 columns: it is parsed row by row (ijson)
        # straight from the socket, so neither the text nor the parsed rows are ever held whole.
        if not response.ok:
            return
        opening, prefix = (b"{", "data.item") if self.spec.targeting_level else (b"[", "item")
        response.raw.decode_content = True
        try:
            # The opening byte is checked first (a wrong shape would otherwise yield no row at all), and
            # ijson is given the file itself: its C backend then builds the rows (2.5x cheaper than
            # building them from a Python stream of events).
            body = _PeekedBody(response.raw)
            if body.first_byte() != opening:
                expected = "an object with a 'data' list" if self.spec.targeting_level else "a JSON array of row objects"
                raise UnexpectedResponseError(self.name, response.url, f"expected {expected}")
            for row in ijson.items(body, prefix, use_float=True):
                if type(row) is not dict and not isinstance(row, Mapping):
                    raise UnexpectedResponseError(self.name, response.url, "a row is not an object")
                yield row
        except ijson.JSONError as error:
            raise UnexpectedResponseError(self.name, response.url, f"the body is not valid JSON ({error})") from None
        finally:
            response.close()

    @override
    def transform(self, record: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> Mapping[str, Any]:
        row: dict[str, Any] = dict(record.get("metrics") or {}) if self.spec.targeting_level else dict(record)
        for key in ID_COLUMNS.intersection(row):
            # ids as strings, always (targeting rows send them as numbers)
            value = row[key]
            if isinstance(value, int) and not isinstance(value, bool):
                row[key] = str(value)
        if self.spec.targeting_level:
            row["targeting_type"] = record.get("targeting_type")
            value = record.get("targeting_value")
            row["targeting_value"] = None if value is None else str(value)
        entity_id = row.get(self.spec.id_column)
        if entity_id is None and self.spec.id_field == "ad_account_id":
            entity_id = stream_slice["ad_account_id"]
        row["ad_account_id"] = stream_slice["ad_account_id"]
        row[self.spec.id_field] = None if entity_id is None else str(entity_id)
        row["date"] = row.get("DATE")
        row.update(self._attribution_columns)
        return row

    @cached_property
    def _attribution_columns(self) -> dict[str, Any]:
        """The attribution settings written into every row (the same for the whole sync)."""
        attribution = self.context.config.attribution
        return {name: getattr(attribution, name) for name in ATTRIBUTION_FIELDS}


def _ads_stream_class(spec: AdsAnalyticsSpec) -> type[AdsAnalytics]:
    """The registry holds classes: one small subclass per spec, nothing but data."""
    name = "".join(part.title() for part in spec.stream_name.split("_"))
    return type(
        name,
        (AdsAnalytics,),
        {
            "__doc__": spec.doc,
            "__module__": __name__,
            "spec": spec,
            "stream_name": spec.stream_name,
            "path_template": f"ad_accounts/{{ad_account_id}}/{spec.path}",
            "primary_key": spec.primary_key,
        },
    )


_DOCS = "https://developers.pinterest.com/docs/api/v5/"
ADS_ANALYTICS: tuple[AdsAnalyticsSpec, ...] = (
    AdsAnalyticsSpec(
        "ad_account_analytics", "analytics", "ad_account_id", "AD_ACCOUNT_ID", doc=f"{_DOCS}ad_account-analytics"
    ),
    AdsAnalyticsSpec(
        "campaign_analytics",
        "campaigns/analytics",
        "campaign_id",
        "CAMPAIGN_ID",
        "campaign_ids",
        EntityIds(Campaigns),
        doc=f"{_DOCS}campaigns-analytics",
    ),
    AdsAnalyticsSpec(
        "ad_group_analytics",
        "ad_groups/analytics",
        "ad_group_id",
        "AD_GROUP_ID",
        "ad_group_ids",
        EntityIds(AdGroups),
        doc=f"{_DOCS}ad_groups-analytics",
    ),
    AdsAnalyticsSpec(
        "ad_analytics", "ads/analytics", "ad_id", "AD_ID", "ad_ids", EntityIds(Ads), doc=f"{_DOCS}ads-analytics"
    ),
    AdsAnalyticsSpec(
        "product_group_analytics",
        "product_groups/analytics",
        "product_group_id",
        "PRODUCT_GROUP_ID",
        "product_group_ids",
        ProductGroupPromotionIds(),
        doc=f"{_DOCS}product_groups-analytics",
    ),
    AdsAnalyticsSpec(
        "ad_account_targeting_analytics",
        "targeting_analytics",
        "ad_account_id",
        "AD_ACCOUNT_ID",
        targeting_level="ad_account",
        max_targeting_types=15,
        doc=f"{_DOCS}ad_account_targeting_analytics-get",
    ),
    AdsAnalyticsSpec(
        "campaign_targeting_analytics",
        "campaigns/targeting_analytics",
        "campaign_id",
        "CAMPAIGN_ID",
        "campaign_ids",
        EntityIds(Campaigns),
        targeting_level="campaign",
        doc=f"{_DOCS}campaign_targeting_analytics-get",
    ),
    AdsAnalyticsSpec(
        "ad_group_targeting_analytics",
        "ad_groups/targeting_analytics",
        "ad_group_id",
        "AD_GROUP_ID",
        "ad_group_ids",
        EntityIds(AdGroups),
        targeting_level="ad_group",
        doc=f"{_DOCS}ad_groups_targeting_analytics-get",
    ),
    AdsAnalyticsSpec(
        "ad_targeting_analytics",
        "ads/targeting_analytics",
        "ad_id",
        "AD_ID",
        "ad_ids",
        EntityIds(Ads),
        targeting_level="ad",
        doc=f"{_DOCS}ad_targeting_analytics-get",
    ),
)


class UserAccountAnalytics(AnalyticsStream):
    """Daily metrics of the user's account. https://developers.pinterest.com/docs/api/v5/user_account-analytics"""

    stream_name = "user_account_analytics"
    path_template = "user_account/analytics"
    primary_key = ["date"]
    partitioner = SinglePartition()

    @override
    def query_params(self, stream_slice: Mapping[str, Any]) -> MutableMapping[str, Any]:
        return {"start_date": stream_slice["start_date"], "end_date": stream_slice["end_date"]}

    @override
    def extract_records(self, response: requests.Response) -> list[Mapping[str, Any]]:
        body = self._body(response)
        daily = body.get("all", {}).get("daily_metrics") if isinstance(body, Mapping) else None
        if not isinstance(daily, list):
            raise UnexpectedResponseError(self.name, response.url, "no 'all.daily_metrics' list in the body")
        return daily

    @override
    def transform(self, record: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**(record.get("metrics") or {}), "date": record.get("date"), "data_status": record.get("data_status")}


def _pin_ids(context: SyncContext) -> list[str]:
    return [str(pin["id"]) for pin in shared_records(context, Pins, {})]


class PinAnalytics(AnalyticsStream):
    """Daily metrics of the user's Pins, 100 a request. https://developers.pinterest.com/docs/api/v5/multi_pins-analytics"""

    stream_name = "pin_analytics"
    path_template = "pins/analytics"
    primary_key = ["pin_id", "date"]
    partitioner = SinglePartition()

    @override
    def batches(self, stream_slice: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
        for ids in batched(_pin_ids(self.context), MAX_PIN_IDS_PER_REQUEST):
            yield {"ids": ids}

    @override
    def query_params(self, stream_slice: Mapping[str, Any]) -> MutableMapping[str, Any]:
        return {
            "start_date": stream_slice["start_date"],
            "end_date": stream_slice["end_date"],
            "pin_ids": list(stream_slice["ids"]),
            "metric_types": ",".join(PIN_METRICS),
        }

    @override
    def extract_records(self, response: requests.Response) -> list[Mapping[str, Any]]:
        body = self._body(response)
        if not isinstance(body, Mapping):
            raise UnexpectedResponseError(self.name, response.url, "expected an object keyed by pin id")
        rows: list[Mapping[str, Any]] = []
        for pin_id, splits in body.items():
            daily = splits.get("all", {}).get("daily_metrics") if isinstance(splits, Mapping) else None
            if not isinstance(daily, list):
                raise UnexpectedResponseError(self.name, response.url, f"no 'all.daily_metrics' for pin {pin_id}")
            rows.extend({**day, "pin_id": str(pin_id)} for day in daily if isinstance(day, Mapping))
        return rows

    @override
    def transform(self, record: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> Mapping[str, Any]:
        return {
            **(record.get("metrics") or {}),
            "pin_id": record["pin_id"],
            "date": record.get("date"),
            "data_status": record.get("data_status"),
        }


ANALYTICS_STREAMS: tuple[type[PinterestStream], ...] = (
    *(_ads_stream_class(spec) for spec in ADS_ANALYTICS),
    UserAccountAnalytics,
    PinAnalytics,
)


class _PeekedBody:
    """A binary stream whose first non-blank byte can be looked at before it is read whole."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._head = b""

    def first_byte(self) -> bytes:
        while not self._head.strip():
            chunk = self._raw.read(64 * 1024)
            if not chunk:
                return b""
            self._head += chunk
        return self._head.lstrip()[:1]

    def read(self, size: int = -1) -> bytes:
        if self._head:
            cut = len(self._head) if size is None or size < 0 else size
            head, self._head = self._head[:cut], self._head[cut:]
            return head
        return self._raw.read(size)  # type: ignore[no-any-return]
