"""Keyword planning and trends: the search volume of the ad accounts' keywords, the trending keywords, featured topics
and product categories of the configured regions, and the terms related to and suggested for the accounts' keywords
(docs/dev/API-NOTES.md#keyword-planning-and-trends).

All are snapshots of "now" (no modification time): full refresh. Ranked answers get their position as `rank`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Optional

import requests

from source_pinterest_marketing.api_description import api_parameter
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.errors import UnexpectedResponseError
from source_pinterest_marketing.streams.ads import BY_AD_ACCOUNT, keyword_texts
from source_pinterest_marketing.streams.columns import FieldRows
from source_pinterest_marketing.streams.declaration import (
    CommaJoined,
    Component,
    EveryParameterValue,
    Fetcher,
    FetcherBase,
    FromConfig,
    FromSlice,
    MaximumOf,
    RequestContext,
    SinglePartition,
    SliceRead,
    StreamDeclaration,
)
from source_pinterest_marketing.streams.fetchers import ARRAY, Pages, WholeAnswer, list_stream, parse_json
from source_pinterest_marketing.streams.partitions import EachValue, batched
from source_pinterest_marketing.streams.types import Record, Slice, Token
from source_pinterest_marketing.transport import Request

KEYWORD_METRICS_OPERATION = "country_keywords_metrics/get"
TRENDING_KEYWORDS_OPERATION = "trending_keywords/list"
FEATURED_TOPICS_OPERATION = "trends_featured_topics/list"
PRODUCT_CATEGORIES_OPERATION = "trends_product_categories_trending/list"
SUGGESTED_TERMS_OPERATION = "terms_suggested/list"
#: input terms per `terms_related/list` request: the API gives no maximum, a URL has one (about 8 KB)
RELATED_TERMS_PER_REQUEST = 50
RANK = ("rank", "integer")


@dataclass(frozen=True)
class Ranked(FetcherBase):
    """The records of `inner`, each with its position in the answer as `rank` (1 = first): answers "in ranked order"
    whose rank is their order only."""

    inner: Fetcher

    @property
    def api_parameters(self) -> tuple[str, ...]:
        return self.inner.api_parameters

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        return self.inner.request(context, stream_slice, token)

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        return [{**record, "rank": rank} for rank, record in enumerate(self.inner.parse(context, response, read), 1)]


@dataclass(frozen=True)
class KeywordBatches:
    """One partition per ad account, configured country and batch of the account's keywords (listed once per sync),
    as many a request as the API takes (`keywords`: 2,000)."""

    keys: tuple[str, ...] = ("ad_account_id", "country_code", "keywords")

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        size = int(api_parameter(KEYWORD_METRICS_OPERATION, "keywords")["max_items"])
        for account in BY_AD_ACCOUNT.partitions(context):
            texts = keyword_texts(context, account["ad_account_id"])
            for country in context.config.keyword_metrics_countries:
                for batch in batched(texts, size):
                    yield {**account, "country_code": country, "keywords": batch}


KEYWORD_METRICS = list_stream(
    "keyword_metrics", "KeywordMetricsResponse", "ad_accounts/{ad_account_id}/keywords/metrics",
    operation=KEYWORD_METRICS_OPERATION,
    fetcher=Pages(paginated=False, records_key="data", api_parameters=("keywords",)), partitioner=KeywordBatches(),
    params={"country_code": FromSlice("country_code"), "keywords": CommaJoined("keywords")},
    slice_fields=("ad_account_id", "country_code"), primary_key=("ad_account_id", "country_code", "keyword"),
)  # fmt: skip
TRENDING_KEYWORDS = list_stream(
    "trending_keywords", Component("TrendingKeyword", added=(RANK,)), "trends/keywords/{region}/top/{trend_type}",
    operation=TRENDING_KEYWORDS_OPERATION,
    fetcher=Ranked(Pages(paginated=False, records_key="trends", api_parameters=("limit",))),
    partitioner=EachValue(EachValue(SinglePartition(), "region", FromConfig("trends_regions")), "trend_type", FromConfig("trend_types")),
    params={"limit": MaximumOf(TRENDING_KEYWORDS_OPERATION, "limit")},
    slice_fields=("region", "trend_type"), primary_key=("region", "trend_type", "keyword"),
)  # fmt: skip
IN_MARKETS = EachValue(SinglePartition(), "region", FromConfig("trends_markets"))
# every interest asked by name, `ALL` too (what no `interest` answers is not said: simulator switch
# `featured_topics_default`)
TRENDS_FEATURED_TOPICS = list_stream(
    "trends_featured_topics", "FeaturedTrend", "trends/topics/featured", operation=FEATURED_TOPICS_OPERATION,
    fetcher=WholeAnswer(ARRAY, api_parameters=("interest",)),
    partitioner=EachValue(IN_MARKETS, "interest", EveryParameterValue(FEATURED_TOPICS_OPERATION, "interest")),
    params={"region": FromSlice("region"), "interest": FromSlice("interest")}, primary_key=("market", "interest"),
)  # fmt: skip
TRENDING_PRODUCT_CATEGORIES = list_stream(
    "trending_product_categories", Component("TrendingProductCategory", added=(RANK,)),
    "trends/product_categories/trending", operation=PRODUCT_CATEGORIES_OPERATION,
    fetcher=Ranked(WholeAnswer(ARRAY, api_parameters=("engagement_type",))),
    partitioner=EachValue(IN_MARKETS, "engagement_type", EveryParameterValue(PRODUCT_CATEGORIES_OPERATION, "engagement_type")),
    params={"region": FromSlice("region"), "engagement_type": FromSlice("engagement_type")},
    slice_fields=("region",), primary_key=("region", "engagement_type", "product_category"),
)  # fmt: skip


def every_keyword_text(context: SyncContext) -> list[str]:
    """The texts of every ad account's keywords, each once (terms are not an account's)."""
    texts: dict[str, None] = {}
    for account in BY_AD_ACCOUNT.partitions(context):
        texts.update(dict.fromkeys(keyword_texts(context, account["ad_account_id"])))
    return list(texts)


@dataclass(frozen=True)
class TermBatches:
    """The ad accounts' keywords as input terms: `size` a partition (None: one each, as `term`)."""

    size: Optional[int]

    @property
    def keys(self) -> tuple[str, ...]:
        return ("terms",) if self.size else ("term",)

    def partitions(self, context: SyncContext) -> Iterable[Slice]:
        texts = every_keyword_text(context)
        if self.size is None:
            yield from ({"term": text} for text in texts)
        else:
            yield from ({"terms": batch} for batch in batched(texts, self.size))


