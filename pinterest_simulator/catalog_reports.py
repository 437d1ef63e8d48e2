"""Catalog reports (``reports/create`` / ``reports/get``): the job store (``sim.catalog_reports``), the rows of each
report type, the files and their download links.

- "This endpoint generates a report upon receiving the first approved request of the day. Any following requests
  with identical parameters will yield the same report even if data has changed" (spec ``reports/create``): a job's
  token is a digest of its owner, its parameters and the day (`report_token`); the same request the same day gets the
  same job, whose rows were taken when it was created.
- A job answers IN_PROGRESS to ``polls_in_progress`` polls, then FINISHED with ``url`` and ``size``; ``ttl_seconds``
  after it finished its token is "not valid or has expired" (400 code 1104) and its link answers 403.
- The file's format is the ``catalog_report_format`` switch's at creation (CSV or JSON, `REPORT_COLUMNS` either
  way); the spec describes neither the format nor the columns, so both are the simulator's (docs/dev/API-NOTES.md).
- `download` serves ``GET /downloads/catalog_reports/<token>.<csv|json>`` without auth, like a pre-signed link.

See https://developers.pinterest.com/docs/api/v5/reports-create and https://developers.pinterest.com/docs/api/v5/reports-get.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from pinterest_simulator.catalog_health import (
    CatalogItem,
    affected_items,
    feed_items,
    product_pin_id,
    result_id,
)
from pinterest_simulator.report_jobs import access_denied

if TYPE_CHECKING:
    from pinterest_simulator.dataset import Dataset, Owner

#: the path of the download links, served without auth
DOWNLOAD_PREFIX = "/downloads/catalog_reports/"
#: the columns of each report type's file, in order (the simulator's: the spec does not describe the file)
REPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "FEED_INGESTION_ISSUES": (
        "catalog_id",
        "feed_id",
        "processing_result_id",
        "item_number",
        "item_id",
        "severity",
        "code_label",
        "attribute_name",
        "provided_value",
        "message",
    ),
    "DISTRIBUTION_ISSUES": (
        "catalog_id",
        "feed_id",
        "item_id",
        "product_pin_id",
        "code_label",
        "message",
        "ineligible_for_ads",
        "ineligible_for_organic",
    ),
    "ALL_ITEMS": (
        "catalog_id",
        "feed_id",
        "item_id",
        "item_group_id",
        "title",
        "link",
        "availability",
        "price",
        "sale_price",
        "currency",
        "product_pin_id",
    ),
}
#: distribution issues (code label, message, ineligible for ads, for organic): one product in
#: `DISTRIBUTION_ISSUE_EVERY` has one, in turn; the labels are the simulator's ("SPAM" is the spec's example)
DISTRIBUTION_ISSUES: tuple[tuple[str, str, bool, bool], ...] = (
    ("SPAM", "The product's landing page was flagged as spam.", True, True),
    ("LANDING_PAGE_ERROR", "The product's landing page could not be reached.", True, False),
    ("PRICE_MISMATCH", "The price on the landing page differs from the feed's.", True, False),
)
DISTRIBUTION_ISSUE_EVERY = 7
#: a report's rows, one a line of its file, each a dict of its columns
Rows = list[dict[str, Any]]


@dataclass
class CatalogReportJob:
    """One catalog report: its rows were taken at creation; the file is written in `file_format` once FINISHED."""

    token: str
    owner_id: str
    report_type: str
    rows: Rows
    file_format: str
    created: float
    polls: int = 0
    finished: float | None = None
    status: str = "IN_PROGRESS"
    file: bytes | None = None

    @property
    def file_name(self) -> str:
        """``<token>.csv`` or ``<token>.json``."""
        return f"{self.token}.{self.file_format}"


@dataclass
class CatalogReportJobs:
    """``sim.catalog_reports``: the jobs, their knobs and the downloads seen."""

    polls_in_progress: int = 1
    ttl_seconds: float = 3600.0
    jobs: dict[str, CatalogReportJob] = field(default_factory=dict)
    #: every create request, in order: (owner id, the parameters)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    downloads: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create(
        self, owner_id: str, body: dict[str, Any], day: dt.date, file_format: str, rows: Callable[[], Rows]
    ) -> CatalogReportJob:
        """The job of these parameters today: the existing one (the same report, "even if data has changed"), or a
        new IN_PROGRESS job whose rows are taken now."""
        token = report_token(owner_id, body, day)
        with self._lock:
            self.requests.append((owner_id, body))
            job = self.jobs.get(token)
            if job is not None and not self._expired(job):
                return job
        made = rows()
        with self._lock:
            job = CatalogReportJob(token, owner_id, body["report"]["report_type"], made, file_format, time.monotonic())
            self.jobs[token] = job
            return job

    def poll(self, token: str, owner_id: str) -> CatalogReportJob | None:
        """Count one poll of `owner_id`'s job and advance it; None for an unknown, another owner's or an expired
        token."""
        with self._lock:
            job = self.jobs.get(token)
            if job is None or job.owner_id != owner_id or self._expired(job):
                return None
            job.polls += 1
            if job.status == "IN_PROGRESS" and job.polls > self.polls_in_progress:
                job.status, job.finished = "FINISHED", time.monotonic()
            return job

    def _expired(self, job: CatalogReportJob) -> bool:
        return job.finished is not None and time.monotonic() - job.finished > self.ttl_seconds

    def downloadable(self, file_name: str, authorization: str) -> CatalogReportJob | None:
        """Log a download of `file_name`; the job when its link is valid (FINISHED, not expired)."""
        with self._lock:
            self.downloads.append({"file": file_name, "authorization": authorization})
            job = next((j for j in self.jobs.values() if j.file_name == file_name), None)
            if job is None or job.status != "FINISHED" or self._expired(job):
                return None
            return job


def report_token(owner_id: str, body: dict[str, Any], day: dt.date) -> str:
    """The token of a report: one per owner, parameters and day."""
    text = json.dumps([owner_id, body, day.isoformat()], sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


# -- rows ---------------------------------------------------------------------------------------------------------
def feed_ingestion_rows(
    dataset: Dataset, owner: Owner, feed: dict[str, Any], day: dt.date, messages: dict[str, str]
) -> Rows:
    """Every issue of every affected item of `feed`'s result of `day` (not sampled: "a list of all affected
    items"), errors (severity ERROR: the item was dropped) before warnings (WARN) per item."""
    rows: Rows = []
    processing_result_id = result_id(feed["id"], day)
    for item in affected_items(dataset, owner, feed, day):
        for severity, issue in (("ERROR", item.error), ("WARN", item.warning(day))):
            if issue is None:
                continue
            rows.append(
                {
                    "catalog_id": owner.feed_catalog.get(feed["id"], ""),
                    "feed_id": feed["id"],
                    "processing_result_id": processing_result_id,
                    "item_number": item.number,
                    "item_id": item.item_id,
                    "severity": severity,
                    "code_label": issue.code,
                    "attribute_name": issue.attribute,
                    "provided_value": issue.provided,
                    "message": messages.get(issue.code, ""),
                }
            )
    return rows


