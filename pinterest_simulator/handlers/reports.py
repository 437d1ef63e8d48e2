"""Asynchronous reports (API-NOTES §4): create a job, poll it, download the file.

- ``analytics/create_report``: the JSON body is validated against ``AdsAnalyticsCreateAsyncRequest`` (required
  fields, enums, ``maxItems``: 6 values per status filter, 5 targeting types) and the date rules (914 days back and a
  186-day range; PRODUCT_ITEM 92/31; HOUR 8/3): 400 ``{code: 400}`` when the API would refuse them.
- ``analytics/get_report``: ``IN_PROGRESS`` for ``sim.reports.polls_in_progress`` polls (and at least
  ``sim.reports.in_progress_seconds``), then ``FINISHED`` with an unauthenticated ``url`` (``/downloads/reports/…``)
  and ``size``; ``EXPIRED`` once ``ttl_seconds`` have passed; ``DOES_NOT_EXIST`` for an unknown token.
  ``sim.reports.fail_next(n, status)`` makes the next ``n`` jobs end ``FAILED`` / ``CANCELLED`` / ``EXPIRED``;
  ``sim.reports.fail_windows[start_date] = status`` makes every job of that window end so.
- The download is a BY_ID JSON file ``{"<entity_id>": [row, ...]}``, rows with UPPER_CASE keys (the level's id
  columns, ``DATE`` for time granularities, ``TARGETING_TYPE``/``TARGETING_VALUE`` for targeting levels) and the same
  deterministic metrics as sync analytics. It is streamed, never built whole: ``sim.reports.large_entities = N``
  adds N synthetic entities to every report, for files of any size (about 100 MB: see scripts/benchmark_reports.py).
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
from functools import cache
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from pinterest_simulator.dataset import Dataset
from pinterest_simulator.handlers.analytics import (
    TARGETING_COLUMNS,
    _base,
    _days,
    _entity_day,
    _metrics,
    _periods,
    _Rollup,
    _today,
    entity_columns,
    requested_columns,
    targeting_metrics,
)
from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import ApiError, Spec, bad_request

if TYPE_CHECKING:
    from pinterest_simulator.server import Simulator

DOWNLOAD_PREFIX = "/downloads/reports/"
MAX_STATUS_VALUES = 6
TERMINAL_FAULTS = ("FAILED", "CANCELLED", "EXPIRED")
#: (days back, days per request) by granularity / level (API-NOTES §4.1)
LIMITS = {"default": (914, 186), "PRODUCT_ITEM": (92, 31), "HOUR": (8, 3)}
#: level (without _TARGETING) -> (analytics rollup level or leaf kind, id column of the rows)
LEVELS: dict[str, tuple[str, str]] = {
    "ADVERTISER": ("account", "ADVERTISER_ID"),
    "CAMPAIGN": ("campaign", "CAMPAIGN_ID"),
    "AD_GROUP": ("ad_group", "AD_GROUP_ID"),
    "PIN_PROMOTION": ("ad", "PIN_PROMOTION_ID"),
    "KEYWORD": ("keyword", "KEYWORD_ID"),
    "PRODUCT_GROUP": ("product_group", "PRODUCT_GROUP_ID"),
    "PRODUCT_ITEM": ("product_item", "PRODUCT_ITEM_ID"),
}
_KINDS = {"campaign": "campaigns", "ad_group": "ad_groups", "ad": "ads", "keyword": "keywords"}
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

    def create(self, account_id: str, body: dict[str, Any]) -> ReportJob:
        with self._lock:
            token = hashlib.blake2b(f"report:{next(self._counter)}".encode(), digest_size=12).hexdigest()
            job = ReportJob(token, account_id, body, time.monotonic())
            if self._faults:
                job.outcome = self._faults.pop(0)
            job.outcome = self.fail_windows.get(body.get("start_date", ""), job.outcome)
            self.jobs[token] = job
            self.peak_in_progress = max(self.peak_in_progress, self.in_progress())
            return job

    def in_progress(self) -> int:
        return sum(1 for job in self.jobs.values() if job.status == "IN_PROGRESS")

    def poll(self, token: str) -> ReportJob | None:
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


def _bad(message: str) -> ApiError:
    return ApiError(400, 400, message)


@cache
def _validator(spec: Spec) -> Any:
    return spec.component_validator("AdsAnalyticsCreateAsyncRequest")


def _check_body(ctx: Context) -> dict[str, Any]:
    body = ctx.request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object (this endpoint takes no query parameters).")
    error = next(iter(_validator(ctx.sim.spec).iter_errors(body)), None)
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or "body"
        raise bad_request(f"Invalid request: {where}: {error.message[:300]}")
    for name, value in body.items():
        if name.endswith("_statuses") and len(value) > MAX_STATUS_VALUES:
            raise bad_request(f"'{name}' has {len(value)} values, more than the maximum of {MAX_STATUS_VALUES}.")
    level = body["level"]
    if body.get("targeting_types") and not level.endswith("_TARGETING"):
        raise _bad("targeting_types need a *_TARGETING level.")
    if level.endswith("_TARGETING") and not body.get("targeting_types"):
        raise _bad(f"Level {level} needs targeting_types.")
    if body.get("report_format", "JSON") != "JSON" or body.get("primary_sort", "BY_ID") != "BY_ID":
        raise _bad("The simulator serves JSON reports sorted BY_ID only.")
    _check_dates(body)
    return body


def _check_dates(body: dict[str, Any]) -> None:
    try:
        start = dt.date.fromisoformat(body["start_date"])
        end = dt.date.fromisoformat(body["end_date"])
    except ValueError:
        raise bad_request("start_date and end_date must be real dates YYYY-MM-DD.") from None
    back, span = LIMITS["default"]
    if body["level"].startswith("PRODUCT_ITEM"):
        back, span = LIMITS["PRODUCT_ITEM"]
    if body["granularity"] == "HOUR":
        back, span = min(back, LIMITS["HOUR"][0]), min(span, LIMITS["HOUR"][1])
    today = _today()
    if end < start:
        raise _bad(f"end_date {end} is before start_date {start}.")
    if end > today:
        raise _bad(f"end_date {end} is in the future.")
    if start < today - dt.timedelta(days=back):
        raise _bad(f"You can only get data from the last {back} days (start_date {start}).")
    if (end - start).days > span:
        raise _bad(f"The date range cannot be longer than {span} days ({start} to {end}).")


@handler("analytics/create_report")
def create_report(ctx: Context) -> Any:
    """Start a job: ``{report_status: IN_PROGRESS, token, message: null}``."""
    account = ctx.ad_account()
    body = _check_body(ctx)
    job = ctx.sim.reports.create(account["id"], body)
    return {"report_status": "IN_PROGRESS", "token": job.token, "message": None}


@handler("analytics/get_report")
def get_report(ctx: Context) -> Any:
    """The job's status; ``url`` and ``size`` once FINISHED."""
    account = ctx.ad_account()
    job = ctx.sim.reports.poll(ctx.params["token"])
    if job is None or job.account_id != account["id"]:
        return {"report_status": "DOES_NOT_EXIST", "url": None, "size": None}
    if job.status != "FINISHED":
        return {"report_status": job.status, "url": None, "size": None}
    size = None if ctx.sim.reports.large_entities else sum(len(chunk) for chunk in _finished_file(ctx.sim, job))
    return {"report_status": "FINISHED", "url": f"{ctx.sim.root_url}{DOWNLOAD_PREFIX}{job.token}.json", "size": size}


