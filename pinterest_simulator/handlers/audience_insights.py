"""Audience insights (`audience_data`; docs/dev/API-NOTES.md#audience-insights).

- ``audience_insights/get`` (``audience_insight_type`` required): ``AudienceInsightsResponse`` of that type.
- ``audience_insights_scope_and_type/get``: ``{items: [{date, scope, type}]}``, not paged.
- ``ad_accounts_audiences_shared_accounts/list`` (``audience_id``, ``account_type`` required; bookmark pages, no
  ``order``): whom one of the account's audiences is shared with, of the ``account_type``, by account id. An
  audience the account does not own: 404 code 2 "Shared accounts not found."; one shared with nobody of that type:
  per the ``unshared_audience`` switch.
"""

from __future__ import annotations

from typing import Any

from pinterest_simulator.audience_data import audience_definitions, audience_insights, audience_shares
from pinterest_simulator.handlers.pages import page_by
from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import ApiError


def shared_accounts_not_found() -> ApiError:
    """404 code 2, with the spec's description of the 404 as its message."""
    return ApiError(404, 2, "Shared accounts not found.")


@handler("audience_insights/get")
def audience_insights_get(ctx: Context) -> Any:
    """The account's (or Pinterest's) audience: size, interests and demographics."""
    return audience_insights(ctx.dataset, ctx.ad_account()["id"], ctx.params["audience_insight_type"])


@handler("audience_insights_scope_and_type/get")
def audience_insights_scope_and_type(ctx: Context) -> Any:
    """The audience scopes and types the account can query."""
    ctx.ad_account()
    return {"items": audience_definitions(ctx.dataset)}


@handler("ad_accounts_audiences_shared_accounts/list")
def audience_shared_accounts(ctx: Context) -> Any:
    """The ad accounts or businesses an audience of the account is shared with."""
    account_id = ctx.ad_account()["id"]
    audience = next(
        (a for a in ctx.dataset.entities("audiences", account_id) if a["id"] == ctx.params["audience_id"]), None
    )
    if audience is None:
        raise shared_accounts_not_found()
    shares = [
        s for s in audience_shares(ctx.dataset, account_id, audience) if s["account_type"] == ctx.params["account_type"]
    ]
    if not shares and ctx.sim.switches.unshared_audience == "not_found":
        raise shared_accounts_not_found()
    return page_by(ctx, shares, "account_id")
