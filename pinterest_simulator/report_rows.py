"""The rows of a report file: the metrics layer's answer to a report job, built in one pass over it.

`report_rows(dataset, job)` yields ``(entity id, rows)`` entity by entity, for the file writers (`report_files.py`)
to write as they come: rows with UPPER_CASE keys (the level's id columns, the requested text columns the simulator
can derive, ``DATE`` for time granularities, ``TARGETING_TYPE``/``TARGETING_VALUE`` for targeting levels) and the
same deterministic metrics as sync analytics (`pinterest_simulator.metrics`), non-zero ones only ("Reports in JSON
will not zero-fill metrics"; a row whose requested metrics are all 0 is left out, "Both report formats will omit
rows where all the columns are equal to 0": spec ``AdsAnalyticsCreateAsyncRequest``); then the job store's
``large_entities`` synthetic entities.

The body's filters narrow the rows (`ReportFilters`): ``campaign_ids``, ``campaign_statuses``,
``campaign_objective_types``, ``ad_group_ids``, ``ad_group_statuses``, ``ad_ids``, ``ad_statuses``,
``product_group_ids``, ``product_group_statuses`` and ``product_item_ids`` keep the rows of the entities that match
and of their children, and an entity above the filtered level (the advertiser, a campaign...) sums only its
matching ads, so sums still add up; ``metrics_filters`` (``AdsAnalyticsMetricsFilter``) keep the rows whose
SPEND_IN_DOLLAR / TOTAL_IMPRESSION pass every filter (requested or not). ``reporting_timezone`` is recorded
(`ReportJob.reporting_timezone`) and does not change the numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pinterest_simulator.dataset import Dataset
from pinterest_simulator.metrics import (
    TARGETING_COLUMNS,
    ColumnPlan,
    Parents,
    Period,
    Rollup,
    date_range,
    entity_columns,
    is_metric,
    leaf_metrics,
    periods,
    product_groups,
    report_targeting_metrics,
    targeting_value,
    text_columns,
)
from pinterest_simulator.report_jobs import ReportJob
from pinterest_simulator.switches import Switches

#: level (without _TARGETING) -> (entity kind: a `metrics.Rollup` level or a leaf kind, id column of the rows)
LEVELS: dict[str, tuple[str, str]] = {
    "ADVERTISER": ("account", "ADVERTISER_ID"),
    "CAMPAIGN": ("campaign", "CAMPAIGN_ID"),
    "AD_GROUP": ("ad_group", "AD_GROUP_ID"),
    "PIN_PROMOTION": ("ad", "PIN_PROMOTION_ID"),
    "KEYWORD": ("keyword", "KEYWORD_ID"),
    "PRODUCT_GROUP": ("product_group", "PRODUCT_GROUP_ID"),
    "PRODUCT_ITEM": ("product_item", "PRODUCT_ITEM_ID"),
}
#: entity kind -> dataset kind, for the kinds the dataset lists directly
_DATASET_KINDS = {"campaign": "campaigns", "ad_group": "ad_groups", "ad": "ads", "keyword": "keywords"}
PRODUCT_ITEMS_PER_GROUP = 2
SYNTHETIC_ID_PREFIX = "8"


def _entities(dataset: Dataset, kind: str, account_id: str, switches: Switches) -> list[dict[str, Any]]:
    """The account's entities of `kind`; product groups as the ``product_group_ids`` switch keys them; product items
    are derived, `PRODUCT_ITEMS_PER_GROUP` per product group promotion, their PRODUCT_GROUP_ID per the switch."""
    if kind == "account":
        return [dataset.ad_accounts[account_id]]
    if kind == "product_group":
        return product_groups(dataset, account_id, switches)
    if kind == "product_item":
        by_catalog = switches.product_group_ids == "catalog_product_group"
        return [
            {
                "id": str(int(promotion["id"]) * 10 + n),
                "product_group_id": promotion.get("catalog_product_group_id") if by_catalog else promotion["id"],
                "ad_group_id": promotion.get("ad_group_id"),
                "status": promotion.get("status"),
            }
            for promotion in dataset.entities("product_group_promotions", account_id)
            for n in range(PRODUCT_ITEMS_PER_GROUP)
        ]
    return dataset.entities(_DATASET_KINDS[kind], account_id)


class ReportFilters:
    """The entity and metric filters of one report body, for one ad account (see the module docstring).

    An entity is kept when it and its parents pass the filters of their levels (and, when a filter below its level
    is given, it has a matching ad or product group promotion); its numbers then sum only the matching leaves.
    ``ad_ids`` / ``ad_statuses`` narrow the ads hierarchy only (keywords and product groups have no ads)."""

    def __init__(self, body: dict[str, Any], parents: Parents, ads: list[dict[str, Any]]) -> None:
        def wanted(name: str) -> frozenset[str]:
            return frozenset(str(value) for value in body.get(name) or ())

        self.parents = parents
        self.campaign_ids, self.campaign_statuses = wanted("campaign_ids"), wanted("campaign_statuses")
        self.campaign_objectives = wanted("campaign_objective_types")
        self.ad_group_ids, self.ad_group_statuses = wanted("ad_group_ids"), wanted("ad_group_statuses")
        self.ad_ids, self.ad_statuses = wanted("ad_ids"), wanted("ad_statuses")
        self.product_group_ids = wanted("product_group_ids")
        self.product_group_statuses = wanted("product_group_statuses")
        self.product_item_ids = wanted("product_item_ids")
        self.metrics_filters: list[dict[str, Any]] = list(body.get("metrics_filters") or ())
        self._by_campaign = bool(self.campaign_ids or self.campaign_statuses or self.campaign_objectives)
        self._by_ad_group = bool(self.ad_group_ids or self.ad_group_statuses)
        self._by_ad = bool(self.ad_ids or self.ad_statuses)
        self._by_promotion = bool(self._by_campaign or self._by_ad_group or self.product_group_statuses)
        #: the matching ads, or None when nothing narrows the ads hierarchy
        self.ads: frozenset[str] | None = None
        if self._by_campaign or self._by_ad_group or self._by_ad:
            self.ads = frozenset(ad["id"] for ad in ads if self._ad_passes(ad))

    # -- one level each ---------------------------------------------------------------------------
    def campaign_passes(self, campaign_id: str | None) -> bool:
        """The campaign filters (ids, statuses, objectives); an entity without a campaign fails any of them."""
        if not self._by_campaign:
            return True
        campaign = self.parents.campaigns.get(campaign_id or "")
        if campaign is None:
            return False
        return (
            (not self.campaign_ids or campaign["id"] in self.campaign_ids)
            and (not self.campaign_statuses or campaign.get("summary_status") in self.campaign_statuses)
            and (not self.campaign_objectives or campaign.get("objective_type") in self.campaign_objectives)
        )

    def ad_group_passes(self, ad_group_id: str | None) -> bool:
        """The ad group filters (ids, statuses) and those of the ad group's campaign."""
        if not self._by_campaign and not self._by_ad_group:
            return True
        ad_group = self.parents.ad_groups.get(ad_group_id or "")
        if ad_group is None:
            return False
        return (
            (not self.ad_group_ids or ad_group["id"] in self.ad_group_ids)
            and (not self.ad_group_statuses or ad_group.get("summary_status") in self.ad_group_statuses)
            and self.campaign_passes(ad_group.get("campaign_id"))
        )

    def _ad_passes(self, ad: dict[str, Any]) -> bool:
        return (
            (not self.ad_ids or ad["id"] in self.ad_ids)
            and (not self.ad_statuses or ad.get("summary_status") in self.ad_statuses)
            and self.ad_group_passes(ad.get("ad_group_id"))
            and self.campaign_passes(ad.get("campaign_id"))
        )

    def _promotion_passes(self, promotion: dict[str, Any]) -> bool:
        status = promotion.get("status")
        return (
            not self.product_group_statuses
            or _PRODUCT_GROUP_SUMMARY.get(status or "", status) in self.product_group_statuses
        ) and self.ad_group_passes(promotion.get("ad_group_id"))

    # -- an entity of a report level ------------------------------------------------------------------
    def select(self, kind: str, entity: dict[str, Any], rollup: Rollup) -> tuple[bool, list[str] | None]:
        """Whether a report keeps an entity of `kind`, and the leaves its numbers sum (None: all of its own)."""
        if kind in ("account", "campaign", "ad_group", "ad"):
            if kind == "campaign" and not self.campaign_passes(entity["id"]):
                return False, None
            if kind == "ad_group" and not self.ad_group_passes(entity["id"]):
                return False, None
            if self.ads is None:
                return True, None
            leaves = [leaf for leaf in rollup.leaves(kind, entity["id"]) if leaf in self.ads]
            below = {"account": True, "campaign": self._by_ad_group or self._by_ad, "ad_group": self._by_ad}
            return bool(leaves) or not below.get(kind, True), leaves
        if kind == "keyword":
            context = self.parents.context("keyword", entity)
            campaign, ad_group = context.get("campaign", {}), context.get("ad_group", {})
            if self._by_ad_group and not self.ad_group_passes(ad_group.get("id")):
                return False, None
            return self.campaign_passes(campaign.get("id")), None
        if kind == "product_group":
            if self.product_group_ids and entity["id"] not in self.product_group_ids:
                return False, None
            if not self._by_promotion:
                return True, None
            leaves = [p["id"] for p in entity.get("promotions", ()) if self._promotion_passes(p)]
            return bool(leaves), leaves
        # product items
        if self.product_group_ids and entity.get("product_group_id") not in self.product_group_ids:
            return False, None
        if self.product_item_ids and entity["id"] not in self.product_item_ids:
            return False, None
        return (not self._by_promotion or self._promotion_passes(entity)), None

    def metrics_pass(self, values: dict[str, Any]) -> bool:
        """Whether a row whose filter fields (SPEND_IN_DOLLAR, TOTAL_IMPRESSION) have `values` passes every
        ``metrics_filters`` item: LESS_THAN / GREATER_THAN each of its ``values``."""
        for item in self.metrics_filters:
            value = values.get(item["field"], 0)
            if item["operator"] == "LESS_THAN" and not all(value < bound for bound in item["values"]):
                return False
            if item["operator"] == "GREATER_THAN" and not all(value > bound for bound in item["values"]):
                return False
        return True

    @property
    def metric_fields(self) -> list[str]:
        """The columns the metrics filters read."""
        return list(dict.fromkeys(item["field"] for item in self.metrics_filters))


