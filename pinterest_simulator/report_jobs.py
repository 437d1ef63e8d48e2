"""Async report jobs: the job store (``sim.reports``) and its test knobs.

- `ReportJobs` holds the jobs and the test knobs: ``polls_in_progress`` polls (and at least
  ``in_progress_seconds``) answer IN_PROGRESS, then the job ends FINISHED; a finished job expires after
  ``ttl_seconds``; ``fail_next(n, status)`` makes the next ``n`` jobs end FAILED / CANCELLED / EXPIRED and
  ``fail_windows[start_date] = status`` every job of that window; ``large_entities = N`` adds N synthetic entities
  to every report file, for files of any size (about 100 MB: see scripts/benchmark_reports.py).
- A job keeps the simulator's switches (`pinterest_simulator.switches`) of the moment it was created: they decide its
  periods' DATE labels (HOUR, TOTAL, WEEK) and what PRODUCT_GROUP_ID names (and ``product_group_ids`` filters).
- A template report (``analytics/create_template_report``) is a job like any other, its body built from the template
  (`ReportJob.template_id`).

A job's rows are the metrics layer's (`report_rows.py`); its file and download link are `report_files.py`
(`finished_job` and `access_denied` here: what any store's pre-signed links answer).
See https://developers.pinterest.com/docs/api/v5/analytics-get_report and
docs/dev/API-NOTES.md#async-reports-create-poll-download (the file's shape is not in the spec: it is what the connector assumes).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from pinterest_simulator.switches import Switches

#: how `ReportJobs.fail_next` and `ReportJobs.fail_windows` may make a job end
TERMINAL_FAULTS = ("FAILED", "CANCELLED", "EXPIRED")


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
    #: the report template the job was created from (``analytics/create_template_report``), if any
    template_id: str | None = None

    @property
    def reporting_timezone(self) -> str | None:
        """The request's ``reporting_timezone`` (``ReportingTimeZone``), None when not sent; recorded, not applied."""
        value = self.body.get("reporting_timezone")
        return str(value) if value is not None else None


@dataclass
class ReportJobs:
    """``sim.reports``: the jobs, their knobs and what was observed."""

    polls_in_progress: int = 1
    in_progress_seconds: float = 0.0
    ttl_seconds: float = 3600.0
    large_entities: int = 0
    #: what the store's jobs are: it salts their tokens, so that two stores (standard reports, measurement reports,
    #: leads exports...) never hand out the same token
    kind: str = "report"
    #: tokens of digits only (a leads export id is ``^\d+$``), else hex
    numeric_tokens: bool = False
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

    def create(
        self,
        account_id: str,
        body: dict[str, Any],
        switches: Switches | None = None,
        template_id: str | None = None,
    ) -> ReportJob:
        """A new IN_PROGRESS job for a validated request body (of a template: `template_id`), under (a copy of)
        `switches`; its outcome is decided now."""
        with self._lock:
            digest = hashlib.blake2b(f"{self.kind}:{next(self._counter)}".encode(), digest_size=12)
            token = str(int.from_bytes(digest.digest()[:7], "big")) if self.numeric_tokens else digest.hexdigest()
            job = ReportJob(
                token, account_id, body, time.monotonic(), switches=Switches.of(switches), template_id=template_id
            )
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
def finished_job(jobs: ReportJobs, token: str, request: Request) -> ReportJob | None:
    """Log a download of `token`'s link in `jobs`; the job when its file may be served (FINISHED, a GET)."""
    job = jobs.record_download(token, request.headers.get("Authorization", ""))
    if job is None or job.status != "FINISHED" or request.method != "GET":
        return None
    return job


def access_denied() -> Response:
    """What a pre-signed link answers once expired (or for an unknown token): 403, an S3-like XML error."""
    return Response("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", 403)
