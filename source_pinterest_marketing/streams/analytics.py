"""Synchronous analytics: ads analytics per level (account, campaign, ad group, ad, product group), their
targeting breakdowns, and the organic user account and Pin analytics.

Pinterest serves these for the last 90 days only, at most 90 days per request
(docs/dev/API-NOTES.md#sync-analytics-date-limits): they are windowed streams (windows.py), read per partition (an ad account, or the
user) in date windows, each window in batches of entity ids (250 a request, 100 Pins) and of targeting
types (14 a request, 15 for the account level), the limits the API description gives per operation.

The ads levels differ only in data: the `ADS_ANALYTICS` table of frozen specs, one declaration each.
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Optional, Protocol

import requests

from source_pinterest_marketing.api_description import api_parameter
from source_pinterest_marketing.config import TOP_PINS_OPERATION, TOP_VIDEO_PINS_OPERATION
from source_pinterest_marketing.context import SharedValue, SyncContext
from source_pinterest_marketing.errors import IgnoredError, UnexpectedResponseError, api_path
from source_pinterest_marketing.json_items import NotAnObject, array_objects
from source_pinterest_marketing.streams import periods
from source_pinterest_marketing.streams.ads import (
    AD_GROUPS,
    ADS,
    BY_AD_ACCOUNT,
    CAMPAIGNS,
    entity_ids,
    product_group_ids,
    promoted_pins,
)
from source_pinterest_marketing.streams.base import PinterestStream, bound_stream, shared_records
from source_pinterest_marketing.streams.columns import attribution_schema, nullable, row_schema
from source_pinterest_marketing.streams.declaration import (
    API_PREFIX,
    BUSINESS_ACCESS,
    FetcherBase,
    FreeForm,
    RequestContext,
    SliceRead,
    StreamDeclaration,
    UnignoredAnswer,
)
from source_pinterest_marketing.streams.fetchers import PeekedBody, not_json, parse_object, unreadable
from source_pinterest_marketing.streams.metrics_rows import MetricsRowSchema, ShapedRow, WindowRows
from source_pinterest_marketing.streams.organic import PINS, USER_ACCOUNT
from source_pinterest_marketing.streams.partitions import ByParent, batched
from source_pinterest_marketing.streams.types import Record, Slice, Token
from source_pinterest_marketing.streams.windows import DateWindows
from source_pinterest_marketing.transport import BODY_READ_ERRORS, Request

#: "you can pull data from up to 90 days before the current date in UTC time", at most 90 days a request
MAX_DAYS_BACK = 90
WINDOW_DAYS = 90

logger = logging.getLogger("airbyte")

#: what breaks reading a body: its connection, or its text (JSON, UTF-8: ValueError)
ROWS_READ_ERRORS: tuple[type[Exception], ...] = (ValueError, *BODY_READ_ERRORS)


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

    def campaigns(self, context: SyncContext, account_id: str) -> dict[str, Optional[str]]:
        """Each entity's id -> its campaign's id (None: not known), in the list's order."""
        found: dict[str, Optional[str]] = {}
        for record in shared_records(context, self.entities, {"ad_account_id": account_id}):
            campaign_id = record.get("campaign_id")
            found[str(record["id"])] = None if campaign_id is None else str(campaign_id)
        return found


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
    path: str  # under the account, e.g. "campaigns/analytics"
    id_field: str  # the normalised id field of each row ("campaign_id")
    id_column: str  # the API's column of the id ("CAMPAIGN_ID")
    ids_param: Optional[str] = None  # the id list parameter; None for the account level
    ids: Optional[IdSource] = None  # where the ids come from
    #: rows broken down by targeting type and value (the `targeting_analytics` endpoints)
    targeting: bool = False
    #: the entity id is not unique across ad accounts (product groups: see `ProductGroupIds`)
    per_account_id: bool = False
    #: one campaign a request (`campaign_id`), its ids the Pins its ads promote (ad Pin analytics)
    per_campaign: bool = False
    #: entities of a campaign (ad groups, ads, promoted Pins): those of a campaign without a row for the window in
    #: `campaigns/analytics` are not asked for (`IdleCampaigns`)
    within_campaigns: bool = False

    @property
    def primary_key(self) -> tuple[str, ...]:
        parents = (
            *(("ad_account_id",) if self.per_account_id else ()),
            *(("campaign_id",) if self.per_campaign else ()),
        )
        key = (*parents, self.id_field, "date")
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
        """`partition`: the account and the window (`start_date`, `end_date`)."""
        spec = self.spec
        account_id = partition["ad_account_id"]
        if spec.per_campaign and spec.ids_param:
            size = _max_items(spec.operation, spec.ids_param)
            pin_batches = [
                {"campaign_id": campaign_id, "ids": ids}
                for campaign_id, pin_ids in promoted_pins(context, account_id).items()
                for ids in batched(pin_ids, size)
            ]
            if spec.within_campaigns and IdleCampaigns.worth_asking(context, account_id, len(pin_batches)):
                idle = IdleCampaigns.of(context, partition)
                pin_batches = [batch for batch in pin_batches if batch["campaign_id"] not in idle]
            yield from pin_batches
            return
        id_batches: Iterable[Optional[list[str]]] = [None]
        if spec.ids is not None and spec.ids_param:
            size = _max_items(spec.operation, spec.ids_param)
            ids = spec.ids.ids(context, account_id)
            if (
                spec.within_campaigns
                and isinstance(spec.ids, EntityIds)
                and IdleCampaigns.worth_asking(context, account_id, math.ceil(len(ids) / size))
            ):
                idle = IdleCampaigns.of(context, partition)
                campaign_of = spec.ids.campaigns(context, account_id)
                ids = [entity_id for entity_id in ids if campaign_of.get(entity_id) not in idle]
            id_batches = batched(ids, size)
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
class AdsAnalyticsRows(FetcherBase):
    """One request per slice (window x batch) at the sync's granularity, every column of the API's enum, the body
    parsed row by row as it arrives; each row gets its entity id, account, period (periods.py: `date` is the
    period's start) and the attribution settings. WEEK and MONTH periods are emitted once, whole: a period that
    straddles two windows is the window's next request (metrics_rows.py)."""

    spec: AdsAnalyticsSpec

    @property
    def api_parameters(self) -> tuple[str, ...]:
        return self.spec.api_parameters

    @property
    def streamed(self) -> bool:
        return True

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        spec = self.spec
        params: dict[str, Any] = {
            **WindowRows.dates(stream_slice, token),
            "granularity": context.granularity,
            "columns": ",".join(_enum(spec.operation, "columns")),
            **context.config.attribution,
        }
        if spec.ids_param:
            params[spec.ids_param] = list(stream_slice["ids"])
        if spec.per_campaign:
            params["campaign_id"] = stream_slice["campaign_id"]
        if spec.targeting:
            params["targeting_types"] = ",".join(stream_slice["targeting_types"])
        return Request("GET", context.path_of(stream_slice), params, streamed=True)

    def start(self, context: RequestContext, stream_slice: Slice) -> WindowRows:
        constants = {"ad_account_id": stream_slice["ad_account_id"], **context.config.attribution}
        if self.spec.per_campaign:
            constants["campaign_id"] = stream_slice["campaign_id"]
        return WindowRows.of(context, stream_slice, self.spec.id_field, constants)

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> Iterator[Record]:
        rows: WindowRows = read.state
        yield from rows.records(self.shaped(self._rows(context.stream, response), read.stream_slice["ad_account_id"]))
        read.next = rows.next_token()

    def shaped(self, rows: Iterable[Mapping[str, Any]], account_id: str) -> Iterator[ShapedRow]:
        """Each row as a record (a targeting breakdown's metrics, with its targeting), with its entity's id."""
        spec = self.spec
        for raw in rows:
            # a row parsed from the body is the record (no copy); a targeting breakdown's is its metrics
            row = (raw.get("metrics") or {}) if spec.targeting else raw
            if type(row) is not dict:
                row = dict(row)
            entity_id = row.get(spec.id_column)
            if entity_id is None and spec.id_field == "ad_account_id":
                entity_id = account_id
            yield row, entity_id, (raw.get("targeting_type"), raw.get("targeting_value")) if spec.targeting else None

    def _rows(self, stream: str, response: requests.Response) -> Iterator[Mapping[str, Any]]:
        # A body holds up to 250 entities x 90 days of ~190 columns: it is read as it arrives, each row parsed alone
        # (json_items: orjson, a fraction of ijson's cost), so neither the text nor the rows are ever held whole.
        if not response.ok:
            return
        opening, key = (b"{", "data") if self.spec.targeting else (b"[", None)
        answer = f"the answer of GET {api_path(response.url)}"
        response.raw.decode_content = True
        read = 0
        try:
            # The opening byte is checked first: JSON of another shape is an unexpected answer (asking again gives
            # the same), a body that is no JSON at all broke on its way.
            body = PeekedBody(response.raw)
            first = body.first_byte()
            if first != opening:
                expected = "an object with a 'data' list" if self.spec.targeting else "a JSON array of row objects"
                raise not_json(stream, answer, response.url, first, expected)
            for row in array_objects(body, key):
                read += 1
                yield row
        except NotAnObject:
            raise UnexpectedResponseError(stream, response.url, "a row is not an object") from None
        except ROWS_READ_ERRORS as error:
            # the connection broke, or the body is cut short or garbled: the slice is read again (base.py)
            raise unreadable(answer, read, error) from None
        finally:
            response.close()

    def endpoint(self, path: str) -> str:
        return f"GET {API_PREFIX}{path}"


