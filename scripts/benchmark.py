"""Benchmark: a full sync of a large simulated dataset, as Airbyte runs it (a separate process).

Prints, per run:
- wall time, records and records per second, peak RSS, and the machine's load average;
- CPU time of the connector process, in µs a record, against the orjson floor: parsing and re-serialising a
  sample of the same run's records with orjson alone (each record's data parsed from its JSON, as from an API body,
  and written again as a record message), the least any Python connector could spend on them;
- where the connector's CPU goes (run 5): py-spy samples the connector process (threads waiting on a lock, the GIL
  or a socket left out), each sample attributed by its innermost known frame to the connector's code, airbyte-cdk's
  message path (its partition reader and dispatch, the record message, counting), JSON parsing, serialising
  messages, HTTP, or the rest (interpreter, garbage collector); the queue between the threads and the writing of
  the messages to stdout are the connector's own (concurrency.RoomQueue, cdk_output.LineWriter: its code); orjson's
  own frames, which py-spy mostly does not name, count where they are called (parsing a row: json_items; serialising a
  record: cdk_output.message_line, the connector);
- HTTP requests per rate-limit category and endpoint against the minimum the API's limits allow (page size 250,
  250 ids per analytics request (100 Pins), 90-day analytics windows, 14 targeting types per request, one report
  job per report, account and window);
- wall time against the rate-limit floor: the least time Pinterest's rate limits allow for the requests of each
  category, per user and app (each operation's `x-ratelimit-category` in the API description; the published
  limits in source_pinterest_marketing/rate_limits.py: ads_analytics 300 a minute, ads_read 1,000 a minute, 100 a
  second in all), for the requests sent and for the minimum.

Runs (`--runs`):
1. latency 50 ms per request, default `num_workers`
2. latency 50 ms, `num_workers=1` (the speed-up of concurrency)
3. latency 200 ms, default `num_workers`
4. no latency (CPU-bound)
5. run 4 again, sampled by py-spy (the profile split, scaled to run 4's CPU: py-spy stops the process to sample)

The simulator runs in a process of its own with its response cache on, and an unmeasured warm-up read fills that
cache first (`--no-warm-up` skips it): generating a million analytics rows costs the simulator more CPU than
reading them costs the connector, and on a 2-core machine the runs would otherwise measure the simulator. Report
jobs stay IN_PROGRESS for one poll (the connector polls after 1 s, then 2 s), so each job takes about 3 s, as in
the tests; real jobs often take longer.

Usage: `make benchmark` or `python scripts/benchmark.py [--days 7] [--runs 1,2,3,4,5] [--streams entities]
[--preset large|agency] [--no-warm-up] [--switch NAME=VALUE ...]`; campaigns that do not deliver (the ad groups, ads and
promoted Pins of those without a row are not asked for, nor counted in the minimum):
`--switch delivery=scheduled --switch idle_rows=omitted`; the agency preset (50 ad accounts, request-bound):
`python scripts/benchmark.py --preset agency --runs 1 --no-warm-up`. Figures, not assertions: nothing here fails on
a slow machine. The per-endpoint minimum is `minimum_requests` (a stream's endpoint: its line there).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Optional

import orjson
from airbyte_cdk.sources.streams.call_rate import Rate

from pinterest_simulator import Simulator, account_extras, business_access, catalog_health, social, targeting_data
from pinterest_simulator import clock as simulator_clock
from pinterest_simulator.dataset import is_video_pin
from pinterest_simulator.metrics import Rollup, delivery_of
from pinterest_simulator.switches import parse_assignment
from source_pinterest_marketing import clock as connector_clock
from source_pinterest_marketing.api_description import api_parameter
from source_pinterest_marketing.config import TOP_PINS_OPERATION, TOP_VIDEO_PINS_OPERATION, PinterestConfig
from source_pinterest_marketing.rate_limits import build_categories
from source_pinterest_marketing.streams import DECLARATIONS, business, measurement
from source_pinterest_marketing.streams.reports import REPORTS

PAGE = 250
IDS = 250
PIN_IDS = 100
WINDOW_DAYS = 90
TARGETING_TYPES_PER_REQUEST = 14
CONNECTOR = [sys.executable, "-m", "source_pinterest_marketing.run"]
DEFAULT_WORKERS = PinterestConfig.model_fields["num_workers"].default
#: one record message in SAMPLE_EVERY is kept for the orjson floor
SAMPLE_EVERY = 10
#: where py-spy's raw stacks are kept (`--profile-output`); None: a temporary file
PROFILE_OUTPUT: Optional[Path] = None
#: the run sampled by py-spy (run 4's settings): its figures are not reported, py-spy stopping the process to sample
PROFILED_RUN = 5
#: py-spy's samples a second (native frames: the process is paused for each)
PROFILE_RATE = 25
#: requests whose number depends on time, not on the data: a report job is polled until it is done
POLLS = "analytics/get_report"
#: a catalog report job is polled so too, and a brand/category/SKU or MMM report job
CATALOG_REPORT_POLLS = "reports/get"
CONVERSION_REPORT_POLLS = "analytics/get_conversion_product_report"
MMM_REPORT_POLLS = "analytics/get_mmm_report"
NOT_COMPARED = (POLLS, CATALOG_REPORT_POLLS, CONVERSION_REPORT_POLLS, MMM_REPORT_POLLS)
#: the job creation each kind of poll follows
POLLED_JOBS = {
    POLLS: "analytics/create_report",
    CATALOG_REPORT_POLLS: "reports/create",
    CONVERSION_REPORT_POLLS: "analytics/create_conversion_product_report",
    MMM_REPORT_POLLS: "analytics/create_mmm_report",
}
#: the least polls a job takes: the simulator's job answers IN_PROGRESS to its first `polls_in_progress` polls
#: (whatever the time between them), then FINISHED (set from the simulator in `main`)
POLLS_PER_JOB = 2
#: the simulator's operations that are not Pinterest API requests (token refreshes are, but not the connector's work)
NOT_API = ("oauth/token", "<unknown>")


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
    #: every SAMPLE_EVERY-th record message, for the orjson floor
    sample: list[bytes]
    #: the load average (1 minute) when the run started and ended
    load: tuple[float, float]
    profile: Optional[ProfileSplit] = None
    #: (seconds since the run started, operation) of every API request, in the order the simulator answered them
    timeline: list[tuple[float, str]] = field(default_factory=list)


def pages(count: int) -> int:
    return max(1, math.ceil(count / PAGE))


def batches(count: int, size: int = IDS) -> int:
    return math.ceil(count / size)


# -- the minimum --------------------------------------------------------------------------------------------------
def idle_campaigns(sim: Simulator, account: str, days: int) -> set[str]:
    """The account's campaigns without a row in the days read (none unless the simulator's switches make some
    campaigns not deliver, `delivery`, and leave their rows out, `idle_rows`): what a sync knows from the campaign
    analytics it reads anyway, so their ad groups, ads and promoted Pins need no request."""
    if sim.switches.idle_rows != "omitted":
        return set()
    rollup = Rollup(sim.dataset, account, [], delivery_of(sim.dataset, account, sim.switches))
    today = sim.dataset.today()
    read = [today - timedelta(days=n) for n in range(days)]
    return {
        c["id"] for c in sim.dataset.entities("campaigns", account) if not rollup.delivered("campaign", c["id"], read)
    }


def minimum_requests(sim: Simulator, days: int) -> Counter[str]:
    """What the API's limits allow at best, from the dataset's sizes (independent of the connector); the entities of
    campaigns without delivery in the days read are not asked for (`idle_campaigns`)."""
    data = sim.dataset
    accounts = data.ad_account_ids
    windows = math.ceil(days / WINDOW_DAYS)
    minimum: Counter[str] = Counter()
    minimum["ad_accounts/list"] = pages(len(accounts))
    minimum["user_account/get"] = 1
    for account in accounts:
        campaigns = data.entities("campaigns", account)
        idle = idle_campaigns(sim, account, days)
        ad_groups = data.entities("ad_groups", account)
        ads = data.entities("ads", account)
        delivering_ad_groups = [g for g in ad_groups if g["campaign_id"] not in idle]
        delivering_ads = [ad for ad in ads if ad["campaign_id"] not in idle]
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
        minimum["ad_groups/analytics"] += windows * batches(len(delivering_ad_groups))
        minimum["ads/analytics"] += windows * batches(len(delivering_ads))
        # both readings of product_group_ids are asked for: promotion ids and their catalog product group ids
        product_group_ids = {p["id"] for p in promotions} | {
            p["catalog_product_group_id"] for p in promotions if p.get("catalog_product_group_id")
        }
        minimum["product_groups/analytics"] += windows * batches(len(product_group_ids))
        types = {
            "ad_account_targeting_analytics/get": (1, 13),
            "campaign_targeting_analytics/get": (batches(len(campaigns)), 15),
            "ad_groups_targeting_analytics/get": (batches(len(delivering_ad_groups)), 14),
            "ad_targeting_analytics/get": (batches(len(delivering_ads)), 14),
        }
        for operation, (id_batches, type_count) in types.items():
            minimum[operation] += windows * id_batches * math.ceil(type_count / TARGETING_TYPES_PER_REQUEST)
        # ad Pins: one campaign a request, the Pins its ads promote 100 a request
        promoted: dict[str, set[str]] = {}
        for ad in delivering_ads:
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
        minimum["lead_forms/list"] += pages(len(sim.leads.form_list(account)))
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
    # brand/category/SKU conversions: one job per account and year (the API's longest window), from the first day
    # served (after 2024-03-16)
    conversion_days = min(days, (sim.today() - measurement.FIRST_DAY).days + 1)
    minimum["analytics/create_conversion_product_report"] = len(accounts) * math.ceil(conversion_days / 365)
    # MMM reports: one job per account and window of the last 90 days the connector reads (91 dates a job; the API
    # gives no limit: switch mmm_date_limits), one per country with countries (none in the benchmark's config)
    mmm_days = min(days, measurement.MMM_DAYS_BACK)
    minimum["analytics/create_mmm_report"] = len(accounts) * math.ceil(mmm_days / measurement.MMM_WINDOW_DAYS)
    minimum["lead_form_questions/get"] = 1  # one answer, no paging
    minimum["catalogs/list"] = 1
    minimum["feeds/list"] = 1
    minimum["catalogs_product_groups/list"] = 1
    # catalog health: a feed's results (one page), a request per result for its item issues, per product group its
    # counts (one object) and its products
    feeds = data.entities("catalogs_feeds")
    results = [r for feed in feeds for r in catalog_health.processing_results(data, data.owner, feed)]
    minimum["feed_processing_results/list"] = len(feeds)
    minimum["items_issues/list"] = len(results)
    # catalog reports: a job per feed (ingestion issues) and per catalog (distribution issues; ALL_ITEMS is opt-in,
    # off in the benchmark's config)
    minimum["reports/create"] = len(feeds) + len(data.entities("catalogs"))
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
    minimum.update(reference_and_insights_minimum(sim))
    return minimum


def opt_in_minimum(sim: Simulator) -> Counter[str]:
    """The minimum of the opt-in leads, which the benchmark's config leaves off (its figures stay comparable, and the
    large preset's 3,200 lead ads would measure export polls, not the connector): one export per lead ad (the 30 days
    Pinterest keeps fit one window; the API exports one ad at a time and lists no lead ads), polled at least once."""
    lead_ads = len(sim.leads.lead_ads)
    return Counter({"leads_export/create": lead_ads, "leads_export/get": lead_ads})


def reference_and_insights_minimum(sim: Simulator) -> Counter[str]:
    """The minimum of the ad accounts' smaller entities, the targeting reference, audience insights and trends, at the
    default settings (one market, one region, one country, every trend type)."""
    data = sim.dataset
    accounts = data.ad_account_ids
    settings = {
        name: PinterestConfig.model_fields[name].get_default(call_default_factory=True)
        for name in ("keyword_metrics_countries", "trends_regions", "trend_types", "trends_markets")
    }
    minimum: Counter[str] = Counter()
    texts: dict[str, None] = {}
    for account in accounts:
        minimum["labels/list"] += pages(len(account_extras.labels(data, account)))
        minimum["promotions/list"] += pages(len(account_extras.promotions(data, account)))
        minimum["advertiser_defined_events/get"] += 1
        minimum["conversion_eqs/list"] += len(api_parameter("conversion_eqs/list", "lookback_period")["enum"])
        minimum["page_visit_conversion_tags/get"] += pages(len(account_extras.page_visit_events(data, account)))
        minimum["ocpm_eligible_conversion_tags/get"] += 1
        minimum["targeting_template/list"] += pages(len(targeting_data.targeting_templates(data, account)))
        minimum["audience_insights/get"] += len(api_parameter("audience_insights/get", "audience_insight_type")["enum"])
        minimum["audience_insights_scope_and_type/get"] += 1
        # per owned audience and account type (both required), each one page
        account_types = len(api_parameter("ad_accounts_audiences_shared_accounts/list", "account_type")["enum"])
        minimum["ad_accounts_audiences_shared_accounts/list"] += account_types * len(
            data.entities("audiences", account)
        )
        own = dict.fromkeys(keyword["value"] for keyword in data.entities("keywords", account))
        texts.update(own)
        minimum["country_keywords_metrics/get"] += len(settings["keyword_metrics_countries"]) * batches(len(own), 2000)
    every_type = api_parameter("targeting_options/get", "targeting_type")["enum"]
    account_types_of_options = len(targeting_data.ACCOUNT_OPTION_TYPES)
    minimum["targeting_options/get"] = (
        len(every_type) - account_types_of_options + account_types_of_options * len(accounts)
    )
    minimum["interest_targeting_options/get"] = len(targeting_data.targeting_options(data, "INTEREST", None))
    minimum["ad_account_countries/get"] = 1
    minimum["delivery_metrics/get"] = len(api_parameter("delivery_metrics/get", "report_type")["enum"])
    minimum["trending_keywords/list"] = len(settings["trends_regions"]) * len(settings["trend_types"])
    markets = len(settings["trends_markets"])
    minimum["trends_featured_topics/list"] = markets * len(
        api_parameter("trends_featured_topics/list", "interest")["enum"]
    )
    engagement_types = api_parameter("trends_product_categories_trending/list", "engagement_type")["enum"]
    minimum["trends_product_categories_trending/list"] = markets * len(engagement_types)
    # `terms` has no maxItems: a URL's length bounds a request (the connector's 50 terms); suggestions: one term each
    minimum["terms_related/list"] = batches(len(texts), 50)
    minimum["terms_suggested/list"] = len(texts)
    return minimum


def operation_categories(sim: Simulator) -> dict[str, str]:
    """Each API operation's rate-limit category, as Pinterest's API description names it (`x-ratelimit-category`)."""
    found: dict[str, str] = {}
    for operations in sim.spec.doc["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict) and "operationId" in operation:
                found[operation["operationId"]] = operation.get("x-ratelimit-category") or UNLISTED
    return found


# -- the rate-limit floor -----------------------------------------------------------------------------------------
#: the category of an operation the API description does not list (the universal limit only)
UNLISTED = "unlisted"


def published_rates() -> dict[str, tuple[Rate, ...]]:
    """Pinterest's published limits per category (rate_limits.py: the connector's budget keeps them), per user and
    app: a category without a published minute limit has the universal one (100 requests a second) only."""
    return {category.name: category.rates for category in build_categories()}


@dataclass(frozen=True)
class CategoryFloor:
    """The least time a category's requests take under one of its rates."""

    category: str
    requests: int
    limit: int
    interval_seconds: float

    @property
    def seconds(self) -> float:
        """The moving window's floor: `limit` requests in any interval, so the n-th request waits for the first
        of its window to leave it; the last one is sent at (ceil(n / limit) - 1) intervals at the earliest."""
        return max(0, math.ceil(self.requests / self.limit) - 1) * self.interval_seconds

    @property
    def sustained_seconds(self) -> float:
        """The same requests at the rate itself (what a sync of many intervals tends to)."""
        return self.requests / self.limit * self.interval_seconds

    def describe(self) -> str:
        per = "a minute" if self.interval_seconds == 60 else "a second"
        return (
            f"{self.category}: {self.requests:,} at {self.limit:,} {per}, {self.seconds:.1f} s "
            f"(at the sustained rate {self.sustained_seconds:.1f} s)"
        )


