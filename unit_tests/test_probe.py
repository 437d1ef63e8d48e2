"""The probe (source_pinterest_marketing/probe, docs/probe.md) against the simulator: under the default readings
every check confirms; under each other reading of a switch the matching check is a contradiction naming that
reading; the checks without a switch fail when the API answers otherwise; nothing but GETs, the report job's POST
and the token refresh is sent, within the budget printed first; no secret is printed or written."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from pinterest_simulator import Simulator
from pinterest_simulator.oauth import ALL_READ_SCOPES, ISSUED_SECRETS, READ_SCOPES
from pinterest_simulator.routes import HANDLERS
from pinterest_simulator.switches import AWAITING_STREAMS
from pinterest_simulator.switches import CHOICES as SIMULATOR_CHOICES
from source_pinterest_marketing import run as connector_run
from source_pinterest_marketing.api_description import api_enums
from source_pinterest_marketing.errors import ACCESS_TOKEN_REJECTED
from source_pinterest_marketing.probe import checks, cli
from source_pinterest_marketing.probe.checks import CHECKS, REPORT_STATUS_POLLS, budget
from source_pinterest_marketing.probe.client import BudgetExhausted, ProbeClient
from source_pinterest_marketing.probe.switches import NOT_PROBED, SWITCHES, assumed
from source_pinterest_marketing.streams.columns import Column, columns
from source_pinterest_marketing.streams.declaration import build_request
from source_pinterest_marketing.streams.jobs import AsyncJob
from source_pinterest_marketing.streams.readiness import METRICS_READY_STATE
from source_pinterest_marketing.streams.reports import ReportSpec

ROOT = Path(__file__).resolve().parents[1]
#: the simulator's switches of endpoints the connector reads (`AWAITING_STREAMS` aside: no stream reads them yet) and
#: the probe checks (`NOT_PROBED` aside: the budget is full)
CHOICES = {
    name: values
    for name, values in SIMULATOR_CHOICES.items()
    if name not in AWAITING_STREAMS and name not in NOT_PROBED
}
DEFAULTS = {name: values[0] for name, values in CHOICES.items()}
CHECK_OF_SWITCH = {check.switch: check.name for check in CHECKS if check.switch is not None}
#: the switches whose other readings the probe never provokes: `throttle` (a rate limit) and `refresh_token_rotation`
#: (a used refresh token), each tested on its own
NEVER_PROVOKED = ("throttle", "refresh_token_rotation")
#: "never more than a few dozen" requests (issue 16): about four dozen (the lead form questions check made it 49)
FEW_DOZEN = 50


@pytest.fixture
def sim(sleeps: list[float]) -> Iterator[Simulator]:
    """A fresh simulator whose tokens have every read scope: the business checks need biz_access:read."""
    with Simulator(preset="small", seed=1, scopes=ALL_READ_SCOPES) as running:
        yield running


@dataclass
class Run:
    code: int
    out: str
    err: str
    result: dict[str, Any]
    config_path: Path

    def finding(self, check: str) -> dict[str, Any]:
        return next(finding for finding in self.result["checks"] if finding["check"] == check)

    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error:")]


def probe(tmp_path: Path, config: dict[str, Any], *args: str) -> Run:
    """Run the probe in-process on `config` (written to a file), with `--output`."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    output = tmp_path / "probe.json"
    output.unlink(missing_ok=True)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["--config", str(config_path), "--output", str(output), *args])
    result = json.loads(output.read_text()) if output.exists() else {}
    return Run(code, out.getvalue(), err.getvalue(), result, config_path)


def only(*names: str) -> list[str]:
    return [argument for name in names for argument in ("--check", name)]


class RequestsWhenWritten(io.StringIO):
    """stdout that notes how many requests the simulator had answered when each line was written."""

    def __init__(self, sim: Simulator) -> None:
        super().__init__()
        self.sim = sim
        self.lines: list[tuple[str, int]] = []

    def write(self, text: str) -> int:
        self.lines.append((text, len(self.sim.requests)))
        return super().write(text)


