"""Catalog health streams (issue 23, item 4): each feed's processing results (incremental on `updated_at`, under
every reading of how that list pages), their item issues, each product group's product counts and products."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from airbyte_cdk.models import Level
from harness import final_states, read_valid, records_by_stream, state_messages

from pinterest_simulator import Simulator, routes
from pinterest_simulator.catalog_health import (
    affected_items,
    find_result,
    group_products,
    item_issues,
    processing_results,
    product_counts,
    product_pin_id,
    sampled_items,
)
from pinterest_simulator.switches import CHOICES
from source_pinterest_marketing.streams import fetchers

HEALTH = (
    "catalog_feed_processing_results",
    "catalog_item_issues",
    "catalog_product_group_counts",
    "catalog_product_group_products",
)


def _read(config: dict[str, Any], streams: tuple[str, ...] = HEALTH, state: Any = None) -> Any:
    return read_valid(config, streams, state=state)


def _results(sim: Simulator) -> dict[str, list[dict[str, Any]]]:
    """Each feed's processing results, newest first (as the API answers)."""
    owner = sim.dataset.owner
    return {feed["id"]: processing_results(sim.dataset, owner, feed)[::-1] for feed in sim.dataset.entities("catalogs_feeds")}


def test_every_result_issue_count_and_product_is_read_once(sim: Simulator, config: dict[str, Any]) -> None:
    records = records_by_stream(_read(config))
    dataset, owner = sim.dataset, sim.dataset.owner
    results = _results(sim)
    assert sorted((r["feed_id"], r["id"]) for r in records["catalog_feed_processing_results"]) == sorted(
        (feed, result["id"]) for feed, listed in results.items() for result in listed
    )
    expected_issues = []
    for feed_results in results.values():
        for result in feed_results:
            feed, day = find_result(dataset, owner, result["id"])  # type: ignore[misc]
            items = sampled_items(affected_items(dataset, owner, feed, day), day, result["id"])
            expected_issues += [(result["id"], str(item_issues(item, day)["item_number"])) for item in items]
    issues = [(r["processing_result_id"], str(r["item_number"])) for r in records["catalog_item_issues"]]
    assert issues and sorted(issues) == sorted(expected_issues)
    assert {r["feed_id"] for r in records["catalog_item_issues"]} <= set(results)
    groups = {group["id"]: group for group in dataset.entities("catalogs_product_groups")}
    counts = {r["product_group_id"]: r for r in records["catalog_product_group_counts"]}
    assert set(counts) == set(groups)
    for group_id, group in groups.items():
        assert counts[group_id]["total"] == product_counts(group_products(owner, dataset, group))["total"]
    products = Counter((r["product_group_id"], r["pin_id"]) for r in records["catalog_product_group_products"])
    assert products and max(products.values()) == 1
    assert set(products) == {
        (group_id, product_pin_id(item, False)) for group_id, group in groups.items() for item in group_products(owner, dataset, group)
    }
    log = sim.requests.snapshot()
    assert sim.requests.count("feeds/list") == 1 and sim.requests.count("catalogs_product_groups/list") == 1  # listed once
    assert sim.requests.count("items_issues/list") == sum(len(listed) for listed in results.values())
    assert all(r.query["page_size"] == ["250"] for r in log if r.operation_id == "feed_processing_results/list")


@pytest.mark.parametrize("paging", CHOICES["processing_results_paging"])
def test_processing_results_once_each_whatever_the_bookmark_does(
    sim: Simulator, config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, paging: str
) -> None:
    """Pages of 7 (capped here): a bookmark that answers the first page again ends the read (no loop, no duplicate);
    a working one is followed; without one, the first page is all the API gives."""
    monkeypatch.setattr(routes, "MAX_PAGE_SIZE", 7)
    monkeypatch.setattr(fetchers, "MAX_PAGE_SIZE", 7)
    with sim.switches.temporarily(processing_results_paging=paging):
        output = _read(config, ("catalog_feed_processing_results",))
    records = records_by_stream(output)["catalog_feed_processing_results"]
    ids = [record["id"] for record in records]
    assert len(ids) == len(set(ids))
    results = _results(sim)
    expected = {r["id"] for listed in results.values() for r in (listed if paging == "bookmark" else listed[:7])}
    assert set(ids) == expected
    requests = sim.requests.count("feed_processing_results/list")
    pages = {"first_page": 1, "repeating_bookmark": 2, "bookmark": None}[paging]
    assert requests == (pages * len(results) if pages else sum(-(-len(listed) // 7) for listed in results.values()))
    # a read that ends on a full page says older results may be unread, naming the feed; a working bookmark never
    warned = [m.log.message for m in output.logs if "no page after a full page" in m.log.message]
    capped = sorted(feed_id for feed_id, listed in results.items() if len(listed) >= 7)
    assert capped
    if paging == "bookmark":
        assert not warned
    else:
        assert len(warned) == len(capped)
        assert all(sum(f"feed_id {feed_id}:" in line for line in warned) == 1 for feed_id in capped)
        assert all(m.log.level == Level.WARN for m in output.logs if "no page after a full page" in m.log.message)


@pytest.mark.parametrize("paging", CHOICES["processing_results_paging"])
def test_processing_results_are_incremental_per_feed(sim: Simulator, config: dict[str, Any], paging: str) -> None:
    """A second sync with the first one's state emits only the results updated since the saved cursor, whatever the
    paging; each feed has its own state."""
    with sim.switches.temporarily(processing_results_paging=paging):
        first = _read(config, ("catalog_feed_processing_results",))
        states = final_states(first)
        assert len(records_by_stream(first)["catalog_feed_processing_results"]) == sum(len(v) for v in _results(sim).values())
        second = _read(sim.connector_config(), ("catalog_feed_processing_results",), state=state_messages(states))
    partitions = states["catalog_feed_processing_results"]["states"]
    saved = {p["partition"]["feed_id"]: p["cursor"]["updated_at"] for p in partitions}
    assert set(saved) == set(_results(sim))
    again = records_by_stream(second).get("catalog_feed_processing_results", [])
    # only what changed since: the results at the saved cursor itself (the cursor is inclusive), one a feed here
    assert again and all(record["updated_at"] == saved[record["feed_id"]] for record in again)
    assert len(again) == len(saved)
