"""The OAuth helper (`source-pinterest-marketing-authorize`) against the in-process simulator: the whole
authorization-code flow through the simulated authorize page, the written config passing a real `check`,
and a clear, secret-free error for each way the flow goes wrong."""

from __future__ import annotations

import getpass
import json
import logging
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Optional
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from airbyte_cdk.models import Status

from pinterest_simulator import Simulator
from source_pinterest_marketing import authorize
from source_pinterest_marketing.authorize import DEFAULT_REDIRECT_URI, SECRET_ENV, AuthorizeError, code_from_paste, main
from source_pinterest_marketing.config import SCOPES
from source_pinterest_marketing.source import SourcePinterestMarketing

Tamper = Callable[[str], str]


def _argv(sim: Simulator, *extra: str) -> list[str]:
    return [
        "--client-id",
        sim.client_id,
        "--api-base-url",
        sim.base_url,
        "--authorization-url",
        sim.authorize_url,
        *extra,
    ]


def _with_query(url: str, **changes: str) -> str:
    parsed = urlparse(url)
    query = {key: values[0] for key, values in parse_qs(parsed.query).items()}
    query.update(changes)
    return parsed._replace(query=urlencode(query)).geturl()


def _browser(
    sim: Simulator, capsys: pytest.CaptureFixture[str], seen: dict[str, str], tamper: Optional[Tamper]
) -> Callable[[], str]:
    """A stand-in for the person: open the printed URL, approve, paste the redirected URL back."""

    def readline() -> str:
        instructions = capsys.readouterr().err
        url = next(line.strip() for line in instructions.splitlines() if line.strip().startswith(sim.authorize_url))
        seen["url"] = url
        answer = requests.get(url, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text
        location = answer.headers["Location"]
        seen["location"] = location
        return (tamper(location) if tamper else location) + "\n"

    return readline


def _run_interactive(
    sim: Simulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
    tamper: Optional[Tamper] = None,
) -> tuple[int, dict[str, str]]:
    seen: dict[str, str] = {}
    monkeypatch.setenv(SECRET_ENV, sim.client_secret)
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(readline=_browser(sim, capsys, seen, tamper)))
    return main(_argv(sim, *extra)), seen


