"""Measurement reports: brand/category/SKU conversion reports and MMM reports, async jobs (create, poll, download)
(handlers/measurement.py, measurement.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from pinterest_simulator import Simulator
from pinterest_simulator.handlers.measurement import MMM_CREATES_PER_MINUTE
from pinterest_simulator.measurement import MMM_COUNTRIES, MMM_TARGETING_VALUES, PRODUCTS, product_metric

CONVERSION = "reports/brand_category_sku"
MMM = "mmm_reports"
QUANTITY = "TOTAL_CONVERSION_PRODUCT_QUANTITY"


@pytest.fixture(autouse=True)
def _fresh_jobs(sim: Simulator) -> Iterator[None]:
    yield
    for jobs in (sim.conversion_reports, sim.mmm_reports):
        jobs.jobs.clear()
        jobs.polls_in_progress = 1


def _window(sim: Simulator, days: int, end_back: int = 1) -> dict[str, str]:
    end = sim.today() - dt.timedelta(days=end_back)
    return {"start_date": (end - dt.timedelta(days=days - 1)).isoformat(), "end_date": end.isoformat()}


def _conversion_body(sim: Simulator, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "report_name": "sim test",
        **_window(sim, 28),
        "granularity": "TOTAL",
        "level": "CAMPAIGN",
        "columns": ["CAMPAIGN_ID", "CONVERSION_PRODUCT_BRAND", QUANTITY, "TOTAL_CONVERSION_PRODUCT_VALUE"],
    }
    return {**body, **overrides}


def _mmm_body(sim: Simulator, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "report_name": "sim mmm",
        **_window(sim, 14),
        "granularity": "DAY",
        "level": "CAMPAIGN_TARGETING",
        "targeting_types": ["GENDER", "COUNTRY"],
        "columns": ["CAMPAIGN_ID", "SPEND_IN_DOLLAR", "SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION", "ECTR"],
    }
    return {**body, **overrides}


def _post(sim: Simulator, account_id: str, path: str, auth: dict[str, str], body: Any) -> requests.Response:
    return requests.post(f"{sim.base_url}/ad_accounts/{account_id}/{path}", json=body, headers=auth, timeout=10)


def _poll(sim: Simulator, account_id: str, path: str, auth: dict[str, str], token: str) -> dict[str, Any]:
    answer = requests.get(
        f"{sim.base_url}/ad_accounts/{account_id}/{path}", headers=auth, params={"token": token}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _run(sim: Simulator, account_id: str, path: str, auth: dict[str, str], body: dict[str, Any]) -> requests.Response:
    """Create a report, poll it until FINISHED, download its file."""
    created = _post(sim, account_id, path, auth, body)
    assert created.status_code == 200, created.text
    token = created.json()["data"]["token"] if path == MMM else created.json()["token"]
    for _ in range(5):
        answer = _poll(sim, account_id, path, auth, token)
        status = answer["data"] if path == MMM else answer
        if status["report_status"] == "FINISHED":
            downloaded = requests.get(status["url"], timeout=10)
            assert downloaded.status_code == 200 and len(downloaded.content) == status["size"]
            return downloaded
    raise AssertionError("the report did not finish")


def _rows(file: requests.Response) -> list[dict[str, Any]]:
    if file.headers["Content-Type"].startswith("text/csv"):
        return list(csv.DictReader(io.StringIO(file.text)))
    return [row for rows in file.json().values() for row in rows]


# -- life cycle -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [CONVERSION, MMM])
def test_life_cycle_and_answers_validate(sim: Simulator, auth: dict[str, str], account_id: str, path: str) -> None:
    create_op, get_op = (
        ("analytics/create_mmm_report", "analytics/get_mmm_report")
        if path == MMM
        else ("analytics/create_conversion_product_report", "analytics/get_conversion_product_report")
    )
    sim.mmm_reports.polls_in_progress = sim.conversion_reports.polls_in_progress = 2
    body = _mmm_body(sim) if path == MMM else _conversion_body(sim)
    created = _post(sim, account_id, path, auth, body)
    sim.spec.response_validator(create_op).validate(created.json())
    token = created.json()["data"]["token"] if path == MMM else created.json()["token"]
    statuses = []
    for _ in range(3):
        answer = _poll(sim, account_id, path, auth, token)
        sim.spec.response_validator(get_op).validate(answer)
        statuses.append((answer["data"] if path == MMM else answer)["report_status"])
    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
    # another account, an unknown token, or a token of another kind of report: DOES_NOT_EXIST
    other = sim.dataset.ad_account_ids[1]
    standard = sim.reports.create(account_id, {"start_date": body["start_date"]}).token
    for account, wanted in ((other, token), (account_id, "nope"), (account_id, standard)):
        answer = _poll(sim, account, path, auth, wanted)
        assert (answer["data"] if path == MMM else answer)["report_status"] == "DOES_NOT_EXIST"


@pytest.mark.parametrize("path", [CONVERSION, MMM])
def test_failed_jobs_and_expired_links(sim: Simulator, auth: dict[str, str], account_id: str, path: str) -> None:
    jobs = sim.mmm_reports if path == MMM else sim.conversion_reports
    jobs.fail_next(1, "CANCELLED")
    body = _mmm_body(sim) if path == MMM else _conversion_body(sim)
    created = _post(sim, account_id, path, auth, body).json()
    token = created["data"]["token"] if path == MMM else created["token"]
    answers = [_poll(sim, account_id, path, auth, token) for _ in range(2)]
    assert (answers[-1]["data"] if path == MMM else answers[-1])["report_status"] == "CANCELLED"
    url = _run(sim, account_id, path, auth, body).url
    jobs.ttl_seconds = 0.0
    try:
        for job in jobs.jobs.values():
            jobs.poll(job.token)
        assert requests.get(url, timeout=10).status_code == 403
    finally:
        jobs.ttl_seconds = 3600.0


@pytest.mark.parametrize("path", [CONVERSION, MMM])
def test_an_unreadable_account(sim: Simulator, auth: dict[str, str], path: str) -> None:
    body = _mmm_body(sim) if path == MMM else _conversion_body(sim)
    answer = _post(sim, "999999999999", path, auth, body)
    assert (answer.status_code, answer.json()["code"]) == (403, 29)


# -- brand, category, SKU -------------------------------------------------------------------------------------------
def test_conversion_sums_hold(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    """An event's total is the sum of its channels, the all-events columns the sum of the events, the advertiser the
    sum of its campaigns, a TOTAL the sum of its WEEKs; a SKU's value is its quantity times its unit price."""
    enum = [str(c) for c in sim.spec.schema("ConversionProductReportingColumn")["enum"]]
    parsed = {c: m for c in enum if (m := product_metric(c)) is not None}
    monday = sim.today() - dt.timedelta(days=sim.today().weekday() + 7)
    window = {
        "start_date": (monday - dt.timedelta(days=28)).isoformat(),
        "end_date": (monday - dt.timedelta(days=1)).isoformat(),
    }
    base = {"columns": ["CONVERSION_PRODUCT_BRAND", *parsed], **window}
    totals = _rows(_run(sim, account_id, CONVERSION, auth, _conversion_body(sim, level="ADVERTISER", **base)))
    campaigns = _rows(_run(sim, account_id, CONVERSION, auth, _conversion_body(sim, **base)))
    weeks = _rows(
        _run(sim, account_id, CONVERSION, auth, _conversion_body(sim, level="ADVERTISER", granularity="WEEK", **base))
    )
    assert totals and {row["ADVERTISER_ID"] for row in totals} == {account_id}
    assert len({row["DATE"] for row in weeks}) == 4

    def summed(rows: list[dict[str, Any]], column: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for row in rows:
            brand = row["CONVERSION_PRODUCT_BRAND"]
            out[brand] = round(out.get(brand, 0) + row.get(column, 0), 2)
        return out

    for column in parsed:
        assert summed(totals, column) == summed(campaigns, column) == summed(weeks, column), column
    events = [c for c, m in parsed.items() if m.kind == "QUANTITY" and m.channel is None and m.event is not None]
    for row in totals:
        for column, metric in parsed.items():
            if metric.event is None or metric.channel is not None:
                continue
            channels = [
                f"TOTAL_{ch}_{metric.event}_CONVERSION_PRODUCT_{metric.kind}" for ch in ("WEB", "INAPP", "OFFLINE")
            ]
            assert round(row.get(column, 0), 2) == round(sum(row.get(c, 0) for c in channels if c in parsed), 2)
        assert row[QUANTITY] == sum(row.get(c, 0) for c in events) > 0
        assert row["TOTAL_CHECKOUT_CONVERSION_PRODUCT_VALUE"] == row["TOTAL_CHECKOUT_CONVERSION_PRODUCT_VALUE_IN_USD"]
    by_sku = _rows(
        _run(
            sim,
            account_id,
            CONVERSION,
            auth,
            _conversion_body(sim, level="ADVERTISER", conversion_product_breakdown="PRODUCT_SKU", **base),
        )
    )
    prices = {product.sku: product.price_cents for product in PRODUCTS}
    for row in by_sku:
        price = prices[row["CONVERSION_PRODUCT_ID"]]
        for column, metric in parsed.items():
            if metric.kind == "VALUE":
                quantity = column.removesuffix("VALUE") + "QUANTITY"
                assert row.get(column, 0) == round(row.get(quantity, 0) * price / 100, 2), column


@pytest.mark.parametrize(
    ("breakdown", "keys"),
    [
        ("PRODUCT_BRAND", ["CONVERSION_PRODUCT_BRAND"]),
        ("PRODUCT_CATEGORY", ["CONVERSION_PRODUCT_CATEGORY"]),
        ("PRODUCT_BRAND_AND_CATEGORY", ["CONVERSION_PRODUCT_BRAND", "CONVERSION_PRODUCT_CATEGORY"]),
        ("PRODUCT_SKU", ["CONVERSION_PRODUCT_ID"]),
    ],
)
def test_breakdowns_split_the_same_total(
    sim: Simulator, auth: dict[str, str], account_id: str, breakdown: str, keys: list[str]
) -> None:
    body = _conversion_body(sim, level="ADVERTISER", conversion_product_breakdown=breakdown, columns=[QUANTITY])
    rows = _rows(_run(sim, account_id, CONVERSION, auth, body))
    assert all(set(keys) <= set(row) for row in rows)
    assert len({tuple(row[k] for k in keys) for row in rows}) == len(rows) > 1
    brands = _rows(_run(sim, account_id, CONVERSION, auth, {**body, "conversion_product_breakdown": "PRODUCT_BRAND"}))
    assert sum(row[QUANTITY] for row in rows) == sum(row[QUANTITY] for row in brands) > 0
    if breakdown == "PRODUCT_SKU":
        assert {row["CONVERSION_PRODUCT_ID"] for row in rows} <= {p.sku for p in PRODUCTS}


def test_sku_group_sums_the_listed_skus(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    skus = [p.sku for p in PRODUCTS[:4]]
    body = _conversion_body(sim, level="ADVERTISER", columns=[QUANTITY])
    by_sku = _rows(_run(sim, account_id, CONVERSION, auth, {**body, "conversion_product_breakdown": "PRODUCT_SKU"}))
    group = _rows(
        _run(
            sim,
            account_id,
            CONVERSION,
            auth,
            {**body, "conversion_product_breakdown": "PRODUCT_SKU_GROUP", "product_sku_ids": skus},
        )
    )
    assert [row["CONVERSION_PRODUCT_ID_GROUP"] for row in group] == [",".join(skus)]
    assert group[0][QUANTITY] == sum(row[QUANTITY] for row in by_sku if row["CONVERSION_PRODUCT_ID"] in skus)


def test_conversion_filters(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    """Objective types (default: not CATALOG_SALES), campaign ids at CAMPAIGN level, ad group ids at AD_GROUP."""
    campaigns = {c["id"]: c for c in sim.dataset.entities("campaigns", account_id)}
    default = _rows(_run(sim, account_id, CONVERSION, auth, _conversion_body(sim)))
    assert {campaigns[row["CAMPAIGN_ID"]]["objective_type"] for row in default} <= {
        "CONSIDERATION",
        "AWARENESS",
        "WEB_CONVERSION",
        "VIDEO_COMPLETION",
    }
    shopping = _rows(
        _run(sim, account_id, CONVERSION, auth, _conversion_body(sim, campaign_objective_types=["CATALOG_SALES"]))
    )
    assert {campaigns[row["CAMPAIGN_ID"]]["objective_type"] for row in shopping} == {"CATALOG_SALES"}
    one = next(iter(campaigns))
    picked = _rows(_run(sim, account_id, CONVERSION, auth, _conversion_body(sim, campaign_ids=[one])))
    assert {row["CAMPAIGN_ID"] for row in picked} <= {one}
    group = sim.dataset.entities("ad_groups", account_id)[0]["id"]
    groups = _rows(
        _run(sim, account_id, CONVERSION, auth, _conversion_body(sim, level="AD_GROUP", ad_group_ids=[group]))
    )
    assert {row["AD_GROUP_ID"] for row in groups} <= {group}


def test_conversion_refusals(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    today = sim.today()
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"start_date": "2024-03-16", "end_date": "2024-03-30"}, 400, "after 2024-03-16"),
        (
            {
                "conversion_product_attribution_type": "BRAND_ATTRIBUTION",
                "start_date": "2025-04-01",
                "end_date": "2025-04-20",
            },
            400,
            "after 2025-04-01",
        ),
        (_window(sim, 6), 400, "7 day minimum"),
        (
            {
                "start_date": (today - dt.timedelta(days=400)).isoformat(),
                "end_date": (today - dt.timedelta(days=34)).isoformat(),
            },
            400,
            "1 year",
        ),
        (
            {
                "start_date": (today - dt.timedelta(days=10)).isoformat(),
                "end_date": (today + dt.timedelta(days=1)).isoformat(),
            },
            400,
            "future",
        ),
        ({"campaign_ids": ["1"], "level": "ADVERTISER"}, 400, "campaign_ids"),
        ({"ad_group_ids": ["1"], "level": "CAMPAIGN"}, 400, "ad_group_ids"),
        ({"product_sku_ids": ["A1", "B2"]}, 400, "product_sku_ids"),
        ({"conversion_product_breakdown": "PRODUCT_SKU_GROUP"}, 400, "product_sku_ids"),
        ({"granularity": "DAY"}, 1, "granularity"),
        ({"columns": ["SPEND_IN_DOLLAR"]}, 1, "columns"),
        ({"level": "PIN_PROMOTION"}, 1, "level"),
        ({"start_date": "2026-02-30"}, 1, "real dates"),
    ]
    for overrides, code, words in cases:
        answer = _post(sim, account_id, CONVERSION, auth, _conversion_body(sim, **overrides))
        assert (answer.status_code, answer.json()["code"]) == (400, code), overrides
        assert words in answer.json()["message"], answer.json()
    missing = _conversion_body(sim)
    del missing["report_name"]
    assert _post(sim, account_id, CONVERSION, auth, missing).json()["code"] == 1
    assert _post(sim, account_id, CONVERSION, auth, _conversion_body(sim, **_window(sim, 7))).status_code == 200
    assert _post(sim, account_id, CONVERSION, auth, _conversion_body(sim, **_window(sim, 366))).status_code == 200


def test_min_window_switch(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    """``conversion_report_min_window``: 7 dates pass under ``seven_dates``, need 8 under ``seven_days_apart``."""
    seven = _conversion_body(sim, **_window(sim, 7))
    assert _post(sim, account_id, CONVERSION, auth, seven).status_code == 200
    sim.switches.conversion_report_min_window = "seven_days_apart"
    assert _post(sim, account_id, CONVERSION, auth, seven).status_code == 400
    assert _post(sim, account_id, CONVERSION, auth, _conversion_body(sim, **_window(sim, 8))).status_code == 200


# -- MMM -------------------------------------------------------------------------------------------------------------
def test_mmm_rows(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    """A row per entity, day, targeting type and value; COUNTRY rows are the entity's two countries; the order line
    paid type of the campaign; SPEND_IN_DOLLAR agrees with the micro-dollars."""
    body = _mmm_body(
        sim,
        targeting_types=["GENDER", "COUNTRY", "APPTYPE"],
        columns=[*_mmm_body(sim)["columns"], "SPEND_ORDER_LINE_PAID_TYPE", "CAMPAIGN_NAME"],
    )
    rows = _rows(_run(sim, account_id, MMM, auth, body))
    campaigns = sim.dataset.entities("campaigns", account_id)
    days = {row["DATE"] for row in rows}
    assert len(days) == 14
    expected = len(campaigns) * 14 * (len(MMM_TARGETING_VALUES["GENDER"]) + 2 + len(MMM_TARGETING_VALUES["APPTYPE"]))
    assert len(rows) == expected
    for row in rows:
        assert row["SPEND_IN_DOLLAR"] == round(row["SPEND_IN_MICRO_DOLLAR"] / 1_000_000, 2)
        if row["TARGETING_TYPE"] == "COUNTRY":
            assert row["TARGETING_VALUE"] in MMM_COUNTRIES
        line = sim.billing.accounts[account_id].order_lines[
            next(c for c in campaigns if c["id"] == row["CAMPAIGN_ID"])["order_line_id"]
        ]
        assert row["SPEND_ORDER_LINE_PAID_TYPE"] == line["paid_type"]
    assert {row["TARGETING_VALUE"] for row in rows if row["TARGETING_TYPE"] == "COUNTRY"} > {"US"}


def test_mmm_countries_filter_splits_the_rows(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    """A row without filter is the sum of the same row filtered to each of its countries (additive columns)."""
    body = _mmm_body(
        sim, targeting_types=["GENDER"], columns=["CAMPAIGN_ID", "SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION"]
    )

    def keyed(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
        return {(r["CAMPAIGN_ID"], r["DATE"], r["TARGETING_VALUE"]): r for r in rows}

    whole = keyed(_rows(_run(sim, account_id, MMM, auth, body)))
    parts = []
    for country in MMM_COUNTRIES:
        parts.append(keyed(_rows(_run(sim, account_id, MMM, auth, {**body, "countries": [country]}))))
        sim.mmm_reports.jobs.clear()  # 5 creates a minute
    for key, row in whole.items():
        for column in ("SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION"):
            assert row[column] == sum(part[key][column] for part in parts if key in part)
    assert sum(len(part) for part in parts) > len(whole)  # every entity delivers in two countries


def test_mmm_weeks_sum_days(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    monday = sim.today() - dt.timedelta(days=sim.today().weekday() + 7)
    window = {
        "start_date": (monday - dt.timedelta(days=14)).isoformat(),
        "end_date": (monday - dt.timedelta(days=1)).isoformat(),
    }
    body = _mmm_body(sim, targeting_types=["APPTYPE"], columns=["CAMPAIGN_ID", "TOTAL_IMPRESSION"], **window)
    days = _rows(_run(sim, account_id, MMM, auth, body))
    weeks = _rows(_run(sim, account_id, MMM, auth, {**body, "granularity": "WEEK"}))
    assert len({row["DATE"] for row in weeks}) == 2
    assert sum(row["TOTAL_IMPRESSION"] for row in weeks) == sum(row["TOTAL_IMPRESSION"] for row in days)


def test_mmm_refusals(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    today = sim.today()
    cases: list[tuple[dict[str, Any], int]] = [
        ({"targeting_types": []}, 1),
        ({"targeting_types": ["KEYWORD"]}, 1),
        ({"targeting_types": ["GENDER"] * 6}, 1),
        ({"level": "CAMPAIGN"}, 1),
        ({"granularity": "MONTH"}, 1),
        ({"columns": ["TOTAL_CONVERSIONS"]}, 1),
        ({"countries": ["XX"]}, 1),
        (
            {
                "start_date": (today - dt.timedelta(days=915)).isoformat(),
                "end_date": (today - dt.timedelta(days=900)).isoformat(),
            },
            400,
        ),
        (
            {
                "start_date": (today - dt.timedelta(days=200)).isoformat(),
                "end_date": (today - dt.timedelta(days=10)).isoformat(),
            },
            400,
        ),
        ({"end_date": (today + dt.timedelta(days=1)).isoformat()}, 400),
    ]
    for overrides, code in cases:
        answer = _post(sim, account_id, MMM, auth, _mmm_body(sim, **overrides))
        assert (answer.status_code, answer.json()["code"]) == (400, code), overrides
        sim.mmm_reports.jobs.clear()


def test_mmm_date_limits_switch(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    today = sim.today()
    old = {
        "start_date": (today - dt.timedelta(days=120)).isoformat(),
        "end_date": (today - dt.timedelta(days=100)).isoformat(),
    }
    assert _post(sim, account_id, MMM, auth, _mmm_body(sim, **old)).status_code == 200
    sim.switches.mmm_date_limits = "sync_analytics"
    assert (_post(sim, account_id, MMM, auth, _mmm_body(sim, **old)).json()["code"]) == 400
    recent = {
        "start_date": (today - dt.timedelta(days=90)).isoformat(),
        "end_date": (today - dt.timedelta(days=1)).isoformat(),
    }
    assert _post(sim, account_id, MMM, auth, _mmm_body(sim, **recent)).status_code == 200


@pytest.mark.parametrize("throttle", ["http_429", "code_12"])
def test_mmm_five_a_minute_per_advertiser(sim: Simulator, auth: dict[str, str], account_id: str, throttle: str) -> None:
    sim.switches.throttle = throttle  # type: ignore[assignment]
    for _ in range(MMM_CREATES_PER_MINUTE):
        assert _post(sim, account_id, MMM, auth, _mmm_body(sim)).status_code == 200
    limited = _post(sim, account_id, MMM, auth, _mmm_body(sim))
    if throttle == "http_429":
        assert (limited.status_code, limited.json()["code"]) == (429, 8)
        assert int(limited.headers["X-RateLimit-Reset"]) > 0
    else:
        assert (limited.status_code, limited.json()["code"]) == (400, 12)
    other = sim.dataset.ad_account_ids[1]
    assert _post(sim, other, MMM, auth, _mmm_body(sim)).status_code == 200  # per advertiser
    for job in sim.mmm_reports.jobs.values():
        job.created -= 61
    assert _post(sim, account_id, MMM, auth, _mmm_body(sim)).status_code == 200
    assert time.monotonic() > 0


# -- files ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [CONVERSION, MMM])
def test_csv_reading_holds_the_same_rows(sim: Simulator, auth: dict[str, str], account_id: str, path: str) -> None:
    """Switch ``measurement_file_format=csv``: a header of DATE (time granularities; MMM: the targeting type and
    value) and the requested columns, a line per row of the JSON file, metrics zero-filled."""
    body = _mmm_body(sim) if path == MMM else _conversion_body(sim, granularity="WEEK")
    as_json = _rows(_run(sim, account_id, path, auth, body))
    sim.switches.measurement_file_format = "csv"
    downloaded = _run(sim, account_id, path, auth, body)
    assert downloaded.url.endswith(".csv") and downloaded.headers["Content-Type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(downloaded.text)))
    extra = ["TARGETING_TYPE", "TARGETING_VALUE"] if path == MMM else []
    assert header == ["DATE", *extra, *body["columns"]]
    as_csv = _rows(downloaded)
    assert len(as_csv) == len(as_json)
    for csv_row, json_row in zip(as_csv, as_json, strict=True):
        for column in header:
            assert csv_row[column] == str(json_row.get(column, 0)), column


def test_total_rows_carry_no_date_unless_switched(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    body = _conversion_body(sim)
    assert all("DATE" not in row for row in _rows(_run(sim, account_id, CONVERSION, auth, body)))
    sim.switches.total_date = "start_date"
    assert {row["DATE"] for row in _rows(_run(sim, account_id, CONVERSION, auth, body))} == {body["start_date"]}


def test_reports_are_not_empty_on_the_demo_window(sim: Simulator, auth: dict[str, str]) -> None:
    """Every account's last 30 days have conversion rows and MMM rows (the demo's window), on any pinned day."""
    for account_id in sim.dataset.ad_account_ids:
        window = _window(sim, 30, end_back=0)
        assert _rows(_run(sim, account_id, CONVERSION, auth, _conversion_body(sim, **window)))
        assert _rows(_run(sim, account_id, MMM, auth, _mmm_body(sim, **window)))
        sim.mmm_reports.jobs.clear()


@pytest.mark.parametrize("path", [CONVERSION, MMM])
def test_a_report_keeps_the_format_of_its_creation(
    sim: Simulator, auth: dict[str, str], account_id: str, path: str
) -> None:
    sim.switches.measurement_file_format = "csv"
    created = _post(sim, account_id, path, auth, _mmm_body(sim) if path == MMM else _conversion_body(sim)).json()
    token = created["data"]["token"] if path == MMM else created["token"]
    sim.switches.measurement_file_format = "json_by_id"
    answers = [_poll(sim, account_id, path, auth, token) for _ in range(2)]
    status = answers[-1]["data"] if path == MMM else answers[-1]
    assert status["url"].endswith(".csv")
    assert requests.get(status["url"], timeout=10).headers["Content-Type"].startswith("text/csv")


def test_reports_have_rows_on_every_day() -> None:
    """60 consecutive days: every account's last 30 days have brand/category/SKU rows (default objectives) and MMM
    rows, at WEEK granularity too (the period cut by the window's start included)."""
    from pinterest_simulator.clock import FixedClock
    from pinterest_simulator.measurement import conversion_rows, mmm_rows
    from pinterest_simulator.report_jobs import ReportJob

    with Simulator() as moving:
        enum = tuple(str(c) for c in moving.spec.schema("ConversionProductReportingColumn")["enum"])
        for n in range(0, 60, 3):
            day = dt.date(2026, 11, 8) + dt.timedelta(days=n)
            moving.clock = FixedClock(day)
            window = {"start_date": (day - dt.timedelta(days=29)).isoformat(), "end_date": day.isoformat()}
            for account_id in moving.dataset.ad_account_ids:
                conversion = {**_conversion_body(moving, **window), "granularity": "WEEK"}
                job = ReportJob("t", account_id, conversion, 0.0)
                assert next(conversion_rows(moving, job, enum), None), (day, account_id)
                job = ReportJob("t", account_id, {**_mmm_body(moving, **window), "granularity": "WEEK"}, 0.0)
                assert next(mmm_rows(moving, job), None), (day, account_id)
