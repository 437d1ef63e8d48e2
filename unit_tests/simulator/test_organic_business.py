"""Organic relations and Business Access: ``followers/list``, ``user_following/get``, ``boards_user_follows/list``,
``user_websites/get``, ``linked_business_accounts/get`` and the token user's business (``get/business_employers``,
``get/business_members``, ``get/business_partners``, ``business_assets/get``, scope ``biz_access:read``): every
answer validates against its schema and agrees with the profiles, ad accounts, boards and catalogs; paging,
parameters, errors, scopes and the switches ``website_verified_at``, ``linked_business_id``,
``business_access_paging`` and ``business_partner_type_default``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sim_http import schema_errors

from pinterest_simulator import Simulator
from pinterest_simulator.business_access import AGENCIES, EMPLOYEES, SYSTEM_USERS
from pinterest_simulator.dataset import BUSINESS_USERNAME
from pinterest_simulator.oauth import ALL_READ_SCOPES
from pinterest_simulator.social import BUSINESS_IMPLICIT_FOLLOWEES, IMPLICIT_FOLLOWEES, USER_BOARDS, WEBSITES


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    """A simulator whose default token has every read scope (``biz_access:read`` too)."""
    with Simulator(preset="small", seed=1, scopes=ALL_READ_SCOPES) as running:
        yield running


def _get(sim: Simulator, path: str, **params: Any) -> requests.Response:
    return requests.get(sim.base_url + path, headers={"Authorization": f"Bearer {sim.access_token}"}, params=params)


def _ok(r: requests.Response, operation_id: str) -> Any:
    assert r.status_code == 200, r.text
    assert schema_errors(operation_id, r.json()) == []
    return r.json()


def _all(sim: Simulator, path: str, operation_id: str, page_size: int = 3, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    bookmark = None
    for _ in range(500):
        extra = {"bookmark": bookmark} if bookmark else {}
        body = _ok(_get(sim, path, page_size=page_size, **params, **extra), operation_id)
        items += body["items"]
        bookmark = body["bookmark"]
        if bookmark is None:
            return items
    raise AssertionError("the pages never ended")


def _names(items: list[dict[str, Any]]) -> list[str]:
    return [item["username"] for item in items]


@pytest.fixture
def business_account(sim: Simulator) -> str:
    account = sim.dataset.business_ad_account_id
    assert account is not None
    return account


@pytest.fixture
def business_id(sim: Simulator) -> str:
    return str(_ok(_get(sim, "/user_account"), "user_account/get")["id"])


# -- followers and following ----------------------------------------------------------------------------------------
def test_followers_are_as_many_as_the_profile_says(sim: Simulator) -> None:
    profile = _ok(_get(sim, "/user_account"), "user_account/get")
    followers = _all(sim, "/user_account/followers", "followers/list", page_size=7)
    assert len(followers) == profile["follower_count"] == len(set(_names(followers))) > 0
    assert followers[0] == {"type": "user", "username": BUSINESS_USERNAME}  # the business follows the token user
    assert _ok(_get(sim, "/user_account/followers", page_size=250), "followers/list")["items"] == followers
    default = _ok(_get(sim, "/user_account/followers"), "followers/list")
    assert default["items"] == followers[:25] and default["bookmark"] is not None
    refused = _get(sim, "/user_account/followers", ad_account_id=sim.dataset.owned_ad_account_ids[0])
    assert (refused.status_code, refused.json()["code"]) == (400, 1)  # no Business Access here


def test_following_explicit_implicit_and_creators(sim: Simulator, business_account: str) -> None:
    profile = _ok(_get(sim, "/user_account"), "user_account/get")
    every = _all(sim, "/user_account/following", "user_following/get")
    explicit = _all(sim, "/user_account/following", "user_following/get", explicit_following="true")
    assert len(explicit) == profile["following_count"]
    assert len(every) == len(explicit) + IMPLICIT_FOLLOWEES["small"]
    assert _names(explicit) == _names(every)[: len(explicit)] and _names(explicit)[0] == BUSINESS_USERNAME
    for feed_type, same in (("ALL", True), ("RANKED", True), ("CREATOR_ONLY", False), ("RANKED_CREATOR_ONLY", False)):
        chosen = _all(sim, "/user_account/following", "user_following/get", feed_type=feed_type)
        assert (chosen == every) is same
        assert set(_names(chosen)) <= set(_names(every)) and chosen
    bad = _get(sim, "/user_account/following", feed_type="EVERYONE")
    assert (bad.status_code, bad.json()["code"]) == (400, 1)
    theirs = _all(sim, "/user_account/following", "user_following/get", ad_account_id=business_account)
    business_profile = _ok(_get(sim, "/user_account", ad_account_id=business_account), "user_account/get")
    assert len(theirs) == business_profile["following_count"] + BUSINESS_IMPLICIT_FOLLOWEES
    assert _names(theirs)[0] == profile["username"]  # the business follows the token user
    unreadable = _get(sim, "/user_account/following", ad_account_id="999999999999")
    assert (unreadable.status_code, unreadable.json()["code"]) == (403, 29)


def test_followed_boards_agree_with_the_followed_users(sim: Simulator, business_account: str) -> None:
    boards = _all(sim, "/user_account/following/boards", "boards_user_follows/list", page_size=5)
    ids = [board["id"] for board in boards]
    assert ids == sorted(ids, key=int) and len(set(ids)) == len(ids)
    assert all(board["privacy"] == "PUBLIC" for board in boards)
    business = sim.dataset.business
    assert business is not None
    public = {b["id"] for b in business.entities("boards") if b["privacy"] == "PUBLIC"}
    secret = {b["id"] for b in business.entities("boards") if b["privacy"] != "PUBLIC"}
    assert public <= set(ids) and not secret & set(ids)
    explicit = _all(sim, "/user_account/following/boards", "boards_user_follows/list", explicit_following="true")
    assert len(explicit) == IMPLICIT_FOLLOWEES["small"]  # one board of each user followed through a board only
    implicit_users = set(_names(_all(sim, "/user_account/following", "user_following/get"))) - set(
        _names(_all(sim, "/user_account/following", "user_following/get", explicit_following="true"))
    )
    assert {board["owner"]["username"] for board in explicit} == implicit_users
    explicit_users = len(_all(sim, "/user_account/following", "user_following/get", explicit_following="true"))
    assert len(boards) == len(explicit) + len(public) + USER_BOARDS * (explicit_users - 1)
    theirs = _all(sim, "/user_account/following/boards", "boards_user_follows/list", ad_account_id=business_account)
    mine = {b["id"] for b in sim.dataset.entities("boards") if b["privacy"] == "PUBLIC"}
    assert mine <= {board["id"] for board in theirs}


def test_a_new_public_board_of_a_followed_user_is_followed(sim: Simulator, business_account: str) -> None:
    board = sim.dataset.add("boards", business_account, privacy="PUBLIC")
    try:
        boards = _all(sim, "/user_account/following/boards", "boards_user_follows/list", page_size=250)
        assert board["id"] in {b["id"] for b in boards}
    finally:
        assert sim.dataset.business is not None
        del sim.dataset.business.by_user["boards"][board["id"]]


# -- websites and linked businesses -----------------------------------------------------------------------------------
def test_websites_claimed_or_not(sim: Simulator) -> None:
    sites = _all(sim, "/user_account/websites", "user_websites/get", page_size=2)
    assert [site["website"] for site in sites] == [host for host, _ in WEBSITES["small"]]
    assert sites[0]["website"] == sim.dataset.user["website_url"].removeprefix("https://")
    verified = {host for host, ok in WEBSITES["small"] if ok}
    for site in sites:
        if site["website"] in verified:
            assert site["status"] == "success" and site["verified_at"][:4].isdigit()
        else:
            assert site["status"] != "success" and "verified_at" not in site


def test_an_unverified_websites_verified_at_may_be_null(sim: Simulator) -> None:
    sim.switches.website_verified_at = "null"
    body = _get(sim, "/user_account/websites").json()
    unverified = [site for site in body["items"] if site["status"] != "success"]
    assert unverified and all(site["verified_at"] is None for site in unverified)
    # the reading contradicts the declared type (a non-nullable string): a client must allow it anyway
    assert schema_errors("user_websites/get", body)


def test_linked_businesses_without_and_with_an_id(sim: Simulator, business_id: str) -> None:
    linked = _ok(_get(sim, "/user_account/businesses"), "linked_business_accounts/get")
    assert isinstance(linked, list) and _names(linked) == [sim.dataset.user["username"]]
    assert "id" not in linked[0] and all(
        linked[0][f"image_{size}_url"] for size in ("small", "medium", "large", "xlarge")
    )
    sim.switches.linked_business_id = "present"
    linked = _ok(_get(sim, "/user_account/businesses"), "linked_business_accounts/get")
    assert linked[0]["id"] == business_id
    _ok(_get(sim, f"/businesses/{linked[0]['id']}/members"), "get/business_members")
    paged = _get(sim, "/user_account/businesses", page_size=1)
    assert (paged.status_code, paged.json()["code"]) == (400, 1)  # not paged


def test_the_token_users_employer_is_its_own_business(sim: Simulator, business_id: str) -> None:
    employers = _all(sim, "/businesses/employers", "get/business_employers")
    assert [e["id"] for e in employers] == [business_id]
    assert employers[0]["business_roles"] == ["BIZ_ADMIN"]


# -- the business: members, partners, assets ---------------------------------------------------------------------
def test_members(sim: Simulator, business_id: str) -> None:
    path = f"/businesses/{business_id}/members"
    members = _all(sim, path, "get/business_members", page_size=2)
    assert len(members) == 1 + EMPLOYEES["small"]
    assert [m["id"] for m in members] == sorted((m["id"] for m in members), key=int)
    assert all(m["assets_summary"] is None for m in members)
    me = next(m for m in members if m["id"] == business_id)
    assert me["business_roles"] == ["BIZ_ADMIN"] and me["user"]["username"] == sim.dataset.user["username"]
    system = _all(sim, path, "get/business_members", fetch_system_users="true")
    assert len(system) == SYSTEM_USERS["small"] and not {m["id"] for m in system} & {m["id"] for m in members}
    admins = _all(sim, path, "get/business_members", business_roles="BIZ_ADMIN")
    assert admins and all("BIZ_ADMIN" in m["business_roles"] for m in admins) and len(admins) < len(members)
    assert _all(sim, path, "get/business_members", business_roles="EMPLOYEE,BIZ_ADMIN") == members
    chosen = ",".join(m["id"] for m in members[1:3])
    assert _all(sim, path, "get/business_members", member_ids=chosen) == members[1:3]


def test_a_members_assets_follow_its_roles(sim: Simulator, business_id: str, business_account: str) -> None:
    path = f"/businesses/{business_id}/members"

    def my_grants() -> dict[str, list[str]]:
        members = _all(sim, path, "get/business_members", assets_summary="true")
        me = next(m for m in members if m["id"] == business_id)
        return {grant["id"]: grant["permissions"] for grant in me["assets_summary"]["ad_accounts"]}

    grants = my_grants()
    assert set(grants) == set(sim.dataset.ad_account_ids)
    assert grants[business_account] == ["ANALYST"]
    assert all(grants[a] == ["OWNER"] for a in sim.dataset.owned_ad_account_ids)
    sim.dataset.set_roles(business_account, ["ADMIN"])
    try:
        assert my_grants()[business_account] == ["ADMIN"]
    finally:
        sim.dataset.set_roles(business_account, ["ANALYST"])


def test_partners(sim: Simulator, business_id: str, business_account: str) -> None:
    path = f"/businesses/{business_id}/partners"
    partners = _all(sim, path, "get/business_partners", assets_summary="true")
    external = _all(sim, path, "get/business_partners", partner_type="EXTERNAL", assets_summary="true")
    internal = _all(sim, path, "get/business_partners", partner_type="INTERNAL", assets_summary="true")
    assert sorted(external + internal, key=lambda p: int(p["id"])) == partners
    assert len(internal) == AGENCIES["small"] and all(not p["is_shared_partner"] for p in internal)
    [agency] = external
    owner = sim.dataset.ad_accounts[business_account]["owner"]
    assert (agency["id"], agency["user"]["username"], agency["is_shared_partner"]) == (
        owner["id"],
        BUSINESS_USERNAME,
        True,
    )
    assert agency["assets_summary"]["ad_accounts"] == [{"id": business_account, "permissions": ["ANALYST"]}]
    owned = set(sim.dataset.owned_ad_account_ids)
    assert all({g["id"] for g in p["assets_summary"]["ad_accounts"]} <= owned for p in internal)
    assert _all(sim, path, "get/business_partners", partner_ids=agency["id"]) == [{**agency, "assets_summary": None}]
    sim.switches.business_partner_type_default = "internal"
    assert _all(sim, path, "get/business_partners", assets_summary="true") == internal


def test_assets_by_type_permission_and_group(sim: Simulator, business_id: str, business_account: str) -> None:
    path = f"/businesses/{business_id}/assets"

    def ids(**params: Any) -> list[str]:
        return [a["asset_id"] for a in _all(sim, path, "business_assets/get", **params)]

    accounts = [a["id"] for a in _ok(_get(sim, "/ad_accounts", page_size=250), "ad_accounts/list")["items"]]
    assert ids() == ids(asset_type="AD_ACCOUNT") == sorted(accounts, key=int)
    assert ids(asset_type="PROFILE") == [business_id]
    catalogs = _ok(_get(sim, "/catalogs"), "catalogs/list")["items"]
    assert ids(asset_type="CATALOG") == [c["id"] for c in catalogs]
    [group] = _all(sim, path, "business_assets/get", asset_type="ASSET_GROUP")
    info = group["asset_group_info"]
    assert info["ad_accounts_ids"] == sim.dataset.owned_ad_account_ids
    assert info["catalogs_ids"] == [c["id"] for c in catalogs] and info["profiles_ids"] == [business_id]
    assert ids(asset_type="CONSUMER") == []
    assert ids(permissions="OWNER") == sim.dataset.owned_ad_account_ids
    assert ids(permissions="ANALYST") == [business_account]
    assert ids(permissions="ANALYST,OWNER") == ids()
    assert ids(asset_group_id=group["asset_id"]) == sim.dataset.owned_ad_account_ids
    assert ids(asset_group_id=group["asset_id"], asset_type="CATALOG") == [c["id"] for c in catalogs]
    assert ids(child_asset_id=sim.dataset.owned_ad_account_ids[0]) == [group["asset_id"]]
    assert ids(child_asset_id=business_account) == []


@pytest.mark.parametrize("part", ["members", "partners", "assets"])
def test_another_business_is_403_and_the_scope_is_needed(sim: Simulator, business_id: str, part: str) -> None:
    business = sim.dataset.business
    assert business is not None
    for other in (business.user["id"], "1"):
        r = _get(sim, f"/businesses/{other}/{part}")
        assert (r.status_code, r.json()["code"]) == (403, 29)
    token = sim.issue_access_token([s for s in ALL_READ_SCOPES if s != "biz_access:read"])
    r = requests.get(f"{sim.base_url}/businesses/{business_id}/{part}", headers={"Authorization": f"Bearer {token}"})
    assert (r.status_code, r.json()["code"]) == (401, 3)


def test_the_default_token_lacks_biz_access() -> None:
    with Simulator() as sim:
        business_id = sim.dataset.user["id"]
        headers = {"Authorization": f"Bearer {sim.access_token}"}
        for path in ("/businesses/employers", f"/businesses/{business_id}/members"):
            r = requests.get(sim.base_url + path, headers=headers)
            assert (r.status_code, r.json()["code"]) == (401, 3)
        assert requests.get(sim.base_url + "/user_account/businesses", headers=headers).status_code == 200


# -- paging: bookmark and start_index ---------------------------------------------------------------------------------
def _by_start_index(
    sim: Simulator, path: str, operation_id: str, page_size: int, **params: Any
) -> list[dict[str, Any]]:
    """Page by ``start_index`` until a short page, ignoring bookmarks: the client that reads every item under both
    readings of ``business_access_paging``."""
    items: list[dict[str, Any]] = []
    for _ in range(100):
        page = _ok(_get(sim, path, page_size=page_size, start_index=len(items), **params), operation_id)["items"]
        items += page
        if len(page) < page_size:
            return items
    raise AssertionError("never a short page")


@pytest.mark.parametrize(
    ("part", "operation_id", "params"),
    [
        ("members", "get/business_members", {}),
        ("partners", "get/business_partners", {}),
        ("assets", "business_assets/get", {}),
        ("assets", "business_assets/get", {"permissions": "OWNER"}),
    ],
)
def test_both_paging_readings(
    sim: Simulator, business_id: str, part: str, operation_id: str, params: dict[str, str]
) -> None:
    path = f"/businesses/{business_id}/{part}"
    every = _ok(_get(sim, path, page_size=250, **params), operation_id)["items"]
    assert len(every) >= 2
    assert _all(sim, path, operation_id, page_size=1, **params) == every
    skipped = _ok(_get(sim, path, page_size=250, start_index=1, **params), operation_id)
    assert skipped["items"] == every[1:]
    first = _ok(_get(sim, path, page_size=1, start_index=1, **params), operation_id)
    assert first["items"] == every[1:2] and (first["bookmark"] is None) == (len(every) == 2)
    if first["bookmark"] is not None:  # a bookmark goes on after its page, whatever start_index says
        after = _ok(_get(sim, path, page_size=250, start_index=1, bookmark=first["bookmark"], **params), operation_id)
        assert after["items"] == every[2:]
    assert _by_start_index(sim, path, operation_id, 1, **params) == every
    sim.switches.business_access_paging = "start_index"
    page = _ok(_get(sim, path, page_size=1, **params), operation_id)
    assert page == {"items": every[:1], "bookmark": None}
    assert (
        _ok(_get(sim, path, page_size=1, start_index=1, bookmark="ignored", **params), operation_id)["items"]
        == every[1:2]
    )
    assert _by_start_index(sim, path, operation_id, 1, **params) == every
    assert _by_start_index(sim, path, operation_id, 250, **params) == every


def test_a_bad_start_index_is_400(sim: Simulator, business_id: str) -> None:
    r = _get(sim, f"/businesses/{business_id}/members", start_index=-1)
    assert (r.status_code, r.json()["code"]) == (400, 1)