def rate_limit_floor(requests: Counter[str], categories: dict[str, str]) -> list[CategoryFloor]:
    """The floor of each category's minute limit, and of the universal per-second limit over every request (Pinterest
    counts both per user and app, whatever the number of machines); the largest is the sync's floor."""
    rates = published_rates()
    by_category: Counter[str] = Counter()
    for operation, count in requests.items():
        by_category[categories.get(operation, UNLISTED)] += count
    floors = [
        CategoryFloor(name, count, rate.limit, rate.interval.total_seconds())
        for name, count in sorted(by_category.items())
        for rate in rates.get(name, ())
        if rate.interval.total_seconds() > 1
    ]
    universal = next(rate for rate in rates["other"] if rate.interval.total_seconds() == 1)
    floors.append(CategoryFloor("every request", sum(requests.values()), universal.limit, 1.0))
    return floors


# -- the orjson floor ---------------------------------------------------------------------------------------------
def orjson_floor_us(sample: list[bytes]) -> float:
    """CPU µs a record of only parsing and serialising the sampled records with orjson: each record's data is
    parsed from its JSON (as from an API body) and written again as a record message. Best of three passes."""
    bodies = []
    for line in sample:
        try:
            record = orjson.loads(line)["record"]
        except orjson.JSONDecodeError as error:
            # the protocol stream is broken: say so (Airbyte would fail the sync here)
            at = error.pos
            print(
                f"  a record line is not JSON ({error}): ...{line[max(at - 150, 0) : at + 150]!r}...", file=sys.stderr
            )
            continue
        bodies.append((record["stream"], orjson.dumps(record["data"]), record["emitted_at"]))
    if not bodies:
        return 0.0
    best = math.inf
    for _ in range(3):
        started = time.process_time()
        for stream, body, emitted_at in bodies:
            orjson.dumps(
                {"type": "RECORD", "record": {"stream": stream, "data": orjson.loads(body), "emitted_at": emitted_at}}
            )
        best = min(best, time.process_time() - started)
    return best / len(bodies) * 1e6


