"""Authentication (issue 2): Basic client auth, rotating refresh tokens, expiry warnings, 401 handling."""

from __future__ import annotations

import base64
import logging
import time
from urllib.parse import parse_qs

import pytest
import requests_mock
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from harness import (
    check_status,
    control_messages,
    error_messages,
    keyed,
    records_by_stream,
    run_check,
    run_read,
    silent_server,
)

from pinterest_simulator import Simulator
from source_pinterest_marketing import source as source_module
from source_pinterest_marketing.auth import (
    REFRESH_TOKEN_WARNING_DAYS,
    SYNC_REFRESH_SECONDS,
    PinterestOAuthAuthenticator,
    warn_if_refresh_token_expires_soon,
)
from source_pinterest_marketing.context import SYNC_TOKEN_ATTEMPTS
from source_pinterest_marketing.errors import MAX_REFRESHES_PER_REQUEST

STREAMS = ("campaigns", "ads")


def test_refresh_uses_basic_client_auth_and_a_form_body_without_the_secret() -> None:
    """`POST {base}/oauth/token`: client credentials in the Basic header, never in the form body."""
    base = "https://api.example.test/v5"
    config = {"credentials": {"client_id": "cid", "client_secret": "csecret", "refresh_token": "rt-1"}}
    with requests_mock.Mocker() as mock:
        mock.post(
            f"{base}/oauth/token",
            json={
                "access_token": "at-1",
                "expires_in": 3600,
                "refresh_token": "rt-2",
                "refresh_token_expires_at": 2_000_000_000,
            },
        )
        authenticator = PinterestOAuthAuthenticator(config, base)
        assert authenticator.get_access_token() == "at-1"
        [call] = mock.request_history
    assert call.headers["Authorization"] == "Basic " + base64.b64encode(b"cid:csecret").decode()
    assert call.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    form = parse_qs(call.text)
    assert form["grant_type"] == ["refresh_token"]
    assert form["refresh_token"] == ["rt-1"]
    assert "client_secret" not in form
    assert "csecret" not in call.text
    assert config["credentials"]["refresh_token"] == "rt-2"
    assert config["credentials"]["refresh_token_expires_at"] == 2_000_000_000


