"""Business Access: an ``ad_account_id`` naming the business's (shared) ad account makes the business the operation
user of the organic endpoints (its profile, boards, Pins, catalog, analytics); without it, or for an owned account,
the token user's data exactly as before; an unreadable account is 403 code 29; roles decide what the business
shares (``limits.BUSINESS_ACCESS``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sim_http import ago, get, headers, schema_errors

from pinterest_simulator import Simulator
from pinterest_simulator.dataset import BUSINESS_USERNAME, is_video_pin

UNREADABLE = "999999999999"
LISTS = {
    "/boards": ("boards/list", "boards"),
    "/pins": ("pins/list", "pins"),
    "/catalogs": ("catalogs/list", "catalogs"),
    "/catalogs/feeds": ("feeds/list", "catalogs_feeds"),
    "/catalogs/product_groups": ("catalogs_product_groups/list", "catalogs_product_groups"),
}


@pytest.fixture
def business(sim: Simulator) -> str:
    account = sim.dataset.business_ad_account_id
    assert account is not None and account in sim.dataset.shared_ad_account_ids
    return account


@pytest.fixture
def admin(sim: Simulator, business: str) -> Iterator[str]:
    """The token user is an Admin of the business's account for the test."""
    before = list(sim.dataset.ad_accounts[business]["permissions"])
    sim.dataset.set_roles(business, ["ADMIN"])
    yield business
    sim.dataset.set_roles(business, before)


def _ids(sim: Simulator, path: str, **params: Any) -> list[str]:
    r = get(sim, path, page_size=250, **params)
    assert r.status_code == 200, r.text
    assert r.json()["bookmark"] is None
    return [item["id"] for item in r.json()["items"]]


def test_the_business_owns_the_shared_account_and_its_own_data(sim: Simulator, business: str) -> None:
    biz = sim.dataset.business
    assert biz is not None
    account = sim.dataset.ad_accounts[business]
    assert account["owner"] == {"id": biz.user["id"], "username": BUSINESS_USERNAME}
    assert biz.user["id"] != sim.dataset.user["id"] and account["permissions"] == ["ANALYST"]
    for kind in ("boards", "board_sections", "pins", "catalogs", "catalogs_feeds", "catalogs_product_groups"):
        own = {e["id"] for e in sim.dataset.entities(kind)}
        theirs = {e["id"] for e in biz.entities(kind)}
        assert theirs and not own & theirs, kind
    assert {b["privacy"] for b in biz.entities("boards")} == {"PUBLIC", "PROTECTED", "SECRET"}
    assert sum(is_video_pin(p) for p in biz.entities("pins")) == 2
    assert all(p["board_owner"] == {"username": BUSINESS_USERNAME} for p in biz.entities("pins"))
    assert sim.dataset.business_ad_account_ids == [business]


def test_without_ad_account_id_or_with_an_owned_one_the_token_users_data(sim: Simulator, account_id: str) -> None:
    for path, (_, kind) in LISTS.items():
        expected = [e["id"] for e in sim.dataset.entities(kind)]
        if kind == "pins":
            protected = {b["id"] for b in sim.dataset.entities("boards") if b["privacy"] == "PROTECTED"}
            expected = [p["id"] for p in sim.dataset.entities("pins") if p["board_id"] not in protected]
        assert _ids(sim, path) == expected, path
        assert _ids(sim, path, ad_account_id=account_id) == expected, path
    assert get(sim, "/user_account").json() == sim.dataset.user
    assert get(sim, "/user_account", ad_account_id=account_id).json() == sim.dataset.user