@dataclass
class DefaultRun:
    run: Run
    sim: Simulator
    requests: list[Any]
    written: list[tuple[str, int]]
    secrets: set[str]


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DefaultRun]:
    """Every check, OAuth, default readings: one run the tests below read."""
    tmp_path = tmp_path_factory.mktemp("probe")
    with pytest.MonkeyPatch.context() as patch, Simulator(preset="small", seed=1, scopes=ALL_READ_SCOPES) as sim:
        patch.setattr(AsyncJob, "poll_base_seconds", 0.001)
        config = sim.connector_config()
        config_path = tmp_path / "config.json"
        config_path.write_text(json.dumps(config))
        output = tmp_path / "probe.json"
        out, err = RequestsWhenWritten(sim), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["--config", str(config_path), "--output", str(output)])
        run = Run(code, out.getvalue(), err.getvalue(), json.loads(output.read_text()), config_path)
        saved = json.loads(config_path.read_text())
        secrets = {secret for secret in ISSUED_SECRETS if len(secret) >= 16}
        secrets |= {
            str(value)
            for value in (*config["credentials"].values(), *saved["credentials"].values())
            if len(str(value)) >= 16
        }
        yield DefaultRun(run, sim, sim.requests.snapshot(), out.lines, secrets)


# -- under the default readings ----------------------------------------------------------------------
def test_every_check_confirms_under_the_default_readings(default_run: DefaultRun) -> None:
    run = default_run.run
    assert run.code == 0, run.out + run.err
    statuses = {finding["check"]: finding["status"] for finding in run.result["checks"]}
    assert list(statuses) == [check.name for check in CHECKS]
    # the form of a rate-limit answer and a replaced refresh token are never provoked: unchecked, and not counted
    for never_provoked in ("throttling", "refresh_token_rotation"):
        assert statuses.pop(never_provoked) == "unchecked"
        assert not run.finding(never_provoked)["counts_toward_exit_code"]
    assert set(statuses.values()) == {"confirmed"}, statuses
    assert "Result: all confirmed (exit 0)" in run.out
    assert run.error_lines() == []


def test_each_switch_check_names_the_default_reading(default_run: DefaultRun) -> None:
    result = default_run.run.result
    expected = {name: value for name, value in DEFAULTS.items() if name not in NEVER_PROVOKED}
    assert result["simulator_switches"] == expected
    for switch, check in CHECK_OF_SWITCH.items():
        assert default_run.run.finding(check)["assumed"] == DEFAULTS[switch]


def test_the_budget_is_printed_before_the_first_request_and_never_exceeded(default_run: DefaultRun) -> None:
    written = "".join(text for text, _ in default_run.written)
    announced = int(re.search(r"Budget: at most (\d+) requests", written).group(1))  # type: ignore[union-attr]
    requests_before = next(count for text, count in default_run.written if text.startswith("Budget:"))
    assert requests_before == 0
    assert announced <= FEW_DOZEN
    assert announced == default_run.run.result["budget"]
    # the report file's download is not an API request of the simulator's log: one more
    sent = len(default_run.requests) + 1
    assert default_run.run.result["requests_sent"] == sent <= announced
    assert f"{sent} of {announced} budgeted requests sent" in default_run.run.out


