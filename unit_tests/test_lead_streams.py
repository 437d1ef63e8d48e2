"""Lead ads streams (streams/leads.py) against the simulator: every lead form of every account once, incremental on
`updated_time`; the question type names under both shapes of their answer (switch `lead_form_questions_shape`), and an
answer of neither shape fails the stream naming it; the opt-in leads: off by default (nothing sent, no scope needed),
one export per lead ad, every lead once whatever the file (switch `leads_export_format`), never older than Pinterest
keeps (switch `leads_retention`), lead ads only (switch `non_lead_ad_export`), ads:write named once when the token
lacks it, each bad setting naming its field."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from harness import (
    check_status,
    error_messages,
    every_scope_config,
    final_states,
    records_by_stream,
    run_check,
    run_read,
    schema,
    state_messages,
)
from jsonschema import Draft7Validator

from pinterest_simulator import Simulator
from pinterest_simulator.switches import CHOICES
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.config import load_config
from source_pinterest_marketing.configured_catalog import default_selection
from source_pinterest_marketing.scopes import beyond_default
from source_pinterest_marketing.streams import DECLARATIONS
from source_pinterest_marketing.streams.leads import LEADS as LEADS_DECLARATION
from source_pinterest_marketing.streams.leads import submission_time

QUESTION_TYPES = "lead_form_question_types"


def expected_accounts(forms: list[dict[str, object]]) -> set[object]:
    return {form["ad_account_id"] for form in forms}


def test_every_lead_form_of_every_account_once_then_incremental(sim: Simulator) -> None:
    output = run_read(sim.connector_config(), ["lead_forms"])
    forms = records_by_stream(output)["lead_forms"]
    expected = {form["id"] for account in sim.dataset.ad_account_ids for form in sim.leads.form_list(account)}
    assert expected and sorted(form["id"] for form in forms) == sorted(expected)
    assert {form["ad_account_id"] for form in forms} == set(sim.dataset.ad_account_ids)
    validator = Draft7Validator(schema("lead_forms"))
    assert not [error for form in forms for error in validator.iter_errors(form)]
    state = final_states(output)["lead_forms"]
    again = run_read(sim.connector_config(), ["lead_forms"], state=state_messages({"lead_forms": state}))
    newest = {account: max(f["updated_time"] for f in forms if f["ad_account_id"] == account) for account in expected_accounts(forms)}
    # nothing changed since: only each account's newest form again (the saved value is kept inclusively)
    assert {(f["ad_account_id"], f["updated_time"]) for f in records_by_stream(again)["lead_forms"]} == set(newest.items())


@pytest.mark.parametrize("shape", CHOICES["lead_form_questions_shape"])
def test_question_types_are_read_in_either_shape(sleeps: list[float], shape: str) -> None:
    with Simulator(preset="small", seed=1, switches={"lead_form_questions_shape": shape}) as sim:
        output = run_read(sim.connector_config(), [QUESTION_TYPES])
        assert sim.requests.count("lead_form_questions/get") == 1
    assert not output.errors, error_messages(output)
    names = [record["question_type"] for record in records_by_stream(output)[QUESTION_TYPES]]
    assert {"CUSTOM", "FULL_NAME", "EMAIL"} <= set(names) and len(names) == len(set(names))


@pytest.mark.parametrize("body", [{"names": ["EMAIL"]}, [{"name": "EMAIL"}], "EMAIL"])
def test_an_answer_of_neither_shape_fails_naming_the_stream(sim: Simulator, body: object) -> None:
    sim.faults.add("status", operation_id="lead_form_questions/get", status=200, body=body, times=None)
    output = run_read(sim.connector_config(), [QUESTION_TYPES], expect_failure=True)
    [message] = {message for message in error_messages(output) if message.startswith("Unexpected response")}
    assert QUESTION_TYPES in message and "expected a JSON array of names, or an object whose `items` is one" in message


# -- leads (opt-in: leads_export, an async job per lead ad) ------------------------------------------------------
LEADS = "leads"
CREATE = "leads_export/create"


def _lead_ads(sim: Simulator) -> dict[str, str]:
    """Every lead ad of the dataset -> its ad account (the ads with a lead form)."""
    return {
        ad["id"]: account
        for account in sim.dataset.ad_account_ids
        for ad in sim.dataset.entities("ads", account)
        if ad.get("lead_form_id")
    }


def _expected(sim: Simulator, first: date, last: date) -> dict[str, dict[str, object]]:
    """lead_id -> the simulator's lead (its submission time as the records write it), of every lead ad."""
    return {
        lead["lead_id"]: {
            **lead,
            "created_time": datetime.fromtimestamp(lead["created_time"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for ad_id, account in _lead_ads(sim).items()
        for lead in sim.leads.leads(account, ad_id, first, last)
    }


def _exports(sim: Simulator) -> list[dict[str, object]]:
    return [dict(job.body) for job in sim.lead_exports.jobs.values()]


def _read_leads(sim: Simulator, state: object = None, **leads: object) -> object:
    config = every_scope_config(sim, leads={"enabled": True, **leads})
    return run_read(config, [LEADS], state=state)


@pytest.mark.parametrize("file_format", CHOICES["leads_export_format"])
def test_every_lead_of_every_lead_ad_once_whatever_the_file(sleeps: list[float], file_format: str) -> None:
    """One export per lead ad (none of another ad), of the last 30 days; every lead once, the same records from a CSV
    and a JSON file: ids and answers as strings, the submission time a UTC date-time."""
    with Simulator(preset="small", seed=1, switches={"leads_export_format": file_format}) as sim:
        output = _read_leads(sim)
        assert not output.errors, error_messages(output)
        today = utc_today()
        expected = _expected(sim, today - timedelta(days=29), today)
        exports = _exports(sim)
        lead_ads = _lead_ads(sim)
    records = records_by_stream(output)[LEADS]
    assert expected and sorted(record["lead_id"] for record in records) == sorted(expected)
    assert sorted(export["ad_id"] for export in exports) == sorted(lead_ads)  # once each, lead ads only
    assert {(export["start_date"], export["end_date"]) for export in exports} == {
        ((today - timedelta(days=29)).isoformat(), today.isoformat())
    }
    validator = Draft7Validator(schema(LEADS))
    assert not [error for record in records for error in validator.iter_errors(record)]
    for record in records:
        lead = expected[record["lead_id"]]
        assert record["created_time"] == lead["created_time"]
        assert record["ad_account_id"] == lead["advertiser_id"] == lead_ads[record["ad_id"]]
        assert {name: record[name] for name in ("campaign_id", "ad_group_id", "ad_id", "lead_form_id")} == {
            name: lead[name] for name in ("campaign_id", "ad_group_id", "ad_id", "lead_form_id")
        }
        assert record["answers"] == lead["answers"]
    assert any("@example.com" in str(record["answers"].get("EMAIL")) for record in records)


def test_the_same_records_from_either_file() -> None:
    """The CSV file's extra columns are the JSON file's `answers`: both files give identical records."""
    by_format = {}
    for file_format in CHOICES["leads_export_format"]:
        with Simulator(preset="small", seed=1, switches={"leads_export_format": file_format}) as sim:
            by_format[file_format] = sorted(
                map(json.dumps, records_by_stream(_read_leads(sim))[LEADS]),
            )
    first, *others = by_format.values()
    assert first and all(other == first for other in others)


def test_off_by_default_nothing_is_asked_and_no_scope_is_needed(sim: Simulator) -> None:
    """Without `leads.enabled` a selected leads stream sends nothing, says why once, and needs no ads:write: a token
    without it reads the other streams and the sync succeeds."""
    config = sim.connector_config()  # the default scopes: no ads:write
    output = run_read(config, [LEADS, "lead_forms"])
    assert not output.errors, error_messages(output)
    assert not records_by_stream(output).get(LEADS) and records_by_stream(output)["lead_forms"]
    assert sim.requests.count(CREATE) == 0 and sim.requests.count("ads/list") == 0
    warnings = [log.log.message for log in output.logs if log.log.level.value == "WARN" and LEADS in log.log.message]
    assert warnings == [
        "Stream leads is selected but reads nothing: its opt-in setting `leads.enabled` is off (turn it on to read it)"
    ]


def test_without_ads_write_the_leads_are_not_read_and_the_scope_is_named_once(sim: Simulator) -> None:
    config = sim.connector_config(leads={"enabled": True})  # the default scopes: no ads:write
    output = run_read(config, [LEADS, "lead_forms"], expect_failure=True)
    assert sim.requests.count(CREATE) == 0
    assert records_by_stream(output)["lead_forms"] and not records_by_stream(output).get(LEADS)
    [said] = {message for message in error_messages(output) if "ads:write" in message}
    assert "lacks the OAuth scope ads:write" in said and "--extra-scopes ads:write" in said and LEADS in said
    assert output.errors[-1].trace.error.failure_type == FailureType.config_error


def test_check_names_ads_write_only_once_the_leads_are_on(sim: Simulator) -> None:
    _, message = check_status(run_check(sim.connector_config(leads={"enabled": True})))
    assert "lacks the OAuth scope ads:write: the streams leads cannot be read" in message
    status, message = check_status(run_check(sim.connector_config()))
    assert status == "SUCCEEDED" and "ads:write" not in (message or "")


def test_the_leads_are_not_suggested_and_need_ads_write() -> None:
    assert beyond_default(LEADS_DECLARATION.operation) == {"ads:write"}
    names = [declaration.name for declaration in DECLARATIONS]
    assert LEADS in names and LEADS not in default_selection(names)


@pytest.mark.parametrize("days", [1, 7, 30])
def test_the_first_read_reaches_back_the_configured_days(sleeps: list[float], days: int) -> None:
    with Simulator(preset="small", seed=1) as sim:
        output = _read_leads(sim, lookback_days=days)
        today = utc_today()
        expected = _expected(sim, today - timedelta(days=days - 1), today)
        starts = {export["start_date"] for export in _exports(sim)}
    assert starts == {(today - timedelta(days=days - 1)).isoformat()}
    assert sorted(record["lead_id"] for record in records_by_stream(output)[LEADS]) == sorted(expected)


def test_incremental_reads_from_the_day_of_the_last_lead(sleeps: list[float]) -> None:
    with Simulator(preset="small", seed=1) as sim:
        first = _read_leads(sim)
        state = final_states(first)[LEADS]
        saved = {entry["partition"]["ad_id"]: entry["cursor"]["created_time"] for entry in state["states"]}
        assert saved and set(saved) <= set(_lead_ads(sim))
        sim.lead_exports.jobs.clear()
        again = _read_leads(sim, state=state_messages({LEADS: state}))
        starts = {export["ad_id"]: export["start_date"] for export in _exports(sim)}
    assert not again.errors, error_messages(again)
    today = utc_today()
    for ad_id, start in starts.items():
        # the saved day again (a lead is keyed by its id); an ad without a lead yet: the configured days
        assert start == (saved[ad_id][:10] if ad_id in saved else (today - timedelta(days=29)).isoformat())
    records = records_by_stream(again)[LEADS]
    assert records and all(record["created_time"][:10] >= saved[record["ad_id"]][:10] for record in records)


@pytest.mark.parametrize("retention", CHOICES["leads_retention"])
def test_a_state_older_than_the_retention_reads_what_pinterest_keeps(sleeps: list[float], retention: str) -> None:
    """A saved lead older than 30 days: the export starts within the 30 days under both readings (an older start
    clipped or refused), a warning says which leads are gone, every lead Pinterest keeps is read."""
    old = f"{(utc_today() - timedelta(days=45)).isoformat()}T10:00:00Z"
    with Simulator(preset="small", seed=1, switches={"leads_retention": retention}) as sim:
        lead_ads = _lead_ads(sim)
        state = {"states": [{"partition": {"ad_account_id": a, "ad_id": ad}, "cursor": {"created_time": old}} for ad, a in lead_ads.items()]}
        output = _read_leads(sim, state=state_messages({LEADS: state}))
        today = utc_today()
        expected = _expected(sim, today - timedelta(days=29), today)
        starts = {export["start_date"] for export in _exports(sim)}
    assert not output.errors, error_messages(output)
    assert starts == {(today - timedelta(days=29)).isoformat()}
    assert sorted(record["lead_id"] for record in records_by_stream(output)[LEADS]) == sorted(expected)
    warnings = [log.log.message for log in output.logs if log.log.level.value == "WARN" and "keeps leads" in log.log.message]
    assert len(warnings) == len(lead_ads) and f"the last lead read was on {old[:10]}" in warnings[0]


@pytest.mark.parametrize("non_lead", CHOICES["non_lead_ad_export"])
def test_only_lead_ads_are_exported(sleeps: list[float], non_lead: str) -> None:
    """The API has no list of lead ads: an export of another ad is empty or refused; the connector asks none."""
    with Simulator(preset="small", seed=1, switches={"non_lead_ad_export": non_lead}) as sim:
        output = _read_leads(sim)
        exported = {export["ad_id"] for export in _exports(sim)}
        lead_ads = set(_lead_ads(sim))
        every_ad = {ad["id"] for account in sim.dataset.ad_account_ids for ad in sim.dataset.entities("ads", account)}
    assert not output.errors, error_messages(output)
    assert exported == lead_ads and every_ad - lead_ads
    assert records_by_stream(output)[LEADS]


def test_a_failed_export_is_created_again(sleeps: list[float]) -> None:
    with Simulator(preset="small", seed=1) as sim:
        sim.lead_exports.fail_next(1)
        output = _read_leads(sim)
        creates = sim.requests.count(CREATE)
        lead_ads = _lead_ads(sim)
    assert not output.errors, error_messages(output)
    assert creates == len(lead_ads) + 1
    assert any("the job ended FAILED" in log.log.message for log in output.logs)


def test_an_export_that_keeps_failing_names_its_lead_ad(sleeps: list[float]) -> None:
    """Every export fails: each lead ad's error names its account, the lead ad and the window (as the attempts'
    warnings do), and no secret."""
    with Simulator(preset="small", seed=1) as sim:
        lead_ads = _lead_ads(sim)
        sim.lead_exports.fail_next(3 * len(lead_ads))
        config = every_scope_config(sim, leads={"enabled": True})
        output = run_read(config, [LEADS], expect_failure=True)
        creates = sim.requests.count(CREATE)
    assert lead_ads and creates == 3 * len(lead_ads)
    failures = [m for m in error_messages(output) if m.startswith("Report 'leads'")]
    named = [re.match(r"Report 'leads' for ad account (\w+), lead ad (\w+), window \S+: ", m) for m in failures]
    assert all(named), failures
    assert sorted((n.group(2), n.group(1)) for n in named if n) == sorted(lead_ads.items())
    assert all("the job ended FAILED after 3 attempts" in m for m in failures), failures
    credentials = config["credentials"]
    secrets = [credentials[key] for key in ("refresh_token", "client_secret", "access_token") if credentials.get(key)]
    assert secrets and not [m for m in error_messages(output) for secret in secrets if secret in m]


@pytest.mark.parametrize(
    ("leads", "error"),
    [
        ({"enabled": "yes"}, "`leads.enabled`: Input should be a valid boolean"),
        ({"enabled": 1}, "`leads.enabled`: Input should be a valid boolean"),
        ({"lookback_days": 0}, "`leads.lookback_days`: Input should be greater than or equal to 1"),
        ({"lookback_days": 31}, "`leads.lookback_days`: Input should be less than or equal to 30"),
        ({"lookback_days": "7"}, "`leads.lookback_days`: Input should be a valid integer"),
        ({"lookback_days": 7.5}, "`leads.lookback_days`: Input should be a valid integer"),
        ({"lookbak_days": 7}, "`leads.lookbak_days` is not a key of the leads settings (did you mean `lookback_days`?)"),
        ([True], "`leads`: Input should be a valid dictionary"),
    ],
)
def test_each_bad_leads_setting_names_its_field(leads: object, error: str) -> None:
    config = {"credentials": {"auth_method": "access_token", "access_token": "token"}, "leads": leads}
    with pytest.raises(AirbyteTracedException) as raised:
        load_config(config)
    assert error in raised.value.message


def test_the_leads_settings_default_to_off_and_30_days() -> None:
    config = load_config({"credentials": {"auth_method": "access_token", "access_token": "token"}})
    assert config.leads.enabled is False and config.leads.lookback_days == 30


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1765000000, "2025-12-06T05:46:40Z"),
        ("2025-12-06T05:46:40Z", "2025-12-06T05:46:40Z"),
        ("2025-12-06T06:46:40+01:00", "2025-12-06T05:46:40Z"),
        ("2025-12-06T05:46:40", "2025-12-06T05:46:40Z"),
        ("1765000000", "2025-12-06T05:46:40Z"),
        ("", None),
        (None, None),
    ],
)
def test_a_submission_time_in_any_form_the_files_write(value: object, expected: object) -> None:
    assert submission_time(value) == expected