def catalog_products(dataset: Dataset, owner: Owner, catalog_id: str) -> list[tuple[dict[str, Any], CatalogItem]]:
    """Every product (ingested item) of a catalog: its feeds' products, feed by feed."""
    feeds = [f for f in owner.entities("catalogs_feeds") if owner.feed_catalog.get(f["id"]) == catalog_id]
    return [(feed, item) for feed in feeds for item in feed_items(dataset, owner, feed) if item.ingested]


def distribution_rows(dataset: Dataset, owner: Owner, catalog_id: str) -> Rows:
    """The catalog's products with a distribution issue (one in `DISTRIBUTION_ISSUE_EVERY`)."""
    business = owner is not dataset.owner
    rows: Rows = []
    for feed, item in catalog_products(dataset, owner, catalog_id):
        if item.number % DISTRIBUTION_ISSUE_EVERY != DISTRIBUTION_ISSUE_EVERY - 1:
            continue
        label, message, ads, organic = DISTRIBUTION_ISSUES[(item.number // DISTRIBUTION_ISSUE_EVERY) % 3]
        rows.append(
            {
                "catalog_id": catalog_id,
                "feed_id": feed["id"],
                "item_id": item.item_id,
                "product_pin_id": product_pin_id(item, business),
                "code_label": label,
                "message": message,
                "ineligible_for_ads": ads,
                "ineligible_for_organic": organic,
            }
        )
    return rows


def all_items_rows(dataset: Dataset, owner: Owner, catalog_id: str) -> Rows:
    """Every product of the catalog."""
    business = owner is not dataset.owner
    return [
        {
            "catalog_id": catalog_id,
            "feed_id": feed["id"],
            "item_id": item.item_id,
            "item_group_id": item.item_group_id,
            "title": item.title,
            "link": item.link,
            "availability": item.availability,
            "price": item.price,
            "sale_price": item.sale_price,
            "currency": item.currency,
            "product_pin_id": product_pin_id(item, business),
        }
        for feed, item in catalog_products(dataset, owner, catalog_id)
    ]


# -- files and links ----------------------------------------------------------------------------------------------
def report_file(job: CatalogReportJob) -> bytes:
    """The job's file, written once: CSV (a header of `REPORT_COLUMNS`, a missing value empty, booleans
    ``true``/``false``) or a JSON array of objects."""
    if job.file is None:
        columns = REPORT_COLUMNS[job.report_type]
        if job.file_format == "json":
            job.file = json.dumps([{c: row.get(c) for c in columns} for row in job.rows]).encode()
        else:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(columns)
            for row in job.rows:
                writer.writerow([_cell(row.get(c)) for c in columns])
            job.file = out.getvalue().encode()
    return job.file


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def download_url(root_url: str, job: CatalogReportJob) -> str:
    """The job's download link on the simulator at `root_url`."""
    return f"{root_url}{DOWNLOAD_PREFIX}{job.file_name}"


def download(jobs: CatalogReportJobs, request: Request) -> Response:
    """``GET /downloads/catalog_reports/<token>.<csv|json>`` of a job of `jobs` (``sim.catalog_reports``): no auth (a
    pre-signed link); 403 once expired, as the report files' links (`report_jobs.access_denied`). Served by
    ``handlers/catalog_health.py``."""
    file_name = request.path[len(DOWNLOAD_PREFIX) :]
    job = jobs.downloadable(file_name, request.headers.get("Authorization", ""))
    if job is None or request.method != "GET":
        return access_denied()
    mimetype = "application/json" if job.file_format == "json" else "text/csv"
    return Response(report_file(job), mimetype=mimetype)
