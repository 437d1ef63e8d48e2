"""The client-side budget sorts requests into Pinterest's rate-limit categories, and keeps each within its rates
without a thread of its own."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import requests
from airbyte_cdk.sources.streams.call_rate import APIBudget, CallRateLimitHit, Rate

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


def _mmm_budget() -> tuple[Clock, APIBudget, MovingWindowPolicy, PerAccountPolicy]:
    """The sync's budget on a clock the test moves, its ads_analytics policy and its MMM creates' policy."""
    clock = Clock()
    categories = build_categories(clock)
    policies = {category.name: category.policy for category in categories}
    analytics, creates = policies["ads_analytics"], policies["mmm_creates"]
    assert isinstance(analytics, MovingWindowPolicy) and isinstance(creates, PerAccountPolicy)
    return clock, build_api_budget(categories), analytics, creates


CREATE = requests.Request("POST", f"{BASE}/ad_accounts/123/mmm_reports", json={}).prepare()
ANALYTICS = requests.Request("GET", f"{BASE}/ad_accounts/123/analytics").prepare()


def test_an_mmm_create_is_counted_in_ads_analytics_too() -> None:
    """Pinterest counts an MMM create in its `x-ratelimit-category`, ads_analytics, besides the 5 a minute per ad
    account: after a create, only 299 analytics requests fit in the minute."""
    assert category_of(MMM_CREATE) == "mmm_creates"
    [create] = [op for op in rate_limited_operations() if op.operation == MMM_CREATE]
    assert create.category == "ads_analytics"
    clock, budget, analytics, _ = _mmm_budget()
    budget.acquire_call(CREATE, block=False)
    for _ in range(ADS_ANALYTICS_PER_MINUTE.limit - 1):
        budget.acquire_call(ANALYTICS, block=False)
        clock.now += 0.1  # within the per-second limit
    with pytest.raises(CallRateLimitHit) as full:
        budget.acquire_call(ANALYTICS, block=False)
    # the create's is the oldest call of the window: the next analytics request fits when it leaves
    assert full.value.time_to_wait.total_seconds() == pytest.approx(60 - 29.9)
    assert len(analytics.calls) == ADS_ANALYTICS_PER_MINUTE.limit


def test_a_create_that_ads_analytics_refuses_is_not_counted_for_its_account() -> None:
    """ads_analytics has no room: the create is refused (until the oldest analytics request leaves the minute), and
    its account's window does not count the refused tries (else the account's 5 would be spent waiting)."""
    clock, budget, _, creates = _mmm_budget()
    for _ in range(ADS_ANALYTICS_PER_MINUTE.limit):
        budget.acquire_call(ANALYTICS, block=False)
        clock.now += 0.1
    for _ in range(MMM_CREATES_PER_ACCOUNT.limit):  # as many tries as the account has room for
        with pytest.raises(CallRateLimitHit) as refused:
            budget.acquire_call(CREATE, block=False)
    assert refused.value.time_to_wait.total_seconds() == pytest.approx(60 - 30)
    assert not [call for window in creates.accounts.values() for call in window.calls]
    clock.now += 30
    budget.acquire_call(CREATE, block=False)  # the account's window is empty: the create fits


def test_a_create_that_its_account_refuses_is_not_counted_in_ads_analytics() -> None:
    """The account has made its 5 creates this minute: the 6th is refused with the account's wait, and ads_analytics
    keeps its room for the other 295 requests (a refused try spends none of it)."""
    clock, budget, analytics, _ = _mmm_budget()
    for _ in range(MMM_CREATES_PER_ACCOUNT.limit):
        budget.acquire_call(CREATE, block=False)
        clock.now += 1
    for _ in range(10):
        with pytest.raises(CallRateLimitHit) as refused:
            budget.acquire_call(CREATE, block=False)
    assert refused.value.time_to_wait == timedelta(seconds=61 - 5)
    assert len(analytics.calls) == MMM_CREATES_PER_ACCOUNT.limit
    for _ in range(ADS_ANALYTICS_PER_MINUTE.limit - MMM_CREATES_PER_ACCOUNT.limit):
        budget.acquire_call(ANALYTICS, block=False)
        clock.now += 0.1
    with pytest.raises(CallRateLimitHit):
        budget.acquire_call(ANALYTICS, block=False)


def test_when_both_refuse_the_wait_is_the_longer() -> None:
    """Both windows full: the wait is until both have room (the account's 61 s window, here)."""
    clock, budget, _, _ = _mmm_budget()
    for _ in range(MMM_CREATES_PER_ACCOUNT.limit):
        budget.acquire_call(CREATE, block=False)
    clock.now += 1
    for _ in range(ADS_ANALYTICS_PER_MINUTE.limit - MMM_CREATES_PER_ACCOUNT.limit):
        budget.acquire_call(ANALYTICS, block=False)
        clock.now += 0.1
    with pytest.raises(CallRateLimitHit) as refused:
        budget.acquire_call(CREATE, block=False)
    assert refused.value.time_to_wait.total_seconds() == pytest.approx(61 - 1 - 29.5)


def _sent_at_once(budget: APIBudget, jobs: list[tuple[str, str, int]]) -> list[str]:
    """Each job (method, path, tries) in a thread of its own, all started together, trying the budget without waiting:
    the requests it let go (`METHOD path`). Every thread must end (no deadlock)."""
    granted: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(jobs))

    def send(method: str, path: str, tries: int) -> None:
        request = requests.Request(method, f"{BASE}{path}", json={} if method == "POST" else None).prepare()
        start.wait()
        for _ in range(tries):
            try:
                budget.acquire_call(request, block=False)
            except CallRateLimitHit:
                continue
            with lock:
                granted.append(f"{method} {path}")

    threads = [threading.Thread(target=send, args=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not [thread for thread in threads if thread.is_alive()]
    return granted


def test_creates_and_analytics_requests_from_many_threads_are_each_counted_once_without_deadlock() -> None:
    """Threads making creates for several accounts and analytics requests at once: every thread ends (the windows'
    locks are taken in one order), each account is let make its 5 creates, and ads_analytics counts every request the
    budget let go once: the analytics requests and the creates."""
    _, budget, analytics, creates = _mmm_budget()
    accounts = ["1", "2", "3"]
    jobs = [("GET", "/ad_accounts/1/analytics", 20)] * 4 + [("POST", f"/ad_accounts/{a}/mmm_reports", 10) for a in accounts] * 2
    granted = _sent_at_once(budget, jobs)
    made = {a: granted.count(f"POST /ad_accounts/{a}/mmm_reports") for a in accounts}
    assert made == dict.fromkeys(accounts, MMM_CREATES_PER_ACCOUNT.limit)
    assert {a: len(creates.accounts[a].calls) for a in accounts} == made
    # 80 analytics requests and 15 creates: all within the per-second limit, each counted once
    assert len(analytics.calls) == len(granted) == 4 * 20 + len(accounts) * MMM_CREATES_PER_ACCOUNT.limit


def _shared_budget() -> tuple[Clock, APIBudget, dict[str, MovingWindowPolicy], PerAccountPolicy]:
    """The sync's budget on a clock the test moves, the windows of the categories with a published minute limit and
    `other` (the per-second window every request is counted in), and the MMM creates' policy."""
    clock = Clock()
    categories = build_categories(clock)
    windows = {c.name: c.policy for c in categories if isinstance(c.policy, MovingWindowPolicy)}
    [creates] = [c.policy for c in categories if isinstance(c.policy, PerAccountPolicy)]
    assert set(windows) == {"ads_analytics", "ads_read", "other"}
    return clock, build_api_budget(categories), windows, creates


READ = requests.Request("GET", f"{BASE}/ad_accounts/123/campaigns").prepare()
BOARDS = requests.Request("GET", f"{BASE}/boards").prepare()


def test_every_category_shares_one_100_a_second() -> None:
    """Pinterest counts every request in one 100 a second (per user per app): 60 ads_read and 40 ads_analytics
    requests fill it, and the 101st request of any category waits until the first leaves the second."""
    clock, budget, windows, _ = _shared_budget()
    per_second = windows["other"]
    for _ in range(60):
        budget.acquire_call(READ, block=False)
    clock.now += 0.5
    for _ in range(40):
        budget.acquire_call(ANALYTICS, block=False)
    for request in (READ, ANALYTICS, BOARDS, CREATE):
        with pytest.raises(CallRateLimitHit) as full:
            budget.acquire_call(request, block=False)
        assert full.value.time_to_wait == timedelta(seconds=0.5)  # until the ads_read requests leave the second
    # the refused tries are counted nowhere: not in the shared second, nor in a category's minute or an account's
    assert (len(per_second.calls), len(windows["ads_read"].calls), len(windows["ads_analytics"].calls)) == (100, 60, 40)
    clock.now += 0.5
    for _ in range(60):  # the 60 ads_read requests left the second: 60 requests of any category fit
        budget.acquire_call(ANALYTICS, block=False)
    with pytest.raises(CallRateLimitHit) as full:
        budget.acquire_call(READ, block=False)
    assert full.value.time_to_wait == timedelta(seconds=0.5)


def test_a_request_its_minute_refuses_spends_no_room_in_the_shared_second() -> None:
    """ads_analytics has made its 300 requests this minute: its refused tries leave the second's 100 to the other
    categories (50 ads_read and 50 others fit, the 101st does not)."""
    clock, budget, windows, _ = _shared_budget()
    for _ in range(ADS_ANALYTICS_PER_MINUTE.limit):
        budget.acquire_call(ANALYTICS, block=False)
        clock.now += 0.1  # 10 a second
    clock.now += 1  # none of them in the last second
    for _ in range(150):
        with pytest.raises(CallRateLimitHit) as refused:
            budget.acquire_call(ANALYTICS, block=False)
    assert refused.value.time_to_wait.total_seconds() == pytest.approx(60 - 31)  # the minute's wait, not the second's
    assert not windows["other"].calls  # the shared second holds none of the refused tries
    for _ in range(50):
        budget.acquire_call(READ, block=False)
        budget.acquire_call(BOARDS, block=False)
    for request in (READ, BOARDS):
        with pytest.raises(CallRateLimitHit):
            budget.acquire_call(request, block=False)


def test_threads_of_every_category_share_the_second_and_each_request_is_counted_once() -> None:
    """Threads of every category at once, the clock still: every thread ends (one lock order), exactly 100 requests
    are let go in all, and each is counted once in the shared second and once in its own windows."""
    _, budget, windows, creates = _shared_budget()
    accounts = ["1", "2", "3"]
    jobs = (
        [("GET", "/ad_accounts/1/campaigns", 40)] * 4
        + [("GET", "/ad_accounts/1/analytics", 40)] * 4
        + [("GET", "/boards", 40)] * 2
        + [("POST", f"/ad_accounts/{a}/mmm_reports", 10) for a in accounts] * 2
    )
    granted = _sent_at_once(budget, jobs)
    assert len(granted) == len(windows["other"].calls) == PER_SECOND.limit
    made = {a: granted.count(f"POST /ad_accounts/{a}/mmm_reports") for a in accounts}
    assert all(count <= MMM_CREATES_PER_ACCOUNT.limit for count in made.values())
    # an account's window is made on its first try, which the shared second may refuse
    assert {a: len(creates.accounts[a].calls) if a in creates.accounts else 0 for a in accounts} == made
    analytics = granted.count("GET /ad_accounts/1/analytics") + sum(made.values())
    assert len(windows["ads_analytics"].calls) == analytics
    assert len(windows["ads_read"].calls) == granted.count("GET /ad_accounts/1/campaigns")