def ads_analytics_declaration(spec: AdsAnalyticsSpec) -> StreamDeclaration:
    return StreamDeclaration(
        name=spec.name,
        operation=spec.operation,
        path=f"ad_accounts/{{ad_account_id}}/{spec.path}",
        fetcher=AdsAnalyticsRows(spec),
        schema=MetricsRowSchema(
            tuple(_enum(spec.operation, "columns")),
            spec.id_field,
            # the API's own (not sent for TOTAL); an HOUR row's has its hour: see `hourly_schema`
            api_date=nullable("string", format="date"),
            targeting=("targeting_type", "targeting_value") if spec.targeting else (),
            own={**({"campaign_id": nullable("string")} if spec.per_campaign else {}), **attribution_schema()},
        ),
        partitioner=BY_AD_ACCOUNT,
        primary_key=spec.primary_key,
        cursor="date",
        windows=DateWindows(
            MAX_DAYS_BACK, WINDOW_DAYS, AdsAnalyticsBatches(spec), configurable=True, final_days_only=True
        ),
        # its answers are also IdleCampaigns' (sent once)
        stream_class=CampaignAnalyticsStream if spec == CAMPAIGN_ANALYTICS else None,
    )


CAMPAIGN_ANALYTICS = AdsAnalyticsSpec(
    "campaign_analytics",
    "campaigns/analytics",
    "campaigns/analytics",
    "campaign_id",
    "CAMPAIGN_ID",
    "campaign_ids",
    EntityIds(CAMPAIGNS),
)
ADS_ANALYTICS: tuple[AdsAnalyticsSpec, ...] = (
    AdsAnalyticsSpec("ad_account_analytics", "ad_account/analytics", "analytics", "ad_account_id", "AD_ACCOUNT_ID"),
    CAMPAIGN_ANALYTICS,
    AdsAnalyticsSpec(
        "ad_group_analytics",
        "ad_groups/analytics",
        "ad_groups/analytics",
        "ad_group_id",
        "AD_GROUP_ID",
        "ad_group_ids",
        EntityIds(AD_GROUPS),
        within_campaigns=True,
    ),
    AdsAnalyticsSpec(
        "ad_analytics",
        "ads/analytics",
        "ads/analytics",
        "ad_id",
        "AD_ID",
        "ad_ids",
        EntityIds(ADS),
        within_campaigns=True,
    ),
    # the Pins the account's ads promote, per campaign (the endpoint takes one campaign a request)
    AdsAnalyticsSpec(
        "ad_pin_analytics",
        "ad_pins/analytics",
        "pins/analytics",
        "pin_id",
        "PIN_ID",
        "pin_ids",
        per_campaign=True,
        within_campaigns=True,
    ),
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
        within_campaigns=True,
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
        within_campaigns=True,
    ),
)


