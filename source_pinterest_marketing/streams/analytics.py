"""Synchronous analytics: ads analytics per level (account, campaign, ad group, ad, product group), their
targeting breakdowns, and the organic user account and Pin analytics.

Pinterest serves these for the last 90 days only, at most 90 days per request
(docs/dev/API-NOTES.md#sync-analytics-date-limits): they are windowed streams (windows.py), read per partition (an ad account, or the
user) in date windows, each window in batches of entity ids (250 a request, 100 Pins) and of targeting
types (14 a request, 15 for the account level), the limits the API description gives per operation.

The ads levels differ only in data: the `ADS_ANALYTICS` table of frozen specs, one declaration each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Optional, Protocol

import ijson
import requests

from source_pinterest_marketing.config import api_parameter
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import UnexpectedResponseError
from source_pinterest_marketing.streams.ads import (
    AD_GROUPS,
    ADS,
    BY_AD_ACCOUNT,
    CAMPAIGNS,
    entity_ids,
    product_group_ids,
)
from source_pinterest_marketing.streams.columns import attribution_schema, column_schema, nullable, row_schema
from source_pinterest_marketing.streams.declaration import (
    API_PREFIX,
    Record,
    Slice,
    StreamClient,
    StreamDeclaration,
)
from source_pinterest_marketing.streams.fetchers import parse_object, shared_records
from source_pinterest_marketing.streams.organic import PINS
from source_pinterest_marketing.streams.partitions import batched
from source_pinterest_marketing.streams.windows import DateWindows

#: "you can pull data from up to 90 days before the current date in UTC time", at most 90 days a request
MAX_DAYS_BACK = 90
WINDOW_DAYS = 90


def _enum(operation: str, name: str) -> list[str]:
    return list(api_parameter(operation, name)["enum"])


def _max_items(operation: str, name: str) -> int:
    return int(api_parameter(operation, name)["max_items"])


# -- where entity ids come from -------------------------------------------------------------------
class IdSource(Protocol):
    def ids(self, context: SyncContext, account_id: str) -> list[str]: ...


@dataclass(frozen=True)
class EntityIds:
    """Ids of every campaign / ad group / ad of the account, in every status (listed once per sync)."""

    entities: StreamDeclaration

    def ids(self, context: SyncContext, account_id: str) -> list[str]:
        return entity_ids(context, self.entities, account_id)


@dataclass(frozen=True)
class ProductGroupIds:
    """`product_group_ids` of `product_groups/analytics`: the API description does not say whether they are the
    ids of product group promotions or of the catalog product groups they promote (docs/dev/API-NOTES.md#open-points).
    Both are asked for (an unknown id has no rows): the rows come back keyed by whichever the API means."""

    def ids(self, context: SyncContext, account_id: str) -> list[str]:
        return product_group_ids(context, account_id)


# -- ads analytics ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AdsAnalyticsSpec:
    """One ads analytics stream: its operation and path, its entity id, where the ids come from."""

    name: str
    operation: str
    #: path under the account, e.g. "campaigns/analytics"
    path: str
    #: the normalised id field of each row ("campaign_id") and the API's column ("CAMPAIGN_ID")
    id_field: str
    id_column: str
    #: the id list parameter and its source; None for the account level
    ids_param: Optional[str] = None
    ids: Optional[IdSource] = None
    #: rows broken down by targeting type and value (the `targeting_analytics` endpoints)
    targeting: bool = False

    #: the entity id is not unique across ad accounts (product groups: see `ProductGroupIds`)
    per_account_id: bool = False

    @property
    def primary_key(self) -> tuple[str, ...]:
        key = (*(("ad_account_id",) if self.per_account_id else ()), self.id_field, "date")
        return (*key, "targeting_type", "targeting_value") if self.targeting else key

    @property
    def api_parameters(self) -> tuple[str, ...]:
        names = ("columns", self.ids_param, "targeting_types" if self.targeting else None)
        return tuple(name for name in names if name)


@dataclass(frozen=True)
class AdsAnalyticsBatches:
    """The requests of one window: id batches (the API's maximum a request), times targeting type batches
    (each type's breakdown is independent, so splitting them loses nothing)."""

    spec: AdsAnalyticsSpec

    def batches(self, context: SyncContext, partition: Slice) -> Iterable[Mapping[str, Any]]:
        spec = self.spec
        id_batches: Iterable[Optional[list[str]]] = [None]
        if spec.ids is not None and spec.ids_param:
            ids = spec.ids.ids(context, partition["ad_account_id"])
            id_batches = batched(ids, _max_items(spec.operation, spec.ids_param))
        type_batches: list[Optional[list[str]]] = [None]
        if spec.targeting:
            types = _enum(spec.operation, "targeting_types")
            type_batches = list(batched(types, _max_items(spec.operation, "targeting_types")))
        for ids_batch in id_batches:
            for types_batch in type_batches:
                batch: dict[str, Any] = {}
                if ids_batch is not None:
                    batch["ids"] = ids_batch
                if types_batch is not None:
                    batch["targeting_types"] = types_batch
                yield batch


@dataclass(frozen=True)
class AdsAnalyticsRows:
    """One request per slice (window x batch), every column of the API's enum, the body parsed row by row
    as it arrives; each row gets its entity id, account, date and the attribution settings."""

    spec: AdsAnalyticsSpec

    @property
    def api_parameters(self) -> tuple[str, ...]:
        return self.spec.api_parameters

    def records(self, client: StreamClient, stream_slice: Slice) -> Iterator[Record]:
        spec = self.spec
        attribution = client.config.attribution
        params: dict[str, Any] = {
            "start_date": stream_slice["start_date"],
            "end_date": stream_slice["end_date"],
            "granularity": "DAY",
            "columns": ",".join(_enum(spec.operation, "columns")),
            **attribution,
        }
        if spec.ids_param:
            params[spec.ids_param] = list(stream_slice["ids"])
        if spec.targeting:
            params["targeting_types"] = ",".join(stream_slice["targeting_types"])
        response = client.send("GET", client.url(stream_slice), params=params, streamed=True)
        account_id = stream_slice["ad_account_id"]
        for raw in self._rows(client.name, response):
            row: Record = dict(raw.get("metrics") or {}) if spec.targeting else dict(raw)
            if spec.targeting:
                row["targeting_type"] = raw.get("targeting_type")
                row["targeting_value"] = raw.get("targeting_value")
            entity_id = row.get(spec.id_column)
            row["ad_account_id"] = account_id
            row[spec.id_field] = account_id if entity_id is None and spec.id_field == "ad_account_id" else entity_id
            row["date"] = row.get("DATE")
            row.update(attribution)
            yield row

    def _rows(self, stream: str, response: requests.Response) -> Iterator[Mapping[str, Any]]:
        # A body holds up to 250 entities x 90 days of ~190 columns: it is parsed row by row (ijson)
        # straight from the socket, so neither the text nor the parsed rows are ever held whole.
        if not response.ok:
            return
        opening, prefix = (b"{", "data.item") if self.spec.targeting else (b"[", "item")
        response.raw.decode_content = True
        try:
            # The opening byte is checked first (a wrong shape would otherwise yield no row at all), and
            # ijson is given the file itself: its C backend then builds the rows (2.5x cheaper than
            # building them from a Python stream of events).
            body = PeekedBody(response.raw)
            if body.first_byte() != opening:
                expected = "an object with a 'data' list" if self.spec.targeting else "a JSON array of row objects"
                raise UnexpectedResponseError(stream, response.url, f"expected {expected}")
            for row in ijson.items(body, prefix, use_float=True):
                if type(row) is not dict and not isinstance(row, Mapping):
                    raise UnexpectedResponseError(stream, response.url, "a row is not an object")
                yield row
        except ijson.JSONError as error:
            raise UnexpectedResponseError(stream, response.url, f"the body is not valid JSON ({error})") from None
        finally:
            response.close()

    def endpoint(self, path: str) -> str:
        return f"GET {API_PREFIX}{path}"


@dataclass(frozen=True)
class AdsAnalyticsSchema:
    """Every column of the operation's enum, plus the fields the connector writes into each row."""

    spec: AdsAnalyticsSpec

    def build(self, declaration: StreamDeclaration) -> dict[str, Any]:
        properties: dict[str, Any] = {"date": nullable("string", format="date")}
        properties.update({column: column_schema(column) for column in _enum(declaration.operation, "columns")})
        properties["DATE"] = nullable("string", format="date")
        properties["ad_account_id"] = nullable("string")
        properties.update(attribution_schema())
        if self.spec.targeting:
            properties.update(targeting_type=nullable("string"), targeting_value=nullable("string"))
        properties[self.spec.id_field] = nullable("string")
        return row_schema(properties)


def ads_analytics_declaration(spec: AdsAnalyticsSpec) -> StreamDeclaration:
    return StreamDeclaration(
        name=spec.name,
        operation=spec.operation,
        path=f"ad_accounts/{{ad_account_id}}/{spec.path}",
        fetcher=AdsAnalyticsRows(spec),
        schema=AdsAnalyticsSchema(spec),
        partitioner=BY_AD_ACCOUNT,
        primary_key=spec.primary_key,
        cursor="date",
        windows=DateWindows(MAX_DAYS_BACK, WINDOW_DAYS, AdsAnalyticsBatches(spec)),
    )


ADS_ANALYTICS: tuple[AdsAnalyticsSpec, ...] = (
    AdsAnalyticsSpec("ad_account_analytics", "ad_account/analytics", "analytics", "ad_account_id", "AD_ACCOUNT_ID"),
    AdsAnalyticsSpec(
        "campaign_analytics",
        "campaigns/analytics",
        "campaigns/analytics",
        "campaign_id",
        "CAMPAIGN_ID",
        "campaign_ids",
        EntityIds(CAMPAIGNS),
    ),
    AdsAnalyticsSpec(
        "ad_group_analytics",
        "ad_groups/analytics",
        "ad_groups/analytics",
        "ad_group_id",
        "AD_GROUP_ID",
        "ad_group_ids",
        EntityIds(AD_GROUPS),
    ),
    AdsAnalyticsSpec("ad_analytics", "ads/analytics", "ads/analytics", "ad_id", "AD_ID", "ad_ids", EntityIds(ADS)),
    AdsAnalyticsSpec(
        "product_group_analytics",
        "product_groups/analytics",
        "product_groups/analytics",
        "product_group_id",
        "PRODUCT_GROUP_ID",
        "product_group_ids",
        ProductGroupIds(),
        # a catalog product group may be promoted from several ad accounts
        per_account_id=True,
    ),
    AdsAnalyticsSpec(
        "ad_account_targeting_analytics",
        "ad_account_targeting_analytics/get",
        "targeting_analytics",
        "ad_account_id",
        "AD_ACCOUNT_ID",
        targeting=True,
    ),
    AdsAnalyticsSpec(
        "campaign_targeting_analytics",
        "campaign_targeting_analytics/get",
        "campaigns/targeting_analytics",
        "campaign_id",
        "CAMPAIGN_ID",
        "campaign_ids",
        EntityIds(CAMPAIGNS),
        targeting=True,
    ),
    AdsAnalyticsSpec(
        "ad_group_targeting_analytics",
        "ad_groups_targeting_analytics/get",
        "ad_groups/targeting_analytics",
        "ad_group_id",
        "AD_GROUP_ID",
        "ad_group_ids",
        EntityIds(AD_GROUPS),
        targeting=True,
    ),
    AdsAnalyticsSpec(
        "ad_targeting_analytics",
        "ad_targeting_analytics/get",
        "ads/targeting_analytics",
        "ad_id",
        "AD_ID",
        "ad_ids",
        EntityIds(ADS),
        targeting=True,
    ),
)


# -- organic analytics ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DailyMetrics:
    """Organic analytics (`{"all": {"daily_metrics": [...]}}`, per Pin for `pins/analytics`): one row per day
    with its metrics, `date` and `data_status`. `per_pin`: the body is keyed by Pin id, the slice carries a
    batch of Pin `ids` (the API's maximum a request) and the standard Pin metric types are asked for."""

    per_pin: bool = False

    @property
    def api_parameters(self) -> tuple[str, ...]:
        return ("pin_ids", "metric_types") if self.per_pin else ("metric_types",)

    def records(self, client: StreamClient, stream_slice: Slice) -> Iterator[Record]:
        params: dict[str, Any] = {"start_date": stream_slice["start_date"], "end_date": stream_slice["end_date"]}
        if self.per_pin:
            # the standard metrics (the first variant of the enum) exist for every Pin format
            standard = api_parameter(client.declaration.operation, "metric_types")["variants"][0]
            params.update(pin_ids=list(stream_slice["ids"]), metric_types=",".join(standard))
        response = client.send("GET", client.url(stream_slice), params=params)
        if not response.ok:
            return
        body = parse_object(client.name, response)
        if not self.per_pin:
            yield from (_day_record(day) for day in _daily(client.name, response, body, "the body"))
            return
        for pin_id, splits in body.items():
            for day in _daily(client.name, response, splits, f"pin {pin_id}"):
                yield {**_day_record(day), "pin_id": pin_id}

    def endpoint(self, path: str) -> str:
        return f"GET {API_PREFIX}{path}"


def _daily(stream: str, response: requests.Response, splits: Any, what: str) -> list[Mapping[str, Any]]:
    daily = splits.get("all", {}).get("daily_metrics") if isinstance(splits, Mapping) else None
    if not isinstance(daily, list):
        raise UnexpectedResponseError(stream, response.url, f"no 'all.daily_metrics' list in {what}")
    return [day for day in daily if isinstance(day, Mapping)]


def _day_record(day: Mapping[str, Any]) -> Record:
    return {**(day.get("metrics") or {}), "date": day.get("date"), "data_status": day.get("data_status")}


@dataclass(frozen=True)
class OrganicAnalyticsSchema:
    """Every metric type of the operation (all variants), the day and its `data_status`."""

    id_field: Optional[str] = None

    def build(self, declaration: StreamDeclaration) -> dict[str, Any]:
        properties: dict[str, Any] = {"date": nullable("string", format="date")}
        properties.update({metric: nullable("number") for metric in _enum(declaration.operation, "metric_types")})
        properties["data_status"] = nullable("string")
        if self.id_field:
            properties[self.id_field] = nullable("string")
        return row_schema(properties)


PIN_ANALYTICS_OPERATION = "multi_pins/analytics"


@dataclass(frozen=True)
class PinIdBatches:
    """The user's Pins (listed once per sync), the API's maximum a request."""

    def batches(self, context: SyncContext, partition: Slice) -> Iterable[Mapping[str, Any]]:
        pin_ids = [str(pin["id"]) for pin in shared_records(context, PINS, {})]
        for ids in batched(pin_ids, _max_items(PIN_ANALYTICS_OPERATION, "pin_ids")):
            yield {"ids": ids}


USER_ACCOUNT_ANALYTICS = StreamDeclaration(
    name="user_account_analytics",
    operation="user_account/analytics",
    path="user_account/analytics",
    fetcher=DailyMetrics(),
    schema=OrganicAnalyticsSchema(),
    primary_key=("date",),
    cursor="date",
    windows=DateWindows(MAX_DAYS_BACK, WINDOW_DAYS),
)
PIN_ANALYTICS = StreamDeclaration(
    name="pin_analytics",
    operation=PIN_ANALYTICS_OPERATION,
    path="pins/analytics",
    fetcher=DailyMetrics(per_pin=True),
    schema=OrganicAnalyticsSchema("pin_id"),
    primary_key=("pin_id", "date"),
    cursor="date",
    windows=DateWindows(MAX_DAYS_BACK, WINDOW_DAYS, PinIdBatches()),
)

ANALYTICS_STREAMS: tuple[StreamDeclaration, ...] = (
    *(ads_analytics_declaration(spec) for spec in ADS_ANALYTICS),
    USER_ACCOUNT_ANALYTICS,
    PIN_ANALYTICS,
)


class PeekedBody:
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
