"""The stream registry: every stream's declaration, in one list that drives `streams()`, the schema, enum and
docs generators, and the tests. Adding a stream is one declaration here (in its family's module) and a schema
(generated from the API description for list streams): see docs/dev/ARCHITECTURE.md."""

from __future__ import annotations

from collections.abc import Iterator

from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.streams.account_extras import ACCOUNT_EXTRA_STREAMS
from source_pinterest_marketing.streams.ads import AD_ENTITY_STREAMS
from source_pinterest_marketing.streams.analytics import ANALYTICS_STREAMS
from source_pinterest_marketing.streams.base import PinterestStream, bound_stream
from source_pinterest_marketing.streams.business import BUSINESS_STREAMS
from source_pinterest_marketing.streams.catalog_health import CATALOG_HEALTH_STREAMS
from source_pinterest_marketing.streams.catalogs import CATALOG_STREAMS
from source_pinterest_marketing.streams.declaration import StreamDeclaration
from source_pinterest_marketing.streams.finance import FINANCE_STREAMS
from source_pinterest_marketing.streams.insights import AUDIENCE_INSIGHT_STREAMS
from source_pinterest_marketing.streams.leads import LEAD_STREAMS
from source_pinterest_marketing.streams.measurement import MEASUREMENT_STREAMS
from source_pinterest_marketing.streams.organic import ORGANIC_STREAMS
from source_pinterest_marketing.streams.reports import REPORT_STREAMS, custom_report_declarations
from source_pinterest_marketing.streams.targeting import TARGETING_STREAMS
from source_pinterest_marketing.streams.trends import TRENDS_STREAMS

#: the streams by family (the README's summary is generated from it)
FAMILIES: tuple[tuple[str, tuple[StreamDeclaration, ...]], ...] = (
    ("Ad entities", AD_ENTITY_STREAMS),
    ("Ad account extras", ACCOUNT_EXTRA_STREAMS),
    ("Targeting reference", TARGETING_STREAMS),
    ("Audience insights", AUDIENCE_INSIGHT_STREAMS),
    ("Keyword planning and trends", TRENDS_STREAMS),
    ("Spend reconciliation", FINANCE_STREAMS),
    ("Lead ads", LEAD_STREAMS),
    ("Organic", ORGANIC_STREAMS),
    ("Business", BUSINESS_STREAMS),
    ("Catalogs", CATALOG_STREAMS),
    ("Catalog health", CATALOG_HEALTH_STREAMS),
    ("Analytics", ANALYTICS_STREAMS),
    ("Reports", REPORT_STREAMS),
    ("Measurement reports", MEASUREMENT_STREAMS),
)
DECLARATIONS: tuple[StreamDeclaration, ...] = tuple(declaration for _, family in FAMILIES for declaration in family)


def build_streams(context: SyncContext) -> Iterator[PinterestStream]:
    """The streams of one sync, bound to it (airbyte-cdk `HttpStream`s): every registered stream, then one
    `custom_<name>` per custom report."""
    for declaration in (*DECLARATIONS, *custom_report_declarations(context.config)):
        yield bound_stream(context, declaration)
