"""`--update-config`: outside Airbyte, rotated OAuth credentials are saved back into the `--config` file (auth.py,
local_files.py), so the README's commands, run one after the other on one config file, keep working. The README's
own sequence under both readings of rotation is in test_ambiguity.py."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteStateMessageSerializer
from harness import check_status, run_cli, write_catalog

from pinterest_simulator import Simulator
from source_pinterest_marketing import auth
from source_pinterest_marketing.run import PinterestEntrypoint

FLAG = "--update-config"


def _config_file(tmp_path: Path, config: dict[str, Any], mode: int = 0o640) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    path.chmod(mode)
    return path


def _read(config: Path, tmp_path: Path, *extra: str) -> list[str]:
    return ["read", "--config", str(config), "--catalog", write_catalog(tmp_path / "catalog.json", ["campaigns"]), *extra]


def test_check_saves_the_rotated_credentials_keeping_the_rest_and_the_mode(sim: Simulator, tmp_path: Path) -> None:
    before = sim.connector_config(start_date="2024-01-01", lookback_window_days=3)
    path = _config_file(tmp_path, before)
    output, error = run_cli(["check", "--config", str(path), FLAG])
    assert error is None and check_status(output)[0] == "SUCCEEDED"

    after = json.loads(path.read_text())
    assert {k: v for k, v in after.items() if k != "credentials"} == {k: v for k, v in before.items() if k != "credentials"}
    saved = after["credentials"]
    assert saved["refresh_token"] != before["credentials"]["refresh_token"]
    assert saved["refresh_token"] in sim.oauth._refresh  # the live one
    assert saved["access_token"] and saved["token_expiry_date"] and saved["refresh_token_expires_at"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["config.json"]


def test_a_saved_access_token_is_reused_while_valid_then_refreshed_and_saved_again(sim: Simulator, tmp_path: Path) -> None:
    path = _config_file(tmp_path, sim.connector_config())
    assert run_cli(["check", "--config", str(path), FLAG])[1] is None
    assert sim.requests.count("oauth/token") == 1

    output, error = run_cli(_read(path, tmp_path, FLAG))
    assert error is None and output.records
    assert sim.requests.count("oauth/token") == 1  # no refresh: the saved access token is still valid

    sim.expire_access_tokens()
    saved = json.loads(path.read_text())["credentials"]["refresh_token"]
    output, error = run_cli(_read(path, tmp_path, FLAG))
    assert error is None and output.records
    assert sim.requests.count("oauth/token") == 2
    newest = json.loads(path.read_text())["credentials"]["refresh_token"]
    assert newest != saved and newest in sim.oauth._refresh


def test_a_refresh_mid_sync_on_a_worker_thread_is_saved(sim: Simulator, tmp_path: Path) -> None:
    """Access tokens expire during the read: the workers' refresh (after a 401) is what the file ends with."""
    path = _config_file(tmp_path, sim.connector_config())
    sim.faults.add("expire_tokens", operation_id="campaigns/list", times=1)
    output, error = run_cli(_read(path, tmp_path, FLAG))
    assert error is None and output.records
    assert sim.requests.count("oauth/token") == 2
    assert json.loads(path.read_text())["credentials"]["refresh_token"] in sim.oauth._refresh
    assert len(sim.oauth._refresh) == 1  # every older token was rotated out: the file holds the only live one


def test_a_read_only_config_file_is_refused_before_a_token_is_spent(sim: Simulator, tmp_path: Path) -> None:
    path = _config_file(tmp_path, sim.connector_config(), mode=0o444)
    output, error = run_cli(["check", "--config", str(path), FLAG])
    status, message = check_status(output)
    assert (status, error) == ("FAILED", None)
    assert f"--update-config: the rotated credentials could not be saved to {path}: {path} is read-only (mode 0444)" in message
    assert '--user "$(id -u):$(id -g)"' in message

    output, error = run_cli(_read(path, tmp_path, FLAG))
    assert error is not None and error.failure_type is not None
    assert (error.failure_type.value, "is read-only (mode 0444)" in str(error.message)) == ("config_error", True)
    assert not output.records
    assert sim.requests.count("oauth/token") == 0


