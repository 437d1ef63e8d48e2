"""Catalog health: each feed's processing results and the items they found issues with, each product group's
product counts and products, and the catalog reports (docs/dev/API-NOTES.md#catalog-health). Every operation reads as
the owner of `business_ad_account_id` when one is configured (business access), like the catalog lists they hang from.

Catalog reports (`reports/create` / `reports/get`, async: `jobs.AsyncJobStream`) are a stream per report type:
feed ingestion issues per feed, distribution issues and all items per catalog, each a report's file read whole (full
refresh). The API description does not describe the file: its rows' values are strings in a CSV file and typed in a
JSON one (simulator switch `catalog_report_format`), so each row is normalised to one form (`ReportColumns`: the known
columns typed, any other a string, an empty value null), the form its schema states.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Optional

import requests

from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams.catalogs import CATALOGS, CATALOGS_FEEDS, CATALOGS_PRODUCT_GROUPS, NO_CATALOG
from source_pinterest_marketing.streams.columns import nullable
from source_pinterest_marketing.streams.declaration import (
    BUSINESS_ACCESS,
    Partitioner,
    RequestContext,
    SliceRead,
    StreamDeclaration,
)
from source_pinterest_marketing.streams.fetchers import SINGLE_OBJECT, Pages, SharedList, field_at, list_stream
from source_pinterest_marketing.streams.jobs import AsyncJobStream, JobApi, JobFetcherBase
from source_pinterest_marketing.streams.partitions import ByParent
from source_pinterest_marketing.streams.types import Record, Slice, Token
from source_pinterest_marketing.transport import Request

#: a feed, processing result or product group deleted between listing it and reading what hangs from it
#: the log of a list read that may have left items unread
_paging_warning = logging.getLogger("airbyte")
VANISHED_FEED = IgnoredError(
    status=404, code=4161, log_message="The catalog feed was deleted during the sync; nothing to read in it"
)
VANISHED_RESULT = IgnoredError(
    status=404, code=4184, log_message="The feed processing result is gone; nothing to read in it"
)
VANISHED_GROUP = IgnoredError(
    status=404, code=4180, log_message="The product group was deleted during the sync; nothing to read in it"
)


@dataclass(frozen=True)
class SeenOnceBookmarkPages(Pages):
    """Bookmark pages of a list whose bookmark the API says is "not functional" yet (`feed_processing_results/list`:
    switch `processing_results_paging`): the bookmark is followed while it brings items not seen in this read; a
    page of items already seen (the first page again) ends the read. Every item once, and no endless loop. A read
    that ends on a full page (no bookmark, or the first page again) may leave older items unread: it says so."""

    def start(self, context: RequestContext, stream_slice: Slice) -> Any:
        return set()

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        records = super().parse(context, response, read)
        seen: set[str] = read.state
        fresh = [record for record in records if str(record.get("id")) not in seen]
        seen.update(str(record.get("id")) for record in records)
        if not fresh:
            read.next = None
        asked = read.request[1].params.get("page_size") if read.request else None
        if read.next is None and asked is not None and len(records) >= int(asked):
            _paging_warning.warning(
                "Stream %s: %s: Pinterest gives no page after a full page of %d (its bookmark is \"not functional\"), "
                "so only the newest %d are read; older ones, if any, cannot be read through the API",
                context.stream, ", ".join(f"{key} {value}" for key, value in read.stream_slice.items()) or "the list",
                len(records), len(seen),
            )  # fmt: skip
        return fresh


@dataclass(frozen=True)
class WithNestedKeys(Pages):
    """Bookmark pages whose items are keyed by nested fields: each `(name, dotted path)` is copied to the top level
    (a product's key is its product Pin's id, `pin.id`: a primary key names top-level fields)."""

    nested_keys: tuple[tuple[str, str], ...] = ()

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        records = super().parse(context, response, read)
        for record in records:
            for name, path in self.nested_keys:
                value = field_at(record, path)
                record[name] = None if value is None else str(value)
        return records


IN_FEEDS = ByParent(CATALOGS_FEEDS, (("feed_id", "id"),))
# One result a feed a day or two, newest first. `updated_at` changes when a PROCESSING result ends: the cursor, per
# feed, filtered here (the API has no filter)
CATALOG_FEED_PROCESSING_RESULTS = list_stream(
    "catalog_feed_processing_results", "CatalogsFeedProcessingResult", "catalogs/feeds/{feed_id}/processing_results",
    operation="feed_processing_results/list", fetcher=SharedList(SeenOnceBookmarkPages(), ("id",)),
    partitioner=IN_FEEDS, cursor="updated_at", params=BUSINESS_ACCESS, slice_fields=("feed_id",),
    ignored_errors=(VANISHED_FEED,),
)  # fmt: skip
# The affected items of each result ("up to 20 random samples ... for each error and warning code"); an item may
# lack its id, so the key is its place in the feed file
CATALOG_ITEM_ISSUES = list_stream(
    "catalog_item_issues", "CatalogsItemValidationIssues", "catalogs/processing_results/{processing_result_id}/item_issues",
    operation="items_issues/list",
    partitioner=ByParent(CATALOG_FEED_PROCESSING_RESULTS, (("feed_id", "feed_id"), ("processing_result_id", "id"))),
    params=BUSINESS_ACCESS, primary_key=("processing_result_id", "item_number"),
    slice_fields=("feed_id", "processing_result_id"), ignored_errors=(VANISHED_RESULT,),
)  # fmt: skip
IN_PRODUCT_GROUPS = ByParent(CATALOGS_PRODUCT_GROUPS, (("product_group_id", "id"),))
# One object a group (RETAIL: in stock, out of stock, preorder, total), keyed by the group
CATALOG_PRODUCT_GROUP_COUNTS = list_stream(
    "catalog_product_group_counts", "CatalogsProductGroupProductCountsVertical",
    "catalogs/product_groups/{product_group_id}/product_counts", operation="catalogs_product_groups/product_counts_get",
    fetcher=SINGLE_OBJECT, partitioner=IN_PRODUCT_GROUPS, params=BUSINESS_ACCESS, primary_key=("product_group_id",),
    slice_fields=("product_group_id",), ignored_errors=(VANISHED_GROUP, NO_CATALOG),
)  # fmt: skip
# The products of each group with their product Pin; a product has no id of its own: its Pin's (`pin_id`, set by the
# fetcher; named in `slice_fields` for its schema property and description, no slice holds it)
CATALOG_PRODUCT_GROUP_PRODUCTS = list_stream(
    "catalog_product_group_products", "CatalogsProduct", "catalogs/product_groups/{product_group_id}/products",
    operation="catalogs_product_group_pins/list", fetcher=WithNestedKeys(nested_keys=(("pin_id", "pin.id"),)),
    partitioner=IN_PRODUCT_GROUPS, params=BUSINESS_ACCESS, primary_key=("product_group_id", "pin_id"),
    slice_fields=("product_group_id", "pin_id"), ignored_errors=(VANISHED_GROUP,),
)  # fmt: skip


# -- catalog reports ------------------------------------------------------------------------------------------------
logger = logging.getLogger("airbyte")
#: `POST /catalogs/reports` answers `{"token"}`; `GET /catalogs/reports?token=` `{"report_status", "url", "size"}`
CATALOG_REPORT_JOBS = JobApi("catalogs/reports")
#: the catalog types a report's parameters describe (`CatalogsReportParameters`: RETAIL, HOTEL); a catalog of another
#: type (CREATIVE_ASSETS) has no report to ask for
REPORT_CATALOG_TYPES = ("RETAIL", "HOTEL")
#: the config setting that opts in to the ALL_ITEMS report (restricted by Pinterest to a group of users)
ALL_ITEMS_SETTING = "catalog_all_items_report"
#: `reports/create` of an ALL_ITEMS report by a user outside the group Pinterest allows it to: 403 code 29
ALL_ITEMS_RESTRICTED = IgnoredError(
    status=403,
    code=29,
    log_message=(
        f'Pinterest does not allow this user the ALL_ITEMS catalog report ("restricted to a specific group of users"): '
        f"catalog_all_items stays empty. Ask Pinterest for access, or turn `{ALL_ITEMS_SETTING}` off"
    ),
    warn=True,
)
#: the catalog or feed deleted during the sync: nothing to report on
VANISHED_CATALOG = IgnoredError(
    status=404, code=678, log_message="The catalog was deleted during the sync; nothing to report on"
)


@dataclass(frozen=True)
class OfReportableType:
    """The partitions of `within` (a catalog or a feed with its `catalog_type`) whose type has catalog reports;
    `setting`: a boolean config field that must be on for any partition (an opt-in), else none, said once."""

    within: Partitioner
    setting: Optional[str] = None

    @property
    def keys(self) -> tuple[str, ...]:
        return self.within.keys

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        if self.setting is not None and not getattr(context.config, self.setting):
            logger.info("A catalog report behind the setting `%s` is not read: the setting is off", self.setting)
            return
        for partition in self.within.partitions(context):
            if partition.get("catalog_type") in REPORT_CATALOG_TYPES:
                yield partition
            else:
                logger.info(
                    "No catalog report for %s (catalog type %s has none)", partition, partition.get("catalog_type")
                )


#: a report column's JSON type (`ReportColumns`)
ColumnTypes = tuple[tuple[str, str, str], ...]


def _typed(kind: str, value: Any) -> Any:
    """A value of a report file (a CSV string, or a JSON value) as a column of type `kind`; an empty value is null."""
    if value is None or value == "":
        return None
    if kind == "boolean":
        return value if isinstance(value, bool) else str(value).strip().lower() == "true"
    if kind in ("integer", "number") and not isinstance(value, bool):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return str(value)
        return int(number) if kind == "integer" and number.is_integer() else number
    if isinstance(value, str):
        return value
    # a JSON value of a string column (an id written as a number, a flag): as a CSV file would write it
    return json.dumps(value) if isinstance(value, (bool, dict, list)) else str(value)


@dataclass(frozen=True)
class ReportColumns:
    """The columns of a catalog report's file that the connector knows, `(name, JSON type, meaning)`: a row is
    normalised to them (`normalised`: known columns typed, any other column a string, an empty value null, whatever
    the file's format), and they are its schema (`build`: other columns allowed: the records hold them as strings)."""

    columns: ColumnTypes

    @cached_property
    def kinds(self) -> dict[str, str]:
        """Each known column's JSON type (built once, read for every cell)."""
        return {name: kind for name, kind, _ in self.columns}

    def normalised(self, row: Mapping[str, Any]) -> Record:
        kinds = self.kinds
        return {name: _typed(kinds.get(name, "string"), value) for name, value in row.items() if name}

    def build(self, declaration: Any = None) -> dict[str, Any]:
        return {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "additionalProperties": True,
            "properties": {name: nullable(kind, description=meaning) for name, kind, meaning in self.columns},
        }


@dataclass(frozen=True)
class CatalogReportRows(JobFetcherBase):
    """One catalog report a slice: `POST /catalogs/reports` with the slice's catalog type and its catalog or feed
    (`subject`: the slice key, the report filter's field of the same name), then its file's rows, normalised
    (`ReportColumns`)."""

    report_type: str
    subject: str
    report_columns: ReportColumns
    job_api: JobApi = CATALOG_REPORT_JOBS
    api_parameters: tuple[str, ...] = ()

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        body = {
            "catalog_type": stream_slice["catalog_type"],
            "report": {"report_type": self.report_type, self.subject: stream_slice[self.subject]},
        }
        return Request("POST", context.path_of(stream_slice), context.declared_params(stream_slice), body)

    def records(
        self, context: RequestContext, rows: Iterable[tuple[str, Mapping[str, Any]]], read: SliceRead
    ) -> Iterator[Record]:
        for _, row in rows:
            yield self.report_columns.normalised(row)
        read.next = None


_CATALOG_ID = ("catalog_id", "string", "The id of the catalog the row belongs to.")
_FEED_ID = ("feed_id", "string", "The id of the catalog feed the item came from.")
_ITEM_ID = ("item_id", "string", "The item's id in its feed (null when the item lacks one).")
_CODE_LABEL = ("code_label", "string", "A human-friendly label for the issue's code (e.g. AVAILABILITY_INVALID, SPAM).")
_MESSAGE = ("message", "string", "What the issue is.")
_PRODUCT_PIN_ID = ("product_pin_id", "string", "The id of the item's product Pin.")
FEED_INGESTION_COLUMNS = ReportColumns((
    _CATALOG_ID, _FEED_ID,
    ("processing_result_id", "string", "The id of the feed processing result that found the issue."),
    ("item_number", "integer", "The item's place in the feed file (0 first)."),
    _ITEM_ID,
    ("severity", "string", "ERROR (the item was not ingested) or WARN."),
    _CODE_LABEL,
    ("attribute_name", "string", "The item attribute the issue is about."),
    ("provided_value", "string", "The attribute's value in the feed."),
    _MESSAGE,
))  # fmt: skip
DISTRIBUTION_COLUMNS = ReportColumns((
    _CATALOG_ID, _FEED_ID, _ITEM_ID, _PRODUCT_PIN_ID, _CODE_LABEL, _MESSAGE,
    ("ineligible_for_ads", "boolean", "Whether the issue makes the item ineligible for ads distribution."),
    ("ineligible_for_organic", "boolean", "Whether the issue makes the item ineligible for organic distribution."),
))  # fmt: skip
ALL_ITEMS_COLUMNS = ReportColumns((
    _CATALOG_ID, _FEED_ID, _ITEM_ID,
    ("item_group_id", "string", "The id of the item's group (its variants share it)."),
    ("title", "string", "The item's title."),
    ("link", "string", "The item's landing page."),
    ("availability", "string", "The item's availability (in stock, out of stock, preorder)."),
    ("price", "number", "The item's price."),
    ("sale_price", "number", "The item's sale price."),
    ("currency", "string", "The currency of the prices."),
    _PRODUCT_PIN_ID,
))  # fmt: skip

IN_CATALOGS = ByParent(CATALOGS, (("catalog_id", "id"), ("catalog_type", "catalog_type")))
IN_FEEDS_WITH_TYPE = ByParent(CATALOGS_FEEDS, (("feed_id", "id"), ("catalog_type", "catalog_type")))


def catalog_report(
    name: str, report_type: str, subject: str, report_columns: ReportColumns, partitioner: Partitioner,
    primary_key: tuple[str, ...], ignored_errors: tuple[IgnoredError, ...] = (),
) -> StreamDeclaration:  # fmt: skip
    """The stream of one catalog report type (`subject`: the slice key naming its catalog or feed)."""
    return StreamDeclaration(
        name=name,
        operation="reports/create",
        path="catalogs/reports",
        fetcher=CatalogReportRows(report_type, subject, report_columns),
        schema=report_columns,
        partitioner=partitioner,
        primary_key=primary_key,
        params=BUSINESS_ACCESS,
        slice_fields=(subject,),
        ignored_errors=(*ignored_errors, NO_CATALOG),
        stream_class=AsyncJobStream,
    )


# Every issue of every affected item of the feed's most recent completed processing result (not a sample)
CATALOG_FEED_INGESTION_ISSUES = catalog_report(
    "catalog_feed_ingestion_issues", "FEED_INGESTION_ISSUES", "feed_id", FEED_INGESTION_COLUMNS,
    OfReportableType(IN_FEEDS_WITH_TYPE), ("feed_id", "processing_result_id", "item_number", "code_label"),
    (VANISHED_FEED, VANISHED_RESULT),
)  # fmt: skip
CATALOG_DISTRIBUTION_ISSUES = catalog_report(
    "catalog_distribution_issues", "DISTRIBUTION_ISSUES", "catalog_id", DISTRIBUTION_COLUMNS,
    OfReportableType(IN_CATALOGS), ("catalog_id", "feed_id", "item_id", "code_label"), (VANISHED_CATALOG,),
)  # fmt: skip
# Opt-in (`catalog_all_items_report`): Pinterest restricts the report type; a refusal leaves the stream empty
CATALOG_ALL_ITEMS = catalog_report(
    "catalog_all_items", "ALL_ITEMS", "catalog_id", ALL_ITEMS_COLUMNS,
    OfReportableType(IN_CATALOGS, ALL_ITEMS_SETTING), ("catalog_id", "feed_id", "item_id"),
    (VANISHED_CATALOG, ALL_ITEMS_RESTRICTED),
)  # fmt: skip

CATALOG_HEALTH_STREAMS: tuple[StreamDeclaration, ...] = (
    CATALOG_FEED_PROCESSING_RESULTS,
    CATALOG_ITEM_ISSUES,
    CATALOG_PRODUCT_GROUP_COUNTS,
    CATALOG_PRODUCT_GROUP_PRODUCTS,
    CATALOG_FEED_INGESTION_ISSUES,
    CATALOG_DISTRIBUTION_ISSUES,
    CATALOG_ALL_ITEMS,
)
