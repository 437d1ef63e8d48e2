"""Synchronous analytics: ads analytics (account, campaigns, ad groups, ads, product groups), the four
targeting analytics, user account analytics and multi-pin analytics.

Values are deterministic per (entity, date, column): a hash of the dataset seed, the ids, the date and,
for the last ``RESTATED_DAYS`` days, the dataset's restatement counter (``sim.dataset.restate()``), so
late restatements (and a connector's lookback) are testable. Additive columns are generated per ad and
summed up the hierarchy: an account's total equals the sum over its campaigns, a campaign's the sum over
its ad groups, an ad group's the sum over its ads. Date rules (API-NOTES §3.2) answer 400 ``{code: 400}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from pinterest_simulator.dataset import RESTATED_DAYS, Dataset
from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import ApiError

MAX_DAYS_BACK = 90
MAX_SPAN_DAYS = 90
HOUR_MAX_DAYS_BACK = 8
HOUR_MAX_SPAN_DAYS = 3
#: columns that are not metrics (ids, names, settings): only those the simulator can derive are returned
_DESCRIPTIVE_SUFFIXES = ("_ID", "_NAME", "_STATUS", "_TYPE", "_LABEL", "_TAG", "OPTIMIZATION")
_SETTINGS = frozenset(
    {
        "AD_GROUP_BUDGET_IN_LOCAL_CURRENCY",
        "AD_GROUP_BID_MULTIPLIER",
        "CAMPAIGN_LIFETIME_SPEND_CAP",
        "CAMPAIGN_DAILY_SPEND_CAP",
        "VIDEO_LENGTH",
    }
)
#: ratio columns: not summable, generated per entity as a fraction
_RATIO_MARKERS = ("RATE", "CTR", "ROAS", "COST_PER", "CPC", "CPM", "ECPE", "ECPV", "ECPCV", "FREQUENCY", "AVG")
#: the columns targeting rows carry (the API omits columns without a value)
TARGETING_COLUMNS = (
    "SPEND_IN_MICRO_DOLLAR",
    "SPEND_IN_DOLLAR",
    "PAID_IMPRESSION",
    "IMPRESSION_1",
    "CLICKTHROUGH_1",
    "TOTAL_IMPRESSION",
    "TOTAL_CLICKTHROUGH",
    "TOTAL_CONVERSIONS",
    "CTR",
)
_TARGETING_VALUES = ("a", "b", "c")
# level -> (id column, id param, dataset kind); the account level has no id param
_LEVELS: dict[str, tuple[str, str | None, str | None]] = {
    "account": ("AD_ACCOUNT_ID", None, None),
    "campaign": ("CAMPAIGN_ID", "campaign_ids", "campaigns"),
    "ad_group": ("AD_GROUP_ID", "ad_group_ids", "ad_groups"),
    "ad": ("AD_ID", "ad_ids", "ads"),
    "product_group": ("PRODUCT_GROUP_ID", None, "product_group_promotions"),
}


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _bad(message: str) -> ApiError:
    return ApiError(400, 400, message)


def check_dates(ctx: Context, granularity: str = "DAY") -> tuple[dt.date, dt.date]:
    """The request's dates, or 400 when the API would refuse them (API-NOTES §3.2)."""
    start = dt.date.fromisoformat(ctx.params["start_date"])
    end = dt.date.fromisoformat(ctx.params["end_date"])
    hourly = granularity == "HOUR"
    back, span = (HOUR_MAX_DAYS_BACK, HOUR_MAX_SPAN_DAYS) if hourly else (MAX_DAYS_BACK, MAX_SPAN_DAYS)
    today = _today()
    if end < start:
        raise _bad(f"end_date {end} is before start_date {start}.")
    if start < today - dt.timedelta(days=back):
        raise _bad(f"You can only get data from the last {back} days (start_date {start}).")
    if (end - start).days > span:
        raise _bad(f"The date range cannot be longer than {span} days ({start} to {end}).")
    return start, min(end, today)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


@lru_cache(maxsize=4096)
def _column_salt(column: str) -> int:
    return int.from_bytes(hashlib.blake2b(column.encode(), digest_size=8).digest(), "big") | 1


