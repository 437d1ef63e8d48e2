"""`check` (issue 2): a FAILED status with a clear, secret-free message for every bad config."""

from __future__ import annotations

from typing import Any

import pytest
from harness import all_output_text, check_status, run_check

from pinterest_simulator import Simulator
from pinterest_simulator.oauth import ALL_READ_SCOPES


def _secrets(sim: Simulator, config: dict[str, Any]) -> list[str]:
    credentials = config["credentials"]
    values = [sim.client_secret, sim.access_token, credentials.get("client_secret"), credentials.get("refresh_token")]
    values += list(sim.oauth._access)  # every access token the simulator has issued and not expired
    return [value for value in values if value and len(value) > 6]


def _assert_no_secret(sim: Simulator, config: dict[str, Any], text: list[str]) -> None:
    joined = "\n".join(text)
    for secret in _secrets(sim, config):
        assert secret not in joined


def test_check_succeeds_on_a_good_config(sleeps: list[float]) -> None:
    """A token with every read scope: nothing to say (a token without biz_access:read: test_token_scopes.py)."""
    with Simulator(preset="small", seed=1, scopes=ALL_READ_SCOPES) as sim:
        config = sim.connector_config()
        output = run_check(config)
        assert check_status(output) == ("SUCCEEDED", "")
        _assert_no_secret(sim, config, all_output_text(output))


def _bad_secret(sim: Simulator, config: dict) -> dict:
    config["credentials"]["client_secret"] = "not-the-secret-" + sim.client_secret[:4]
    return config


def _used_refresh_token(sim: Simulator, config: dict) -> dict:
    assert check_status(run_check(config))[0] == "SUCCEEDED"  # rotates the refresh token away
    return config


def _unknown_account(sim: Simulator, config: dict) -> dict:
    config["ad_account_ids"] = [sim.dataset.ad_account_ids[0], "549755885175"]
    return config


def _missing_scope(sim: Simulator, config: dict) -> dict:
    config["credentials"]["refresh_token"] = sim.issue_refresh_token(scopes=["boards:read", "pins:read"])
    return config


def _bad_date(sim: Simulator, config: dict) -> dict:
    config["start_date"] = "2024-02-30"
    return config


def _end_before_start(sim: Simulator, config: dict) -> dict:
    config.update(start_date="2024-03-01", end_date="2024-02-01")
    return config


@pytest.mark.parametrize(
    ("break_config", "expected"),
    [
        (_bad_secret, ["credentials.client_id", "credentials.client_secret"]),
        (_used_refresh_token, ["refresh token", "Re-authenticate"]),
        (_unknown_account, ["`ad_account_ids`: 1 of the 2 configured ad accounts is not among", ": 549755885175."]),
        (_missing_scope, ["scope", "user_accounts:read", "Re-authenticate"]),
        (_bad_date, ["start_date", "2024-02-30"]),
        (_end_before_start, ["end_date", "before", "start_date"]),
    ],
    ids=[
        "bad-client-secret",
        "used-refresh-token",
        "unknown-ad-account",
        "missing-scope",
        "bad-date",
        "end-before-start",
    ],
)
def test_check_fails_clearly_without_secrets(
    sim: Simulator, config: dict, break_config: Any, expected: list[str]
) -> None:
    config = break_config(sim, config)
    output = run_check(config)
    status, message = check_status(output)
    assert status == "FAILED"
    for fragment in expected:
        assert fragment in message
    assert "Traceback" not in message
    assert not output.errors  # a status, not a crash
    _assert_no_secret(sim, config, all_output_text(output))