def test_rotated_refresh_token_is_persisted_and_the_old_one_is_dead(
    sim: Simulator, config: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    """The rotated token (and its expiry) come out in a CONTROL message; the old config then fails
    with "re-authenticate", the new one works."""
    old_token = config["credentials"]["refresh_token"]
    first = run_read(config, STREAMS)
    assert records_by_stream(first)["campaigns"]
    [control] = control_messages(capsys.readouterr().out)
    assert control["control"]["type"] == "CONNECTOR_CONFIG"
    new_config = control["control"]["connectorConfig"]["config"]
    new_credentials = new_config["credentials"]
    assert new_credentials["refresh_token"] not in ("", old_token)
    assert new_credentials["refresh_token_expires_at"] > time.time() + 50 * 86400

    stale = run_read(
        {**config, "credentials": {**config["credentials"], "refresh_token": old_token}}, STREAMS, expect_failure=True
    )
    assert not stale.records
    assert any("Re-authenticate" in message for message in error_messages(stale))
    assert stale.errors[0].trace.error.failure_type.value == "config_error"

    second = run_read(new_config, STREAMS)
    assert keyed(second) == keyed(first)


def test_warning_when_refresh_token_expires_within_seven_days(caplog: pytest.LogCaptureFixture) -> None:
    now = 1_700_000_000
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        warn_if_refresh_token_expires_soon(now + (REFRESH_TOKEN_WARNING_DAYS + 1) * 86400, now=now)
        assert not caplog.records
        warn_if_refresh_token_expires_soon(now + 3 * 86400, now=now)
    [record] = caplog.records
    assert "expires in 3.0 days" in record.getMessage()


def test_sync_logs_a_warning_for_a_refresh_token_about_to_expire(sleeps: list[float]) -> None:
    """A refresh token with 5 days left (as the token endpoint reports it) is warned about in the sync log."""
    with Simulator(refresh_token_ttl=5 * 86400) as sim:
        output = run_read(sim.connector_config(), ("campaigns",))
    warnings = [log.log.message for log in output.logs if "refresh token expires in" in log.log.message]
    assert warnings, "no expiry warning in the sync log"
    assert "expires in 5.0 days" in warnings[0] or "expires in 4.9 days" in warnings[0]


def test_access_token_mode_needs_no_refresh(sim: Simulator) -> None:
    output = run_read(sim.connector_config(access_token_mode=True), STREAMS)
    assert len(records_by_stream(output)["ads"]) == sim.dataset.counts()["ads"]
    assert sim.requests.count("oauth/token") == 0


def test_401_mid_sync_refreshes_once_and_completes(sim: Simulator) -> None:
    """Tokens expire in the middle of a sync: one extra refresh, and the same records as a clean sync."""
    serial = {"num_workers": 1, "ad_account_ids": sim.dataset.ad_account_ids[:1]}  # one request in flight
    clean = keyed(run_read(sim.connector_config(**serial), ("ads",)))
    sim.requests.clear()
    sim.faults.add("expire_tokens", operation_id="ads/list", times=1)
    output = run_read(sim.connector_config(**serial), ("ads",))
    assert keyed(output) == clean
    assert sim.requests.count("ads/list", status=401) == 1
    assert sim.requests.count("oauth/token") == 2  # the sync's first token, then exactly one refresh


def test_persistent_401_fails_with_reauthenticate(sim: Simulator) -> None:
    """OAuth: a 401 that survives the refresh fails the sync (one refresh only) asking to re-authenticate."""
    config = sim.connector_config(ad_account_ids=sim.dataset.ad_account_ids[:1], num_workers=1)
    sim.faults.add(
        "status",
        status=401,
        operation_id="campaigns/list",
        times=None,
        body={"code": 2, "message": "Authentication failed."},
    )
    output = run_read(config, ("campaigns",), expect_failure=True)
    assert "Re-authenticate the source" in output.errors[0].trace.error.message
    assert output.errors[0].trace.error.failure_type.value == "config_error"
    # a token can expire again while a request is retried: a few refreshes, then the config error
    assert sim.requests.count("oauth/token") == 1 + MAX_REFRESHES_PER_REQUEST
    assert sim.requests.count("campaigns/list") == 1 + MAX_REFRESHES_PER_REQUEST


def test_unknown_access_token_fails_at_once_saying_to_replace_it(sim: Simulator) -> None:
    """An access token cannot be refreshed: a 401 is a config error at once, without talk of refreshing."""
    config = sim.connector_config(access_token_mode=True)
    config["credentials"]["access_token"] = "pina_not-a-real-token"
    output = run_read(config, ("campaigns",), expect_failure=True)
    assert not output.records
    message = output.errors[0].trace.error.message
    assert "Set a new `credentials.access_token`" in message and "refreshing" not in message
    assert output.errors[-1].trace.error.failure_type.value == "config_error"
    assert sim.requests.count("ad_accounts/list") == 1  # not retried
    assert sim.requests.count("oauth/token") == 0


def test_bad_client_secret_names_the_client_fields(sim: Simulator, config: dict) -> None:
    config["credentials"]["client_secret"] = "wrong-secret"
    output = run_read(config, ("campaigns",), expect_failure=True)
    message = output.errors[0].trace.error.message
    assert "credentials.client_id" in message and "credentials.client_secret" in message
    assert "wrong-secret" not in message


def test_unreachable_token_endpoint_is_a_transient_error(sim: Simulator) -> None:
    """The first refresh of `read` cannot reach Pinterest (after its retries): a transient error that names the
    host, not "something went wrong"."""
    config = {**sim.connector_config(), "api_base_url": "http://127.0.0.1:1/v5"}
    output = run_read(config, ("campaigns",), expect_failure=True)
    error = output.errors[-1].trace.error
    assert error.failure_type.value == "transient_error"
    assert "Cannot reach Pinterest at 127.0.0.1:1 (ConnectionError)" in error.message
    assert not output.records


def _oauth_config(base_url: str) -> dict:
    credentials = {"auth_method": "oauth2.0", "client_id": "cid", "client_secret": "csecret", "refresh_token": "rt-1"}
    return {"credentials": credentials, "api_base_url": base_url}


def test_check_fails_within_its_token_time_naming_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """A token endpoint that accepts connections and never answers: `check` says FAILED within its token time
    (CHECK_TOKEN_SECONDS, under the 30 s the docs promise), naming the host; here 1.5 s, so the test is fast."""
    assert source_module.CHECK_TOKEN_SECONDS + 5 <= 30
    monkeypatch.setattr(source_module, "CHECK_TOKEN_SECONDS", 1.5)
    with silent_server() as server:
        started = time.monotonic()
        status, message = check_status(run_check(_oauth_config(server.base_url)))
        elapsed = time.monotonic() - started
        attempts = len(server.connections)
    assert status == "FAILED"
    assert f"Cannot reach Pinterest at {server.host} (ReadTimeout: no answer within 1.5 s) after 1 attempt in " in message
    assert attempts == 1 and elapsed < 4


def test_a_sync_whose_token_endpoint_never_answers_fails_after_its_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PinterestOAuthAuthenticator, "request_timeout_seconds", (0.3, 0.3))
    monkeypatch.setattr(PinterestOAuthAuthenticator, "retry_base_seconds", 0.01)
    with silent_server() as server:
        started = time.monotonic()
        output = run_read(_oauth_config(server.base_url), ("campaigns",), expect_failure=True)
        elapsed = time.monotonic() - started
        attempts = len(server.connections)
    error = output.errors[-1].trace.error
    assert error.failure_type.value == "transient_error"
    assert f"Cannot reach Pinterest at {server.host} (ReadTimeout: no answer within 0.3 s) after 5 attempts" in error.message
    assert attempts == SYNC_TOKEN_ATTEMPTS and elapsed < 5


def test_one_refresh_takes_at_most_its_time_budget() -> None:
    """Whatever the attempts and timeouts, a refresh ends within its time (a sync's: SYNC_REFRESH_SECONDS)."""
    assert SYNC_REFRESH_SECONDS <= 150
    with silent_server() as server:
        authenticator = PinterestOAuthAuthenticator(
            _oauth_config(server.base_url), server.base_url, max_attempts=5, time_budget_seconds=1.2
        )
        started = time.monotonic()
        with pytest.raises(AirbyteTracedException) as raised:
            authenticator.get_access_token()
        elapsed = time.monotonic() - started
    assert "no answer within 1.2 s) after 1 attempt" in (raised.value.message or "")
    assert 1.1 < elapsed < 3
