"""List endpoints: pagination, default filters and response shapes."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from pinterest_simulator import Simulator


def _walk(url: str, headers: dict[str, str], params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    pages = 0
    bookmark = None
    while True:
        query = dict(params, **({"bookmark": bookmark} if bookmark else {}))
        r = requests.get(url, headers=headers, params=query)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"items", "bookmark"}
        items += body["items"]
        pages += 1
        bookmark = body["bookmark"]
        if bookmark is None:
            return items, pages


@pytest.mark.parametrize("page_size", [25, 250, 7])
@pytest.mark.parametrize("order", [None, "DESCENDING"])
def test_pagination_returns_each_entity_once(
    sim: Simulator, auth: dict[str, str], account_id: str, page_size: int, order: str | None
) -> None:
    statuses = "ACTIVE,PAUSED,ARCHIVED"
    params: dict[str, Any] = {"page_size": page_size, "entity_statuses": statuses}
    if order:
        params["order"] = order
    items, pages = _walk(f"{sim.base_url}/ad_accounts/{account_id}/ads", auth, params)
    expected = [e["id"] for e in sim.dataset.entities("ads", account_id)]
    got = [e["id"] for e in items]
    assert sorted(got) == sorted(expected)
    assert len(got) == len(set(got))
    assert got == sorted(got, key=int, reverse=bool(order))
    assert pages == -(-len(expected) // page_size)


def test_default_page_size_is_25_and_bookmark_is_opaque(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    r = requests.get(
        f"{sim.base_url}/ad_accounts/{account_id}/ads",
        headers=auth,
        params={"entity_statuses": "ACTIVE,PAUSED,ARCHIVED"},
    )
    assert len(r.json()["items"]) == 25
    bad = requests.get(f"{sim.base_url}/ad_accounts/{account_id}/ads", headers=auth, params={"bookmark": "garbage"})
    assert bad.status_code == 400


@pytest.mark.parametrize("kind", ["campaigns", "ad_groups", "ads"])
def test_entity_statuses_default_excludes_archived(
    sim: Simulator, auth: dict[str, str], account_id: str, kind: str
) -> None:
    items, _ = _walk(f"{sim.base_url}/ad_accounts/{account_id}/{kind}", auth, {"page_size": 250})
    everything = sim.dataset.entities(kind, account_id)
    assert any(e["status"] == "ARCHIVED" for e in everything)
    assert {e["status"] for e in items} == {"ACTIVE", "PAUSED"}
    assert len(items) == sum(e["status"] != "ARCHIVED" for e in everything)


def test_ids_are_strings_beyond_float_precision(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    r = requests.get(f"{sim.base_url}/ad_accounts/{account_id}/ads", headers=auth, params={"page_size": 5})
    ids = [item["id"] for item in r.json()["items"]]
    assert all(isinstance(i, str) and i.isdigit() for i in ids)
    assert any(int(i) > 2**53 for i in ids)


def test_conversion_tags_have_no_bookmark(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    body = requests.get(f"{sim.base_url}/ad_accounts/{account_id}/conversion_tags", headers=auth).json()
    assert set(body) == {"items"}
    assert len(body["items"]) == len(sim.dataset.entities("conversion_tags", account_id))
    kept = requests.get(
        f"{sim.base_url}/ad_accounts/{account_id}/conversion_tags", headers=auth, params={"filter_deleted": "true"}
    )
    assert len(kept.json()["items"]) < len(body["items"])


def test_ad_accounts_shared_and_unknown(sim: Simulator, auth: dict[str, str]) -> None:
    everything = requests.get(f"{sim.base_url}/ad_accounts", headers=auth).json()["items"]
    owned = requests.get(
        f"{sim.base_url}/ad_accounts", headers=auth, params={"include_shared_accounts": "false"}
    ).json()["items"]
    assert len(everything) == len(owned) + len(sim.dataset.shared_ad_account_ids) == 3
    r = requests.get(f"{sim.base_url}/ad_accounts/111111111111", headers=auth)
    assert (r.status_code, r.json()["code"]) == (404, 2)
    r = requests.get(f"{sim.base_url}/ad_accounts/111111111111/campaigns", headers=auth)
    assert r.status_code == 403
    assert r.json() == {"code": 29, "message": "You are not permitted to access that resource."}


def test_keywords_default_to_account_level(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    items = requests.get(f"{sim.base_url}/ad_accounts/{account_id}/keywords", headers=auth).json()["items"]
    assert items and all(k["parent_id"] == account_id for k in items)
    group = next(k for k in sim.dataset.entities("keywords", account_id) if k["parent_type"] == "ad_group")
    by_group = requests.get(
        f"{sim.base_url}/ad_accounts/{account_id}/keywords", headers=auth, params={"ad_group_id": group["parent_id"]}
    )
    assert group["id"] in [k["id"] for k in by_group.json()["items"]]


def test_product_group_promotions_need_a_filter(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    url = f"{sim.base_url}/ad_accounts/{account_id}/product_group_promotions"
    assert requests.get(url, headers=auth).status_code == 400
    promo = sim.dataset.entities("product_group_promotions", account_id)[0]
    r = requests.get(
        url, headers=auth, params={"ad_group_id": promo["ad_group_id"], "entity_statuses": "ACTIVE,PAUSED,ARCHIVED"}
    )
    assert promo["id"] in [p["id"] for p in r.json()["items"]]


@pytest.mark.parametrize(
    "path",
    ["/user_account", "/boards", "/pins", "/catalogs", "/catalogs/feeds", "/catalogs/product_groups"],
)
def test_user_level_endpoints_return_data(sim: Simulator, auth: dict[str, str], path: str) -> None:
    r = requests.get(sim.base_url + path, headers=auth)
    assert r.status_code == 200
    body = r.json()
    assert body.get("id") or body.get("items")


def test_board_children(sim: Simulator, auth: dict[str, str]) -> None:
    board = sim.dataset.entities("boards")[0]
    sections = requests.get(f"{sim.base_url}/boards/{board['id']}/sections", headers=auth).json()["items"]
    assert sections
    pins = requests.get(f"{sim.base_url}/boards/{board['id']}/pins", headers=auth).json()["items"]
    assert pins and all(p["board_id"] == board["id"] for p in pins)
    section_pins = [
        p
        for s in sections
        for p in requests.get(f"{sim.base_url}/boards/{board['id']}/sections/{s['id']}/pins", headers=auth).json()[
            "items"
        ]
    ]
    assert section_pins and all(p["board_section_id"] in {s["id"] for s in sections} for p in section_pins)


def test_product_groups_409_without_catalog() -> None:
    with Simulator(has_catalog=False) as sim:
        headers = {"Authorization": f"Bearer {sim.access_token}"}
        r = requests.get(f"{sim.base_url}/catalogs/product_groups", headers=headers)
        assert r.status_code == 409
        assert r.json() == {"code": 4182, "message": "Can't access this feature without an existing catalog."}
        assert requests.get(f"{sim.base_url}/catalogs", headers=headers).json()["items"] == []
