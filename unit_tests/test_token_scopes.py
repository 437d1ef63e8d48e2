"""OAuth scopes (scopes.py): a stream whose scope the token lacks ends with one message naming the scope and how to
re-authorize with it, every other stream completes; `check` lists the streams the token cannot read; the authorize
helper asks for extra scopes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml
from airbyte_cdk.models import AirbyteStreamStatus, FailureType, Status
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from harness import check_status, records_by_stream, run_check, run_read

from pinterest_simulator import Simulator
from pinterest_simulator.oauth import ALL_READ_SCOPES, READ_SCOPES
from source_pinterest_marketing.auth import said_scopes
from source_pinterest_marketing.scopes import (
    AUTHORIZE_HELPER,
    EXTRA_SCOPES_OPTION,
    beyond_default,
    lacking,
    lacking_message,
    needed_scopes,
    unreadable_note,
)
from source_pinterest_marketing.source import SourcePinterestMarketing
from source_pinterest_marketing.streams import DECLARATIONS

#: a stream every token reads, and one that needs catalogs:read
READABLE, NEEDS_CATALOGS = "campaigns", "catalogs"
#: the streams that need billing:read
BILLING = ("billing_profiles", "billing_invoices", "ads_credits_discounts")


def _without(*scopes: str) -> list[str]:
    return [scope for scope in ALL_READ_SCOPES if scope not in scopes]


def _statuses(output: EntrypointOutput) -> dict[str, list[AirbyteStreamStatus]]:
    seen: dict[str, list[AirbyteStreamStatus]] = {}
    for message in output.trace_messages:
        status = message.trace.stream_status
        if status is not None:
            seen.setdefault(status.stream_descriptor.name, []).append(status.status)
    return seen


def _mentions(output: EntrypointOutput, text: str) -> list[str]:
    """Every error message and WARN/ERROR log line of the run that mentions `text`."""
    errors = [message.trace.error.message for message in output.errors]
    logs = [message.log.message for message in output.logs if message.log.level.value in ("WARN", "ERROR", "FATAL")]
    return [line for line in [*errors, *logs] if text in line]


def _operations(sim: Simulator) -> set[str]:
    return {record.operation_id for record in sim.requests if record.operation_id}


def test_a_stream_needs_the_scopes_of_its_operation() -> None:
    for declaration in DECLARATIONS:
        assert needed_scopes(declaration.operation), declaration.name  # every stream's operation has its scopes
    assert lacking(READ_SCOPES, "campaigns/list") == frozenset()
    assert lacking(["ads:read"], "catalogs/list") == {"catalogs:read"}
    assert lacking(None, "catalogs/list") == frozenset()  # unknown scopes: nothing is assumed
    assert beyond_default("billing_profiles/get") == {"billing:read"}
    assert beyond_default("campaigns/list") == frozenset()


@pytest.mark.parametrize(
    ("scope", "expected"),
    [("ads:read,pins:read", {"ads:read", "pins:read"}), ("ads:read pins:read", {"ads:read", "pins:read"}), ("", None), (None, None)],
)
def test_a_token_answer_says_its_scopes(scope: object, expected: object) -> None:
    assert said_scopes(scope) == expected


@pytest.mark.parametrize("missing", ["billing:read", "catalogs:read", "ads:read"])
def test_a_sync_without_a_scope_reads_every_other_stream_and_names_it_once(sim: Simulator, missing: str) -> None:
    """OAuth: the token answer says the scopes; the streams that need the missing one are not read (no request),
    every other stream completes, and the sync fails once, naming the scope and how to re-authorize with it."""
    config = sim.connector_config()
    config["credentials"]["refresh_token"] = sim.issue_refresh_token(scopes=_without(missing))
    blocked = {declaration.name for declaration in DECLARATIONS if lacking(_without(missing), declaration.operation)}
    streams = ["boards", "user_account", READABLE, NEEDS_CATALOGS, "catalogs_feeds", *BILLING, "order_lines"]
    output = run_read(config, streams, expect_failure=True)

    read = set(streams) - blocked
    assert read and blocked & set(streams)
    records = records_by_stream(output)
    statuses = _statuses(output)
    for name in read:
        assert records.get(name), name
        assert statuses[name][-1] == AirbyteStreamStatus.COMPLETE, name
    for name in blocked & set(streams):
        assert name not in records
        assert statuses[name] == [AirbyteStreamStatus.INCOMPLETE], name
    blocked_operations = {d.operation for d in DECLARATIONS if d.name in blocked}
    assert not _operations(sim) & blocked_operations  # nothing sent for them

    [said] = _mentions(output, missing)  # once
    assert f"lacks the OAuth scope {missing}" in said
    assert f"{AUTHORIZE_HELPER} {EXTRA_SCOPES_OPTION} {missing}" in said
    for name in blocked & set(streams):
        assert name in said
    assert output.errors[-1].trace.error.failure_type == FailureType.config_error


def test_a_sync_of_streams_the_token_reads_all_succeeds(sim: Simulator) -> None:
    config = sim.connector_config()
    config["credentials"]["refresh_token"] = sim.issue_refresh_token(scopes=_without("catalogs:read"))
    output = run_read(config, [READABLE, "boards"])
    assert not output.errors


def test_an_access_token_without_a_scope_is_refused_once(sleeps: list[float]) -> None:
    """An access token says nothing of its scopes: the API's refusal (HTTP 401, code 3) names the operation's scopes,
    the stream stops asking, the other streams complete."""
    with Simulator(preset="small", seed=1, scopes=_without("catalogs:read", "billing:read", "biz_access:read")) as sim:
        output = run_read(sim.connector_config(access_token_mode=True), [READABLE, NEEDS_CATALOGS], expect_failure=True)
        refused = [record for record in sim.requests if record.operation_id == "catalogs/list"]
    assert records_by_stream(output).get(READABLE)
    assert _statuses(output)[READABLE][-1] == AirbyteStreamStatus.COMPLETE
    assert len(refused) == 1 and refused[0].status == 401
    # the stream's one error (not one per request or partition), which the sync's summary repeats with its streams
    [said] = [m.trace.error.message for m in output.errors if m.trace.error.stream_descriptor is not None]
    assert "catalogs/list needs catalogs:read" in said and f"{EXTRA_SCOPES_OPTION} catalogs:read" in said
    assert output.errors[-1].trace.error.message.endswith(f"{said.rstrip('.')} (stream {NEEDS_CATALOGS}).")


def test_check_lists_the_streams_the_token_cannot_read(sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    config = sim.connector_config()
    config["credentials"]["refresh_token"] = sim.issue_refresh_token(scopes=_without("catalogs:read"))
    status, message = check_status(run_check(config))
    assert status == "SUCCEEDED"
    catalog_streams = sorted(d.name for d in DECLARATIONS if "catalogs:read" in lacking(_without("catalogs:read"), d.operation))
    assert catalog_streams
    assert f"lacks the OAuth scope catalogs:read: the streams {', '.join(catalog_streams)} cannot be read" in message
    assert f"{EXTRA_SCOPES_OPTION} catalogs:read" in message


def test_check_says_nothing_of_scopes_when_the_token_reads_every_stream(sleeps: list[float]) -> None:
    with Simulator(preset="small", seed=1, scopes=ALL_READ_SCOPES) as sim:
        status = SourcePinterestMarketing().check(logging.getLogger("airbyte"), sim.connector_config())
    assert status.status == Status.SUCCEEDED and status.message is None


def test_check_fails_when_the_core_streams_are_not_readable(sim: Simulator) -> None:
    config = sim.connector_config()
    config["credentials"]["refresh_token"] = sim.issue_refresh_token(scopes=_without("ads:read"))
    status, message = check_status(run_check(config))
    assert status == "FAILED"
    assert "ad_accounts/list needs ads:read" in message and f"{EXTRA_SCOPES_OPTION} ads:read" in message


def test_no_suggested_stream_needs_a_scope_beyond_the_default_ones() -> None:
    """metadata.yaml's `suggestedStreams` (the default selection of a new connection in Airbyte and PyAirbyte)."""
    metadata = yaml.safe_load((Path(__file__).resolve().parents[1] / "metadata.yaml").read_text())
    suggested = metadata["data"]["suggestedStreams"]["streams"]
    operations = {declaration.name: declaration.operation for declaration in DECLARATIONS}
    assert suggested and all(name in operations for name in suggested)
    assert not {name: beyond_default(operations[name]) for name in suggested if beyond_default(operations[name])}


