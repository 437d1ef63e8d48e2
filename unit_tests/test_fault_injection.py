"""Full syncs of every stream family through a mix of faults (429 with code 8, 5xx, dropped
connections, slow responses, token expiry, and faults inside successful bodies: a connection reset mid-body, a body
cut short, a garbled body) end with exactly the records of a clean sync, compared by primary key, with concurrency
on; faults beyond the retries end with a transient error naming the stream, and a state the next sync resumes from."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from harness import final_states, run_read
from test_bad_inputs import empty_catalog, revoked_grant, token_endpoint_unreachable

from pinterest_simulator import Simulator
from pinterest_simulator.faults import BODY_FAULT_KINDS
from pinterest_simulator.oauth import ALL_READ_SCOPES
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.context import SYNC_MAX_RETRIES
from source_pinterest_marketing.streams import DECLARATIONS

PRIMARY_KEYS = {declaration.name: declaration.primary_key for declaration in DECLARATIONS}
#: one stream or more of each family: entities, organic, catalogs, analytics, targeting, reports
STREAMS = (
    "campaigns",
    "ads",
    "keywords",
    "board_pins",
    "board_section_pins",
    "catalogs_feeds",
    "ad_group_analytics",
    "campaign_targeting_analytics",
    "pin_analytics",
    "campaign_report",
    "ad_group_targeting_report",
)


def _by_key(output: Any) -> dict[tuple[Any, ...], dict[str, Any]]:
    keyed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for message in output.records:
        stream, data = message.record.stream, message.record.data
        primary_key = PRIMARY_KEYS[stream]
        fields = [primary_key] if isinstance(primary_key, str) else list(primary_key)
        keyed[(stream, *(json.dumps(data.get(field)) for field in fields))] = data
    return keyed


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_faulty_sync_ends_with_exactly_the_clean_records(sleeps: list[float], seed: int) -> None:
    start_date = (utc_today() - timedelta(days=3)).isoformat()
    with Simulator(preset="small", seed=seed) as sim:
        clean = _by_key(run_read(sim.connector_config(start_date=start_date), STREAMS))

        api = r"^/v5/(?!oauth)"
        sim.faults.add("status", path_regex=api, status=429, rate_limit_reset=0, probability=0.08, times=None)
        sim.faults.add("status", path_regex=api, status=503, probability=0.05, times=None)
        sim.faults.add("status", path_regex=api, status=500, probability=0.03, times=None)
        sim.faults.add("drop", path_regex=api, probability=0.03, times=None)
        sim.faults.add("latency", path_regex=api, latency_ms=30, probability=0.1, times=None)
        # The access token expires in the middle of the sync, with requests of several workers in flight.
        sim.faults.add("expire_tokens", path_regex=r"^/v5/ad_accounts/\d+/(campaigns|ads)", times=1)
        faulty_output = run_read(sim.connector_config(start_date=start_date), STREAMS)
        fired = sum(rule.fired for rule in sim.faults.rules)

    assert not faulty_output.errors, [message.trace.error.message for message in faulty_output.errors]
    faulty = _by_key(faulty_output)
    assert faulty.keys() == clean.keys()
    assert fired > 10, "the faults must really have fired"
    assert {key for key in clean if clean[key] != faulty[key]} == set(), "a record differs from the clean sync"


def _serial(sim: Simulator) -> dict[str, Any]:
    """One request at a time, one account: the expiries hit the same request's retries."""
    return sim.connector_config(num_workers=1, ad_account_ids=sim.dataset.ad_account_ids[:1])


@pytest.mark.timeout(60)
@pytest.mark.parametrize("expiries", [2, 3])
def test_token_expiries_in_a_row_within_one_request_are_recovered(sim: Simulator, expiries: int) -> None:
    clean = _by_key(run_read(_serial(sim), ("ads",)))
    sim.requests.clear()
    sim.faults.add("expire_tokens", operation_id="ads/list", times=expiries)
    output = run_read(_serial(sim), ("ads",))
    assert not output.errors and _by_key(output) == clean
    assert sim.requests.count("ads/list", status=401) == expiries
    assert sim.requests.count("oauth/token") == 1 + expiries  # the sync's first token, then one refresh each


