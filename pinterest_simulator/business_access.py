"""The token user's business (Business Access): its members, partners and assets, and the businesses the token user
works for: ``get/business_members``, ``get/business_partners``, ``business_assets/get``, ``get/business_employers``.

The token user is a business account and its own business: the business id is its user id (``user_account/get``'s
``id``; ``get/business_employers`` lists it). Derived on each request from the dataset, so it follows its changes:

- members: the token user (BIZ_ADMIN, its roles on every ad account as ``AdAccount.permissions`` say), `EMPLOYEES`
  employees (every fourth a BIZ_ADMIN; each an ANALYST or CAMPAIGN_MANAGER of one owned ad account) and
  `SYSTEM_USERS` system users (``fetch_system_users=true``);
- partners: the business that owns the shared ad accounts (EXTERNAL, ``is_shared_partner: true``: its assets the
  token user's business may use, the shared ad accounts with the roles the token user has there) and
  `AGENCIES` agencies (INTERNAL: an owned ad account each, as CAMPAIGN_MANAGER and ANALYST);
- assets: the owned ad accounts (OWNER) and the shared ones (through the partnership, the token user's roles), the
  token user's profile (PROFILE), its catalogs (CATALOG) and one asset group (ASSET_GROUP) holding the owned ad
  accounts, the profile and the catalogs.

See docs/dev/API-NOTES.md#organic-and-business.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pinterest_simulator.dataset import Dataset

#: employees (not the token user) and system users of the business, and its INTERNAL partners, per preset
EMPLOYEES: dict[str, int] = {"small": 4, "large": 40}
SYSTEM_USERS: dict[str, int] = {"small": 1, "large": 3}
AGENCIES: dict[str, int] = {"small": 1, "large": 3}
#: first numbers of the generated ids: employees and system users, agencies, the asset group
MEMBER_ID_BASE = 210_000_000_000_000_000
AGENCY_ID_BASE = 220_000_000_000_000_000
ASSET_GROUP_ID = "666000000000000001"
#: when the business relations were made: Unix milliseconds, one day apart (``created_time``)
RELATIONS_SINCE_MS = int(dt.datetime(2023, 3, 1, tzinfo=dt.UTC).timestamp()) * 1000
DAY_MS = 86_400_000
#: asset types ``business_assets/get`` lists (``AssetTypeResponse``: "Currently we only support AD_ACCOUNT, PROFILE,
#: ASSET_GROUP and CATALOG"); CONSUMER, also a value of ``asset_type``, has none
ASSET_TYPES = ("AD_ACCOUNT", "PROFILE", "ASSET_GROUP", "CATALOG")


@dataclass(frozen=True)
class Member:
    """A member or partner of the business: its ``UserBusinessRoleBinding`` (without ``assets_summary``) and what it
    has access to (``BusinessMemberAssetsSummary``)."""

    binding: dict[str, Any]
    assets: dict[str, Any]
    system_user: bool = False


@dataclass(frozen=True)
class Asset:
    """An asset of the business: its ``GetBusinessAssetsResponse``, the business's permissions on it, and, for an
    asset group, the asset ids it holds."""

    item: dict[str, Any]
    permissions: frozenset[str]
    children: frozenset[str] = frozenset()


def business_id(dataset: Dataset) -> str:
    """The token user's business: its user id."""
    return str(dataset.user["id"])


def person(user_id: str, username: str) -> dict[str, Any]:
    """A ``BusinessAccessUserSummary``."""
    return {"id": user_id, "username": username, "email": f"{username}@example.com"}


def _binding(dataset: Dataset, user: dict[str, Any], roles: list[str], n: int) -> dict[str, Any]:
    me = person(business_id(dataset), dataset.user["username"])
    return {
        "id": user["id"],
        "user": user,
        "business_roles": roles,
        "created_by_business": me,
        "created_by_user": me,
        "created_time": RELATIONS_SINCE_MS + n * DAY_MS,
    }


def _grants(account_ids: list[str], roles: list[str]) -> list[dict[str, Any]]:
    return [{"id": account_id, "permissions": list(roles)} for account_id in account_ids]


