"""Catalogs, their feeds and product groups (one partition: the authorizing user, or the owner of
`business_ad_account_id` when one is configured: business access)."""

from __future__ import annotations

from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams.declaration import BUSINESS_ACCESS, Component, StreamDeclaration
from source_pinterest_marketing.streams.fetchers import BOOKMARK_PAGES, SharedList, list_stream

NO_CATALOG = IgnoredError(
    status=409,
    code=4182,
    log_message="The user has no catalog, so there are no catalog product groups to read",
)

# listed once for the streams that read each catalog (its catalog reports: a report's parameters name its type)
CATALOGS = list_stream(
    "catalogs", "Catalog", fetcher=SharedList(BOOKMARK_PAGES, ("id", "catalog_type")), cursor="updated_at",
    params=BUSINESS_ACCESS,
)  # fmt: skip
# the feed's `credentials` (the feed host's login) are dropped
CATALOGS_FEEDS = list_stream(
    "catalogs_feeds", "CatalogsFeed", "catalogs/feeds", operation="feeds/list",
    fetcher=SharedList(BOOKMARK_PAGES, ("id", "catalog_type")), cursor="updated_at", params=BUSINESS_ACCESS, dropped_fields=("credentials",),
)  # fmt: skip
# {any_of|all_of: [{<38 filter keys>: {...}}]}, merged over three verticals: 60 KB of schema for a filter DSL
PRODUCT_GROUPS = Component("CatalogsVerticalProductGroup", opaque=("filters",))
CATALOGS_PRODUCT_GROUPS = list_stream(
    "catalogs_product_groups", PRODUCT_GROUPS, "catalogs/product_groups", fetcher=SharedList(BOOKMARK_PAGES, ("id",)),
    cursor="updated_at", params=BUSINESS_ACCESS, ignored_errors=(NO_CATALOG,),
)  # fmt: skip

CATALOG_STREAMS: tuple[StreamDeclaration, ...] = (CATALOGS, CATALOGS_FEEDS, CATALOGS_PRODUCT_GROUPS)