# -- the profile --------------------------------------------------------------------------------------------------
#: where a sample's CPU went, by its innermost frame that says (files as py-spy names them: package-relative)
PROFILE_CATEGORIES = ("connector", "airbyte-cdk message path", "JSON parsing", "serialising", "HTTP", "other")
_HTTP_PACKAGES = (
    "requests",
    "urllib3",
    "http",
    "socket.py",
    "ssl.py",
    "email",
    "idna",
    "charset_normalizer",
    "requests_cache",
    "selectors.py",
)


def frame_category(function: str, file: str) -> Optional[str]:
    """The category of one frame, or None when the frame does not decide (interpreter, threads, libc: the caller
    does)."""
    top = file.split("/", 1)[0]
    if top == "orjson" or file.startswith("json/") or top == "ijson" or "yajl" in file:
        if function.startswith("dump") or file.startswith("json/encoder"):
            return "serialising"
        return "JSON parsing"
    if top == "serpyco_rs" or function == "airbyte_message_to_string":
        return "serialising"
    if top in _HTTP_PACKAGES:
        return "HTTP"
    if top in ("airbyte_cdk", "airbyte_protocol", "airbyte_protocol_dataclasses"):
        return "airbyte-cdk message path"
    if top == "source_pinterest_marketing":
        return "connector"
    return None


