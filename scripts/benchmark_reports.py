"""Benchmark: read one large simulated async report (about 100 MB) through its report stream (`AsyncJob`) and show that memory stays
flat: the file is parsed as it streams in (json_items: row by row), never held whole.

Prints the file size, rows, wall time, the tracemalloc peak of the read and the process's peak RSS (before/after).
Usage: `python scripts/benchmark_reports.py [--entities 2250] [--days 100]`. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from datetime import timedelta

from airbyte_cdk.models import SyncMode

from pinterest_simulator import Simulator
from source_pinterest_marketing import clock
from source_pinterest_marketing.config import load_config
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.streams.base import bound_stream
from source_pinterest_marketing.streams.jobs import AsyncJob
from source_pinterest_marketing.streams.reports import REPORT_STREAMS


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=2250, help="synthetic entities added to the report")
    parser.add_argument("--days", type=int, default=100, help="days in the report window")
    args = parser.parse_args()
    AsyncJob.poll_base_seconds = 0.01
    with Simulator(preset="small", seed=1) as sim:
        sim.reports.large_entities = args.entities
        clock.install(clock.FixedClock(sim.today()))  # the connector counts from the simulator's today
        start = (sim.today() - timedelta(days=args.days - 1)).isoformat()
        account = sim.dataset.ad_account_ids[0]
        raw_config = sim.connector_config(start_date=start, ad_account_ids=[account], access_token_mode=True)
        [declaration] = [declaration for declaration in REPORT_STREAMS if declaration.name == "campaign_report"]
        stream = bound_stream(SyncContext.create(load_config(raw_config), raw_config), declaration)
        [stream_slice] = list(stream.stream_slices(sync_mode=SyncMode.full_refresh))
        rss_before = _rss_mb()
        tracemalloc.start()
        started = time.monotonic()
        # every record as the sync emits it: the job's rows shaped, normalised and filtered
        rows = sum(1 for _ in stream.read_slice(stream_slice or {}))
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        [download] = sim.reports.downloads
        size_mb = _file_size_mb(sim, download["token"])
    sys.stdout.write(
        f"report file: {size_mb:.1f} MB, {rows} rows, read in {seconds:.1f}s ({rows / seconds:,.0f} rows/s)\n"
        f"tracemalloc peak during the read: {peak / 2**20:.2f} MB\n"
        f"peak RSS: {rss_before:.0f} MB before the read, {_rss_mb():.0f} MB after\n"
    )
    return 0


def _file_size_mb(sim: Simulator, token: str) -> float:
    from pinterest_simulator.report_files import report_file

    job = sim.reports.jobs[token]
    return sum(len(chunk) for chunk in report_file(sim, job)) / 2**20


if __name__ == "__main__":
    sys.exit(main())