def test_the_business_profile_boards_and_pins(sim: Simulator, business: str) -> None:
    biz = sim.dataset.business
    assert biz is not None
    profile = get(sim, "/user_account", ad_account_id=business).json()
    assert (profile["id"], profile["username"]) == (biz.user["id"], BUSINESS_USERNAME)
    assert schema_errors("user_account/get", profile) == []
    # an Analyst sees the public and protected boards and their Pins, not the secret ones
    shared = [b for b in biz.entities("boards") if b["privacy"] != "SECRET"]
    assert _ids(sim, "/boards", ad_account_id=business) == [b["id"] for b in shared]
    on_shared = [p["id"] for p in biz.entities("pins") if p["board_id"] in {b["id"] for b in shared}]
    assert _ids(sim, "/pins", ad_account_id=business, include_protected_pins="true") == on_shared
    board = shared[0]
    answer = get(sim, f"/boards/{board['id']}", ad_account_id=business)
    assert answer.json() == board and schema_errors("boards/get", answer.json()) == []
    sections = _ids(sim, f"/boards/{board['id']}/sections", ad_account_id=business)
    assert sections == list(biz.board_sections[board["id"]])
    board_pins = _ids(sim, f"/boards/{board['id']}/pins", ad_account_id=business)
    assert board_pins == [p["id"] for p in biz.entities("pins") if p["board_id"] == board["id"]]
    section_pins = _ids(sim, f"/boards/{board['id']}/sections/{sections[0]}/pins", ad_account_id=business)
    assert section_pins == [p["id"] for p in biz.entities("pins") if p["board_section_id"] == sections[0]]
    pin = get(sim, f"/pins/{on_shared[0]}", ad_account_id=business)
    assert pin.status_code == 200 and schema_errors("pins/get", pin.json()) == []
    # the token user's own board and Pin are not the business's, and the other way round
    own_board, own_pin = sim.dataset.entities("boards")[0]["id"], sim.dataset.entities("pins")[0]["id"]
    assert get(sim, f"/boards/{own_board}", ad_account_id=business).json()["code"] == 40
    assert get(sim, f"/pins/{own_pin}", ad_account_id=business).json()["code"] == 50
    assert get(sim, f"/pins/{on_shared[0]}").json()["code"] == 50
    secret = next(b for b in biz.entities("boards") if b["privacy"] == "SECRET")
    secret_pin = next(p["id"] for p in biz.entities("pins") if p["board_id"] == secret["id"])
    assert get(sim, f"/boards/{secret['id']}", ad_account_id=business).status_code == 404
    assert get(sim, f"/pins/{secret_pin}", ad_account_id=business).status_code == 404


def test_an_admin_sees_the_secret_boards_and_the_catalog(sim: Simulator, admin: str) -> None:
    biz = sim.dataset.business
    assert biz is not None
    assert _ids(sim, "/boards", ad_account_id=admin) == [b["id"] for b in biz.entities("boards")]
    assert _ids(sim, "/pins", ad_account_id=admin, include_protected_pins="true") == [
        p["id"] for p in biz.entities("pins")
    ]
    for path, (operation, kind) in LISTS.items():
        if path.startswith("/catalogs"):
            answer = get(sim, path, ad_account_id=admin)
            assert [e["id"] for e in answer.json()["items"]] == [e["id"] for e in biz.entities(kind)], path
            assert schema_errors(operation, answer.json()) == []
    feed = biz.entities("catalogs_feeds")[0]
    assert get(sim, f"/catalogs/feeds/{feed['id']}", ad_account_id=admin).json()["id"] == feed["id"]
    assert get(sim, f"/catalogs/feeds/{feed['id']}").json()["code"] == 4161  # not the token user's
    group = biz.entities("catalogs_product_groups")[0]
    answer = get(sim, f"/catalogs/product_groups/{group['id']}", ad_account_id=admin)
    assert answer.json() == group and schema_errors("catalogs_product_groups/get", answer.json()) == []
    assert group["catalog_id"] == biz.entities("catalogs")[0]["id"] == biz.feed_catalog[feed["id"]]
    assert group["feed_id"] == feed["id"]


def test_roles_decide_what_business_access_reads(sim: Simulator, business: str) -> None:
    # an Analyst may not read catalogs ("Owner, Admin, Catalogs Manager")
    for path in ("/catalogs", "/catalogs/feeds", "/catalogs/product_groups"):
        r = get(sim, path, ad_account_id=business)
        assert (r.status_code, r.json()["code"]) == (403, 29), path
    sim.dataset.set_roles(business, ["CATALOGS_MANAGER"])
    try:
        assert _ids(sim, "/catalogs", ad_account_id=business)
        r = get(sim, "/pins", ad_account_id=business)  # Pins need Owner, Admin, Analyst or Campaign Manager
        assert (r.status_code, r.json()["code"]) == (403, 29)
        assert get(sim, "/boards", ad_account_id=business).status_code == 200  # no role listed: any
    finally:
        sim.dataset.set_roles(business, ["ANALYST"])