#: where a thread waits without using the CPU (a lock, the GIL, a socket, a sleep, a write to the stdout pipe that
#: waits for the reader to drain it: this script, or Airbyte, reading 2.9 GB of messages on shared cores; the copy a
#: write makes is a small part of it): py-spy's native samples include such threads, which are not the CPU's time
WAITING = frozenset(
    {
        "write",
        "pthread_cond_timedwait",
        "pthread_cond_wait",
        "PyThread_acquire_lock_timed",
        "sem_wait",
        "sem_timedwait",
        "poll",
        "select",
        "epoll_wait",
        "clock_nanosleep",
        "nanosleep",
        "futex_wait",
    }
)


@dataclass
class ProfileSplit:
    samples: Counter[str] = field(default_factory=Counter)
    #: samples of threads waiting (`WAITING`), left out
    waiting: int = 0
    #: samples by the connector's innermost function (file:function), for diagnosis
    connector_functions: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.samples.values())

    @classmethod
    def read(cls, path: Path) -> ProfileSplit:
        split = cls()
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = stack.split(";")
            named = [frame for frame in frames if not frame.startswith("0x")]
            if named and named[-1].split(" (", 1)[0] in WAITING:
                split.waiting += count
                continue
            category = "other"
            for frame in reversed(frames):
                function, _, where = frame.partition(" (")
                file = where.rstrip(")").rsplit(":", 1)[0]
                found = frame_category(function, file)
                if found is not None:
                    category = found
                    if found == "connector":
                        split.connector_functions[f"{file}:{function}"] += count
                    break
            split.samples[category] += count
        return split


