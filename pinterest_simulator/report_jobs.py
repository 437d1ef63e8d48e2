"""Async report jobs: the job store (``sim.reports``), the report files and their download links.

- `ReportJobs` holds the jobs and the test knobs: ``polls_in_progress`` polls (and at least
  ``in_progress_seconds``) answer IN_PROGRESS, then the job ends FINISHED; a finished job expires after
  ``ttl_seconds``; ``fail_next(n, status)`` makes the next ``n`` jobs end FAILED / CANCELLED / EXPIRED and
  ``fail_windows[start_date] = status`` every job of that window.
- The file is a BY_ID JSON file ``{"<entity_id>": [row, ...]}``, rows with UPPER_CASE keys (the level's id
  columns, the requested text columns the simulator can derive, ``DATE`` for time granularities,
  ``TARGETING_TYPE``/``TARGETING_VALUE`` for targeting levels) and the same deterministic metrics as sync analytics
  (`pinterest_simulator.metrics`), non-zero ones only ("Reports in JSON will not zero-fill metrics"; a row whose
  requested metrics are all 0 is left out, "Both report formats will omit rows where all the columns are equal to
  0": spec ``AdsAnalyticsCreateAsyncRequest``). It is streamed, never built whole: ``large_entities = N`` adds N
  synthetic entities to every report, for files of any size (about 100 MB: see scripts/benchmark_reports.py).
- A job keeps the simulator's switches (`pinterest_simulator.switches`) of the moment it was created: they decide its
  periods' DATE labels (HOUR, TOTAL, WEEK) and what PRODUCT_GROUP_ID names (and ``product_group_ids`` filters).
- `download` serves ``GET /downloads/reports/<token>.json`` without auth, as Pinterest's pre-signed links.

See https://developers.pinterest.com/docs/api/v5/analytics-get_report and
docs/dev/API-NOTES.md#async-reports-create-poll-download (the file's shape is not in the spec: it is what the connector assumes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from pinterest_simulator.clock import today
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
from pinterest_simulator.switches import Switches

if TYPE_CHECKING:
    from pinterest_simulator.server import Simulator

#: the path of the download links (``{DOWNLOAD_PREFIX}<token>.json``), served without auth
DOWNLOAD_PREFIX = "/downloads/reports/"
#: how `ReportJobs.fail_next` and `ReportJobs.fail_windows` may make a job end
TERMINAL_FAULTS = ("FAILED", "CANCELLED", "EXPIRED")
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


@dataclass
class ReportJob:
    """One report job of the simulator."""

    token: str
    account_id: str
    body: dict[str, Any]
    created: float
    outcome: str = "FINISHED"
    polls: int = 0
    finished: float | None = None
    status: str = "IN_PROGRESS"
    #: the file, generated once when the job finishes (its size is in the poll answer), until it expires
    file: list[bytes] | None = None
    #: the simulator's switches when the job was created (they shape its file)
    switches: Switches = field(default_factory=Switches)


@dataclass
class ReportJobs:
    """``sim.reports``: the jobs, their knobs and what was observed."""

    polls_in_progress: int = 1
    in_progress_seconds: float = 0.0
    ttl_seconds: float = 3600.0
    large_entities: int = 0
    jobs: dict[str, ReportJob] = field(default_factory=dict)
    #: most jobs IN_PROGRESS at the same time
    peak_in_progress: int = 0
    downloads: list[dict[str, str]] = field(default_factory=list)
    #: jobs whose window starts on one of these dates always end with the given status
    fail_windows: dict[str, str] = field(default_factory=dict)
    _faults: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, n: int = 1, status: str = "FAILED") -> None:
        """The next ``n`` jobs end with ``status`` (FAILED, CANCELLED or EXPIRED) instead of FINISHED."""
        if status not in TERMINAL_FAULTS:
            raise ValueError(f"status must be one of {TERMINAL_FAULTS}")
        with self._lock:
            self._faults.extend([status] * n)

    def create(self, account_id: str, body: dict[str, Any], switches: Switches | None = None) -> ReportJob:
        """A new IN_PROGRESS job for a validated request body, under (a copy of) `switches`; its outcome is decided
        now."""
        with self._lock:
            token = hashlib.blake2b(f"report:{next(self._counter)}".encode(), digest_size=12).hexdigest()
            job = ReportJob(token, account_id, body, time.monotonic(), switches=Switches.of(switches))
            if self._faults:
                job.outcome = self._faults.pop(0)
            job.outcome = self.fail_windows.get(body.get("start_date", ""), job.outcome)
            self.jobs[token] = job
            self.peak_in_progress = max(self.peak_in_progress, self.in_progress())
            return job

    def in_progress(self) -> int:
        """How many jobs are IN_PROGRESS now."""
        return sum(1 for job in self.jobs.values() if job.status == "IN_PROGRESS")

    def poll(self, token: str) -> ReportJob | None:
        """Count one poll of the job and advance its status (None for an unknown token)."""
        with self._lock:
            job = self.jobs.get(token)
            if job is None:
                return None
            job.polls += 1
            now = time.monotonic()
            ready = job.polls > self.polls_in_progress and now - job.created >= self.in_progress_seconds
            if job.status == "IN_PROGRESS" and ready:
                job.status, job.finished = job.outcome, now
            if job.status == "FINISHED" and job.finished is not None and now - job.finished > self.ttl_seconds:
                job.status, job.file = "EXPIRED", None
            return job

    def expire_all(self) -> None:
        """Every finished job (and its download link) expires now."""
        with self._lock:
            for job in self.jobs.values():
                if job.status == "FINISHED":
                    job.status, job.file = "EXPIRED", None

    def bodies(self, account_id: str | None = None) -> list[dict[str, Any]]:
        """The create bodies, in creation order (for one account when given)."""
        with self._lock:
            return [job.body for job in self.jobs.values() if account_id in (None, job.account_id)]

    def record_download(self, token: str, authorization: str) -> ReportJob | None:
        """Log a download of `token`'s link (with the request's Authorization header); the job, if any."""
        with self._lock:
            self.downloads.append({"token": token, "authorization": authorization})
            return self.jobs.get(token)


# -- download links -------------------------------------------------------------------------------
def download_url(sim: Simulator, job: ReportJob) -> str:
    """The job's download link."""
    return f"{sim.root_url}{DOWNLOAD_PREFIX}{job.token}.json"


