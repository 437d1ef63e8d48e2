"""The client-side budget sorts requests into Pinterest's rate-limit categories, and keeps each within its rates
without a thread of its own."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import requests
from airbyte_cdk.sources.streams.call_rate import CallRateLimitHit, Rate

from source_pinterest_marketing.api_description import rate_limited_operations
from source_pinterest_marketing.rate_limits import (
    ADS_ANALYTICS_PER_MINUTE,
    ADS_READ_PER_MINUTE,
    MMM_CREATE,
    MMM_CREATE_PATH,
    MMM_CREATES_PER_ACCOUNT,
    PER_SECOND,
    MovingWindowPolicy,
    PerAccountPolicy,
    build_api_budget,
    build_categories,
    category_of,
)

BASE = "https://api.pinterest.com/v5"


@pytest.mark.parametrize(
    ("method", "path", "per_minute"),
    [
        ("GET", "/ad_accounts/123/analytics", ADS_ANALYTICS_PER_MINUTE),
        ("GET", "/ad_accounts/123/campaigns/analytics", ADS_ANALYTICS_PER_MINUTE),
        ("GET", "/ad_accounts/123/ad_groups/targeting_analytics", ADS_ANALYTICS_PER_MINUTE),
        ("POST", "/ad_accounts/123/reports", ADS_ANALYTICS_PER_MINUTE),
        ("GET", "/ad_accounts/123/reports", ADS_ANALYTICS_PER_MINUTE),
        ("POST", "/ad_accounts/123/templates/456/reports", ADS_ANALYTICS_PER_MINUTE),
        # the API description: creating a brand/category/SKU report is ads_analytics, polling it ads_read
        ("POST", "/ad_accounts/123/reports/brand_category_sku", ADS_ANALYTICS_PER_MINUTE),
        ("GET", "/ad_accounts/123/reports/brand_category_sku", ADS_READ_PER_MINUTE),
        ("GET", "/resources/metrics_ready_state", ADS_ANALYTICS_PER_MINUTE),
        ("GET", "/ad_accounts/123/campaigns", ADS_READ_PER_MINUTE),
        ("GET", "/ad_accounts", ADS_READ_PER_MINUTE),
        ("GET", "/ad_accounts/123/keywords", ADS_READ_PER_MINUTE),
        ("GET", "/resources/targeting/interests/789", ADS_READ_PER_MINUTE),
        ("GET", "/terms/related", ADS_READ_PER_MINUTE),
        ("GET", "/businesses/123/members", ADS_READ_PER_MINUTE),
        ("GET", "/boards", None),
        ("GET", "/boards/123/pins", None),
        ("GET", "/catalogs/feeds", None),
    ],
)
def test_requests_fall_into_their_category(method: str, path: str, per_minute: object) -> None:
    """Each request in its operation's `x-ratelimit-category` (the API description), by method and path."""
    categories = build_categories()
    budget = build_api_budget(categories)
    request = requests.Request(method, f"{BASE}{path}", params={"page_size": 250}).prepare()
    policy = budget.get_matching_policy(request)
    [category] = [category for category in categories if category.policy is policy]
    assert PER_SECOND in category.rates  # 100 per second, everywhere
    assert category.rates == ((PER_SECOND,) if per_minute is None else (PER_SECOND, per_minute))


def test_every_read_operation_is_in_its_described_category() -> None:
    """The budget holds every read operation the API description puts in a category with a published minute limit in
    that category, and every other one in the per-second limit alone; a stream's lane is its operation's category."""
    categories = build_categories()
    budget = build_api_budget(categories)
    for operation in rate_limited_operations():
        path = re.sub(r"\{[^}]*\}", "123", operation.path)
        request = requests.Request(operation.method, f"{BASE}{path}").prepare()
        [category] = [category for category in categories if category.policy is budget.get_matching_policy(request)]
        expected = operation.category if operation.category in ("ads_analytics", "ads_read") else "other"
        if operation.operation == MMM_CREATE:
            expected = "mmm_creates"  # 5 a minute per ad account (its own policy, below)
        assert category.name == expected, operation
        assert category_of(operation.operation, categories) == expected