class PySpy:
    """py-spy sampling a process from outside (native frames: orjson, ijson's C backend), writing raw stacks."""

    def __init__(self, pid: int, output: Path) -> None:
        self.output = output
        self.error = ""
        executable = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        command = [executable, "record", "--pid", str(pid), "--native", "--rate", str(PROFILE_RATE)]
        command += ["--format", "raw", "--output", str(output)]
        try:
            self._process: Optional[subprocess.Popen[bytes]] = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
        except OSError as error:
            self._process, self.error = None, str(error)

    def result(self) -> Optional[ProfileSplit]:
        """Once the process sampled has exited: the split, or None (`error` says why)."""
        if self._process is None:
            return None
        _, stderr = self._process.communicate(timeout=120)
        if not self.output.exists():
            lines = stderr.decode(errors="replace").strip().splitlines()
            self.error = lines[-1] if lines else "no output"
            return None
        return ProfileSplit.read(self.output)


# -- the processes ------------------------------------------------------------------------------------------------
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

    def __init__(self, preset: str, switches: Optional[list[str]] = None) -> None:
        # every read scope: the business streams need biz_access:read
        command = [
            sys.executable,
            "-m",
            "pinterest_simulator",
            "--port",
            "0",
            "--preset",
            preset,
            "--cache-responses",
            "--scopes",
            "all",
            *(argument for switch in switches or () for argument in ("--switch", switch)),
        ]
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
        """API requests per operation since `prepare_run`, token refreshes aside."""
        counts = self._call("GET", "/_sim/requests")["counts"]
        return Counter({operation: n for operation, n in counts.items() if operation not in NOT_API})

    def request_times(self, started: float) -> list[tuple[float, str]]:
        """(seconds since `started`, a Unix time, operation) of each API request since `prepare_run`."""
        answered = self._call("GET", "/_sim/requests")["requests"]
        return sorted(
            (request["time"] - started, request["operation_id"] or "<unknown>")
            for request in answered
            if (request["operation_id"] or "<unknown>") not in NOT_API
        )

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
    profile: bool = False,
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
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    started_unix = time.time()
    process = subprocess.Popen(
        [*CONNECTOR, "read", "--config", str(config_path), "--catalog", str(catalog_path)],
        stdout=subprocess.PIPE,
        stderr=(workdir / "stderr.txt").open("wb"),
    )
    spy = PySpy(process.pid, PROFILE_OUTPUT or workdir / "profile.txt") if profile else None
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
        tail = (workdir / "stderr.txt").read_text(errors="replace")[-2000:]
        print(f"  the connector exited with status {process.returncode}:\n{tail}", file=sys.stderr)
    split = spy.result() if spy is not None else None
    if spy is not None and split is None:
        print(f"  no profile: py-spy could not sample the connector ({spy.error or 'no output'})", file=sys.stderr)
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
        (load_before, os.getloadavg()[0]),
        split,
        simulator.request_times(started_unix),
    )


