"""Business Access: the businesses the user works for (`get/business_employers`), and each one's members, partners
and assets (docs/dev/API-NOTES.md#organic-and-business).

Every operation needs the scope `biz_access:read`, which the connector's default scopes leave out. None of them has a
modification time (`created_time` is when a relation began): full refresh. The three lists under a business page by
`start_index` until a page is shorter than asked: the API declares both `bookmark` and `start_index` without saying
how they combine, and this reads every item under either reading (switch `business_access_paging`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import requests

from source_pinterest_marketing.config import PinterestConfig
from source_pinterest_marketing.streams.declaration import (
    Component,
    EveryParameterValue,
    FromSlice,
    RequestContext,
    SliceRead,
    StreamDeclaration,
)
from source_pinterest_marketing.streams.fetchers import (
    BOOKMARK_PAGES,
    MAX_PAGE_SIZE,
    Page,
    Pages,
    SharedList,
    list_stream,
)
from source_pinterest_marketing.streams.partitions import ByParent, EachValue
from source_pinterest_marketing.streams.types import Record, Slice, Token
from source_pinterest_marketing.transport import Request


@dataclass(frozen=True)
class StartIndexPages(Pages):
    """Pages of `page_size` items from `start_index` (0, 250, 500...) until a page has fewer; a bookmark the answer
    carries is not followed."""

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        params = {**context.declared_params(stream_slice), "page_size": MAX_PAGE_SIZE}
        params["start_index"] = (token or {}).get("start_index", 0)
        return Request("GET", context.path_of(stream_slice), params)

    def start(self, context: RequestContext, stream_slice: Slice) -> Any:
        return {"start_index": 0}

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        records = Page(context.stream, response, "items").records()
        read.state["start_index"] += len(records)
        read.next = {"start_index": read.state["start_index"]} if len(records) >= MAX_PAGE_SIZE else None
        return records


START_INDEX_PAGES = StartIndexPages()


@dataclass(frozen=True)
class MemberPages(StartIndexPages):
    """A business's members of one kind (the slice's `fetch_system_users`), each marked with it as `is_system_user`:
    the API's member says nothing of it, and the two kinds are read into one stream."""

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        system_users = read.stream_slice[SYSTEM_USERS_PARAMETER] == "true"
        return [{**record, IS_SYSTEM_USER[0]: system_users} for record in super().parse(context, response, read)]


#: the `get/business_members` parameter that asks for system users instead of employees
SYSTEM_USERS_PARAMETER = "fetch_system_users"
IS_SYSTEM_USER = ("is_system_user", "boolean")


@dataclass(frozen=True)
class Listed:
    """Fixed values of a request parameter, each asked (an `EachValue` partition's values)."""

    values: tuple[str, ...]

    def value(self, stream_slice: Slice, config: PinterestConfig) -> list[str]:
        return list(self.values)


# The businesses the user belongs to: each item's `id` is the business id the operations below take (the API's
# `linked_business_accounts/get` has none)
BUSINESS_EMPLOYERS = list_stream(
    "business_employers", "UserBusinessRoleBinding", "businesses/employers", operation="get/business_employers",
    fetcher=SharedList(BOOKMARK_PAGES, ("id",)),
)  # fmt: skip
IN_BUSINESSES = ByParent(BUSINESS_EMPLOYERS, (("business_id", "id"),))
# employees and system users alike: each is asked (`fetch_system_users` false, then true), with what each may access
BUSINESS_MEMBERS = list_stream(
    "business_members", Component("UserBusinessRoleBinding", added=(IS_SYSTEM_USER,)), "businesses/{business_id}/members",
    operation="get/business_members", fetcher=MemberPages(),
    partitioner=EachValue(IN_BUSINESSES, SYSTEM_USERS_PARAMETER, Listed(("false", "true"))),
    params={SYSTEM_USERS_PARAMETER: FromSlice(SYSTEM_USERS_PARAMETER), "assets_summary": "true"},
    primary_key=("business_id", "id"), slice_fields=("business_id",),
)  # fmt: skip
PARTNERS_OPERATION = "get/business_partners"
# `partner_type` has no default the API describes (switch `business_partner_type_default`): INTERNAL (partners of
# this business's assets, `is_shared_partner` false) and EXTERNAL (businesses sharing theirs, true) are asked apart
BUSINESS_PARTNERS = list_stream(
    "business_partners", "UserBusinessRoleBinding", "businesses/{business_id}/partners",
    operation=PARTNERS_OPERATION, fetcher=StartIndexPages(api_parameters=("partner_type",)),
    partitioner=EachValue(IN_BUSINESSES, "partner_type", EveryParameterValue(PARTNERS_OPERATION, "partner_type")),
    params={"partner_type": FromSlice("partner_type"), "assets_summary": "true"},
    primary_key=("business_id", "id", "is_shared_partner"), slice_fields=("business_id",),
)  # fmt: skip
#: the asset types the operation serves (`AssetTypeResponse`: "Currently we only support AD_ACCOUNT, PROFILE,
#: ASSET_GROUP and CATALOG"; the parameter's enum also has CONSUMER); `asset_type` defaults to AD_ACCOUNT alone, so
#: each is asked
ASSET_TYPES = ("AD_ACCOUNT", "PROFILE", "ASSET_GROUP", "CATALOG")
BUSINESS_ASSETS = list_stream(
    "business_assets", "GetBusinessAssetsResponse", "businesses/{business_id}/assets",
    operation="business_assets/get", fetcher=START_INDEX_PAGES,
    partitioner=EachValue(IN_BUSINESSES, "asset_type", Listed(ASSET_TYPES)), params={"asset_type": FromSlice("asset_type")},
    primary_key=("business_id", "asset_type", "asset_id"), slice_fields=("business_id",),
)  # fmt: skip

BUSINESS_STREAMS: tuple[StreamDeclaration, ...] = (BUSINESS_EMPLOYERS, BUSINESS_MEMBERS, BUSINESS_PARTNERS, BUSINESS_ASSETS)
