"""Catalogs, feeds and catalog product groups."""

from __future__ import annotations

from typing import Any

from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import ApiError


def no_catalog() -> ApiError:
    """409 code 4182, as the spec's examples, when the user has no catalog."""
    return ApiError(409, 4182, "Can't access this feature without an existing catalog.")


@handler("catalogs/list")
def catalogs_list(ctx: Context) -> Any:
    """Catalogs of the user (an empty page when there is none)."""
    ctx.check_business_access()
    return ctx.page(ctx.dataset.entities("catalogs"))


@handler("feeds/list")
def feeds_list(ctx: Context) -> Any:
    """Feeds, optionally of one catalog."""
    ctx.check_business_access()
    feeds = ctx.dataset.entities("catalogs_feeds")
    if "catalog_id" in ctx.params:
        feeds = [f for f in feeds if ctx.dataset.feed_catalog.get(f["id"]) == ctx.params["catalog_id"]]
    return ctx.page(feeds)


@handler("feeds/get")
def feeds_get(ctx: Context) -> Any:
    """One feed."""
    ctx.check_business_access()
    feed = ctx.dataset.by_user["catalogs_feeds"].get(ctx.params["feed_id"])
    if feed is None:
        raise ApiError(404, 4161, "Sorry! We could not find your catalogs feed.")
    return feed


@handler("catalogs_product_groups/list")
def product_groups_list(ctx: Context) -> Any:
    """Product groups filtered by ``id``, ``feed_id``, ``catalog_id``; 409 code 4182 without a catalog."""
    ctx.check_business_access()
    if not ctx.dataset.has_catalog or not ctx.dataset.by_user["catalogs"]:
        raise no_catalog()
    groups = ctx.dataset.entities("catalogs_product_groups")
    if "id" in ctx.params:
        ids = {str(i) for i in ctx.params["id"]}
        groups = [g for g in groups if g["id"] in ids]
    for name in ("feed_id", "catalog_id"):
        if name in ctx.params:
            groups = [g for g in groups if g.get(name) == ctx.params[name]]
    return ctx.page(groups)


@handler("catalogs_product_groups/get")
def product_groups_get(ctx: Context) -> Any:
    """One product group."""
    ctx.check_business_access()
    if not ctx.dataset.has_catalog:
        raise no_catalog()
    group = ctx.dataset.by_user["catalogs_product_groups"].get(ctx.params["product_group_id"])
    if group is None:
        raise ApiError(404, 4180, "Sorry! We could not find your catalogs product group.")
    return group
