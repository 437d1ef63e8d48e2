"""A rate limit that asks for a wait beyond the budget (the daily quota) stops the stream with a
transient error and the state of the finished partitions, never skipping the unfinished one."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest
from airbyte_cdk.models import FailureType, SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.state_builder import StateBuilder

from pinterest_simulator import Simulator
from source_pinterest_marketing import SourcePinterestMarketing


@pytest.mark.parametrize(
    ("stream", "operation", "expected_count"),
    [
        ("campaigns", "campaigns/list", lambda sim, account: len(sim.dataset.entities("campaigns", account))),
        # one row per day of the account's 90-day analytics window
        ("ad_account_analytics", "ad_account/analytics", lambda sim, account: 90),
    ],
)
def test_quota_wait_beyond_budget_fails_transiently_and_keeps_finished_partitions(
    stream: str, operation: str, expected_count: Callable[[Simulator, str], int]
) -> None:
    """The partition (an account, an account's analytics window) that met code 8 is neither dropped
    nor passed by the cursor: its account is absent from the state and read in full on resume."""
    with Simulator(preset="small", seed=1) as sim:
        accounts = sim.dataset.ad_account_ids
        config = sim.connector_config(rate_limit_max_wait_seconds=60)
        # The second account meets the daily quota: Pinterest asks to wait 6 hours.
        sim.faults.add(
            "status",
            operation_id=operation,
            path_regex=rf"/ad_accounts/{accounts[1]}/",
            status=429,
            rate_limit_reset=6 * 3600,
            times=None,
        )
        catalog = CatalogBuilder().with_stream(stream, SyncMode.incremental).build()
        output = read(SourcePinterestMarketing(), config, catalog, StateBuilder().build())

        errors = [message.trace.error for message in output.errors]
        assert errors, "the sync must fail, not skip the account"
        assert errors[0].failure_type == FailureType.transient_error
        assert stream in errors[0].message and "rate_limit_max_wait_seconds" in errors[0].message

        records = Counter(record.record.data["ad_account_id"] for record in output.records)
        assert records[accounts[0]] == expected_count(sim, accounts[0])
        assert accounts[1] not in records

        state = output.most_recent_state.stream_state.__dict__["states"]  # type: ignore[union-attr]
        saved = {entry["partition"]["ad_account_id"] for entry in state}
        assert accounts[1] not in saved, "the unfinished account must not be in the state"
        assert accounts[0] in saved  # accounts read to the end keep their progress

        # The next sync, without the fault, reads account 2 (and 3) in full.
        sim.faults.clear()
        config = sim.connector_config(rate_limit_max_wait_seconds=60)  # the first sync rotated its token
        resumed = read(SourcePinterestMarketing(), config, catalog, [output.state_messages[-1].state])
        resumed_accounts = Counter(record.record.data["ad_account_id"] for record in resumed.records)
        assert resumed_accounts[accounts[1]] == expected_count(sim, accounts[1])
        assert not resumed.errors