# -- campaigns without delivery: requests where data cannot exist ------------------------------------
class KeptAnswer:
    """The body of a question's answer, kept in a temporary file (it can hold 250 campaigns x 90 days of every column)
    for `campaign_analytics` to read in the same sync instead of sending the same request again."""

    def __init__(self) -> None:
        # closed (and deleted) once read to its end, or when the process ends
        self.file: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115

    def restart(self) -> None:
        """A read of the answer from its start (a broken body is read again): what was kept is dropped."""
        self.file.seek(0)
        self.file.truncate()

    def tee(self, response: requests.Response) -> None:
        """Keep what is read of `response`'s body."""
        response.raw = _Tee(response.raw, self.file)

    def response(self, url: str) -> requests.Response:
        """The kept answer as a response to read (once: reading it to its end deletes the file)."""
        self.file.seek(0)
        response = requests.Response()
        response.status_code, response.url = 200, url
        response.raw = _KeptBody(self.file)
        return response


class _Tee:
    """A body being read that writes what is read to `copy`."""

    def __init__(self, raw: Any, copy: BinaryIO) -> None:
        self._raw, self._copy = raw, copy

    @property
    def decode_content(self) -> bool:
        return bool(self._raw.decode_content)

    @decode_content.setter
    def decode_content(self, value: bool) -> None:
        self._raw.decode_content = value

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._raw.read(size)
        self._copy.write(data)
        return data

    def close(self) -> None:
        self._raw.close()


