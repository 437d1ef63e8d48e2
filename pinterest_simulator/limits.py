"""The API's limits in one table, and the one date check of sync analytics and async reports.

Sync analytics serve the last 90 days, at most 90 days per request
(https://developers.pinterest.com/docs/api/v5/ad_account-analytics); async reports the last 914 days, 186 per
request, product items 92/31 (https://developers.pinterest.com/docs/api/v5/analytics-create_report); hourly
granularity narrows either to 8/3. Also the report body rules of one level: what PRODUCT_ITEM reports refuse
(`PRODUCT_ITEM_REFUSED_COLUMNS`, `PRODUCT_ITEM_REFUSED_FILTERS`) and the targeting types of one level
(`TARGETING_TYPE_LEVELS`). See docs/dev/API-NOTES.md#sync-analytics-date-limits,
docs/dev/API-NOTES.md#async-reports-date-limits and docs/dev/API-NOTES.md#async-reports-body-limits. The organic analytics (user account, pins) follow the sync limits. A
report's 5 targeting types are a ``maxItems`` of the spec, checked with the rest of the request body.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pinterest_simulator.spec import refused


@dataclass(frozen=True)
class DateLimit:
    """How many days before today a request may start, and how many days its range may span (``end - start``,
    so a request covers at most ``max_span_days + 1`` dates)."""

    days_back: int
    max_span_days: int


#: which date rule a request follows (hourly granularity narrows each, see `date_limit`)
DateScope = Literal["sync_analytics", "reports", "product_item_reports"]

# -- the table ------------------------------------------------------------------------------------
DATE_LIMITS: dict[DateScope | Literal["hour"], DateLimit] = {
    "sync_analytics": DateLimit(days_back=90, max_span_days=90),
    "reports": DateLimit(days_back=914, max_span_days=186),
    "product_item_reports": DateLimit(days_back=92, max_span_days=31),
    "hour": DateLimit(days_back=8, max_span_days=3),
}
#: values per ``*_statuses`` filter of a report request
MAX_STATUS_VALUES = 6
#: items per page of a list endpoint (a larger ``page_size`` is served as this many)
MAX_PAGE_SIZE = 250

# -- what a report level refuses (spec components.schemas.AdsAnalyticsCreateAsyncRequest) -----------------------
#: the report levels of product items: they refuse `PRODUCT_ITEM_REFUSED_COLUMNS` and `PRODUCT_ITEM_REFUSED_FILTERS`
PRODUCT_ITEM_LEVELS = frozenset({"PRODUCT_ITEM", "PRODUCT_ITEM_TARGETING"})
PRODUCT_ITEM_REFUSED_COLUMNS = frozenset(
    {
        "AD_ID",
        "AD_NAME",
        "AD_STATUS",
        "PIN_PROMOTION_ID",
        "PIN_PROMOTION_NAME",
        "PIN_PROMOTION_STATUS",
        "PIN_ID",
    }
)
"""Async report columns a PRODUCT_ITEM or PRODUCT_ITEM_TARGETING report refuses (400 code 400).

The spec's ``columns`` text: "Pin promotion and ad related columns are not supported for the Product Item level
reports". Read here as every ``ReportingColumnAsync`` value that starts with ``PIN_PROMOTION_`` or ``AD_`` but not
``AD_GROUP_`` or ``AD_ACCOUNT_`` (those name the ad group and the account, not the ad), plus ``PIN_ID``: the Pin an ad
promotes, which a product item row does not have (its Pin is ``PRODUCT_ITEM_PIN_URL``). ``ADS_CREDIT_*`` (spend) and
``PRODUCT_GROUP_AD_*_TAG`` (product group settings) are not ad columns. A judgement: the spec lists no columns."""
PRODUCT_ITEM_REFUSED_FILTERS = ("ad_ids", "ad_statuses")
"""Report body fields a product item report refuses: "[This parameter is not supported for Product Item Level
Reports]" (spec ``AdsAnalyticsCreateAsyncRequest``, ``ad_ids`` and ``ad_statuses``)."""
TARGETING_TYPE_LEVELS: dict[str, str] = {
    "AUDIENCE_MULTIPLIER": "CAMPAIGN_TARGETING",
    "MEDIA_TYPE": "PRODUCT_ITEM_TARGETING",
}
"""Report targeting types available at one level only: "["AUDIENCE_MULTIPLIER"] is only available in
CAMPAIGN_TARGETING level. ["MEDIA_TYPE"] is only available in PRODUCT_ITEM_TARGETING level" (spec
``TargetingTypeFilter``)."""


