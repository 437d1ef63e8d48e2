"""Every bad input and fault of the user guide's table "Bad inputs and faults: what you see" (docs/pinterest-marketing.md)
is run here: what the user sees is what the table says, and the table lists exactly the cases run here. Each case is
bounded in time: nothing hangs."""

from __future__ import annotations

import contextlib
import io
import json
import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import requests_mock
from airbyte_cdk.models import (
    AirbyteGlobalState,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    StreamDescriptor,
    SyncMode,
)
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from harness import (
    check_status,
    error_messages,
    run_check,
    run_cli,
    run_discover,
    run_read,
    silent_server,
    state_messages,
    write_catalog,
)

from pinterest_simulator import Simulator
from source_pinterest_marketing import SourcePinterestMarketing, authorize
from source_pinterest_marketing import source as source_module
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.context import SYNC_MAX_RETRIES
from source_pinterest_marketing.probe import cli as probe_cli
from source_pinterest_marketing.run import PinterestEntrypoint

DOC = Path(__file__).resolve().parents[1] / "docs" / "pinterest-marketing.md"
#: what a case gives: the text the user sees, and its kind (a failure type, or how it shows otherwise)
Seen = tuple[str, str]
CHECK_FAILS = "check fails"
#: the authorize helper's error exit (its message on stderr)
AUTHORIZE_EXIT_2 = "authorize exit 2"


def _failed(output: EntrypointOutput) -> Seen:
    """Every error message of a failed read, and the failure type of the last one (the sync's summary)."""
    assert output.errors, "the read should have failed"
    return " | ".join(error_messages(output)), output.errors[-1].trace.error.failure_type.value


def _check_failed(config: dict[str, Any]) -> Seen:
    status, message = check_status(run_check(config))
    assert status == "FAILED"
    return message, CHECK_FAILS


def _logs(output: EntrypointOutput) -> str:
    return " | ".join(message.log.message for message in output.logs)


def _entrypoint_error(args: list[str]) -> Seen:
    entrypoint = PinterestEntrypoint(SourcePinterestMarketing())
    with pytest.raises(AirbyteTracedException) as raised:
        list(entrypoint.run(entrypoint.parse_args(args)))
    assert raised.value.failure_type is not None
    return str(raised.value.message), raised.value.failure_type.value


def _files(tmp_path: Path, valid_config: dict[str, Any], **texts: str) -> dict[str, str]:
    """Config, catalog and state files (valid unless `texts` gives one)."""
    paths = {"config": tmp_path / "config.json", "catalog": tmp_path / "catalog.json", "state": tmp_path / "state.json"}
    paths["config"].write_text(json.dumps(valid_config))
    paths["catalog"].write_text(json.dumps({"streams": []}))
    paths["state"].write_text("[]")
    for name, text in texts.items():
        paths[name].write_text(text)
    return {name: str(path) for name, path in paths.items()}


# -- the cases --------------------------------------------------------------------------------------
def empty_catalog(sim: Simulator, tmp_path: Path) -> Seen:
    started = time.monotonic()
    output = run_read(sim.connector_config(), [])
    assert time.monotonic() - started < 10 and not output.records and not output.errors
    return _logs(output), "info"


def stream_listed_twice(sim: Simulator, tmp_path: Path) -> Seen:
    catalog = CatalogBuilder().with_stream("campaigns", SyncMode.full_refresh).with_stream("campaigns", SyncMode.full_refresh)
    output = read(SourcePinterestMarketing(), sim.connector_config(), catalog.build(), expecting_exception=True)
    assert not output.records
    return _failed(output)


def unknown_stream(sim: Simulator, tmp_path: Path) -> Seen:
    return _failed(run_read(sim.connector_config(), ["not_a_stream"], expect_failure=True))


def config_not_json(sim: Simulator, tmp_path: Path) -> Seen:
    paths = _files(tmp_path, {}, config='{"credentials": ')
    return _entrypoint_error(["check", "--config", paths["config"]])


def catalog_not_a_catalog(sim: Simulator, tmp_path: Path) -> Seen:
    paths = _files(tmp_path, sim.connector_config(), catalog='{"streams": 5}')
    return _entrypoint_error(["read", "--config", paths["config"], "--catalog", paths["catalog"]])


