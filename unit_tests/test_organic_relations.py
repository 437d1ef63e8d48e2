"""The user's relations (issue 23, item 9): followers, followed users and boards, websites and linked businesses,
each read whole as the simulator has them, under every reading of the switches of their endpoints."""

from __future__ import annotations

from typing import Any

import pytest
from harness import error_messages, read_valid, records_by_stream, run_read

from pinterest_simulator import Simulator, routes
from pinterest_simulator.social import followed_boards, followees, followers, linked_businesses, websites
from pinterest_simulator.switches import CHOICES

RELATIONS = ("followers", "following", "followed_boards", "user_websites", "linked_businesses")


def _read(config: dict[str, Any], streams: tuple[str, ...] = RELATIONS) -> dict[str, list[dict[str, Any]]]:
    records = records_by_stream(read_valid(config, streams))
    assert set(streams) <= set(records), f"streams without records: {set(streams) - set(records)}"
    return records


def _non_null(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if value is not None}


def test_every_relation_is_read_whole_once(sim: Simulator, config: dict[str, Any]) -> None:
    """Followers, every followee (implicit ones too: neither feed_type nor explicit_following is sent), every
    followed board, every website (verified or not) and the linked business: exactly the API's, no duplicates."""
    records = _read(config)
    dataset = sim.dataset
    assert [r["username"] for r in records["followers"]] == [u["username"] for u in followers(dataset)]
    assert len(records["followers"]) == dataset.user["follower_count"] > 0
    expected_followees = followees(dataset, dataset.owner)
    assert [r["username"] for r in records["following"]] == [f.username for f in expected_followees]
    assert any(not f.explicit for f in expected_followees)  # the implicit follows are there
    assert sorted(r["id"] for r in records["followed_boards"]) == sorted(b["id"] for b, _ in followed_boards(dataset, dataset.owner))
    assert records["user_websites"] == websites(dataset, "absent")
    assert records["linked_businesses"] == linked_businesses(dataset, with_id=False)
    for operation in ("followers/list", "user_following/get", "boards_user_follows/list", "user_websites/get"):
        sent = [r for r in sim.requests.snapshot() if r.operation_id == operation]
        assert len(sent) == 1 and sent[0].query["page_size"] == ["250"], operation
    following = next(r for r in sim.requests.snapshot() if r.operation_id == "user_following/get")
    assert "feed_type" not in following.query and "explicit_following" not in following.query
    assert sim.requests.count("linked_business_accounts/get") == 1


def test_relations_page_through_bookmarks(sim: Simulator, config: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """More followers than a page: every page is read (the simulator's page is capped for the test)."""
    monkeypatch.setattr(routes, "MAX_PAGE_SIZE", 7)
    records = _read(config, ("followers",))
    assert len(records["followers"]) == sim.dataset.user["follower_count"]
    assert sim.requests.count("followers/list") > 1


@pytest.mark.parametrize("verified_at", CHOICES["website_verified_at"])
def test_an_unverified_website_has_no_verification_time_whatever_its_form(
    sim: Simulator, config: dict[str, Any], verified_at: str
) -> None:
    """An unverified website's `verified_at` is absent or null (the schema allows both); a verified one keeps it."""
    with sim.switches.temporarily(website_verified_at=verified_at):
        sites = _read(config, ("user_websites",))["user_websites"]
    assert [_non_null(site) for site in sites] == [_non_null(site) for site in websites(sim.dataset, verified_at)]
    unverified = [site for site in sites if site["status"] != "success"]
    assert unverified and all(site.get("verified_at") is None for site in unverified)
    assert all(site["verified_at"] for site in sites if site["status"] == "success")


@pytest.mark.parametrize("business_id", CHOICES["linked_business_id"])
def test_a_linked_business_is_keyed_by_username_with_or_without_its_id(
    sim: Simulator, config: dict[str, Any], business_id: str
) -> None:
    """`LinkedBusiness` has no id; when the API adds one, it is kept (the key stays the username)."""
    with sim.switches.temporarily(linked_business_id=business_id):
        businesses = _read(config, ("linked_businesses",))["linked_businesses"]
    assert businesses == linked_businesses(sim.dataset, with_id=business_id == "present")
    assert ("id" in businesses[0]) == (business_id == "present")
    assert businesses[0]["username"] == sim.dataset.user["username"]


def test_a_linked_businesses_answer_that_is_not_an_array_fails_naming_the_stream(sim: Simulator, config: dict[str, Any]) -> None:
    sim.faults.add(kind="status", status=200, path_regex="^/v5/user_account/businesses$", body={"items": []})
    output = run_read(config, ("linked_businesses",), expect_failure=True)
    assert any("linked_businesses" in message and "expected a JSON array" in message for message in error_messages(output))
