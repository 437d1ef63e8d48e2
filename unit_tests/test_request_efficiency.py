"""The fewest requests: every list is fetched once per sync, whichever streams need it, with the
maximum page size, and no request is ever sent twice."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

from airbyte_cdk.models import SyncMode
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read
from harness import every_scope_config

from pinterest_simulator import Simulator
from source_pinterest_marketing import SourcePinterestMarketing
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.streams import DECLARATIONS

PAGE = 250


def _full_read(sim: Simulator, streams: list[str]) -> Counter[str]:
    catalog = CatalogBuilder()
    for name in streams:
        catalog.with_stream(name, SyncMode.full_refresh)
    sim.requests.clear()
    # A few days of analytics: the request count does not depend on it, the run time does.
    start_date = (utc_today() - timedelta(days=3)).isoformat()
    output = read(SourcePinterestMarketing(), every_scope_config(sim, start_date=start_date), catalog.build())
    assert not output.errors, output.errors
    return Counter(record.operation_id for record in sim.requests if record.operation_id)


def test_every_list_is_fetched_once_per_sync(sim: Simulator) -> None:
    counts = _full_read(sim, [declaration.name for declaration in DECLARATIONS])
    data = sim.dataset
    accounts = data.ad_account_ids

    def pages(count: int) -> int:
        return max(1, math.ceil(count / PAGE))

    expected = {
        "ad_accounts/list": 1,
        "campaigns/list": sum(pages(len(data.entities("campaigns", a))) for a in accounts),
        "ad_groups/list": sum(pages(len(data.entities("ad_groups", a))) for a in accounts),
        "ads/list": sum(pages(len(data.entities("ads", a))) for a in accounts),
        "boards/list": 1,
        "pins/list": 1,
        "board_sections/list": len(data.entities("boards")),
        "boards/list_pins": len(data.entities("boards")),
        "board_sections/list_pins": len(data.entities("board_sections")),
        "keywords/get": sum(
            1 + len(data.entities("campaigns", a)) + pages(len(data.entities("ad_groups", a))) for a in accounts
        ),
        "conversion_tags/list": len(accounts),
        "customer_lists/list": len(accounts),
        "audiences/list": 2 * len(accounts),  # owned and shared-with-the-account audiences
    }
    for operation, count in expected.items():
        assert counts[operation] == count, f"{operation}: {counts[operation]} requests, expected {count}"


#: requests that legitimately repeat: a token refresh, report jobs' creations (the JSON bodies differ: an ad
#: account's report, a catalog's or a feed's, a conversion or MMM report's) and polls
REPEATING = (
    "oauth/token",
    "analytics/get_report",
    "analytics/create_report",
    "reports/get",
    "reports/create",
    "analytics/create_conversion_product_report",
    "analytics/get_conversion_product_report",
    "analytics/create_mmm_report",
    "analytics/get_mmm_report",
)


def test_no_request_is_sent_twice(sim: Simulator) -> None:
    _full_read(sim, [declaration.name for declaration in DECLARATIONS])
    seen = Counter(
        (record.method, record.path, tuple(sorted((key, tuple(values)) for key, values in record.query.items())))
        for record in sim.requests
        if record.operation_id not in REPEATING
    )
    repeated = {request: count for request, count in seen.items() if count > 1}
    assert not repeated, repeated


def test_a_list_needed_only_for_ids_is_fetched_once_without_its_stream(sim: Simulator) -> None:
    """Keywords and product group promotions need campaign and ad group lists: fetched once each."""
    counts = _full_read(sim, ["keywords", "product_group_promotions", "campaign_analytics"])
    assert counts["campaigns/list"] == len(sim.dataset.ad_account_ids)
    assert counts["ad_groups/list"] == len(sim.dataset.ad_account_ids)