def download(sim: Simulator, request: Request) -> Response:
    """``GET /downloads/reports/<token>.json``: no auth (a pre-signed link), streamed; 403 once expired."""
    token = request.path[len(DOWNLOAD_PREFIX) :].removesuffix(".json")
    job = sim.reports.record_download(token, request.headers.get("Authorization", ""))
    if job is None or job.status != "FINISHED" or request.method != "GET":
        return Response("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", 403)
    chunks = report_file(sim, job) if sim.reports.large_entities else iter(finished_file(sim, job))
    return Response(chunks, mimetype="application/json", direct_passthrough=True)


def finished_file(sim: Simulator, job: ReportJob) -> list[bytes]:
    """The file of a finished job, generated once (the poll tells its size, the link serves it)."""
    if job.file is None:
        key = ("report", job.account_id, json.dumps(job.body, sort_keys=True), job.switches.key())
        job.file = sim.cache.get_or_make(key, sim.dataset.restatements, lambda: list(report_file(sim, job)))
    return job.file


# -- report files ---------------------------------------------------------------------------------
def report_file(sim: Simulator, job: ReportJob) -> Iterator[bytes]:
    """The job's JSON file, generated one entity at a time."""
    yield b"{"
    first = True
    for entity_id, rows in _report(sim.dataset, job, sim.reports.large_entities):
        chunk = json.dumps(entity_id) + ":[" + ",".join(json.dumps(row, separators=(",", ":")) for row in rows) + "]"
        yield (chunk if first else "," + chunk).encode()
        first = False
    yield b"}"


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
            }
            for promotion in dataset.entities("product_group_promotions", account_id)
            for n in range(PRODUCT_ITEMS_PER_GROUP)
        ]
    return dataset.entities(_DATASET_KINDS[kind], account_id)


def _report(dataset: Dataset, job: ReportJob, large: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """``(entity_id, rows)`` of the file, entity by entity, then `large` synthetic entities."""
    body = job.body
    level = body["level"].removesuffix("_TARGETING")
    targeting = body["level"].endswith("_TARGETING")
    kind, id_column = LEVELS[level]
    columns = list(dict.fromkeys(body["columns"]))
    start, end = dt.date.fromisoformat(body["start_date"]), dt.date.fromisoformat(body["end_date"])
    buckets = periods(date_range(start, min(end, today())), body["granularity"], job.switches, (start, end))
    if not buckets:
        return
    rollup = Rollup(dataset, job.account_id, columns)
    parents = Parents(dataset, job.account_id)
    asks_metrics = any(is_metric(column) for column in columns)
    campaign_statuses = set(body.get("campaign_statuses") or ())
    product_group_ids = set(body.get("product_group_ids") or ())
    for entity in _entities(dataset, kind, job.account_id, job.switches):
        campaign_id = entity["id"] if kind == "campaign" else entity.get("campaign_id")
        if campaign_statuses and campaign_id is not None:
            campaign = parents.campaigns.get(campaign_id, {})
            if campaign.get("summary_status") not in campaign_statuses:
                continue
        described = entity_columns(kind, job.account_id, entity, parents)
        in_groups = described.get("PRODUCT_GROUP_ID") in product_group_ids
        if product_group_ids and kind in ("product_group", "product_item") and not in_groups:
            continue
        described.update(text_columns(kind, entity, parents, columns))
        rows: list[dict[str, Any]] = []
        for period in buckets:
            row: dict[str, Any] = {id_column: entity["id"], **described}
            if period.label is not None:
                row["DATE"] = period.label
            if targeting:
                rows.extend(_targeting_rows(dataset, entity["id"], body["targeting_types"], row, period, columns))
                continue
            metrics = rollup.metrics(
                kind, entity["id"], period.days, leaves=entity.get("leaf_ids"), hourly=period.hourly, zeros=False
            )
            if metrics or not asks_metrics:
                rows.append({**row, **metrics})
        if rows:
            yield entity["id"], rows
    plan = ColumnPlan(dataset, columns)
    for n in range(large):
        entity_id = f"{SYNTHETIC_ID_PREFIX}{n:017d}"
        rows = []
        for period in buckets:
            row = {id_column: entity_id, "ADVERTISER_ID": job.account_id}
            if period.label is not None:
                row["DATE"] = period.label
            rows.append({**row, **leaf_metrics(plan, entity_id, period.days, hourly=period.hourly)})
        yield entity_id, rows


def _targeting_rows(
    dataset: Dataset,
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
            "TARGETING_VALUE": targeting_value(dataset, entity_id, targeting_type),
            **report_targeting_metrics(dataset, entity_id, targeting_type, period, metric_columns),
        }
