"""Benchmark: a full sync of the large simulated dataset, as Airbyte runs it (a separate process).

Prints, per run: wall time, records and records per second, peak RSS and CPU time of the connector
process, the records per stream, and HTTP requests per endpoint against the minimum the API's limits
allow (page size 250, 250 ids per analytics request (100 pins), 90-day analytics windows, 14
targeting types per request, one report job per report and account). Runs:

1. latency 50 ms per request, default `num_workers`
2. latency 50 ms, `num_workers=1` (the speed-up of concurrency)
3. latency 200 ms, default `num_workers`
4. no latency (CPU-bound), compared with the raw cost of parsing and serialising the same records

The simulator runs in a process of its own with its response cache on, and an unmeasured warm-up
read fills that cache first: generating a million analytics rows costs the simulator more CPU than
reading them costs the connector, and on a 2-core machine the runs would otherwise measure the
simulator. Report jobs stay IN_PROGRESS for one poll (the connector polls after 1 s, then 2 s), so
each job takes about 3 s, as in the tests; real jobs often take longer.

Usage: `make benchmark` or `python scripts/benchmark.py [--days 7] [--runs 1,2,3,4] [--streams entities]`.
Figures, not assertions: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from pinterest_simulator import Simulator, business_access, catalog_health, social
from pinterest_simulator import clock as simulator_clock
from pinterest_simulator.dataset import is_video_pin
from source_pinterest_marketing import clock as connector_clock
from source_pinterest_marketing.config import (
    TOP_PINS_OPERATION,
    TOP_VIDEO_PINS_OPERATION,
    PinterestConfig,
    api_parameter,
)
from source_pinterest_marketing.streams import DECLARATIONS, business
from source_pinterest_marketing.streams.reports import REPORTS

PAGE = 250
IDS = 250
PIN_IDS = 100
WINDOW_DAYS = 90
TARGETING_TYPES_PER_REQUEST = 14
CONNECTOR = [sys.executable, "-m", "source_pinterest_marketing.run"]
DEFAULT_WORKERS = PinterestConfig.model_fields["num_workers"].default
SAMPLE_EVERY = 10


@dataclass
class RunResult:
    label: str
    seconds: float
    records: int
    peak_rss_mb: float
    requests: Counter[str]
    output_bytes: int
    records_by_stream: Counter[str]
    connector_cpu_seconds: float
    simulator_cpu_seconds: float
    #: every SAMPLE_EVERY-th record message, for the raw-cost comparison
    sample: list[bytes]


def pages(count: int) -> int:
    return max(1, math.ceil(count / PAGE))


def batches(count: int, size: int = IDS) -> int:
    return math.ceil(count / size)


def minimum_requests(sim: Simulator, days: int) -> Counter[str]:
    """What the API's limits allow at best, from the dataset's sizes (independent of the connector)."""
    data = sim.dataset
    accounts = data.ad_account_ids
    windows = math.ceil(days / WINDOW_DAYS)
    minimum: Counter[str] = Counter()
    minimum["ad_accounts/list"] = pages(len(accounts))
    minimum["user_account/get"] = 1
    for account in accounts:
        campaigns = data.entities("campaigns", account)
        ad_groups = data.entities("ad_groups", account)
        ads = data.entities("ads", account)
        promotions = data.entities("product_group_promotions", account)
        shopping = {c["id"] for c in campaigns if c.get("objective_type") == "CATALOG_SALES"}
        shopping_groups = [g for g in ad_groups if g["campaign_id"] in shopping]
        minimum["campaigns/list"] += pages(len(campaigns))
        minimum["ad_groups/list"] += pages(len(ad_groups))
        minimum["ads/list"] += pages(len(ads))
        # keywords: the account's own, each campaign's (one id per request), ad groups 250 a request
        minimum["keywords/get"] += 1 + len(campaigns) + batches(len(ad_groups))
        minimum["audiences/list"] += 2  # owned, and shared with the account
        minimum["customer_lists/list"] += pages(len(data.entities("customer_lists", account)))
        minimum["conversion_tags/list"] += 1
        minimum["product_group_promotions/list"] += len(shopping_groups)  # one ad group a request
        minimum["ad_account/analytics"] += windows
        minimum["campaigns/analytics"] += windows * batches(len(campaigns))
        minimum["ad_groups/analytics"] += windows * batches(len(ad_groups))
        minimum["ads/analytics"] += windows * batches(len(ads))
        # both readings of product_group_ids are asked for: promotion ids and their catalog product group ids
        product_group_ids = {p["id"] for p in promotions} | {
            p["catalog_product_group_id"] for p in promotions if p.get("catalog_product_group_id")
        }
        minimum["product_groups/analytics"] += windows * batches(len(product_group_ids))
        types = {
            "ad_account_targeting_analytics/get": (1, 13),
            "campaign_targeting_analytics/get": (batches(len(campaigns)), 15),
            "ad_groups_targeting_analytics/get": (batches(len(ad_groups)), 14),
            "ad_targeting_analytics/get": (batches(len(ads)), 14),
        }
        for operation, (id_batches, type_count) in types.items():
            minimum[operation] += windows * id_batches * math.ceil(type_count / TARGETING_TYPES_PER_REQUEST)
        # ad Pins: one campaign a request, the Pins its ads promote 100 a request
        promoted: dict[str, set[str]] = {}
        for ad in ads:
            promoted.setdefault(ad["campaign_id"], set()).add(ad["pin_id"])
        minimum["ad_pins/analytics"] += windows * sum(batches(len(pins), PIN_IDS) for pins in promoted.values())
        minimum["templates/list"] += pages(len(data.template_list(account)))
        # spend reconciliation: bookmark pages; SSIO asked of every account (one whose user lacks the role: a 403)
        billing = sim.billing.accounts[account]
        minimum["billing_profiles/get"] += pages(len(billing.profiles))
        minimum["billing_invoices/get"] += pages(len(sim.billing.invoices(account)))
        minimum["ads_credits_discounts/get"] += pages(len(billing.discounts))
        minimum["order_lines/list"] += pages(len(billing.order_lines))
        minimum["ssio_accounts/get"] += 1
        minimum["ssio_insertion_orders_status/get_by_ad_account"] += pages(len(billing.insertion_orders))
        minimum["ssio_order_lines/get_by_ad_account"] += pages(len(billing.ssio_order_lines))
    boards = data.entities("boards")
    minimum["boards/list"] = pages(len(boards))
    minimum["board_sections/list"] = len(boards)
    minimum["boards/list_pins"] = len(boards)
    minimum["board_sections/list_pins"] = len(data.entities("board_sections"))
    minimum["pins/list"] = pages(len(data.entities("pins")))
    minimum["user_account/analytics"] = windows
    # the two metric variants cannot share a request: video Pins are asked twice (video, then standard metrics)
    video = [pin for pin in data.entities("pins") if is_video_pin(pin)]
    others = len(data.entities("pins")) - len(video)
    minimum["multi_pins/analytics"] = windows * (batches(others, PIN_IDS) + 2 * batches(len(video), PIN_IDS))
    # one top list per sort metric (every metric by default), the window within the 90 days served
    minimum["user_account/analytics/top_pins"] = len(api_parameter(TOP_PINS_OPERATION, "sort_by")["enum"])
    minimum["user_account/analytics/top_video_pins"] = len(api_parameter(TOP_VIDEO_PINS_OPERATION, "sort_by")["enum"])
    # the newest day first, down to the last day whose metrics are all final
    minimum["metrics_ready_state/get"] = sim.conversion_metrics_ready_lag_days + 1
    # async reports: one job per report, account and window (186 days; 31 for product items)
    for spec in REPORTS:
        minimum["analytics/create_report"] += len(accounts) * math.ceil(days / spec.windows.window_days)
    minimum["catalogs/list"] = 1
    minimum["feeds/list"] = 1
    minimum["catalogs_product_groups/list"] = 1
    # catalog health: a feed's results (one page), a request per result for its item issues, per product group its
    # counts (one object) and its products
    feeds = data.entities("catalogs_feeds")
    results = [r for feed in feeds for r in catalog_health.processing_results(data, data.owner, feed)]
    minimum["feed_processing_results/list"] = len(feeds)
    minimum["items_issues/list"] = len(results)
    groups = data.entities("catalogs_product_groups")
    minimum["catalogs_product_groups/product_counts_get"] = len(groups)
    minimum["catalogs_product_group_pins/list"] = sum(
        pages(len(catalog_health.group_products(data.owner, data, group))) for group in groups
    )
    # the user's relations (websites: one page; linked businesses: a plain array, one request)
    minimum["followers/list"] = pages(len(social.followers(data)))
    minimum["user_following/get"] = pages(len(social.followees(data, data.owner)))
    minimum["boards_user_follows/list"] = pages(len(social.followed_boards(data, data.owner)))
    minimum["user_websites/get"] = 1
    minimum["linked_business_accounts/get"] = 1
    # the user's business (every read scope): a request per kind of member, partner and asset type, each one page
    minimum["get/business_employers"] = 1
    system_users = sum(member.system_user for member in business_access.members(data))
    minimum["get/business_members"] = pages(len(business_access.members(data)) - system_users) + pages(system_users)
    minimum["get/business_partners"] = 2  # INTERNAL, EXTERNAL
    minimum["business_assets/get"] = len(business.ASSET_TYPES)
    return minimum


class PeakRss(threading.Thread):
    """The connector's peak resident memory, from /proc (VmHWM of the executed image). `wait4`'s
    ru_maxrss would also count the moment between fork and exec, when the child still maps this
    (large: it holds the simulator) benchmark process."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self._path = Path(f"/proc/{pid}/status")
        self._stopped = threading.Event()
        self.megabytes = 0.0

    def run(self) -> None:
        while not self._stopped.wait(0.2):
            try:
                for line in self._path.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.megabytes = max(self.megabytes, int(line.split()[1]) / 1024)
            except (FileNotFoundError, ProcessLookupError, ValueError):
                return

    def stop(self) -> None:
        self._stopped.set()
        self.join()


