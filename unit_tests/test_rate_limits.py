"""The client-side budget sorts requests into Pinterest's rate-limit categories."""

from __future__ import annotations

import pytest
import requests

from source_pinterest_marketing.rate_limits import (
    ADS_ANALYTICS_PER_MINUTE,
    ADS_READ_PER_MINUTE,
    build_api_budget,
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
    budget = build_api_budget()
    request = requests.Request("GET", f"{BASE}{path}", params={"page_size": 250}).prepare()
    policy = budget.get_matching_policy(request)
    assert policy is not None
    limits = [(rate.limit, rate.interval) for rate in policy._bucket.rates]  # type: ignore[attr-defined]
    assert (100, 1000) in limits  # 100 per second, everywhere
    if per_minute is None:
        assert len(limits) == 1
    else:
        assert (per_minute.limit, 60000) in limits  # type: ignore[attr-defined]
