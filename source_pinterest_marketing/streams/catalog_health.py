"""Catalog health: each feed's processing results and the items they found issues with, each product group's
product counts and products (docs/dev/API-NOTES.md#catalog-health). Every operation reads as the owner of
`business_ad_account_id` when one is configured (business access), like the catalog lists they hang from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams.catalogs import CATALOGS_FEEDS, CATALOGS_PRODUCT_GROUPS, NO_CATALOG
from source_pinterest_marketing.streams.declaration import BUSINESS_ACCESS, RequestContext, SliceRead, StreamDeclaration
from source_pinterest_marketing.streams.fetchers import SINGLE_OBJECT, Pages, SharedList, list_stream
from source_pinterest_marketing.streams.partitions import ByParent
from source_pinterest_marketing.streams.types import Record, Slice

#: a feed, processing result or product group deleted between listing it and reading what hangs from it
VANISHED_FEED = IgnoredError(status=404, code=4161, log_message="The catalog feed was deleted during the sync; nothing to read in it")
VANISHED_RESULT = IgnoredError(status=404, code=4184, log_message="The feed processing result is gone; nothing to read in it")
VANISHED_GROUP = IgnoredError(status=404, code=4180, log_message="The product group was deleted during the sync; nothing to read in it")


@dataclass(frozen=True)
class SeenOnceBookmarkPages(Pages):
    """Bookmark pages of a list whose bookmark the API says is "not functional" yet (`feed_processing_results/list`:
    switch `processing_results_paging`): the bookmark is followed while it brings items not seen in this read; a
    page of items already seen (the first page again) ends the read. Every item once, and no endless loop."""

    def start(self, context: RequestContext, stream_slice: Slice) -> Any:
        return set()

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        records = super().parse(context, response, read)
        seen: set[str] = read.state
        fresh = [record for record in records if str(record.get("id")) not in seen]
        seen.update(str(record.get("id")) for record in records)
        if not fresh:
            read.next = None
        return fresh


@dataclass(frozen=True)
class WithNestedKeys(Pages):
    """Bookmark pages whose items are keyed by nested fields: each `(name, dotted path)` is copied to the top level
    (a product's key is its product Pin's id, `pin.id`: a primary key names top-level fields)."""

    nested_keys: tuple[tuple[str, str], ...] = ()

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        records = super().parse(context, response, read)
        for record in records:
            for name, path in self.nested_keys:
                value: Any = record
                for part in path.split("."):
                    value = value.get(part) if isinstance(value, Mapping) else None
                record[name] = None if value is None else str(value)
        return records


IN_FEEDS = ByParent(CATALOGS_FEEDS, (("feed_id", "id"),))
# One result a feed a day or two, newest first. `updated_at` changes when a PROCESSING result ends: the cursor, per
# feed, filtered here (the API has no filter)
CATALOG_FEED_PROCESSING_RESULTS = list_stream(
    "catalog_feed_processing_results", "CatalogsFeedProcessingResult", "catalogs/feeds/{feed_id}/processing_results",
    operation="feed_processing_results/list", fetcher=SharedList(SeenOnceBookmarkPages(), ("id",)),
    partitioner=IN_FEEDS, cursor="updated_at", params=BUSINESS_ACCESS, slice_fields=("feed_id",),
    ignored_errors=(VANISHED_FEED,),
)  # fmt: skip
# The affected items of each result ("up to 20 random samples ... for each error and warning code"); an item may
# lack its id, so the key is its place in the feed file
CATALOG_ITEM_ISSUES = list_stream(
    "catalog_item_issues", "CatalogsItemValidationIssues", "catalogs/processing_results/{processing_result_id}/item_issues",
    operation="items_issues/list",
    partitioner=ByParent(CATALOG_FEED_PROCESSING_RESULTS, (("feed_id", "feed_id"), ("processing_result_id", "id"))),
    params=BUSINESS_ACCESS, primary_key=("processing_result_id", "item_number"),
    slice_fields=("feed_id", "processing_result_id"), ignored_errors=(VANISHED_RESULT,),
)  # fmt: skip
IN_PRODUCT_GROUPS = ByParent(CATALOGS_PRODUCT_GROUPS, (("product_group_id", "id"),))
# One object a group (RETAIL: in stock, out of stock, preorder, total), keyed by the group
CATALOG_PRODUCT_GROUP_COUNTS = list_stream(
    "catalog_product_group_counts", "CatalogsProductGroupProductCountsVertical",
    "catalogs/product_groups/{product_group_id}/product_counts", operation="catalogs_product_groups/product_counts_get",
    fetcher=SINGLE_OBJECT, partitioner=IN_PRODUCT_GROUPS, params=BUSINESS_ACCESS, primary_key=("product_group_id",),
    slice_fields=("product_group_id",), ignored_errors=(VANISHED_GROUP, NO_CATALOG),
)  # fmt: skip
# The products of each group with their product Pin; a product has no id of its own: its Pin's (`pin_id`, set by the
# fetcher; named in `slice_fields` for its schema property and description, no slice holds it)
CATALOG_PRODUCT_GROUP_PRODUCTS = list_stream(
    "catalog_product_group_products", "CatalogsProduct", "catalogs/product_groups/{product_group_id}/products",
    operation="catalogs_product_group_pins/list", fetcher=WithNestedKeys(nested_keys=(("pin_id", "pin.id"),)),
    partitioner=IN_PRODUCT_GROUPS, params=BUSINESS_ACCESS, primary_key=("product_group_id", "pin_id"),
    slice_fields=("product_group_id", "pin_id"), ignored_errors=(VANISHED_GROUP,),
)  # fmt: skip

CATALOG_HEALTH_STREAMS: tuple[StreamDeclaration, ...] = (
    CATALOG_FEED_PROCESSING_RESULTS,
    CATALOG_ITEM_ISSUES,
    CATALOG_PRODUCT_GROUP_COUNTS,
    CATALOG_PRODUCT_GROUP_PRODUCTS,
)
