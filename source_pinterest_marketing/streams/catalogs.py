"""Catalogs, their feeds and product groups (one partition: the authorizing user, or the owner of
`business_ad_account_id` when one is configured: business access)."""

from __future__ import annotations

from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams.declaration import BUSINESS_ACCESS, Component, StreamDeclaration
from source_pinterest_marketing.streams.fetchers import BOOKMARK_PAGES

NO_CATALOG = IgnoredError(
    status=409,
    code=4182,
    log_message="The user has no catalog, so there are no catalog product groups to read",
)

CATALOGS = StreamDeclaration(
    name="catalogs",
    operation="catalogs/list",
    path="catalogs",
    fetcher=BOOKMARK_PAGES,
    schema=Component("Catalog"),
    cursor="updated_at",
    params=BUSINESS_ACCESS,
)
# the feed's `credentials` (the feed host's login) are dropped
CATALOGS_FEEDS = StreamDeclaration(
    name="catalogs_feeds",
    operation="feeds/list",
    path="catalogs/feeds",
    fetcher=BOOKMARK_PAGES,
    schema=Component("CatalogsFeed"),
    cursor="updated_at",
    params=BUSINESS_ACCESS,
    dropped_fields=("credentials",),
)
CATALOGS_PRODUCT_GROUPS = StreamDeclaration(
    name="catalogs_product_groups",
    operation="catalogs_product_groups/list",
    path="catalogs/product_groups",
    fetcher=BOOKMARK_PAGES,
    # {any_of|all_of: [{<38 filter keys>: {...}}]}, merged over three verticals: 60 KB of schema for a filter DSL
    schema=Component("CatalogsVerticalProductGroup", opaque=("filters",)),
    cursor="updated_at",
    params=BUSINESS_ACCESS,
    ignored_errors=(NO_CATALOG,),
)

CATALOG_STREAMS: tuple[StreamDeclaration, ...] = (CATALOGS, CATALOGS_FEEDS, CATALOGS_PRODUCT_GROUPS)