# -- the report ---------------------------------------------------------------------------------------------------
def report(result: RunResult, minimum: Counter[str], categories: dict[str, str]) -> None:
    total = sum(count for operation, count in result.requests.items() if operation not in NOT_COMPARED)
    least = sum(minimum.values())
    per_record = result.connector_cpu_seconds / max(result.records, 1) * 1e6
    print(f"\n== {result.label}")
    print(
        f"wall time {result.seconds:.1f} s, {result.records:,} records, {result.records / result.seconds:,.0f} records/s, "
        f"peak RSS {result.peak_rss_mb:.0f} MB, output {result.output_bytes / 1e6:,.0f} MB; "
        f"load average {result.load[0]:.2f} at the start, {result.load[1]:.2f} at the end (2 cores)"
    )
    floor_us = orjson_floor_us(result.sample)
    print(
        f"CPU time: connector {result.connector_cpu_seconds:.1f} s = {per_record:.1f} µs a record; the orjson floor "
        f"on {len(result.sample):,} of the same records (one in {SAMPLE_EVERY}): {floor_us:.1f} µs a record "
        f"(the connector {per_record / max(floor_us, 1e-9):.1f}x); simulator {result.simulator_cpu_seconds:.1f} s"
    )
    bound = report_floor(result, minimum, categories)
    report_timeline(result, categories, bound)
    print(
        f"API requests {total:,} against a minimum of {least:,} ({(total / least - 1) * 100:+.1f}%), "
        f"plus {result.requests['analytics/get_report']:,} report polls"
    )
    report_requests(result.requests, minimum, categories)
    print("records per stream:")
    for stream, count in result.records_by_stream.most_common():
        print(f"  {stream:<40}{count:>10,}")


def report_profile(split: ProfileSplit, cpu_seconds: float, records: int) -> None:
    total = max(split.total, 1)
    print(
        f"where the connector's CPU goes ({split.total:,} samples of py-spy at {PROFILE_RATE} a second on the CPU; "
        f"{split.waiting:,} of waiting threads left out):"
    )
    for category in PROFILE_CATEGORIES:
        share = split.samples[category] / total
        print(f"  {category:<28}{share * 100:>5.1f}%  {share * cpu_seconds / max(records, 1) * 1e6:>6.1f} µs a record")
    print("  the connector's busiest functions (innermost):")
    for function, count in split.connector_functions.most_common(8):
        print(f"    {count / total * 100:>5.1f}%  {function}")