# -- Business Access (an ``ad_account_id`` query naming an account another user owns) --------------------------
@dataclass(frozen=True)
class AccessRule:
    """The Business Access roles (``BusinessAccessRole``) the token user needs on the ``ad_account_id`` account of
    an operation that makes its owner the "operation user_account": `roles` to use it at all (None: any role the
    account grants), `secret_roles` to see SECRET boards and the Pins on them."""

    roles: frozenset[str] | None
    secret_roles: frozenset[str]


_OWNER_ADMIN = frozenset({"OWNER", "ADMIN"})
#: boards, sections and the user account: the spec lists no roles ("all boards that can be returned (based on the
#: scopes of the token and ad_account role if applicable)", ``boards/list``); SECRET boards are read as for Pins
_ANY_ROLE = AccessRule(None, _OWNER_ADMIN)
#: Pins: "For Pins on public or protected boards: Owner, Admin, Analyst, Campaign Manager. For Pins on secret boards:
#: Owner, Admin." (``pins/get``)
_PINS = AccessRule(frozenset({"OWNER", "ADMIN", "ANALYST", "CAMPAIGN_MANAGER"}), _OWNER_ADMIN)
#: catalogs: "Owner, Admin, Catalogs Manager" (``catalogs/list`` and the other catalogs operations)
_CATALOGS = AccessRule(frozenset({"OWNER", "ADMIN", "CATALOGS_MANAGER"}), _OWNER_ADMIN)
BUSINESS_ACCESS: dict[str, AccessRule] = {
    "user_account/get": _ANY_ROLE,
    "user_account/analytics": _ANY_ROLE,
    "user_account/analytics/top_pins": _ANY_ROLE,
    "user_account/analytics/top_video_pins": _ANY_ROLE,
    "boards/list": _ANY_ROLE,
    "boards/get": _ANY_ROLE,
    "board_sections/list": _ANY_ROLE,
    "boards/list_pins": _PINS,
    "board_sections/list_pins": _PINS,
    "pins/list": _PINS,
    "pins/get": _PINS,
    # "For Pins on public or protected boards: Admin, Analyst. For Pins on secret boards: Admin."
    "multi_pins/analytics": AccessRule(frozenset({"ADMIN", "ANALYST"}), frozenset({"ADMIN"})),
    "catalogs/list": _CATALOGS,
    "feeds/list": _CATALOGS,
    "feeds/get": _CATALOGS,
    "catalogs_product_groups/list": _CATALOGS,
    "catalogs_product_groups/get": _CATALOGS,
    "catalogs_product_groups/product_counts_get": _CATALOGS,
    "catalogs_product_group_pins/list": _CATALOGS,
    "feed_processing_results/list": _CATALOGS,
    "items_issues/list": _CATALOGS,
    "reports/create": _CATALOGS,
    "reports/get": _CATALOGS,
}
"""Per operation: the roles Business Access needs (spec: each operation's description; where it lists none, any
role of the account, and SECRET content needs Owner or Admin as for Pins). Unlisted operations: `_ANY_ROLE`."""


def access_rule(operation_id: str) -> AccessRule:
    """The Business Access rule of an operation (`BUSINESS_ACCESS`)."""
    return BUSINESS_ACCESS.get(operation_id, _ANY_ROLE)


def date_limit(scope: DateScope, granularity: str) -> DateLimit:
    """The limit of `scope`; HOUR granularity takes the narrower of it and the hourly limit."""
    limit = DATE_LIMITS[scope]
    if granularity != "HOUR":
        return limit
    hour = DATE_LIMITS["hour"]
    return DateLimit(min(limit.days_back, hour.days_back), min(limit.max_span_days, hour.max_span_days))


def check_dates(
    start: dt.date, end: dt.date, limit: DateLimit, *, today: dt.date, clamp_future_end: bool
) -> tuple[dt.date, dt.date]:
    """``(start, min(end, today))``, or 400 ``{code: 400}`` when the API would refuse the range: an end before
    the start, an end after `today` (unless `clamp_future_end`, as sync analytics do), a start more than
    ``limit.days_back`` days before `today`, a range longer than ``limit.max_span_days`` days."""
    now = today
    if end < start:
        raise refused(f"end_date {end} is before start_date {start}.")
    if not clamp_future_end and end > now:
        raise refused(f"end_date {end} is in the future.")
    if start < now - dt.timedelta(days=limit.days_back):
        raise refused(f"You can only get data from the last {limit.days_back} days (start_date {start}).")
    if (end - start).days > limit.max_span_days:
        raise refused(f"The date range cannot be longer than {limit.max_span_days} days ({start} to {end}).")
    return start, min(end, now)
