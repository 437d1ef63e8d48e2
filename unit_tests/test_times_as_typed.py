"""Start and end as users type them: a date-time (`2025-01-01T08:00:00Z`) is accepted by `check`, `discover` and `read`
through the connector's entrypoint, read as its UTC day and said so once in the logs; a malformed time fails each
command with an error naming the field and showing both accepted forms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.test.entrypoint_wrapper import discover
from airbyte_cdk.test.models.outcome import ExpectedOutcome
from harness import check_status, records_by_stream, run_check, run_discover, run_read

from source_pinterest_marketing import config as config_module
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.config import DATE_FORMS
from source_pinterest_marketing.source import SourcePinterestMarketing

TYPED = "2025-01-01T08:00:00Z"
SAID = f"`start_date` {TYPED} is read as the UTC day 2025-01-01 (at HOUR granularity, from or to its hour)"
MALFORMED = "2025-13-01T08:00:00Z"
NAMED = f"`start_date`: must be {DATE_FORMS}, got '{MALFORMED}', which is not a real calendar date"

#: what the log line adds: streams that read hours start and end at the given hour
HOURS = " (at HOUR granularity, from or to its hour)"


@pytest.fixture(autouse=True)
def fresh_announcements(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees the once-per-process line about a date-time (other tests may have used the same value)."""
    monkeypatch.setattr(config_module, "_ANNOUNCED", set())


def _log_lines(output: Any) -> list[str]:
    return [message.log.message for message in output.logs]


def test_check_accepts_a_date_time(config: dict[str, Any]) -> None:
    output = run_check({**config, "start_date": TYPED})
    assert check_status(output)[0] == "SUCCEEDED"
    assert _log_lines(output).count(SAID) == 1


def test_discover_accepts_a_date_time(config: dict[str, Any]) -> None:
    output = run_discover({**config, "start_date": TYPED})
    assert output.catalog.catalog.streams
    assert _log_lines(output).count(SAID) == 1


def test_read_accepts_a_date_time(config: dict[str, Any]) -> None:
    output = run_read({**config, "start_date": TYPED}, ["campaigns"])
    assert records_by_stream(output)["campaigns"]
    assert _log_lines(output).count(SAID) == 1


def test_read_starts_at_the_utc_day_of_a_date_time(config: dict[str, Any]) -> None:
    """23:30 at UTC-5 is 04:30 UTC the next day: analytics start that next day, and end on the end's UTC day."""
    today = utc_today()
    start = today - timedelta(days=6)
    given_start = f"{start.isoformat()}T23:30:00-05:00"
    given_end = f"{(today - timedelta(days=2)).isoformat()}T10:00:00"
    output = run_read({**config, "start_date": given_start, "end_date": given_end}, ["ad_account_analytics"])
    days = sorted({record["date"][:10] for record in records_by_stream(output)["ad_account_analytics"]})
    assert days[0] == (start + timedelta(days=1)).isoformat()
    assert days[-1] <= (today - timedelta(days=2)).isoformat()
    assert f"`start_date` {given_start} is read as the UTC day {(start + timedelta(days=1)).isoformat()}{HOURS}" in _log_lines(
        output
    )


def test_check_names_the_field_and_both_forms_of_a_malformed_time(config: dict[str, Any]) -> None:
    status, message = check_status(run_check({**config, "start_date": MALFORMED}))
    assert status == "FAILED"
    assert NAMED in message


def test_discover_and_read_name_the_field_and_both_forms_of_a_malformed_time(config: dict[str, Any]) -> None:
    bad = {**config, "start_date": MALFORMED}
    outputs = [
        discover(SourcePinterestMarketing(), bad, expected_outcome=ExpectedOutcome.EXPECT_EXCEPTION),
        run_read(bad, ["campaigns"], expect_failure=True),
    ]
    for output in outputs:
        [error] = output.errors
        assert error.trace.error.failure_type == FailureType.config_error
        assert NAMED in (error.trace.error.message or "")
