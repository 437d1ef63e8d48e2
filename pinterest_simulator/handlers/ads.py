"""Ad accounts and ad entities: campaigns, ad groups, ads, keywords, audiences, customer lists,
conversion tags, product group promotions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import ApiError, bad_request


def _by_status(items: Iterable[dict[str, Any]], statuses: list[str] | None) -> list[dict[str, Any]]:
    wanted = set(statuses or ())
    return [e for e in items if e.get("status") in wanted]


def _only_one(ctx: Context, names: tuple[str, ...]) -> None:
    given = [n for n in names if n in ctx.params]
    if len(given) > 1:
        raise bad_request(f"Provide only one of {', '.join(names)}; got {', '.join(given)}.")


def _get(ctx: Context, kind: str, id_param: str, label: str) -> dict[str, Any]:
    account = ctx.ad_account()
    entity = next((e for e in ctx.dataset.entities(kind, account["id"]) if e["id"] == ctx.params[id_param]), None)
    if entity is None:
        raise ApiError(404, 2, f"{label} not found.")
    return entity


@handler("ad_accounts/list")
def ad_accounts_list(ctx: Context) -> Any:
    """Owned accounts, plus shared ones unless ``include_shared_accounts=false``."""
    shared = ctx.dataset.shared_ad_account_ids
    accounts = [
        a for a in ctx.dataset.entities("ad_accounts") if ctx.params["include_shared_accounts"] or a["id"] not in shared
    ]
    return ctx.page(accounts)


@handler("ad_accounts/get")
def ad_accounts_get(ctx: Context) -> Any:
    """One ad account; 404 code 2 as in the spec's example."""
    account = ctx.dataset.ad_accounts.get(ctx.params["ad_account_id"])
    if account is None:
        raise ApiError(404, 2, "AdAccount not found.")
    return account


@handler("campaigns/list")
def campaigns_list(ctx: Context) -> Any:
    """Campaigns filtered by ids and ``entity_statuses`` (default ACTIVE, PAUSED)."""
    items = ctx.dataset.entities("campaigns", ctx.ad_account()["id"])
    if "campaign_ids" in ctx.params:
        ids = set(ctx.params["campaign_ids"])
        items = [e for e in items if e["id"] in ids]
    return ctx.page(_by_status(items, ctx.params["entity_statuses"]))


@handler("campaigns/get")
def campaigns_get(ctx: Context) -> Any:
    """One campaign."""
    return _get(ctx, "campaigns", "campaign_id", "Campaign")


@handler("ad_groups/list")
def ad_groups_list(ctx: Context) -> Any:
    """Ad groups filtered by campaign or ad group ids (only one kind) and statuses."""
    _only_one(ctx, ("campaign_ids", "ad_group_ids"))
    items = ctx.dataset.entities("ad_groups", ctx.ad_account()["id"])
    if "campaign_ids" in ctx.params:
        ids = set(ctx.params["campaign_ids"])
        items = [e for e in items if e["campaign_id"] in ids]
    if "ad_group_ids" in ctx.params:
        ids = set(ctx.params["ad_group_ids"])
        items = [e for e in items if e["id"] in ids]
    return ctx.page(_by_status(items, ctx.params["entity_statuses"]))


@handler("ad_groups/get")
def ad_groups_get(ctx: Context) -> Any:
    """One ad group."""
    return _get(ctx, "ad_groups", "ad_group_id", "Ad group")


@handler("ads/list")
def ads_list(ctx: Context) -> Any:
    """Ads filtered by campaign, ad group or ad ids (only one kind) and statuses."""
    _only_one(ctx, ("campaign_ids", "ad_group_ids", "ad_ids"))
    items = ctx.dataset.entities("ads", ctx.ad_account()["id"])
    for param, field in (("campaign_ids", "campaign_id"), ("ad_group_ids", "ad_group_id"), ("ad_ids", "id")):
        if param in ctx.params:
            ids = set(ctx.params[param])
            items = [e for e in items if e[field] in ids]
    return ctx.page(_by_status(items, ctx.params["entity_statuses"]))