def members(dataset: Dataset) -> list[Member]:
    """The business's members by id: the token user, its employees and system users."""
    owned = dataset.owned_ad_account_ids
    me = Member(
        _binding(dataset, person(business_id(dataset), dataset.user["username"]), ["BIZ_ADMIN"], 0),
        {
            "ad_accounts": [{"id": a, "permissions": sorted(dataset.roles(a))} for a in dataset.ad_account_ids],
            "profiles": [{"id": business_id(dataset), "permissions": ["OWNER"]}],
        },
    )
    out = [me]
    employees, system_users = EMPLOYEES[dataset.preset_name], SYSTEM_USERS[dataset.preset_name]
    for n in range(employees + system_users):
        system_user = n >= employees
        username = f"sim_system_user_{n - employees + 1}" if system_user else f"sim_employee_{n + 1}"
        roles = ["BIZ_ADMIN"] if n % 4 == 3 and not system_user else ["EMPLOYEE"]
        account_roles = ["CAMPAIGN_MANAGER"] if n % 2 else ["ANALYST"]
        assets = {
            "ad_accounts": _grants(owned[n % len(owned) : n % len(owned) + 1] if owned else [], account_roles),
            "profiles": [] if n % 3 else [{"id": business_id(dataset), "permissions": ["PROFILE_PUBLISHER"]}],
        }
        user = person(str(MEMBER_ID_BASE + n + 1), username)
        out.append(Member(_binding(dataset, user, roles, n + 1), assets, system_user))
    return sorted(out, key=lambda member: int(member.binding["id"]))


def partners(dataset: Dataset) -> list[Member]:
    """The business's partners by id: the agencies (INTERNAL) and the business that shares its ad accounts
    (EXTERNAL, ``is_shared_partner``)."""
    owned = dataset.owned_ad_account_ids
    out: list[Member] = []
    for n in range(AGENCIES[dataset.preset_name]):
        binding = _binding(dataset, person(str(AGENCY_ID_BASE + n + 1), f"sim_agency_{n + 1}"), ["PARTNER"], 10 + n)
        binding["is_shared_partner"] = False
        grants = _grants(owned[n % len(owned) : n % len(owned) + 1] if owned else [], ["CAMPAIGN_MANAGER", "ANALYST"])
        out.append(Member(binding, {"ad_accounts": grants, "profiles": []}))
    if dataset.business is not None:
        user = dataset.business.user
        binding = _binding(dataset, person(str(user["id"]), str(user["username"])), ["PARTNER"], 5)
        binding["is_shared_partner"] = True
        shared = [{"id": a, "permissions": sorted(dataset.roles(a))} for a in dataset.business_ad_account_ids]
        out.append(Member(binding, {"ad_accounts": shared, "profiles": []}))
    return sorted(out, key=lambda member: int(member.binding["id"]))


def assets(dataset: Dataset) -> list[Asset]:
    """The business's assets, by type then id."""
    profile_id = business_id(dataset)
    owner = {"OWNER"}
    out = [Asset({"asset_id": a, "asset_type": "AD_ACCOUNT"}, frozenset(owner)) for a in dataset.owned_ad_account_ids]
    out += [
        Asset({"asset_id": a, "asset_type": "AD_ACCOUNT"}, frozenset(dataset.roles(a)))
        for a in dataset.business_ad_account_ids
    ]
    out.append(Asset({"asset_id": profile_id, "asset_type": "PROFILE"}, frozenset(owner)))
    catalogs = dataset.entities("catalogs")
    for catalog in catalogs:
        info = {"id": catalog["id"], "name": catalog.get("name"), "catalog_type": catalog.get("catalog_type")}
        out.append(Asset({"asset_id": catalog["id"], "asset_type": "CATALOG", "catalog_info": info}, frozenset(owner)))
    me = person(profile_id, dataset.user["username"])
    owned, catalog_ids = list(dataset.owned_ad_account_ids), [str(c["id"]) for c in catalogs]
    group: dict[str, Any] = {
        "id": ASSET_GROUP_ID,
        "asset_group_name": "Sim owned assets",
        "asset_group_description": "The owned ad accounts, the profile and the catalogs",
        "asset_group_types": ["LOCATION_OR_LANGUAGE"],
        "ad_accounts_ids": owned,
        "catalogs_ids": catalog_ids,
        "profiles_ids": [profile_id],
        "created_by": me,
        "owner": me,
        "created_time": RELATIONS_SINCE_MS,
        "updated_time": RELATIONS_SINCE_MS + 30 * DAY_MS,
    }
    children = frozenset([*owned, *catalog_ids, profile_id])
    out.append(
        Asset(
            {"asset_id": ASSET_GROUP_ID, "asset_type": "ASSET_GROUP", "asset_group_info": group},
            frozenset(owner),
            children,
        )
    )
    return sorted(out, key=lambda asset: (ASSET_TYPES.index(asset.item["asset_type"]), int(asset.item["asset_id"])))


def employer(dataset: Dataset) -> dict[str, Any]:
    """The token user's own business as its employer (a ``UserBusinessRoleBinding`` of ``get/business_employers``)."""
    return _binding(dataset, person(business_id(dataset), dataset.user["username"]), ["BIZ_ADMIN"], 0)
