"""Async job stores (`report_jobs.ReportJobs`) of several kinds, and file downloads served outside ``/v5``
(`routes.download`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pytest
import requests
from sim_http import ago, create_report, headers
from werkzeug.wrappers import Request, Response

from pinterest_simulator import Simulator
from pinterest_simulator.report_jobs import ReportJobs, access_denied, finished_job
from pinterest_simulator.routes import DOWNLOADS, download, download_handler


def test_stores_of_different_kinds_never_share_a_token() -> None:
    reports, others = ReportJobs(), ReportJobs(kind="mmm")
    first = reports.create("1", {"start_date": "2026-01-01"})
    # the standard store's tokens are what they always were
    assert first.token == hashlib.blake2b(b"report:1", digest_size=12).hexdigest()
    tokens = {reports.create("1", {}).token for _ in range(20)} | {first.token}
    assert not tokens & {others.create("1", {}).token for _ in range(21)}


def test_numeric_tokens_are_digits() -> None:
    exports = ReportJobs(kind="leads_export", numeric_tokens=True)
    tokens = [exports.create("1", {}).token for _ in range(50)]
    assert all(token.isdigit() for token in tokens) and len(set(tokens)) == 50
    assert exports.jobs[tokens[0]].token == tokens[0]


@pytest.fixture
def registered() -> Iterator[ReportJobs]:
    jobs = ReportJobs(kind="test", polls_in_progress=0)

    @download("/downloads/test-only/")
    def serve(sim: Simulator, request: Request) -> Response:
        job = finished_job(jobs, request.path.rsplit("/", 1)[-1], request)
        return access_denied() if job is None else Response(b"file of " + job.account_id.encode())

    try:
        yield jobs
    finally:
        DOWNLOADS.pop("/downloads/test-only/")


def test_a_registered_download_is_served_without_auth_and_open_to_faults(
    sim: Simulator, registered: ReportJobs
) -> None:
    job = registered.create("42", {})
    url = f"{sim.root_url}/downloads/test-only/{job.token}"
    assert download_handler("/downloads/test-only/x") is DOWNLOADS["/downloads/test-only/"]
    assert download_handler("/downloads/elsewhere/x") is None
    assert requests.get(url, timeout=10).status_code == 403  # not FINISHED yet
    registered.poll(job.token)
    answer = requests.get(url, timeout=10)
    assert (answer.status_code, answer.content) == (200, b"file of 42")
    assert registered.downloads[-1] == {"token": job.token, "authorization": ""}
    sim.faults.add("status", path_regex="^/downloads/test-only/", status=503)
    assert requests.get(url, timeout=10).status_code == 503
    assert requests.get(f"{sim.root_url}/downloads/test-only/unknown", timeout=10).status_code == 403
    with pytest.raises(ValueError, match="duplicate"):
        download("/downloads/test-only/")(lambda sim, request: Response(b""))


@pytest.mark.parametrize("large_entities", [0, 3])
def test_a_report_file_is_served_whole_with_its_length_as_s3_serves_it(
    sim: Simulator, account_id: str, large_entities: int
) -> None:
    """A finished report file is served as S3 serves an object: whole, with its Content-Length; a file of the
    `large_entities` setting is generated while it is sent (never held whole), chunked."""
    sim.reports.large_entities = large_entities
    body = {"level": "CAMPAIGN", "granularity": "DAY", "columns": ["SPEND_IN_DOLLAR"], "start_date": ago(6).isoformat(), "end_date": ago(1).isoformat()}
    created = create_report(sim, account_id, body)
    assert created.status_code == 200, created.text
    url = f"{sim.base_url}/ad_accounts/{account_id}/reports"
    for _ in range(20):
        status = requests.get(url, headers=headers(sim), params={"token": created.json()["token"]}).json()
        if status["report_status"] == "FINISHED":
            break
    answer = requests.get(status["url"], timeout=10)
    assert answer.status_code == 200 and json.loads(answer.content)
    if large_entities:
        assert answer.headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in answer.headers
    else:
        assert answer.headers["Content-Length"] == str(len(answer.content))
