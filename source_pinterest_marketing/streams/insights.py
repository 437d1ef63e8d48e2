"""Audience insights: the interests and demographics of an ad account's audiences, the audience scopes and types it
can query, and whom its audiences are shared with (docs/dev/API-NOTES.md#audience-insights).

Insights are snapshots (a generation `date`, no modification time) and shares carry their time of sharing only: full
refresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from source_pinterest_marketing.api_description import api_parameter
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams.ads import AUDIENCES, BY_AD_ACCOUNT
from source_pinterest_marketing.streams.base import shared_records
from source_pinterest_marketing.streams.declaration import EveryParameterValue, FromSlice, StreamDeclaration
from source_pinterest_marketing.streams.fetchers import ONE_PAGE, Pages, list_stream
from source_pinterest_marketing.streams.partitions import EachValue
from source_pinterest_marketing.streams.types import Slice

INSIGHTS_OPERATION = "audience_insights/get"
SHARED_ACCOUNTS_OPERATION = "ad_accounts_audiences_shared_accounts/list"

# one snapshot per account and insight type (`audience_insight_type` is required)
AUDIENCE_INSIGHTS = list_stream(
    "audience_insights", "AudienceInsightsResponse", "ad_accounts/{ad_account_id}/audience_insights",
    operation=INSIGHTS_OPERATION,
    fetcher=Pages(paginated=False, records_key=None, api_parameters=("audience_insight_type",)),
    partitioner=EachValue(BY_AD_ACCOUNT, "audience_insight_type", EveryParameterValue(INSIGHTS_OPERATION, "audience_insight_type")),
    params={"audience_insight_type": FromSlice("audience_insight_type")},
    slice_fields=("ad_account_id", "audience_insight_type"), primary_key=("ad_account_id", "audience_insight_type"),
)  # fmt: skip
AUDIENCE_INSIGHTS_SCOPES = list_stream(
    "audience_insights_scopes", "AudienceDefinition", "ad_accounts/{ad_account_id}/insights/audiences",
    operation="audience_insights_scope_and_type/get", fetcher=ONE_PAGE, partitioner=BY_AD_ACCOUNT,
    slice_fields=("ad_account_id",), primary_key=("ad_account_id", "scope", "type"),
)  # fmt: skip


@dataclass(frozen=True)
class OwnedAudiences:
    """One partition per audience an ad account owns (the `audiences` list, read once per sync) and account type:
    the API asks for both (`audience_id`, `account_type`), and only for the audiences the account owns."""

    keys: tuple[str, ...] = ("ad_account_id", "audience_id", "account_type")

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        account_types = api_parameter(SHARED_ACCOUNTS_OPERATION, "account_type")["enum"]
        for account in BY_AD_ACCOUNT.partitions(context):
            owned = {**account, "ownership_type": "OWNED"}
            for audience in shared_records(context, AUDIENCES, owned):
                for account_type in account_types:
                    yield {**account, "audience_id": str(audience["id"]), "account_type": account_type}


#: "Shared accounts not found.": declared without saying when; an audience shared with nobody may answer it
#: (docs/dev/API-NOTES.md#open-points, simulator switch `unshared_audience`)
NOT_SHARED = IgnoredError(status=404, code=None, log_message="The audience is shared with no account of this type")
AUDIENCE_SHARED_ACCOUNTS = list_stream(
    "audience_shared_accounts", "SharedAudienceAccount", "ad_accounts/{ad_account_id}/audiences/shared/accounts",
    operation=SHARED_ACCOUNTS_OPERATION, fetcher=Pages(api_parameters=("account_type",)), partitioner=OwnedAudiences(),
    params={"audience_id": FromSlice("audience_id"), "account_type": FromSlice("account_type")},
    slice_fields=("ad_account_id", "audience_id"), ignored_errors=(NOT_SHARED,),
    primary_key=("ad_account_id", "audience_id", "account_type", "account_id"),
)  # fmt: skip

AUDIENCE_INSIGHT_STREAMS: tuple[StreamDeclaration, ...] = (
    AUDIENCE_INSIGHTS,
    AUDIENCE_INSIGHTS_SCOPES,
    AUDIENCE_SHARED_ACCOUNTS,
)