class _KeptBody:
    """A kept body, read as a streamed one is (`AdsAnalyticsRows._rows`)."""

    decode_content = True

    def __init__(self, file: BinaryIO) -> None:
        self._file = file

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def close(self) -> None:
        self._file.close()


@dataclass(frozen=True)
class CampaignsAnswered(AdsAnalyticsRows):
    """The request `campaign_analytics` sends for a window and a batch of campaigns (every column, the attribution
    settings), at the slice's `granularity`; a record per row: its campaign's id (no period, no next request). The
    body is kept (`KeptAnswer`) when the slice has one."""

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        return super().request(context, stream_slice, None).with_params(granularity=stream_slice["granularity"])

    def start(self, context: RequestContext, stream_slice: Slice) -> Any:
        kept: Optional[KeptAnswer] = stream_slice.get("kept")
        if kept is not None:
            kept.restart()
        return None

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> Iterator[Record]:
        kept: Optional[KeptAnswer] = read.stream_slice.get("kept")
        if kept is not None and response.ok:
            kept.tee(response)
        for row in self._rows(context.stream, response):
            campaign_id = row.get("CAMPAIGN_ID")
            if campaign_id is not None:
                yield {"campaign_id": str(campaign_id)}
        read.next = None


#: `campaigns/analytics` as the entities within campaigns ask it (not a stream of the catalog: `IdleCampaigns`)
CAMPAIGN_DELIVERY = StreamDeclaration(
    name="campaign_delivery",
    operation="campaigns/analytics",
    path="ad_accounts/{ad_account_id}/campaigns/analytics",
    fetcher=CampaignsAnswered(CAMPAIGN_ANALYTICS),
    schema=FreeForm(),
    partitioner=BY_AD_ACCOUNT,
    bundled_schema=False,
)


@dataclass
class Answered:
    """The campaigns with a row in one answer of `campaigns/analytics`, and the answer itself when `campaign_analytics`
    is still to read it (`KeptAnswer`)."""

    campaign_ids: frozenset[str]
    kept: Optional[KeptAnswer] = None


