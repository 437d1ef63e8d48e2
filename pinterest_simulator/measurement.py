"""Measurement report files: brand/category/SKU conversion reports (``analytics/create_conversion_product_report``)
and MMM (marketing mix modeling) reports (``analytics/create_mmm_report``), from a job's validated request body.

Brand, category, SKU: the account's ad groups convert on the products of `PRODUCTS` (a third of the (ad group,
SKU) pairs, by a hash of the seed and both ids), 0 to 3 units a day, split over the conversion events and channels
of the ``ConversionProductReportingColumn`` metric columns (``TOTAL_[channel_][event_]CONVERSION_PRODUCT_{QUANTITY,
VALUE,VALUE_IN_USD}``: `ProductMetric`) so that every sum holds: an event's total is the sum of its channels, the
all-events columns the sum of the events, a campaign the sum of its ad groups, the advertiser the sum of its
campaigns, a WEEK or MONTH the sum of its days. Values are quantity x unit price, in the account's currency units
(2 decimals; `USD_RATES` for ``VALUE_IN_USD``). Rows: one per (entity, period, product key of the breakdown).

MMM: each campaign or ad group delivers in two countries of `MMM_COUNTRIES` (the US and one other, by a hash) and,
per targeting type, to every value of `MMM_TARGETING_VALUES` (COUNTRY: its countries); a row's numbers are the sum
over its period's days and the countries kept by the ``countries`` filter (all the entity's without it), from
`metrics.targeting_metrics`, so a row without filter is the sum of the same row filtered to each of its countries.

The file is JSON ``{entity id: [rows]}`` or CSV, per the ``measurement_file_format`` switch of the job's creation
(`report_file`); see docs/dev/API-NOTES.md#measurement-reports.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from pinterest_simulator.metrics import Period, date_range, is_metric, periods, targeting_metrics

if TYPE_CHECKING:
    from pinterest_simulator.report_jobs import ReportJob
    from pinterest_simulator.state import SimulatorState


class Product(NamedTuple):
    """A catalog product the conversion reports break down by."""

    sku: str
    brand: str
    category: str
    price_cents: int


PRODUCTS: tuple[Product, ...] = tuple(
    Product(
        f"SIMSKU{n + 1:04d}",
        f"Sim Brand {'ABC'[n % 3]}",
        ("Home & Garden > Kitchen", "Apparel & Accessories > Shoes", "Home & Garden > Decor", "Toys & Games")[n % 4],
        1_999 + 1_000 * n,
    )
    for n in range(12)
)
#: currency -> US dollars per unit (``*_VALUE_IN_USD``); a currency not listed counts 1:1
USD_RATES = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27, "CAD": 0.73, "AUD": 0.66}
#: units a day of an (ad group, product) that converts: 0 to this many
MAX_UNITS_PER_DAY = 3
#: a conversion event's units per unit of the day's base quantity (an event not listed: 1)
EVENT_WEIGHTS = {"PAGE_VISIT": 6, "VIEW_CONTENT": 4, "VIEW_CATEGORY": 3, "ADD_TO_CART": 2, "SEARCH": 2, "SIGNUP": 0}
#: how an event's units split over its channels (present in the column enum), the remainder to the first
CHANNEL_SHARES = {"WEB": 6, "INAPP": 3, "OFFLINE": 1}
#: the conversion report's metric columns: TOTAL_[channel_][event_]CONVERSION_PRODUCT_<kind>
_PRODUCT_METRIC = re.compile(
    r"^TOTAL_(?:(WEB|INAPP|OFFLINE)_)?(?:([A-Z_]+?)_)?CONVERSION_PRODUCT_(QUANTITY|VALUE_IN_USD|VALUE)$"
)
#: breakdown -> the product columns that key its rows
BREAKDOWN_COLUMNS = {
    "PRODUCT_BRAND": ("CONVERSION_PRODUCT_BRAND",),
    "PRODUCT_CATEGORY": ("CONVERSION_PRODUCT_CATEGORY",),
    "PRODUCT_BRAND_AND_CATEGORY": ("CONVERSION_PRODUCT_BRAND", "CONVERSION_PRODUCT_CATEGORY"),
    "PRODUCT_SKU": ("CONVERSION_PRODUCT_ID",),
    "PRODUCT_SKU_GROUP": ("CONVERSION_PRODUCT_ID_GROUP",),
}
#: ``campaign_objective_types`` when the request has none: "Default is ['CONSIDERATION','AWARENESS','WEB_CONVERSION',
#: 'VIDEO_COMPLETION']" (spec ``ConversionProductReportRequest``)
DEFAULT_OBJECTIVES = ("CONSIDERATION", "AWARENESS", "WEB_CONVERSION", "VIDEO_COMPLETION")
#: the countries MMM rows deliver in (each entity: the first and one other)
MMM_COUNTRIES = ("US", "CA", "GB", "DE", "FR", "AU")
#: the values of each MMM targeting type (COUNTRY: an entity's countries)
MMM_TARGETING_VALUES: dict[str, tuple[str, ...]] = {
    "APPTYPE": ("iphone", "android_mobile", "web"),
    "GENDER": ("female", "male", "unknown"),
    "CREATIVE_TYPE": ("REGULAR", "VIDEO", "CAROUSEL"),
    "LOCATION": ("807", "501", "803"),
}


def _hash(*parts: object) -> int:
    raw = ":".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big")


@dataclass(frozen=True)
class ProductMetric:
    """A metric column of the conversion report: its channel and event (None: all) and kind."""

    channel: str | None
    event: str | None
    kind: str  # QUANTITY, VALUE, VALUE_IN_USD


def product_metric(column: str) -> ProductMetric | None:
    """The metric a ``ConversionProductReportingColumn`` is, or None for an entity or product column."""
    match = _PRODUCT_METRIC.match(column)
    return ProductMetric(match[1], match[2], match[3]) if match else None


@cache
def event_channels(columns: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Each conversion event of the column enum `columns` -> its channels with columns, in `CHANNEL_SHARES` order."""
    found: dict[str, set[str]] = {}
    for column in columns:
        metric = product_metric(column)
        if metric is not None and metric.event is not None:
            found.setdefault(metric.event, set())
            if metric.channel is not None:
                found[metric.event].add(metric.channel)
    return {event: tuple(c for c in CHANNEL_SHARES if c in channels) or ("WEB",) for event, channels in found.items()}


