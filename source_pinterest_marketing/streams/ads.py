"""Ad entities, one partition per ad account: campaigns, ad groups, ads, keywords, audiences,
customer lists, conversion tags and product group promotions.

Lists have no "modified since" filter, so the incremental ones read the whole list and filter on
`updated_time` client-side (see cursor.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Optional

from typing_extensions import override

from source_pinterest_marketing.config import api_enums
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.streams.base import PinterestStream, shared_records
from source_pinterest_marketing.streams.partitions import ByAdAccount, Slice, batched

#: the API's maximum for id-list filters (`campaign_ids`, `ad_group_ids`, ...)
MAX_IDS_PER_REQUEST = 250


class AdAccountStream(PinterestStream):
    """A list under `/ad_accounts/{ad_account_id}/...`; records get their `ad_account_id`."""

    partitioner = ByAdAccount()

    @override
    def transform(self, record: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> Mapping[str, Any]:
        if record.get("ad_account_id") is None and "ad_account_id" in stream_slice:
            return {**record, "ad_account_id": stream_slice["ad_account_id"]}
        return record


class StatusFilteredStream(AdAccountStream):
    """Campaigns, ad groups, ads, in the configured `entity_statuses`.

    The API is asked for EVERY status (sent explicitly: its default, ACTIVE and PAUSED, drops
    ARCHIVED), once per sync and account, and the list is shared with the streams that need the ids
    (keywords, analytics, product group promotions); this stream keeps the configured statuses."""

    incremental_field = "updated_time"

    @override
    def query_params(self, stream_slice: Mapping[str, Any]) -> MutableMapping[str, Any]:
        return {"entity_statuses": list(ALL_STATUSES), "order": "ASCENDING"}

    @override
    def _read_pages(
        self,
        records_generator_fn: Callable[..., Iterable[Any]],
        stream_slice: Optional[Mapping[str, Any]] = None,
        stream_state: Optional[Mapping[str, Any]] = None,
    ) -> Iterable[Any]:
        records = super()._read_pages(records_generator_fn, stream_slice, stream_state)
        statuses = set(self.context.config.entity_statuses)
        yield from (record for record in records if record.get("status") in statuses)


class Campaigns(StatusFilteredStream):
    """https://developers.pinterest.com/docs/api/v5/campaigns-list"""

    stream_name = "campaigns"
    path_template = "ad_accounts/{ad_account_id}/campaigns"
    shared_fields = ("id", "status", "objective_type")


class AdGroups(StatusFilteredStream):
    """https://developers.pinterest.com/docs/api/v5/ad_groups-list"""

    stream_name = "ad_groups"
    path_template = "ad_accounts/{ad_account_id}/ad_groups"
    shared_fields = ("id", "status", "campaign_id")


class Ads(StatusFilteredStream):
    """https://developers.pinterest.com/docs/api/v5/ads-list"""

    stream_name = "ads"
    path_template = "ad_accounts/{ad_account_id}/ads"
    shared_fields = ("id", "status")


ALL_STATUSES: tuple[str, ...] = tuple(api_enums()["entity_statuses"])


def entity_records(
    context: SyncContext,
    stream_class: type[StatusFilteredStream],
    account_id: str,
    fields: Optional[tuple[str, ...]] = None,
) -> list[Mapping[str, Any]]:
    """Every entity of one account in every status (its `shared_fields`, or only `fields`), listed
    once per sync. Analytics and child streams take their ids from here, never from an
    incrementally filtered stream, so an entity untouched for a year is still covered."""
    records = shared_records(context, stream_class, {"ad_account_id": account_id})
    return [{field: record.get(field) for field in fields or stream_class.shared_fields} for record in records]


@dataclass(frozen=True)
class KeywordSlices:
    """Keywords of an account: those whose parent is the account itself (no filter), those of each
    campaign (`campaign_id`, one per request), and those of every ad group (250 ad group ids per
    request). Campaign and ad group ids come from the unfiltered entity lists."""

    keys: tuple[str, ...] = ("ad_account_id",)

    def slices(self, context: SyncContext) -> Iterable[Slice]:
        for account in ByAdAccount().slices(context):
            account_id = account["ad_account_id"]
            yield {"ad_account_id": account_id}
            for campaign in entity_records(context, Campaigns, account_id):
                yield {"ad_account_id": account_id, "campaign_id": str(campaign["id"])}
            ad_group_ids = [str(group["id"]) for group in entity_records(context, AdGroups, account_id)]
            for batch in batched(ad_group_ids, MAX_IDS_PER_REQUEST):
                yield {"ad_account_id": account_id, "ad_group_ids": batch}


