"""What a sync opens, it closes: the connection pools that carried its requests (every stream's own `HttpClient`
session, a report stream's job client) are closed when the sync, or the check, ends."""

from __future__ import annotations

from typing import Any

import pytest
from airbyte_cdk.models import SyncMode
from harness import run_check, run_read

from pinterest_simulator import Simulator
from source_pinterest_marketing.config import load_config
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.streams.ads import CAMPAIGNS
from source_pinterest_marketing.streams.base import bound_stream
from source_pinterest_marketing.streams.reports import REPORT_STREAMS


def test_closing_the_context_closes_every_pool_that_carried_an_answer(sim: Simulator) -> None:
    raw = sim.connector_config(access_token_mode=True, ad_account_ids=[sim.dataset.ad_account_ids[0]])
    context = SyncContext.create(load_config(raw), raw)
    campaigns = bound_stream(context, CAMPAIGNS)
    report = bound_stream(context, next(d for d in REPORT_STREAMS if d.name == "campaign_report"))
    assert list(campaigns.read_slice({"ad_account_id": sim.dataset.ad_account_ids[0]}))
    [report_slice, *_] = list(report.stream_slices(sync_mode=SyncMode.full_refresh))
    list(report.read_slice(report_slice or {}))
    adapters = list(context.connections.values())
    assert len(adapters) == 3, "the sessions of the campaigns and metrics_ready_state streams, the report's job client"
    assert all(adapter.poolmanager.pools for adapter in adapters)
    context.close()
    assert not context.connections and not any(adapter.poolmanager.pools for adapter in adapters)


@pytest.mark.parametrize("command", ["read", "check"])
def test_a_sync_and_a_check_close_their_context(sim: Simulator, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    closed: list[SyncContext] = []
    close = SyncContext.close

    def recorded(context: SyncContext) -> None:
        closed.append(context)
        close(context)

    monkeypatch.setattr(SyncContext, "close", recorded)
    config: dict[str, Any] = sim.connector_config()
    if command == "read":
        assert run_read(config, ["campaigns"]).records
    else:
        run_check(config)
    [context] = closed
    assert not context.connections
