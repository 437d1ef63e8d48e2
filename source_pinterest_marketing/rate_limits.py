"""Client-side rate limiting: one API budget per sync, shared by every stream and thread, built
from Pinterest's published limits (API-NOTES §6.4) so that a sync rarely meets a 429.

- ads_analytics (sync analytics, targeting analytics, async reports): 300 requests/minute
- ads_read (ad accounts and everything listed under them): 1,000 requests/minute
- every request: 100 requests/second (per user per app)

The CDK's budget applies the first policy whose matcher fits, so each category's policy also
carries the per-second limit. Limits of other categories (org_read, catalogs_read, ...) are not
published; they get the per-second limit only.
"""

from __future__ import annotations

from datetime import timedelta

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


def build_api_budget() -> APIBudget:
    return APIBudget(
        policies=[
            MovingWindowCallRatePolicy(
                rates=[PER_SECOND, ADS_ANALYTICS_PER_MINUTE],
                matchers=[HttpRequestRegexMatcher(url_path_pattern=ADS_ANALYTICS_PATH)],
            ),
            MovingWindowCallRatePolicy(
                rates=[PER_SECOND, ADS_READ_PER_MINUTE],
                matchers=[HttpRequestRegexMatcher(url_path_pattern=ADS_READ_PATH)],
            ),
            MovingWindowCallRatePolicy(rates=[PER_SECOND], matchers=[HttpRequestRegexMatcher()]),
        ]
    )