class IdleCampaigns:
    """The campaigns of an account without a row for a window in `campaigns/analytics` (the window's days at the
    sync's granularity): their ad groups, ads and promoted Pins are not asked for that window
    (docs/dev/ARCHITECTURE.md#requests-where-data-cannot-exist says why the records are the same).

    Pinterest does not say whether an entity that did not deliver has rows of zeros or none
    (docs/dev/API-NOTES.md#open-points). Where it has zeros, every campaign asked has a row and nothing is skipped;
    where it has none, a campaign without a row delivered nothing in the window, so nothing within it did: their
    answers would hold no row.

    The question is `campaign_analytics`' own request for the window and each batch of 250 campaigns, sent once per
    sync: when that stream is read in the same sync, by whichever asks first (`campaign_analytics` reads a question's
    kept answer; a question waits for `campaign_analytics` reading it); else as a request of its own, asked only by a
    stream that spends more requests on the window than the question costs. At WEEK and MONTH granularity a window's
    answer can take a second request (a straddling period), so the answer is not shared: the question is not asked
    when `campaign_analytics` is read (nothing is skipped)."""

    @staticmethod
    def shared(context: SyncContext) -> bool:
        """Whether the questions are `campaign_analytics`' own requests of this sync."""
        return context.will_read(CAMPAIGN_ANALYTICS.name) and context.config.analytics_granularity not in (
            periods.WEEK,
            periods.MONTH,
        )

    @staticmethod
    def requests(context: SyncContext, account_id: str) -> Optional[int]:
        """The requests the question adds for one window of the account (0: `campaign_analytics` sends them anyway);
        None: it is not asked."""
        if IdleCampaigns.shared(context):
            return 0
        if context.will_read(CAMPAIGN_ANALYTICS.name):
            return None
        return math.ceil(len(entity_ids(context, CAMPAIGNS, account_id)) / IdleCampaigns.batch_size())

    @staticmethod
    def batch_size() -> int:
        return _max_items(CAMPAIGN_DELIVERY.operation, "campaign_ids")

    @staticmethod
    def worth_asking(context: SyncContext, account_id: str, requests_of_window: int) -> bool:
        """Whether a stream that sends `requests_of_window` requests for a window of the account asks the question."""
        cost = IdleCampaigns.requests(context, account_id)
        return cost is not None and requests_of_window > cost

    @staticmethod
    def holder(context: SyncContext, window: Slice, ids: list[str]) -> SharedValue[Answered]:
        """The answer for `window` (account, days) and a batch of campaign `ids`, once per sync."""
        account_id, start, end = window["ad_account_id"], window["start_date"], window["end_date"]
        granularity = context.config.analytics_granularity
        question = {"ad_account_id": account_id, "start_date": start, "end_date": end, "ids": list(ids)}

        def ask() -> Answered:
            kept = KeptAnswer() if IdleCampaigns.shared(context) else None
            records = bound_stream(context, CAMPAIGN_DELIVERY).records(
                {**question, "granularity": granularity, "kept": kept}
            )
            return Answered(frozenset(str(record["campaign_id"]) for record in records), kept)

        key = f"{CAMPAIGN_DELIVERY.name}:{account_id}:{start}:{end}:{granularity}:{','.join(ids)}"
        return context.shared_holder(key, ask)

    @staticmethod
    def of(context: SyncContext, window: Slice) -> frozenset[str]:
        """The campaigns of `window`'s account asked about and answered without a row for its days."""
        account_id = window["ad_account_id"]
        asked = entity_ids(context, CAMPAIGNS, account_id)
        answered: set[str] = set()
        for ids in batched(asked, IdleCampaigns.batch_size()):
            answered |= IdleCampaigns.holder(context, window, ids).get().campaign_ids
        idle = frozenset(asked) - answered
        if idle:
            logger.info(
                "Ad account %s, %s to %s: %d of %d campaigns have no %s analytics; their ad groups, ads and promoted "
                "Pins are not asked for",
                account_id,
                window["start_date"],
                window["end_date"],
                len(idle),
                len(asked),
                context.config.analytics_granularity,
            )
        return idle


class CampaignAnalyticsStream(PinterestStream):
    """`campaign_analytics`: a window's answer is also the answer to `IdleCampaigns`' question, sent once: this
    stream reads it first and says which campaigns had rows, or reads the answer a question kept."""

    def read_slice(self, stream_slice: Slice) -> Generator[Mapping[str, Any], None, None]:
        if not IdleCampaigns.shared(self.context):
            yield from super().read_slice(stream_slice)
            return
        holder = IdleCampaigns.holder(self.context, stream_slice, list(stream_slice["ids"]))
        if holder.claim():
            answered: set[str] = set()
            try:
                for record in super().read_slice(stream_slice):
                    answered.add(str(record.get("campaign_id")))
                    yield record
            except BaseException:
                holder.abandon()
                raise
            holder.publish(Answered(frozenset(answered)))
            return
        found = holder.get()
        kept, found.kept = found.kept, None
        if kept is None:  # already read in this sync (a slice read again): ask again
            yield from super().read_slice(stream_slice)
            return
        reading = self.reading(stream_slice)
        answer = kept.response(self.request_for(reading, None).url(self.url_base))
        yield from self.parse_response(answer, stream_state={}, stream_slice=reading)


