"""Client-side rate limiting: one API budget per sync, shared by every stream and thread, built from Pinterest's
published limits (docs/dev/API-NOTES.md#rate-limits; https://developers.pinterest.com/docs/reference/rate-limits/)
so that a sync rarely meets a 429.

- ads_analytics (sync analytics, targeting analytics, async reports): 300 requests/minute
- ads_read (ad accounts and everything listed under them): 1,000 requests/minute
- every request: 100 requests/second (per user per app)

The CDK's budget applies the first policy whose matcher fits, so each category's policy also carries the
per-second limit. Limits of other categories (org_read, catalogs_read, ...) are not published; they get the
per-second limit only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

from airbyte_cdk.sources.streams.call_rate import (
    APIBudget,
    HttpRequestRegexMatcher,
    MovingWindowCallRatePolicy,
    Rate,
)

PER_SECOND = Rate(limit=100, interval=timedelta(seconds=1))
ADS_ANALYTICS_PER_MINUTE = Rate(limit=300, interval=timedelta(minutes=1))
ADS_READ_PER_MINUTE = Rate(limit=1000, interval=timedelta(minutes=1))

ADS_ANALYTICS_PATH = r"/ad_accounts/\d+(/[a-z_]+)?/(analytics|targeting_analytics|reports)$"
ADS_READ_PATH = r"/ad_accounts(/|$)"


@dataclass(frozen=True)
class Category:
    """A rate-limit category: the requests it holds (a URL path pattern; None: every request) and its rates."""

    name: str
    path_pattern: Optional[str]
    rates: tuple[Rate, ...]
    #: the budget's policy for the category (its moving window is this sync's)
    policy: MovingWindowCallRatePolicy


def build_categories() -> list[Category]:
    """The categories in matching order, each with a fresh policy."""
    table = (
        ("ads_analytics", ADS_ANALYTICS_PATH, (PER_SECOND, ADS_ANALYTICS_PER_MINUTE)),
        ("ads_read", ADS_READ_PATH, (PER_SECOND, ADS_READ_PER_MINUTE)),
        ("other", None, (PER_SECOND,)),
    )
    return [
        Category(
            name,
            pattern,
            rates,
            MovingWindowCallRatePolicy(rates=list(rates), matchers=[HttpRequestRegexMatcher(url_path_pattern=pattern)]),
        )
        for name, pattern, rates in table
    ]


def build_api_budget(categories: Optional[list[Category]] = None) -> APIBudget:
    return APIBudget(policies=[category.policy for category in categories or build_categories()])
