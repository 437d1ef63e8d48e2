"""Catalogs, feeds and catalog product groups of the operation user (the token user's, or through Business Access
the business's: ``ad_account_id`` naming one of its accounts, with an Owner, Admin or Catalogs Manager role there,
else 403 code 29)."""

from __future__ import annotations

from typing import Any

from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import ApiError


def no_catalog() -> ApiError:
    """409 code 4182, as the spec's examples, when the user has no catalog."""
    return ApiError(409, 4182, "Can't access this feature without an existing catalog.")


@handler("catalogs/list")
def catalogs_list(ctx: Context) -> Any:
    """Catalogs of the operation user (an empty page when there is none)."""
    return ctx.page(ctx.operation_user().owner.entities("catalogs"))


@handler("feeds/list")
def feeds_list(ctx: Context) -> Any:
    """Feeds, optionally of one catalog."""
    owner = ctx.operation_user().owner
    feeds = owner.entities("catalogs_feeds")
    if "catalog_id" in ctx.params:
        feeds = [f for f in feeds if owner.feed_catalog.get(f["id"]) == ctx.params["catalog_id"]]
    return ctx.page(feeds)


@handler("feeds/get")
def feeds_get(ctx: Context) -> Any:
    """One feed."""
    feed = ctx.operation_user().owner.by_user["catalogs_feeds"].get(ctx.params["feed_id"])
    if feed is None:
        raise ApiError(404, 4161, "Sorry! We could not find your catalogs feed.")
    return feed


@handler("catalogs_product_groups/list")
def product_groups_list(ctx: Context) -> Any:
    """Product groups filtered by ``id``, ``feed_id``, ``catalog_id``; 409 code 4182 without a catalog."""
    owner = ctx.operation_user().owner
    if not ctx.dataset.has_catalog or not owner.by_user["catalogs"]:
        raise no_catalog()
    groups = owner.entities("catalogs_product_groups")
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
    owner = ctx.operation_user().owner
    if not ctx.dataset.has_catalog:
        raise no_catalog()
    group = owner.by_user["catalogs_product_groups"].get(ctx.params["product_group_id"])
    if group is None:
        raise ApiError(404, 4180, "Sorry! We could not find your catalogs product group.")
    return group
