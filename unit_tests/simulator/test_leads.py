"""Lead ads: lead forms, question type names, and the leads export (create with ``ads:write``, poll, download)
(handlers/leads.py, leads_data.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from pinterest_simulator import Simulator
from pinterest_simulator.leads_data import LEAD_AD_EVERY, LEAD_FIELDS, LEAD_RETENTION_DAYS, MAX_LEADS_PER_DAY
from pinterest_simulator.oauth import READ_SCOPES

INSUFFICIENT = {"code": 3, "message": "Your token does not have sufficient permissions to perform this operation."}


@pytest.fixture(autouse=True)
def _fresh_exports(sim: Simulator) -> Iterator[None]:
    yield
    sim.lead_exports.jobs.clear()
    sim.lead_exports.polls_in_progress = 1
    sim.lead_exports.ttl_seconds = 3600.0


@pytest.fixture
def writer(sim: Simulator) -> dict[str, str]:
    """A bearer header with the default scopes and ``ads:write`` (what creating a leads export needs)."""
    return {"Authorization": f"Bearer {sim.issue_access_token([*READ_SCOPES, 'ads:write'])}"}


def _lead_ad(sim: Simulator, account_id: str) -> str:
    return next(ad for ad in sim.leads.lead_ads if sim.leads.ad(account_id, ad))


def _create(sim: Simulator, account_id: str, headers: dict[str, str], **body: Any) -> requests.Response:
    return requests.post(
        f"{sim.base_url}/ad_accounts/{account_id}/leads_export", json=body, headers=headers, timeout=10
    )


def _poll(sim: Simulator, account_id: str, export_id: str, headers: dict[str, str]) -> requests.Response:
    url = f"{sim.base_url}/ad_accounts/{account_id}/leads_export/{export_id}"
    return requests.get(url, headers=headers, timeout=10)


def _export(sim: Simulator, account_id: str, writer: dict[str, str], **body: Any) -> requests.Response:
    """Create an export, poll it to FINISHED, download its file."""
    created = _create(sim, account_id, writer, **body)
    assert created.status_code == 200, created.text
    export_id = created.json()["leads_export_id"]
    for _ in range(5):
        status = _poll(sim, account_id, export_id, writer).json()
        if status["export_status"] == "FINISHED":
            return requests.get(status["download_url"], timeout=10)
    raise AssertionError("the export did not finish")


def _window(sim: Simulator, days: int) -> dict[str, str]:
    today = sim.today()
    return {"start_date": (today - dt.timedelta(days=days - 1)).isoformat(), "end_date": today.isoformat()}


def test_lead_forms_list_validates_and_pages(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    url = f"{sim.base_url}/ad_accounts/{account_id}/lead_forms"
    validator = sim.spec.response_validator("lead_forms/list")
    whole = requests.get(url, headers=auth, timeout=10).json()
    validator.validate(whole)
    forms = whole["items"]
    assert {form["status"] for form in forms} == {"ACTIVE", "DRAFT"}
    assert {form["ad_account_id"] for form in forms} == {account_id}
    first = requests.get(url, headers=auth, params={"page_size": 1}, timeout=10).json()
    validator.validate(first)
    rest = requests.get(url, headers=auth, params={"bookmark": first["bookmark"]}, timeout=10).json()
    assert first["items"] + rest["items"] == forms
    descending = requests.get(url, headers=auth, params={"order": "DESCENDING"}, timeout=10).json()["items"]
    assert descending == list(reversed(forms))
    one = requests.get(f"{url}/{forms[0]['id']}", headers=auth, timeout=10)
    sim.spec.response_validator("lead_form/get").validate(one.json())
    assert one.json() == forms[0]
    missing = requests.get(f"{url}/1234", headers=auth, timeout=10)
    assert (missing.status_code, missing.json()) == (404, {"code": 4842, "message": "Lead form is not found."})
    assert requests.get(f"{sim.base_url}/ad_accounts/1/lead_forms", headers=auth, timeout=10).status_code == 403


def test_every_account_has_lead_ads_with_its_active_forms(sim: Simulator, auth: dict[str, str]) -> None:
    """One ad in `LEAD_AD_EVERY` has an ACTIVE form of its account as ``lead_form_id`` (in ``ads/list``); the
    others none."""
    for account_id in sim.dataset.ad_account_ids:
        ads = requests.get(
            f"{sim.base_url}/ad_accounts/{account_id}/ads",
            headers=auth,
            params={"page_size": "250", "entity_statuses": "ACTIVE,PAUSED,ARCHIVED"},
            timeout=10,
        ).json()["items"]
        active = {form["id"] for form in sim.leads.form_list(account_id) if form["status"] == "ACTIVE"}
        lead_ads = [ad for ad in ads if ad["lead_form_id"] is not None]
        assert len(lead_ads) == len(ads) // LEAD_AD_EVERY and {ad["lead_form_id"] for ad in lead_ads} == active


@pytest.mark.parametrize(("shape", "wrapped"), [("names", False), ("items", True)])
def test_lead_form_questions(sim: Simulator, auth: dict[str, str], shape: str, wrapped: bool) -> None:
    """No response schema in the spec: the ``lead_form_questions_shape`` switch's reading."""
    sim.switches.lead_form_questions_shape = shape  # type: ignore[assignment]
    body = requests.get(f"{sim.base_url}/resources/lead_form_questions", headers=auth, timeout=10).json()
    names = body["items"] if wrapped else body
    assert isinstance(names, list) and "EMAIL" in names and "CUSTOM" in names
    assert names == [v for v in sim.spec.schema("LeadFormQuestionType")["enum"] if v is not None]