class SimulatorProcess:
    """The simulator in a process of its own, as Pinterest's servers are: its CPU time is not the
    connector's, and it does not share a GIL with this script reading the connector's output. It
    runs with `--cache-responses`: after the warm-up read, analytics answers and report files are
    served as generated the first time, so the runs measure the connector, not the simulator."""

    def __init__(self, preset: str) -> None:
        # every read scope: the business streams need biz_access:read
        command = [sys.executable, "-m", "pinterest_simulator", "--port", "0", "--preset", preset, "--cache-responses", "--scopes", "all"]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        self.base_url = self._process.stdout.readline().strip()
        if not self.base_url.startswith("http"):
            raise RuntimeError("the simulator did not start")
        self.root_url = self.base_url.rsplit("/v5", 1)[0]

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.root_url}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)

    def prepare_run(self, latency_ms: float) -> dict[str, Any]:
        """Latency on every API request from now on, the request log emptied; a fresh config."""
        self._call("DELETE", "/_sim/faults")
        if latency_ms:
            self._call("POST", "/_sim/faults", {"kind": "latency", "latency_ms": latency_ms, "times": None})
        self._call("DELETE", "/_sim/requests")
        return self._call("GET", "/_sim/config")  # type: ignore[no-any-return]

    def request_counts(self) -> Counter[str]:
        counts = self._call("GET", "/_sim/requests")["counts"]
        return Counter({operation: n for operation, n in counts.items() if operation != "oauth/token"})

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait()