def _assert_no_secret(sim: Simulator, text: str) -> None:
    for secret in (sim.client_secret, *sim.oauth._refresh, *sim.oauth._access):
        assert secret not in text


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_full_flow_writes_a_config_that_passes_check(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "config.json"
    account = sim.dataset.ad_account_ids[0]
    extra = ("--output", str(output), "--start-date", "2024-01-01", "--ad-account-id", account)
    exit_code, seen = _run_interactive(sim, monkeypatch, capsys, *extra)

    assert exit_code == 0
    sent = parse_qs(urlparse(seen["url"]).query)
    assert sent["client_id"] == [sim.client_id]
    assert sent["redirect_uri"] == [DEFAULT_REDIRECT_URI]
    assert sent["response_type"] == ["code"]
    assert sent["scope"] == [SCOPES]
    assert len(sent["state"][0]) >= 16
    assert seen["location"].startswith(DEFAULT_REDIRECT_URI + "?code=")

    assert _mode(output) == 0o600
    config = json.loads(output.read_text())
    credentials = config["credentials"]
    assert credentials["auth_method"] == "oauth2.0"
    assert credentials["client_id"] == sim.client_id
    assert credentials["client_secret"] == sim.client_secret
    assert credentials["refresh_token"] in sim.oauth._refresh
    assert credentials["refresh_token_expires_at"] > 0
    assert config["api_base_url"] == sim.base_url
    assert config["start_date"] == "2024-01-01"
    assert config["ad_account_ids"] == [account]
    assert "environment" not in config  # only what was given

    stderr = capsys.readouterr().err
    assert f"Wrote the connector config to {output} (mode 0600)" in stderr
    _assert_no_secret(sim, stderr)

    status = SourcePinterestMarketing().check(logging.getLogger("airbyte"), config)
    assert status.status == Status.SUCCEEDED, status.message


def test_extra_scopes_are_asked_for_on_top_of_the_default_ones(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "config.json"
    exit_code, seen = _run_interactive(sim, monkeypatch, capsys, "--output", str(output), "--extra-scopes", "billing:read")
    assert exit_code == 0
    assert parse_qs(urlparse(seen["url"]).query)["scope"] == [f"{SCOPES},billing:read"]
    refresh_token = json.loads(output.read_text())["credentials"]["refresh_token"]
    assert sim.oauth._refresh[refresh_token].scopes == {*SCOPES.split(","), "billing:read"}


def test_config_on_stdout_with_the_secret_asked_without_echo(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str, stream: Any = None) -> str:
        prompts.append(prompt)
        return sim.client_secret

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    code = sim.issue_authorization_code(redirect_uri=DEFAULT_REDIRECT_URI)
    exit_code = main(_argv(sim, f"--code={code}", "--environment", "production"))

    captured = capsys.readouterr()  # consumed here: the config on stdout holds the secrets by design
    assert exit_code == 0
    assert prompts and "secret" in prompts[0].lower()
    config = json.loads(captured.out)
    assert config["credentials"]["client_secret"] == sim.client_secret
    assert config["environment"] == "production"
    _assert_no_secret(sim, captured.err)


def test_a_code_starting_with_a_dash_is_exchanged(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """URL-safe codes may start with '-': `--code=VALUE` passes them (a bare `--code -x` is an option to argparse)."""
    monkeypatch.setenv(SECRET_ENV, sim.client_secret)
    code = "-" + sim.issue_authorization_code(redirect_uri=DEFAULT_REDIRECT_URI)
    sim.oauth._codes[code] = sim.oauth._codes.pop(code[1:])
    output = tmp_path / "config.json"
    assert main(_argv(sim, f"--code={code}", "--output", str(output))) == 0
    assert json.loads(output.read_text())["credentials"]["refresh_token"]


def test_an_existing_output_file_is_made_private(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    output = tmp_path / "config.json"
    output.write_text("{}")
    output.chmod(0o644)
    monkeypatch.setenv(SECRET_ENV, sim.client_secret)
    code = sim.issue_authorization_code(redirect_uri=DEFAULT_REDIRECT_URI)
    assert main(_argv(sim, f"--code={code}", "--output", str(output))) == 0
    assert _mode(output) == 0o600
    assert json.loads(output.read_text())["credentials"]["refresh_token"]


def test_wrong_client_secret_is_a_clear_error_without_the_secret(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    wrong = "wrong-secret-" + "x" * 24
    monkeypatch.setenv(SECRET_ENV, wrong)
    code = sim.issue_authorization_code(redirect_uri=DEFAULT_REDIRECT_URI)
    output = tmp_path / "config.json"
    exit_code = main(_argv(sim, f"--code={code}", "--output", str(output)))

    captured = capsys.readouterr()
    assert exit_code == 2
    assert "rejected the client credentials" in captured.err
    assert "HTTP 401" in captured.err
    assert "Traceback" not in captured.err
    for value in (wrong, code, sim.client_secret):
        assert value not in captured.err + captured.out
    assert not output.exists()


def test_a_reused_code_is_a_clear_error(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv(SECRET_ENV, sim.client_secret)
    code = sim.issue_authorization_code(redirect_uri=DEFAULT_REDIRECT_URI)
    assert main(_argv(sim, f"--code={code}", "--output", str(tmp_path / "first.json"))) == 0
    capsys.readouterr()

    assert main(_argv(sim, f"--code={code}", "--output", str(tmp_path / "second.json"))) == 2
    stderr = capsys.readouterr().err
    assert "rejected the authorization code" in stderr
    assert "HTTP 400" in stderr
    assert "works once" in stderr
    assert code not in stderr
    _assert_no_secret(sim, stderr)


def test_a_redirect_uri_other_than_the_code_was_issued_for_is_rejected(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(SECRET_ENV, sim.client_secret)
    code = sim.issue_authorization_code(redirect_uri="http://localhost:9999/callback")
    assert main(_argv(sim, f"--code={code}")) == 2
    assert "--redirect-uri must be exactly" in capsys.readouterr().err


def test_state_mismatch_is_an_error_and_nothing_is_exchanged(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "config.json"
    exit_code, _ = _run_interactive(
        sim, monkeypatch, capsys, "--output", str(output), tamper=lambda url: _with_query(url, state="forged")
    )
    assert exit_code == 2
    assert "`state` in the pasted URL does not match" in capsys.readouterr().err
    assert sim.requests.count("oauth/token") == 0
    assert not output.exists()


def test_a_pasted_url_without_a_code_is_an_error(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def drop_code(url: str) -> str:
        parsed = urlparse(url)
        return parsed._replace(query=urlencode({"state": parse_qs(parsed.query)["state"][0]})).geturl()

    exit_code, _ = _run_interactive(sim, monkeypatch, capsys, tamper=drop_code)
    assert exit_code == 2
    assert "has no `code` parameter" in capsys.readouterr().err
    assert sim.requests.count("oauth/token") == 0


def test_a_bare_code_pasted_at_the_prompt_is_accepted(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def bare_code(url: str) -> str:
        return parse_qs(urlparse(url).query)["code"][0]

    output = tmp_path / "config.json"
    exit_code, _ = _run_interactive(sim, monkeypatch, capsys, "--output", str(output), tamper=bare_code)
    assert exit_code == 0
    assert json.loads(output.read_text())["credentials"]["refresh_token"]


def test_end_of_input_is_a_missing_code_error(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(SECRET_ENV, sim.client_secret)
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(readline=lambda: ""))
    assert main(_argv(sim)) == 2
    assert "No authorization code was given" in capsys.readouterr().err


def test_bad_passthrough_fields_fail_before_the_browser_step(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(SECRET_ENV, sim.client_secret)
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(readline=pytest.fail))
    assert main(_argv(sim, "--start-date", "2024-02-30")) == 2
    stderr = capsys.readouterr().err
    assert "start_date" in stderr
    assert sim.authorize_url not in stderr


def test_an_unreachable_token_endpoint_is_a_clear_error(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(SECRET_ENV, sim.client_secret)
    argv = ["--client-id", sim.client_id, "--api-base-url", "http://127.0.0.1:9/v5", "--code", "abc"]
    assert main(argv) == 2
    assert "Could not reach the token endpoint http://127.0.0.1:9/v5/oauth/token" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("pasted", "expected_state", "code"),
    [
        ("abc123\n", "s1", "abc123"),
        ("http://localhost:8085/?code=abc123&state=s1", "s1", "abc123"),
        ("https://example.com/cb?state=s1&code=abc123", "s1", "abc123"),
        ("?code=abc123&state=s1", "s1", "abc123"),
        ("code=abc123&state=s1", "s1", "abc123"),
        ("http://localhost:8085/?code=abc123", None, "abc123"),  # --code without --state: not checkable
    ],
)
def test_code_from_paste_accepts_a_url_or_a_bare_code(pasted: str, expected_state: Optional[str], code: str) -> None:
    assert code_from_paste(pasted, expected_state) == code


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("", "No authorization code"),
        ("   \n", "No authorization code"),
        ("not a code", "does not look like"),
        ("http://localhost:8085/?state=s1", "no `code` parameter"),
        ("http://localhost:8085/?code=abc&state=other", "does not match"),
        ("http://localhost:8085/?code=abc", "does not match"),
        ("http://localhost:8085/?error=access_denied&state=s1", "did not authorize the app: access_denied"),
    ],
)
def test_code_from_paste_errors(pasted: str, message: str) -> None:
    with pytest.raises(AuthorizeError, match=message):
        code_from_paste(pasted, "s1")


def test_an_output_in_a_missing_directory_fails_before_the_code_is_spent(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv(SECRET_ENV, sim.client_secret)
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(readline=pytest.fail))  # never asked for a code
    output = tmp_path / "missing" / "config.json"
    assert main(_argv(sim, "--output", str(output))) == 2
    stderr = capsys.readouterr().err
    assert f"the directory {output.parent} does not exist" in stderr
    assert sim.authorize_url not in stderr
    assert sim.requests.count("oauth/token") == 0


def test_a_config_that_cannot_be_written_after_the_exchange_is_printed_once(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The code is spent by then: the refresh token must not be lost with the file."""

    def disk_full(path: str, config: object) -> None:
        raise authorize.AuthorizeError(f"Could not write {path}: No space left on device.")

    monkeypatch.setattr(authorize, "write_config", disk_full)
    exit_code, _ = _run_interactive(sim, monkeypatch, capsys, "--output", str(tmp_path / "config.json"))
    assert exit_code == 2
    captured = capsys.readouterr()
    config = json.loads(captured.out)
    assert config["credentials"]["refresh_token"] in sim.oauth._refresh
    assert "No space left on device" in captured.err and "save it now" in captured.err
    assert config["credentials"]["refresh_token"] not in captured.err


# -- an existing --output: merged, or refused before the code is spent -----------------------------------------------
def _existing_config(sim: Simulator) -> dict[str, Any]:
    """A config someone has been using: settings of their own, and the credentials of an older grant."""
    return {
        "credentials": {
            "auth_method": "oauth2.0",
            "client_id": sim.client_id,
            "client_secret": sim.client_secret,
            "refresh_token": "pinr_an_old_grant",
            "access_token": "pina_an_old_grant",
            "token_expiry_date": "2020-01-01T00:00:00+00:00",
        },
        "api_base_url": sim.base_url,
        "start_date": "2024-03-01",
        "ad_account_ids": [sim.dataset.ad_account_ids[0]],
        "custom_reports": [{"name": "spend", "level": "CAMPAIGN", "granularity": "DAY", "columns": ["SPEND_IN_DOLLAR"]}],
        "entity_statuses": ["ACTIVE"],
        "click_window_days": 7,
        "lookback_window_days": 3,
    }


def test_an_existing_config_keeps_every_other_setting(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Only `credentials` is new (the old grant's access token and expiry go with it); the exchange goes to the
    existing config's `api_base_url`, not given again on the command line."""
    output = tmp_path / "config.json"
    before = _existing_config(sim)
    output.write_text(json.dumps(before))
    output.chmod(0o640)
    monkeypatch.setenv(SECRET_ENV, sim.client_secret)
    code = sim.issue_authorization_code(redirect_uri=DEFAULT_REDIRECT_URI)
    argv = ["--client-id", sim.client_id, f"--code={code}", "--output", str(output)]
    assert main(argv) == 0

    after = json.loads(output.read_text())
    assert {key: value for key, value in after.items() if key != "credentials"} == {
        key: value for key, value in before.items() if key != "credentials"
    }
    credentials = after["credentials"]
    assert credentials["refresh_token"] in sim.oauth._refresh
    assert "access_token" not in credentials and "token_expiry_date" not in credentials
    assert _mode(output) == 0o600
    stderr = capsys.readouterr().err
    assert f"into the existing config {output}" in stderr and "custom_reports" in stderr
    assert [path.name for path in tmp_path.iterdir()] == ["config.json"]  # no temporary file left
    status = SourcePinterestMarketing().check(logging.getLogger("airbyte"), after)
    assert status.status == Status.SUCCEEDED, status.message


def test_options_given_replace_those_of_the_existing_config(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    output = tmp_path / "config.json"
    output.write_text(json.dumps(_existing_config(sim)))
    monkeypatch.setenv(SECRET_ENV, sim.client_secret)
    code = sim.issue_authorization_code(redirect_uri=DEFAULT_REDIRECT_URI)
    account = sim.dataset.ad_account_ids[1]
    assert main(_argv(sim, f"--code={code}", "--output", str(output), "--start-date", "2024-05-01", "--ad-account-id", account)) == 0
    after = json.loads(output.read_text())
    assert (after["start_date"], after["ad_account_ids"], after["lookback_window_days"]) == ("2024-05-01", [account], 3)


def _refused_before_the_code_is_spent(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], output: Path
) -> str:
    """Run the helper with a code and --output; it must fail with the code unspent (still exchangeable)."""
    monkeypatch.setenv(SECRET_ENV, sim.client_secret)
    code = sim.issue_authorization_code(redirect_uri=DEFAULT_REDIRECT_URI)
    assert main(_argv(sim, f"--code={code}", "--output", str(output))) == 2
    captured = capsys.readouterr()
    assert sim.requests.count("oauth/token") == 0
    assert code in sim.oauth._codes
    assert captured.out == ""  # nothing to save: no config was made
    _assert_no_secret(sim, captured.err)
    return captured.err


def test_an_output_that_is_a_directory_is_refused_before_the_code_is_spent(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    stderr = _refused_before_the_code_is_spent(sim, monkeypatch, capsys, tmp_path)
    assert f"Cannot write --output {tmp_path}: {tmp_path} is a directory, not a file" in stderr
    assert list(tmp_path.iterdir()) == []


def test_a_read_only_output_is_refused_before_the_code_is_spent(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "config.json"
    output.write_text(json.dumps(_existing_config(sim)))
    output.chmod(0o400)
    stderr = _refused_before_the_code_is_spent(sim, monkeypatch, capsys, output)
    assert f"Cannot write --output {output}: {output} is read-only (mode 0400)" in stderr
    assert json.loads(output.read_text()) == _existing_config(sim)


def test_an_output_that_is_not_a_json_config_is_refused_before_the_code_is_spent(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "config.json"
    output.write_text("start_date: 2024-01-01\n")
    stderr = _refused_before_the_code_is_spent(sim, monkeypatch, capsys, output)
    assert f"--output {output} exists and is not JSON (line 1, column 1" in stderr
    output.write_text("[]")
    assert "holds a JSON list, not a connector config" in _refused_before_the_code_is_spent(sim, monkeypatch, capsys, output)


def test_an_existing_config_with_an_invalid_setting_is_refused_before_the_code_is_spent(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "config.json"
    output.write_text(json.dumps({**_existing_config(sim), "click_window_days": 3}))
    assert "click_window_days" in _refused_before_the_code_is_spent(sim, monkeypatch, capsys, output)
