"""Keyword planning and trends: keyword search volumes, trending keywords with their weekly time series, featured
topics, trending product categories, related and suggested terms (docs/dev/API-NOTES.md#keyword-planning-and-trends).

Pinterest-wide data: deterministic per seed, region, filters and the simulator's date (weekly series end at the
last Sunday on or before today), drawn from `reference_data.TREND_KEYWORDS` (the accounts' keywords come from the
same pool, so keyword metrics and terms of an account's keywords are sensible).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pinterest_simulator.reference_data import (
    FEATURED_INTERESTS,
    PRODUCT_CATEGORIES,
    REPORTING_AGE_BUCKETS,
    TERM_PREFIXES,
    TERM_SUFFIXES,
    TREND_KEYWORDS,
    stable_hash,
)

#: weekly points of a keyword's time series (a year), and of its prediction (the next 90 days)
SERIES_WEEKS = 52
PREDICTED_WEEKS = 13
#: ``keyword_query_volume`` buckets (the spec's example: ``5M+``)
VOLUME_BUCKETS: tuple[str, ...] = ("<1K", "1K-10K", "10K-100K", "100K-1M", "1M-5M", "5M+")
#: growth rates are capped at +/- 10000%; 10001 means "more than 10000%" (spec ``TrendingKeywordsResponse``)
GROWTH_CAP = 10000
#: topics of a ``FeaturedTrend`` ("top five"), Pins of a topic (``maxItems: 6``)
FEATURED_TOPICS = 5
TOPIC_PINS = 6
#: a demographic share under 5% is reported as 4% "for privacy" (spec ``TrendingKeyword.demographics``)
PRIVACY_FLOOR, PRIVACY_VALUE = 0.05, 0.04


def keyword_volume(seed: int, keyword: str, country: str) -> str:
    """The ``keyword_query_volume`` bucket of a keyword in a country (longer keywords are searched less)."""
    level = stable_hash(seed, "volume", keyword.lower(), country) % len(VOLUME_BUCKETS)
    return VOLUME_BUCKETS[max(0, level - len(keyword.split()) // 3)]


def last_week(today: dt.date) -> dt.date:
    """The last Sunday on or before `today`: the end of the weekly series."""
    return today - dt.timedelta(days=(today.weekday() + 1) % 7)


def weeks(end: dt.date, count: int, forward: bool = False) -> list[dt.date]:
    """`count` weekly dates ending at `end` (or, `forward`, the `count` weeks after it)."""
    if forward:
        return [end + dt.timedelta(weeks=k) for k in range(1, count + 1)]
    return [end - dt.timedelta(weeks=k) for k in range(count - 1, -1, -1)]


def _shape(trend_type: str, week: int, total: int) -> int:
    """The trend type's share of a raw weekly value: growing keywords rise over the last quarter, monthly ones are
    high in the last month, yearly ones all year, seasonal ones in the last month and a year before."""
    to_end = total - 1 - week
    if trend_type == "growing":
        return 0 if to_end >= 13 else (13 - to_end) * 12
    if trend_type == "monthly":
        return 120 if to_end < 4 else 0
    if trend_type == "seasonal":
        return 110 if to_end < 4 or to_end > total - 5 else 0
    return 60


def raw_series(seed: int, keyword: str, trend_type: str, key: str, end: dt.date, forward: bool = False) -> list[int]:
    """A keyword's raw weekly search volume (before normalising), past (or, `forward`, predicted)."""
    offset = SERIES_WEEKS if forward else 0
    count = PREDICTED_WEEKS if forward else SERIES_WEEKS
    base = 20 + stable_hash(seed, keyword, key) % 40
    return [
        base + _shape(trend_type, offset + n, SERIES_WEEKS) // (2 if forward else 1) + stable_hash(seed, keyword, n) % 9
        for n in range(count)
    ]


def _growth(now: float, before: float) -> int:
    if before <= 0:
        return GROWTH_CAP + 1
    pct = round((now / before - 1) * 100)
    return GROWTH_CAP + 1 if pct > GROWTH_CAP else max(pct, -GROWTH_CAP)


def _normalised(series: Sequence[int], peak: int) -> list[int]:
    return [round(value * 100 / peak) for value in series]


def _distribution(seed: int, keys: Sequence[str], *parts: object) -> dict[str, float]:
    """Shares of `keys` summing to about 1, any share under 5% reported as 4%."""
    weights = [1 + stable_hash(seed, key, *parts) % 20 for key in keys]
    total = sum(weights)
    shares = {key: round(weight / total, 2) for key, weight in zip(keys, weights, strict=True)}
    return {key: PRIVACY_VALUE if share < PRIVACY_FLOOR else share for key, share in shares.items()}


