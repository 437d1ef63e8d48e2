"""Asynchronous reports: create a job, poll it (the jobs and files are `pinterest_simulator.report_jobs`).

See https://developers.pinterest.com/docs/api/v5/analytics-create_report and docs/dev/API-NOTES.md
(#async-reports-create-poll-download, #async-reports-date-limits, #async-reports-body-limits).

- ``analytics/create_report``: the JSON body is validated against ``AdsAnalyticsCreateAsyncRequest`` (required
  fields, enums, ``maxItems``: 5 targeting types), ``limits.MAX_STATUS_VALUES`` values per status filter, the level
  rules of `pinterest_simulator.limits` (PRODUCT_ITEM levels refuse ad and pin promotion columns and ``ad_ids`` /
  ``ad_statuses``; AUDIENCE_MULTIPLIER and MEDIA_TYPE targeting at one level each) and its date rules (914 days back
  and a 186-day range; PRODUCT_ITEM 92/31; HOUR 8/3): 400 ``{code: 400}`` when the API would refuse them. The job
  keeps the simulator's switches of this moment.
- ``analytics/get_report``: ``IN_PROGRESS`` for ``sim.reports.polls_in_progress`` polls (and at least
  ``sim.reports.in_progress_seconds``), then ``FINISHED`` with an unauthenticated ``url`` (``/downloads/reports/…``)
  and ``size``; ``EXPIRED`` once ``ttl_seconds`` have passed; ``DOES_NOT_EXIST`` for an unknown token.
  ``sim.reports.fail_next(n, status)`` makes the next ``n`` jobs end ``FAILED`` / ``CANCELLED`` / ``EXPIRED``;
  ``sim.reports.fail_windows[start_date] = status`` makes every job of that window end so.
- Custom filters (``campaign_ids``, ``ad_group_ids``, ``ad_ids``, the ``*_statuses``, ``product_group_ids``,
  ``product_item_ids``, ``campaign_objective_types``, ``metrics_filters``) narrow the file (`report_rows.ReportFilters`);
  ``metrics_filters`` items are validated by the schema (``AdsAnalyticsMetricsFilter``: a field, an operator and at
  least one number); ``reporting_timezone`` (``ReportingTimeZone``) is recorded on the job, not applied.
- ``templates/list``: the ad account's report templates (`Dataset.templates`), bookmark pages.
- ``analytics/create_template_report``: a report job built from a template (its level, columns, attribution; the
  query's ``start_date`` / ``end_date`` / ``granularity``, each the template's own when not given: its relative or
  dynamic date range, its granularity), checked like ``analytics/create_report``'s body and polled with
  ``analytics/get_report``; ``{template_id, report_status: IN_PROGRESS, token}``. An unknown template (or one of
  another ad account): 404 ``{code: 2, message: "Template not found."}`` (the spec declares 404 ``Pinterest.Lib.Error``
  without an example; code 2 as its ``Pinterest.Lib.Error`` example "AdAccount not found.").
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from pinterest_simulator.limits import (
    MAX_STATUS_VALUES,
    PRODUCT_ITEM_LEVELS,
    PRODUCT_ITEM_REFUSED_COLUMNS,
    PRODUCT_ITEM_REFUSED_FILTERS,
    TARGETING_TYPE_LEVELS,
    DateScope,
    check_dates,
    date_limit,
)
from pinterest_simulator.report_files import download_url, finished_file
from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import ApiError, Spec, bad_request, refused


@cache
def _validator(spec: Spec) -> Any:
    return spec.component_validator("AdsAnalyticsCreateAsyncRequest")


def _check_body(ctx: Context, body: Any = None) -> dict[str, Any]:
    """The request body (or `body`, built from a template), or 400 when the API would refuse it."""
    if body is None:
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
        raise refused("targeting_types need a *_TARGETING level.")
    if level.endswith("_TARGETING") and not body.get("targeting_types"):
        raise refused(f"Level {level} needs targeting_types.")
    _check_level_rules(body)
    if body.get("primary_sort", "BY_ID") != "BY_ID":
        raise refused("The simulator serves reports sorted BY_ID only.")
    _check_dates(body, ctx.dataset.today())
    return body


def _check_level_rules(body: dict[str, Any]) -> None:
    """400 code 400 for what the request's level does not support (`pinterest_simulator.limits`)."""
    level = body["level"]
    if level in PRODUCT_ITEM_LEVELS:
        columns = [c for c in dict.fromkeys(body["columns"]) if c in PRODUCT_ITEM_REFUSED_COLUMNS]
        if columns:
            raise refused(
                f"Pin promotion and ad related columns are not supported for the Product Item level reports: "
                f"{', '.join(columns)}."
            )
        filters = [name for name in PRODUCT_ITEM_REFUSED_FILTERS if name in body]
        if filters:
            raise refused(f"{', '.join(filters)} not supported for Product Item Level Reports.")
    for targeting_type in body.get("targeting_types") or ():
        only = TARGETING_TYPE_LEVELS.get(targeting_type)
        if only is not None and level != only:
            raise refused(f"Targeting type {targeting_type} is only available in {only} level (not {level}).")


