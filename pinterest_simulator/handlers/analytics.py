"""Synchronous analytics: ads analytics (account, campaigns, ad groups, ads, product groups, promoted Pins of a
campaign), the four targeting analytics, user account analytics, multi-pin analytics and top (video) Pins.

The numbers are `pinterest_simulator.metrics` (deterministic, restatable, summed up the campaign hierarchy).
Rows carry every requested metric column (0 where an entity has no value). Periods follow the switches
(`pinterest_simulator.switches`): HOUR answers 24 rows a day (``hour_date``: their DATE), TOTAL rows' DATE
(``total_date``), WEEK's first day (``week_start``); ``product_groups/analytics`` reads ``product_group_ids`` per the
``product_group_ids`` switch; ads deliver as the ``delivery`` switch says, and an entity's period without delivery is
a row of zeros or none (``idle_rows``; TOTAL: ``idle_total_rows``); a targeting breakdown has no row for it.
Date rules (`pinterest_simulator.limits`: 90 days back and a 90-day range; HOUR 8/3; an end after today is
clamped) answer 400 ``{code: 400}``: see https://developers.pinterest.com/docs/api/v5/ad_account-analytics and
docs/dev/API-NOTES.md#sync-analytics-date-limits and docs/dev/API-NOTES.md#organic-analytics.

- ``ad_pins/analytics``: rows ``{PIN_ID, DATE?, columns...}`` for the requested Pins that ads of ``campaign_id``
  promote (the ads' ``pin_id``); a Pin's numbers are the sum over the campaign's ads promoting it. Unknown Pins (or
  a campaign of another account) have no rows.
- Organic endpoints read the "operation user_account" (`Context.operation_user`: Business Access).
- ``multi_pins/analytics``: ``metric_types`` all from one variant of the spec's ``oneOf`` (standard or video), else
  400 code 1; a Pin of the other media per the ``pin_metric_mismatch`` switch.
- ``user_account/analytics/top_pins`` / ``top_video_pins``: the operation user's (video) Pins ranked by ``sort_by``
  over the range (`metrics.organic_range`: the sum of a count, the mean of a rate or average; ties by id), at most
  ``num_of_pins``; ``created_in_last_n_days`` keeps Pins created that recently; the other filters (``pin_format``,
  ``app_types``, ``content_type``, ``source``, ``from_claimed_content``) are accepted and not applied.
  ``data_status`` per the ``top_pins_data_status`` switch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pinterest_simulator.dataset import is_video_pin
from pinterest_simulator.limits import check_dates, date_limit
from pinterest_simulator.metrics import (
    ORGANIC_PROCESSING_DAYS,
    TARGETING_COLUMNS,
    Parents,
    Period,
    Rollup,
    date_range,
    delivery_of,
    entity_columns,
    idle_rows_listed,
    organic_metrics,
    organic_range,
    organic_status,
    periods,
    product_groups,
    sync_targeting_metrics,
    targeting_value,
    text_columns,
)
from pinterest_simulator.routes import Context, OperationUser, handler
from pinterest_simulator.spec import ApiError, bad_request, refused
from pinterest_simulator.switches import FlagForm

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
#: ``multi_pins/analytics`` ``metric_types``: the two variants of the parameter's ``oneOf`` (spec)
STANDARD_PIN_METRICS = (
    "IMPRESSION",
    "OUTBOUND_CLICK",
    "PIN_CLICK",
    "SAVE",
    "SAVE_RATE",
    "TOTAL_COMMENTS",
    "TOTAL_REACTIONS",
    "USER_FOLLOW",
    "PROFILE_VISIT",
)
VIDEO_PIN_METRICS = (
    "IMPRESSION",
    "OUTBOUND_CLICK",
    "PIN_CLICK",
    "SAVE",
    "SAVE_RATE",
    "VIDEO_MRC_VIEW",
    "VIDEO_10S_VIEW",
    "QUARTILE_95_PERCENT_VIEW",
    "VIDEO_V50_WATCH_TIME",
    "VIDEO_START",
    "VIDEO_AVG_WATCH_TIME",
    "TOTAL_COMMENTS",
    "TOTAL_REACTIONS",
)
#: the metric types of ``top_video_pins`` (spec ``query_video_pin_metric_types``), its default "all"
TOP_VIDEO_PIN_METRICS = (
    "IMPRESSION",
    "SAVE",
    "VIDEO_MRC_VIEW",
    "VIDEO_AVG_WATCH_TIME",
    "VIDEO_V50_WATCH_TIME",
    "QUARTILE_95_PERCENT_VIEW",
    "VIDEO_10S_VIEW",
    "VIDEO_START",
    "OUTBOUND_CLICK",
)


def _days(ctx: Context, granularity: str = "DAY") -> list[dt.date]:
    """The request's days up to today, or 400 when the API would refuse its dates."""
    start, end = _window(ctx)
    start, end = check_dates(
        start, end, date_limit("sync_analytics", granularity), today=ctx.dataset.today(), clamp_future_end=True
    )
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
    known.update(text_columns(level, entity, parents, columns, ctx.sim.switches.flag_form))
    return {column: known[column] for column in columns if column in known}