def test_creating_an_export_needs_ads_write(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    body = {"ad_id": _lead_ad(sim, account_id), **_window(sim, 7)}
    refused = _create(sim, account_id, auth, **body)
    assert (refused.status_code, refused.json()) == (401, INSUFFICIENT)
    only_write = {"Authorization": f"Bearer {sim.issue_access_token(['ads:write'])}"}
    created = _create(sim, account_id, only_write, **body)
    assert created.status_code == 200
    # polling needs ads:read
    polled = _poll(sim, account_id, created.json()["leads_export_id"], only_write)
    assert (polled.status_code, polled.json()) == (401, INSUFFICIENT)


def test_export_life_cycle(sim: Simulator, writer: dict[str, str], account_id: str) -> None:
    """IN_PROGRESS for ``polls_in_progress`` polls, then FINISHED with a link that needs no auth; the answers
    validate; the id is digits; another account's id, or an unknown one, is 404."""
    sim.lead_exports.polls_in_progress = 2
    created = _create(sim, account_id, writer, ad_id=_lead_ad(sim, account_id), **_window(sim, 7))
    sim.spec.response_validator("leads_export/create").validate(created.json())
    export_id = created.json()["leads_export_id"]
    assert export_id.isdigit()
    validator = sim.spec.response_validator("leads_export/get")
    statuses = []
    for _ in range(3):
        answer = _poll(sim, account_id, export_id, writer).json()
        validator.validate(answer)
        statuses.append(answer["export_status"])
    assert statuses == ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
    assert answer["download_url"].endswith(f"/downloads/leads/{export_id}.csv")
    downloaded = requests.get(answer["download_url"], timeout=10)
    assert downloaded.status_code == 200 and downloaded.headers["Content-Type"].startswith("text/csv")
    other = sim.dataset.ad_account_ids[1]
    for account, wanted in ((other, export_id), (account_id, "123")):
        missing = _poll(sim, account, wanted, writer)
        assert (missing.status_code, missing.json()) == (
            404,
            {"code": 404, "message": "Invalid leads export id parameter."},
        )


def test_failed_and_expired_exports(sim: Simulator, writer: dict[str, str], account_id: str) -> None:
    sim.lead_exports.fail_next(1, "FAILED")
    export_id = _create(sim, account_id, writer, ad_id=_lead_ad(sim, account_id), **_window(sim, 7)).json()[
        "leads_export_id"
    ]
    answers = [_poll(sim, account_id, export_id, writer).json() for _ in range(2)]
    assert answers[-1] == {"export_status": "FAILED", "download_url": None}
    sim.lead_exports.ttl_seconds = 0.0
    finished = _create(sim, account_id, writer, ad_id=_lead_ad(sim, account_id), **_window(sim, 7)).json()
    first = [_poll(sim, account_id, finished["leads_export_id"], writer).json() for _ in range(2)][-1]
    assert first["export_status"] == "FINISHED"
    # the link expires with the job
    again = _poll(sim, account_id, finished["leads_export_id"], writer).json()
    assert again == {"export_status": "FAILED", "download_url": None}
    assert requests.get(first["download_url"], timeout=10).status_code == 403


def test_csv_export_holds_the_ads_leads(sim: Simulator, writer: dict[str, str], account_id: str) -> None:
    """A header of the lead fields and the form's questions; one line per lead of the window, obviously fake."""
    ad_id = _lead_ad(sim, account_id)
    form = sim.leads.forms[account_id][sim.leads.lead_ads[ad_id]]
    rows = list(csv.reader(io.StringIO(_export(sim, account_id, writer, ad_id=ad_id, **_window(sim, 10)).text)))
    labels = [
        q["custom_question_label"] if q["question_type"] == "CUSTOM" else q["question_type"] for q in form["questions"]
    ]
    assert rows[0] == [*LEAD_FIELDS, *labels]
    leads = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert 0 < len(leads) <= 10 * MAX_LEADS_PER_DAY
    today = sim.today()
    for lead in leads:
        assert (lead["ad_id"], lead["lead_form_id"], lead["advertiser_id"]) == (ad_id, form["id"], account_id)
        day = dt.date.fromisoformat(lead["created_time"][:10])
        assert today - dt.timedelta(days=9) <= day <= today
        if "EMAIL" in lead:
            assert lead["EMAIL"].endswith("@example.com")
    assert len({lead["lead_id"] for lead in leads}) == len(leads)


def test_json_export_reading(sim: Simulator, writer: dict[str, str], account_id: str) -> None:
    """Switch ``leads_export_format=json``: a JSON array of leads with the same fields and ``answers``; the export
    keeps the switch of its creation."""
    ad_id = _lead_ad(sim, account_id)
    sim.switches.leads_export_format = "json"
    downloaded = _export(sim, account_id, writer, ad_id=ad_id, **_window(sim, 10))
    assert downloaded.headers["Content-Type"].startswith("application/json")
    leads = downloaded.json()
    sim.switches.leads_export_format = "csv"
    as_csv = list(csv.DictReader(io.StringIO(_export(sim, account_id, writer, ad_id=ad_id, **_window(sim, 10)).text)))
    assert [lead["lead_id"] for lead in leads] == [row["lead_id"] for row in as_csv] and leads
    for lead, row in zip(leads, as_csv, strict=True):
        assert set(lead) == {*LEAD_FIELDS, "answers"}
        assert (
            dt.datetime.fromtimestamp(lead["created_time"], dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            == row["created_time"]
        )
        assert all(row[label] == answer for label, answer in lead["answers"].items())


def test_windows_add_up(sim: Simulator, writer: dict[str, str], account_id: str) -> None:
    """The leads of two adjacent windows are those of the whole window (deterministic per ad and day)."""
    ad_id = _lead_ad(sim, account_id)
    today = sim.today()
    days = [(today - dt.timedelta(days=n)).isoformat() for n in (13, 7, 6, 0)]
    sim.switches.leads_export_format = "json"
    whole = _export(sim, account_id, writer, ad_id=ad_id, start_date=days[0], end_date=days[3]).json()
    first = _export(sim, account_id, writer, ad_id=ad_id, start_date=days[0], end_date=days[1]).json()
    second = _export(sim, account_id, writer, ad_id=ad_id, start_date=days[2], end_date=days[3]).json()
    assert first + second == whole


@pytest.mark.parametrize("reading", ["clip", "refuse"])
def test_retention(sim: Simulator, writer: dict[str, str], account_id: str, reading: str) -> None:
    """Leads are kept `LEAD_RETENTION_DAYS` days: an older start is clipped, or refused (``leads_retention``)."""
    sim.switches.leads_retention = reading  # type: ignore[assignment]
    sim.switches.leads_export_format = "json"
    ad_id = _lead_ad(sim, account_id)
    oldest = sim.today() - dt.timedelta(days=LEAD_RETENTION_DAYS)
    body = {
        "ad_id": ad_id,
        "start_date": (oldest - dt.timedelta(days=5)).isoformat(),
        "end_date": sim.today().isoformat(),
    }
    if reading == "refuse":
        answer = _create(sim, account_id, writer, **body)
        assert (answer.status_code, answer.json()["code"]) == (400, 400) and oldest.isoformat() in answer.json()[
            "message"
        ]
        assert _create(sim, account_id, writer, **{**body, "start_date": oldest.isoformat()}).status_code == 200
        return
    leads = _export(sim, account_id, writer, **body).json()
    first_day = min(dt.datetime.fromtimestamp(lead["created_time"], dt.UTC).date() for lead in leads)
    assert first_day >= oldest
    assert leads == _export(sim, account_id, writer, **{**body, "start_date": oldest.isoformat()}).json()


@pytest.mark.parametrize("reading", ["empty", "refuse"])
def test_an_ad_without_lead_form(sim: Simulator, writer: dict[str, str], account_id: str, reading: str) -> None:
    sim.switches.non_lead_ad_export = reading  # type: ignore[assignment]
    ad_id = next(ad["id"] for ad in sim.dataset.entities("ads", account_id) if ad["lead_form_id"] is None)
    if reading == "refuse":
        answer = _create(sim, account_id, writer, ad_id=ad_id, **_window(sim, 7))
        assert (answer.status_code, answer.json()["code"]) == (400, 400)
        return
    rows = list(csv.reader(io.StringIO(_export(sim, account_id, writer, ad_id=ad_id, **_window(sim, 7)).text)))
    assert rows == [list(LEAD_FIELDS)]


def test_bad_create_bodies(sim: Simulator, writer: dict[str, str], account_id: str) -> None:
    ad_id = _lead_ad(sim, account_id)
    window = _window(sim, 7)
    other_ad = sim.dataset.entities("ads", sim.dataset.ad_account_ids[1])[0]["id"]
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"ad_id": ad_id, "start_date": window["start_date"]}, 1, "end_date"),
        ({"ad_id": "abc", **window}, 1, "ad_id"),
        ({"ad_id": ad_id, "start_date": "2026-02-30", "end_date": window["end_date"]}, 1, "real dates"),
        ({"ad_id": ad_id, "start_date": window["end_date"], "end_date": window["start_date"]}, 400, "before"),
        ({"ad_id": other_ad, **window}, 400, other_ad),
    ]
    for body, code, words in cases:
        answer = _create(sim, account_id, writer, **body)
        assert (answer.status_code, answer.json()["code"]) == (400, code), body
        assert words in answer.json()["message"], answer.json()
    not_json = requests.post(
        f"{sim.base_url}/ad_accounts/{account_id}/leads_export", data="x", headers=writer, timeout=10
    )
    assert not_json.status_code == 400
    future = {"ad_id": ad_id, "start_date": window["start_date"], "end_date": "2099-01-01"}
    assert _create(sim, account_id, writer, **future).status_code == 200