def state_not_a_list(sim: Simulator, tmp_path: Path) -> Seen:
    paths = _files(tmp_path, sim.connector_config(), state='{"campaigns": {"updated_time": 1}}')
    return _entrypoint_error(["read", "--config", paths["config"], "--catalog", paths["catalog"], "--state", paths["state"]])


def invalid_values(sim: Simulator, tmp_path: Path) -> Seen:
    config = sim.connector_config(click_window_days=True, lookback_window_days="7", num_workers="8")
    message, kind = _check_failed(config)
    # every invalid value at once, and `read` says exactly the same
    assert "`lookback_window_days`" in message and "`num_workers`" in message
    read_message, _ = _failed(run_read(config, ["campaigns"], expect_failure=True))
    assert read_message == message
    return message, kind


def invalid_values_and_dates(sim: Simulator, tmp_path: Path) -> Seen:
    """A field rule between two fields is reported with the other invalid values, not only once they are valid."""
    config = sim.connector_config(view_window_days=3, start_date="2025-02-01", end_date="2025-01-01")
    message, kind = _check_failed(config)
    assert "`view_window_days`: must be one of" in message
    return message, kind


def invalid_ad_account_ids(sim: Simulator, tmp_path: Path) -> Seen:
    """A trailing line break and non-ASCII digits (Arabic-Indic) are not ids; every invalid one is named."""
    message, kind = _check_failed(sim.connector_config(ad_account_ids=["549755885175\n", "٥٤٩٧٥٥٨٨٥١٧٥", "1"]))
    assert "'549755885175\\n', '٥٤٩٧٥٥٨٨٥١٧٥' are not" in message
    return message, kind


def unknown_ad_accounts(sim: Simulator, tmp_path: Path) -> Seen:
    """300 ids the token cannot read: found with one listing of the readable accounts and named in one error, at
    `check` and `read` alike (it was an error per id and stream; 10,000 ids had not ended after 150 s)."""
    unknown = [str(549_755_000_000 + index) for index in range(300)]
    config = sim.connector_config(access_token_mode=True, ad_account_ids=[sim.dataset.ad_account_ids[0], *unknown])
    message, kind = _check_failed(config)
    assert f"{', '.join(unknown[:10])} and 290 more." in message
    assert sim.requests.count("ad_accounts/list") == 1 and sim.requests.count("ad_accounts/get") == 0
    many = sim.connector_config(access_token_mode=True, ad_account_ids=[str(549_755_000_000 + i) for i in range(10_000)])
    started, sent = time.monotonic(), len(sim.requests)
    output = run_read(many, ["campaigns", "ad_accounts", "campaign_analytics"], expect_failure=True)
    assert time.monotonic() - started < 20 and len(output.errors) == 1 and not output.records
    assert "10000 of the 10000 configured ad accounts are not among" in output.errors[0].trace.error.message
    assert [request.operation_id for request in list(sim.requests)[sent:]] == ["ad_accounts/list"]
    return message, kind


def null_dates(sim: Simulator, tmp_path: Path) -> Seen:
    """`null` is "not set" for both dates, as users expect (it was refused for `end_date` only)."""
    output = run_check(sim.connector_config(start_date=None, end_date=None))
    return check_status(output)[0], "check succeeds"


def config_not_utf8(sim: Simulator, tmp_path: Path) -> Seen:
    paths = _files(tmp_path, sim.connector_config())
    Path(paths["config"]).write_bytes(json.dumps(sim.connector_config(start_date="2025-01-0X")).encode().replace(b"X", b"\xff"))
    message, kind = _entrypoint_error(["check", "--config", paths["config"]])
    assert paths["config"] in message
    return message, kind


def config_null(sim: Simulator, tmp_path: Path) -> Seen:
    paths = _files(tmp_path, {}, config="null")
    return _entrypoint_error(["check", "--config", paths["config"]])


def unknown_key(sim: Simulator, tmp_path: Path) -> Seen:
    output = run_check(sim.connector_config(start_dat="2025-01-01"))
    assert check_status(output)[0] == "SUCCEEDED"
    warnings = [line for line in _logs(output).split(" | ") if "start_dat" in line]
    assert len(warnings) == 1, warnings  # said once, not once per validation
    return _logs(output), "warning"


def token_endpoint_unreachable(sim: Simulator, tmp_path: Path) -> Seen:
    started = time.monotonic()
    seen = _check_failed({**sim.connector_config(), "api_base_url": "http://127.0.0.1:1/v5"})
    assert time.monotonic() - started < 30
    return seen