# -- organic analytics ------------------------------------------------------------------------------
#: Pin media types whose Pins have video metrics
VIDEO_MEDIA_TYPES = frozenset({"video", "multiple_videos"})
#: `metric_types` variants of `pins/analytics` (docs/dev/API-NOTES.md#organic-analytics): standard, video
STANDARD_METRICS, VIDEO_METRICS = 0, 1
#: a Pin of the batch deleted since the Pins were listed (one reading: see `DailyMetrics._per_pin`)
PIN_NOT_FOUND = IgnoredError(
    status=404, code=50, log_message="A Pin of the batch is not found (deleted during the sync)"
)
#: the standard metrics refused for video Pins (one reading of the API description: see `DailyMetrics`)
REFUSED_FOR_VIDEO_PINS = IgnoredError(
    status=400, code=None, log_message="Pinterest refuses the standard metric types for video Pins"
)


@dataclass
class PinBatch:
    """One read of a batch of Pins (`DailyMetrics` per Pin): the request being answered (its metric variant and Pins),
    those to come, and the days merged from the answers, one record per Pin and day."""

    asked: tuple[int, list[str]]
    to_come: deque[tuple[int, list[str]]]
    #: the variant asked second, whose refusal the requests may ignore (None: one variant)
    second: Optional[int]
    days: dict[tuple[str, Any], Record] = field(default_factory=dict)

    def token(self) -> Token:
        variant, pin_ids = self.asked
        return {"variant": variant, "pin_ids": pin_ids}


@dataclass(frozen=True)
class DailyMetrics(FetcherBase):
    """Organic analytics (`{"all": {"daily_metrics": [...]}}`, per Pin for `pins/analytics`): one row per day
    with its metrics, `date` and `data_status`. `per_pin`: the body is keyed by Pin id, the slice carries a
    batch of Pin `ids` (the API's maximum a request) and the Pin metric types are asked for.

    The API description gives the metric types as two variants, standard and video, and does not say whether one
    request may mix them, nor what the other variant's metrics of a Pin are (docs/dev/API-NOTES.md#open-points).
    So a request asks one variant: other Pins the standard metrics; video Pins (`video` in the slice) the video
    metrics, then the standard ones (for USER_FOLLOW and PROFILE_VISIT), merged into one row a day; a refusal of
    that second request only leaves those two metrics out (said in the log).

    Pinterest may answer a batch holding a Pin deleted since it was listed with 404 code 50
    (docs/dev/API-NOTES.md#open-points): the batch is then asked Pin by Pin, and only the deleted Pin is left out. The
    requests of a batch are its pages (the next variant, the Pins one by one); its records come with its last."""

    per_pin: bool = False

    @property
    def api_parameters(self) -> tuple[str, ...]:
        return ("pin_ids", "metric_types") if self.per_pin else ("metric_types",)

    @property
    def ignorable(self) -> tuple[IgnoredError, ...]:
        return (PIN_NOT_FOUND, REFUSED_FOR_VIDEO_PINS) if self.per_pin else ()

    def variants(self, context: RequestContext) -> list[list[str]]:
        return list(api_parameter(context.operation, "metric_types")["variants"])

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        params: dict[str, Any] = {
            **context.declared_params(stream_slice),
            "start_date": stream_slice["start_date"],
            "end_date": stream_slice["end_date"],
        }
        if self.per_pin:
            variant, pin_ids = (token["variant"], token["pin_ids"]) if token else self.first(stream_slice)
            params.update(pin_ids=list(pin_ids), metric_types=",".join(self.variants(context)[variant]))
        return Request("GET", context.path_of(stream_slice), params)

    @staticmethod
    def first(stream_slice: Slice) -> tuple[int, list[str]]:
        """A batch's first request: the video metrics of video Pins, the standard ones of the others."""
        return (VIDEO_METRICS if stream_slice.get("video") else STANDARD_METRICS), list(stream_slice["ids"])

    def start(self, context: RequestContext, stream_slice: Slice) -> Optional[PinBatch]:
        if not self.per_pin:
            return None
        first = self.first(stream_slice)
        to_come: deque[tuple[int, list[str]]] = deque()
        second = STANDARD_METRICS if stream_slice.get("video") else None
        if second is not None:
            to_come.append((second, first[1]))
        return PinBatch(first, to_come, second)

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> Iterator[Record]:
        if not self.per_pin:
            if response.ok:
                yield from (
                    _day_record(day) for day in _daily(context, parse_object(context.stream, response), "the body")
                )
            return
        batch: PinBatch = read.state
        variant, pin_ids = batch.asked
        if response.ok:
            for pin_id, splits in parse_object(context.stream, response).items():
                self.merge(batch, str(pin_id), _daily(context, splits, f"pin {pin_id}"))
        elif PIN_NOT_FOUND.matches(response):
            # a Pin of the batch was deleted: the batch is asked Pin by Pin (a single Pin: it is the deleted one)
            if len(pin_ids) > 1:
                batch.to_come.extendleft(reversed([(variant, [pin_id]) for pin_id in pin_ids]))
        elif not (variant == batch.second and REFUSED_FOR_VIDEO_PINS.matches(response)):
            raise UnignoredAnswer(response)
        if batch.to_come:
            batch.asked = batch.to_come.popleft()
            read.next = batch.token()
            return
        read.next = None
        yield from batch.days.values()

    @staticmethod
    def merge(batch: PinBatch, pin_id: str, days: list[Mapping[str, Any]]) -> None:
        """A Pin's days of one answer merged into the batch's records (the less final `data_status` of two answers)."""
        for day in days:
            record = _day_record(day)
            found = batch.days.setdefault((pin_id, record["date"]), {"pin_id": pin_id})
            status = found.get("data_status")
            found.update({key: value for key, value in record.items() if key not in found or value is not None})
            if status is not None and status != "READY":
                found["data_status"] = status  # the less final of the two answers' statuses


