"""Synchronous analytics: ads analytics (account, campaigns, ad groups, ads, product groups), the four
targeting analytics, user account analytics and multi-pin analytics.

The numbers are `pinterest_simulator.metrics` (deterministic, restatable, summed up the campaign hierarchy).
Rows carry every requested metric column (0 where an entity has no value). Periods follow the switches
(`pinterest_simulator.switches`): HOUR answers 24 rows a day (``hour_date``: their DATE), TOTAL rows' DATE
(``total_date``), WEEK's first day (``week_start``); ``product_groups/analytics`` reads ``product_group_ids`` per the
``product_group_ids`` switch.
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
    Parents,
    Period,
    Rollup,
    date_range,
    entity_columns,
    organic_metrics,
    periods,
    product_groups,
    sync_targeting_metrics,
    targeting_value,
    text_columns,
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
    start, end = _window(ctx)
    start, end = check_dates(start, end, date_limit("sync_analytics", granularity), clamp_future_end=True)
    return date_range(start, end)


def _window(ctx: Context) -> tuple[dt.date, dt.date]:
    """The request's start_date and end_date, as sent."""
    return dt.date.fromisoformat(ctx.params["start_date"]), dt.date.fromisoformat(ctx.params["end_date"])


def _periods(ctx: Context) -> list[Period]:
    """The request's periods, labelled per the simulator's switches."""
    granularity = ctx.params["granularity"]
    return periods(_days(ctx, granularity), granularity, ctx.sim.switches, _window(ctx))


def _entities(ctx: Context, level: str) -> list[dict[str, Any]]:
    """The requested entities of the path's account, in the order asked (unknown ids are skipped); product groups
    as the ``product_group_ids`` switch reads their ids."""
    account = ctx.ad_account()
    _, id_param, kind = _LEVELS[level]
    if kind is None:
        return [account]
    param = id_param or "product_group_ids"
    if level == "product_group":
        candidates = product_groups(ctx.dataset, account["id"], ctx.sim.switches)
    else:
        candidates = ctx.dataset.entities(kind, account["id"])
    by_id = {e["id"]: e for e in candidates}
    return [by_id[i] for i in dict.fromkeys(ctx.params.get(param) or ()) if i in by_id]


def _descriptive(
    ctx: Context, level: str, entity: dict[str, Any], columns: list[str], parents: Parents
) -> dict[str, Any]:
    """The requested id, name and text columns of a sync analytics row."""
    known = entity_columns(level, ctx.params["ad_account_id"], entity, parents)
    known.update(text_columns(level, entity, parents, columns))
    return {column: known[column] for column in columns if column in known}


def _sync_rows(ctx: Context, level: str) -> list[dict[str, Any]]:
    """One row per requested entity and period (HOUR: 24 a day, each an hour's share of the day)."""
    buckets = _periods(ctx)
    columns = list(dict.fromkeys(ctx.params["columns"]))
    id_column = _LEVELS[level][0]
    account_id = ctx.params["ad_account_id"]
    rollup = Rollup(ctx.dataset, account_id, columns)
    parents = Parents(ctx.dataset, account_id)
    rows: list[dict[str, Any]] = []
    for entity in _entities(ctx, level):
        described = _descriptive(ctx, level, entity, columns, parents)
        for period in buckets:
            row: dict[str, Any] = {id_column: entity["id"]}
            if period.label is not None:
                row["DATE"] = period.label
            row.update(described)
            row.update(
                rollup.metrics(level, entity["id"], period.days, leaves=entity.get("leaf_ids"), hourly=period.hourly)
            )
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
    """Product group rows: by product group promotion id, or by catalog product group id (each summing the account's
    promotions of it), per the ``product_group_ids`` switch."""
    return _sync_rows(ctx, "product_group")


def _targeting(ctx: Context, level: str) -> dict[str, Any]:
    """``{data: [{targeting_type, targeting_value, metrics}]}``: per entity, type and period it delivered in."""
    buckets = _periods(ctx)
    columns = [c for c in dict.fromkeys(ctx.params["columns"]) if c in TARGETING_COLUMNS]
    id_column = _LEVELS[level][0]
    data: list[dict[str, Any]] = []
    for entity in _entities(ctx, level):
        for targeting_type in dict.fromkeys(ctx.params["targeting_types"]):
            value = targeting_value(ctx.dataset, entity["id"], targeting_type)
            for period in buckets:
                values = sync_targeting_metrics(ctx.dataset, entity["id"], targeting_type, period, columns)
                if values is None:
                    continue
                metrics: dict[str, Any] = {id_column: entity["id"]}
                if period.label is not None:
                    metrics["DATE"] = period.label
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
