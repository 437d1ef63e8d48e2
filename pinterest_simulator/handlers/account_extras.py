"""The ad accounts' smaller entities (`account_extras`; docs/dev/API-NOTES.md#smaller-ad-account-entities).

- ``labels/list`` (bookmark pages, no ``order``): the account's campaign labels, filtered by ``campaign_ids``,
  ``label_ids``, ``entity_statuses`` (default ACTIVE) and ``label_types`` (default both); each item per the
  ``labels_item`` switch.
- ``promotions/list`` (bookmark pages, ``order``): the account's promotions.
- ``advertiser_defined_events/get``: ``{items: [{name, mapped_conversion_type}]}``, not paged.
- ``conversion_eqs/list`` (``lookback_period`` required): ``[EventQualityScore]``, not paged.
- ``page_visit_conversion_tags/get`` (bookmark pages by conversion tag id, ``order``): the PAGE_VISIT events.
- ``ocpm_eligible_conversion_tags/get``: ``{<ad account id>: [ConversionEventResponse]}``.
"""

from __future__ import annotations

from typing import Any

from pinterest_simulator.account_extras import (
    advertiser_defined_events,
    event_quality_scores,
    labels,
    ocpm_eligible_events,
    page_visit_events,
    promotions,
)
from pinterest_simulator.handlers.pages import page_by
from pinterest_simulator.routes import Context, handler


@handler("labels/list")
def labels_list(ctx: Context) -> Any:
    """The account's labels that pass every filter."""
    items = labels(ctx.dataset, ctx.ad_account()["id"])
    filters = (
        ("parent_id", ctx.params.get("campaign_ids")),
        ("id", ctx.params.get("label_ids")),
        ("status", ctx.params["entity_statuses"]),
        ("label_type", ctx.params["label_types"]),
    )
    for field, wanted in filters:
        if wanted is not None:
            items = [item for item in items if item[field] in set(wanted)]
    page = ctx.page(items)
    if ctx.sim.switches.labels_item == "wrapped":
        page["items"] = [{"labels": [label], "errors": []} for label in page["items"]]
    return page


@handler("promotions/list")
def promotions_list(ctx: Context) -> Any:
    """The account's promotions."""
    return ctx.page(promotions(ctx.dataset, ctx.ad_account()["id"]))


@handler("advertiser_defined_events/get")
def advertiser_defined_events_get(ctx: Context) -> Any:
    """The account's advertiser-defined events."""
    return {"items": advertiser_defined_events(ctx.dataset, ctx.ad_account()["id"])}


@handler("conversion_eqs/list")
def conversion_eqs_list(ctx: Context) -> Any:
    """The event quality scores of the account's conversion signals over the lookback period."""
    return event_quality_scores(ctx.dataset, ctx.ad_account()["id"], ctx.params)


@handler("page_visit_conversion_tags/get")
def page_visit_conversion_tags(ctx: Context) -> Any:
    """The PAGE_VISIT events of the account's ACTIVE conversion tags."""
    return page_by(ctx, page_visit_events(ctx.dataset, ctx.ad_account()["id"]), "conversion_tag_id")


@handler("ocpm_eligible_conversion_tags/get")
def ocpm_eligible_conversion_tags(ctx: Context) -> Any:
    """The oCPM-eligible events of the account's ACTIVE conversion tags."""
    return ocpm_eligible_events(ctx.dataset, ctx.ad_account()["id"])