@pytest.mark.timeout(60)
def test_a_token_rejected_after_every_refresh_stops_the_stream(sim: Simulator) -> None:
    sim.faults.add("expire_tokens", operation_id="ads/list", times=None)
    output = run_read(_serial(sim), ("ads",), expect_failure=True)
    assert "Re-authenticate" in output.errors[-1].trace.error.message
    assert output.errors[-1].trace.error.failure_type.value == "config_error"
    assert sim.requests.count("ads/list") == 4  # the first answer, then three refreshed retries


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("case", "kind"),
    [
        (revoked_grant, "config_error"),  # one refresh asked, one error said, the sync stops
        (token_endpoint_unreachable, "check fails"),  # within 30 s
        (empty_catalog, "info"),  # ends at once
    ],
    ids=["revoked-grant", "token-endpoint-unreachable", "empty-catalog"],
)
def test_auth_and_catalog_faults_end_in_time(sim: Simulator, tmp_path: Any, case: Any, kind: str) -> None:
    """(What the user sees is checked against the user guide in test_bad_inputs.py.)"""
    assert case(sim, tmp_path)[1] == kind


# -- faults inside successful bodies ----------------------------------------------------------------------
#: a report file's download (a pre-signed link: no operationId)
DOWNLOADS = r"^/downloads/reports/"
EVERY_STREAM = tuple(declaration.name for declaration in DECLARATIONS)



def _with_keys(output: Any, primary_keys: dict[str, tuple[str, ...]] = PRIMARY_KEYS) -> dict[tuple[Any, ...], dict[str, Any]]:
    keyed: dict[tuple[Any, ...], dict[str, Any]] = {}
    for message in output.records:
        stream, data = message.record.stream, message.record.data
        keyed[(stream, *(json.dumps(data.get(field)) for field in primary_keys[stream]))] = data
    return keyed


def _same_records(clean_output: Any, faulty_output: Any, **keys: tuple[str, ...]) -> None:
    """The faulty sync ended without error with the clean sync's records, deduplicated by primary key, and state."""
    assert not faulty_output.errors, [message.trace.error.message for message in faulty_output.errors]
    clean, faulty = _with_keys(clean_output, {**PRIMARY_KEYS, **keys}), _with_keys(faulty_output, {**PRIMARY_KEYS, **keys})
    assert faulty.keys() == clean.keys()
    assert {key for key in clean if clean[key] != faulty[key]} == set(), "a record differs from the clean sync"
    assert final_states(faulty_output) == final_states(clean_output)


def _days_ago(days: int) -> str:
    return (utc_today() - timedelta(days=days)).isoformat()


@pytest.mark.timeout(240)
def test_body_faults_on_every_endpoint_lose_nothing(sleeps: list[float]) -> None:
    """Every endpoint the sync reads (entity lists and their pages, objects, sync analytics streamed row by row, report
    jobs and their files) answers its first successful request with a reset mid-body, the retry with a body cut
    short, the next with a garbled body: the sync ends without error, with the clean sync's records (after dedup by
    primary key: a streamed body read again gives its first rows again) and the clean sync's state."""
    with Simulator(preset="small", seed=21, scopes=ALL_READ_SCOPES) as sim:  # every stream reads records
        config = sim.connector_config(start_date=_days_ago(2))
        clean_output = run_read(config, EVERY_STREAM)
        operations = {r.operation_id for r in sim.requests if r.status == 200 and r.operation_id != "oauth/token"}
        assert {"ads/analytics", "campaigns/list", "analytics/get_report", "multi_pins/analytics"} <= operations
        for operation in sorted(operations):
            for kind in BODY_FAULT_KINDS:
                sim.faults.add(kind, operation_id=operation)
        for kind in BODY_FAULT_KINDS:
            sim.faults.add(kind, path_regex=DOWNLOADS)

        faulty_output = run_read(sim.connector_config(start_date=_days_ago(2)), EVERY_STREAM)
        unfired = [(rule.kind, rule.operation_id or rule.path_regex) for rule in sim.faults.rules]

    assert not unfired, "every endpoint must have met every body fault"
    _same_records(clean_output, faulty_output)
    assert len(faulty_output.records) > len(_with_keys(faulty_output)), "a body read again emits its first rows again"


