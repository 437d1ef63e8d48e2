"""Deterministic analytics numbers, shared by sync analytics (``handlers/analytics.py``) and report files
(``report_jobs.py``).

Values are deterministic per (entity, date, column): a hash of the dataset seed, the ids, the date and,
for the last ``RESTATED_DAYS`` days, the dataset's restatement counter (``sim.dataset.restate()``), so
late restatements (and a connector's lookback) are testable. Additive columns (counts and money) are
generated per ad and summed up the hierarchy (`Rollup`): an account's total equals the sum over its
campaigns, a campaign's the sum over its ad groups, an ad group's the sum over its ads. Ratio columns are
generated per entity and period. Dates are bucketed into the granularity's periods by `periods`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from pinterest_simulator.clock import today
from pinterest_simulator.dataset import RESTATED_DAYS, Dataset

#: a period of a granularity: its label (the first day, ISO; None for TOTAL) and its days
Period = tuple[str | None, list[dt.date]]

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
#: each (entity, targeting type) has one of these values, suffixed to the lower-cased type
_TARGETING_VALUES = ("a", "b", "c")


# -- dates and periods ----------------------------------------------------------------------------
def date_range(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every date from `start` to `end`, both included (none when `end` is before `start`)."""
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def periods(days: list[dt.date], granularity: str) -> list[Period]:
    """`days` grouped by the granularity's period (TOTAL: one; WEEK from Monday; MONTH; otherwise, HOUR
    included, one per day), labelled with the period's first day; no periods without days."""
    if not days:
        return []
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


# -- deterministic values -------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _column_salt(column: str) -> int:
    return int.from_bytes(hashlib.blake2b(column.encode(), digest_size=8).digest(), "big") | 1


def _base(dataset: Dataset, *parts: str) -> int:
    """The 64-bit seed of one generated value set: a hash of the dataset seed and `parts`."""
    raw = ":".join((str(dataset.seed), *parts)).encode()
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big")


def _revision(dataset: Dataset, day: dt.date) -> int:
    """Which restatement a day's numbers are at: recent days change with every restate()."""
    return dataset.restatements if (today() - day).days < RESTATED_DAYS else 0


def _mix(base: int, column: str, modulo: int) -> int:
    """A value in ``[0, modulo)`` for `column`, from `base`."""
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
    """The additive metrics of one leaf entity (ad, product group promotion, ...) on one day."""
    base = _base(dataset, entity_id, day.isoformat(), str(_revision(dataset, day)))
    out: dict[str, float] = {}
    for column in columns:
        if column == "SPEND_IN_DOLLAR":
            continue
        if is_additive(column):
            scale = 5_000_000 if "MICRO_DOLLAR" in column else 500
            out[column] = _mix(base, column, scale)
    return out


def requested_columns(sums: dict[str, float], base: int, columns: list[str]) -> dict[str, Any]:
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