def _rollup(ctx: Context, account_id: str, columns: list[str]) -> Rollup:
    """The request's numbers, ads delivering as the ``delivery`` switch says."""
    return Rollup(ctx.dataset, account_id, columns, delivery_of(ctx.dataset, account_id, ctx.sim.switches))


def _sync_rows(ctx: Context, level: str) -> list[dict[str, Any]]:
    """One row per requested entity and period (HOUR: 24 a day, each an hour's share of the day); a period in which
    the entity did not deliver (``delivery``): a row of zeros or none (``idle_rows``, ``idle_total_rows``)."""
    buckets = _periods(ctx)
    columns = list(dict.fromkeys(ctx.params["columns"]))
    id_column = _LEVELS[level][0]
    account_id = ctx.params["ad_account_id"]
    rollup = _rollup(ctx, account_id, columns)
    idle_listed = idle_rows_listed(ctx.sim.switches, ctx.params["granularity"])
    parents = Parents(ctx.dataset, account_id)
    rows: list[dict[str, Any]] = []
    for entity in _entities(ctx, level):
        described = _descriptive(ctx, level, entity, columns, parents)
        leaves = entity.get("leaf_ids")
        for period in buckets:
            delivered = rollup.delivered(level, entity["id"], period.days, leaves=leaves)
            if not delivered and not idle_listed:
                continue
            row: dict[str, Any] = {id_column: entity["id"]}
            if period.label is not None:
                row["DATE"] = period.label
            row.update(described)
            if delivered:
                row.update(rollup.metrics(level, entity["id"], period.days, leaves=leaves, hour=period.hour))
            else:
                row.update(rollup.idle())
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
    rollup = _rollup(ctx, ctx.params["ad_account_id"], [])
    data: list[dict[str, Any]] = []
    for entity in _entities(ctx, level):

        def delivering(day: dt.date, entity_id: str = entity["id"]) -> bool:
            return rollup.delivered(level, entity_id, [day])

        for targeting_type in dict.fromkeys(ctx.params["targeting_types"]):
            value = targeting_value(ctx.dataset, ctx.params["ad_account_id"], entity["id"], targeting_type)
            for period in buckets:
                values = sync_targeting_metrics(ctx.dataset, entity["id"], targeting_type, period, columns, delivering)
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


@handler("ad_pins/analytics")
def ad_pins_analytics(ctx: Context) -> Any:
    """Rows of the requested Pins that the campaign's ads promote: each the sum over the campaign's ads promoting
    the Pin (unknown Pins, or a campaign of another account: no rows)."""
    account_id = ctx.ad_account()["id"]
    buckets = _periods(ctx)
    columns = list(dict.fromkeys(ctx.params["columns"]))
    campaign_id = ctx.params["campaign_id"]
    ads_of_pin: dict[str, list[dict[str, Any]]] = {}
    for ad in ctx.dataset.entities("ads", account_id):
        if ad.get("campaign_id") == campaign_id and ad.get("pin_id"):
            ads_of_pin.setdefault(str(ad["pin_id"]), []).append(ad)
    rollup = _rollup(ctx, account_id, columns)
    idle_listed = idle_rows_listed(ctx.sim.switches, ctx.params["granularity"])
    parents = Parents(ctx.dataset, account_id)
    rows: list[dict[str, Any]] = []
    for pin_id in dict.fromkeys(ctx.params["pin_ids"]):
        ads = ads_of_pin.get(pin_id)
        if not ads:
            continue
        described = _pin_columns(account_id, campaign_id, pin_id, ads, columns, parents, ctx.sim.switches.flag_form)
        leaves = [ad["id"] for ad in ads]
        key = f"{campaign_id}:{pin_id}"
        for period in buckets:
            delivered = rollup.delivered("pin", key, period.days, leaves=leaves)
            if not delivered and not idle_listed:
                continue
            row: dict[str, Any] = {"PIN_ID": pin_id}
            if period.label is not None:
                row["DATE"] = period.label
            row.update(described)
            if delivered:
                row.update(rollup.metrics("pin", key, period.days, leaves=leaves, hour=period.hour))
            else:
                row.update(rollup.idle())
            rows.append(row)
    return rows


