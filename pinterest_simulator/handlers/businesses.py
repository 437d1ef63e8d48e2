"""Business Access: the members, partners and assets of the token user's business, and its employers (the data:
`pinterest_simulator.business_access`). Every operation needs ``biz_access:read`` (401 code 3 without it).

- ``business_id`` must be a business the token user belongs to (its own: its user id); any other is 403 code 29.
- ``get/business_members``: ``fetch_system_users`` (true: system users only, false: the others), ``business_roles``,
  ``member_ids`` (comma-separated), ``assets_summary`` (else ``assets_summary: null``).
- ``get/business_partners``: ``partner_type`` (INTERNAL: ``is_shared_partner`` false, EXTERNAL: true; without it as
  the ``business_partner_type_default`` switch says), ``partner_ids``, ``assets_summary``.
- ``business_assets/get``: ``asset_type`` (default AD_ACCOUNT), ``permissions`` (the business's permissions on the
  asset, not in the answer), ``asset_group_id`` (the assets of that group), ``child_asset_id`` (the asset groups
  holding that asset, whatever ``asset_type``).
- These three page as the ``business_access_paging`` switch says (``bookmark`` and ``start_index``);
  ``get/business_employers`` (no ``start_index``) with bookmark pages.
"""

from __future__ import annotations

from typing import Any

from pinterest_simulator.business_access import Member, assets, business_id, employer, members, partners
from pinterest_simulator.routes import Context, handler, no_access, paginate


def _business(ctx: Context) -> None:
    """403 code 29 unless ``business_id`` is a business the token user belongs to."""
    if ctx.params["business_id"] != business_id(ctx.dataset):
        raise no_access()


def _ids(text: str | None) -> set[str] | None:
    return None if text is None else {part.strip() for part in text.split(",") if part.strip()}


def _page(ctx: Context, items: list[dict[str, Any]]) -> dict[str, Any]:
    """``{items, bookmark}`` of items in ascending ``id`` order, per the ``business_access_paging`` switch:
    ``bookmark`` pages (``start_index`` skipping that many items when no bookmark is sent), or ``start_index``
    pages with no bookmark."""
    start = int(ctx.params.get("start_index", 0))
    if ctx.sim.switches.business_access_paging == "start_index":
        page_size = int(ctx.params.get("page_size", 25))
        return {"items": items[start : start + page_size], "bookmark": None}
    if ctx.params.get("bookmark"):
        return paginate(items, ctx.params)
    return paginate(items[start:], ctx.params)


def _bindings(ctx: Context, chosen: list[Member]) -> list[dict[str, Any]]:
    """The bindings of `chosen`, keyed by ``id`` for paging, with their ``assets_summary`` when asked for."""
    summary = bool(ctx.params.get("assets_summary", False))
    return [{**m.binding, "assets_summary": m.assets if summary else None} for m in chosen]


@handler("get/business_members")
def business_members(ctx: Context) -> Any:
    """The business's members (``UserBusinessRoleBinding``)."""
    _business(ctx)
    system_users = bool(ctx.params.get("fetch_system_users", False))
    chosen = [m for m in members(ctx.dataset) if m.system_user == system_users]
    if "business_roles" in ctx.params:
        roles = set(ctx.params["business_roles"])
        chosen = [m for m in chosen if roles & set(m.binding["business_roles"])]
    wanted = _ids(ctx.params.get("member_ids"))
    if wanted is not None:
        chosen = [m for m in chosen if m.binding["id"] in wanted]
    return _page(ctx, _bindings(ctx, chosen))


@handler("get/business_partners")
def business_partners(ctx: Context) -> Any:
    """The business's partners (``UserBusinessRoleBinding``, ``business_roles: [PARTNER]``)."""
    _business(ctx)
    chosen = partners(ctx.dataset)
    partner_type = ctx.params.get("partner_type")
    if partner_type is None and ctx.sim.switches.business_partner_type_default == "internal":
        partner_type = "INTERNAL"
    if partner_type is not None:
        chosen = [m for m in chosen if m.binding["is_shared_partner"] == (partner_type == "EXTERNAL")]
    wanted = _ids(ctx.params.get("partner_ids"))
    if wanted is not None:
        chosen = [m for m in chosen if m.binding["id"] in wanted]
    return _page(ctx, _bindings(ctx, chosen))


@handler("business_assets/get")
def business_assets(ctx: Context) -> Any:
    """The business's assets (``GetBusinessAssetsResponse``), by asset id within each type."""
    _business(ctx)
    every = assets(ctx.dataset)
    if "child_asset_id" in ctx.params:
        chosen = [a for a in every if ctx.params["child_asset_id"] in a.children]
    else:
        asset_type = ctx.params.get("asset_type", "AD_ACCOUNT")
        chosen = [a for a in every if a.item["asset_type"] == asset_type]
    if "asset_group_id" in ctx.params:
        group = next((a for a in every if a.item["asset_id"] == ctx.params["asset_group_id"] and a.children), None)
        held = group.children if group is not None else frozenset()
        chosen = [a for a in chosen if a.item["asset_id"] in held]
    if "permissions" in ctx.params:
        wanted = set(ctx.params["permissions"])
        chosen = [a for a in chosen if wanted & a.permissions]
    items = [{**a.item, "id": a.item["asset_id"]} for a in chosen]
    page = _page(ctx, items)
    page["items"] = [{k: v for k, v in item.items() if k != "id"} for item in page["items"]]
    return page


@handler("get/business_employers")
def business_employers(ctx: Context) -> Any:
    """The businesses the token user works for (``UserBusinessRoleBinding``): its own."""
    return paginate([employer(ctx.dataset)], ctx.params)
