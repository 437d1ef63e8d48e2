"""Client-side rate limiting: one API budget per sync, shared by every stream and thread, built from Pinterest's
published limits (docs/dev/API-NOTES.md#rate-limits; https://developers.pinterest.com/docs/reference/rate-limits/)
so that a sync rarely meets a 429.

- ads_analytics (sync analytics, targeting analytics, async reports, metrics_ready_state): 300 requests/minute
- ads_read (ad accounts and everything listed under them, targeting reference, businesses, terms...): 1,000
  requests/minute
- every request, of every category together: 100 requests/second (per user per app), one window shared by all
- MMM report creates (`analytics/create_mmm_report`): 5 a minute per ad account ("while it's in beta release"), kept
  per account by `PerAccountPolicy` (a 61-second window: the API counts from when it received a call, a little after
  the budget let it go); each create is counted in its described category (ads_analytics) too, as Pinterest counts
  it

Which request is in which category is the API description's `x-ratelimit-category` of its operation (method and path:
creating a brand/category/SKU report is ads_analytics, polling it ads_read), from generated data
(api_description.rate_limited_operations). Limits of other categories (org_read, catalogs_read, ...) are not
published; they get the per-second limit only.

The CDK's budget applies only the first policy whose matcher fits a request, so a request's one policy counts it in
every window that holds it, in all or in none (`acquire_in_each`: a request one window refuses spends no room in the
others): a category's policy holds its own per-minute window and shares the per-second window (`shared`), which is
the `other` category's policy itself (its only limit); the MMM create policy counts a create in its account's window,
the ads_analytics window and the per-second window.

Each category's policy is a `MovingWindowPolicy`: the moving window of the CDK's `MovingWindowCallRatePolicy`, but
without its thread. The CDK's starts a pyrate-limiter `Limiter`, whose thread (dropping expired calls) never ends:
every sync, check or discover in one process would leave three more threads running.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional
from urllib.parse import urlsplit

from airbyte_cdk.sources.streams.call_rate import (
    APIBudget,
    BaseCallRatePolicy,
    CallRateLimitHit,
    HttpRequestRegexMatcher,
    Rate,
    RequestMatcher,
)

from source_pinterest_marketing.api_description import RateLimitedOperation, rate_limited_operations

PER_SECOND = Rate(limit=100, interval=timedelta(seconds=1))
ADS_ANALYTICS_PER_MINUTE = Rate(limit=300, interval=timedelta(minutes=1))
ADS_READ_PER_MINUTE = Rate(limit=1000, interval=timedelta(minutes=1))

#: "An additional limit of 5 queries per minute per advertiser applies to this endpoint while it's in beta release"
#: (`analytics/create_mmm_report`); the extra second covers the time a call takes to reach the API
MMM_CREATES_PER_ACCOUNT = Rate(limit=5, interval=timedelta(seconds=61))
#: an MMM report create: a POST of this path (the poll, a GET of it, is an ads_read request); group 1 the account
MMM_CREATE_PATH = r"/ad_accounts/(\d+)/mmm_reports$"
MMM_CREATE = "analytics/create_mmm_report"
#: the categories with a published minute limit, in matching order (after the MMM creates); every other request is
#: in `OTHER`
PUBLISHED: tuple[tuple[str, Rate], ...] = (("ads_analytics", ADS_ANALYTICS_PER_MINUTE), ("ads_read", ADS_READ_PER_MINUTE))
OTHER = "other"


_LOCK_ORDER = itertools.count()


class MovingWindowPolicy(BaseCallRatePolicy):
    """At most `rate.limit` calls in any `rate.interval`, for every rate: a call that would exceed one is refused with
    the time until it would fit (`CallRateLimitHit`; the CDK's `APIBudget` waits that long and asks again). Thread-safe;
    calls older than the longest interval are dropped as new ones come (no background thread). A call is also counted
    in the `shared` windows (the per-second limit of every category), in all or none."""

    def __init__(
        self,
        rates: list[Rate],
        matchers: list[RequestMatcher],
        clock: Callable[[], float] = time.monotonic,
        shared: Sequence[MovingWindowPolicy] = (),
    ) -> None:
        if not rates:
            raise ValueError("a rate-limit policy needs at least one rate")
        super().__init__(matchers=matchers)
        self.rates = sorted(rates, key=lambda rate: rate.interval)
        self.clock = clock
        #: the moments of the calls within the longest interval, oldest first (a call of weight n: n times)
        self.calls: list[float] = []
        self.lock = threading.Lock()
        #: the order in which `acquire_in_each` takes the locks of several windows (the same in every thread)
        self.lock_order = next(_LOCK_ORDER)
        #: the windows of limits this policy's requests share with other policies' (the per-second limit): each of its
        #: calls is counted in them too, in all or none (the CDK's budget asks only this policy about its requests)
        self.shared = tuple(shared)

    def try_acquire(self, request: Any, weight: int) -> None:
        if not self.matches(request):
            raise ValueError("Request does not match the policy")
        acquire_in_each((self, *self.shared), request, weight)

    def refusal(self, request: Any, weight: int, now: float) -> Optional[CallRateLimitHit]:
        """Why a call of `weight` at `now` would exceed a rate (and how long until it would fit), or None when it fits.
        Counts nothing; the caller holds `lock` (`acquire_in_each`)."""
        lowest = min(rate.limit for rate in self.rates)
        if weight > lowest:
            raise ValueError(f"Weight can not exceed the lowest configured rate limit ({lowest})")
        del self.calls[: bisect.bisect_right(self.calls, now - self.rates[-1].interval.total_seconds())]
        for rate in self.rates:
            window = rate.interval.total_seconds()
            first = bisect.bisect_right(self.calls, now - window)
            excess = len(self.calls) - first + weight - rate.limit
            if excess > 0:
                # the call fits once `excess` of the calls in the window have left it
                wait = self.calls[first + excess - 1] + window - now
                return CallRateLimitHit(
                    error=f"{rate.limit} calls per {rate.interval} reached",
                    item=request,
                    weight=weight,
                    rate=str(rate),
                    time_to_wait=timedelta(seconds=max(wait, 0.0)),
                )
        return None

    def update(self, available_calls: Optional[int], call_reset_ts: Optional[datetime]) -> None:
        """The API says no call is left (and not when more come): count the window as full, as the CDK's policy does
        (this policy's own window: the headers of a response say nothing of the shared ones)."""
        if available_calls != 0 or call_reset_ts is not None:
            return
        with self.lock:
            now = self.clock()
            for rate in self.rates:
                first = bisect.bisect_right(self.calls, now - rate.interval.total_seconds())
                self.calls.extend([now] * max(rate.limit - (len(self.calls) - first), 0))


def acquire_in_each(windows: Sequence[MovingWindowPolicy], request: Any, weight: int) -> None:
    """Count a call of `weight` in every one of `windows`, or in none: when one of them has no room, the call is
    refused with the longest wait of those that have none (after it, each would have room again unless other calls
    took it), and no window counts it, so a refused call never spends another window's room. The windows' locks are
    taken together, in their `lock_order` (the same in every thread: no deadlock), so no other call comes between
    the check and the count. A window given twice is counted once (its lock is not taken twice)."""
    windows = list({id(window): window for window in windows}.values())
    with ExitStack() as locked:
        for window in sorted(windows, key=lambda window: window.lock_order):
            locked.enter_context(window.lock)
        moments = [window.clock() for window in windows]
        refusals = [
            refusal
            for window, now in zip(windows, moments, strict=True)
            if (refusal := window.refusal(request, weight, now)) is not None
        ]
        if refusals:
            raise max(refusals, key=lambda refusal: refusal.time_to_wait)
        for window, now in zip(windows, moments, strict=True):
            window.calls.extend([now] * weight)


class PerAccountPolicy(BaseCallRatePolicy):
    """`MovingWindowPolicy` for each ad account on its own: the requests of `method` whose path matches `path_pattern`
    (group 1: the account id) are kept within `rates` per account (a limit "per advertiser"). `counted_in`: the other
    windows these requests also spend (Pinterest counts an MMM create in ads_analytics and in the per-second limit);
    the CDK's budget applies only the first policy that matches a request, so this one counts each call in its
    account's window and in each of these (`acquire_in_each`), in all or none."""

    def __init__(
        self,
        rates: list[Rate],
        method: str,
        path_pattern: str,
        clock: Callable[[], float] = time.monotonic,
        counted_in: Sequence[MovingWindowPolicy] = (),
    ) -> None:
        super().__init__(matchers=[HttpRequestRegexMatcher(method=method, url_path_pattern=path_pattern)])
        self.rates = rates
        self.path = re.compile(path_pattern)
        self.clock = clock
        self.counted_in = tuple(counted_in)
        #: each account's moving window, made on its first call
        self.accounts: dict[str, MovingWindowPolicy] = {}
        self.lock = threading.Lock()

    def try_acquire(self, request: Any, weight: int) -> None:
        if not self.matches(request):
            raise ValueError("Request does not match the policy")
        found = self.path.search(urlsplit(request.url).path)
        account = found.group(1) if found else ""
        with self.lock:
            window = self.accounts.get(account)
            if window is None:
                window = self.accounts[account] = MovingWindowPolicy(self.rates, [], self.clock)
        acquire_in_each((window, *self.counted_in), request, weight)

    def update(self, available_calls: Optional[int], call_reset_ts: Optional[datetime]) -> None:
        """Rate-limit headers do not say which account they count: a 429 is waited out by the error policy."""


@dataclass(frozen=True)
class Category:
    """A rate-limit category: the operations it holds (None: every request no other category holds) and its rates."""

    name: str
    operations: Optional[tuple[RateLimitedOperation, ...]]
    rates: tuple[Rate, ...]
    #: the budget's policy for the category (its moving windows are this sync's; the per-second one is shared by all)
    policy: BaseCallRatePolicy


def path_regex(operations: Iterable[RateLimitedOperation]) -> str:
    """A URL path regex that matches a request to any of `operations` (after the API's `/v5` prefix; a path
    template's `{field}` stands for one path segment)."""
    templates = sorted({re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(operation.path)) for operation in operations})
    return rf"/v5(?:{'|'.join(templates)})$"


def matchers_of(operations: tuple[RateLimitedOperation, ...]) -> list[RequestMatcher]:
    """One matcher per method of `operations`."""
    methods = sorted({operation.method for operation in operations})
    return [
        HttpRequestRegexMatcher(
            method=method, url_path_pattern=path_regex(op for op in operations if op.method == method)
        )
        for method in methods
    ]


def build_categories(clock: Callable[[], float] = time.monotonic) -> list[Category]:
    """The categories in matching order, each with a fresh policy: the MMM report creates (per ad account, and counted
    in their described category, ads_analytics, too), then Pinterest's categories (each read operation in its
    described category), then every other request. Every request of every category is counted in one per-second
    window, the `other` category's policy. `clock`: the policies' (tests pin it)."""
    described = rate_limited_operations()
    every_request: list[RequestMatcher] = [HttpRequestRegexMatcher()]
    per_second = MovingWindowPolicy([PER_SECOND], every_request, clock)
    published: list[Category] = []
    policies: dict[Optional[str], MovingWindowPolicy] = {}
    for name, per_minute in PUBLISHED:
        operations = tuple(op for op in described if op.category == name and op.operation != MMM_CREATE)
        policies[name] = MovingWindowPolicy([per_minute], matchers_of(operations), clock, shared=(per_second,))
        published.append(Category(name, operations, (PER_SECOND, per_minute), policies[name]))
    mmm_creates = tuple(operation for operation in described if operation.operation == MMM_CREATE)
    # the category the API description puts the creates in (ads_analytics)
    [described_category] = {operation.category for operation in mmm_creates}
    counted_in = (policies[described_category], per_second)
    mmm_policy = PerAccountPolicy([MMM_CREATES_PER_ACCOUNT], "POST", MMM_CREATE_PATH, clock, counted_in)
    return [
        Category("mmm_creates", mmm_creates, (PER_SECOND, MMM_CREATES_PER_ACCOUNT), mmm_policy),
        *published,
        Category(OTHER, None, (PER_SECOND,), per_second),
    ]


def category_of(operation: str, categories: Optional[list[Category]] = None) -> str:
    """The name of the category whose budget a request of `operation` (an operationId) spends."""
    for category in categories or build_categories():
        if category.operations is None or any(described.operation == operation for described in category.operations):
            return category.name
    raise ValueError(f"no rate-limit category holds {operation}")


def build_api_budget(categories: Optional[list[Category]] = None) -> APIBudget:
    return APIBudget(policies=[category.policy for category in categories or build_categories()])