@pytest.mark.parametrize("kind", BODY_FAULT_KINDS)
def test_a_csv_report_file_that_breaks_is_read_again(sleeps: list[float], kind: str) -> None:
    """A CSV file (what a report template may write) reset, cut or garbled inside a line is downloaded again. (One cut
    at the end of a line, whose length says so, cannot be told from a whole file: CSV has no end mark.)"""
    with Simulator(preset="small", seed=21) as sim:
        account = sim.dataset.owned_ad_account_ids[0]
        template = next(t for t in sim.dataset.template_list(account) if t["report_format"] == "CSV")
        report = {"name": "from_csv", "level": template["report_level"], "template_id": template["id"]}
        config = sim.connector_config(start_date=_days_ago(6), ad_account_ids=[account], custom_reports=[report])
        clean_output = run_read(config, ["custom_from_csv"])
        [job] = sim.reports.jobs.values()
        header = b"".join(job.file or []).split(b"\r\n", 1)[0]
        # a few bytes into the first row
        sim.faults.add(kind, path_regex=DOWNLOADS, after_bytes=len(header) + 6)
        faulty_output = run_read({**config, **sim.connector_config()}, ["custom_from_csv"])
        assert not sim.faults.rules and len(sim.reports.downloads) == 3  # the clean one, the broken one and its retry
        assert len(sim.reports.bodies()) == 2  # the same link, no new report job
    assert clean_output.records
    _same_records(clean_output, faulty_output, custom_from_csv=("ad_group_id", "date"))


def _saved_accounts(output: Any, stream: str) -> set[str]:
    state = final_states(output).get(stream, {})
    return {entry["partition"]["ad_account_id"] for entry in state.get("states", [])}


@pytest.mark.parametrize(
    ("stream", "fault", "message"),
    [
        (
            "ad_analytics",
            {"operation_id": "ads/analytics", "path_regex": "/ad_accounts/{account}/"},
            "Stream 'ad_analytics' stopped: the answer of GET /ad_accounts/{account}/ads/analytics could not be "
            "read past row",
        ),
        (
            "campaign_report",
            {"path_regex": DOWNLOADS},
            "Stream 'campaign_report' stopped: the download of the report file could not be read past row",
        ),
    ],
    ids=["analytics-body", "report-file"],
)
def test_body_faults_beyond_the_retries_stop_the_stream_with_a_resumable_state(
    sleeps: list[float], stream: str, fault: dict[str, str], message: str
) -> None:
    """A body that breaks on every retry: the stream stops with a transient error naming it and what broke, after as
    many retries as a failed request; the broken partition is not in the state, and the next sync reads it whole."""
    with Simulator(preset="small", seed=22) as sim:
        account = sim.dataset.ad_account_ids[1]
        config = sim.connector_config(start_date=_days_ago(2), num_workers=2)
        clean_output = run_read(config, [stream])
        sim.requests.clear()
        sim.faults.add("reset", times=None, **{key: value.format(account=account) for key, value in fault.items()})
        failed = run_read(sim.connector_config(start_date=_days_ago(2), num_workers=2), [stream], expect_failure=True)
        broken = sum(rule.fired for rule in sim.faults.rules)
        sim.faults.clear()
        resumed = run_read(
            sim.connector_config(start_date=_days_ago(2)), [stream], state=[failed.state_messages[-1].state]
        )

    error = failed.errors[-1].trace.error
    assert error.failure_type.value == "transient_error"
    assert message.format(account=account) in error.message, error.message
    assert f"again after {SYNC_MAX_RETRIES} retries" in error.message
    if stream == "ad_analytics":
        assert broken == SYNC_MAX_RETRIES + 1  # the one broken slice: asked once, then retried
        assert account not in _saved_accounts(failed, stream) and _saved_accounts(failed, stream)
    assert not resumed.errors
    assert _with_keys(failed).keys() | _with_keys(resumed).keys() == _with_keys(clean_output).keys()
    assert _saved_accounts(resumed, stream) == _saved_accounts(clean_output, stream)


def test_a_shared_list_that_keeps_breaking_is_named_with_the_streams_that_need_it(sleeps: list[float]) -> None:
    """The campaigns list (read once, for keywords and the campaign analytics) breaks on every retry: the error names
    the list that broke, and the summary the streams that needed it; the list is not asked again for each of them."""
    with Simulator(preset="small", seed=23) as sim:
        account = sim.dataset.ad_account_ids[0]
        config = sim.connector_config(start_date=_days_ago(2), ad_account_ids=[account])
        sim.faults.add("malformed", operation_id="campaigns/list", times=None)
        output = run_read(config, ["keywords", "campaign_analytics"], expect_failure=True)
        asked = sim.requests.count("campaigns/list")
    summary = output.errors[-1].trace.error
    assert summary.failure_type.value == "transient_error"
    assert summary.message.startswith(f"The sync failed in 2 streams: The `campaigns` list of ad_account_id={account}, ")
    assert "its body is not valid JSON" in summary.message
    assert summary.message.endswith("(streams campaign_analytics, keywords).")
    assert asked == SYNC_MAX_RETRIES + 1