def _base(dataset: Dataset, *parts: str) -> int:
    raw = ":".join((str(dataset.seed), *parts)).encode()
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big")


def _revision(dataset: Dataset, day: dt.date) -> int:
    """Which restatement a day's numbers are at: recent days change with every restate()."""
    return dataset.restatements if (_today() - day).days < RESTATED_DAYS else 0


def _mix(base: int, column: str, modulo: int) -> int:
    return ((base ^ _column_salt(column)) * 0x9E3779B97F4A7C15 % (1 << 64) >> 24) % modulo


@cache
def is_metric(column: str) -> bool:
    """Whether a sync column is a number the simulator generates (not an id, name or setting)."""
    return column not in _SETTINGS and not column.startswith("IS_") and not column.endswith(_DESCRIPTIVE_SUFFIXES)


@cache
def is_additive(column: str) -> bool:
    """Counts and money: summed up the campaign hierarchy."""
    return is_metric(column) and not any(marker in column for marker in _RATIO_MARKERS)


def _entity_day(dataset: Dataset, entity_id: str, day: dt.date, columns: Iterable[str]) -> dict[str, float]:
    """The metrics of one leaf entity (ad, product group promotion) on one day."""
    base = _base(dataset, entity_id, day.isoformat(), str(_revision(dataset, day)))
    out: dict[str, float] = {}
    for column in columns:
        if column == "SPEND_IN_DOLLAR":
            continue
        if is_additive(column):
            scale = 5_000_000 if "MICRO_DOLLAR" in column else 500
            out[column] = _mix(base, column, scale)
    return out


class _Rollup:
    """Additive metrics per (ad, day), cached for one request and summed per parent entity."""

    def __init__(self, dataset: Dataset, account_id: str, columns: list[str]) -> None:
        self.dataset = dataset
        self.account_id = account_id
        self.additive = [c for c in columns if is_additive(c) and c != "SPEND_IN_DOLLAR"]
        self.ads = dataset.entities("ads", account_id)
        self._cache: dict[tuple[str, dt.date], dict[str, float]] = {}

    def leaf(self, entity_id: str, day: dt.date) -> dict[str, float]:
        key = (entity_id, day)
        if key not in self._cache:
            self._cache[key] = _entity_day(self.dataset, entity_id, day, self.additive)
        return self._cache[key]

    def total(self, leaf_ids: list[str], day: dt.date) -> dict[str, float]:
        sums = dict.fromkeys(self.additive, 0.0)
        for leaf_id in leaf_ids:
            for column, value in self.leaf(leaf_id, day).items():
                sums[column] += value
        return {c: int(v) for c, v in sums.items()}

    def leaves(self, level: str, entity_id: str) -> list[str]:
        if level == "account":
            return [ad["id"] for ad in self.ads]
        if level in ("ad", "product_group"):
            return [entity_id]
        field = "campaign_id" if level == "campaign" else "ad_group_id"
        return [ad["id"] for ad in self.ads if ad.get(field) == entity_id]


def _metrics(rollup: _Rollup, level: str, entity_id: str, days: list[dt.date], columns: list[str]) -> dict[str, Any]:
    """Requested metric columns of one entity summed over ``days``."""
    sums: dict[str, float] = {}
    leaves = rollup.leaves(level, entity_id)
    for day in days:
        for column, value in rollup.total(leaves, day).items():
            sums[column] = sums.get(column, 0) + value
    base = _base(rollup.dataset, level, entity_id, days[0].isoformat(), str(_revision(rollup.dataset, days[-1])))
    return requested_columns(sums, base, columns)


def requested_columns(sums: dict[str, float], base: str, columns: list[str]) -> dict[str, Any]:
    """The requested metric columns from the additive sums; derived and ratio columns from `base`."""
    out: dict[str, Any] = {}
    for column in columns:
        if column == "SPEND_IN_DOLLAR":
            out[column] = round(sums.get("SPEND_IN_MICRO_DOLLAR", _mix(base, "SPEND", 5_000_000)) / 1_000_000, 2)
        elif column in sums:
            out[column] = int(sums[column])
        elif is_metric(column):
            out[column] = round(_mix(base, column, 10_000) / 10_000, 4)
    return out