def report_floor(result: RunResult, minimum: Counter[str], categories: dict[str, str]) -> str:
    """Wall time against the floor Pinterest's rate limits set for the requests sent (report polls included: they
    count), and for the minimum with the least polls a job takes (`POLLS_PER_JOB`: the simulator's jobs answer
    IN_PROGRESS to their first poll, as a real job does while Pinterest generates it)."""
    sent = rate_limit_floor(result.requests, categories)
    least = rate_limit_floor(
        minimum + Counter({polls: minimum[creation] * POLLS_PER_JOB for polls, creation in POLLED_JOBS.items()}),
        categories,
    )
    floor = max(sent, key=lambda category: category.seconds)
    ratio = result.seconds / max(floor.seconds, 1e-9)
    print(
        f"rate-limit floor of the requests sent: {floor.seconds:.1f} s ({floor.category}); wall time "
        f"{result.seconds:.1f} s = {ratio:.2f}x the floor ({(ratio - 1) * 100:+.0f}%); Pinterest's limits are per "
        "user and app (https://developers.pinterest.com/docs/reference/rate-limits/)"
    )
    for category in sent:
        print(f"  sent     {category.describe()}")
    for category in least:
        print(f"  minimum  {category.describe()}")
    return floor.category


#: the timeline's bucket (the published limits are per minute)
TIMELINE_BUCKET_SECONDS = 60
#: a stretch of the sync without a request of the bound category longer than this is reported
IDLE_SECONDS = 5.0