def _daily(context: RequestContext, splits: Any, what: str) -> list[Mapping[str, Any]]:
    daily = splits.get("all", {}).get("daily_metrics") if isinstance(splits, Mapping) else None
    if not isinstance(daily, list):
        raise UnexpectedResponseError(context.stream, context.endpoint, f"no 'all.daily_metrics' list in {what}")
    return [day for day in daily if isinstance(day, Mapping)]


def _day_record(day: Mapping[str, Any]) -> Record:
    return {**(day.get("metrics") or {}), "date": day.get("date"), "data_status": day.get("data_status")}


@dataclass(frozen=True)
class OrganicAnalyticsSchema:
    """Every metric type of the operation (all variants), the day and its `data_status`, and the id fields."""

    id_fields: tuple[str, ...] = ()

    def build(self, declaration: StreamDeclaration) -> dict[str, Any]:
        properties: dict[str, Any] = {"date": nullable("string", format="date")}
        properties.update({metric: nullable("number") for metric in _enum(declaration.operation, "metric_types")})
        properties["data_status"] = nullable("string")
        properties.update({name: nullable("string") for name in self.id_fields})
        return row_schema(properties)


PIN_ANALYTICS_OPERATION = "multi_pins/analytics"


@dataclass(frozen=True)
class PinIdBatches:
    """The user's Pins (listed once per sync), the API's maximum a request; video Pins in batches of their own
    (they are asked for the video metrics too)."""

    def batches(self, context: SyncContext, partition: Slice) -> Iterable[Mapping[str, Any]]:
        pins = shared_records(context, PINS, {})
        size = _max_items(PIN_ANALYTICS_OPERATION, "pin_ids")
        for video in (False, True):
            pin_ids = [str(pin["id"]) for pin in pins if (pin.get("media.media_type") in VIDEO_MEDIA_TYPES) == video]
            for ids in batched(pin_ids, size):
                yield {"ids": ids, "video": True} if video else {"ids": ids}


#: one partition per user account read (the token user, or the business access account's owner)
BY_USER_ACCOUNT = ByParent(USER_ACCOUNT, (("user_account_id", "id"),))

USER_ACCOUNT_ANALYTICS = StreamDeclaration(
    name="user_account_analytics",
    operation="user_account/analytics",
    path="user_account/analytics",
    fetcher=DailyMetrics(),
    schema=OrganicAnalyticsSchema(("user_account_id",)),
    partitioner=BY_USER_ACCOUNT,
    primary_key=("user_account_id", "date"),
    cursor="date",
    # daily only: the API has no granularity for organic analytics
    windows=DateWindows(MAX_DAYS_BACK, WINDOW_DAYS),
    params=BUSINESS_ACCESS,
    slice_fields=("user_account_id",),
)
PIN_ANALYTICS = StreamDeclaration(
    name="pin_analytics",
    operation=PIN_ANALYTICS_OPERATION,
    path="pins/analytics",
    fetcher=DailyMetrics(per_pin=True),
    schema=OrganicAnalyticsSchema(("pin_id",)),
    primary_key=("pin_id", "date"),
    cursor="date",
    windows=DateWindows(MAX_DAYS_BACK, WINDOW_DAYS, PinIdBatches()),
    params=BUSINESS_ACCESS,
)