def entity_columns(level: str, account_id: str, entity: dict[str, Any]) -> dict[str, Any]:
    """The id and name columns the simulator can derive for an entity of `level` (sync analytics and
    async reports share them)."""
    known: dict[str, Any] = {"AD_ACCOUNT_ID": account_id, "ADVERTISER_ID": account_id}
    if level == "campaign":
        known.update(CAMPAIGN_ID=entity["id"], CAMPAIGN_NAME=entity.get("name"))
    elif level == "ad_group":
        known.update(AD_GROUP_ID=entity["id"], AD_GROUP_NAME=entity.get("name"), CAMPAIGN_ID=entity.get("campaign_id"))
    elif level == "ad":
        known.update(
            AD_ID=entity["id"],
            PIN_PROMOTION_ID=entity["id"],
            AD_NAME=entity.get("name"),
            AD_GROUP_ID=entity.get("ad_group_id"),
            CAMPAIGN_ID=entity.get("campaign_id"),
            PIN_ID=entity.get("pin_id"),
        )
    elif level == "keyword":
        known.update(KEYWORD_ID=entity["id"], AD_GROUP_ID=entity.get("parent_id"))
    elif level == "product_group":
        known.update(PRODUCT_GROUP_ID=entity["id"], AD_GROUP_ID=entity.get("ad_group_id"))
    elif level == "product_item":
        known.update(
            PRODUCT_ITEM_ID=entity["id"],
            PRODUCT_GROUP_ID=entity.get("product_group_id"),
            AD_GROUP_ID=entity.get("ad_group_id"),
        )
    return {key: value for key, value in known.items() if value is not None}


