"""Business Access streams (issue 23, item 9): the businesses the user works for, and each one's members, partners and
assets, read whole under every reading of how their lists page and what `partner_type` defaults to. They need
`biz_access:read`, which the connector's default scopes leave out: the simulator here grants every read scope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from harness import error_messages, read_valid, records_by_stream, run_read

from pinterest_simulator import Simulator, routes
from pinterest_simulator.business_access import assets, business_id, members, partners
from pinterest_simulator.oauth import ALL_READ_SCOPES
from pinterest_simulator.switches import CHOICES
from source_pinterest_marketing.streams import business

BUSINESS = ("business_employers", "business_members", "business_partners", "business_assets")


@pytest.fixture
def sim(sleeps: list[float]) -> Iterator[Simulator]:
    with Simulator(preset="small", seed=1, scopes=ALL_READ_SCOPES) as running:
        yield running


def _read(config: dict[str, Any], streams: tuple[str, ...] = BUSINESS) -> dict[str, list[dict[str, Any]]]:
    return records_by_stream(read_valid(config, streams))


def _expected(sim: Simulator) -> dict[str, set[tuple[Any, ...]]]:
    dataset = sim.dataset
    owner = business_id(dataset)
    return {
        "business_members": {(owner, member.binding["id"]) for member in members(dataset)},
        "business_partners": {(owner, p.binding["id"], p.binding["is_shared_partner"]) for p in partners(dataset)},
        "business_assets": {(owner, a.item["asset_type"], a.item["asset_id"]) for a in assets(dataset)},
    }


def _keys(records: dict[str, list[dict[str, Any]]]) -> dict[str, list[tuple[Any, ...]]]:
    keys = {stream: business.BUSINESS_STREAMS[index + 1].primary_key for index, stream in enumerate(BUSINESS[1:])}
    return {stream: [tuple(record[name] for name in key) for record in records[stream]] for stream, key in keys.items()}


@pytest.mark.parametrize("paging", CHOICES["business_access_paging"])
def test_members_partners_and_assets_are_read_whole_once_whatever_the_paging(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, paging: str
) -> None:
    """Pages of 2 items (the simulator's page is capped here): by start_index until a short page, every item once
    under both readings of the paging (a bookmark the answer carries is not followed)."""
    monkeypatch.setattr(routes, "MAX_PAGE_SIZE", 2)
    monkeypatch.setattr(business, "MAX_PAGE_SIZE", 2)
    with sim.switches.temporarily(business_access_paging=paging):
        records = _read(sim.connector_config())
    assert [record["id"] for record in records["business_employers"]] == [business_id(sim.dataset)]
    for stream, keys in _keys(records).items():
        assert len(keys) == len(set(keys)), f"{stream}: duplicates"
        assert set(keys) == _expected(sim)[stream], stream
    starts = {r.query["start_index"][0] for r in sim.requests.snapshot() if r.operation_id == "business_assets/get"}
    assert {"0", "2"} <= starts
    assert all("bookmark" not in r.query for r in sim.requests.snapshot() if r.operation_id == "get/business_members")


def test_every_kind_of_member_and_asset_is_asked(sim: Simulator) -> None:
    """Employees and system users (`fetch_system_users` false and true), INTERNAL and EXTERNAL partners, the four
    asset types the API serves: each a request of its own, with the members' and partners' assets summary."""
    records = _read(sim.connector_config())
    log = sim.requests.snapshot()
    for operation, key, values in (
        ("get/business_members", "fetch_system_users", ("false", "true")),
        ("get/business_partners", "partner_type", ("INTERNAL", "EXTERNAL")),
        ("business_assets/get", "asset_type", business.ASSET_TYPES),
    ):
        asked = [r.query[key][0] for r in log if r.operation_id == operation]
        assert sorted(asked) == sorted(values), operation  # one request each (a page holds them all)
    assert all(r.query["page_size"] == ["250"] for r in log if r.operation_id in ("get/business_members", "business_assets/get"))
    assert all(r.query.get("assets_summary") == ["true"] for r in log if r.operation_id == "get/business_members")
    assert {record["asset_type"] for record in records["business_assets"]} == set(business.ASSET_TYPES)
    assert any(record["user"]["username"].startswith("sim_system_user") for record in records["business_members"])
    # each member says which kind it is: the API's member does not, the request it came from does
    kinds = {member.binding["id"]: member.system_user for member in members(sim.dataset)}
    assert {record["id"]: record["is_system_user"] for record in records["business_members"]} == kinds
    assert set(kinds.values()) == {False, True}
    assert all(record["assets_summary"] for record in records["business_members"])
    assert {record["business_id"] for stream in BUSINESS[1:] for record in records[stream]} == {business_id(sim.dataset)}


@pytest.mark.parametrize("default", CHOICES["business_partner_type_default"])
def test_internal_and_external_partners_whatever_the_default_partner_type(sim: Simulator, default: str) -> None:
    """`partner_type` is always sent, so what its absence means does not matter: both kinds, each once."""
    with sim.switches.temporarily(business_partner_type_default=default):
        records = _read(sim.connector_config(), ("business_partners",))
    shared = sorted(record["is_shared_partner"] for record in records["business_partners"])
    assert shared == sorted(p.binding["is_shared_partner"] for p in partners(sim.dataset))
    assert set(shared) == {False, True}


def test_without_the_business_scope_the_business_streams_fail_and_the_others_complete(sleeps: list[float]) -> None:
    """A token with the default scopes (no biz_access:read): the business stream is not read, the other streams are,
    and the sync fails once naming the scope."""
    with Simulator(preset="small", seed=1) as sim:
        output = run_read(sim.connector_config(), ("business_members", "followers"), expect_failure=True)
    assert records_by_stream(output)["followers"]
    assert "business_members" not in records_by_stream(output)
    [message] = error_messages(output)
    assert "biz_access:read" in message and "business_members" in message
