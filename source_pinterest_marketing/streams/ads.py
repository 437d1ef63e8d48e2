"""Ad accounts, and the ad entities listed under each of them: campaigns, ad groups, ads, keywords, audiences,
customer lists, conversion tags and product group promotions.

Lists have no "modified since" filter, so the incremental ones read the whole list and keep what changed
client-side (see cursor.py). Campaigns, ad groups and ads are asked in EVERY status (sent explicitly: the
API's default, ACTIVE and PAUSED, drops ARCHIVED), once per sync and account, and shared with the streams
that need their ids (keywords, analytics, product group promotions), so an entity untouched for a year is
still covered; each of the three streams keeps the configured `entity_statuses`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from source_pinterest_marketing.api_description import api_parameter
from source_pinterest_marketing.config import PinterestConfig, listed
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import config_error
from source_pinterest_marketing.streams.base import bound_stream, shared_records
from source_pinterest_marketing.streams.declaration import (
    ConfiguredStatuses,
    EveryApiValue,
    FieldIn,
    FromConfig,
    FromSlice,
    StreamDeclaration,
)
from source_pinterest_marketing.streams.fetchers import (
    BOOKMARK_PAGES,
    ONE_PAGE,
    ConfiguredOrListed,
    Pages,
    SharedList,
    list_stream,
)
from source_pinterest_marketing.streams.partitions import ByAdAccount, ConfiguredAccounts, batched
from source_pinterest_marketing.streams.types import Slice

KEYWORDS_OPERATION = "keywords/get"

AD_ACCOUNTS = list_stream(
    "ad_accounts", "AdAccount", fetcher=SharedList(ConfiguredOrListed(), fields=("id",)),
    partitioner=ConfiguredAccounts(), params={"include_shared_accounts": "true"},
)  # fmt: skip
BY_AD_ACCOUNT = ByAdAccount(AD_ACCOUNTS)


def reads_ad_accounts(declaration: StreamDeclaration) -> bool:
    """Whether a stream reads the configured ad accounts (its partitions are, or are under, ad accounts)."""
    partitioner = declaration.partitioner
    return isinstance(partitioner, ConfiguredAccounts) or "ad_account_id" in partitioner.keys


def check_ad_account_ids(context: SyncContext) -> None:
    """Every configured ad account id is one the token can read, else ONE config error naming those it cannot.

    One listing of the readable ad accounts (`GET /ad_accounts?include_shared_accounts=true`, a page per 250
    accounts), not a request per id: the API description says the list holds every account the user owns or was
    granted Business Access to (docs/dev/API-NOTES.md#entity-lists-ids-timestamps-and-statuses), so an id it lacks cannot be read."""
    configured = context.config.ad_account_ids
    if not configured:
        return
    # the whole list (an empty slice), read through the ad accounts stream's page loop but not emitted
    readable = {str(account.get("id")) for account in bound_stream(context, AD_ACCOUNTS).records({})}
    unknown = [account_id for account_id in configured if account_id not in readable]
    if unknown:
        count, verb = ("it", "is") if len(unknown) == 1 else (f"these {len(unknown)}", "are")
        raise config_error(
            f"`ad_account_ids`: {len(unknown)} of the {len(configured)} configured ad accounts {verb} not among the "
            f"{len(readable)} ad accounts this token can read (owned, or shared through Business Access): "
            f"{listed(unknown)}. Remove {count} from `ad_account_ids`, or have the account's owner grant the "
            "authorizing user access (Business Access)."
        )


def account_list(name: str, component: str, **facts: Any) -> StreamDeclaration:
    """A list under `/ad_accounts/{ad_account_id}/<name>` (operation `<name>/list` unless given), one partition per
    account (unless `partitioner` says otherwise), each record with its `ad_account_id`."""
    facts.setdefault("partitioner", BY_AD_ACCOUNT)
    declaration: StreamDeclaration = list_stream(
        name, component, f"ad_accounts/{{ad_account_id}}/{name}", slice_fields=("ad_account_id",), **facts
    )
    return declaration


def _status_filtered(name: str, component: str, shared_fields: tuple[str, ...]) -> StreamDeclaration:
    """Campaigns, ad groups, ads: every status asked, the configured ones kept, ids shared (`shared_fields`)."""
    return account_list(
        name,
        component,
        fetcher=SharedList(BOOKMARK_PAGES, shared_fields),
        cursor="updated_time",
        params={"entity_statuses": EveryApiValue("entity_statuses"), "order": "ASCENDING"},
        keep=ConfiguredStatuses(),
    )


CAMPAIGNS = _status_filtered("campaigns", "CampaignResponse", ("id", "status", "objective_type"))
AD_GROUPS = _status_filtered("ad_groups", "AdGroupResponse", ("id", "status", "campaign_id"))
ADS = _status_filtered("ads", "AdResponse", ("id", "status", "campaign_id", "pin_id", "lead_form_id"))


def entity_ids(context: SyncContext, declaration: StreamDeclaration, account_id: str) -> list[str]:
    """Ids of every entity of one account in every status (listed once per sync)."""
    return [str(record["id"]) for record in shared_records(context, declaration, {"ad_account_id": account_id})]


def promoted_pins(context: SyncContext, account_id: str) -> dict[str, list[str]]:
    """The Pins the ads of one account promote, by campaign (ads in every status, listed once per sync), each Pin
    once per campaign, in order."""
    pins: dict[str, dict[str, None]] = {}
    for ad in shared_records(context, ADS, {"ad_account_id": account_id}):
        if ad.get("campaign_id") is not None and ad.get("pin_id") is not None:
            pins.setdefault(str(ad["campaign_id"]), {})[str(ad["pin_id"])] = None
    return {campaign_id: list(pin_ids) for campaign_id, pin_ids in pins.items()}


@dataclass(frozen=True)
class KeywordPartitions:
    """Keywords of an account: those whose parent is the account itself (no filter), those of each
    campaign (`campaign_id`, one per request), and those of every ad group (250 ad group ids per
    request, the API's maximum). Campaign and ad group ids come from the unfiltered entity lists."""

    keys: tuple[str, ...] = ("ad_account_id",)

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        for account in BY_AD_ACCOUNT.partitions(context):
            yield from self.of_account(context, account["ad_account_id"])

    def of_account(self, context: SyncContext, account_id: str) -> Iterable[Slice]:
        yield {"ad_account_id": account_id}
        for campaign_id in entity_ids(context, CAMPAIGNS, account_id):
            yield {"ad_account_id": account_id, "campaign_id": campaign_id}
        ad_group_ids = entity_ids(context, AD_GROUPS, account_id)
        for batch in batched(ad_group_ids, int(api_parameter(KEYWORDS_OPERATION, "ad_group_ids")["max_items"])):
            yield {"ad_account_id": account_id, "ad_group_ids": batch}


def keyword_texts(context: SyncContext, account_id: str) -> list[str]:
    """The texts of one account's keywords (listed once per sync), each once, in order."""
    texts: dict[str, None] = {}
    for partition in KeywordPartitions().of_account(context, account_id):
        for keyword in shared_records(context, KEYWORDS, partition):
            if isinstance(keyword.get("value"), str) and keyword["value"].strip():
                texts[keyword["value"]] = None
    return list(texts)


@dataclass(frozen=True)
class ChildrenOfTheFilteredParent:
    """Keep, from each keyword request, the keywords whose `parent_id` is the parent the request filters on (the
    account, a campaign, a batch of ad groups). The API description does not say whether `campaign_id` also
    returns the keywords of the campaign's ad groups, nor whether no filter returns every keyword of the account
    (docs/dev/API-NOTES.md#open-points): each keyword is emitted once, by its own parent's request, either way."""

    def compile(self, config: PinterestConfig, stream_slice: Slice) -> Callable[[Mapping[str, Any]], bool]:
        if "campaign_id" in stream_slice:
            parents = frozenset({str(stream_slice["campaign_id"])})
        elif "ad_group_ids" in stream_slice:
            parents = frozenset(str(ad_group) for ad_group in stream_slice["ad_group_ids"])
        else:
            parents = frozenset({str(stream_slice["ad_account_id"])})
        return FieldIn("parent_id", parents)


KEYWORDS = account_list(
    "keywords",
    "Keyword",
    operation=KEYWORDS_OPERATION,
    # their texts: keyword metrics and terms (trends.py)
    fetcher=SharedList(Pages(api_parameters=("ad_group_ids",)), ("value",)),
    partitioner=KeywordPartitions(),
    params={"campaign_id": FromSlice("campaign_id"), "ad_group_ids": FromSlice("ad_group_ids")},
    keep=ChildrenOfTheFilteredParent(),
)


@dataclass(frozen=True)
class AudiencePartitions:
    """Audiences the account owns and those shared with it."""

    keys: tuple[str, ...] = ("ad_account_id", "ownership_type")

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        for account in BY_AD_ACCOUNT.partitions(context):
            for ownership in ("OWNED", "RECEIVED"):
                yield {**account, "ownership_type": ownership}


# the ids of the audiences an account owns: whom they are shared with (insights.py)
AUDIENCES = account_list(
    "audiences",
    "Audience",
    fetcher=SharedList(BOOKMARK_PAGES, ("id",)),
    partitioner=AudiencePartitions(),
    cursor="updated_timestamp",
    params={"ownership_type": FromSlice("ownership_type"), "order": "ASCENDING"},
)
CUSTOMER_LISTS = account_list("customer_lists", "CustomerList", cursor="updated_time", params={"order": "ASCENDING"})
# one `{items}` page, no bookmark
CONVERSION_TAGS = account_list("conversion_tags", "ConversionTag", fetcher=ONE_PAGE, params={"filter_deleted": "false"})


@dataclass(frozen=True)
class CatalogSalesAdGroups:
    """Product group promotions must be listed per ad group; only ad groups of CATALOG_SALES (shopping)
    campaigns can have them, so only those are asked."""

    keys: tuple[str, ...] = ("ad_account_id", "ad_group_id")

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        for account in BY_AD_ACCOUNT.partitions(context):
            yield from self.of_account(context, account["ad_account_id"])

    def of_account(self, context: SyncContext, account_id: str) -> Iterable[Slice]:
        account = {"ad_account_id": account_id}
        shopping = {
            str(campaign["id"])
            for campaign in shared_records(context, CAMPAIGNS, account)
            if campaign.get("objective_type") == "CATALOG_SALES"
        }
        for group in shared_records(context, AD_GROUPS, account):
            if str(group.get("campaign_id")) in shopping:
                yield {"ad_account_id": account_id, "ad_group_id": str(group["id"])}


PRODUCT_GROUP_PROMOTIONS = account_list(
    "product_group_promotions",
    "ProductGroupPromotion",
    fetcher=SharedList(BOOKMARK_PAGES, ("id", "catalog_product_group_id")),
    partitioner=CatalogSalesAdGroups(),
    params={"ad_group_id": FromSlice("ad_group_id"), "entity_statuses": FromConfig("entity_statuses")},
)


def product_group_ids(context: SyncContext, account_id: str) -> list[str]:
    """Every product group promotion of one account (listed once per sync), by both its ids: its own and its
    catalog product group's, once each, in order."""
    ids: dict[str, None] = {}
    for ad_group in CatalogSalesAdGroups().of_account(context, account_id):
        for record in shared_records(context, PRODUCT_GROUP_PROMOTIONS, ad_group):
            for value in (record.get("id"), record.get("catalog_product_group_id")):
                if value is not None:
                    ids[str(value)] = None
    return list(ids)


AD_ENTITY_STREAMS: tuple[StreamDeclaration, ...] = (
    AD_ACCOUNTS,
    CAMPAIGNS,
    AD_GROUPS,
    ADS,
    KEYWORDS,
    AUDIENCES,
    CUSTOMER_LISTS,
    CONVERSION_TAGS,
    PRODUCT_GROUP_PROMOTIONS,
)