def _descriptive(ctx: Context, level: str, entity: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """The requested id and name columns of a sync analytics row."""
    known = entity_columns(level, ctx.params["ad_account_id"], entity)
    return {column: known[column] for column in columns if column in known}


def _periods(days: list[dt.date], granularity: str) -> list[tuple[str | None, list[dt.date]]]:
    """Days grouped by the granularity's period, labelled with the period's first day (None: TOTAL)."""
    if granularity == "TOTAL":
        return [(None, days)]
    groups: dict[str, list[dt.date]] = {}
    for day in days:
        if granularity == "WEEK":
            label = day - dt.timedelta(days=day.weekday())
        elif granularity == "MONTH":
            label = day.replace(day=1)
        else:
            label = day
        groups.setdefault(label.isoformat(), []).append(day)
    return list(groups.items())


def _entities(ctx: Context, level: str) -> list[dict[str, Any]]:
    """The requested entities of the path's account, in the order asked (unknown ids are skipped)."""
    account = ctx.ad_account()
    _, id_param, kind = _LEVELS[level]
    if kind is None:
        return [account]
    param = id_param or "product_group_ids"
    by_id = {e["id"]: e for e in ctx.dataset.entities(kind, account["id"])}
    return [by_id[i] for i in dict.fromkeys(ctx.params.get(param) or ()) if i in by_id]


def _sync_rows(ctx: Context, level: str) -> list[dict[str, Any]]:
    granularity = ctx.params["granularity"]
    start, end = check_dates(ctx, granularity)
    columns = list(dict.fromkeys(ctx.params["columns"]))
    id_column = _LEVELS[level][0]
    rollup = _Rollup(ctx.dataset, ctx.params["ad_account_id"], columns)
    rows: list[dict[str, Any]] = []
    days = _days(start, end) if start <= end else []
    for entity in _entities(ctx, level):
        for label, period in _periods(days, granularity) if days else []:
            row: dict[str, Any] = {id_column: entity["id"]}
            if label is not None:
                row["DATE"] = label
            row.update(_descriptive(ctx, level, entity, columns))
            row.update(_metrics(rollup, level, entity["id"], period, columns))
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
        raise _bad("The request must contain either ad_ids or both campaign_ids and pin_ids.")
    return _sync_rows(ctx, "ad")


@handler("product_groups/analytics")
def product_groups_analytics(ctx: Context) -> Any:
    """Product group rows, by product group promotion id (the ads-side product group)."""
    return _sync_rows(ctx, "product_group")


def targeting_metrics(base: int, columns: Iterable[str], days: int) -> dict[str, Any]:
    """The metric columns (of `TARGETING_COLUMNS`) of one targeting value over `days` days, from `base`:
    counts and money scale with the days, ratios do not; SPEND_IN_DOLLAR agrees with the micro-dollars."""
    out: dict[str, Any] = {}
    for column in columns:
        if is_additive(column):
            out[column] = _mix(base, column, 5_000_000 if "MICRO" in column else 500) * days
        else:
            out[column] = round(_mix(base, column, 10_000) / 10_000, 4)
    if "SPEND_IN_DOLLAR" in out and "SPEND_IN_MICRO_DOLLAR" in out:
        out["SPEND_IN_DOLLAR"] = round(out["SPEND_IN_MICRO_DOLLAR"] / 1_000_000, 2)
    return out


def _targeting(ctx: Context, level: str) -> dict[str, Any]:
    granularity = ctx.params["granularity"]
    start, end = check_dates(ctx, granularity)
    columns = [c for c in dict.fromkeys(ctx.params["columns"]) if c in TARGETING_COLUMNS]
    id_column = _LEVELS[level][0]
    dataset = ctx.dataset
    data: list[dict[str, Any]] = []
    days = _days(start, end) if start <= end else []
    for entity in _entities(ctx, level):
        for targeting_type in dict.fromkeys(ctx.params["targeting_types"]):
            pick = _base(dataset, entity["id"], targeting_type) % len(_TARGETING_VALUES)
            value = f"{targeting_type.lower()}_{_TARGETING_VALUES[pick]}"
            for label, period in _periods(days, granularity) if days else []:
                # entities deliver on some days only, as real targeting breakdowns are sparse
                if _base(dataset, entity["id"], targeting_type, period[0].isoformat()) % 3:
                    continue
                base = _base(
                    dataset, entity["id"], targeting_type, period[0].isoformat(), str(_revision(dataset, period[-1]))
                )
                metrics: dict[str, Any] = {id_column: entity["id"]}
                if label is not None:
                    metrics["DATE"] = label
                metrics.update(targeting_metrics(base, columns, len(period)))
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


def _organic(dataset: Dataset, key: str, days: list[dt.date], metrics: Iterable[str]) -> dict[str, Any]:
    """``{daily_metrics, summary_metrics}`` of one user or pin."""
    daily = []
    summary: dict[str, float] = {}
    for day in days:
        base = _base(dataset, key, day.isoformat(), str(_revision(dataset, day)))
        values: dict[str, float] = {}
        for metric in metrics:
            if "RATE" in metric:
                values[metric] = round(_mix(base, metric, 10_000) / 10_000, 4)
            else:
                values[metric] = _mix(base, metric, 1_000)
                summary[metric] = summary.get(metric, 0) + values[metric]
        status = "READY" if (_today() - day).days >= 2 else "PROCESSING"
        daily.append({"date": day.isoformat(), "data_status": status, "metrics": values})
    return {"daily_metrics": daily, "summary_metrics": summary}


@handler("user_account/analytics")
def user_account_analytics(ctx: Context) -> Any:
    """``{"all": {...}}`` (NO_SPLIT); other split fields are not simulated."""
    ctx.check_business_access()
    start, end = check_dates(ctx)
    if ctx.params.get("split_field", "NO_SPLIT") != "NO_SPLIT":
        raise _bad("split_field is not simulated; use NO_SPLIT.")
    metrics = ctx.params.get("metric_types") or USER_METRICS
    days = _days(start, end) if start <= end else []
    return {"all": _organic(ctx.dataset, f"user:{ctx.dataset.user['id']}", days, metrics)}


@handler("multi_pins/analytics")
def multi_pins_analytics(ctx: Context) -> Any:
    """``{<pin_id>: {"all": {...}}}`` for each requested pin of the user (unknown ids are left out)."""
    ctx.check_business_access()
    start, end = check_dates(ctx)
    days = _days(start, end) if start <= end else []
    pins = ctx.dataset.by_user["pins"]
    out: dict[str, Any] = {}
    for pin_id in dict.fromkeys(ctx.params["pin_ids"]):
        if pin_id in pins:
            body = _organic(ctx.dataset, f"pin:{pin_id}", days, ctx.params["metric_types"])
            body["lifetime_metrics"] = {}
            out[pin_id] = {"all": body}
    return out