def report_timeline(result: RunResult, categories: dict[str, str], bound: str) -> None:
    """Requests a minute per rate-limit category over the sync, the bound category's split by what asks (report polls,
    report creations, the rest) and its idle stretches: where the sync does not use the budget that bounds it."""
    if not result.timeline:
        return
    end = max(result.seconds, result.timeline[-1][0])
    buckets = math.ceil(end / TIMELINE_BUCKET_SECONDS)
    names = sorted({categories.get(operation, UNLISTED) for _, operation in result.timeline})
    per_bucket: list[Counter[str]] = [Counter() for _ in range(buckets)]
    for at, operation in result.timeline:
        index = min(max(int(at // TIMELINE_BUCKET_SECONDS), 0), buckets - 1)
        category = categories.get(operation, UNLISTED)
        per_bucket[index][category] += 1
        if category == bound:
            kind = "polls" if operation in NOT_COMPARED else "creates" if "create" in operation else "other"
            per_bucket[index][f"{bound}:{kind}"] += 1
    print(f"requests a minute per rate-limit category ({bound}: its report polls, report creations, other requests):")
    print("  minute " + "".join(f"{name:>16}" for name in names) + f"{'polls':>8}{'creates':>8}{'other':>8}")
    for index, counts in enumerate(per_bucket):
        print(
            f"  {index:>6} "
            + "".join(f"{counts[name]:>16,}" for name in names)
            + "".join(f"{counts[f'{bound}:{kind}']:>8,}" for kind in ("polls", "creates", "other"))
        )
    moments = [at for at, operation in result.timeline if categories.get(operation, UNLISTED) == bound]
    if not moments:
        return
    edges = [0.0, *moments, end]
    idle = [(start, stop) for start, stop in itertools.pairwise(edges) if stop - start > IDLE_SECONDS]
    print(
        f"  {bound}: first request at {moments[0]:.1f} s, last at {moments[-1]:.1f} s of {end:.1f} s; "
        f"{len(idle)} stretches over {IDLE_SECONDS:.0f} s without one, {sum(b - a for a, b in idle):.1f} s in all"
        + "".join(f"; {a:.0f}-{b:.0f} s" for a, b in sorted(idle, key=lambda gap: gap[0] - gap[1])[:8])
    )


def report_requests(requests: Counter[str], minimum: Counter[str], categories: dict[str, str]) -> None:
    print(f"  {'endpoint (rate-limit category)':<44}{'sent':>8}{'minimum':>9}")
    for name in sorted({categories.get(operation, UNLISTED) for operation in set(requests) | set(minimum)}):
        operations = sorted(op for op in set(requests) | set(minimum) if categories.get(op, UNLISTED) == name)
        print(
            f"  [{name}] {sum(requests[op] for op in operations):,} sent, "
            f"{sum(minimum[op] for op in operations):,} at least (job polls not counted in the minimum)"
        )
        for operation in operations:
            count, least = requests.get(operation, 0), minimum.get(operation, 0)
            flag = "   <-- above the minimum" if count > least and operation not in NOT_COMPARED else ""
            print(f"    {operation:<42}{count:>8,}{least:>9,}{flag}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=7, help="days of analytics to read (default 7)")
    parser.add_argument("--preset", default="large")
    parser.add_argument("--runs", default="1,2,3,4,5", help="which runs (see the docstring)")
    parser.add_argument(
        "--num-workers", type=int, help=f"num_workers of the runs that use the default ({DEFAULT_WORKERS})"
    )
    parser.add_argument("--profile-output", type=Path, help="keep py-spy's raw stacks in this file (diagnosis)")
    parser.add_argument(
        "--no-warm-up", action="store_true", help="no warm-up read (rate-bound runs: the agency preset)"
    )
    parser.add_argument(
        "--streams",
        default="all",
        choices=["all", "entities"],
        help="every stream, or the entity (dimension) streams only: request-bound, no analytics rows",
    )
    parser.add_argument("--only", default="", help="comma-separated streams to read instead (diagnosis)")
    parser.add_argument(
        "--switch",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a simulator switch (repeatable), e.g. delivery=scheduled and idle_rows=omitted: campaigns without delivery",
    )
    options = parser.parse_args()
    runs = {int(run) for run in options.runs.split(",")}
    global PROFILE_OUTPUT
    PROFILE_OUTPUT = options.profile_output
    streams = [
        declaration.name for declaration in DECLARATIONS if options.streams == "all" or declaration.windows is None
    ]
    if options.only:
        streams = options.only.split(",")
    # one date for this script and every simulator and connector process it starts, even across midnight
    today = connector_clock.utc_today()
    os.environ[connector_clock.TODAY_VARIABLE] = os.environ[simulator_clock.TODAY_VARIABLE] = today.isoformat()
    start_date = (today - timedelta(days=options.days - 1)).isoformat()
    base: dict[str, Any] = {"start_date": start_date}
    if options.num_workers:
        base["num_workers"] = options.num_workers
    workers = options.num_workers or DEFAULT_WORKERS
    plan = [
        (1, 50, f"latency 50 ms, num_workers={workers}", {}),
        (2, 50, "latency 50 ms, num_workers=1", {"num_workers": 1}),
        (3, 200, f"latency 200 ms, num_workers={workers}", {}),
        (4, 0, f"no latency (CPU-bound), num_workers={workers}", {}),
        (PROFILED_RUN, 0, "run 4 again, sampled by py-spy: where the CPU goes", {}),
    ]
    results: dict[int, RunResult] = {}
    switches = dict(parse_assignment(assignment) for assignment in options.switch)
    local = Simulator(preset=options.preset, switches=switches)
    minimum = minimum_requests(local, options.days)
    if options.streams == "entities":
        # no analytics, no reports: nor the metrics_ready_state question that bounds their cursors
        minimum = Counter(
            {op: n for op, n in minimum.items() if "analytics" not in op and op != "metrics_ready_state/get"}
        )
    categories = operation_categories(local)
    opt_in = ", ".join(f"{operation} {count:,}" for operation, count in sorted(opt_in_minimum(local).items()))
    print(f"off in these runs, the opt-in leads (leads.enabled), whose minimum is: {opt_in}")
    global POLLS_PER_JOB
    POLLS_PER_JOB = local.reports.polls_in_progress + 1
    del local
    simulator = SimulatorProcess(options.preset, options.switch)
    with tempfile.TemporaryDirectory() as tmp:
        if not options.no_warm_up:
            warm_up = run_sync(simulator, 0, Path(tmp), "warm-up", base, streams)
            print(
                f"warm-up read (fills the simulator's response cache): {warm_up.seconds:.1f} s, "
                f"{warm_up.records:,} records, simulator CPU {warm_up.simulator_cpu_seconds:.1f} s"
            )
        for number, latency, label, overrides in plan:
            if number not in runs:
                continue
            profiled = number == PROFILED_RUN
            results[number] = run_sync(
                simulator, latency, Path(tmp), label, {**base, **overrides}, streams, profile=profiled
            )
            if not profiled:
                report(results[number], minimum, categories)
                continue
            split = results[number].profile
            if split is not None:
                # the figures of the unsampled run 4 (py-spy stops the process for each sample)
                figures = results.get(4, results[number])
                print(f"\n== {label}")
                report_profile(split, figures.connector_cpu_seconds, figures.records)
    simulator.stop()
    if 1 in results and 2 in results:
        print(
            f"\nspeed-up of num_workers={workers} over 1 worker at 50 ms: {results[2].seconds / results[1].seconds:.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
