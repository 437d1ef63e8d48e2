"""Entity streams (issue 3): complete first syncs, string ids, schemas, client-side incremental
per ad account, resumable state, and the requests the API expects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from harness import (
    DATASET_KIND,
    ENTITY_DECLARATIONS,
    ENTITY_STREAMS,
    error_messages,
    final_states,
    records_by_stream,
    run_read,
    schema,
    state_messages,
)
from jsonschema import Draft7Validator

from pinterest_simulator import Simulator
from source_pinterest_marketing.clock import unix_now

CURSORS = {declaration.name: declaration.cursor for declaration in ENTITY_DECLARATIONS if declaration.cursor}
ACCOUNT_INCREMENTAL = ("campaigns", "ad_groups", "ads", "audiences", "customer_lists")
USER_INCREMENTAL = ("catalogs", "catalogs_feeds", "catalogs_product_groups")
NOW = int(unix_now())


@pytest.fixture
def first_sync(sim: Simulator, config: dict) -> dict[str, Any]:
    output = run_read(config, ENTITY_STREAMS)
    assert not output.errors, error_messages(output)
    return {"output": output, "records": records_by_stream(output), "states": final_states(output)}


def _expected_ids(sim: Simulator, stream: str) -> set[str]:
    dataset = sim.dataset
    if stream == "board_section_pins":
        return {pin["id"] for pin in dataset.entities("pins") if pin.get("board_section_id")}
    return {entity["id"] for entity in dataset.entities(DATASET_KIND[stream])}


def test_first_sync_returns_every_entity_with_string_ids(sim: Simulator, first_sync: dict) -> None:
    """Per stream, exactly the simulator's entities (archived ones included), ids as full-digit strings."""
    records = first_sync["records"]
    assert set(records) == set(ENTITY_STREAMS)
    for stream in (*DATASET_KIND, "board_section_pins"):  # the user's relations: test_organic_relations.py
        ids = [record["id"] for record in records[stream]]
        assert all(isinstance(value, str) for value in ids), stream
        assert len(ids) == len(set(ids)), f"{stream}: duplicates"
        assert set(ids) == _expected_ids(sim, stream), stream
    counts = sim.dataset.counts()
    for stream, kind in DATASET_KIND.items():
        assert len(records[stream]) == counts[kind], stream
    statuses = {record["status"] for stream in ("campaigns", "ad_groups", "ads") for record in records[stream]}
    assert "ARCHIVED" in statuses


def test_records_validate_against_their_schema(first_sync: dict) -> None:
    for stream, records in first_sync["records"].items():
        validator = Draft7Validator(schema(stream))
        for record in records:
            problems = [f"{list(error.path)}: {error.message}" for error in validator.iter_errors(record)]
            assert not problems, f"{stream} {record['id']}: {problems[:3]}"


def test_records_carry_their_parents_and_no_feed_credentials(sim: Simulator, first_sync: dict) -> None:
    records = first_sync["records"]
    assert all("credentials" not in feed for feed in records["catalogs_feeds"])
    assert any("credentials" in feed for feed in sim.dataset.entities("catalogs_feeds"))  # the API does send them
    accounts = set(sim.dataset.ad_account_ids)
    for stream in ("keywords", "product_group_promotions", "campaigns", "customer_lists"):
        assert {record["ad_account_id"] for record in records[stream]} <= accounts, stream
    boards = {board["id"] for board in sim.dataset.entities("boards")}
    for section in records["board_sections"]:
        assert section["board_id"] in boards
        assert section["id"] in sim.dataset.board_sections[section["board_id"]]


def test_state_is_partitioned_per_ad_account(sim: Simulator, first_sync: dict) -> None:
    states = {stream: state for stream, state in first_sync["states"].items() if state}
    assert set(states) == set(CURSORS)
    for stream in ("campaigns", "ad_groups", "ads", "customer_lists"):
        entries = states[stream]["states"]
        assert sorted(entry["partition"]["ad_account_id"] for entry in entries) == sorted(sim.dataset.ad_account_ids)
        for entry in entries:
            account = entry["partition"]["ad_account_id"]
            newest = max(entity["updated_time"] for entity in sim.dataset.entities(stream, account))
            assert entry["cursor"] == {"updated_time": newest}
    assert {tuple(sorted(entry["partition"])) for entry in states["audiences"]["states"]} == {
        ("ad_account_id", "ownership_type")
    }
    assert set(states["catalogs"]) == {"updated_at"}


