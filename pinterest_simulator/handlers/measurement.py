"""Measurement reports, async like the standard reports: brand/category/SKU conversion reports
(``analytics/create_conversion_product_report`` / ``analytics/get_conversion_product_report``) and MMM reports
(``analytics/create_mmm_report`` / ``analytics/get_mmm_report``). Jobs: ``sim.conversion_reports`` and
``sim.mmm_reports`` (`report_jobs.ReportJobs`, with their knobs: ``polls_in_progress``, ``fail_next``...); files:
`pinterest_simulator.measurement`, served at ``/downloads/conversion_product/<token>.json|.csv`` and
``/downloads/mmm/<token>.json|.csv`` (the ``measurement_file_format`` switch of the job's creation).

Create checks the body against its component (``ConversionProductReportRequest``, ``CreateMMMReportRequest``: 400
code 1), then what the API would refuse (400 code 400):

- brand/category/SKU: a start after 2024-03-16 (after 2025-04-01 for ``BRAND_ATTRIBUTION``), a window of at least
  7 days (the ``conversion_report_min_window`` switch), at most `CONVERSION_MAX_SPAN_DAYS` from start to end, no end
  after today; ``campaign_ids`` only at level CAMPAIGN, ``ad_group_ids`` only at AD_GROUP, ``product_sku_ids`` only
  (and always) with the ``PRODUCT_SKU_GROUP`` breakdown.
- MMM: the dates within the ``mmm_date_limits`` switch's limits, no end after today; "an additional limit of 5
  queries per minute per advertiser" (`MMM_CREATES_PER_MINUTE`): the next one is a rate-limit answer in the form of
  the ``throttle`` switch.

Get polls the job: IN_PROGRESS, then FINISHED with the link and the file's size (or FAILED / CANCELLED / EXPIRED);
an unknown token, or another account's: DOES_NOT_EXIST. MMM answers are wrapped: ``{code: 0, data: {...},
status: "success"}`` (``CreateMMMReportResponse``, ``GetMMMReportResponse``).
See https://developers.pinterest.com/docs/api/v5/analytics-create_mmm_report and docs/dev/API-NOTES.md#measurement-reports.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from pinterest_simulator.faults import rate_limit_answer
from pinterest_simulator.limits import DateScope, check_dates, date_limit
from pinterest_simulator.measurement import BREAKDOWN_COLUMNS, conversion_rows, mmm_rows, report_file
from pinterest_simulator.report_jobs import ReportJob, ReportJobs, access_denied, finished_job
from pinterest_simulator.routes import Context, download, handler
from pinterest_simulator.spec import ApiError, Spec, bad_request, refused

if TYPE_CHECKING:
    from pinterest_simulator.state import SimulatorState

CONVERSION_PREFIX = "/downloads/conversion_product/"
MMM_PREFIX = "/downloads/mmm/"
#: "Start date must be after 2024-03-16" (spec ``ConversionProductReportRequest.start_date``)
FIRST_CONVERSION_START = dt.date(2024, 3, 17)
#: "When the attribution type is BRAND_ATTRIBUTION, start_date for the report must be after 2025-04-01"
FIRST_BRAND_ATTRIBUTION_START = dt.date(2025, 4, 2)
#: "A max of 1 year is allowed between the start and end date for reports": read as 365 days (a year holding a
#: 29 February would allow 366; a connector keeping to 365 is right under both readings)
CONVERSION_MAX_SPAN_DAYS = 365
#: "An additional limit of 5 queries per minute per advertiser applies to this endpoint while it's in beta release"
MMM_CREATES_PER_MINUTE = 5


@cache
def _validator(spec: Spec, component: str) -> Any:
    return spec.component_validator(component)


@cache
def _conversion_columns(spec: Spec) -> tuple[str, ...]:
    return tuple(str(value) for value in spec.schema("ConversionProductReportingColumn")["enum"])


def _body(ctx: Context, component: str) -> dict[str, Any]:
    """The JSON body, valid against `component` (else 400 code 1)."""
    body = ctx.request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    error = next(iter(_validator(ctx.sim.spec, component).iter_errors(body)), None)
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or "body"
        raise bad_request(f"Invalid request: {where}: {error.message[:300]}")
    return body


def _dates(body: dict[str, Any]) -> tuple[dt.date, dt.date]:
    try:
        return dt.date.fromisoformat(body["start_date"]), dt.date.fromisoformat(body["end_date"])
    except ValueError:
        raise bad_request("start_date and end_date must be real dates YYYY-MM-DD.") from None


def _check_conversion_dates(ctx: Context, body: dict[str, Any]) -> None:
    start, end = _dates(body)
    brand = body.get("conversion_product_attribution_type") == "BRAND_ATTRIBUTION"
    first = FIRST_BRAND_ATTRIBUTION_START if brand else FIRST_CONVERSION_START
    if start < first:
        raise refused(f"start_date must be after {first - dt.timedelta(days=1)} (was {start}).")
    if end < start:
        raise refused(f"end_date {end} is before start_date {start}.")
    if end > ctx.dataset.today():
        raise refused(f"end_date {end} is in the future.")
    shortest = 7 if ctx.sim.switches.conversion_report_min_window == "seven_days_apart" else 6
    if (end - start).days < shortest:
        raise refused(f"A 7 day minimum time window for report is required ({start} to {end}).")
    if (end - start).days > CONVERSION_MAX_SPAN_DAYS:
        raise refused(f"A max of 1 year is allowed between the start and end date ({start} to {end}).")


def _check_conversion_filters(body: dict[str, Any]) -> None:
    level, breakdown = body["level"], body.get("conversion_product_breakdown", "PRODUCT_BRAND")
    if body.get("campaign_ids") and level != "CAMPAIGN":
        raise refused(f"campaign_ids are only supported at level CAMPAIGN (not {level}).")
    if body.get("ad_group_ids") and level != "AD_GROUP":
        raise refused(f"ad_group_ids are only supported at level AD_GROUP (not {level}).")
    if body.get("product_sku_ids") and breakdown != "PRODUCT_SKU_GROUP":
        raise refused(f"product_sku_ids are only supported with the PRODUCT_SKU_GROUP breakdown (not {breakdown}).")
    if breakdown == "PRODUCT_SKU_GROUP" and not body.get("product_sku_ids"):
        raise refused("The PRODUCT_SKU_GROUP breakdown needs product_sku_ids.")


@handler("analytics/create_conversion_product_report")
def create_conversion_product_report(ctx: Context) -> Any:
    """Start a brand/category/SKU report job: ``{report_status: IN_PROGRESS, token, message: null}``."""
    account_id = ctx.ad_account()["id"]
    body = _body(ctx, "ConversionProductReportRequest")
    _check_conversion_dates(ctx, body)
    _check_conversion_filters(body)
    job = ctx.sim.conversion_reports.create(account_id, body, ctx.sim.switches)
    return {"report_status": "IN_PROGRESS", "token": job.token, "message": None}


def _status(
    ctx: Context, jobs: ReportJobs, prefix: str, make: Callable[[SimulatorState, ReportJob], list[bytes]]
) -> Any:
    """A job's ``{report_status, url, size}`` (``url`` and ``size`` once FINISHED)."""
    account_id = ctx.ad_account()["id"]
    job = jobs.poll(ctx.params["token"])
    if job is None or job.account_id != account_id:
        return {"report_status": "DOES_NOT_EXIST", "url": None, "size": None}
    if job.status != "FINISHED":
        return {"report_status": job.status, "url": None, "size": None}
    size = sum(len(chunk) for chunk in make(ctx.sim, job))
    extension = "csv" if job.switches.measurement_file_format == "csv" else "json"
    return {"report_status": "FINISHED", "url": f"{ctx.sim.root_url}{prefix}{job.token}.{extension}", "size": size}