def download(sim: Simulator, request: Request) -> Response:
    """``GET /downloads/reports/<token>.json``: no auth (a pre-signed link), streamed; 403 once expired."""
    token = request.path[len(DOWNLOAD_PREFIX) :].removesuffix(".json")
    with sim.reports._lock:
        job = sim.reports.jobs.get(token)
        sim.reports.downloads.append({"token": token, "authorization": request.headers.get("Authorization", "")})
    if job is None or job.status != "FINISHED" or request.method != "GET":
        return Response("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", 403)
    chunks = _file(sim, job) if sim.reports.large_entities else iter(_finished_file(sim, job))
    return Response(chunks, mimetype="application/json", direct_passthrough=True)


def _finished_file(sim: Simulator, job: ReportJob) -> list[bytes]:
    """The file of a finished job, generated once (the poll tells its size, the link serves it)."""
    if job.file is None:
        key = ("report", job.account_id, json.dumps(job.body, sort_keys=True))
        job.file = sim.cache.get_or_make(key, sim.dataset.restatements, lambda: list(_file(sim, job)))
    return job.file


# -- report rows ----------------------------------------------------------------------------------
def _file(sim: Simulator, job: ReportJob) -> Iterator[bytes]:
    """The JSON file, one entity at a time."""
    yield b"{"
    first = True
    for entity_id, rows in _report(sim.dataset, job, sim.reports.large_entities):
        chunk = json.dumps(entity_id) + ":[" + ",".join(json.dumps(row, separators=(",", ":")) for row in rows) + "]"
        yield (chunk if first else "," + chunk).encode()
        first = False
    yield b"}"