def test_the_streams_table_says_each_streams_scopes_those_beyond_the_default_ones_in_bold() -> None:
    guide = (Path(__file__).resolve().parents[1] / "docs" / "pinterest-marketing.md").read_text(encoding="utf-8")
    rows = {line.split(" | ")[0].strip("| `"): line.rstrip(" |").rsplit(" | ", 1)[-1] for line in guide.splitlines() if line.startswith("| `")}
    for declaration in DECLARATIONS:
        cell = rows[declaration.name]
        for alternative in needed_scopes(declaration.operation):
            for scope in alternative:
                bold = scope in beyond_default(declaration.operation)
                assert (f"**`{scope}`**" if bold else f"`{scope}`") in cell, (declaration.name, cell)
                assert bold or f"**`{scope}`**" not in cell, (declaration.name, cell)
    assert rows["billing_invoices"] == "`ads:read`, **`billing:read`**"


def test_the_check_and_the_sync_word_missing_scopes_alike() -> None:
    """The check's note and the sync's message begin alike and name every missing scope, one group per scope set."""
    note = unreadable_note({frozenset({"billing:read", "ads:read"}): ["b", "a"], frozenset({"biz_access:read"}): ["c"]})
    assert note.startswith("The token lacks the OAuth scopes ads:read, billing:read: the streams a, b cannot be read")
    assert "The token lacks the OAuth scope biz_access:read: the streams c cannot be read" in note
    assert f"{EXTRA_SCOPES_OPTION} ads:read,billing:read" in note
    assert lacking_message({"biz_access:read"}).startswith("The token lacks the OAuth scope biz_access:read (")