@handler("analytics/get_conversion_product_report")
def get_conversion_product_report(ctx: Context) -> Any:
    """The brand/category/SKU report job's status (``AdsAnalyticsGetAsyncResponse``)."""
    return _status(ctx, ctx.sim.conversion_reports, CONVERSION_PREFIX, conversion_file)


def _dated(job: ReportJob) -> bool:
    return bool(job.body["granularity"] != "TOTAL" or job.switches.total_date != "none")


def conversion_file(sim: SimulatorState, job: ReportJob) -> list[bytes]:
    """A finished conversion product report's file, made once."""
    if job.file is None:
        key_columns = BREAKDOWN_COLUMNS[job.body.get("conversion_product_breakdown", "PRODUCT_BRAND")]
        header = list(dict.fromkeys([*(["DATE"] if _dated(job) else []), *job.body["columns"]]))
        rows = conversion_rows(sim, job, _conversion_columns(sim.spec))
        job.file = list(report_file(rows, header or list(key_columns), job.switches.measurement_file_format))
    return job.file


def _check_mmm_rate(ctx: Context, account_id: str) -> None:
    """The 6th create within a minute for one advertiser is rate limited (`MMM_CREATES_PER_MINUTE`)."""
    now = time.monotonic()
    recent = sorted(
        job.created
        for job in ctx.sim.mmm_reports.jobs.values()
        if job.account_id == account_id and now - job.created < 60
    )
    if len(recent) >= MMM_CREATES_PER_MINUTE:
        wait = max(1, int(60 - (now - recent[-MMM_CREATES_PER_MINUTE])) + 1)
        status, body, headers = rate_limit_answer(ctx.sim.switches.throttle, wait)
        raise ApiError(status, int(body["code"]), str(body["message"]), headers)