def token_endpoint_silent(sim: Simulator, tmp_path: Path) -> Seen:
    """A token endpoint that accepts connections and never answers: FAILED within the check's token time (20 s;
    1 s here, so the case is fast), naming the host."""
    with silent_server() as server, mock.patch.object(source_module, "CHECK_TOKEN_SECONDS", 1.0):
        started = time.monotonic()
        message, kind = _check_failed({**sim.connector_config(), "api_base_url": server.base_url})
        assert time.monotonic() - started < 3 and len(server.connections) == 1
        assert f"Cannot reach Pinterest at {server.host}" in message
    return message, kind


def token_endpoint_not_a_token(sim: Simulator, tmp_path: Path) -> Seen:
    base = "https://pinterest.example.test/v5"
    with requests_mock.Mocker() as mock:
        mock.post(f"{base}/oauth/token", json={})
        return _check_failed({**sim.connector_config(), "api_base_url": base})


def not_the_pinterest_api(sim: Simulator, tmp_path: Path) -> Seen:
    base = "https://pinterest.example.test/v5"
    with requests_mock.Mocker() as mock:
        mock.get(f"{base}/user_account", status_code=404, text="<html>Not Found</html>", headers={"Content-Type": "text/html"})
        return _check_failed({**sim.connector_config(access_token_mode=True), "api_base_url": base})


def revoked_grant(sim: Simulator, tmp_path: Path) -> Seen:
    """Mid-sync: the access token expires and the refresh token was revoked. One refresh, one error, no hammering."""
    config = sim.connector_config()
    config["credentials"].update(access_token=sim.oauth.issue_access_token(), token_expiry_date="2999-01-01T00:00:00+00:00")
    sim.oauth.expire_access_tokens()
    invalid_grant = {"code": 400, "message": "invalid_grant: the refresh token was revoked"}
    sim.faults.add("status", operation_id="oauth/token", status=400, body=invalid_grant, times=None)
    output = run_read(config, ["campaigns", "ad_groups", "ads", "boards", "pins"], expect_failure=True)
    assert sim.requests.count("oauth/token") == 1
    causes = {message.trace.error.message for message in output.errors[:-1]}
    assert len(causes) == 1, causes
    return _failed(output)


def access_token_rejected(sim: Simulator, tmp_path: Path) -> Seen:
    config = sim.connector_config(access_token_mode=True)
    config["credentials"]["access_token"] = "pina_revoked"
    return _failed(run_read(config, ["campaigns"], expect_failure=True))


def missing_scope(sim: Simulator, tmp_path: Path) -> Seen:
    config = sim.connector_config()
    config["credentials"]["refresh_token"] = sim.oauth.issue_refresh_token(scopes=["boards:read"])
    return _check_failed(config)


def server_keeps_failing(sim: Simulator, tmp_path: Path) -> Seen:
    sim.faults.add("status", operation_id="boards/list", status=503, times=None)
    output = run_read(sim.connector_config(access_token_mode=True), ["boards", "campaigns"], expect_failure=True)
    message, kind = _failed(output)
    assert "Response (headers)" not in message and "http://" not in message  # the connector's words, no URL
    return message, kind


def daily_quota(sim: Simulator, tmp_path: Path) -> Seen:
    sim.faults.add("status", operation_id="campaigns/list", status=429, rate_limit_reset=86_400, times=None)
    return _failed(run_read(sim.connector_config(access_token_mode=True), ["campaigns"], expect_failure=True))


def future_cursor(sim: Simulator, tmp_path: Path) -> Seen:
    account = sim.dataset.ad_account_ids[0]
    state = {"states": [{"partition": {"ad_account_id": account}, "cursor": {"updated_time": 1_900_000_000}}]}
    config = sim.connector_config(access_token_mode=True)
    return _failed(run_read(config, ["campaigns"], state=state_messages({"campaigns": state}), expect_failure=True))


def _state_refused(sim: Simulator, stream: str, cursor: Any, field: str) -> Seen:
    """A read of `stream` from a state whose one partition holds `cursor`: refused before anything is sent."""
    account = sim.dataset.ad_account_ids[0]
    state = {"states": [{"partition": {"ad_account_id": account}, "cursor": {field: cursor}}]}
    config = sim.connector_config(access_token_mode=True)
    output = run_read(config, [stream], state=state_messages({stream: state}), expect_failure=True)
    assert not output.records and len(sim.requests) == 0, "the state is checked before any request"
    message, kind = _failed(output)
    assert f"stream '{stream}' cannot be used" in message and "reset the stream" in message
    return message, kind


