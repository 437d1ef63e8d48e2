"""The client-side budget sorts requests into Pinterest's rate-limit categories."""

from __future__ import annotations

import pytest
import requests
from airbyte_cdk.sources.streams.call_rate import CallRateLimitHit

from source_pinterest_marketing.rate_limits import (
    ADS_ANALYTICS_PER_MINUTE,
    ADS_READ_PER_MINUTE,
    PER_SECOND,
    build_api_budget,
    build_categories,
)

BASE = "https://api.pinterest.com/v5"


@pytest.mark.parametrize(
    ("path", "per_minute"),
    [
        ("/ad_accounts/123/analytics", ADS_ANALYTICS_PER_MINUTE),
        ("/ad_accounts/123/campaigns/analytics", ADS_ANALYTICS_PER_MINUTE),
        ("/ad_accounts/123/ad_groups/targeting_analytics", ADS_ANALYTICS_PER_MINUTE),
        ("/ad_accounts/123/reports", ADS_ANALYTICS_PER_MINUTE),
        ("/ad_accounts/123/campaigns", ADS_READ_PER_MINUTE),
        ("/ad_accounts", ADS_READ_PER_MINUTE),
        ("/ad_accounts/123/keywords", ADS_READ_PER_MINUTE),
        ("/boards", None),
        ("/catalogs/feeds", None),
    ],
)
def test_requests_fall_into_their_category(path: str, per_minute: object) -> None:
    categories = build_categories()
    budget = build_api_budget(categories)
    request = requests.Request("GET", f"{BASE}{path}", params={"page_size": 250}).prepare()
    policy = budget.get_matching_policy(request)
    [category] = [category for category in categories if category.policy is policy]
    assert PER_SECOND in category.rates  # 100 per second, everywhere
    assert category.rates == ((PER_SECOND,) if per_minute is None else (PER_SECOND, per_minute))


def test_the_per_second_limit_is_what_the_budget_enforces() -> None:
    """The category's rates are the policy's: the 101st request within a second is refused."""
    [*_, other] = build_categories()
    request = requests.Request("GET", f"{BASE}/boards").prepare()
    for _ in range(PER_SECOND.limit):
        other.policy.try_acquire(request, weight=1)
    with pytest.raises(CallRateLimitHit) as hit:
        other.policy.try_acquire(request, weight=1)
    assert hit.value.time_to_wait.total_seconds() <= 1
