"""Synchronous analytics: ads analytics (account, campaigns, ad groups, ads, product groups), the four
targeting analytics, user account analytics and multi-pin analytics.

The numbers are `pinterest_simulator.metrics` (deterministic, restatable, summed up the campaign hierarchy).
Date rules (`pinterest_simulator.limits`: 90 days back and a 90-day range; HOUR 8/3; an end after today is
clamped) answer 400 ``{code: 400}``: see https://developers.pinterest.com/docs/api/v5/ad_account-analytics and
docs/dev/API-NOTES.md#sync-analytics-date-limits and docs/dev/API-NOTES.md#organic-analytics.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pinterest_simulator.limits import check_dates, date_limit
from pinterest_simulator.metrics import (
    TARGETING_COLUMNS,
    Rollup,
    date_range,
    entity_columns,
    organic_metrics,
    periods,
    sync_targeting_metrics,
    targeting_value,
)
from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import refused

# level -> (id column, id param, dataset kind); the account level has no id param
_LEVELS: dict[str, tuple[str, str | None, str | None]] = {
    "account": ("AD_ACCOUNT_ID", None, None),
    "campaign": ("CAMPAIGN_ID", "campaign_ids", "campaigns"),
    "ad_group": ("AD_GROUP_ID", "ad_group_ids", "ad_groups"),
    "ad": ("AD_ID", "ad_ids", "ads"),
    "product_group": ("PRODUCT_GROUP_ID", None, "product_group_promotions"),
}
USER_METRICS = (
    "ENGAGEMENT",
    "ENGAGEMENT_RATE",
    "IMPRESSION",
    "OUTBOUND_CLICK",
    "OUTBOUND_CLICK_RATE",
    "PIN_CLICK",
    "PIN_CLICK_RATE",
    "SAVE",
    "SAVE_RATE",
)


def _days(ctx: Context, granularity: str = "DAY") -> list[dt.date]:
    """The request's days up to today, or 400 when the API would refuse its dates."""
    start = dt.date.fromisoformat(ctx.params["start_date"])
    end = dt.date.fromisoformat(ctx.params["end_date"])
    start, end = check_dates(start, end, date_limit("sync_analytics", granularity), clamp_future_end=True)
    return date_range(start, end)


def _entities(ctx: Context, level: str) -> list[dict[str, Any]]:
    """The requested entities of the path's account, in the order asked (unknown ids are skipped)."""
    account = ctx.ad_account()
    _, id_param, kind = _LEVELS[level]
    if kind is None:
        return [account]
    param = id_param or "product_group_ids"
    by_id = {e["id"]: e for e in ctx.dataset.entities(kind, account["id"])}
    return [by_id[i] for i in dict.fromkeys(ctx.params.get(param) or ()) if i in by_id]


