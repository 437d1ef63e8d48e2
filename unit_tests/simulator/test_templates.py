"""Report templates: ``templates/list`` (bookmark pages of ``TemplateResponse``) and
``analytics/create_template_report`` (a report job with the template's level and columns, the request's dates and
granularity or the template's own), polled with ``analytics/get_report``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
import requests
from sim_http import (
    ago,
    async_columns,
    download_report,
    download_report_text,
    get,
    headers,
    report,
    rows,
    schema_errors,
)

from pinterest_simulator import Simulator
from pinterest_simulator.dataset import TEMPLATES_PER_ACCOUNT
from pinterest_simulator.handlers.reports import template_window
from pinterest_simulator.metrics import is_metric
from pinterest_simulator.report_rows import LEVELS


def _templates(sim: Simulator, account_id: str) -> list[dict[str, Any]]:
    items, bookmark = [], None
    while True:
        r = get(
            sim, f"/ad_accounts/{account_id}/templates", page_size=1, **({"bookmark": bookmark} if bookmark else {})
        )
        assert r.status_code == 200, r.text
        assert schema_errors("templates/list", r.json()) == []
        items += r.json()["items"]
        bookmark = r.json()["bookmark"]
        if bookmark is None:
            return items


def _create(sim: Simulator, account_id: str, template_id: str, **query: Any) -> requests.Response:
    url = f"{sim.base_url}/ad_accounts/{account_id}/templates/{template_id}/reports"
    return requests.post(url, headers=headers(sim), params=query)


def test_templates_list_pages_of_each_accounts_templates(sim: Simulator) -> None:
    seen: set[str] = set()
    for account_id in sim.dataset.ad_account_ids:
        templates = _templates(sim, account_id)
        assert len(templates) == TEMPLATES_PER_ACCOUNT
        assert [t["id"] for t in templates] == sorted((t["id"] for t in templates), key=int)
        assert all(t["ad_account_id"] == account_id and t["ad_account_ids"] == [account_id] for t in templates)
        assert all(set(t["columns"]) <= set(async_columns()) for t in templates)  # usable in a report
        assert {t["report_level"] for t in templates} <= set(LEVELS)
        assert not seen & {t["id"] for t in templates}
        seen |= {t["id"] for t in templates}
        owned = account_id in sim.dataset.owned_ad_account_ids
        assert all(t["is_owned_by_user"] is owned for t in templates)
    r = get(sim, "/ad_accounts/999999999999/templates")
    assert (r.status_code, r.json()["code"]) == (403, 29)


def _design(sim: Simulator, account_id: str, granularity: str) -> dict[str, Any]:
    return next(t for t in sim.dataset.template_list(account_id) if t["granularity"] == granularity)


@pytest.mark.parametrize("granularity", ["DAY", "WEEK", "TOTAL"])
def test_a_template_report_has_the_templates_level_columns_dates_and_granularity(
    sim: Simulator, account_id: str, granularity: str
) -> None:
    template = _design(sim, account_id, granularity)
    created = _create(sim, account_id, template["id"])
    assert created.status_code == 200, created.text
    body = created.json()
    assert schema_errors("analytics/create_template_report", body) == []
    assert body["template_id"] == template["id"] and body["report_status"] == "IN_PROGRESS"
    job = sim.reports.jobs[body["token"]]
    assert job.template_id == template["id"]
    start, end = template_window(template, sim.today())
    assert (job.body["start_date"], job.body["end_date"]) == (start.isoformat(), end.isoformat())
    assert job.body["granularity"] == granularity and job.body["level"] == template["report_level"]
    assert job.body["click_window_days"] == template["click_window_days"]
    assert job.body["conversion_report_time"] == template["conversion_report_time_type"]
    text = download_report_text(sim, account_id, body["token"])
    expected = report(
        sim,
        account_id,
        level=template["report_level"],
        columns=template["columns"],
        granularity=granularity,
        start_date=start,
        end_date=end,
    )
    if template["report_format"] == "CSV":
        # the same rows, one a line, under a header of DATE and the columns; a metric a row lacks is 0, another
        # column empty
        lines = list(csv.DictReader(io.StringIO(text)))
        header = list(lines[0]) if lines else []
        assert header == ["DATE", *template["columns"]]
        filled = [{name: str(row.get(name, 0 if is_metric(name) else "")) for name in header} for row in rows(expected)]
        assert lines == filled and lines
        return
    file = json.loads(text)
    assert file == expected and file
    id_column = LEVELS[template["report_level"]][1]
    for row in rows(file):
        assert id_column in row and {c for c in row if is_metric(c) and c != "DATE"} <= set(
            template["columns"]
        )  # ids always
        assert ("DATE" in row) == (granularity != "TOTAL")


def test_the_requests_dates_and_granularity_replace_the_templates(sim: Simulator, account_id: str) -> None:
    template = _design(sim, account_id, "DAY")
    start, end = ago(40), ago(35)
    created = _create(sim, account_id, template["id"], start_date=start, end_date=end, granularity="MONTH")
    file = download_report(sim, account_id, created.json()["token"])
    labels = {row["DATE"] for row in rows(file)}
    assert labels == {day.replace(day=1).isoformat() for day in (start, end)}
    only_start = _create(sim, account_id, template["id"], start_date=ago(20))
    job = sim.reports.jobs[only_start.json()["token"]]
    assert (job.body["start_date"], job.body["end_date"]) == (
        ago(20).isoformat(),
        template_window(template, sim.today())[1].isoformat(),
    )


@pytest.mark.parametrize("now", [dt.date(2026, 12, 7), dt.date(2027, 1, 1), dt.date(2027, 3, 31), dt.date(2028, 2, 29)])
def test_template_windows(now: dt.date) -> None:
    relative = {"date_range": {"relative_date_range": {"start_days_in_past": 14, "end_days_in_past": 1}}}
    assert template_window(relative, now) == (now - dt.timedelta(days=14), now - dt.timedelta(days=1))
    last_month = template_window({"date_range": {"dynamic_date_range": {"range": "LAST_MONTH"}}}, now)
    assert last_month[0].day == 1 and last_month[1] == now.replace(day=1) - dt.timedelta(days=1)
    assert template_window({"date_range": {"dynamic_date_range": {"range": "MONTH_TO_DATE"}}}, now) == (
        now.replace(day=1),
        now,
    )
    year, quarter = (
        template_window({"date_range": {"dynamic_date_range": {"range": kind}}}, now)
        for kind in ("YEAR_TO_DATE", "QUARTER_TO_DATE")
    )
    assert year == (now.replace(month=1, day=1), now) and quarter[0].month in (1, 4, 7, 10) and quarter[1] == now
    last_quarter = template_window({"date_range": {"dynamic_date_range": {"range": "LAST_QUARTER"}}}, now)
    assert last_quarter[1] == quarter[0] - dt.timedelta(days=1) and last_quarter[0].month in (1, 4, 7, 10)


def test_unknown_template_and_refused_dates(sim: Simulator, account_id: str) -> None:
    r = _create(sim, account_id, "123456789")
    assert (r.status_code, r.json()) == (404, {"code": 2, "message": "Template not found."})
    assert schema_errors("analytics/create_template_report", r.json(), "404") == []
    other = sim.dataset.template_list(sim.dataset.owned_ad_account_ids[1])[0]["id"]
    assert _create(sim, account_id, other).status_code == 404  # another account's template
    template = _design(sim, account_id, "DAY")
    for query in (
        {"start_date": ago(1000), "end_date": ago(990)},  # more than 914 days back
        {"start_date": ago(300), "end_date": ago(10)},  # more than 186 days
        {"start_date": ago(5), "end_date": ago(1), "granularity": "HOUR"},  # HOUR: 3 days at most
        {"end_date": sim.today() + dt.timedelta(days=3)},  # an end in the future
    ):
        r = _create(sim, account_id, template["id"], **query)
        assert (r.status_code, r.json()["code"]) == (400, 400), query
    for query in ({"granularity": "YEAR"}, {"start_date": "2025-13-01"}):
        r = _create(sim, account_id, template["id"], **query)
        assert (r.status_code, r.json()["code"]) == (400, 1), query
    r = _create(sim, "999999999999", template["id"])
    assert (r.status_code, r.json()["code"]) == (403, 29)