@pytest.mark.parametrize(
    "path",
    [
        "/user_account",
        "/boards",
        "/pins",
        "/catalogs",
        "/catalogs/feeds",
        "/catalogs/product_groups",
        "/user_account/analytics",
        "/user_account/analytics/top_pins",
        "/user_account/analytics/top_video_pins",
        "/pins/analytics",
    ],
)
def test_an_unreadable_account_is_403_code_29(sim: Simulator, path: str) -> None:
    params: dict[str, Any] = {"ad_account_id": UNREADABLE}
    if "analytics" in path:
        params.update(start_date=ago(3).isoformat(), end_date=ago(1).isoformat())
    if "top_" in path:
        params["sort_by"] = "IMPRESSION"
    if path == "/pins/analytics":
        params.update(pin_ids=sim.dataset.entities("pins")[0]["id"], metric_types="IMPRESSION")
    r = get(sim, path, **params)
    assert (r.status_code, r.json()) == (403, {"code": 29, "message": "You are not permitted to access that resource."})


def test_the_business_analytics(sim: Simulator, business: str) -> None:
    biz = sim.dataset.business
    assert biz is not None
    dates = {"start_date": ago(5).isoformat(), "end_date": ago(1).isoformat()}
    own = get(sim, "/user_account/analytics", **dates).json()
    theirs = get(sim, "/user_account/analytics", ad_account_id=business, **dates).json()
    assert own != theirs and schema_errors("user_account/analytics", theirs) == []
    secret = {b["id"] for b in biz.entities("boards") if b["privacy"] == "SECRET"}
    pins = [p["id"] for p in biz.entities("pins")]
    mine = sim.dataset.entities("pins")[0]["id"]
    query = {"pin_ids": [*pins, mine], "metric_types": "IMPRESSION,SAVE", **dates}
    answer = get(sim, "/pins/analytics", ad_account_id=business, **query).json()
    visible = [p["id"] for p in biz.entities("pins") if p["board_id"] not in secret]
    assert list(answer) == visible  # an Analyst: not the Pins on secret boards; the token user's not at all
    assert list(get(sim, "/pins/analytics", **query).json()) == [mine]
    top = get(sim, "/user_account/analytics/top_pins", ad_account_id=business, sort_by="SAVE", num_of_pins=50, **dates)
    assert {p["pin_id"] for p in top.json()["pins"]} == set(visible)
    video = get(sim, "/user_account/analytics/top_video_pins", ad_account_id=business, sort_by="VIDEO_START", **dates)
    assert {p["pin_id"] for p in video.json()["pins"]} == {
        p["id"] for p in biz.entities("pins") if is_video_pin(p) and p["board_id"] not in secret
    }
    sim.dataset.set_roles(business, ["ADMIN"])
    try:
        assert list(get(sim, "/pins/analytics", ad_account_id=business, **query).json()) == pins
    finally:
        sim.dataset.set_roles(business, ["ANALYST"])


def test_business_data_can_be_added(sim: Simulator, business: str, auth: dict[str, str]) -> None:
    biz = sim.dataset.business
    assert biz is not None
    board = sim.dataset.add("boards", business, name="Added business board")
    try:
        assert board["id"] in biz.by_user["boards"] and board["id"] not in sim.dataset.by_user["boards"]
        listed = requests.get(f"{sim.base_url}/boards", headers=auth, params={"ad_account_id": business}).json()
        assert board["id"] in {b["id"] for b in listed["items"]}
        assert board["id"] not in _ids(sim, "/boards")
    finally:
        with sim.dataset.lock:
            del biz.by_user["boards"][board["id"]]
    assert requests.get(f"{sim.base_url}/boards", headers=headers(sim)).status_code == 200