def _check_dates(body: dict[str, Any], today: dt.date) -> None:
    """400 for dates that are not real dates or that the API's limits refuse (an end after `today` included)."""
    try:
        start = dt.date.fromisoformat(body["start_date"])
        end = dt.date.fromisoformat(body["end_date"])
    except ValueError:
        raise bad_request("start_date and end_date must be real dates YYYY-MM-DD.") from None
    scope: DateScope = "product_item_reports" if body["level"].startswith("PRODUCT_ITEM") else "reports"
    check_dates(start, end, date_limit(scope, body["granularity"]), today=today, clamp_future_end=False)


@handler("analytics/create_report")
def create_report(ctx: Context) -> Any:
    """Start a job: ``{report_status: IN_PROGRESS, token, message: null}``."""
    account = ctx.ad_account()
    body = _check_body(ctx)
    job = ctx.sim.reports.create(account["id"], body, ctx.sim.switches)
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
    size = None if ctx.sim.reports.large_entities else sum(len(chunk) for chunk in finished_file(ctx.sim, job))
    return {"report_status": "FINISHED", "url": download_url(ctx.sim, job), "size": size}


@handler("templates/list")
def templates_list(ctx: Context) -> Any:
    """The ad account's report templates (``TemplateResponse``), bookmark pages."""
    account = ctx.ad_account()
    return ctx.page(ctx.dataset.template_list(account["id"]))


def template_window(template: dict[str, Any], today: dt.date) -> tuple[dt.date, dt.date]:
    """A template's own dates: its relative range (days before today) or its dynamic one (``YEAR_TO_DATE``,
    ``QUARTER_TO_DATE``, ``MONTH_TO_DATE``: from the period's first day to today; ``LAST_MONTH``, ``LAST_QUARTER``:
    the previous whole period; `today`: the simulator's); an absolute range's numbers are read as Unix seconds."""
    now = today
    ranges = template.get("date_range") or {}
    relative, dynamic, absolute = (ranges.get(f"{kind}_date_range") for kind in ("relative", "dynamic", "absolute"))
    if relative:
        start_back = int(relative["start_days_in_past"])
        return now - dt.timedelta(days=start_back), now - dt.timedelta(days=int(relative["end_days_in_past"]))
    quarter_start = now.replace(month=(now.month - 1) // 3 * 3 + 1, day=1)
    if dynamic:
        kind = dynamic["range"]
        if kind == "YEAR_TO_DATE":
            return now.replace(month=1, day=1), now
        if kind == "QUARTER_TO_DATE":
            return quarter_start, now
        if kind == "MONTH_TO_DATE":
            return now.replace(day=1), now
        if kind == "LAST_MONTH":
            last = now.replace(day=1) - dt.timedelta(days=1)
            return last.replace(day=1), last
        if kind == "LAST_QUARTER":
            last = quarter_start - dt.timedelta(days=1)
            return last.replace(month=(last.month - 1) // 3 * 3 + 1, day=1), last
    if absolute:
        start = dt.datetime.fromtimestamp(float(absolute["start_date"]), dt.UTC).date()
        return start, dt.datetime.fromtimestamp(float(absolute["end_date"]), dt.UTC).date()
    raise refused("The template has no date range; send start_date and end_date.")


@handler("analytics/create_template_report")
def create_template_report(ctx: Context) -> Any:
    """Start a report job from a template: ``{template_id, report_status: IN_PROGRESS, token}``."""
    account = ctx.ad_account()
    template_id = ctx.params["template_id"]
    template = ctx.dataset.templates.get(account["id"], {}).get(template_id)
    if template is None:
        raise ApiError(404, 2, "Template not found.")
    start, end = template_window(template, ctx.dataset.today())
    body: dict[str, Any] = {
        "level": template["report_level"],
        "columns": list(template["columns"]),
        "granularity": ctx.params.get("granularity") or template["granularity"],
        "start_date": ctx.params.get("start_date") or start.isoformat(),
        "end_date": ctx.params.get("end_date") or end.isoformat(),
        "click_window_days": int(template["click_window_days"]),
        "engagement_window_days": int(template["engagement_window_days"]),
        "view_window_days": int(template["view_window_days"]),
        "conversion_report_time": template["conversion_report_time_type"],
        "report_format": template.get("report_format") or "JSON",
    }
    job = ctx.sim.reports.create(account["id"], _check_body(ctx, body), ctx.sim.switches, template_id=template_id)
    return {"template_id": template_id, "report_status": "IN_PROGRESS", "token": job.token}