def run_sync(
    simulator: SimulatorProcess,
    latency_ms: float,
    workdir: Path,
    label: str,
    config: dict[str, Any],
    streams: list[str],
) -> RunResult:
    """One full-refresh read of `streams` in a child process, as Airbyte runs it."""
    config_path = workdir / "config.json"
    catalog_path = workdir / "catalog.json"
    config_path.write_text(json.dumps({**simulator.prepare_run(latency_ms), **config}))
    catalog = {
        "streams": [
            {
                "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
            for name in streams
        ]
    }
    catalog_path.write_text(json.dumps(catalog))
    simulator_cpu_before = simulator.cpu_seconds()
    started = time.monotonic()
    process = subprocess.Popen(
        [*CONNECTOR, "read", "--config", str(config_path), "--catalog", str(catalog_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    records = 0
    output_bytes = 0
    by_stream: Counter[bytes] = Counter()
    sample: list[bytes] = []
    peak = PeakRss(process.pid)
    peak.start()
    assert process.stdout is not None
    for line in process.stdout:
        output_bytes += len(line)
        if line.startswith(b'{"type":"RECORD"'):
            records += 1
            start = line.find(b'"stream":"', 0, 120) + 10
            by_stream[line[start : line.find(b'"', start)]] += 1
            if records % SAMPLE_EVERY == 0:
                sample.append(line)
        elif b'"TRACE"' in line[:40] and b'"ERROR"' in line:
            print(f"  error: {line[:300]!r}", file=sys.stderr)
    peak.stop()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        print(f"  the connector exited with status {process.returncode}", file=sys.stderr)
    return RunResult(
        label,
        seconds,
        records,
        peak.megabytes,
        simulator.request_counts(),
        output_bytes,
        Counter({name.decode(): count for name, count in by_stream.items()}),
        usage.ru_utime + usage.ru_stime,
        simulator.cpu_seconds() - simulator_cpu_before,
        sample,
    )


def raw_json_cost(sample: list[bytes]) -> float:
    """Records per second of only parsing and serialising the same records (a sample of the run's own,
    in the same mix of streams) with the standard library: each record's JSON is decoded, as from an
    API body, and encoded again as a record message. The floor of any connector's per-record cost."""
    bodies = []
    for line in sample:
        record = json.loads(line)["record"]
        bodies.append((record["stream"], json.dumps(record["data"]).encode()))
    started = time.perf_counter()
    for stream, body in bodies:
        json.dumps({"type": "RECORD", "record": {"stream": stream, "data": json.loads(body), "emitted_at": 0}})
    return len(bodies) / (time.perf_counter() - started)


#: requests whose number depends on time, not on the data: a report job is polled until it is done
NOT_COMPARED = ("analytics/get_report",)


def report(result: RunResult, minimum: Counter[str]) -> None:
    total = sum(count for operation, count in result.requests.items() if operation not in NOT_COMPARED)
    floor = sum(minimum.values())
    print(f"\n== {result.label}")
    print(
        f"wall time {result.seconds:.1f} s, {result.records} records, {result.records / result.seconds:,.0f} records/s, "
        f"peak RSS {result.peak_rss_mb:.0f} MB, output {result.output_bytes / 1e6:.0f} MB"
    )
    print(
        f"CPU time: connector {result.connector_cpu_seconds:.1f} s "
        f"({result.connector_cpu_seconds / max(result.records, 1) * 1e6:.0f} us a record), "
        f"simulator {result.simulator_cpu_seconds:.1f} s"
    )
    print(
        f"API requests {total} against a minimum of {floor} ({(total / floor - 1) * 100:+.1f}%), "
        f"plus {result.requests['analytics/get_report']} report polls"
    )
    for operation in sorted(set(result.requests) | set(minimum)):
        sent, least = result.requests.get(operation, 0), minimum.get(operation, 0)
        flag = "" if sent == least else "   <-- above the minimum" if sent > least else ""
        print(f"  {operation:<40}{sent:>7}{least:>9}{flag}")
    print("records per stream:")
    for stream, count in result.records_by_stream.most_common():
        print(f"  {stream:<40}{count:>9}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=7, help="days of analytics to read (default 7)")
    parser.add_argument("--preset", default="large")
    parser.add_argument("--runs", default="1,2,3,4", help="which runs (see the docstring)")
    parser.add_argument(
        "--streams",
        default="all",
        choices=["all", "entities"],
        help="every stream, or the entity (dimension) streams only: request-bound, no analytics rows",
    )
    parser.add_argument("--only", default="", help="comma-separated streams to read instead (diagnosis)")
    options = parser.parse_args()
    runs = {int(run) for run in options.runs.split(",")}
    streams = [
        declaration.name for declaration in DECLARATIONS if options.streams == "all" or declaration.windows is None
    ]
    if options.only:
        streams = options.only.split(",")
    # one date for this script and every simulator and connector process it starts, even across midnight
    today = connector_clock.utc_today()
    os.environ[connector_clock.TODAY_VARIABLE] = os.environ[simulator_clock.TODAY_VARIABLE] = today.isoformat()
    start_date = (today - timedelta(days=options.days - 1)).isoformat()
    base = {"start_date": start_date}
    plan = [
        (1, 50, f"latency 50 ms, num_workers={DEFAULT_WORKERS} (default)", {}),
        (2, 50, "latency 50 ms, num_workers=1", {"num_workers": 1}),
        (3, 200, f"latency 200 ms, num_workers={DEFAULT_WORKERS} (default)", {}),
        (4, 0, f"no latency (CPU-bound), num_workers={DEFAULT_WORKERS}", {}),
    ]
    results: dict[int, RunResult] = {}
    minimum = minimum_requests(Simulator(preset=options.preset), options.days)
    if options.streams == "entities":
        minimum = Counter({op: n for op, n in minimum.items() if "analytics" not in op})
    simulator = SimulatorProcess(options.preset)
    with tempfile.TemporaryDirectory() as tmp:
        warm_up = run_sync(simulator, 0, Path(tmp), "warm-up", base, streams)
        print(
            f"warm-up read (fills the simulator's response cache): {warm_up.seconds:.1f} s, {warm_up.records} records, "
            f"simulator CPU {warm_up.simulator_cpu_seconds:.1f} s"
        )
        for number, latency, label, overrides in plan:
            if number not in runs:
                continue
            results[number] = run_sync(simulator, latency, Path(tmp), label, {**base, **overrides}, streams)
            report(results[number], minimum)
            if number == 4:
                raw = raw_json_cost(results[4].sample)
                connector = results[4].records / results[4].seconds
                per_cpu = results[4].records / results[4].connector_cpu_seconds
                print(
                    f"raw JSON parse + serialise of the same records: {raw:,.0f} records/s on one core; the connector: "
                    f"{connector:,.0f} records/s of wall time, {per_cpu:,.0f} records per CPU second "
                    f"({raw / per_cpu:.1f}x the raw cost)"
                )
    simulator.stop()
    if 1 in results and 2 in results:
        print(
            f"\nspeed-up of num_workers={DEFAULT_WORKERS} over 1 worker at 50 ms: {results[2].seconds / results[1].seconds:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