def date_cursor_not_a_day(sim: Simulator, tmp_path: Path) -> Seen:
    seen = [_state_refused(sim, "campaign_analytics", value, "date") for value in (1_796_000_000, "2026-1-5")]
    assert "cursor value 1796000000 of 'date'" in seen[0][0] and '"2026-1-5"' in seen[1][0]
    return seen[0]


def cursor_before_1970(sim: Simulator, tmp_path: Path) -> Seen:
    return _state_refused(sim, "campaign_analytics", "0001-01-05", "date")


def cursor_not_a_number(sim: Simulator, tmp_path: Path) -> Seen:
    """NaN compares with nothing: it emitted no campaign and saved `null`."""
    return _state_refused(sim, "campaigns", float("nan"), "updated_time")


def global_state(sim: Simulator, tmp_path: Path) -> Seen:
    message = AirbyteStateMessage(
        type=AirbyteStateType.GLOBAL,
        global_=AirbyteGlobalState(
            shared_state=AirbyteStateBlob(cdc_offset=1),
            stream_states=[
                AirbyteStreamState(
                    stream_descriptor=StreamDescriptor(name="campaigns"),
                    stream_state=AirbyteStateBlob(updated_time=1_700_000_000),
                )
            ],
        ),
    )
    output = run_read(sim.connector_config(access_token_mode=True), ["campaigns"], state=[message], expect_failure=True)
    assert not output.records and len(sim.requests) == 0
    return _failed(output)