def _pin_columns(
    account_id: str,
    campaign_id: str,
    pin_id: str,
    ads: list[dict[str, Any]],
    columns: list[str],
    parents: Parents,
    flag_form: FlagForm,
) -> dict[str, Any]:
    """The requested id, name and text columns of a promoted Pin's row: the account, the campaign, the Pin; the ad
    group when one holds every ad promoting the Pin in the campaign, the ad when only one promotes it."""
    campaign = parents.campaigns.get(campaign_id, {"id": campaign_id})
    known = entity_columns("campaign", account_id, campaign, parents)
    known.update(text_columns("campaign", campaign, parents, columns, flag_form))
    ad_groups = {ad.get("ad_group_id") for ad in ads}
    ad_group = parents.ad_groups.get(next(iter(ad_groups)) or "") if len(ad_groups) == 1 else None
    if ad_group:
        known.update(entity_columns("ad_group", account_id, ad_group, parents))
        known.update(text_columns("ad_group", ad_group, parents, columns, flag_form))
    if len(ads) == 1:
        known.update(entity_columns("ad", account_id, ads[0], parents))
        known.update(text_columns("ad", ads[0], parents, columns, flag_form))
    known["PIN_ID"] = pin_id
    return {column: known[column] for column in columns if column in known}


@handler("user_account/analytics")
def user_account_analytics(ctx: Context) -> Any:
    """``{"all": {...}}`` (NO_SPLIT) of the operation user; other split fields are not simulated."""
    user = ctx.operation_user()
    days = _days(ctx)
    if ctx.params.get("split_field", "NO_SPLIT") != "NO_SPLIT":
        raise refused("split_field is not simulated; use NO_SPLIT.")
    metrics = ctx.params.get("metric_types") or USER_METRICS
    return {"all": organic_metrics(ctx.dataset, f"user:{user.owner.user['id']}", days, metrics)}


def _variant_of(metric_types: list[str]) -> tuple[frozenset[str], frozenset[str]]:
    """The request's standard-only and video-only metric types; 400 code 1 when it mixes both variants."""
    standard_only = frozenset(metric_types) - frozenset(VIDEO_PIN_METRICS)
    video_only = frozenset(metric_types) - frozenset(STANDARD_PIN_METRICS)
    if standard_only and video_only:
        raise bad_request(
            "Invalid multi_pins analytics parameters: metric_types mixes standard Pin metric types "
            f"({', '.join(sorted(standard_only))}) and video Pin metric types ({', '.join(sorted(video_only))})."
        )
    return standard_only, video_only


