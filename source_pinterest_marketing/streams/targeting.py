"""Targeting reference: what decodes the `targeting_value` of targeting analytics and reports, the targeting templates,
the ad account countries and the definitions of the delivery metrics (docs/dev/API-NOTES.md#targeting-reference).

Reference data has no modification time: full refresh, except the targeting templates, whose `updated_time` is a
client-side cursor as for the other ad entities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Optional

import requests

from source_pinterest_marketing.api_description import api_parameter
from source_pinterest_marketing.config import PinterestConfig
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import IgnoredError, UnexpectedResponseError
from source_pinterest_marketing.streams.ads import BY_AD_ACCOUNT, account_list
from source_pinterest_marketing.streams.base import shared_records
from source_pinterest_marketing.streams.columns import FieldRows
from source_pinterest_marketing.streams.declaration import (
    EveryParameterValue,
    FetcherBase,
    FromSlice,
    RequestContext,
    SinglePartition,
    SliceRead,
    StreamDeclaration,
)
from source_pinterest_marketing.streams.fetchers import (
    ONE_PAGE,
    SINGLE_OBJECT,
    Pages,
    SharedList,
    list_stream,
    parse_json,
)
from source_pinterest_marketing.streams.partitions import EachValue
from source_pinterest_marketing.streams.types import Record, Slice, Token
from source_pinterest_marketing.transport import Request

OPTIONS_OPERATION = "targeting_options/get"
#: the targeting types whose options are an ad account's own (its keywords, its audiences): asked per account (the
#: API description does not say so; docs/dev/API-NOTES.md#targeting-reference); the others are the same for everyone
ACCOUNT_TARGETING_TYPES = ("KEYWORD", "AUDIENCE_INCLUDE", "AUDIENCE_EXCLUDE")


@dataclass(frozen=True)
class TargetingTypes:
    """The targeting types the API description lists (`PublicTargetingType`), those of an ad account (`of_account`)
    or the others."""

    of_account: bool

    def value(self, stream_slice: Slice, config: PinterestConfig) -> list[str]:
        every = api_parameter(OPTIONS_OPERATION, "targeting_type")["enum"]
        return [kind for kind in every if (kind in ACCOUNT_TARGETING_TYPES) == self.of_account]


@dataclass(frozen=True)
class ValueNames(FetcherBase):
    """`targeting_options/get`: an array of objects mapping targeting values to their names (one object holding every
    value, as the description's sample, or an object per value: simulator switch `targeting_options_shape`; null: no
    option): a record per value, `{targeting_type, targeting_value, targeting_name}` (the names targeting analytics
    and reports use), whatever the shape."""

    api_parameters: tuple[str, ...] = ("targeting_type",)

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        return Request("GET", context.path_of(stream_slice), context.declared_params(stream_slice))

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        read.next = None
        body = parse_json(context.stream, response)
        if body is None:
            return []
        if not isinstance(body, list) or not all(isinstance(options, Mapping) for options in body):
            raise UnexpectedResponseError(context.stream, response.url, "expected an array of objects")
        kind = read.stream_slice["targeting_type"]
        return [
            {"targeting_type": kind, "targeting_value": str(value), "targeting_name": name} for options in body for value, name in options.items()
        ]


OPTION_FIELDS = (("targeting_type", "string"), ("targeting_value", "string"), ("targeting_name", "string"))
TARGETING_OPTIONS = StreamDeclaration(
    name="targeting_options",
    operation=OPTIONS_OPERATION,
    path="resources/targeting/{targeting_type}",
    fetcher=SharedList(ValueNames(), ("targeting_value",)),
    schema=FieldRows(OPTION_FIELDS),
    partitioner=EachValue(SinglePartition(), "targeting_type", TargetingTypes(of_account=False)),
    primary_key=("targeting_type", "targeting_value"),
)
ACCOUNT_TARGETING_OPTIONS = StreamDeclaration(
    name="account_targeting_options",
    operation=OPTIONS_OPERATION,
    path="resources/targeting/{targeting_type}",
    fetcher=ValueNames(),
    schema=FieldRows((("ad_account_id", "string"), *OPTION_FIELDS)),
    partitioner=EachValue(BY_AD_ACCOUNT, "targeting_type", TargetingTypes(of_account=True)),
    params={"ad_account_id": FromSlice("ad_account_id")},
    primary_key=("ad_account_id", "targeting_type", "targeting_value"),
    slice_fields=("ad_account_id",),
)


@dataclass(frozen=True)
class InterestIds:
    """One partition per interest the INTEREST targeting options list (read once per sync)."""

    keys: tuple[str, ...] = ("interest_id",)

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        for option in shared_records(context, TARGETING_OPTIONS, {"targeting_type": "INTEREST"}):
            yield {"interest_id": str(option["targeting_value"])}


#: an interest the options list but the tree does not know (the simulator answers 404 code 2)
UNKNOWN_INTEREST = IgnoredError(status=404, code=None, log_message="An interest of the targeting options is unknown to the interest tree; skipped")
# the interest tree (level, child interests): a request per interest, as the API has no list of the tree
INTERESTS = list_stream(
    "interests", "SingleInterestTargetingOptionResponse", "resources/targeting/interests/{interest_id}",
    operation="interest_targeting_options/get", fetcher=SINGLE_OBJECT, partitioner=InterestIds(),
    ignored_errors=(UNKNOWN_INTEREST,),
)  # fmt: skip
TARGETING_TEMPLATES = account_list(
    "targeting_templates", "TargetingTemplateGetResponseData", operation="targeting_template/list",
    cursor="updated_time", params={"order": "ASCENDING"},
)  # fmt: skip
AD_ACCOUNT_COUNTRIES = list_stream(
    "ad_account_countries", "AdAccountsCountryResponseData", "resources/ad_account_countries",
    operation="ad_account_countries/get", fetcher=ONE_PAGE, primary_key=("code",),
)  # fmt: skip
# SYNC and ASYNC asked apart (what no `report_type` answers is not said): a definition per report type
DELIVERY_METRICS_OPERATION = "delivery_metrics/get"
DELIVERY_METRICS = list_stream(
    "delivery_metrics", "DeliveryMetricsResponse.items", "resources/delivery_metrics",
    operation=DELIVERY_METRICS_OPERATION, fetcher=Pages(paginated=False, api_parameters=("report_type",)),
    partitioner=EachValue(SinglePartition(), "report_type", EveryParameterValue(DELIVERY_METRICS_OPERATION, "report_type")),
    params={"report_type": FromSlice("report_type")}, slice_fields=("report_type",),
    primary_key=("report_type", "category", "name"),
)  # fmt: skip

TARGETING_STREAMS: tuple[StreamDeclaration, ...] = (
    TARGETING_TEMPLATES,
    TARGETING_OPTIONS,
    ACCOUNT_TARGETING_OPTIONS,
    INTERESTS,
    AD_ACCOUNT_COUNTRIES,
    DELIVERY_METRICS,
)