def _descriptive(ctx: Context, level: str, entity: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """The requested id and name columns of a sync analytics row."""
    known = entity_columns(level, ctx.params["ad_account_id"], entity)
    return {column: known[column] for column in columns if column in known}


def _sync_rows(ctx: Context, level: str) -> list[dict[str, Any]]:
    """One row per requested entity and period."""
    granularity = ctx.params["granularity"]
    days = _days(ctx, granularity)
    columns = list(dict.fromkeys(ctx.params["columns"]))
    id_column = _LEVELS[level][0]
    rollup = Rollup(ctx.dataset, ctx.params["ad_account_id"], columns)
    rows: list[dict[str, Any]] = []
    for entity in _entities(ctx, level):
        for label, period in periods(days, granularity):
            row: dict[str, Any] = {id_column: entity["id"]}
            if label is not None:
                row["DATE"] = label
            row.update(_descriptive(ctx, level, entity, columns))
            row.update(rollup.metrics(level, entity["id"], period, columns))
            rows.append(row)
    return rows


@handler("ad_account/analytics")
def ad_account_analytics(ctx: Context) -> Any:
    """Account rows: the sum over every ad of the account."""
    return _sync_rows(ctx, "account")


@handler("campaigns/analytics")
def campaigns_analytics(ctx: Context) -> Any:
    """Campaign rows: the sum over the campaign's ads."""
    return _sync_rows(ctx, "campaign")


@handler("ad_groups/analytics")
def ad_groups_analytics(ctx: Context) -> Any:
    """Ad group rows: the sum over the ad group's ads."""
    return _sync_rows(ctx, "ad_group")


@handler("ads/analytics")
def ads_analytics(ctx: Context) -> Any:
    """Ad rows; needs ``ad_ids`` (campaign_ids + pin_ids is not simulated)."""
    if "ad_ids" not in ctx.params:
        raise refused("The request must contain either ad_ids or both campaign_ids and pin_ids.")
    return _sync_rows(ctx, "ad")


@handler("product_groups/analytics")
def product_groups_analytics(ctx: Context) -> Any:
    """Product group rows, by product group promotion id (the ads-side product group)."""
    return _sync_rows(ctx, "product_group")


def _targeting(ctx: Context, level: str) -> dict[str, Any]:
    """``{data: [{targeting_type, targeting_value, metrics}]}``: per entity, type and period it delivered in."""
    granularity = ctx.params["granularity"]
    days = _days(ctx, granularity)
    columns = [c for c in dict.fromkeys(ctx.params["columns"]) if c in TARGETING_COLUMNS]
    id_column = _LEVELS[level][0]
    data: list[dict[str, Any]] = []
    for entity in _entities(ctx, level):
        for targeting_type in dict.fromkeys(ctx.params["targeting_types"]):
            value = targeting_value(ctx.dataset, entity["id"], targeting_type)
            for label, period in periods(days, granularity):
                values = sync_targeting_metrics(ctx.dataset, entity["id"], targeting_type, period, columns)
                if values is None:
                    continue
                metrics: dict[str, Any] = {id_column: entity["id"]}
                if label is not None:
                    metrics["DATE"] = label
                metrics.update(values)
                data.append({"targeting_type": targeting_type, "targeting_value": value, "metrics": metrics})
    return {"data": data}


@handler("ad_account_targeting_analytics/get")
def ad_account_targeting_analytics(ctx: Context) -> Any:
    """Account metrics per targeting type and value."""
    return _targeting(ctx, "account")


@handler("campaign_targeting_analytics/get")
def campaign_targeting_analytics(ctx: Context) -> Any:
    """Campaign metrics per targeting type and value."""
    return _targeting(ctx, "campaign")


@handler("ad_groups_targeting_analytics/get")
def ad_groups_targeting_analytics(ctx: Context) -> Any:
    """Ad group metrics per targeting type and value."""
    return _targeting(ctx, "ad_group")


@handler("ad_targeting_analytics/get")
def ad_targeting_analytics(ctx: Context) -> Any:
    """Ad metrics per targeting type and value."""
    return _targeting(ctx, "ad")


@handler("user_account/analytics")
def user_account_analytics(ctx: Context) -> Any:
    """``{"all": {...}}`` (NO_SPLIT); other split fields are not simulated."""
    ctx.check_business_access()
    days = _days(ctx)
    if ctx.params.get("split_field", "NO_SPLIT") != "NO_SPLIT":
        raise refused("split_field is not simulated; use NO_SPLIT.")
    metrics = ctx.params.get("metric_types") or USER_METRICS
    return {"all": organic_metrics(ctx.dataset, f"user:{ctx.dataset.user['id']}", days, metrics)}


@handler("multi_pins/analytics")
def multi_pins_analytics(ctx: Context) -> Any:
    """``{<pin_id>: {"all": {...}}}`` for each requested pin of the user (unknown ids are left out)."""
    ctx.check_business_access()
    days = _days(ctx)
    pins = ctx.dataset.by_user["pins"]
    out: dict[str, Any] = {}
    for pin_id in dict.fromkeys(ctx.params["pin_ids"]):
        if pin_id in pins:
            body = organic_metrics(ctx.dataset, f"pin:{pin_id}", days, ctx.params["metric_types"])
            body["lifetime_metrics"] = {}
            out[pin_id] = {"all": body}
    return out