def trending_keywords(seed: int, today: dt.date, region: str, trend_type: str, params: dict[str, Any]) -> list[Any]:
    """``TrendingKeywordsResponse.trends``: the top ``limit`` keywords of the pool (filtered by ``interests`` and
    ``include_keywords``; ``genders`` and ``ages`` change the ranking), each with its growth rates and weekly
    series normalised per keyword (peak 100) or, ``normalize_against_group``, over the whole answer."""
    interests = set(params.get("interests") or ())
    wanted = [word.lower() for word in params.get("include_keywords") or ()]
    audience = (region, trend_type, sorted(params.get("genders") or ()), sorted(params.get("ages") or ()))
    pool = [
        keyword
        for keyword, interest in TREND_KEYWORDS
        if (not interests or interest in interests) and (not wanted or any(w in keyword for w in wanted))
    ]
    ranked = sorted(pool, key=lambda k: (-(stable_hash(seed, "rank", k, *audience) % 10_000), k))
    chosen = ranked[: params.get("limit", 50)]
    end = last_week(today)
    series = {k: raw_series(seed, k, trend_type, region, end) for k in chosen}
    group_peak = max((max(s) for s in series.values()), default=1)
    trends: list[Any] = []
    for keyword in chosen:
        raw = series[keyword]
        peak = group_peak if params.get("normalize_against_group") else max(raw)
        trend: dict[str, Any] = {
            "keyword": keyword,
            "pct_growth_wow": _growth(raw[-1], raw[-2]),
            "pct_growth_mom": _growth(sum(raw[-4:]), sum(raw[-8:-4])),
            "pct_growth_yoy": _growth(raw[-1], raw[0]),
            "time_series": dict(
                zip((d.isoformat() for d in weeks(end, SERIES_WEEKS)), _normalised(raw, peak), strict=True)
            ),
            "has_prediction": bool(params.get("include_prediction")),
        }
        if params.get("include_prediction"):
            predicted = raw_series(seed, keyword, trend_type, region, end, forward=True)
            dates = (d.isoformat() for d in weeks(end, PREDICTED_WEEKS, forward=True))
            trend["predicted_time_series"] = dict(
                zip(dates, [min(100, v) for v in _normalised(predicted, peak)], strict=True)
            )
        if params.get("include_demographics"):
            trend["demographics"] = {
                "age_distribution": _distribution(seed, REPORTING_AGE_BUCKETS, keyword, region),
                "gender_distribution": _distribution(seed, ("female", "male", "unspecified"), keyword, region),
            }
        trends.append(trend)
    return trends


def _topic_keywords(seed: int, interest: str, region: str) -> list[str]:
    pool = [keyword for keyword, l1 in TREND_KEYWORDS if l1 in FEATURED_INTERESTS[interest]]
    return sorted(pool, key=lambda k: (-(stable_hash(seed, "featured", k, region) % 10_000), k))


def featured_trend(seed: int, today: dt.date, region: str, interest: str) -> dict[str, Any]:
    """One ``FeaturedTrend``: the interest's top five topics in the market, each with a weekly series (peak 100),
    related searches and interests, and up to six Pins."""
    keywords = _topic_keywords(seed, interest, region)
    end = last_week(today)
    topics: list[dict[str, Any]] = []
    for keyword in keywords[:FEATURED_TOPICS]:
        raw = raw_series(seed, keyword, "growing", region, end)
        title = keyword.title()
        topics.append(
            {
                "title": title,
                "description": f"Searches for {keyword} are growing in {region}.",
                "percent_growth_mom": _growth(sum(raw[-4:]), sum(raw[-8:-4])),
                "related_interests": [interest.lower()],
                "related_searches": [k for k in keywords[FEATURED_TOPICS:] if k.split()[0] == keyword.split()[0]][:3],
                "time_series": dict(
                    zip((d.isoformat() for d in weeks(end, SERIES_WEEKS)), _normalised(raw, max(raw)), strict=True)
                ),
                "pins": [_trending_pin(seed, keyword, n) for n in range(1 + stable_hash(seed, keyword) % TOPIC_PINS)],
            }
        )
    return {"interest": interest, "market": region, "trends": topics}


def _trending_pin(seed: int, keyword: str, n: int) -> dict[str, Any]:
    pin_id = str(10**17 + stable_hash(seed, "trend-pin", keyword, n) % (9 * 10**17))
    return {"id": pin_id, "src": f"https://i.pinimg.com/736x/sim/{pin_id}.jpg", "width": 736, "height": 1104}


def trending_product_categories(seed: int, region: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """``TrendingProductCategory`` items of the ``verticals`` (all three without), ranked by relative volume (the
    top one 100); ``ages`` and ``genders`` change the numbers."""
    engagement = params.get("engagement_type", "ENGAGEMENT")
    audience = (region, engagement, sorted(params.get("ages") or ()), sorted(params.get("genders") or ()))
    verticals = params.get("verticals") or list(PRODUCT_CATEGORIES)
    items = [
        {
            "engagement_type": engagement,
            "product_category": category,
            "pct_change_mom": stable_hash(seed, "category-growth", category, *audience) % 300 - 50,
            "percent_relative_volume": 1 + stable_hash(seed, "category-volume", category, *audience) % 99,
            "verticals": [vertical],
        }
        for vertical in dict.fromkeys(verticals)
        for category in PRODUCT_CATEGORIES[vertical]
    ]
    items.sort(key=lambda item: (-item["percent_relative_volume"], item["product_category"]))
    if items:
        items[0]["percent_relative_volume"] = 100
    return items


def related_terms(seed: int, term: str) -> list[str]:
    """Terms related to `term`: pool keywords sharing a word with it, then the term extended (3 to 6, each once)."""
    words = set(term.lower().split())
    sharing = [k for k, _ in TREND_KEYWORDS if words & set(k.split()) and k != term.lower()]
    extended = [f"{term} {suffix}" for suffix in TERM_SUFFIXES] + [f"{prefix} {term}" for prefix in TERM_PREFIXES]
    count = 3 + stable_hash(seed, "related", term) % 4
    return list(dict.fromkeys([*sharing[:2], *extended]))[:count]


def suggested_terms(seed: int, term: str, limit: int) -> list[str]:
    """Popular terms beginning with `term` (at most `limit`): pool keywords first, then the term extended."""
    prefix = term.lower()
    starting = [k for k, _ in TREND_KEYWORDS if k.startswith(prefix) and k != prefix]
    extended = [f"{term} {suffix}" for suffix in TERM_SUFFIXES]
    extended.sort(key=lambda t: stable_hash(seed, "suggested", t))
    return list(dict.fromkeys([*starting, *extended]))[:limit]