def test_a_save_that_fails_stops_the_run_and_says_where_the_new_token_is(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(path: str, value: Any, mode: Any = None) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(auth, "write_json", disk_full)
    path = _config_file(tmp_path, sim.connector_config())
    output, error = run_cli(_read(path, tmp_path, FLAG))
    assert error is not None
    assert f"Could not save the rotated credentials to {path} (No space left on device)" in str(error.message)
    assert "CONTROL message (CONNECTOR_CONFIG)" in str(error.message)
    assert not output.records


def test_an_access_token_config_is_left_as_it_is(sim: Simulator, tmp_path: Path) -> None:
    path = _config_file(tmp_path, sim.connector_config(access_token_mode=True), mode=0o444)  # read-only: not a problem
    before = path.read_text()
    output, error = run_cli(_read(path, tmp_path, FLAG))
    assert error is None and output.records
    assert path.read_text() == before


def test_without_the_flag_the_file_is_not_touched(sim: Simulator, tmp_path: Path) -> None:
    path = _config_file(tmp_path, sim.connector_config())
    before = path.read_text()
    output, error = run_cli(["check", "--config", str(path)])
    assert error is None and check_status(output)[0] == "SUCCEEDED"
    assert path.read_text() == before


@pytest.mark.parametrize("command", [["spec"], []])
def test_the_flag_goes_with_a_config(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        PinterestEntrypoint.parse_args([*command, FLAG])
    assert exited.value.code == 2
    assert "--update-config saves rotated credentials into the --config file" in capsys.readouterr().err


def test_the_flag_may_come_anywhere_after_the_command(tmp_path: Path) -> None:
    parsed = PinterestEntrypoint.parse_args(["read", FLAG, "--config", "c.json", "--catalog", "k.json"])
    assert (parsed.command, parsed.config, parsed.update_config) == ("read", "c.json", True)
    assert PinterestEntrypoint.parse_args(["check", "--config", "c.json"]).update_config is False


# -- --update-state ------------------------------------------------------------------------------------------------
def _streams_in(path: Path) -> list[str]:
    return [state["stream"]["stream_descriptor"]["name"] for state in json.loads(path.read_text())]


def test_the_state_file_is_started_kept_per_stream_and_resumed_from(sim: Simulator, tmp_path: Path) -> None:
    config = str(_config_file(tmp_path, sim.connector_config(access_token_mode=True)))
    state = tmp_path / "state.json"
    both = write_catalog(tmp_path / "both.json", ["campaigns", "ad_groups"])
    read = ["read", "--config", config, "--catalog", both, "--state", str(state), "--update-state"]
    first, error = run_cli(read)  # no state file yet: a first sync
    assert error is None
    assert sorted(_streams_in(state)) == ["ad_groups", "campaigns"]
    saved = json.loads(state.read_text())
    assert not any("sourceStats" in entry for entry in saved)
    # the file holds the last state each stream emitted
    emitted = [AirbyteStateMessageSerializer.dump(message.state)["stream"] for message in first.state_messages]
    last = {stream["stream_descriptor"]["name"]: stream["stream_state"] for stream in emitted}
    assert {entry["stream"]["stream_descriptor"]["name"]: entry["stream"]["stream_state"] for entry in saved} == last

    again, error = run_cli(read)
    assert error is None
    assert 0 < len(again.records) < len(first.records)  # incremental from the saved cursors

    # a read of one stream keeps the other's state
    one = write_catalog(tmp_path / "one.json", ["ad_groups"])
    assert run_cli(["read", "--config", config, "--catalog", one, "--state", str(state), "--update-state"])[1] is None
    assert sorted(_streams_in(state)) == ["ad_groups", "campaigns"]


def test_a_state_file_that_cannot_be_written_stops_the_read_before_it_starts(sim: Simulator, tmp_path: Path) -> None:
    config = str(_config_file(tmp_path, sim.connector_config(access_token_mode=True)))
    state = tmp_path / "state.json"
    state.write_text("[]")
    state.chmod(0o444)
    read = ["read", "--config", config, "--catalog", write_catalog(tmp_path / "c.json", ["campaigns"])]
    output, error = run_cli([*read, "--state", str(state), "--update-state"])
    assert error is not None and not output.records and not sim.requests
    assert f"--update-state: the state could not be saved to {state}: {state} is read-only (mode 0444)" in str(error.message)


def test_update_state_goes_with_a_state_file(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        PinterestEntrypoint.parse_args(["read", "--config", "c.json", "--catalog", "k.json", "--update-state"])
    assert "--update-state keeps the state in the --state file" in capsys.readouterr().err
