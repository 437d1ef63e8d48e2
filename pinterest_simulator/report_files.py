"""Report files and their download links: a finished job's rows (`report_rows.py`) written as the API's file.

- The file is a BY_ID JSON file ``{"<entity_id>": [row, ...]}`` (`report_file`), or a CSV file for a job whose
  ``report_format`` is ``CSV`` (`csv_report_file`). It is streamed, never built whole; `finished_file` keeps it
  once generated (the poll answer tells its size, the link serves it).
- `download` serves ``GET /downloads/reports/<token>.json`` without auth, as Pinterest's pre-signed links.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from werkzeug.wrappers import Request, Response

from pinterest_simulator.metrics import is_metric
from pinterest_simulator.report_jobs import ReportJob, access_denied, finished_job
from pinterest_simulator.report_rows import report_rows
from pinterest_simulator.state import SimulatorState

#: the path of the download links (``{DOWNLOAD_PREFIX}<token>.json``), served without auth
DOWNLOAD_PREFIX = "/downloads/reports/"


# -- download links -------------------------------------------------------------------------------
def download_url(sim: SimulatorState, job: ReportJob) -> str:
    """The job's download link."""
    return f"{sim.root_url}{DOWNLOAD_PREFIX}{job.token}.json"


def download(sim: SimulatorState, request: Request) -> Response:
    """``GET /downloads/reports/<token>.json``: no auth (a pre-signed link), streamed; 403 once expired."""
    token = request.path[len(DOWNLOAD_PREFIX) :].removesuffix(".json")
    job = finished_job(sim.reports, token, request)
    if job is None:
        return access_denied()
    mimetype = "text/csv" if job.body.get("report_format") == "CSV" else "application/json"
    if sim.reports.large_entities:  # generated as it is sent (chunked): never held whole
        return Response(report_file(sim, job), mimetype=mimetype, direct_passthrough=True)
    # a file as S3 serves it: whole, with its Content-Length
    return Response(b"".join(finished_file(sim, job)), mimetype=mimetype)


def finished_file(sim: SimulatorState, job: ReportJob) -> list[bytes]:
    """The file of a finished job, generated once (the poll tells its size, the link serves it)."""
    if job.file is None:
        key = ("report", job.account_id, json.dumps(job.body, sort_keys=True), job.switches.key())
        job.file = sim.cache.get_or_make(
            key, sim.dataset.restatements, sim.dataset.today(), lambda: list(report_file(sim, job))
        )
    return job.file


# -- report files ---------------------------------------------------------------------------------
def report_file(sim: SimulatorState, job: ReportJob) -> Iterator[bytes]:
    """The job's file, generated one entity at a time: JSON ``{entity id: [rows]}``, or CSV (`csv_report_file`)."""
    if job.body.get("report_format") == "CSV":
        yield from csv_report_file(sim, job)
        return
    yield b"{"
    first = True
    for entity_id, rows in report_rows(sim.dataset, job, sim.reports.large_entities):
        chunk = json.dumps(entity_id) + ":[" + ",".join(json.dumps(row, separators=(",", ":")) for row in rows) + "]"
        yield (chunk if first else "," + chunk).encode()
        first = False
    yield b"}"


def csv_report_file(sim: SimulatorState, job: ReportJob) -> Iterator[bytes]:
    """A CSV report file, generated one entity at a time: a header of ``DATE`` (where rows carry one) and the
    requested columns, one line a row. "Reports in JSON will not zero-fill metrics, whereas reports in CSV will"
    (spec ``report_format``): a requested metric a row lacks is written 0, another column left empty; flags are
    written in the ``flag_form`` switch's form (`_csv_cell`). The spec gives no more of the CSV layout: a plain RFC
    4180 file with the API's column names is assumed."""
    dated = job.body["granularity"] != "TOTAL" or job.switches.total_date != "none"
    header = list(dict.fromkeys([*(["DATE"] if dated else []), *job.body["columns"]]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for _, rows in report_rows(sim.dataset, job, sim.reports.large_entities):
        for row in rows:
            writer.writerow([_csv_cell(row.get(name, 0 if is_metric(name) else "")) for name in header])
        yield out.getvalue().encode()
        out.seek(0)
        out.truncate()
    yield out.getvalue().encode()


def _csv_cell(value: Any) -> Any:
    """A value as a CSV cell: a flag (a JSON boolean under the ``flag_form`` switch's ``boolean``) is written
    ``true`` / ``false``, as JSON writes it; other values as they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