@handler("multi_pins/analytics")
def multi_pins_analytics(ctx: Context) -> Any:
    """``{<pin_id>: {"all": {...}}}`` for each requested Pin of the operation user (an unknown id: the
    ``unknown_pin`` switch); the
    metric types of one variant; a Pin of the other media per the ``pin_metric_mismatch`` switch."""
    user = ctx.operation_user()
    days = _days(ctx)
    metric_types = list(dict.fromkeys(ctx.params["metric_types"]))
    standard_only, video_only = _variant_of(metric_types)
    pins = {pin["id"]: pin for pin in ctx.analyzed_pins(user)}
    if ctx.sim.switches.unknown_pin == "not_found" and any(pin_id not in pins for pin_id in ctx.params["pin_ids"]):
        raise ApiError(404, 50, "Pin not found.")
    requested = [pins[pin_id] for pin_id in dict.fromkeys(ctx.params["pin_ids"]) if pin_id in pins]
    mismatch = ctx.sim.switches.pin_metric_mismatch
    if mismatch == "refuse":
        misfits = [
            p["id"] for p in requested if (video_only and not is_video_pin(p)) or (standard_only and is_video_pin(p))
        ]
        if misfits:
            variant = "video" if video_only else "standard"
            raise bad_request(
                f"Invalid multi_pins analytics parameters: {variant} Pin metric types do not apply to Pin(s) "
                f"{', '.join(misfits)}."
            )
    out: dict[str, Any] = {}
    for pin in requested:
        other = standard_only if is_video_pin(pin) else video_only
        metrics = [m for m in metric_types if mismatch != "omit" or m not in other]
        zero = video_only if not is_video_pin(pin) and mismatch == "lenient" else frozenset()
        body = organic_metrics(ctx.dataset, f"pin:{pin['id']}", days, metrics, zero=zero)
        body["lifetime_metrics"] = {}
        out[pin["id"]] = {"all": body}
    return out


def _top_pins(ctx: Context, *, video: bool, default_metrics: tuple[str, ...]) -> dict[str, Any]:
    """The answer of ``top_pins`` / ``top_video_pins``."""
    user: OperationUser = ctx.operation_user()
    days = _days(ctx)
    sort_by = ctx.params["sort_by"]
    metrics = list(dict.fromkeys(ctx.params.get("metric_types") or default_metrics))
    if sort_by not in metrics:
        metrics.append(sort_by)  # ranked by it even when not asked for; answered only when asked for
    asked = set(ctx.params.get("metric_types") or default_metrics)
    pins = [p for p in ctx.analyzed_pins(user) if is_video_pin(p) or not video]
    if ctx.params.get("created_in_last_n_days"):
        since = ctx.dataset.today() - dt.timedelta(days=int(ctx.params["created_in_last_n_days"]))
        pins = [p for p in pins if dt.date.fromisoformat(str(p.get("created_at", ""))[:10]) >= since]
    ranked = []
    for pin in pins:
        values = organic_range(ctx.dataset, f"pin:{pin['id']}", days, metrics) if days else dict.fromkeys(metrics, 0)
        ranked.append((pin["id"], values))
    ranked.sort(key=lambda item: (-item[1][sort_by], int(item[0])))
    answered = []
    for pin_id, values in ranked[: ctx.params["num_of_pins"]]:
        shown = {metric: value for metric, value in values.items() if metric in asked}
        answered.append({"pin_id": pin_id, "metrics": shown, "data_status": _data_status(ctx, days, shown)})
    last_ready = ctx.dataset.today() - dt.timedelta(days=ORGANIC_PROCESSING_DAYS)
    end_of_day = dt.datetime.combine(last_ready + dt.timedelta(days=1), dt.time(), dt.UTC) - dt.timedelta(seconds=1)
    return {
        "date_availability": {"is_realtime": False, "latest_available_timestamp": int(end_of_day.timestamp()) * 1000},
        "pins": answered,
        "sort_by": sort_by,
    }


def _data_status(ctx: Context, days: list[dt.date], metrics: dict[str, Any]) -> dict[str, str]:
    """A top Pin's ``data_status`` per the ``top_pins_data_status`` switch: per date, or per metric."""
    if ctx.sim.switches.top_pins_data_status == "by_date":
        return {day.isoformat(): organic_status(day, ctx.dataset.today()) for day in days}
    ready = all(organic_status(day, ctx.dataset.today()) == "READY" for day in days)
    return dict.fromkeys(metrics, "READY" if ready else "PROCESSING")


@handler("user_account/analytics/top_pins")
def top_pins(ctx: Context) -> Any:
    """The operation user's top Pins by ``sort_by``."""
    return _top_pins(ctx, video=False, default_metrics=USER_METRICS)


@handler("user_account/analytics/top_video_pins")
def top_video_pins(ctx: Context) -> Any:
    """The operation user's top video Pins by ``sort_by``."""
    return _top_pins(ctx, video=True, default_metrics=TOP_VIDEO_PIN_METRICS)