def _split(units: int, channels: tuple[str, ...]) -> Iterator[tuple[str, int]]:
    """`units` shared over `channels` by `CHANNEL_SHARES` (integers adding up to `units`)."""
    total = sum(CHANNEL_SHARES[channel] for channel in channels)
    shares = [units * CHANNEL_SHARES[channel] // total for channel in channels]
    shares[0] += units - sum(shares)
    return zip(channels, shares, strict=True)


# -- brand, category, SKU ------------------------------------------------------------------------------------------
#: (event, channel) -> [units, value in cents]
Sums = dict[tuple[str, str], list[int]]


class ConversionPlan:
    """One conversion product report: its entities' ad groups, products and the sums of its rows."""

    def __init__(self, sim: SimulatorState, job: ReportJob, enum: tuple[str, ...]) -> None:
        self.sim, self.body, self.account_id = sim, job.body, job.account_id
        self.channels = event_channels(enum)
        skus = set(self.body.get("product_sku_ids") or ())
        group = self.body.get("conversion_product_breakdown", "PRODUCT_BRAND") == "PRODUCT_SKU_GROUP"
        self.products = [product for product in PRODUCTS if not group or product.sku in skus]

    def units(self, ad_group_id: str, product: Product, day: dt.date) -> int:
        """The day's base units of an (ad group, product): a third of the pairs convert at all."""
        if _hash(self.sim.dataset.seed, "bcs-pair", ad_group_id, product.sku) % 3:
            return 0
        return _hash(self.sim.dataset.seed, "bcs", ad_group_id, product.sku, day) % (MAX_UNITS_PER_DAY + 1)

    def add(self, sums: Sums, units: int, product: Product) -> None:
        """Add one leaf's units, spread over the events and their channels."""
        for event, channels in self.channels.items():
            for channel, share in _split(units * EVENT_WEIGHTS.get(event, 1), channels):
                if share:
                    cell = sums.setdefault((event, channel), [0, 0])
                    cell[0] += share
                    cell[1] += share * product.price_cents

    def product_key(self, product: Product) -> tuple[str, ...]:
        """The values of the breakdown's product columns for one product."""
        breakdown = self.body.get("conversion_product_breakdown", "PRODUCT_BRAND")
        if breakdown == "PRODUCT_SKU_GROUP":
            return (",".join(p.sku for p in self.products),)
        values = {
            "CONVERSION_PRODUCT_BRAND": product.brand,
            "CONVERSION_PRODUCT_CATEGORY": product.category,
            "CONVERSION_PRODUCT_ID": product.sku,
        }
        return tuple(values[column] for column in BREAKDOWN_COLUMNS[breakdown])

    def rows(self, ad_group_ids: list[str], buckets: list[Period]) -> Iterator[tuple[Period, tuple[str, ...], Sums]]:
        """Per period and product key, the sums over `ad_group_ids`' leaves (keys without units left out)."""
        for period in buckets:
            grouped: dict[tuple[str, ...], Sums] = {}
            for product in self.products:
                sums = grouped.setdefault(self.product_key(product), {})
                for ad_group_id in ad_group_ids:
                    for day in period.days:
                        units = self.units(ad_group_id, product, day)
                        if units:
                            self.add(sums, units, product)
            yield from ((period, key, sums) for key, sums in grouped.items() if sums)


def metric_value(metric: ProductMetric, sums: Sums, currency: str) -> float | int:
    """A metric column's value from a row's sums."""
    cells = [
        cell
        for (event, channel), cell in sums.items()
        if metric.event in (None, event) and metric.channel in (None, channel)
    ]
    if metric.kind == "QUANTITY":
        return sum(cell[0] for cell in cells)
    cents = sum(cell[1] for cell in cells)
    rate = USD_RATES.get(currency, 1.0) if metric.kind == "VALUE_IN_USD" else 1.0
    return round(cents * rate / 100, 2)


def conversion_entities(sim: SimulatorState, job: ReportJob) -> list[tuple[dict[str, Any], list[str]]]:
    """The report's entities (the account, its campaigns or ad groups, filtered) and the ad groups each sums."""
    body, account_id = job.body, job.account_id
    objectives = set(body.get("campaign_objective_types") or DEFAULT_OBJECTIVES)
    campaign_ids, ad_group_ids = set(body.get("campaign_ids") or ()), set(body.get("ad_group_ids") or ())
    campaigns = [
        c
        for c in sim.dataset.entities("campaigns", account_id)
        if c.get("objective_type") in objectives and (not campaign_ids or c["id"] in campaign_ids)
    ]
    kept = {c["id"] for c in campaigns}
    groups = [
        g
        for g in sim.dataset.entities("ad_groups", account_id)
        if g.get("campaign_id") in kept and (not ad_group_ids or g["id"] in ad_group_ids)
    ]
    level = body["level"]
    if level == "AD_GROUP":
        return [(group, [group["id"]]) for group in groups]
    if level == "CAMPAIGN":
        return [(c, [g["id"] for g in groups if g.get("campaign_id") == c["id"]]) for c in campaigns]
    return [(sim.dataset.ad_accounts[account_id], [g["id"] for g in groups])]


def _entity_columns(sim: SimulatorState, account_id: str, level: str, entity: dict[str, Any]) -> dict[str, Any]:
    """The id and name columns a row of `level` can carry (its campaign's for an ad group)."""
    account = sim.dataset.ad_accounts[account_id]
    known: dict[str, Any] = {"ADVERTISER_ID": account_id, "ADVERTISER_NAME": account.get("name")}
    campaign: dict[str, Any] | None = None
    if level.startswith("CAMPAIGN"):
        campaign = entity
    elif level.startswith("AD_GROUP"):
        known.update(AD_GROUP_ID=entity["id"], AD_GROUP_NAME=entity.get("name"))
        campaign = next(
            (c for c in sim.dataset.entities("campaigns", account_id) if c["id"] == entity.get("campaign_id")), None
        )
    if campaign is not None:
        line = sim.billing.accounts[account_id].order_lines.get(str(campaign.get("order_line_id")))
        known.update(
            CAMPAIGN_ID=campaign["id"],
            CAMPAIGN_NAME=campaign.get("name"),
            CAMPAIGN_OBJECTIVE_TYPE=campaign.get("objective_type"),
            SPEND_ORDER_LINE_PAID_TYPE=line["paid_type"] if line else None,
        )
    return {column: value for column, value in known.items() if value is not None}


def _id_columns(level: str) -> tuple[str, ...]:
    """The id columns every row of `level` carries."""
    if level.startswith("CAMPAIGN"):
        return ("ADVERTISER_ID", "CAMPAIGN_ID")
    if level.startswith("AD_GROUP"):
        return ("ADVERTISER_ID", "CAMPAIGN_ID", "AD_GROUP_ID")
    return ("ADVERTISER_ID",)


def conversion_rows(
    sim: SimulatorState, job: ReportJob, enum: tuple[str, ...]
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """``(entity id, rows)`` of a conversion product report, entity by entity (rows whose metrics are all 0 left
    out; metric columns that are 0 too, JSON files not zero-filling)."""
    body, account_id = job.body, job.account_id
    plan = ConversionPlan(sim, job, enum)
    start, end = dt.date.fromisoformat(body["start_date"]), dt.date.fromisoformat(body["end_date"])
    buckets = periods(date_range(start, min(end, sim.dataset.today())), body["granularity"], job.switches, (start, end))
    columns = list(dict.fromkeys(body["columns"]))
    metrics = {column: m for column in columns if (m := product_metric(column)) is not None}
    currency = str(sim.dataset.ad_accounts[account_id].get("currency") or "USD")
    key_columns = BREAKDOWN_COLUMNS[body.get("conversion_product_breakdown", "PRODUCT_BRAND")]
    for entity, ad_group_ids in conversion_entities(sim, job):
        described = _entity_columns(sim, account_id, body["level"], entity)
        fixed = {c: described[c] for c in (*_id_columns(body["level"]), *columns) if c in described}
        rows = []
        for period, key, sums in plan.rows(ad_group_ids, buckets):
            values = {column: metric_value(metric, sums, currency) for column, metric in metrics.items()}
            if metrics and not any(values.values()):
                continue
            row: dict[str, Any] = {**fixed, **dict(zip(key_columns, key, strict=True))}
            if period.label is not None:
                row["DATE"] = period.label
            rows.append(
                {**row, **_product_columns(key_columns, key, columns), **{c: v for c, v in values.items() if v}}
            )
        if rows:
            yield entity["id"], rows


def _product_columns(key_columns: tuple[str, ...], key: tuple[str, ...], columns: list[str]) -> dict[str, Any]:
    """The requested product columns a SKU row can also carry (its brand and category)."""
    if key_columns != ("CONVERSION_PRODUCT_ID",):
        return {}
    product = next(p for p in PRODUCTS if p.sku == key[0])
    known = {"CONVERSION_PRODUCT_BRAND": product.brand, "CONVERSION_PRODUCT_CATEGORY": product.category}
    return {column: value for column, value in known.items() if column in columns}


# -- MMM -------------------------------------------------------------------------------------------------------------
def mmm_countries(sim: SimulatorState, entity_id: str) -> tuple[str, ...]:
    """The two countries an entity delivers in: the first of `MMM_COUNTRIES` and one other."""
    other = MMM_COUNTRIES[1 + _hash(sim.dataset.seed, "mmm-country", entity_id) % (len(MMM_COUNTRIES) - 1)]
    return (MMM_COUNTRIES[0], other)


def mmm_rows(sim: SimulatorState, job: ReportJob) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """``(entity id, rows)`` of an MMM report: per entity, period, targeting type and value (see the module
    docstring), the requested columns the simulator can derive."""
    body, account_id = job.body, job.account_id
    start, end = dt.date.fromisoformat(body["start_date"]), dt.date.fromisoformat(body["end_date"])
    buckets = periods(date_range(start, min(end, sim.dataset.today())), body["granularity"], job.switches, (start, end))
    columns = list(dict.fromkeys(body["columns"]))
    metric_columns = [column for column in columns if is_metric(column)]
    wanted_countries = set(body.get("countries") or MMM_COUNTRIES)
    kind = "campaigns" if body["level"] == "CAMPAIGN_TARGETING" else "ad_groups"
    for entity in sim.dataset.entities(kind, account_id):
        described = _entity_columns(sim, account_id, body["level"], entity)
        fixed = {c: described[c] for c in (*_id_columns(body["level"]), *columns) if c in described}
        countries = [country for country in mmm_countries(sim, entity["id"]) if country in wanted_countries]
        rows = [
            {**fixed, **row}
            for period in buckets
            for targeting_type in dict.fromkeys(body["targeting_types"])
            for row in _mmm_targeting_rows(sim, entity["id"], (period, targeting_type), countries, metric_columns)
        ]
        if rows:
            yield entity["id"], rows


def _mmm_targeting_rows(
    sim: SimulatorState, entity_id: str, cell: tuple[Period, str], countries: list[str], metric_columns: list[str]
) -> Iterator[dict[str, Any]]:
    """An entity's rows of one period and targeting type (`cell`): one per value with a kept country (COUNTRY: each
    kept country), summed over `countries` and the period's days."""
    period, targeting_type = cell
    values = countries if targeting_type == "COUNTRY" else MMM_TARGETING_VALUES[targeting_type]
    for value in values:
        kept = [value] if targeting_type == "COUNTRY" else countries
        bases = [
            _hash(sim.dataset.seed, "mmm", entity_id, targeting_type, value, country, day)
            for country in kept
            for day in period.days
        ]
        if not bases:
            continue
        row: dict[str, Any] = {"TARGETING_TYPE": targeting_type, "TARGETING_VALUE": value}
        if period.label is not None:
            row["DATE"] = period.label
        yield {**row, **mmm_metrics(bases, metric_columns)}


def mmm_metrics(bases: list[int], columns: list[str]) -> dict[str, Any]:
    """The metric `columns` of one MMM row from its value seeds (`metrics.targeting_metrics`); SPEND_IN_DOLLAR is
    always the row's SPEND_IN_MICRO_DOLLAR in dollars, whether or not that one is requested too."""
    spend = "SPEND_IN_DOLLAR" in columns and "SPEND_IN_MICRO_DOLLAR" not in columns
    values = targeting_metrics(bases, [*columns, "SPEND_IN_MICRO_DOLLAR"] if spend else columns)
    if spend:
        values.pop("SPEND_IN_MICRO_DOLLAR")
    return values


# -- files -----------------------------------------------------------------------------------------------------------
def report_file(
    entities: Iterable[tuple[str, list[dict[str, Any]]]], header: list[str], file_format: str
) -> Iterator[bytes]:
    """A measurement report's file: JSON ``{entity id: [rows]}`` (``json_by_id``) or CSV with `header` (``csv``: a
    metric a row lacks written 0, any other column left empty)."""
    if file_format == "json_by_id":
        yield b"{"
        first = True
        for entity_id, rows in entities:
            chunk = json.dumps(entity_id) + ":" + json.dumps(rows, separators=(",", ":"))
            yield (chunk if first else "," + chunk).encode()
            first = False
        yield b"}"
        return
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for _, rows in entities:
        for row in rows:
            writer.writerow([row.get(name, 0 if _is_metric_column(name) else "") for name in header])
    yield out.getvalue().encode()


def _is_metric_column(column: str) -> bool:
    return product_metric(column) is not None or (
        not column.startswith(("CONVERSION_PRODUCT_", "TARGETING_")) and column != "DATE" and is_metric(column)
    )
