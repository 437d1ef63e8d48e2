"""Every config rule of PRODUCT §2 fails with a config error naming the field, never quoting a secret."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from typing import Any

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing import config as config_module
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.config import (
    DATE_FORMS,
    PRODUCTION_API_BASE,
    SANDBOX_API_BASE,
    connector_spec_schema,
    load_config,
)

SECRET = "very-secret-value-123"
TOMORROW = (utc_today() + timedelta(days=2)).isoformat()

#: what the log line adds: streams that read hours start and end at the given hour
HOURS = " (at HOUR granularity, from or to its hour)"


def _config(**overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "credentials": {
            "auth_method": "oauth2.0",
            "client_id": "1484000000000000",
            "client_secret": SECRET,
            "refresh_token": SECRET + "-refresh",
        }
    }
    config.update(overrides)
    return config


def _error(config: dict[str, Any]) -> str:
    with pytest.raises(AirbyteTracedException) as raised:
        load_config(config)
    assert raised.value.failure_type == FailureType.config_error
    assert SECRET not in (raised.value.message or "")
    assert SECRET not in (raised.value.internal_message or "")
    return raised.value.message or ""


def test_minimal_config_gets_documented_defaults() -> None:
    config = load_config(_config())
    assert config.entity_statuses == ["ACTIVE", "PAUSED", "ARCHIVED"]
    assert config.click_window_days == 30
    assert config.engagement_window_days == 30
    assert config.view_window_days == 1
    assert config.conversion_report_time == "TIME_OF_AD_ACTION"
    assert config.lookback_window_days == 30
    assert config.start_date is None
    assert config.end_date == utc_today()
    assert config.api_base_url == PRODUCTION_API_BASE


def test_view_window_zero_is_kept() -> None:
    assert load_config(_config(view_window_days=0)).view_window_days == 0


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"start_date": "2024-13-01"}, f"`start_date`: must be {DATE_FORMS}, got '2024-13-01', which is not a real calendar date"),
        ({"start_date": "01/02/2024"}, f"`start_date`: must be {DATE_FORMS}, got '01/02/2024'"),
        ({"start_date": 20240102}, f"`start_date`: must be {DATE_FORMS}, got 20240102"),
        ({"start_date": "2024-01-02T08:00Z"}, f"`start_date`: must be {DATE_FORMS}, got '2024-01-02T08:00Z'"),
        ({"start_date": "2024-01-02T24:00:00Z"}, "got '2024-01-02T24:00:00Z', which is not a real time of day or UTC offset"),
        ({"end_date": "2024-02-30"}, f"`end_date`: must be {DATE_FORMS}, got '2024-02-30', which is not a real calendar date"),
        ({"end_date": "2024-02-03T01:00:00+25:00"}, "which is not a real time of day or UTC offset"),
        ({"start_date": "2024-03-01", "end_date": "2024-02-01"}, "`end_date` 2024-02-01 is before `start_date` 2024-03-01"),
        ({"start_date": TOMORROW}, f"`start_date` {TOMORROW} is in the future"),
        ({"end_date": TOMORROW}, f"`end_date` {TOMORROW} is in the future"),
        ({"click_window_days": 3}, "`click_window_days`: must be one of [0, 1, 7, 14, 30, 60]"),
        ({"engagement_window_days": 90}, "`engagement_window_days`"),
        ({"view_window_days": -1}, "`view_window_days`"),
        ({"conversion_report_time": "WHENEVER"}, "`conversion_report_time`"),
        ({"ad_account_ids": ["12ab"]}, "`ad_account_ids`: '12ab' is not an ad account id"),
        ({"ad_account_ids": ["1234567890123456789"]}, "is not an ad account id"),
        ({"ad_account_ids": ["1", "1"]}, "duplicate"),
        ({"entity_statuses": []}, "`entity_statuses`: needs at least one status"),
        ({"entity_statuses": ["ACTIVE", "LIVE"]}, "`entity_statuses`: unknown value(s) ['LIVE']"),
        ({"lookback_window_days": -1}, "`lookback_window_days`"),
        ({"num_workers": 0}, "`num_workers`"),
        ({"environment": "staging"}, "`environment`"),
        ({"api_base_url": "ftp://example"}, "`api_base_url`"),
        ({"custom_reports": [{"name": "r", "level": "CAMPAIGN", "columns": []}]}, "`custom_reports.0`: `columns` needs at least one column (or give a template_id)"),
        ({"custom_reports": [{"name": "r", "level": "CAMPAIGN"}]}, "`custom_reports.0`: `columns` needs at least one column (or give a template_id)"),
        ({"custom_reports": [{"name": "r", "level": "NOPE", "columns": ["SPEND_IN_DOLLAR"]}]}, "`custom_reports.0.level`"),
        ({"custom_reports": [{"name": "r", "level": "CAMPAIGN", "columns": ["NOT_A_COLUMN"]}]}, "unknown value(s) ['NOT_A_COLUMN']"),
        ({"custom_reports": [{"name": "Bad Name", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"]}]}, "`custom_reports.0.name`"),
        (
            {"custom_reports": [{"name": "r", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"], "targeting_types": ["GENDER"]}]},
            "targeting_types need a *_TARGETING level",
        ),
        (
            {"custom_reports": [{"name": "r", "level": "CAMPAIGN_TARGETING", "columns": ["SPEND_IN_DOLLAR"]}]},
            "needs at least one targeting type",
        ),
        (
            {"custom_reports": [{"name": "r", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"], "start_date": "2024-05-01", "end_date": "2024-04-01"}]},
            "`end_date` 2024-04-01 is before `start_date` 2024-05-01",
        ),
        (
            {"custom_reports": [{"name": "r", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"]}] * 2},
            "duplicate report names ['r']",
        ),
    ],
)
def test_invalid_config_names_the_field(overrides: dict[str, Any], expected: str) -> None:
    assert expected in _error(_config(**overrides))


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        (None, "`credentials` is required"),
        ({"auth_method": "password"}, "auth_method must be 'oauth2.0' or 'access_token'"),
        ({"auth_method": "oauth2.0", "client_id": "1", "client_secret": SECRET}, "`credentials.refresh_token` is required"),
        ({"auth_method": "oauth2.0", "client_id": "1", "client_secret": "", "refresh_token": SECRET}, "`credentials.client_secret`"),
        ({"auth_method": "access_token"}, "`credentials.access_token` is required"),
        (
            {"auth_method": "access_token", "access_token": SECRET, "extra": SECRET},
            "`credentials.extra` is not a key of the access-token credentials (its keys are `auth_method`, `access_token`)",
        ),
        (
            {"auth_method": "access_token", "acess_token": SECRET},
            "`credentials.acess_token` is not a key of the access-token credentials (did you mean `access_token`?)",
        ),
    ],
)
def test_invalid_credentials_never_echo_secrets(credentials: Any, expected: str) -> None:
    config = _config()
    if credentials is None:
        config.pop("credentials")
    else:
        config["credentials"] = credentials
    assert expected in _error(config)


def test_environment_selects_base_url_and_override_wins() -> None:
    assert load_config(_config(environment="sandbox")).api_base_url == SANDBOX_API_BASE
    assert load_config(_config(api_base_url="http://127.0.0.1:9/v5/")).api_base_url == "http://127.0.0.1:9/v5"


def test_spec_marks_every_secret_and_hides_the_base_url_override() -> None:
    spec = connector_spec_schema()
    oauth, token = spec["properties"]["credentials"]["oneOf"]
    for option, secrets in ((oauth, ["client_id", "client_secret", "refresh_token"]), (token, ["access_token"])):
        for name in secrets:
            assert option["properties"][name]["airbyte_secret"] is True
    assert spec["properties"]["api_base_url"]["airbyte_hidden"] is True
    assert "$defs" not in spec and "$ref" not in str(spec)
    assert spec["properties"]["view_window_days"]["enum"] == [0, 1, 7, 14, 30, 60]
    assert spec["properties"]["entity_statuses"]["default"] == ["ACTIVE", "PAUSED", "ARCHIVED"]


def test_custom_report_rule_names_the_report_and_values_are_quoted_once() -> None:
    future = {"name": "r", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"], "start_date": TOMORROW}
    assert f"`custom_reports.0`: `start_date` {TOMORROW} is in the future" in _error(_config(custom_reports=[future]))
    bad_level = {"name": "r", "level": "NOPE", "columns": ["SPEND_IN_DOLLAR"]}
    message = _error(_config(custom_reports=[bad_level]))
    assert message.count("'NOPE'") == 1


def test_every_invalid_value_is_reported_with_the_date_rules() -> None:
    """A rule between the two dates is a field rule: it is reported along with the other invalid values."""
    message = _error(_config(view_window_days=3, num_workers=0, start_date="2025-02-01", end_date="2025-01-01"))
    for expected in ("`view_window_days`", "`num_workers`", "`end_date` 2025-01-01 is before `start_date` 2025-02-01"):
        assert expected in message
    message = _error(_config(view_window_days=3, start_date=TOMORROW))
    assert "`view_window_days`" in message and f"`start_date` {TOMORROW} is in the future" in message


def test_every_broken_rule_of_a_custom_report_is_reported() -> None:
    report = {"name": "r", "level": "CAMPAIGN_TARGETING", "columns": []}
    message = _error(_config(custom_reports=[report]))
    assert "`columns` needs at least one column" in message and "needs at least one targeting type" in message


def test_null_means_not_set_for_both_dates() -> None:
    config = load_config(_config(start_date=None, end_date=None))
    assert config.start_date is None and config.end_date == utc_today()
    report = {"name": "r", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"], "start_date": None, "end_date": None}
    assert load_config(_config(custom_reports=[report])).custom_reports[0].end_date is None


@pytest.mark.parametrize("value", ["549755885175\n", " 549755885175", "٥٤٩٧٥٥٨٨٥١٧٥", "\uff15\uff14\uff19", "549755885175\u200b"])
def test_ids_are_ascii_digits_only_the_whole_string(value: str) -> None:
    assert f"`ad_account_ids`: {value!r} is not an ad account id" in _error(_config(ad_account_ids=[value]))
    assert "`business_ad_account_id`" in _error(_config(business_ad_account_id=value))
    report = {"name": "r", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"], "campaign_ids": [value]}
    assert "`custom_reports.0.campaign_ids`" in _error(_config(custom_reports=[report]))
    template = {"name": "r", "level": "CAMPAIGN", "template_id": value}
    assert "`custom_reports.0.template_id`" in _error(_config(custom_reports=[template]))


@pytest.mark.parametrize(
    ("given", "day"),
    [
        ("2025-01-01", date(2025, 1, 1)),
        ("2025-01-01T08:00:00Z", date(2025, 1, 1)),
        ("2025-01-01T08:00:00", date(2025, 1, 1)),  # no zone: UTC
        ("2025-01-01T08:00:00.250Z", date(2025, 1, 1)),
        ("2025-01-01T23:30:00-05:00", date(2025, 1, 2)),  # 04:30 UTC the next day
        ("2025-01-01T01:00:00+02:00", date(2024, 12, 31)),  # 23:00 UTC the day before
        ("2025-01-01T00:00:00+00:00", date(2025, 1, 1)),
    ],
)
def test_a_date_or_a_date_time_is_read_as_its_utc_day(given: str, day: date) -> None:
    config = load_config(_config(start_date=given, end_date="2025-03-01"))
    assert config.start_date == day
    report = {"name": "r", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"], "start_date": given, "end_date": given}
    [custom] = load_config(_config(custom_reports=[report])).custom_reports
    assert custom.start_date == custom.end_date == day


def test_a_date_time_is_announced_once_as_the_utc_day_it_is_read_as(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(config_module, "_ANNOUNCED", set())
    report = {"name": "r", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"], "end_date": "2025-01-31T23:00:00-02:00"}
    raw = _config(start_date="2025-01-01T08:00:00Z", end_date="2025-02-01", custom_reports=[report])
    with caplog.at_level(logging.INFO, logger="airbyte"):
        load_config(raw)
        load_config(raw)  # a command validates its config more than once: said once
    lines = [record.getMessage() for record in caplog.records if "is read as the UTC day" in record.getMessage()]
    assert lines == [
        "`start_date` 2025-01-01T08:00:00Z is read as the UTC day 2025-01-01" + HOURS,
        "`custom_reports.0.end_date` 2025-01-31T23:00:00-02:00 is read as the UTC day 2025-02-01" + HOURS,
    ]


def test_unknown_keys_of_a_custom_report_are_errors_naming_the_key() -> None:
    report = {"name": "r", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"], "colums": ["SPEND_IN_DOLLAR"]}
    message = _error(_config(custom_reports=[report]))
    assert "`custom_reports.0.colums` is not a key of a custom report (did you mean `columns`?)" in message


def test_the_oauth_credentials_keep_the_keys_the_connector_writes() -> None:
    credentials = {
        **_config()["credentials"],
        "access_token": SECRET,
        "token_expiry_date": "2030-01-01T00:00:00+00:00",
        "refresh_token_expires_at": "2030-06-01T00:00:00+00:00",
    }
    assert load_config(_config(credentials=credentials)).credentials.auth_method == "oauth2.0"


@pytest.mark.parametrize(
    ("field", "value"),
    [("num_workers", "8"), ("num_workers", True), ("lookback_window_days", 7.0), ("click_window_days", "30")],
)
def test_numbers_are_not_coerced(field: str, value: Any) -> None:
    assert f"`{field}`" in _error(_config(**{field: value}))


def test_the_spec_keeps_a_date_picker_and_describes_the_accepted_form() -> None:
    spec = connector_spec_schema()
    for field in (spec["properties"]["start_date"], spec["properties"]["custom_reports"]["items"]["properties"]["end_date"]):
        assert field["type"] == "string" and field["format"] == "date"
        assert field["pattern_descriptor"] == "YYYY-MM-DD"
        assert re.search(field["pattern"], "2025-01-01") and re.search(field["pattern"], "2025-01-01T08:00:00Z")
        assert not re.search(field["pattern"], "01/02/2025")


@pytest.mark.parametrize(
    ("text", "shape_ok"),
    [
        ("2025-01-01", True),
        ("2025-01-01T08:00:00Z", True),
        ("2025-01-01T08:00:00", True),
        ("2025-01-01T08:00:00.123456789+05:30", True),
        ("2025-01-01T08:00:00-00:00", True),
        ("2025-01-01T08:00", False),
        ("2025-01-01 08:00:00", False),
        ("2025-01-01t08:00:00z", False),
        ("2025-01-01T08:00:00+0530", False),
        ("25-01-01", False),
        ("2025-01-01Z", False),
    ],
)
def test_the_spec_pattern_and_the_validation_accept_the_same_forms(text: str, shape_ok: bool) -> None:
    """What the Airbyte UI checks (the spec's pattern) and what `load_config` accepts agree, form by form."""
    pattern = connector_spec_schema()["properties"]["start_date"]["pattern"]
    assert bool(re.search(pattern, text)) is shape_ok
    try:
        config_module.utc_day(text)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted is shape_ok


def _declared_enums(schema: dict[str, Any], path: str = "") -> list[tuple[str, bool]]:
    """(path, is a list) of every property of the spec that declares its values, custom reports' included."""
    found: list[tuple[str, bool]] = []
    for name, prop in schema.get("properties", {}).items():
        where = f"{path}{name}"
        if "enum" in prop:
            found.append((where, False))
        items = prop.get("items", {})
        if "enum" in items:
            found.append((where, True))
        if items.get("type") == "object":
            found += _declared_enums(items, f"{where}.0.")
    return found


def _with_value(path: str, value: Any) -> dict[str, Any]:
    report = {"name": "r", "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"]}
    if path.startswith("custom_reports.0.metrics_filters.0."):
        report["metrics_filters"] = [{"field": "SPEND_IN_DOLLAR", "operator": "GREATER_THAN", "values": [0], path.rsplit(".", 1)[1]: value}]
        return _config(custom_reports=[report])
    if path.startswith("custom_reports.0."):
        return _config(custom_reports=[{**report, path.rsplit(".", 1)[1]: value}])
    return _config(**{path: value})


def test_every_value_the_spec_declares_is_enforced_naming_the_field() -> None:
    """One mechanism checks every field whose spec lists its values (`enum`, `items.enum`): a value outside them is
    a config error naming the field, wherever the field is."""
    declared = _declared_enums(connector_spec_schema())
    assert len(declared) >= 15 and ("custom_reports.0.metrics_filters.0.operator", False) in declared
    for path, is_list in declared:
        message = _error(_with_value(path, ["NOT_AN_API_VALUE"] if is_list else "NOT_AN_API_VALUE"))
        assert f"`{path}`: " in message and "NOT_AN_API_VALUE" in message, (path, message)
