"""Workers are in lanes, one per rate-limit category (concurrency.py): a partition waiting for one category's budget
keeps no partition of another category waiting, whatever the catalog's order."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from airbyte_cdk.models import SyncMode
from airbyte_cdk.sources.streams.concurrent.cursor import FinalStateCursor
from airbyte_cdk.sources.types import StreamSlice
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.state_builder import StateBuilder

from pinterest_simulator import Simulator
from source_pinterest_marketing import SourcePinterestMarketing
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.concurrency import CategoryLanes, SlicePartition
from source_pinterest_marketing.streams.base import PinterestStream

#: how long Pinterest asks an ads_analytics request to wait (X-RateLimit-Reset)
WAIT_SECONDS = 3


def _read_behind_waiting_analytics(other: str, **config: Any) -> tuple[list[str], EntrypointOutput, list[Any]]:
    """A read with two workers of ad_account_analytics, first in the catalog, each of whose partitions meets a rate
    limit (a 3 s wait), and then `other`: the accounts, the output and the requests the simulator answered."""
    with Simulator(preset="small", seed=1) as sim:
        accounts = sim.dataset.ad_account_ids
        sim.faults.add("rate_limit", operation_id="ad_account/analytics", times=len(accounts), reset=WAIT_SECONDS)
        catalog = (
            CatalogBuilder()
            .with_stream("ad_account_analytics", SyncMode.full_refresh)
            .with_stream(other, SyncMode.full_refresh)
            .build()
        )
        output = read(SourcePinterestMarketing(), sim.connector_config(num_workers=2, **config), catalog, StateBuilder().build())
        return list(accounts), output, list(sim.requests.snapshot())


def test_a_partition_waiting_for_ads_analytics_keeps_no_ads_read_partition_waiting() -> None:
    """ad_account_analytics comes first in the catalog and each of its partitions meets a rate limit (a 3 s wait);
    with two workers in one pool both would wait, and customer_lists (ads_read) after them. In lanes, customer_lists
    is read to its end before the first analytics request is answered."""
    accounts, output, answered = _read_behind_waiting_analytics("customer_lists")
    assert not output.errors
    streams = {record.record.stream for record in output.records if record.record is not None}
    assert streams == {"ad_account_analytics", "customer_lists"}
    lists = [r.time for r in answered if r.operation_id == "customer_lists/list"]
    analytics = [r.time for r in answered if r.operation_id == "ad_account/analytics" and r.status == 200]
    assert len(lists) == len(accounts) and analytics
    assert max(lists) < min(analytics), "customer_lists waited for the analytics partitions' rate limit"


def test_report_jobs_do_not_queue_behind_waiting_analytics_partitions() -> None:
    """Report jobs (async job streams) have lanes of their own: with ad_account_analytics first in the catalog and
    each of its partitions meeting a rate limit (a 3 s wait), advertiser_report's jobs are created at once, not after
    the analytics partitions (in one ads_analytics lane they would queue behind them)."""
    accounts, output, answered = _read_behind_waiting_analytics(
        "advertiser_report", start_date=(utc_today() - timedelta(days=6)).isoformat()
    )
    assert not output.errors
    creations = [r.time for r in answered if r.operation_id == "analytics/create_report"]
    analytics = [r.time for r in answered if r.operation_id == "ad_account/analytics" and r.status == 200]
    assert len(creations) == len(accounts) and analytics
    assert min(creations) < min(analytics), "the report jobs waited for the analytics partitions' rate limit"


def lane_partition(lane: str) -> SlicePartition:
    """A partition of the ad_account_analytics stream (one unbound stream) in `lane`."""
    with Simulator(preset="small", seed=1) as sim:
        source = SourcePinterestMarketing()
        [stream] = [s for s in source.streams(sim.connector_config()) if s.name == "ad_account_analytics"]
    assert isinstance(stream, PinterestStream)
    return SlicePartition(stream, StreamSlice(partition={}, cursor_slice={}), FinalStateCursor(stream.name, None, None), lane)  # type: ignore[arg-type]


def test_lanes_route_partitions_by_category_and_the_rest_to_the_generators() -> None:
    """A partition runs in its category's lane, anything else in the generators' threads; a lane whose workers all
    wait leaves the others free; shutting the pool down shuts every lane down."""
    pool = CategoryLanes(per_lane=1, generators=1)
    release = threading.Event()

    def thread_name(*_: object) -> str:
        return threading.current_thread().name

    def blocked(_: object) -> str:
        release.wait(10)
        return thread_name()

    try:
        waiting = pool.submit(blocked, lane_partition("ads_analytics"))  # the only ads_analytics worker is now busy
        started = time.monotonic()
        assert pool.submit(thread_name, lane_partition("ads_read")).result(5).startswith("workerpool-ads_read")
        assert pool.submit(thread_name, lane_partition("ads_analytics jobs")).result(5).startswith(
            "workerpool-ads_analytics-jobs"
        )
        assert pool.submit(thread_name, "a stream").result(5).startswith("workerpool_")  # generating partitions
        assert time.monotonic() - started < 5 and not waiting.done()
        release.set()
        assert waiting.result(5).startswith("workerpool-ads_analytics")
    finally:
        release.set()
        pool.shutdown(wait=True)
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.lanes["ads_read"].submit(thread_name)
