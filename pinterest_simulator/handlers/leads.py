"""Lead ads: lead forms (``lead_forms/list``, ``lead_form/get``), the question type names
(``lead_form_questions/get``) and the leads, through an async export (``leads_export/create``, which needs
``ads:write``; ``leads_export/get``; the file at ``/downloads/leads/<id>.csv|.json``). The data is
`pinterest_simulator.leads_data` (``sim.leads``); the export jobs ``sim.lead_exports`` (a `report_jobs.ReportJobs`
of numeric ids, with the same knobs: ``polls_in_progress``, ``fail_next``, ``ttl_seconds``...).

- ``leads_export/create``: the body is checked against ``LeadsExportCreateRequest`` (400 code 1); ``ad_id`` must be
  one of the account's ads (else 400 code 400; an ad without lead form per the ``non_lead_ad_export`` switch);
  ``end_date`` before ``start_date`` is 400 code 400, an ``end_date`` after today is served up to today, a
  ``start_date`` more than `leads_data.LEAD_RETENTION_DAYS` back per the ``leads_retention`` switch. Answers
  ``{leads_export_id}``.
- ``leads_export/get``: ``IN_PROGRESS`` while polled ``polls_in_progress`` times, then ``FINISHED`` with
  ``download_url`` (or ``FAILED``: a job that failed, was cancelled or expired, since ``LeadsExportStatus`` has no
  other value); an unknown id, or another account's, is 404 ``{code: 404}`` (the spec's example).
- The file: ``leads_export_format`` switch of the moment the export was created (`leads_data.export_file`).

See https://developers.pinterest.com/docs/api/v5/leads_export-create and docs/dev/API-NOTES.md#lead-ads.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from pinterest_simulator.leads_data import LEAD_RETENTION_DAYS, export_file
from pinterest_simulator.report_jobs import ReportJob, access_denied, finished_job
from pinterest_simulator.routes import Context, download, handler
from pinterest_simulator.spec import ApiError, Spec, bad_request, refused

if TYPE_CHECKING:
    from pinterest_simulator.state import SimulatorState

DOWNLOAD_PREFIX = "/downloads/leads/"


@cache
def _validator(spec: Spec) -> Any:
    return spec.component_validator("LeadsExportCreateRequest")


@cache
def _question_types(spec: Spec) -> list[str]:
    return [str(value) for value in spec.schema("LeadFormQuestionType")["enum"] if value is not None]


@handler("lead_forms/list")
def lead_forms_list(ctx: Context) -> Any:
    """The account's lead forms, by id."""
    return ctx.page(ctx.sim.leads.form_list(ctx.ad_account()["id"]))


@handler("lead_form/get")
def lead_form_get(ctx: Context) -> Any:
    """One lead form of the account (404 code 4842 otherwise, the spec's example)."""
    form = ctx.sim.leads.forms.get(ctx.ad_account()["id"], {}).get(ctx.params["lead_form_id"])
    if form is None:
        raise ApiError(404, 4842, "Lead form is not found.")
    return form


@handler("lead_form_questions/get")
def lead_form_questions(ctx: Context) -> Any:
    """Every question type name (``LeadFormQuestionType``), in the ``lead_form_questions_shape`` switch's form."""
    names = _question_types(ctx.sim.spec)
    return {"items": names} if ctx.sim.switches.lead_form_questions_shape == "items" else names


def _export_window(ctx: Context, body: dict[str, Any]) -> tuple[dt.date, dt.date]:
    """The body's dates, checked (400 code 1 not real dates; 400 code 400 a window the API refuses)."""
    try:
        start, end = dt.date.fromisoformat(body["start_date"]), dt.date.fromisoformat(body["end_date"])
    except ValueError:
        raise bad_request("start_date and end_date must be real dates YYYY-MM-DD.") from None
    if end < start:
        raise refused(f"end_date {end} is before start_date {start}.")
    oldest = ctx.dataset.today() - dt.timedelta(days=LEAD_RETENTION_DAYS)
    if start < oldest and ctx.sim.switches.leads_retention == "refuse":
        raise refused(
            f"Lead ad data is only available for {LEAD_RETENTION_DAYS} days: start_date must be {oldest} or later."
        )
    return start, end


@handler("leads_export/create")
def leads_export_create(ctx: Context) -> Any:
    """Start an export of one ad's leads: ``{leads_export_id}``."""
    account_id = ctx.ad_account()["id"]
    body = ctx.request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    error = next(iter(_validator(ctx.sim.spec).iter_errors(body)), None)
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or "body"
        raise bad_request(f"Invalid request: {where}: {error.message[:300]}")
    _export_window(ctx, body)
    if ctx.sim.leads.ad(account_id, body["ad_id"]) is None:
        raise refused(f"Invalid ad id parameter: ad {body['ad_id']} is not an ad of ad account {account_id}.")
    if body["ad_id"] not in ctx.sim.leads.lead_ads and ctx.sim.switches.non_lead_ad_export == "refuse":
        raise refused(f"Ad {body['ad_id']} has no lead form: it collects no leads.")
    job = ctx.sim.lead_exports.create(account_id, dict(body), ctx.sim.switches)
    return {"leads_export_id": job.token}


@handler("leads_export/get")
def leads_export_get(ctx: Context) -> Any:
    """The export's status; ``download_url`` once FINISHED."""
    account_id = ctx.ad_account()["id"]
    job = ctx.sim.lead_exports.poll(ctx.params["leads_export_id"])
    if job is None or job.account_id != account_id:
        raise ApiError(404, 404, "Invalid leads export id parameter.")
    if job.status == "IN_PROGRESS":
        return {"export_status": "IN_PROGRESS", "download_url": None}
    if job.status != "FINISHED":
        return {"export_status": "FAILED", "download_url": None}
    leads_file(ctx.sim, job)
    extension = job.switches.leads_export_format
    return {"export_status": "FINISHED", "download_url": f"{ctx.sim.root_url}{DOWNLOAD_PREFIX}{job.token}.{extension}"}


def leads_file(sim: SimulatorState, job: ReportJob) -> list[bytes]:
    """The export's file, made once its job finished (the leads of its window then within retention)."""
    if job.file is None:
        body = job.body
        today = sim.dataset.today()
        start = max(dt.date.fromisoformat(body["start_date"]), today - dt.timedelta(days=LEAD_RETENTION_DAYS))
        end = min(dt.date.fromisoformat(body["end_date"]), today)
        leads = sim.leads.leads(job.account_id, body["ad_id"], start, end)
        form_id = sim.leads.lead_ads.get(body["ad_id"])
        form = sim.leads.forms[job.account_id].get(form_id) if form_id else None
        job.file = [export_file(leads, form, job.switches.leads_export_format)]
    return job.file


@download(DOWNLOAD_PREFIX)
def leads_download(sim: SimulatorState, request: Request) -> Response:
    """``GET /downloads/leads/<id>.csv|.json``: no auth (a pre-signed link); 403 once expired."""
    token = request.path[len(DOWNLOAD_PREFIX) :].rsplit(".", 1)[0]
    job = finished_job(sim.lead_exports, token, request)
    if job is None:
        return access_denied()
    csv_file = job.switches.leads_export_format == "csv"
    return Response(leads_file(sim, job), mimetype="text/csv" if csv_file else "application/json")