def test_the_docs_state_the_budget_and_what_a_run_sends(default_run: DefaultRun) -> None:
    """The figures docs/probe.md, the README and the user guide give are the probe's own."""
    total = budget(CHECKS, oauth=True, ad_account_known=False).total
    for doc in ("docs/probe.md", "README.md", "docs/pinterest-marketing.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        assert set(re.findall(r"at most (\d+) requests", text)) == {str(total)}, doc
    probe_doc = (ROOT / "docs/probe.md").read_text(encoding="utf-8")
    assert f"against the simulator sends {default_run.run.result['requests_sent']}." in probe_doc


def test_every_request_is_a_get_the_report_job_post_or_the_token_refresh(default_run: DefaultRun) -> None:
    writes = [(r.method, r.operation_id) for r in default_run.requests if r.method != "GET"]
    assert sorted(writes) == [("POST", "analytics/create_report"), ("POST", "oauth/token")]


def test_the_json_result_is_what_a_maintainer_needs(default_run: DefaultRun) -> None:
    result = default_run.run.result
    assert result["format"] == 1
    assert result["connector"] == {
        "name": "source-pinterest-marketing",
        "version": metadata.version("source-pinterest-marketing"),
    }
    assert result["api_spec_version"] == api_enums()["spec_version"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", result["date"])
    assert result["auth_method"] == "oauth2.0"
    assert result["ad_account_id"] == default_run.sim.dataset.ad_account_ids[0]
    assert (result["exit_code"], result["result"], result["error"]) == (0, "all confirmed", None)
    keyword = default_run.run.finding("keyword_scope")
    assert (keyword["status"], keyword["switch"], keyword["assumed"], keyword["matching"]) == (
        "confirmed",
        "keyword_scope",
        "direct",
        "direct",
    )
    assert any("/keywords?campaign_id=" in line for line in keyword["evidence"])
    for finding in result["checks"]:
        assert finding["assumption"] and finding["verdict"] and finding["status"] in {"confirmed", "unchecked"}


def test_no_secret_is_printed_or_written(default_run: DefaultRun) -> None:
    run = default_run.run
    texts = {"stdout": run.out, "stderr": run.err, "probe.json": json.dumps(run.result)}
    assert default_run.secrets
    leaks = [(where, secret[:5]) for where, text in texts.items() for secret in default_run.secrets if secret in text]
    assert not leaks


def test_the_rotated_refresh_token_is_saved_and_works(default_run: DefaultRun, tmp_path: Path) -> None:
    saved = json.loads(default_run.run.config_path.read_text())
    assert "The rotated refresh token was saved" in default_run.run.out
    # the saved token refreshes again (the old one was rotated out): the file holds the live one; the saved access
    # token has not expired, and the probe still refreshes (forced) to see the rotation
    again = probe(tmp_path, saved, *only("token_rotation"))
    assert again.code == 0, again.err
    assert again.finding("token_rotation")["status"] == "confirmed"


def test_every_operation_the_probe_sends_has_its_scopes(default_run: DefaultRun) -> None:
    """To name a missing scope the probe reads the operation's scopes (api_description.operation_scopes)."""
    sent = {r.operation_id for r in default_run.requests} - {"oauth/token"}
    assert sent and sent <= set(api_enums()["operation_scopes"])


# -- under the other readings: the switches --------------------------------------------------------------
def test_the_switch_table_is_the_simulators() -> None:
    assert dict(SWITCHES) == SIMULATOR_CHOICES  # the generated copy: every switch, awaiting ones too
    assert {name: assumed(name) for name in CHOICES} == DEFAULTS  # week_start: the connector's WEEK_FIRST_DAY


def test_every_switch_has_its_check() -> None:
    assert set(CHECK_OF_SWITCH) == set(CHOICES)


ALTERNATIVES = [(name, value) for name, values in CHOICES.items() if name not in NEVER_PROVOKED for value in values[1:]]


@pytest.mark.parametrize(("switch", "value"), ALTERNATIVES, ids=[f"{name}={value}" for name, value in ALTERNATIVES])
def test_each_other_reading_is_a_contradiction_naming_it(
    sim: Simulator, tmp_path: Path, switch: str, value: str
) -> None:
    check = CHECK_OF_SWITCH[switch]
    with sim.switches.temporarily(**{switch: value}):
        run = probe(tmp_path, sim.connector_config(access_token_mode=True), *only(check))
    assert run.code == 1, run.out + run.err
    finding = run.finding(check)
    assert (finding["status"], finding["switch"], finding["matching"]) == ("contradicted", switch, value)
    assert run.result["simulator_switches"] == {switch: value}
    assert f"{switch}={value}" in run.out


@pytest.mark.parametrize("rotation", CHOICES["refresh_token_rotation"])
def test_whether_a_replaced_refresh_token_still_works_is_never_provoked(
    sim: Simulator, tmp_path: Path, rotation: str
) -> None:
    """Sending a used refresh token may make Pinterest revoke the grant: the probe sends the saved one only, once,
    and says it could not tell (not counted), under both readings; with an access token there is nothing to ask."""
    sim.switches.refresh_token_rotation = rotation
    run = probe(tmp_path, sim.connector_config(), *only("refresh_token_rotation"))
    assert run.code == 0, run.out + run.err
    finding = run.finding("refresh_token_rotation")
    assert (finding["status"], finding["counts_toward_exit_code"], finding["matching"]) == ("unchecked", False, None)
    assert sim.requests.count("oauth/token") == 1
    access = probe(tmp_path, sim.connector_config(access_token_mode=True), *only("refresh_token_rotation"))
    assert access.finding("refresh_token_rotation")["status"] == "not_applicable"


@pytest.mark.parametrize("form", CHOICES["throttle"])
def test_a_rate_limit_met_is_named_by_its_form(sim: Simulator, tmp_path: Path, form: str) -> None:
    sim.switches.throttle = form
    sim.faults.add("rate_limit", operation_id=METRICS_READY_STATE.operation, times=1, reset=0)
    run = probe(tmp_path, sim.connector_config(access_token_mode=True), *only("metrics_ready_state", "throttling"))
    throttling = run.finding("throttling")
    assert (throttling["matching"], throttling["counts_toward_exit_code"]) == (form, True)
    assert throttling["status"] == ("confirmed" if form == DEFAULTS["throttle"] else "contradicted")
    # the throttled request is not retried: its own check could not be made
    assert run.finding("metrics_ready_state")["status"] == "unchecked"
    assert sim.requests.count(METRICS_READY_STATE.operation) == 1
    assert run.code == (2 if form == DEFAULTS["throttle"] else 1)


# -- checks the API description settles: they fail when the API answers otherwise ----------------------------
@pytest.mark.parametrize("operation", ["campaigns/list", "campaigns/analytics"])
def test_a_refused_page_size_or_id_batch_is_a_contradiction(sim: Simulator, tmp_path: Path, operation: str) -> None:
    body = {"code": 1, "message": "Parameter 'page_size' or the id list is too large."}
    sim.faults.add("status", status=400, body=body, operation_id=operation, times=1)
    run = probe(tmp_path, sim.connector_config(access_token_mode=True), *only("page_size_and_id_batches"))
    assert run.code == 1, run.out
    finding = run.finding("page_size_and_id_batches")
    assert finding["status"] == "contradicted"
    assert "refused" in finding["verdict"]


def test_a_metrics_ready_state_of_another_shape_is_a_contradiction(sim: Simulator, tmp_path: Path) -> None:
    body = {"conversion_metrics_ready": "yes", "non_conversion_metrics_ready": True}
    sim.faults.add("status", status=200, body=body, operation_id=METRICS_READY_STATE.operation, times=1)
    run = probe(tmp_path, sim.connector_config(access_token_mode=True), *only("metrics_ready_state"))
    assert run.code == 1
    assert run.finding("metrics_ready_state")["verdict"] == "not booleans (or absent): conversion_metrics_ready"


@pytest.mark.parametrize("protected_pins_listed", [True, False], ids=["by default", "never"])
def test_protected_pins_answered_otherwise_are_a_contradiction(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, protected_pins_listed: bool
) -> None:
    """The API would list Pins on PROTECTED boards without the parameter, or ignore the parameter."""
    handler = HANDLERS["pins/list"]

    def pins_list(ctx: Any) -> Any:
        ctx.params["include_protected_pins"] = protected_pins_listed
        return handler(ctx)

    monkeypatch.setitem(HANDLERS, "pins/list", pins_list)
    run = probe(tmp_path, sim.connector_config(access_token_mode=True), *only("include_protected_pins"))
    assert run.code == 1, run.out
    assert run.finding("include_protected_pins")["status"] == "contradicted"


@pytest.mark.parametrize(
    ("dropped", "said"),
    [
        (("refresh_token", "refresh_token_expires_in", "refresh_token_expires_at"), "no new refresh token"),
        (("refresh_token_expires_at",), "no refresh_token_expires_at"),
    ],
    ids=["no new refresh token", "no expiry"],
)
def test_a_refresh_answer_without_rotation_is_a_contradiction(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dropped: tuple[str, ...], said: str
) -> None:
    answer = sim.oauth.token_response

    def token_response(authorization: Any, form: Any) -> dict[str, object]:
        return {key: value for key, value in answer(authorization, form).items() if key not in dropped}

    monkeypatch.setattr(sim.oauth, "token_response", token_response)
    config = sim.connector_config()
    # a config saved by an earlier run holds the expiry that run saw: it must not pass for this answer's
    config["credentials"]["refresh_token_expires_at"] = int(time.time()) + 86_400 * 300
    run = probe(tmp_path, config, *only("token_rotation"))
    assert run.code == 1, run.err
    finding = run.finding("token_rotation")
    assert finding["status"] == "contradicted"
    assert said in finding["verdict"]


def test_a_check_that_breaks_is_unchecked_not_a_contradiction(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    week_start = next(check for check in CHECKS if check.name == "week_start")

    def broken(session: Any) -> Any:
        raise KeyError("DATE")

    monkeypatch.setattr(week_start, "run", broken)
    run = probe(tmp_path, sim.connector_config(access_token_mode=True), *only("week_start", "metrics_ready_state"))
    assert run.code == 2, run.out + run.err
    assert run.finding("week_start")["status"] == "unchecked"
    assert "KeyError" in run.finding("week_start")["verdict"]
    assert run.finding("metrics_ready_state")["status"] == "confirmed", "the other checks still run"


def test_a_failed_report_job_is_unchecked_after_one_attempt(sim: Simulator, tmp_path: Path) -> None:
    sim.reports.fail_next(1)
    run = probe(tmp_path, sim.connector_config(access_token_mode=True), *only("report_columns"))
    assert run.code == 2, run.out + run.err
    finding = run.finding("report_columns")
    assert finding["status"] == "unchecked" and "the job ended FAILED after one attempt." in finding["verdict"], finding
    assert sim.requests.count("analytics/create_report") == 1, "one attempt: the probe's budget is exact"
    assert run.result["requests_sent"] == len(sim.requests), "no file was downloaded"


def test_access_token_mode_has_no_rotation_to_check(sim: Simulator, tmp_path: Path) -> None:
    run = probe(tmp_path, sim.connector_config(access_token_mode=True), *only("token_rotation", "metrics_ready_state"))
    assert run.code == 0
    assert run.finding("token_rotation")["status"] == "not_applicable"
    assert sim.requests.count("oauth/token") == 0
    assert run.result["budget"] == 1


def test_report_columns_refused_are_a_contradiction(sim: Simulator, tmp_path: Path) -> None:
    body = {"code": 400, "message": "Column CTR is not available at this level."}
    sim.faults.add("status", status=400, body=body, operation_id="analytics/create_report", times=1)
    run = probe(tmp_path, sim.connector_config(access_token_mode=True), *only("report_columns"))
    assert run.code == 1
    finding = run.finding("report_columns")
    assert finding["status"] == "contradicted"
    assert "Column CTR is not available" in finding["verdict"]
    assert sim.requests.count("analytics/create_report") == 1  # one job at most: not created again


def test_report_value_types_unlike_the_column_table_are_a_contradiction(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = {**columns(), "CTR": Column("CTR", "string", "metric")}
    monkeypatch.setattr(checks, "columns", lambda: table)
    run = probe(tmp_path, sim.connector_config(access_token_mode=True), *only("report_columns"))
    assert run.code == 1
    assert "CTR: number (table: string)" in run.finding("report_columns")["verdict"]


def test_the_report_columns_are_what_the_campaign_report_stream_asks() -> None:
    asked = ReportSpec("campaign_report", checks.REPORT_LEVEL).request_columns
    assert set(checks.REPORT_COLUMNS) <= set(asked)
    assert {columns()[column].type for column in checks.REPORT_COLUMNS} == {"string", "number", "boolean"}


def test_a_report_still_running_after_the_polls_is_unchecked_within_the_budget(sim: Simulator, tmp_path: Path) -> None:
    sim.reports.polls_in_progress = 100
    run = probe(tmp_path, sim.connector_config(access_token_mode=True), *only("report_columns"))
    assert run.code == 2
    assert (
        run.finding("report_columns")["verdict"]
        == f"the report was still IN_PROGRESS after {REPORT_STATUS_POLLS} status polls"
    )
    assert sim.requests.count("analytics/get_report") == REPORT_STATUS_POLLS
    assert run.result["requests_sent"] <= run.result["budget"]


def test_a_request_without_an_answer_makes_its_check_unchecked_and_is_not_retried(
    sim: Simulator, tmp_path: Path
) -> None:
    sim.faults.add("drop", operation_id=METRICS_READY_STATE.operation, times=1)
    run = probe(tmp_path, sim.connector_config(access_token_mode=True), *only("metrics_ready_state"))
    assert run.code == 2
    finding = run.finding("metrics_ready_state")
    assert finding["status"] == "unchecked"
    assert "no answer from Pinterest" in finding["verdict"]
    assert finding["missing_scopes"] == []
    assert len(sim.requests) == 1


# -- errors -----------------------------------------------------------------------------------------------
def _bad_access_token(sim: Simulator) -> dict[str, Any]:
    return {
        **sim.connector_config(access_token_mode=True),
        "credentials": {"auth_method": "access_token", "access_token": "pina_not-a-token-at-all"},
    }


def _bad_client_secret(sim: Simulator) -> dict[str, Any]:
    config = sim.connector_config()
    config["credentials"]["client_secret"] = "not-the-secret-of-this-app"
    return config


def _used_refresh_token(sim: Simulator) -> dict[str, Any]:
    config = sim.connector_config()
    config["credentials"]["refresh_token"] = "pinr_already-rotated-out"
    return config


@pytest.mark.parametrize(
    ("make_config", "said"),
    [
        (_bad_access_token, ACCESS_TOKEN_REJECTED),
        (_bad_client_secret, "Pinterest rejected the app's client credentials"),
        (_used_refresh_token, "Pinterest rejected the refresh token"),
    ],
    ids=["access token", "client secret", "refresh token"],
)
def test_rejected_credentials_stop_with_one_clear_line(
    sim: Simulator, tmp_path: Path, make_config: Any, said: str
) -> None:
    run = probe(tmp_path, make_config(sim))
    assert run.code == 2
    assert len(run.error_lines()) == 1, run.err
    assert said in run.error_lines()[0]
    assert run.result["error"] and said in run.result["error"]
    assert len(sim.requests) == 1  # nothing more is tried


@pytest.mark.parametrize(
    ("scope", "probed"),
    [
        ("pins:read", ("include_protected_pins", "pin_metric_variants", "top_pins_data_status")),
        ("ads:read", ("hour_date", "metrics_ready_state")),
    ],
)
def test_a_missing_scope_is_named(sim: Simulator, tmp_path: Path, scope: str, probed: tuple[str, ...]) -> None:
    token = sim.issue_access_token(scopes=[granted for granted in READ_SCOPES if granted != scope])
    config = {
        **sim.connector_config(access_token_mode=True),
        "credentials": {"auth_method": "access_token", "access_token": token},
    }
    run = probe(tmp_path, config, *only(*probed))
    assert run.code == 2
    assert [finding["missing_scopes"] for finding in run.result["checks"]] == [[scope]] * len(probed)
    assert run.result["missing_scopes"] == {scope: list(probed)}
    assert len(run.error_lines()) == 1
    assert f"the token lacks the scope {scope} (needed by {', '.join(probed)})" in run.error_lines()[0]


def test_a_scope_beyond_the_default_ones_leaves_its_checks_unchecked_without_failing_the_run(
    sim: Simulator, tmp_path: Path
) -> None:
    """A token of the default scopes (what the authorize helper asks for) lacks biz_access:read: the business checks
    are unchecked and not counted, the run still confirms the rest (exit 0), and a note says how to grant it."""
    token = sim.issue_access_token(scopes=list(READ_SCOPES))
    assert "biz_access:read" not in READ_SCOPES
    config = {
        **sim.connector_config(access_token_mode=True),
        "credentials": {"auth_method": "access_token", "access_token": token},
    }
    business = ("business_access_paging", "business_partner_type_default")
    run = probe(tmp_path, config, *only(*business, "metrics_ready_state"))
    assert run.code == 0, run.err
    findings = {finding["check"]: finding for finding in run.result["checks"]}
    assert findings["metrics_ready_state"]["status"] == "confirmed"
    for name in business:
        assert findings[name]["status"] == "unchecked" and findings[name]["missing_scopes"] == ["biz_access:read"]
    assert not run.error_lines()
    [note] = [line for line in run.err.splitlines() if line.startswith("note:")]
    assert f"biz_access:read (needed by {', '.join(business)})" in note
    assert "--extra-scopes biz_access:read" in note


def test_an_oauth_config_the_probe_cannot_save_to_stops_before_any_request(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Running as root, a read-only file is still writable: the check itself is what is made to answer no."""
    config_path = str(tmp_path / "config.json")

    def check_writable(path: str, what: str) -> None:
        if path == config_path:
            raise cli.ProbeError(f"{what} {path} is not writable")

    monkeypatch.setattr(cli, "check_writable", check_writable)
    run = probe(tmp_path, sim.connector_config())
    assert run.code == 2
    assert "mount it without :ro" in run.error_lines()[0]
    assert len(sim.requests) == 0


def test_a_rotated_token_that_cannot_be_saved_is_an_error(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def save_config(path: str, raw: Any) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli, "save_config", save_config)
    run = probe(tmp_path, sim.connector_config(), *only("token_rotation"))
    assert run.code == 2
    assert run.error_lines() == [
        f"error: could not save the rotated refresh token to {run.config_path} (Permission denied): the refresh token "
        "in it may no longer work; re-authenticate (source-pinterest-marketing-authorize)."
    ]
    assert run.result["error"] == f"could not save the rotated refresh token to {run.config_path}"


def test_an_invalid_config_is_one_line(tmp_path: Path) -> None:
    run = probe(tmp_path, {"credentials": {"auth_method": "access_token"}})
    assert run.code == 2
    assert run.error_lines() == ["error: Invalid configuration: `credentials.access_token` is required"]


def _probe_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_a_config_file_that_is_not_utf8_is_one_line_exit_2(sim: Simulator, tmp_path: Path) -> None:
    config_path = tmp_path / "config.json"
    config_path.write_bytes(
        json.dumps(sim.connector_config(access_token_mode=True, start_date="\u00e9"), ensure_ascii=False).encode(
            "latin-1"
        )
    )
    code, out, err = _probe_cli("--config", str(config_path))
    assert code == 2, out + err
    assert err.splitlines() == [
        f"error: The config file {config_path} is not UTF-8 text (byte 0xe9 at offset {config_path.read_bytes().index(0xE9)} "
        "is not UTF-8): save it as UTF-8."
    ]
    assert len(sim.requests) == 0


def test_an_output_that_is_a_directory_stops_before_any_request(sim: Simulator, tmp_path: Path) -> None:
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(sim.connector_config(access_token_mode=True)))
    for output, said in (
        (tmp_path, f"error: --output {tmp_path} is a directory: give the path of a file"),
        (
            tmp_path / "missing" / "probe.json",
            f"error: --output {tmp_path / 'missing' / 'probe.json'} cannot be written",
        ),
    ):
        code, out, err = _probe_cli("--config", str(config_path), "--output", str(output))
        assert code == 2 and err.startswith(said), err
        assert "confirmed" not in out and len(sim.requests) == 0


def test_an_output_that_cannot_be_written_at_the_end_is_an_error_not_all_confirmed(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The output is checked first; should it still fail at the end (a full disk), the result says so."""
    monkeypatch.setattr(cli, "check_writable", lambda path, what: None)
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(sim.connector_config(access_token_mode=True)))
    code, out, err = _probe_cli("--config", str(config_path), "--output", str(tmp_path), *only("metrics_ready_state"))
    assert code == 2, out + err
    assert f"Result: error: could not write --output {tmp_path} (Is a directory) (exit 2)" in out
    assert "all confirmed" not in out and "Wrote" not in out


def test_an_unexpected_crash_is_could_not_check_not_a_contradiction(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "budget", broken)
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(sim.connector_config(access_token_mode=True)))
    code, _out, err = _probe_cli("--config", str(config_path))
    assert code == 2
    assert err.splitlines() == [
        "error: the probe stopped unexpectedly (RuntimeError: boom); nothing after it was checked. Please report it "
        "with this line."
    ]


def test_the_client_never_sends_past_its_budget(sim: Simulator) -> None:
    from source_pinterest_marketing.config import load_config
    from source_pinterest_marketing.context import SyncContext

    raw = sim.connector_config(access_token_mode=True)
    context = SyncContext.create(load_config(raw), raw, max_retries=0)
    client = ProbeClient(context, budget=0)
    with pytest.raises(BudgetExhausted):
        client.request(METRICS_READY_STATE, build_request(METRICS_READY_STATE, {"date": "2025-01-01"}, context.config))
    assert len(sim.requests) == 0


def test_the_budget_counts_each_shared_list_once_and_the_listing_only_when_needed() -> None:
    everything = budget(CHECKS, oauth=True, ad_account_known=False)
    assert everything.total == budget(CHECKS, oauth=True, ad_account_known=True).total + 1
    assert everything.total == budget(CHECKS, oauth=False, ad_account_known=False).total + 1
    assert everything.lists == len(checks.LISTS)
    assert everything.total <= FEW_DOZEN


# -- how it is run ------------------------------------------------------------------------------------------
def test_the_connector_entry_point_runs_the_probe(
    sim: Simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(sim.connector_config(access_token_mode=True)))
    launched: list[list[str]] = []
    monkeypatch.setattr(connector_run, "launch", launched.append)
    monkeypatch.setattr(
        sys, "argv", ["source-pinterest-marketing", "probe", "--config", str(config_path), *only("metrics_ready_state")]
    )
    with pytest.raises(SystemExit) as exited:
        connector_run.run()
    assert exited.value.code == 0
    assert not launched  # not an Airbyte command
    assert "[confirmed] metrics_ready_state" in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["source-pinterest-marketing", "spec"])
    connector_run.run()
    assert launched == [["spec"]]


def test_the_docker_entry_point_runs_the_probe(sim: Simulator, tmp_path: Path) -> None:
    """main.py, as the image's ENTRYPOINT runs it: `probe` as the first argument."""
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(sim.connector_config(access_token_mode=True)))
    completed = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "probe", "--config", str(config_path), *only("metrics_ready_state")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Result: all confirmed (exit 0)" in completed.stdout


def test_the_console_script_is_declared() -> None:
    declared = re.search(r'"source-pinterest-marketing-probe=([\w.]+):(\w+)"', (ROOT / "setup.py").read_text())
    assert declared is not None
    module, function = declared.groups()
    assert (module, function) == ("source_pinterest_marketing.probe.cli", "main")
    assert callable(getattr(cli, function))