def _probe_exit(args: list[str]) -> Seen:
    """What the probe (docs/probe.md) says on stderr, and its exit code."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = probe_cli.main(args)
    assert "Traceback" not in err.getvalue() and "confirmed" not in out.getvalue()
    return err.getvalue(), f"probe exit {code}"


def probe_config_not_utf8(sim: Simulator, tmp_path: Path) -> Seen:
    paths = _files(tmp_path, sim.connector_config())
    Path(paths["config"]).write_bytes(b'{"start_date": "\xff"}')
    seen = _probe_exit(["--config", paths["config"]])
    assert len(sim.requests) == 0
    return seen


def probe_output_directory(sim: Simulator, tmp_path: Path) -> Seen:
    paths = _files(tmp_path, sim.connector_config(access_token_mode=True))
    seen = _probe_exit(["--config", paths["config"], "--output", str(tmp_path)])
    assert len(sim.requests) == 0, "refused before anything is sent"
    return seen
def unrecognised_flag(sim: Simulator, tmp_path: Path) -> Seen:
    account = sim.dataset.owned_ad_account_ids[0]
    campaign = sim.dataset.entities("campaigns", account)[0]["id"]
    day = sim.dataset.today().isoformat()
    row = {"CAMPAIGN_ID": campaign, "DATE": day, "IS_PREMIERE_CAMPAIGN": "maybe", "SPEND_IN_DOLLAR": 1.5}
    sim.faults.add("status", operation_id="campaigns/analytics", status=200, body=[row], times=None)
    config = sim.connector_config(access_token_mode=True, ad_account_ids=[account], start_date=day)
    output = run_read(config, ["campaign_analytics"], expect_failure=True)
    assert not output.records
    return _failed(output)


def empty_sort_metrics(sim: Simulator, tmp_path: Path) -> Seen:
    config = sim.connector_config(top_pins_sort_by=[])
    message, kind = _check_failed(config)
    read_message, _ = _failed(run_read(config, ["user_account_top_pins"], expect_failure=True))
    assert read_message == message
    return message, kind
def update_config_read_only(sim: Simulator, tmp_path: Path) -> Seen:
    paths = _files(tmp_path, sim.connector_config())
    Path(paths["config"]).chmod(0o444)
    output, error = run_cli(["check", "--config", paths["config"], "--update-config"])
    assert error is None and sim.requests.count("oauth/token") == 0
    status, message = check_status(output)
    assert status == "FAILED"
    return message, CHECK_FAILS


def refresh_token_used_again(sim: Simulator, tmp_path: Path) -> Seen:
    """Outside Airbyte without --update-config: `read` sends the refresh token `check` replaced (README step 3)."""
    sim.switches.refresh_token_rotation = "immediate"
    paths = _files(tmp_path, sim.connector_config())
    catalog = write_catalog(tmp_path / "campaigns.json", ["campaigns"])
    assert check_status(run_cli(["check", "--config", paths["config"]])[0])[0] == "SUCCEEDED"
    output, error = run_cli(["read", "--config", paths["config"], "--catalog", catalog])
    assert error is not None and error.failure_type is not None and not output.records
    return str(error.message), error.failure_type.value


def _authorize(sim: Simulator, output: Path) -> tuple[int, str, str]:
    """The authorize helper with a fresh code and `--output`: (exit code, stderr, the code)."""
    code = sim.issue_authorization_code(redirect_uri=authorize.DEFAULT_REDIRECT_URI)
    argv = ["--client-id", sim.client_id, "--client-secret", sim.client_secret, "--api-base-url", sim.base_url]
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        exit_code = authorize.main([*argv, f"--code={code}", "--output", str(output)])
    return exit_code, stderr.getvalue(), code


def _authorize_refused(sim: Simulator, output: Path) -> Seen:
    exit_code, stderr, code = _authorize(sim, output)
    assert exit_code == 2
    assert code in sim.oauth._codes, "the code must still be unspent"
    return stderr, AUTHORIZE_EXIT_2


def authorize_output_directory(sim: Simulator, tmp_path: Path) -> Seen:
    return _authorize_refused(sim, tmp_path)


def authorize_output_read_only(sim: Simulator, tmp_path: Path) -> Seen:
    output = tmp_path / "config.json"
    output.write_text("{}")
    output.chmod(0o444)
    return _authorize_refused(sim, output)


def authorize_output_existing(sim: Simulator, tmp_path: Path) -> Seen:
    output = tmp_path / "config.json"
    output.write_text(json.dumps({"start_date": "2024-01-01", "lookback_window_days": 3}))
    exit_code, stderr, _ = _authorize(sim, output)
    assert exit_code == 0
    assert json.loads(output.read_text())["lookback_window_days"] == 3
    return stderr, "info"


def _one_account(sim: Simulator, **overrides: Any) -> dict[str, Any]:
    start_date = (utc_today() - timedelta(days=2)).isoformat()
    return sim.connector_config(start_date=start_date, ad_account_ids=sim.dataset.ad_account_ids[:1], **overrides)


def _recovered(sim: Simulator, streams: list[str], **fault: Any) -> Seen:
    """A body fault that fires once: the sync ends well, with the records of a clean sync; the warning says it."""
    clean = {json.dumps(record.record.data, sort_keys=True) for record in run_read(_one_account(sim), streams).records}
    rule = sim.faults.add(**fault)
    output = run_read(_one_account(sim), streams)
    assert rule.fired == 1 and not output.errors
    assert {json.dumps(record.record.data, sort_keys=True) for record in output.records} == clean
    return _logs(output), "warning"


def analytics_body_reset(sim: Simulator, tmp_path: Path) -> Seen:
    return _recovered(sim, ["ad_analytics"], kind="reset", operation_id="ads/analytics")


def analytics_body_truncated(sim: Simulator, tmp_path: Path) -> Seen:
    return _recovered(sim, ["ad_analytics"], kind="truncate", operation_id="ads/analytics")


def report_file_reset(sim: Simulator, tmp_path: Path) -> Seen:
    return _recovered(sim, ["campaign_report"], kind="reset", path_regex=r"^/downloads/reports/")


def list_page_malformed(sim: Simulator, tmp_path: Path) -> Seen:
    return _recovered(sim, ["keywords"], kind="malformed", operation_id="campaigns/list")


def body_keeps_breaking(sim: Simulator, tmp_path: Path) -> Seen:
    sim.faults.add("reset", operation_id="ads/analytics", times=None)
    return _failed(run_read(_one_account(sim), ["ad_analytics"], expect_failure=True))


def shared_list_keeps_breaking(sim: Simulator, tmp_path: Path) -> Seen:
    sim.faults.add("malformed", operation_id="campaigns/list", times=None)
    output = run_read(_one_account(sim), ["keywords", "campaign_analytics"], expect_failure=True)
    assert sim.requests.count("campaigns/list") == SYNC_MAX_RETRIES + 1  # the list is not asked again for each stream
    return _failed(output)


def three_syncs_in_one_process(sim: Simulator, tmp_path: Path) -> Seen:
    """Syncs, a check and a discover in one Python process (PyAirbyte, a notebook): none leaves a thread running."""

    def connector_threads() -> set[threading.Thread]:
        # the simulator's own threads (it runs in this process) come and go with its requests
        return {t for t in threading.enumerate() if t.name != "pinterest-simulator" and "process_request" not in t.name}

    before = connector_threads()  # (threads of an earlier failed sync may still be ending)
    for _ in range(3):
        output = run_read(_one_account(sim), ["campaigns", "ad_account_analytics"])
        assert not output.errors and not connector_threads() - before, connector_threads() - before
    assert check_status(run_check(_one_account(sim)))[0] == "SUCCEEDED"
    run_discover(_one_account(sim))
    assert not connector_threads() - before, connector_threads() - before
    return _logs(output), "info"


CASES: dict[str, Callable[[Simulator, Path], Seen]] = {
    "empty-catalog": empty_catalog,
    "stream-listed-twice": stream_listed_twice,
    "unknown-stream": unknown_stream,
    "config-not-json": config_not_json,
    "catalog-not-a-catalog": catalog_not_a_catalog,
    "state-not-a-list": state_not_a_list,
    "invalid-values": invalid_values,
    "unknown-key": unknown_key,
    "invalid-values-and-dates": invalid_values_and_dates,
    "invalid-ad-account-ids": invalid_ad_account_ids,
    "unknown-ad-accounts": unknown_ad_accounts,
    "null-dates": null_dates,
    "config-not-utf8": config_not_utf8,
    "config-null": config_null,
    "token-endpoint-unreachable": token_endpoint_unreachable,
    "token-endpoint-silent": token_endpoint_silent,
    "token-endpoint-not-a-token": token_endpoint_not_a_token,
    "not-the-pinterest-api": not_the_pinterest_api,
    "revoked-grant": revoked_grant,
    "access-token-rejected": access_token_rejected,
    "missing-scope": missing_scope,
    "server-keeps-failing": server_keeps_failing,
    "daily-quota": daily_quota,
    "future-cursor": future_cursor,
    "date-cursor-not-a-day": date_cursor_not_a_day,
    "cursor-before-1970": cursor_before_1970,
    "cursor-not-a-number": cursor_not_a_number,
    "global-state": global_state,
    "probe-config-not-utf8": probe_config_not_utf8,
    "probe-output-directory": probe_output_directory,
    "unrecognised-flag": unrecognised_flag,
    "empty-sort-metrics": empty_sort_metrics,
    "update-config-read-only": update_config_read_only,
    "refresh-token-used-again": refresh_token_used_again,
    "authorize-output-directory": authorize_output_directory,
    "authorize-output-read-only": authorize_output_read_only,
    "authorize-output-existing": authorize_output_existing,
    "analytics-body-reset": analytics_body_reset,
    "analytics-body-truncated": analytics_body_truncated,
    "report-file-reset": report_file_reset,
    "list-page-malformed": list_page_malformed,
    "body-keeps-breaking": body_keeps_breaking,
    "shared-list-keeps-breaking": shared_list_keeps_breaking,
    "three-syncs-in-one-process": three_syncs_in_one_process,
}


def documented() -> dict[str, tuple[str, str]]:
    """case -> (the text the user sees, its kind), from the user guide's table."""
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- bad-inputs:start -->")[1].split("<!-- bad-inputs:end -->")[0]
    rows: dict[str, tuple[str, str]] = {}
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        case = re.fullmatch(r"`([a-z0-9-]+)`", cells[0]) if len(cells) == 4 else None
        if case:
            # the first code span: ``text with `backticks` `` or `text`
            seen = re.search(r"``\s?(.+?)\s?``|`([^`]+)`", cells[2])
            assert seen, f"row {case.group(1)}: the What-you-see cell needs the text in backticks"
            rows[case.group(1)] = (seen.group(1) or seen.group(2), cells[3])
    return rows


def test_the_table_lists_exactly_the_cases_run_here() -> None:
    assert sorted(documented()) == sorted(CASES)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", sorted(CASES))
def test_what_the_user_sees(sim: Simulator, tmp_path: Path, case: str) -> None:
    expected_text, expected_kind = documented()[case]
    text, kind = CASES[case](sim, tmp_path)
    assert expected_text in text, f"{case}: {text}"
    assert kind == expected_kind
    for secret in (sim.client_secret, *sim.oauth._refresh):
        assert secret not in text