def _number(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _at_or_after_cursor(sim: Simulator, stream: str, states: dict[str, Any]) -> set[str]:
    """Ids an incremental sync may return: cursor value at or after the saved one (inclusive cursor)."""
    field, state = CURSORS[stream], states[stream]
    if "states" not in state:
        return {e["id"] for e in sim.dataset.entities(stream) if _number(e[field]) >= _number(state[field])}
    found = set()
    for entry in state["states"]:
        saved = _number(entry["cursor"][field])
        entities = sim.dataset.entities(stream, entry["partition"]["ad_account_id"])
        found |= {e["id"] for e in entities if _number(e[field]) >= saved}
    return found


def test_incremental_sync_returns_only_changed_and_new_entities(sim: Simulator, first_sync: dict) -> None:
    states = first_sync["states"]
    first_account, second_account = sim.dataset.ad_account_ids[:2]
    changed: dict[str, set[str]] = {}
    for stream in ACCOUNT_INCREMENTAL:
        changed[stream] = set(sim.dataset.touch(stream, first_account, n=2, now=NOW))
        changed[stream] |= set(sim.dataset.touch(stream, second_account, n=1, now=NOW))
    for stream in USER_INCREMENTAL:
        changed[stream] = set(sim.dataset.touch(stream, n=1, now=NOW))
    changed["campaigns"].add(sim.dataset.add("campaigns", second_account, now=NOW)["id"])
    boundary = {stream: _at_or_after_cursor(sim, stream, states) - changed[stream] for stream in changed}

    second = records_by_stream(run_read(sim.connector_config(), changed, state=state_messages(states)))
    for stream, expected in changed.items():
        returned = {record["id"] for record in second.get(stream, [])}
        assert expected <= returned, stream
        # besides the changes, at most the entities sitting exactly on the saved cursor (inclusive cursor)
        assert returned - expected <= boundary[stream], stream
        if len(first_sync["records"][stream]) > len(expected | boundary[stream]):
            assert len(returned) < len(first_sync["records"][stream]), stream


def test_sync_interrupted_between_accounts_resumes(sim: Simulator, first_sync: dict) -> None:
    """Only account 1 has a cursor: accounts 2 and 3 are re-read whole, account 1 incrementally."""
    accounts = sim.dataset.ad_account_ids
    done = [
        entry
        for entry in first_sync["states"]["campaigns"]["states"]
        if entry["partition"]["ad_account_id"] == accounts[0]
    ]
    touched = set(sim.dataset.touch("campaigns", accounts[0], n=1, now=NOW))
    output = run_read(sim.connector_config(), ("campaigns",), state=state_messages({"campaigns": {"states": done}}))
    by_account: dict[str, set[str]] = {}
    for record in records_by_stream(output)["campaigns"]:
        by_account.setdefault(record["ad_account_id"], set()).add(record["id"])
    for account in accounts[1:]:
        assert by_account[account] == {campaign["id"] for campaign in sim.dataset.entities("campaigns", account)}
    assert touched <= by_account[accounts[0]]
    assert len(by_account[accounts[0]]) < len(sim.dataset.entities("campaigns", accounts[0]))
    assert len(final_states(output)["campaigns"]["states"]) == len(accounts)


def test_state_of_a_removed_ad_account_does_not_break_the_sync(sim: Simulator, first_sync: dict) -> None:
    states = dict(first_sync["states"])
    gone = {"partition": {"ad_account_id": "549755885175"}, "cursor": {"updated_time": 1_700_000_000}}
    states["campaigns"] = {"states": [*states["campaigns"]["states"], gone]}
    output = run_read(sim.connector_config(), ("campaigns",), state=state_messages(states))
    assert not output.errors


def test_no_catalog_gives_an_empty_stream_and_a_log_line(sleeps: list[float]) -> None:
    with Simulator(has_catalog=False) as sim:
        output = run_read(sim.connector_config(), ("catalogs_product_groups", "catalogs"))
        assert sim.requests.count("catalogs_product_groups/list", status=409) == 1
    assert not output.errors
    assert not records_by_stream(output).get("catalogs_product_groups")
    assert any("no catalog" in log.log.message for log in output.logs)


def test_requests_send_archived_statuses_and_the_maximum_page_size(sim: Simulator, first_sync: dict) -> None:
    log = sim.requests.snapshot()
    for operation in ("campaigns/list", "ad_groups/list", "ads/list"):
        requests = [r for r in log if r.operation_id == operation]
        assert requests and all("ARCHIVED" in r.query["entity_statuses"] for r in requests), operation
    single_objects = {"user_account/get", "ad_accounts/get", "oauth/token", "linked_business_accounts/get"}
    for record in log:
        if record.operation_id == "conversion_tags/list":
            assert "page_size" not in record.query
        elif record.operation_id not in single_objects:
            assert record.query.get("page_size") == ["250"], record.operation_id
    assert sim.requests.count("conversion_tags/list") == len(sim.dataset.ad_account_ids)


@pytest.mark.parametrize(
    "state",
    [
        {"states": "x"},
        {"states": [{"partition": {"ad_account_id": "1"}, "cursor": {"updated_time": "yesterday"}}]},
        {"cursor_of_another_connector": 1},
    ],
    ids=["states-not-a-list", "cursor-not-a-timestamp", "unknown-shape"],
)
def test_malformed_state_is_a_config_error_naming_the_stream(sim: Simulator, config: dict, state: dict) -> None:
    output = run_read(config, ("campaigns",), state=state_messages({"campaigns": state}), expect_failure=True)
    assert not output.records
    error = output.errors[0].trace.error
    assert error.failure_type.value == "config_error"
    assert "'campaigns'" in error.message


def test_state_in_the_older_global_shape_applies_to_every_account(sim: Simulator, config: dict) -> None:
    """`{"updated_time": T}` (one cursor for the stream) is migrated: every account reads from T."""
    newest = max(campaign["updated_time"] for campaign in sim.dataset.entities("campaigns"))
    output = run_read(config, ("campaigns",), state=state_messages({"campaigns": {"updated_time": newest}}))
    records = output.records
    assert records, "the newest campaign is at the cursor and is read again"
    assert all(record.record.data["updated_time"] >= newest for record in records)
    state = final_states(output)["campaigns"]
    assert state["state"] == {"updated_time": newest}  # kept for accounts without a newer cursor


def test_a_board_deleted_during_the_sync_is_skipped(sim: Simulator, config: dict) -> None:
    """The board list is read, then a board vanishes (404) before its pins are: skipped with a log line."""
    board = sim.dataset.entities("boards")[0]["id"]
    sim.faults.add("status", path_regex=rf"/boards/{board}/", status=404, body={"code": 40, "message": "Board not found."}, times=None)
    output = run_read(config, ("board_pins", "board_sections"))
    assert not output.errors
    assert output.records
    assert output.is_in_logs("deleted during the sync")
    assert all(record.record.data.get("board_id") != board for record in output.records)


def test_pins_on_protected_boards_are_read_and_covered_by_pin_analytics(sim: Simulator) -> None:
    """`GET /pins` leaves out Pins on protected boards unless asked (`include_protected_pins`, default false)."""
    protected = {board["id"] for board in sim.dataset.entities("boards") if board.get("privacy") == "PROTECTED"}
    on_protected = {pin["id"] for pin in sim.dataset.entities("pins") if pin.get("board_id") in protected}
    assert on_protected, "the dataset needs Pins on protected boards"
    config = sim.connector_config(access_token_mode=True)
    records = records_by_stream(run_read(config, ["pins", "pin_analytics"]))
    assert on_protected <= {pin["id"] for pin in records["pins"]}
    assert on_protected <= {row["pin_id"] for row in records["pin_analytics"]}
    assert all(request.query.get("include_protected_pins") == ["true"] for request in sim.requests if request.operation_id == "pins/list")