def test_the_per_second_limit_is_what_the_budget_enforces() -> None:
    """The category's rates are the policy's: the 101st request within a second is refused."""
    [*_, other] = build_categories()
    request = requests.Request("GET", f"{BASE}/boards").prepare()
    for _ in range(PER_SECOND.limit):
        other.policy.try_acquire(request, weight=1)
    with pytest.raises(CallRateLimitHit) as hit:
        other.policy.try_acquire(request, weight=1)
    assert hit.value.time_to_wait.total_seconds() <= 1


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_moves_and_the_wait_is_until_a_call_leaves_it() -> None:
    clock = Clock()
    policy = MovingWindowPolicy([Rate(3, timedelta(seconds=10)), Rate(2, timedelta(seconds=1))], [], clock)
    request = requests.Request("GET", f"{BASE}/boards").prepare()
    policy.try_acquire(request, weight=1)
    clock.now += 0.5
    policy.try_acquire(request, weight=1)
    with pytest.raises(CallRateLimitHit) as per_second:
        policy.try_acquire(request, weight=1)  # 2 a second
    assert per_second.value.time_to_wait == timedelta(seconds=0.5)
    clock.now += 0.5
    policy.try_acquire(request, weight=1)  # the first call left the one-second window
    clock.now += 1
    with pytest.raises(CallRateLimitHit) as per_ten_seconds:
        policy.try_acquire(request, weight=1)  # 3 in ten seconds
    assert per_ten_seconds.value.time_to_wait == timedelta(seconds=8)
    clock.now += 8
    policy.try_acquire(request, weight=1)
    assert len(policy.calls) == 3  # calls older than the longest window are dropped
    policy.update(available_calls=0, call_reset_ts=None)  # the API says none is left: the window is full
    with pytest.raises(CallRateLimitHit):
        policy.try_acquire(request, weight=1)
    with pytest.raises(ValueError, match="can not exceed"):
        policy.try_acquire(request, weight=3)


def test_mmm_report_creates_are_kept_to_5_a_minute_per_ad_account() -> None:
    """"5 queries per minute per advertiser" (analytics/create_mmm_report): the budget's first policy holds each
    account's creates; its polls (GETs of the same path) are ads_read requests."""
    categories = build_categories()
    budget = build_api_budget(categories)
    create = requests.Request("POST", f"{BASE}/ad_accounts/123/mmm_reports", json={}).prepare()
    poll = requests.Request("GET", f"{BASE}/ad_accounts/123/mmm_reports", params={"token": "t"}).prepare()
    [mmm] = [category for category in categories if budget.get_matching_policy(create) is category.policy]
    assert MMM_CREATES_PER_ACCOUNT in mmm.rates and MMM_CREATES_PER_ACCOUNT.limit == 5
    [read] = [category for category in categories if budget.get_matching_policy(poll) is category.policy]
    assert read.rates == (PER_SECOND, ADS_READ_PER_MINUTE)
    clock = Clock()
    policy = PerAccountPolicy(list(mmm.rates), "POST", MMM_CREATE_PATH, clock)
    for _ in range(5):
        policy.try_acquire(create, weight=1)
        clock.now += 1
    with pytest.raises(CallRateLimitHit) as sixth:
        policy.try_acquire(create, weight=1)
    assert sixth.value.time_to_wait == timedelta(seconds=61 - 5)
    other = requests.Request("POST", f"{BASE}/ad_accounts/456/mmm_reports", json={}).prepare()
    policy.try_acquire(other, weight=1)  # another account's creates are counted on their own
    clock.now += 56
    policy.try_acquire(create, weight=1)  # the first create left the window
    with pytest.raises(ValueError, match="does not match"):
        policy.try_acquire(poll, weight=1)


def test_budgets_start_no_thread() -> None:
    """The CDK's moving-window policy starts a thread that never ends (pyrate-limiter's leak task): one sync, check or
    discover would leave three behind in the process (see test_bad_inputs.py, three-syncs-in-one-process)."""
    before = set(threading.enumerate())
    budget = build_api_budget()
    request = requests.Request("GET", f"{BASE}/ad_accounts/1/campaigns").prepare()
    budget.acquire_call(request)
    assert not set(threading.enumerate()) - before