@handler("analytics/create_mmm_report")
def create_mmm_report(ctx: Context) -> Any:
    """Start an MMM report job: ``{code: 0, data: {report_status: IN_PROGRESS, token, ...}}``."""
    account_id = ctx.ad_account()["id"]
    body = _body(ctx, "CreateMMMReportRequest")
    start, end = _dates(body)
    scope: DateScope = "reports" if ctx.sim.switches.mmm_date_limits == "reports" else "sync_analytics"
    check_dates(start, end, date_limit(scope, body["granularity"]), today=ctx.dataset.today(), clamp_future_end=False)
    _check_mmm_rate(ctx, account_id)
    job = ctx.sim.mmm_reports.create(account_id, body, ctx.sim.switches)
    data = {"report_status": "IN_PROGRESS", "token": job.token, "message": None, "status": "success"}
    return {"code": 0, "data": data}


@handler("analytics/get_mmm_report")
def get_mmm_report(ctx: Context) -> Any:
    """The MMM report job's status, wrapped (``GetMMMReportResponse``)."""
    data = _status(ctx, ctx.sim.mmm_reports, MMM_PREFIX, mmm_file)
    return {"code": 0, "data": data, "message": "ok", "status": "success"}


def mmm_file(sim: SimulatorState, job: ReportJob) -> list[bytes]:
    """A finished MMM report's file, made once."""
    if job.file is None:
        header = [*(["DATE"] if _dated(job) else []), "TARGETING_TYPE", "TARGETING_VALUE", *job.body["columns"]]
        rows = mmm_rows(sim, job)
        job.file = list(report_file(rows, list(dict.fromkeys(header)), job.switches.measurement_file_format))
    return job.file


def _serve(
    sim: SimulatorState,
    request: Request,
    jobs: ReportJobs,
    prefix: str,
    make: Callable[[SimulatorState, ReportJob], list[bytes]],
) -> Response:
    token = request.path[len(prefix) :].rsplit(".", 1)[0]
    job = finished_job(jobs, token, request)
    if job is None:
        return access_denied()
    csv_file = job.switches.measurement_file_format == "csv"
    chunks: Iterator[bytes] = iter(make(sim, job))
    return Response(chunks, mimetype="text/csv" if csv_file else "application/json")


@download(CONVERSION_PREFIX)
def conversion_download(sim: SimulatorState, request: Request) -> Response:
    """``GET /downloads/conversion_product/<token>.json|.csv``: no auth (a pre-signed link); 403 once expired."""
    return _serve(sim, request, sim.conversion_reports, CONVERSION_PREFIX, conversion_file)


@download(MMM_PREFIX)
def mmm_download(sim: SimulatorState, request: Request) -> Response:
    """``GET /downloads/mmm/<token>.json|.csv``: no auth (a pre-signed link); 403 once expired."""
    return _serve(sim, request, sim.mmm_reports, MMM_PREFIX, mmm_file)
