"""Targeting reference: targeting templates, targeting options per type, the interest tree, the ad account countries
and the delivery metrics' definitions (docs/dev/API-NOTES.md#targeting-reference).

- ``targeting_template/list`` (bookmark pages, ``order``): the account's targeting templates
  (`targeting_data.targeting_templates`, one of them DELETED); ``search_query`` keeps the names containing it (any
  case); ``include_sizing=true`` fills ``sizing``, else it is null.
- ``targeting_options/get``: value -> name objects of a ``PublicTargetingType`` (shape: the
  ``targeting_options_shape`` switch); the values decode the targeting analytics and report rows
  (`targeting_data.DECODED_BY`). ``KEYWORD`` / ``AUDIENCE_*`` are the ``ad_account_id``'s keywords and audiences,
  nothing without it. ``client_id``, ``oauth_signature`` and ``timestamp`` are accepted and not checked.
- ``interest_targeting_options/get``: one interest (``{id, name, level, child_interests}``); unknown: 404 code 2.
- ``ad_account_countries/get``: ``{items: [{code, name, currency, index}]}`` (`reference_data.COUNTRIES`).
- ``delivery_metrics/get``: ``{items: [{name, display_name?, definition, category}]}`` (`metric_definitions`).
"""

from __future__ import annotations

from typing import Any

from pinterest_simulator.metric_definitions import definitions
from pinterest_simulator.reference_data import COUNTRIES, INTERESTS
from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import ApiError
from pinterest_simulator.targeting_data import targeting_options, targeting_templates, template_sizing


@handler("targeting_template/list")
def targeting_template_list(ctx: Context) -> Any:
    """The account's targeting templates, filtered by ``search_query``, with ``sizing`` when asked."""
    templates = targeting_templates(ctx.dataset, ctx.ad_account()["id"])
    query = ctx.params.get("search_query")
    if query:
        templates = [t for t in templates if query.lower() in t["name"].lower()]
    if ctx.params["include_sizing"]:
        templates = [{**t, "sizing": template_sizing(t)} for t in templates]
    return ctx.page(templates)


@handler("targeting_options/get")
def targeting_options_get(ctx: Context) -> Any:
    """Every value of the targeting type with its name, in the ``targeting_options_shape`` switch's shape."""
    account_id = ctx.ad_account()["id"] if "ad_account_id" in ctx.params else None
    options = targeting_options(ctx.dataset, ctx.params["targeting_type"], account_id)
    if ctx.sim.switches.targeting_options_shape == "map_per_option":
        return [{value: name} for value, name in options.items()]
    return [options] if options else []


@handler("interest_targeting_options/get")
def interest_targeting_options_get(ctx: Context) -> Any:
    """One interest: its name, level (1 or 2) and child interests' ids."""
    interest = INTERESTS.get(ctx.params["interest_id"])
    if interest is None:
        raise ApiError(404, 2, "Interest not found.")
    return {
        "id": interest.id,
        "name": interest.name,
        "level": interest.level,
        "child_interests": list(interest.children),
    }


@handler("ad_account_countries/get")
def ad_account_countries_get(ctx: Context) -> Any:
    """The countries ads can run in, with their currency's name (as the spec's example: "Dollars")."""
    return {
        "items": [
            {"code": c.code, "name": c.name, "currency": c.currency_name, "index": n}
            for n, c in enumerate(COUNTRIES, start=1)
        ]
    }


@handler("delivery_metrics/get")
def delivery_metrics_get(ctx: Context) -> Any:
    """The definitions of the ``report_type``'s metrics (every metric without it)."""
    return {"items": definitions(ctx.sim.spec, ctx.params.get("report_type"))}