# -- top Pins ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SortMetrics:
    """One request per sort metric the config names (`config_field`) for the window."""

    config_field: str

    def batches(self, context: SyncContext, partition: Slice) -> Iterable[Mapping[str, Any]]:
        for metric in getattr(context.config, self.config_field):
            yield {"sort_by": metric}


@dataclass(frozen=True)
class TopPins(FetcherBase):
    """The user's top Pins for the window by one sort metric (the API's maximum of Pins): one record per Pin
    with its rank, metrics and their `data_status`, and the window."""

    api_parameters: tuple[str, ...] = ("sort_by", "metric_types", "num_of_pins")

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        params = {
            **context.declared_params(stream_slice),
            "start_date": stream_slice["start_date"],
            "end_date": stream_slice["end_date"],
            "sort_by": stream_slice["sort_by"],
            "num_of_pins": int(api_parameter(context.operation, "num_of_pins")["maximum"]),
        }
        return Request("GET", context.path_of(stream_slice), params)

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> Iterator[Record]:
        if not response.ok:
            return
        body = parse_object(context.stream, response)
        pins = body.get("pins")
        if not isinstance(pins, list):
            raise UnexpectedResponseError(context.stream, response.url, "no 'pins' list in the body")
        window = {key: read.stream_slice[key] for key in ("sort_by", "start_date", "end_date")}
        for rank, pin in enumerate(pins, start=1):
            if not isinstance(pin, Mapping):
                raise UnexpectedResponseError(context.stream, response.url, "an item of 'pins' is not an object")
            yield {
                **(pin.get("metrics") or {}),
                "pin_id": pin.get("pin_id"),
                "rank": rank,
                "data_status": pin.get("data_status"),
                **window,
            }


@dataclass(frozen=True)
class TopPinsSchema:
    """Every metric type of the operation, the Pin, its rank, the metrics' `data_status` and the window."""

    def build(self, declaration: StreamDeclaration) -> dict[str, Any]:
        properties: dict[str, Any] = {"pin_id": nullable("string"), "rank": nullable("integer")}
        properties.update({metric: nullable("number") for metric in _enum(declaration.operation, "metric_types")})
        properties["data_status"] = nullable("object")  # {metric: its data status}
        properties.update(
            user_account_id=nullable("string"),
            sort_by=nullable("string"),
            start_date=nullable("string", format="date"),
            end_date=nullable("string", format="date"),
        )
        return row_schema(properties)


def top_pins_declaration(name: str, operation: str, config_field: str) -> StreamDeclaration:
    """A top Pins list: per user account, for the configured window (the last 90 days at most, the API's reach),
    one request per sort metric of `config_field`; a snapshot (full refresh) keyed by its window."""
    return StreamDeclaration(
        name=name,
        operation=operation,
        path=operation,
        fetcher=TopPins(),
        schema=TopPinsSchema(),
        partitioner=BY_USER_ACCOUNT,
        primary_key=("user_account_id", "sort_by", "start_date", "end_date", "pin_id"),
        windows=DateWindows(MAX_DAYS_BACK, WINDOW_DAYS, SortMetrics(config_field), "top Pins"),
        params=BUSINESS_ACCESS,
        slice_fields=("user_account_id",),
    )


USER_ACCOUNT_TOP_PINS = top_pins_declaration("user_account_top_pins", TOP_PINS_OPERATION, "top_pins_sort_by")
USER_ACCOUNT_TOP_VIDEO_PINS = top_pins_declaration(
    "user_account_top_video_pins", TOP_VIDEO_PINS_OPERATION, "top_video_pins_sort_by"
)

ANALYTICS_STREAMS: tuple[StreamDeclaration, ...] = (
    *(ads_analytics_declaration(spec) for spec in ADS_ANALYTICS),
    USER_ACCOUNT_ANALYTICS,
    PIN_ANALYTICS,
    USER_ACCOUNT_TOP_PINS,
    USER_ACCOUNT_TOP_VIDEO_PINS,
)