# -- the campaign hierarchy -----------------------------------------------------------------------
class Rollup:
    """Additive metrics per (ad, day) of one account, cached for one request and summed per parent entity."""

    def __init__(self, dataset: Dataset, account_id: str, columns: list[str]) -> None:
        self.dataset = dataset
        self.account_id = account_id
        self.additive = [c for c in columns if is_additive(c) and c != "SPEND_IN_DOLLAR"]
        self.ads = dataset.entities("ads", account_id)
        self._cache: dict[tuple[str, dt.date], dict[str, float]] = {}

    def leaf(self, entity_id: str, day: dt.date) -> dict[str, float]:
        """The additive metrics of one ad (or product group promotion) on one day."""
        key = (entity_id, day)
        if key not in self._cache:
            self._cache[key] = _entity_day(self.dataset, entity_id, day, self.additive)
        return self._cache[key]

    def total(self, leaf_ids: list[str], day: dt.date) -> dict[str, float]:
        """The additive metrics summed over `leaf_ids` on one day."""
        sums = dict.fromkeys(self.additive, 0.0)
        for leaf_id in leaf_ids:
            for column, value in self.leaf(leaf_id, day).items():
                sums[column] += value
        return {c: int(v) for c, v in sums.items()}

    def leaves(self, level: str, entity_id: str) -> list[str]:
        """The leaves an entity of `level` (account, campaign, ad_group, ad, product_group) sums over."""
        if level == "account":
            return [ad["id"] for ad in self.ads]
        if level in ("ad", "product_group"):
            return [entity_id]
        field = "campaign_id" if level == "campaign" else "ad_group_id"
        return [ad["id"] for ad in self.ads if ad.get(field) == entity_id]

    def metrics(self, level: str, entity_id: str, days: list[dt.date], columns: list[str]) -> dict[str, Any]:
        """The requested metric columns of one entity of `level`, summed over `days` (not empty)."""
        sums: dict[str, float] = {}
        leaves = self.leaves(level, entity_id)
        for day in days:
            for column, value in self.total(leaves, day).items():
                sums[column] = sums.get(column, 0) + value
        base = _base(self.dataset, level, entity_id, days[0].isoformat(), str(_revision(self.dataset, days[-1])))
        return requested_columns(sums, base, columns)


def leaf_metrics(dataset: Dataset, entity_id: str, days: list[dt.date], columns: list[str]) -> dict[str, Any]:
    """The requested metric columns of an entity outside the ads hierarchy (keyword, product group or item, a
    report's synthetic entity), summed over `days` (not empty)."""
    sums: dict[str, float] = {}
    for day in days:
        for column, value in _entity_day(dataset, entity_id, day, columns).items():
            sums[column] = sums.get(column, 0) + value
    return requested_columns(sums, _base(dataset, "leaf", entity_id, days[0].isoformat()), columns)


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


# -- targeting breakdowns -------------------------------------------------------------------------
def targeting_value(dataset: Dataset, entity_id: str, targeting_type: str) -> str:
    """The one value of `targeting_type` an entity delivers to, e.g. ``age_bucket_b``."""
    pick = _base(dataset, entity_id, targeting_type) % len(_TARGETING_VALUES)
    return f"{targeting_type.lower()}_{_TARGETING_VALUES[pick]}"


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


def sync_targeting_metrics(
    dataset: Dataset, entity_id: str, targeting_type: str, days: list[dt.date], columns: list[str]
) -> dict[str, Any] | None:
    """A sync targeting breakdown's metrics of one entity and type over a period's `days` (not empty), or None
    for a period the entity does not deliver in (real targeting breakdowns are sparse); restated like the rest."""
    if _base(dataset, entity_id, targeting_type, days[0].isoformat()) % 3:
        return None
    revision = _revision(dataset, days[-1])
    base = _base(dataset, entity_id, targeting_type, days[0].isoformat(), str(revision))
    return targeting_metrics(base, columns, len(days))


def report_targeting_metrics(
    dataset: Dataset, entity_id: str, targeting_type: str, days: list[dt.date], columns: Iterable[str]
) -> dict[str, Any]:
    """A targeting report row's metrics of one entity and type over a period's `days` (not empty): every period,
    and not restated."""
    return targeting_metrics(_base(dataset, entity_id, targeting_type, days[0].isoformat()), columns, len(days))


# -- organic (user and pin) analytics --------------------------------------------------------------
def organic_metrics(dataset: Dataset, key: str, days: list[dt.date], metrics: Iterable[str]) -> dict[str, Any]:
    """``{daily_metrics, summary_metrics}`` of one user or pin (`key`: ``user:<id>``, ``pin:<id>``): counts
    summed into the summary, rates per day only; the last two days are PROCESSING."""
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
        status = "READY" if (today() - day).days >= 2 else "PROCESSING"
        daily.append({"date": day.isoformat(), "data_status": status, "metrics": values})
    return {"daily_metrics": daily, "summary_metrics": summary}