def _entities(dataset: Dataset, kind: str, account_id: str) -> list[dict[str, Any]]:
    if kind == "account":
        return [dataset.ad_accounts[account_id]]
    if kind in ("product_group", "product_item"):
        groups = dataset.entities("product_group_promotions", account_id)
        if kind == "product_group":
            return groups
        return [
            {
                "id": str(int(group["id"]) * 10 + n),
                "product_group_id": group["id"],
                "ad_group_id": group.get("ad_group_id"),
            }
            for group in groups
            for n in range(PRODUCT_ITEMS_PER_GROUP)
        ]
    return dataset.entities(_KINDS[kind], account_id)


def _leaf_metrics(dataset: Dataset, entity_id: str, days: list[dt.date], columns: list[str]) -> dict[str, Any]:
    sums: dict[str, float] = {}
    for day in days:
        for column, value in _entity_day(dataset, entity_id, day, columns).items():
            sums[column] = sums.get(column, 0) + value
    return requested_columns(sums, _base(dataset, "leaf", entity_id, days[0].isoformat()), columns)


def _hourly(periods: list[tuple[str | None, list[dt.date]]]) -> list[tuple[str | None, list[dt.date]]]:
    return [(f"{label} {hour:02d}:00:00", days) for label, days in periods for hour in range(24)]


def _report(dataset: Dataset, job: ReportJob, large: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    body = job.body
    level = body["level"].removesuffix("_TARGETING")
    targeting = body["level"].endswith("_TARGETING")
    kind, id_column = LEVELS[level]
    columns = list(dict.fromkeys(body["columns"]))
    start, end = dt.date.fromisoformat(body["start_date"]), dt.date.fromisoformat(body["end_date"])
    granularity = body["granularity"]
    days = _days(start, min(end, _today()))
    if not days:
        return
    periods = _periods(days, "DAY" if granularity == "HOUR" else granularity)
    if granularity == "HOUR":
        periods = _hourly(periods)
    rollup = _Rollup(dataset, job.account_id, columns) if kind in ("account", "campaign", "ad_group", "ad") else None
    campaign_statuses = set(body.get("campaign_statuses") or ())
    campaigns = {c["id"]: c.get("summary_status") for c in dataset.entities("campaigns", job.account_id)}
    for entity in _entities(dataset, kind, job.account_id):
        campaign_id = entity["id"] if kind == "campaign" else entity.get("campaign_id")
        if campaign_statuses and campaign_id is not None and campaigns.get(campaign_id) not in campaign_statuses:
            continue
        described = entity_columns(kind, job.account_id, entity)
        rows: list[dict[str, Any]] = []
        for label, period in periods:
            row: dict[str, Any] = {id_column: entity["id"], **described}
            if label is not None:
                row["DATE"] = label
            if rollup is not None:
                metrics = _metrics(rollup, kind, entity["id"], period, columns)
            else:
                metrics = _leaf_metrics(dataset, entity["id"], period, columns)
            if granularity == "HOUR":
                metrics = {key: (value // 24 if isinstance(value, int) else value) for key, value in metrics.items()}
            if targeting:
                rows.extend(_targeting_rows(dataset, entity["id"], body["targeting_types"], row, period, columns))
            else:
                rows.append({**row, **{key: value for key, value in metrics.items() if value}})
        if rows:
            yield entity["id"], rows
    for n in range(large):
        entity_id = f"{SYNTHETIC_ID_PREFIX}{n:017d}"
        rows = []
        for label, period in periods:
            row = {id_column: entity_id, "ADVERTISER_ID": job.account_id}
            if label is not None:
                row["DATE"] = label
            rows.append({**row, **_leaf_metrics(dataset, entity_id, period, columns)})
        yield entity_id, rows


def _targeting_rows(
    dataset: Dataset,
    entity_id: str,
    types: list[str],
    row: dict[str, Any],
    period: list[dt.date],
    columns: list[str],
) -> Iterator[dict[str, Any]]:
    for targeting_type in types:
        value = f"{targeting_type.lower()}_{'abc'[_base(dataset, entity_id, targeting_type) % 3]}"
        base = _base(dataset, entity_id, targeting_type, period[0].isoformat())
        metric_columns = (column for column in columns if column in TARGETING_COLUMNS)
        yield {
            **row,
            "TARGETING_TYPE": targeting_type,
            "TARGETING_VALUE": value,
            **targeting_metrics(base, metric_columns, len(period)),
        }