@handler("ads/get")
def ads_get(ctx: Context) -> Any:
    """One ad."""
    return _get(ctx, "ads", "ad_id", "Ad")


@handler("keywords/get")
def keywords_get(ctx: Context) -> Any:
    """Keywords by parent, as the ``keyword_scope`` switch reads the filters: ``direct``: the parents named (with
    no filter, the ad account); ``subtree``: ``campaign_id`` adds the campaign's ad groups, and no filter returns
    every keyword of the account. ``ad_group_id(s)`` name ad groups under both."""
    account_id = ctx.ad_account()["id"]
    items = ctx.dataset.entities("keywords", account_id)
    subtree = ctx.sim.switches.keyword_scope == "subtree"
    parents: set[str] = set()
    for name in ("campaign_id", "ad_group_id"):
        if name in ctx.params:
            parents.add(ctx.params[name])
    parents.update(ctx.params.get("ad_group_ids", ()))
    if subtree and "campaign_id" in ctx.params:
        campaign_id = ctx.params["campaign_id"]
        parents.update(
            g["id"] for g in ctx.dataset.entities("ad_groups", account_id) if g["campaign_id"] == campaign_id
        )
    if parents or not subtree:
        items = [e for e in items if e["parent_id"] in (parents or {account_id})]
    if "match_types" in ctx.params:
        types = set(ctx.params["match_types"])
        items = [e for e in items if e["match_type"] in types]
    return ctx.page(items)


@handler("audiences/list")
def audiences_list(ctx: Context) -> Any:
    """Audiences the account owns (``ownership_type=RECEIVED``: none are shared with it)."""
    items = ctx.dataset.entities("audiences", ctx.ad_account()["id"])
    return ctx.page(items if ctx.params["ownership_type"] == "OWNED" else [])


@handler("audiences/get")
def audiences_get(ctx: Context) -> Any:
    """One audience."""
    return _get(ctx, "audiences", "audience_id", "Audience")


@handler("customer_lists/list")
def customer_lists_list(ctx: Context) -> Any:
    """Customer lists of the account."""
    return ctx.page(ctx.dataset.entities("customer_lists", ctx.ad_account()["id"]))


@handler("customer_lists/get")
def customer_lists_get(ctx: Context) -> Any:
    """One customer list."""
    return _get(ctx, "customer_lists", "customer_list_id", "Customer list")


@handler("conversion_tags/list")
def conversion_tags_list(ctx: Context) -> Any:
    """``{items}`` without bookmark; ``filter_deleted=true`` drops ARCHIVED (deleted) tags."""
    items = ctx.dataset.entities("conversion_tags", ctx.ad_account()["id"])
    if ctx.params["filter_deleted"]:
        items = [e for e in items if e.get("status") != "ARCHIVED"]
    return {"items": items}


@handler("conversion_tags/get")
def conversion_tags_get(ctx: Context) -> Any:
    """One conversion tag."""
    return _get(ctx, "conversion_tags", "conversion_tag_id", "Conversion tag")


@handler("product_group_promotions/list")
def product_group_promotions_list(ctx: Context) -> Any:
    """Needs ``ad_group_id`` or ``product_group_promotion_ids`` (the ids take precedence)."""
    items = ctx.dataset.entities("product_group_promotions", ctx.ad_account()["id"])
    if "product_group_promotion_ids" in ctx.params:
        ids = set(ctx.params["product_group_promotion_ids"])
        items = [e for e in items if e["id"] in ids]
    elif "ad_group_id" in ctx.params:
        items = [e for e in items if e["ad_group_id"] == ctx.params["ad_group_id"]]
    else:
        raise ApiError(400, 400, "Invalid ad account promotions parameters.")
    return ctx.page(_by_status(items, ctx.params["entity_statuses"]))
