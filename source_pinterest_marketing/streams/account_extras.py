"""The ad accounts' smaller entities: labels, promotions, advertiser-defined events, event quality scores and the
conversion events of their tags (docs/dev/API-NOTES.md#smaller-ad-account-entities).

None carries a modification time (promotions and conversion events only their creation or schedule times), so all
are full refresh. Each is read per ad account (the configured ones, or every readable one).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import requests

from source_pinterest_marketing.errors import UnexpectedResponseError
from source_pinterest_marketing.streams.ads import BY_AD_ACCOUNT, account_list
from source_pinterest_marketing.streams.declaration import (
    Component,
    EveryParameterValue,
    FromSlice,
    RequestContext,
    SliceRead,
    StreamDeclaration,
)
from source_pinterest_marketing.streams.fetchers import LISTS_BY_KEY, ONE_PAGE, Pages, WholeAnswer, list_stream
from source_pinterest_marketing.streams.partitions import EachValue
from source_pinterest_marketing.streams.types import Record

logger = logging.getLogger("airbyte")

LABELS_OPERATION = "labels/list"
EQS_OPERATION = "conversion_eqs/list"


@dataclass(frozen=True)
class LabelPages(Pages):
    """`labels/list` pages: their items are typed `LabelsResponse` (`{labels: [Label], errors}`) but may be the labels
    themselves (docs/dev/API-NOTES.md#open-points, simulator switch `labels_item`): every `Label` is a record either
    way. A wrapper's `errors` are said in the log (they are not labels)."""

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        records: list[Record] = []
        for item in super().parse(context, response, read):
            if "id" in item or "labels" not in item:
                records.append(item)
                continue
            labels, errors = item.get("labels") or [], item.get("errors") or []
            if not isinstance(labels, list) or not all(isinstance(label, Mapping) for label in labels):
                raise UnexpectedResponseError(context.stream, response.url, "an item's 'labels' is not a list of objects")
            if errors:
                logger.warning(f"{context.stream}: the API reported {len(errors)} label error(s): {errors[:3]}")
            records.extend(labels)
        return records


# every status: the API's default is ACTIVE only
LABELS = account_list(
    "labels", "Label", operation=LABELS_OPERATION, fetcher=LabelPages(api_parameters=("entity_statuses",)),
    params={"entity_statuses": EveryParameterValue(LABELS_OPERATION, "entity_statuses")},
)  # fmt: skip
PROMOTIONS = account_list("promotions", "PromotionResponse", params={"order": "ASCENDING"})
# one `{items}` answer of events named by the advertiser
ADVERTISER_DEFINED_EVENTS = account_list(
    "advertiser_defined_events", "AdvertiserDefinedEvent", operation="advertiser_defined_events/get",
    fetcher=ONE_PAGE, primary_key=("ad_account_id", "name"),
)  # fmt: skip
# a request per account and lookback period (every one the API offers: `lookback_period` is required)
CONVERSION_EQS = account_list(
    "conversion_eqs", "EventQualityScore",
    fetcher=WholeAnswer(api_parameters=("lookback_period",)),
    partitioner=EachValue(BY_AD_ACCOUNT, "lookback_period", EveryParameterValue(EQS_OPERATION, "lookback_period")),
    params={"lookback_period": FromSlice("lookback_period")},
    primary_key=("ad_account_id", "lookback_period", "source_platform", "ingestion_source"),
)  # fmt: skip
CONVERSION_EVENTS = Component("ConversionEventResponse")
CONVERSION_EVENT_KEY = ("conversion_tag_id", "conversion_event")
PAGE_VISIT_CONVERSION_TAGS = list_stream(
    "page_visit_conversion_tags", CONVERSION_EVENTS, "ad_accounts/{ad_account_id}/conversion_tags/page_visit",
    operation="page_visit_conversion_tags/get", partitioner=BY_AD_ACCOUNT, params={"order": "ASCENDING"},
    slice_fields=("ad_account_id",), primary_key=CONVERSION_EVENT_KEY,
)  # fmt: skip
# `{<key>: [events]}`: what the keys are is not described, so the events of every key are records
OCPM_ELIGIBLE_CONVERSION_TAGS = list_stream(
    "ocpm_eligible_conversion_tags", CONVERSION_EVENTS, "ad_accounts/{ad_account_id}/conversion_tags/ocpm_eligible",
    operation="ocpm_eligible_conversion_tags/get", fetcher=WholeAnswer(LISTS_BY_KEY), partitioner=BY_AD_ACCOUNT,
    slice_fields=("ad_account_id",), primary_key=CONVERSION_EVENT_KEY,
)  # fmt: skip

ACCOUNT_EXTRA_STREAMS: tuple[StreamDeclaration, ...] = (
    LABELS,
    PROMOTIONS,
    ADVERTISER_DEFINED_EVENTS,
    CONVERSION_EQS,
    PAGE_VISIT_CONVERSION_TAGS,
    OCPM_ELIGIBLE_CONVERSION_TAGS,
)
