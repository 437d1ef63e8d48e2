"""Keyword planning and trends (`trends_data`; docs/dev/API-NOTES.md#keyword-planning-and-trends).

- ``country_keywords_metrics/get``: ``{data: [{keyword, metrics: {keyword_query_volume}}]}``, each requested keyword
  once, in the request's order; ``country_code`` must be a spec ``AdCountry`` (else 400 code 1).
- ``trending_keywords/list`` (``/trends/keywords/{region}/top/{trend_type}``): ``{trends: [...]}``, at most
  ``limit`` (50), every filter applied (`trends_data.trending_keywords`).
- ``trends_featured_topics/list``: ``[FeaturedTrend]``: the ``interest``'s, or without it per the
  ``featured_topics_default`` switch.
- ``trends_product_categories_trending/list``: ``[TrendingProductCategory]`` of the ``verticals``.
- ``terms_related/list``: ``{id, related_term_count, related_terms_list: [{term, related_terms}]}``;
  ``terms_suggested/list``: ``[term, ...]`` (at most ``limit``). A blank term is 400 code 400, as the spec's example.
"""

from __future__ import annotations

from typing import Any

from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import bad_request, refused
from pinterest_simulator.trends_data import (
    featured_trend,
    keyword_volume,
    related_terms,
    suggested_terms,
    trending_keywords,
    trending_product_categories,
)


@handler("country_keywords_metrics/get")
def country_keywords_metrics(ctx: Context) -> Any:
    """The search volume bucket of each keyword in the country."""
    ctx.ad_account()
    country = ctx.params["country_code"]
    if country not in ctx.sim.spec.schema("AdCountry")["enum"]:
        raise bad_request(f"Invalid country_code '{country}': expected an ISO 3166-1 alpha-2 code.")
    keywords = [k for k in dict.fromkeys(ctx.params["keywords"]) if k.strip()]
    if not keywords:
        raise bad_request("Parameter 'keywords' needs at least one keyword.")
    seed = ctx.dataset.seed
    return {
        "data": [
            {"keyword": k, "metrics": {"keyword_query_volume": keyword_volume(seed, k, country)}} for k in keywords
        ]
    }


@handler("trending_keywords/list")
def trending_keywords_list(ctx: Context) -> Any:
    """The top trending keywords of the region and trend type."""
    params = dict(ctx.params)
    region, trend_type = params.pop("region"), params.pop("trend_type")
    return {"trends": trending_keywords(ctx.dataset.seed, ctx.dataset.today(), region, trend_type, params)}


@handler("trends_featured_topics/list")
def trends_featured_topics(ctx: Context) -> Any:
    """The featured topics of the interest, or of every interest (or ``ALL``) without one."""
    interest = ctx.params.get("interest")
    if interest is not None:
        interests = [interest]
    elif ctx.sim.switches.featured_topics_default == "all_only":
        interests = ["ALL"]
    else:
        interests = list(ctx.sim.spec.schema("InterestsEnum")["enum"])
    region = ctx.params["region"]
    return [featured_trend(ctx.dataset.seed, ctx.dataset.today(), region, name) for name in interests]


@handler("trends_product_categories_trending/list")
def trends_product_categories(ctx: Context) -> Any:
    """The growing shopping product categories of the region."""
    return trending_product_categories(ctx.dataset.seed, ctx.params["region"], ctx.params)


def _terms(values: list[str], operation: str) -> list[str]:
    terms = [term.strip() for term in values]
    if not terms or not all(terms):
        raise refused(f"Invalid terms {operation} parameters.")
    return terms


@handler("terms_related/list")
def terms_related(ctx: Context) -> Any:
    """The related terms of each input term."""
    terms = _terms(ctx.params["terms"], "related")
    related = [{"term": term, "related_terms": related_terms(ctx.dataset.seed, term)} for term in terms]
    return {
        "id": terms[0],
        "related_term_count": sum(len(item["related_terms"]) for item in related),
        "related_terms_list": related,
    }


@handler("terms_suggested/list")
def terms_suggested(ctx: Context) -> Any:
    """Popular terms beginning with the input term."""
    term = _terms([ctx.params["term"]], "suggested")[0]
    return suggested_terms(ctx.dataset.seed, term, ctx.params["limit"])
