"""Deterministic analytics numbers, shared by sync analytics (``handlers/analytics.py``) and report files
(``report_rows.py``).

Values are deterministic per (entity, date, column): a hash of the dataset seed, the ids, the date and,
for the last ``RESTATED_DAYS`` days, the dataset's restatement counter (``sim.dataset.restate()``), so
late restatements (and a connector's lookback) are testable. Additive columns (counts and money) are
generated per ad and summed up the hierarchy (`Rollup`): an account's total equals the sum over its
campaigns, a campaign's the sum over its ad groups, an ad group's the sum over its ads, and a WEEK or MONTH
the sum over its days. Ratio columns are generated per entity and period. Dates are bucketed into the
granularity's periods by `periods` (labels per the ``hour_date``, ``total_date`` and ``week_start`` switches); an
HOUR row's additive values are its share of the day's (`hour_share`: the 24 hours of a day add up to the day).

Columns are classified by the simulator itself (`column_kind`): ids, names and other text come back as strings,
``IS_*`` flags as booleans (or their ``flag_form`` switch's form), entity settings as plain numbers, and metrics as numbers. Metrics are sparse, as real
accounts are (JSON report files "will not zero-fill metrics", spec ``AdsAnalyticsCreateAsyncRequest``): the
`CORE_METRICS` have values for every entity; every other metric column only for a deterministic few
(`ACTIVE_PER_MILLE`), per ad account for the ads hierarchy (so an account, its campaigns, ad groups and ads share one
set and sums stay exact), and per entity for the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache
from typing import Any, Literal, NamedTuple

from pinterest_simulator.dataset import RESTATED_DAYS, Dataset
from pinterest_simulator.switches import FlagForm, Switches
from pinterest_simulator.targeting_data import row_value


class Period(NamedTuple):
    """Rows of one period of a granularity: the rows' ``DATE`` (None: no DATE key), the days summed, and the hour
    of the day (0-23) of an HOUR period (additive values are then the hour's share of the day's: `hour_share`)."""

    label: str | None
    days: list[dt.date]
    hour: int | None = None

    @property
    def hourly(self) -> bool:
        """Whether the period is one hour of its day."""
        return self.hour is not None


def hour_share(value: int, hour: int | None) -> int:
    """An hour's share of a day's additive `value`: ``value // 24``, the first ``value % 24`` hours one more, so
    the 24 hours of a day add up to the day (`hour` None: the value itself)."""
    if hour is None:
        return value
    return value // 24 + (1 if hour < value % 24 else 0)


ColumnKind = Literal["text", "flag", "attribute", "ratio", "additive"]

#: columns that are text (ids, names, statuses, types, labels, URLs, ...): by suffix or by name
_TEXT_SUFFIXES = ("_ID", "_NAME", "_STATUS", "_TYPE", "_LABEL", "_LABELS", "_TAG", "OPTIMIZATION", "_URL")
_TEXT_COLUMNS = frozenset(
    {
        "PRODUCT_ITEM_BRAND",
        "PRODUCT_ITEM_DESCRIPTION",
        "PRODUCT_ITEM_PRODUCT_CATEGORY",
        "PRODUCT_ITEM_CURRENCY",
    }
)
#: booleans: ``IS_*`` and these (``CampaignResponse.is_campaign_budget_optimization`` is a boolean)
_FLAG_COLUMNS = frozenset({"CAMPAIGN_BUDGET_OPTIMIZATION"})
#: numeric settings or attributes of an entity: not metrics (never summed), returned where derivable
_ATTRIBUTES = frozenset(
    {
        "AD_GROUP_BUDGET_IN_LOCAL_CURRENCY",
        "AD_GROUP_BID_MULTIPLIER",
        "CAMPAIGN_LIFETIME_SPEND_CAP",
        "CAMPAIGN_DAILY_SPEND_CAP",
        "VIDEO_LENGTH",
        "PRODUCT_ITEM_PRICE",
        "PRODUCT_ITEM_SALE_PRICE",
    }
)
#: ratio columns: not summable, generated per entity as a fraction
_RATIO_MARKERS = (
    "RATE",
    "CTR",
    "ROAS",
    "COST_PER",
    "CPC",
    "CPM",
    "CPV",
    "ECPE",
    "ECPV",
    "ECPCV",
    "FREQUENCY",
    "AVG",
    "AVERAGE",
)
#: metrics every entity has (spend, impressions, clicks, engagements, conversions, checkout and their usual ratios)
CORE_METRICS = frozenset(
    {
        "SPEND_IN_MICRO_DOLLAR",
        "SPEND_IN_DOLLAR",
        "PAID_IMPRESSION",
        "IMPRESSION_1",
        "IMPRESSION_2",
        "TOTAL_IMPRESSION",
        "CLICKTHROUGH_1",
        "CLICKTHROUGH_2",
        "TOTAL_CLICKTHROUGH",
        "OUTBOUND_CLICK_1",
        "OUTBOUND_CLICK_2",
        "ENGAGEMENT_1",
        "ENGAGEMENT_2",
        "TOTAL_ENGAGEMENT",
        "TOTAL_CONVERSIONS",
        "TOTAL_CONVERSIONS_VALUE_IN_MICRO_DOLLAR",
        "TOTAL_CHECKOUT",
        "TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR",
        "CTR",
        "CTR_2",
        "OUTBOUND_CTR",
        "ECTR",
        "CPC_IN_MICRO_DOLLAR",
        "ECPC_IN_DOLLAR",
        "CPM_IN_MICRO_DOLLAR",
        "CPM_IN_DOLLAR",
        "ENGAGEMENT_RATE",
    }
)
#: of the other metric columns, how many per mille have values for one profile (an ad account or a leaf entity);
#: an ad has about half of its account's
ACTIVE_PER_MILLE = 15
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
#: the levels of the ads hierarchy (`Rollup`): their metrics share the ad account's sparse profile (``pin``: a Pin
#: promoted in a campaign, summed over the campaign's ads promoting it)
HIERARCHY_LEVELS = ("account", "campaign", "ad_group", "ad", "pin")


# -- columns --------------------------------------------------------------------------------------
@cache
def column_kind(column: str) -> ColumnKind:
    """The simulator's own classification of a sync or async column: ``text`` (ids, names, statuses, URLs, ...:
    strings), ``flag`` (``IS_*``: booleans), ``attribute`` (an entity's numeric setting), ``ratio`` or
    ``additive`` (metrics: numbers; additive ones are summed over entities and days)."""
    if column.startswith("IS_") or column in _FLAG_COLUMNS:
        return "flag"
    if column in _ATTRIBUTES:
        return "attribute"
    if column in _TEXT_COLUMNS or column.endswith(_TEXT_SUFFIXES):
        return "text"
    if any(marker in column for marker in _RATIO_MARKERS):
        return "ratio"
    return "additive"


def is_metric(column: str) -> bool:
    """Whether a column is a number the simulator generates (not text, a flag or a setting)."""
    return column_kind(column) in ("ratio", "additive")


def is_additive(column: str) -> bool:
    """Counts and money: summed up the campaign hierarchy."""
    return column_kind(column) == "additive"


# -- dates and periods ----------------------------------------------------------------------------
def date_range(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every date from `start` to `end`, both included (none when `end` is before `start`)."""
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def week_start(day: dt.date, first: str = "monday") -> dt.date:
    """The first day of `day`'s week, weeks starting on `first` (``monday`` or ``sunday``)."""
    back = day.weekday() if first == "monday" else (day.weekday() + 1) % 7
    return day - dt.timedelta(days=back)


def periods(
    days: list[dt.date],
    granularity: str,
    switches: Switches | None = None,
    window: tuple[dt.date, dt.date] | None = None,
) -> list[Period]:
    """`days` grouped by the granularity's periods, no period without days:

    - TOTAL: one, labelled per the ``total_date`` switch (no label, or the request's `window` start or end, as sent;
      by default the first and last of `days`);
    - WEEK: from the ``week_start`` switch's day; MONTH: calendar months; both labelled with their first day, even
      one before the first of `days` (the period then holds only the requested days), or then with the first of
      `days` (the ``period_label`` switch);
    - DAY: one per day; HOUR: 24 per day, in hour order, labelled per the ``hour_date`` switch (each carries its
      hour: `hour_share`).
    """
    if not days:
        return []
    switches = switches or Switches()
    if granularity == "TOTAL":
        start, end = window or (days[0], days[-1])
        label = {"none": None, "start_date": start.isoformat(), "end_date": end.isoformat()}[switches.total_date]
        return [Period(label, days)]
    if granularity == "HOUR":
        with_hour = switches.hour_date == "date_hour"
        return [
            Period(f"{day.isoformat()} {hour:02d}:00:00" if with_hour else day.isoformat(), [day], hour)
            for day in days
            for hour in range(24)
        ]
    groups: dict[str, list[dt.date]] = {}
    for day in days:
        if granularity == "WEEK":
            first = week_start(day, switches.week_start)
        elif granularity == "MONTH":
            first = day.replace(day=1)
        else:
            first = day
        if switches.period_label == "first_requested_day":
            first = max(first, days[0])
        groups.setdefault(first.isoformat(), []).append(day)
    return [Period(first_day, group) for first_day, group in groups.items()]


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
    return dataset.restatements if (dataset.today() - day).days < RESTATED_DAYS else 0


def _mix(base: int, column: str, modulo: int) -> int:
    """A value in ``[0, modulo)`` for `column`, from `base`."""
    return ((base ^ _column_salt(column)) * 0x9E3779B97F4A7C15 % (1 << 64) >> 24) % modulo


def _scale(column: str) -> int:
    """The upper bound of a leaf's daily value of an additive column."""
    return 5_000_000 if "MICRO" in column else 500


class ColumnPlan:
    """The metric columns of one request, and which of them have values for each sparse profile (an ad account
    for the ads hierarchy, else the entity itself) and each leaf; cached for the request."""

    def __init__(self, dataset: Dataset, columns: Iterable[str]) -> None:
        self.dataset = dataset
        #: the requested metric columns, in request order
        self.metrics = tuple(c for c in dict.fromkeys(columns) if is_metric(c))
        additive = [c for c in self.metrics if is_additive(c) and c != "SPEND_IN_DOLLAR"]
        if "SPEND_IN_DOLLAR" in self.metrics and "SPEND_IN_MICRO_DOLLAR" not in additive:
            additive.append("SPEND_IN_MICRO_DOLLAR")  # SPEND_IN_DOLLAR is derived from it, so it adds up too
        #: the additive columns generated per leaf (SPEND_IN_MICRO_DOLLAR whenever SPEND_IN_DOLLAR is asked for)
        self.additive = tuple(additive)
        self._profiles: dict[str, int] = {}
        self._leaves: dict[tuple[str, str], tuple[str, ...]] = {}
        self._ratios: dict[str, tuple[str, ...]] = {}
        self._order = {column: n for n, column in enumerate(self.metrics)}

    def _active(self, profile: str, column: str) -> bool:
        """Whether a metric column has values for a profile (always for `CORE_METRICS`)."""
        if column in CORE_METRICS:
            return True
        if profile not in self._profiles:
            self._profiles[profile] = _base(self.dataset, "profile", profile)
        return _mix(self._profiles[profile], column, 1000) < ACTIVE_PER_MILLE

    def leaf_columns(self, profile: str, leaf_id: str) -> tuple[str, ...]:
        """The additive columns a leaf has values in: its profile's, and, for an ad (a leaf whose profile is its
        account), about half of the non-core ones."""
        key = (profile, leaf_id)
        if key not in self._leaves:
            leaf_base = _base(self.dataset, "leaf-profile", leaf_id)
            self._leaves[key] = tuple(
                c
                for c in self.additive
                if self._active(profile, c) and (c in CORE_METRICS or profile == leaf_id or _mix(leaf_base, c, 2))
            )
        return self._leaves[key]

    def ratios(self, profile: str) -> tuple[str, ...]:
        """The requested ratio columns a row of `profile` has values in."""
        if profile not in self._ratios:
            self._ratios[profile] = tuple(c for c in self.metrics if not is_additive(c) and self._active(profile, c))
        return self._ratios[profile]

    def day_values(self, profile: str, leaf_id: str, day: dt.date) -> dict[str, int]:
        """The additive values of one leaf on one day (only its columns with values)."""
        base = _base(self.dataset, leaf_id, day.isoformat(), str(_revision(self.dataset, day)))
        return {c: _mix(base, c, _scale(c)) for c in self.leaf_columns(profile, leaf_id)}

    def finish(self, sums: dict[str, int], base: int, profile: str, zeros: bool) -> dict[str, Any]:
        """The requested metric columns: additive ones from `sums` (SPEND_IN_DOLLAR from the micro-dollars), ratio
        ones from `base` where `profile` has them; every requested metric (0 where there is no value) when `zeros`,
        else only the non-zero ones (JSON report files do not zero-fill), in request order."""
        found: dict[str, Any] = {c: int(v) for c, v in sums.items() if v and c in self._order}
        if "SPEND_IN_DOLLAR" in self._order:
            found["SPEND_IN_DOLLAR"] = round(sums.get("SPEND_IN_MICRO_DOLLAR", 0) / 1_000_000, 2)
        for column in self.ratios(profile):
            found[column] = round(_mix(base, column, 10_000) / 10_000, 4)
        if zeros:
            return {c: found.get(c, 0) for c in self.metrics}
        return {c: found[c] for c in sorted(found, key=self._order.__getitem__) if found[c]}


def _summed(
    plan: ColumnPlan, leaves: Sequence[tuple[str, str]], days: list[dt.date], hour: int | None
) -> dict[str, int]:
    """The additive values of ``(profile, leaf)`` pairs summed over `days` (an hour: its share of the day)."""
    sums: dict[str, int] = {}
    for day in days:
        for profile, leaf_id in leaves:
            for column, value in plan.day_values(profile, leaf_id, day).items():
                sums[column] = sums.get(column, 0) + value
    return {column: hour_share(value, hour) for column, value in sums.items()}


# -- delivery ------------------------------------------------------------------------------------
#: the ``scheduled`` delivery model (switch ``delivery``), by an entity's place in its account's list (0-based)
ENDED_CAMPAIGN_EVERY, PAUSED_DAYS_EVERY, IDLE_AD_GROUP_EVERY, IDLE_AD_EVERY = 4, 3, 5, 6


class Delivery:
    """Which ads of one ad account deliver on which days under the ``scheduled`` delivery model (the ``delivery``
    switch): every fourth campaign has ended (no day), the campaign before it is paused one day in three, every fifth
    ad group and every sixth ad never deliver. An ad delivers on a day when it, its ad group and its campaign do."""

    def __init__(self, dataset: Dataset, account_id: str) -> None:
        def places(kind: str) -> dict[str, int]:
            return {entity["id"]: n for n, entity in enumerate(dataset.entities(kind, account_id))}

        self._campaigns = places("campaigns")
        self._ad_groups = places("ad_groups")
        self._ads = {ad["id"]: (n, ad) for n, ad in enumerate(dataset.entities("ads", account_id))}

    def campaign_delivers(self, campaign_id: str | None, day: dt.date) -> bool:
        place = self._campaigns.get(campaign_id or "")
        if place is None:
            return True
        if place % ENDED_CAMPAIGN_EVERY == ENDED_CAMPAIGN_EVERY - 1:
            return False  # ended
        if place % ENDED_CAMPAIGN_EVERY == ENDED_CAMPAIGN_EVERY - 2:
            return day.toordinal() % PAUSED_DAYS_EVERY != 0  # paused one day in three
        return True

    def ad_delivers(self, ad_id: str, day: dt.date) -> bool:
        """Whether an ad of the account delivers on `day` (an id that is no ad of the account: always)."""
        found = self._ads.get(ad_id)
        if found is None:
            return True
        place, ad = found
        group = self._ad_groups.get(ad.get("ad_group_id") or "")
        return (
            place % IDLE_AD_EVERY != IDLE_AD_EVERY - 1
            and (group is None or group % IDLE_AD_GROUP_EVERY != IDLE_AD_GROUP_EVERY - 1)
            and self.campaign_delivers(ad.get("campaign_id"), day)
        )


def delivery_of(dataset: Dataset, account_id: str, switches: Switches) -> Delivery | None:
    """The account's delivery model under the ``delivery`` switch; None: every ad delivers every day."""
    return Delivery(dataset, account_id) if switches.delivery == "scheduled" else None


def idle_rows_listed(switches: Switches, granularity: str) -> bool:
    """Whether a sync ads analytics answer has a (zero) row for an entity and period without delivery: the
    ``idle_total_rows`` switch at TOTAL granularity, ``idle_rows`` at the others."""
    if granularity == "TOTAL":
        return switches.idle_total_rows == "listed"
    return switches.idle_rows == "zero_filled"


# -- the campaign hierarchy -----------------------------------------------------------------------
class Rollup:
    """Additive metrics per (leaf, day) of one account, cached for one request and summed per parent entity.

    Leaves are the account's ads (for the account, its campaigns, ad groups and ads), or the entity itself for every
    other level (keyword, product group promotion, product item), unless the caller names the leaves (a catalog
    product group sums its promotions)."""

    def __init__(
        self, dataset: Dataset, account_id: str, columns: Iterable[str], delivery: Delivery | None = None
    ) -> None:
        self.dataset = dataset
        self.account_id = account_id
        self.plan = ColumnPlan(dataset, columns)
        #: which ads deliver on which days (None: every ad, every day): an ad's values on a day it does not are none
        self.delivery = delivery
        self.ads = dataset.entities("ads", account_id)
        self._ad_ids = {ad["id"] for ad in self.ads}
        self._children: dict[tuple[str, str], list[str]] = {}
        for ad in self.ads:
            for level in ("campaign", "ad_group"):
                self._children.setdefault((level, ad.get(f"{level}_id") or ""), []).append(ad["id"])
        self._cache: dict[tuple[str, dt.date], dict[str, int]] = {}

    def profile(self, level: str, entity_id: str) -> str:
        """The sparse profile of an entity's row: the ad account for the ads hierarchy, else the entity."""
        return self.account_id if level in HIERARCHY_LEVELS else entity_id

    def leaf(self, leaf_id: str, day: dt.date) -> dict[str, int]:
        """The additive metrics of one leaf (an ad, or an entity outside the hierarchy) on one day."""
        key = (leaf_id, day)
        if key not in self._cache:
            profile = self.account_id if leaf_id in self._ad_ids else leaf_id
            delivers = self.delivery is None or self.delivery.ad_delivers(leaf_id, day)
            self._cache[key] = self.plan.day_values(profile, leaf_id, day) if delivers else {}
        return self._cache[key]

    def delivered(self, level: str, entity_id: str, days: list[dt.date], *, leaves: list[str] | None = None) -> bool:
        """Whether one of the entity's leaves (or `leaves`) delivered on one of `days` (`Delivery`)."""
        delivery = self.delivery
        if delivery is None:
            return True
        chosen = self.leaves(level, entity_id) if leaves is None else leaves
        return any(delivery.ad_delivers(leaf_id, day) for day in days for leaf_id in chosen)

    def idle(self) -> dict[str, Any]:
        """The metric columns of a row without delivery: every requested metric 0."""
        return dict.fromkeys(self.plan.metrics, 0)

    def leaves(self, level: str, entity_id: str) -> list[str]:
        """The leaves an entity of `level` sums over (see the class docstring)."""
        if level == "account":
            return [ad["id"] for ad in self.ads]
        if level in ("campaign", "ad_group"):
            return self._children.get((level, entity_id), [])
        return [entity_id]

    def metrics(
        self,
        level: str,
        entity_id: str,
        days: list[dt.date],
        *,
        leaves: list[str] | None = None,
        hour: int | None = None,
        zeros: bool = True,
    ) -> dict[str, Any]:
        """The requested metric columns of one entity of `level` over `days` (not empty; `hour`: that hour of the
        day, `hour_share`): summed over its leaves (or `leaves`); every requested metric when `zeros`, else the
        non-zero ones."""
        sums: dict[str, int] = {}
        for day in days:
            for leaf_id in self.leaves(level, entity_id) if leaves is None else leaves:
                for column, value in self.leaf(leaf_id, day).items():
                    sums[column] = sums.get(column, 0) + value
        sums = {column: hour_share(value, hour) for column, value in sums.items()}
        base = _base(self.dataset, level, entity_id, days[0].isoformat(), str(_revision(self.dataset, days[-1])))
        return self.plan.finish(sums, base, self.profile(level, entity_id), zeros)


def leaf_metrics(plan: ColumnPlan, entity_id: str, days: list[dt.date], *, hour: int | None = None) -> dict[str, Any]:
    """The non-zero requested metric columns of an entity that is its own leaf and profile (a report's synthetic
    entity), over `days` (not empty)."""
    sums = _summed(plan, [(entity_id, entity_id)], days, hour)
    return plan.finish(sums, _base(plan.dataset, "leaf", entity_id, days[0].isoformat()), entity_id, zeros=False)


# -- product groups -------------------------------------------------------------------------------
def product_groups(dataset: Dataset, account_id: str, switches: Switches) -> list[dict[str, Any]]:
    """The account's product groups as analytics and reports key them (the ``product_group_ids`` switch):
    ``promotion``: its product group promotions; ``catalog_product_group``: one entity per catalog product group its
    promotions promote (``{"id", "leaf_ids", "promotions", "ad_group_id"}``, the ad group only when all its promotions
    share one), in id order. Each carries ``leaf_ids``: the promotions its numbers sum over."""
    promotions = dataset.entities("product_group_promotions", account_id)
    if switches.product_group_ids == "promotion":
        return [{**promotion, "leaf_ids": [promotion["id"]], "promotions": [promotion]} for promotion in promotions]
    groups: dict[str, list[dict[str, Any]]] = {}
    for promotion in promotions:
        if promotion.get("catalog_product_group_id"):
            groups.setdefault(str(promotion["catalog_product_group_id"]), []).append(promotion)
    out = []
    for group_id in sorted(groups, key=int):
        members = groups[group_id]
        ad_groups = {member.get("ad_group_id") for member in members}
        out.append(
            {
                "id": group_id,
                "leaf_ids": [member["id"] for member in members],
                "promotions": members,
                "ad_group_id": ad_groups.pop() if len(ad_groups) == 1 else None,
                "status": members[0].get("status") if len({m.get("status") for m in members}) == 1 else None,
            }
        )
    return out


# -- id, name and text columns --------------------------------------------------------------------
class Parents:
    """The campaigns and ad groups of one account by id, to fill a row's parent columns."""

    def __init__(self, dataset: Dataset, account_id: str) -> None:
        self.campaigns = {c["id"]: c for c in dataset.entities("campaigns", account_id)}
        self.ad_groups = {g["id"]: g for g in dataset.entities("ad_groups", account_id)}

    def context(self, level: str, entity: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The entities a row of `level` belongs to: ``{"campaign": ..., "ad_group": ..., "ad": ..., ...}``."""
        found: dict[str, dict[str, Any]] = {}
        if level in ("campaign", "ad_group", "ad", "product_group", "product_item"):
            found[level] = entity
        ad_group_id = entity.get("ad_group_id")
        if level == "keyword" and entity.get("parent_type") in ("ad_group", "campaign"):
            parent = entity.get("parent_id")
            if entity.get("parent_type") == "ad_group":
                ad_group_id = parent
            else:
                found["campaign"] = self.campaigns.get(parent or "", {})
        if level != "ad_group" and ad_group_id in self.ad_groups:
            found["ad_group"] = self.ad_groups[ad_group_id]
        campaign_id = found.get("ad_group", entity if level == "ad" else {}).get("campaign_id")
        if "campaign" not in found and campaign_id in self.campaigns:
            found["campaign"] = self.campaigns[campaign_id]
        return {kind: value for kind, value in found.items() if value}


def entity_columns(
    level: str, account_id: str, entity: dict[str, Any], parents: Parents | None = None
) -> dict[str, Any]:
    """The id and name columns the simulator can derive for an entity of `level` (sync analytics and async reports
    share them; report rows always carry them). With `parents`, also the campaign of a keyword, product group or
    product item row."""
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
        if entity.get("parent_type") != "ad_group":
            known.pop("AD_GROUP_ID")
    elif level == "product_group":
        known.update(PRODUCT_GROUP_ID=entity["id"], AD_GROUP_ID=entity.get("ad_group_id"))
    elif level == "product_item":
        known.update(
            PRODUCT_ITEM_ID=entity["id"],
            PRODUCT_GROUP_ID=entity.get("product_group_id"),
            AD_GROUP_ID=entity.get("ad_group_id"),
        )
    if parents is not None and level in ("keyword", "product_group", "product_item"):
        campaign = parents.context(level, entity).get("campaign")
        if campaign:
            known.setdefault("CAMPAIGN_ID", campaign["id"])
    return {key: value for key, value in known.items() if value is not None}


_SUMMARY = {"ACTIVE": "RUNNING", "PAUSED": "PAUSED", "ARCHIVED": "ARCHIVED"}


def _product_item(item: dict[str, Any]) -> dict[str, Any]:
    """The catalog attributes of a (derived) product item."""
    n = int(item["id"]) % 1000
    return {
        "PRODUCT_ITEM_NAME": f"Sim Product {n}",
        "PRODUCT_ITEM_BRAND": f"Sim Brand {n % 7 + 1}",
        "PRODUCT_ITEM_DESCRIPTION": f"Simulated product {n}, a catalog item.",
        "PRODUCT_ITEM_IMAGE_URL": f"https://i.pinimg.com/originals/sim/{item['id']}.jpg",
        "PRODUCT_ITEM_PRODUCT_URL": f"https://www.example.com/products/{item['id']}",
        "PRODUCT_ITEM_PIN_URL": f"https://www.pinterest.com/pin/{item['id']}/",
        "PRODUCT_ITEM_PRODUCT_CATEGORY": "Apparel & Accessories > Shoes",
        "PRODUCT_ITEM_PRODUCT_TYPE": "shoes",
        "PRODUCT_ITEM_CURRENCY": "USD",
        "PRODUCT_ITEM_PRICE": round(10 + n % 90 + 0.99, 2),
        "PRODUCT_ITEM_SALE_PRICE": round(8 + n % 80 + 0.49, 2),
    }


def is_premiere(campaign: dict[str, Any]) -> bool:
    """Whether a campaign is a Premiere campaign (the ``IS_PREMIERE_CAMPAIGN`` flag): CampaignResponse has no such
    field, so one campaign in three is, by its id, for both values of the flag to be seen."""
    return int(campaign["id"]) % 3 == 0


def text_columns(
    level: str, entity: dict[str, Any], parents: Parents, columns: Iterable[str], flag_form: FlagForm = "boolean"
) -> dict[str, Any]:
    """The requested text, flag and attribute columns (statuses, objective, product item attributes, ...) the
    simulator can derive for a row of `level`, from the row's entity and its campaign and ad group; others are left
    out (id and name columns: `entity_columns`). Flags in the `flag_form` of the ``flag_form`` switch (`wire_flag`)."""
    wanted = [c for c in columns if column_kind(c) in ("text", "flag", "attribute")]
    if not wanted:
        return {}
    found = parents.context(level, entity)
    campaign, ad_group, ad = found.get("campaign"), found.get("ad_group"), found.get("ad")
    known: dict[str, Any] = {}
    if campaign:
        known.update(
            CAMPAIGN_NAME=campaign.get("name"),
            CAMPAIGN_STATUS=campaign.get("summary_status"),
            CAMPAIGN_ENTITY_STATUS=campaign.get("status"),
            CAMPAIGN_OBJECTIVE_TYPE=campaign.get("objective_type"),
            IS_PREMIERE_CAMPAIGN=is_premiere(campaign),
        )
        if isinstance(campaign.get("is_campaign_budget_optimization"), bool):
            known["CAMPAIGN_BUDGET_OPTIMIZATION"] = campaign["is_campaign_budget_optimization"]
        for column, field in (
            ("CAMPAIGN_DAILY_SPEND_CAP", "daily_spend_cap"),
            ("CAMPAIGN_LIFETIME_SPEND_CAP", "lifetime_spend_cap"),
        ):
            if isinstance(campaign.get(field), int):
                known[column] = campaign[field]
    if ad_group:
        known.update(
            AD_GROUP_NAME=ad_group.get("name"),
            AD_GROUP_STATUS=ad_group.get("summary_status"),
            AD_GROUP_ENTITY_STATUS=ad_group.get("status"),
        )
        if isinstance(ad_group.get("budget_type"), str):
            known["AD_GROUP_BUDGET_TYPE"] = ad_group["budget_type"]
    if ad:
        known.update(
            AD_NAME=ad.get("name"),
            PIN_PROMOTION_NAME=ad.get("name"),
            AD_STATUS=ad.get("summary_status"),
            PIN_PROMOTION_STATUS=ad.get("summary_status"),
        )
    if level == "product_group" and entity.get("status"):
        known["PRODUCT_GROUP_STATUS"] = _SUMMARY.get(entity["status"], entity["status"])
    if level == "product_item":
        known.update(_product_item(entity))
    return {
        c: wire_flag(known[c], flag_form) if column_kind(c) == "flag" else known[c]
        for c in wanted
        if known.get(c) is not None
    }


#: a flag's JSON value in each form of the ``flag_form`` switch: (true, false)
_FLAG_FORMS: dict[str, tuple[Any, Any]] = {
    "boolean": (True, False),
    "string": ("true", "false"),
    "integer": (1, 0),
    "digit_string": ("1", "0"),
}


def wire_flag(value: bool, form: FlagForm) -> Any:
    """A flag as the API sends it under the ``flag_form`` switch (`switches.Switches.flag_form`)."""
    true, false = _FLAG_FORMS[form]
    return true if value else false


# -- targeting breakdowns -------------------------------------------------------------------------
def targeting_value(dataset: Dataset, account_id: str, entity_id: str, targeting_type: str) -> str:
    """The one value of `targeting_type` an entity of the account delivers to, e.g. ``iphone`` or ``807``: a value
    ``targeting_options/get`` decodes (`targeting_data.row_value`)."""
    return row_value(dataset, account_id, entity_id, targeting_type)


def targeting_metrics(bases: Sequence[int], columns: Iterable[str], hour: int | None = None) -> dict[str, Any]:
    """The metric columns (of `TARGETING_COLUMNS`) of one targeting value over the days whose value seeds are `bases`
    (not empty; `hour`: that hour of one day, `hour_share`): counts and money are the sum of the days' values, ratios
    come from the first day's seed; SPEND_IN_DOLLAR agrees with the micro-dollars."""
    out: dict[str, Any] = {}
    for column in columns:
        if is_additive(column):
            out[column] = hour_share(sum(_mix(base, column, _scale(column)) for base in bases), hour)
        else:
            out[column] = round(_mix(bases[0], column, 10_000) / 10_000, 4)
    if "SPEND_IN_DOLLAR" in out and "SPEND_IN_MICRO_DOLLAR" in out:
        out["SPEND_IN_DOLLAR"] = round(out["SPEND_IN_MICRO_DOLLAR"] / 1_000_000, 2)
    return out


#: targeting types every impression has a value of (who saw it, where, on what): an entity delivers to its value of
#: these on every day it delivers at all, which is every day here (its own rows have metrics every day)
EVERY_DAY_TARGETING_TYPES = frozenset(
    {
        "APPTYPE",
        "GENDER",
        "LOCATION",
        "PLACEMENT",
        "COUNTRY",
        "GEO",
        "AGE_BUCKET",
        "REGION",
        "AGE_BUCKET_AND_GENDER",
        "CREATIVE_TYPE",
        "MEDIA_TYPE",
    }
)


def _delivers(dataset: Dataset, entity_id: str, targeting_type: str, day: dt.date) -> bool:
    """Whether an entity delivers to its targeting value of a type on a day: every day for the
    `EVERY_DAY_TARGETING_TYPES`; for the others (keywords, interests, audiences, ...: only some impressions match
    them) the breakdowns are sparse, a third of the days, picked by a hash of the seed, entity, type and date."""
    if targeting_type in EVERY_DAY_TARGETING_TYPES:
        return True
    return _base(dataset, entity_id, targeting_type, day.isoformat()) % 3 == 0


def sync_targeting_metrics(
    dataset: Dataset,
    entity_id: str,
    targeting_type: str,
    period: Period,
    columns: list[str],
    delivering: Callable[[dt.date], bool] | None = None,
) -> dict[str, Any] | None:
    """A sync targeting breakdown's metrics of one entity and type over a period (not empty): the sum over the
    period's days the entity delivers in (real targeting breakdowns are sparse; `delivering`: whether the entity
    delivered at all that day, the ``delivery`` switch), so a WEEK, MONTH or TOTAL row is the sum of its DAY rows;
    None for a period without such a day. Restated like the rest."""
    days = [
        day
        for day in period.days
        if _delivers(dataset, entity_id, targeting_type, day) and (delivering is None or delivering(day))
    ]
    if not days:
        return None
    bases = [_base(dataset, entity_id, targeting_type, d.isoformat(), str(_revision(dataset, d))) for d in days]
    return targeting_metrics(bases, columns, period.hour)


def report_targeting_metrics(
    dataset: Dataset, entity_id: str, targeting_type: str, period: Period, columns: Iterable[str]
) -> dict[str, Any]:
    """A targeting report row's metrics of one entity and type over a period (not empty): every day delivers, the
    period is the sum of its days, and not restated."""
    bases = [_base(dataset, entity_id, targeting_type, day.isoformat()) for day in period.days]
    return targeting_metrics(bases, columns, period.hour)


# -- organic (user and pin) analytics --------------------------------------------------------------
#: days an organic day stays PROCESSING (counted back from today, today included)
ORGANIC_PROCESSING_DAYS = 2


def organic_status(day: dt.date, today: dt.date) -> str:
    """The ``DataStatus`` of an organic day: the last `ORGANIC_PROCESSING_DAYS` days up to `today` PROCESSING,
    earlier ones READY."""
    return "READY" if (today - day).days >= ORGANIC_PROCESSING_DAYS else "PROCESSING"


def organic_kind(metric: str) -> Literal["rate", "average", "count"]:
    """How an organic metric behaves: ``rate`` (``*_RATE``: a fraction) and ``average`` (``*_AVG_*``: milliseconds)
    are per day and not summed; ``count`` (counts and total watch times) add up."""
    if "RATE" in metric:
        return "rate"
    if "AVG" in metric:
        return "average"
    return "count"


def _organic_value(base: int, metric: str) -> float | int:
    kind = organic_kind(metric)
    if kind == "rate":
        return round(_mix(base, metric, 10_000) / 10_000, 4)
    if kind == "average":
        return round(1_000 + _mix(base, metric, 1_500_000) / 100, 2)  # an average watch time, 1 to 16 s (ms)
    return _mix(base, metric, 200_000 if "WATCH_TIME" in metric else 1_000)


def organic_metrics(
    dataset: Dataset,
    key: str,
    days: list[dt.date],
    metrics: Iterable[str],
    zero: Iterable[str] = (),
) -> dict[str, Any]:
    """``{daily_metrics, summary_metrics}`` of one user or pin (`key`: ``user:<id>``, ``pin:<id>``): counts
    summed into the summary, rates and averages per day only; the last two days are PROCESSING (`organic_status`).
    The metrics in `zero` are 0 (a video metric of a non-video Pin)."""
    zeros = frozenset(zero)
    today = dataset.today()
    daily = []
    summary: dict[str, float] = {}
    for day in days:
        base = _base(dataset, key, day.isoformat(), str(_revision(dataset, day)))
        values: dict[str, float] = {}
        for metric in metrics:
            values[metric] = 0 if metric in zeros else _organic_value(base, metric)
            if organic_kind(metric) == "count":
                summary[metric] = summary.get(metric, 0) + values[metric]
        daily.append({"date": day.isoformat(), "data_status": organic_status(day, today), "metrics": values})
    return {"daily_metrics": daily, "summary_metrics": summary}


def organic_range(dataset: Dataset, key: str, days: list[dt.date], metrics: Iterable[str]) -> dict[str, float]:
    """One value per metric of a user or pin over `days` (not empty), as top Pins rank them: a count is the sum of
    the days (`organic_metrics`' summary), a rate or an average the mean of the days' values."""
    metrics = list(metrics)
    body = organic_metrics(dataset, key, days, metrics)
    out: dict[str, float] = {}
    for metric in metrics:
        if organic_kind(metric) == "count":
            out[metric] = body["summary_metrics"][metric]
        else:
            mean = sum(day["metrics"][metric] for day in body["daily_metrics"]) / len(days)
            out[metric] = round(mean, 4 if organic_kind(metric) == "rate" else 2)
    return out


# -- metrics ready state ---------------------------------------------------------------------------
def metrics_ready(day: dt.date, lag_days: int, today: dt.date) -> bool:
    """Whether a day's metrics are final: it is at least `lag_days` days before `today` (UTC)."""
    return (today - day).days >= lag_days