def test_leads_are_deterministic_per_seed(sim: Simulator, account_id: str) -> None:
    ad_id = _lead_ad(sim, account_id)
    today = sim.today()
    start = today - dt.timedelta(days=29)
    mine = sim.leads.leads(account_id, ad_id, start, today)
    with Simulator(seed=1) as same, Simulator(seed=2) as other:
        assert same.leads.leads(account_id, ad_id, start, today) == mine
        other_account = other.dataset.owned_ad_account_ids[0]
        other_ad = next(ad for ad in other.leads.lead_ads if other.leads.ad(other_account, ad))
        assert json.dumps(other.leads.leads(other_account, other_ad, start, today)) != json.dumps(mine)


def test_an_export_keeps_the_format_of_its_creation(sim: Simulator, writer: dict[str, str], account_id: str) -> None:
    sim.switches.leads_export_format = "json"
    export_id = _create(sim, account_id, writer, ad_id=_lead_ad(sim, account_id), **_window(sim, 7)).json()[
        "leads_export_id"
    ]
    sim.switches.leads_export_format = "csv"
    answer = [_poll(sim, account_id, export_id, writer).json() for _ in range(2)][-1]
    assert answer["download_url"].endswith(".json")
    assert isinstance(requests.get(answer["download_url"], timeout=10).json(), list)


def test_every_account_has_recent_leads_on_every_day() -> None:
    """60 consecutive days: every account's lead ads collected leads in the last 30 days and in the last 7."""
    from pinterest_simulator.clock import FixedClock

    with Simulator() as moving:
        for n in range(60):
            day = dt.date(2026, 11, 8) + dt.timedelta(days=n)
            moving.clock = FixedClock(day)
            for account_id in moving.dataset.ad_account_ids:
                ads = [ad for ad in moving.leads.lead_ads if moving.leads.ad(account_id, ad)]
                week = [moving.leads.leads(account_id, ad, day - dt.timedelta(days=6), day) for ad in ads]
                assert any(week), (day, account_id)