class Keywords(AdAccountStream):
    """https://developers.pinterest.com/docs/api/v5/keywords-get"""

    stream_name = "keywords"
    path_template = "ad_accounts/{ad_account_id}/keywords"
    partitioner = KeywordSlices()

    @override
    def query_params(self, stream_slice: Mapping[str, Any]) -> MutableMapping[str, Any]:
        return {key: stream_slice[key] for key in ("campaign_id", "ad_group_ids") if key in stream_slice}


@dataclass(frozen=True)
class AudienceSlices:
    """Audiences the account owns and those shared with it."""

    keys: tuple[str, ...] = ("ad_account_id", "ownership_type")

    def slices(self, context: SyncContext) -> Iterable[Slice]:
        for account in ByAdAccount().slices(context):
            for ownership in ("OWNED", "RECEIVED"):
                yield {**account, "ownership_type": ownership}


class Audiences(AdAccountStream):
    """https://developers.pinterest.com/docs/api/v5/audiences-list"""

    stream_name = "audiences"
    path_template = "ad_accounts/{ad_account_id}/audiences"
    partitioner = AudienceSlices()
    incremental_field = "updated_timestamp"

    @override
    def query_params(self, stream_slice: Mapping[str, Any]) -> MutableMapping[str, Any]:
        return {"ownership_type": stream_slice["ownership_type"], "order": "ASCENDING"}


class CustomerLists(AdAccountStream):
    """https://developers.pinterest.com/docs/api/v5/customer_lists-list"""

    stream_name = "customer_lists"
    path_template = "ad_accounts/{ad_account_id}/customer_lists"
    incremental_field = "updated_time"

    @override
    def query_params(self, stream_slice: Mapping[str, Any]) -> MutableMapping[str, Any]:
        return {"order": "ASCENDING"}


class ConversionTags(AdAccountStream):
    """https://developers.pinterest.com/docs/api/v5/conversion_tags-list (one page, no bookmark)"""

    stream_name = "conversion_tags"
    path_template = "ad_accounts/{ad_account_id}/conversion_tags"
    paginated = False

    @override
    def query_params(self, stream_slice: Mapping[str, Any]) -> MutableMapping[str, Any]:
        return {"filter_deleted": "false"}


@dataclass(frozen=True)
class CatalogSalesAdGroupSlices:
    """Product group promotions must be listed per ad group; only ad groups of CATALOG_SALES
    (shopping) campaigns can have them, so only those are asked."""

    keys: tuple[str, ...] = ("ad_account_id", "ad_group_id")

    def slices(self, context: SyncContext) -> Iterable[Slice]:
        for account in ByAdAccount().slices(context):
            account_id = account["ad_account_id"]
            shopping = {
                str(campaign["id"])
                for campaign in entity_records(context, Campaigns, account_id)
                if campaign.get("objective_type") == "CATALOG_SALES"
            }
            for group in entity_records(context, AdGroups, account_id):
                if str(group.get("campaign_id")) in shopping:
                    yield {"ad_account_id": account_id, "ad_group_id": str(group["id"])}


class ProductGroupPromotions(AdAccountStream):
    """https://developers.pinterest.com/docs/api/v5/product_group_promotions-list"""

    shared_fields = ("id",)
    stream_name = "product_group_promotions"
    path_template = "ad_accounts/{ad_account_id}/product_group_promotions"
    partitioner = CatalogSalesAdGroupSlices()

    @override
    def query_params(self, stream_slice: Mapping[str, Any]) -> MutableMapping[str, Any]:
        return {
            "ad_group_id": stream_slice["ad_group_id"],
            "entity_statuses": list(self.context.config.entity_statuses),
        }


AD_ENTITY_STREAMS: tuple[type[PinterestStream], ...] = (
    Campaigns,
    AdGroups,
    Ads,
    Keywords,
    Audiences,
    CustomerLists,
    ConversionTags,
    ProductGroupPromotions,
)
