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
from pinterest_simulator.report_jobs import download_url, finished_file
from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import Spec, bad_request, refused


@cache
def _validator(spec: Spec) -> Any:
    return spec.component_validator("AdsAnalyticsCreateAsyncRequest")


def _check_body(ctx: Context) -> dict[str, Any]:
    """The request body, or 400 when the API would refuse it."""
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
    if body.get("report_format", "JSON") != "JSON" or body.get("primary_sort", "BY_ID") != "BY_ID":
        raise refused("The simulator serves JSON reports sorted BY_ID only.")
    _check_dates(body)
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


def _check_dates(body: dict[str, Any]) -> None:
    """400 for dates that are not real dates or that the API's limits refuse (an end in the future included)."""
    try:
        start = dt.date.fromisoformat(body["start_date"])
        end = dt.date.fromisoformat(body["end_date"])
    except ValueError:
        raise bad_request("start_date and end_date must be real dates YYYY-MM-DD.") from None
    scope: DateScope = "product_item_reports" if body["level"].startswith("PRODUCT_ITEM") else "reports"
    check_dates(start, end, date_limit(scope, body["granularity"]), clamp_future_end=False)


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
