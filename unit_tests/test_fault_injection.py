"""Full syncs of every stream family through a mix of faults (429 with code 8, 5xx, dropped
connections, slow responses, token expiry) end with exactly the records of a clean sync, compared by
primary key, with concurrency on."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from harness import run_read
from test_bad_inputs import empty_catalog, revoked_grant, token_endpoint_unreachable

from pinterest_simulator import Simulator
from source_pinterest_marketing.clock import utc_today
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