TERMS_RELATED = list_stream(
    "terms_related", "RelatedTerms.related_terms_list", "terms/related", operation="terms_related/list",
    fetcher=Pages(paginated=False, records_key="related_terms_list"), partitioner=TermBatches(RELATED_TERMS_PER_REQUEST),
    params={"terms": FromSlice("terms")}, primary_key=("term",),
)  # fmt: skip


@dataclass(frozen=True)
class SuggestedTerms(FetcherBase):
    """`terms_suggested/list`: a bare array of terms beginning with the input term, most popular first: a record per
    suggestion, `{term, suggested_term, rank}`."""

    api_parameters: tuple[str, ...] = ("limit",)

    def request(self, context: RequestContext, stream_slice: Slice, token: Optional[Token]) -> Request:
        return Request("GET", context.path_of(stream_slice), context.declared_params(stream_slice))

    def parse(self, context: RequestContext, response: requests.Response, read: SliceRead) -> list[Record]:
        read.next = None
        body: Any = parse_json(context.stream, response)
        if not isinstance(body, list) or not all(isinstance(term, str) for term in body):
            raise UnexpectedResponseError(context.stream, response.url, "expected an array of terms")
        term = read.stream_slice["term"]
        return [{"term": term, "suggested_term": suggested, "rank": rank} for rank, suggested in enumerate(body, 1)]


TERMS_SUGGESTED = StreamDeclaration(
    name="terms_suggested",
    operation=SUGGESTED_TERMS_OPERATION,
    path="terms/suggested",
    fetcher=SuggestedTerms(),
    schema=FieldRows((("term", "string"), ("suggested_term", "string"), RANK)),
    partitioner=TermBatches(None),
    params={"term": FromSlice("term"), "limit": MaximumOf(SUGGESTED_TERMS_OPERATION, "limit")},
    primary_key=("term", "suggested_term"),
)

TRENDS_STREAMS: tuple[StreamDeclaration, ...] = (
    KEYWORD_METRICS,
    TRENDING_KEYWORDS,
    TRENDS_FEATURED_TOPICS,
    TRENDING_PRODUCT_CATEGORIES,
    TERMS_RELATED,
    TERMS_SUGGESTED,
)
