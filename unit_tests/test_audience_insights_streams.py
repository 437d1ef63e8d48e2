"""Audience insights (issue 23 item 6): the insights of every type per ad account, the audience scopes and types, and
whom each owned audience is shared with, read from the simulator: every record once, valid against its schema, an
audience shared with nobody read as no shares whichever way the API says it."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from harness import (
    assert_unique_keys,
    assert_valid_records,
    error_messages,
    records_by_stream,
    run_read,
)

from pinterest_simulator import Simulator
from pinterest_simulator.audience_data import audience_definitions, audience_insights, audience_shares
from pinterest_simulator.switches import CHOICES
from source_pinterest_marketing.api_description import api_parameter
from source_pinterest_marketing.streams.insights import AUDIENCE_INSIGHT_STREAMS

STREAMS = tuple(declaration.name for declaration in AUDIENCE_INSIGHT_STREAMS)
INSIGHT_TYPES = api_parameter("audience_insights/get", "audience_insight_type")["enum"]


def _canonical(records: list[dict[str, Any]]) -> Counter[str]:
    """The records as a multiset; a null field is as good as an absent one (the API omits nulls freely)."""
    return Counter(repr(sorted((key, value) for key, value in record.items() if value is not None)) for record in records)


def _expected(sim: Simulator) -> dict[str, list[dict[str, Any]]]:
    dataset = sim.dataset
    expected: dict[str, list[dict[str, Any]]] = {stream: [] for stream in STREAMS}
    for account in dataset.ad_account_ids:
        for kind in INSIGHT_TYPES:
            insight = audience_insights(dataset, account, kind)
            expected["audience_insights"].append({**insight, "ad_account_id": account, "audience_insight_type": kind})
        expected["audience_insights_scopes"] += [{**d, "ad_account_id": account} for d in audience_definitions(dataset)]
        for audience in dataset.entities("audiences", account):
            shares = audience_shares(dataset, account, audience)
            expected["audience_shared_accounts"] += [
                {**share, "ad_account_id": account, "audience_id": audience["id"]} for share in shares
            ]
    return expected


@pytest.mark.parametrize("unshared", CHOICES["unshared_audience"])
def test_every_insight_and_share_is_read_once(unshared: str) -> None:
    with Simulator(preset="small", seed=1, switches={"unshared_audience": unshared}) as sim:
        output = run_read(sim.connector_config(), STREAMS)
        assert not output.errors, error_messages(output)
        records = records_by_stream(output)
        for stream, expected in _expected(sim).items():
            assert expected, f"the simulator has no {stream}: the test would prove nothing"
            assert _canonical(records[stream]) == _canonical(expected), stream
            assert_unique_keys(stream, records[stream])
            assert_valid_records(stream, records[stream])
        # a request per account and insight type; per owned audience and account type
        accounts = sim.dataset.ad_account_ids
        assert sim.requests.count("audience_insights/get") == len(accounts) * len(INSIGHT_TYPES)
        audiences = sum(len(sim.dataset.entities("audiences", account)) for account in accounts)
        assert sim.requests.count("ad_accounts_audiences_shared_accounts/list") == 2 * audiences
        # the audiences are listed once per sync, for the shares (the audiences stream is not selected)
        assert sim.requests.count("audiences/list") == len(accounts)
        unshared_answers = [r for r in sim.requests.snapshot() if r.operation_id.startswith("ad_accounts_audiences") and r.status == 404]
        assert bool(unshared_answers) == (unshared == "not_found")
        if unshared_answers:
            assert any("shared with no account of this type" in log.log.message for log in output.logs)
