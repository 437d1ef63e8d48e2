"""Catalogs, their feeds and product groups (one partition: the authorizing user)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typing_extensions import override

from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams.base import PinterestStream

NO_CATALOG = IgnoredError(
    status=409,
    code=4182,
    log_message="The user has no catalog, so there are no catalog product groups to read",
)


class Catalogs(PinterestStream):
    """https://developers.pinterest.com/docs/api/v5/catalogs-list"""

    stream_name = "catalogs"
    path_template = "catalogs"
    incremental_field = "updated_at"


class CatalogsFeeds(PinterestStream):
    """https://developers.pinterest.com/docs/api/v5/feeds-list (the feed's `credentials` are dropped)"""

    stream_name = "catalogs_feeds"
    path_template = "catalogs/feeds"
    incremental_field = "updated_at"

    @override
    def transform(self, record: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> Mapping[str, Any]:
        return {key: value for key, value in record.items() if key != "credentials"}


class CatalogsProductGroups(PinterestStream):
    """https://developers.pinterest.com/docs/api/v5/catalogs_product_groups-list"""

    stream_name = "catalogs_product_groups"
    path_template = "catalogs/product_groups"
    incremental_field = "updated_at"
    ignored_errors = (NO_CATALOG,)


CATALOG_STREAMS: tuple[type[PinterestStream], ...] = (Catalogs, CatalogsFeeds, CatalogsProductGroups)