_PRODUCT_GROUP_SUMMARY = {"ACTIVE": "RUNNING", "PAUSED": "PAUSED", "ARCHIVED": "ARCHIVED"}


def report_rows(dataset: Dataset, job: ReportJob, large: int = 0) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """``(entity_id, rows)`` of the file, entity by entity, then `large` synthetic entities."""
    body = job.body
    level = body["level"].removesuffix("_TARGETING")
    targeting = body["level"].endswith("_TARGETING")
    kind, id_column = LEVELS[level]
    columns = list(dict.fromkeys(body["columns"]))
    start, end = dt.date.fromisoformat(body["start_date"]), dt.date.fromisoformat(body["end_date"])
    buckets = periods(date_range(start, min(end, dataset.today())), body["granularity"], job.switches, (start, end))
    if not buckets:
        return
    rollup = Rollup(dataset, job.account_id, columns)
    parents = Parents(dataset, job.account_id)
    filters = ReportFilters(body, parents, rollup.ads)
    checked = Rollup(dataset, job.account_id, filters.metric_fields) if filters.metrics_filters else None
    asks_metrics = any(is_metric(column) for column in columns)
    for entity in _entities(dataset, kind, job.account_id, job.switches):
        keep, leaves = filters.select(kind, entity, rollup)
        if not keep:
            continue
        if leaves is None:
            leaves = entity.get("leaf_ids")
        described = entity_columns(kind, job.account_id, entity, parents)
        described.update(text_columns(kind, entity, parents, columns, job.switches.flag_form))
        rows: list[dict[str, Any]] = []
        for period in buckets:
            row: dict[str, Any] = {id_column: entity["id"], **described}
            if period.label is not None:
                row["DATE"] = period.label
            if targeting:
                targeted_rows = _targeting_rows(
                    dataset, job.account_id, entity["id"], body["targeting_types"], row, period, columns
                )
                for targeted in targeted_rows:
                    if filters.metrics_filters:
                        fields = report_targeting_metrics(
                            dataset, entity["id"], targeted["TARGETING_TYPE"], period, filters.metric_fields
                        )
                        if not filters.metrics_pass(fields):
                            continue
                    rows.append(targeted)
                continue
            if checked is not None:
                fields = checked.metrics(kind, entity["id"], period.days, leaves=leaves, hour=period.hour)
                if not filters.metrics_pass(fields):
                    continue
            metrics = rollup.metrics(kind, entity["id"], period.days, leaves=leaves, hour=period.hour, zeros=False)
            if metrics or not asks_metrics:
                rows.append({**row, **metrics})
        if rows:
            yield entity["id"], rows
    plan = ColumnPlan(dataset, columns)
    check_plan = ColumnPlan(dataset, filters.metric_fields) if filters.metrics_filters else None
    for n in range(large):
        entity_id = f"{SYNTHETIC_ID_PREFIX}{n:017d}"
        rows = []
        for period in buckets:
            if check_plan is not None:
                fields = leaf_metrics(check_plan, entity_id, period.days, hour=period.hour)
                if not filters.metrics_pass(fields):
                    continue
            row = {id_column: entity_id, "ADVERTISER_ID": job.account_id}
            if period.label is not None:
                row["DATE"] = period.label
            rows.append({**row, **leaf_metrics(plan, entity_id, period.days, hour=period.hour)})
        if rows:
            yield entity_id, rows


def _targeting_rows(
    dataset: Dataset,
    account_id: str,
    entity_id: str,
    types: list[str],
    row: dict[str, Any],
    period: Period,
    columns: list[str],
) -> Iterator[dict[str, Any]]:
    """One row per targeting type: the entity's row with the type, its value and the targeting metrics."""
    for targeting_type in types:
        metric_columns = (column for column in columns if column in TARGETING_COLUMNS)
        yield {
            **row,
            "TARGETING_TYPE": targeting_type,
            "TARGETING_VALUE": targeting_value(dataset, account_id, entity_id, targeting_type),
            **report_targeting_metrics(dataset, entity_id, targeting_type, period, metric_columns),
        }
