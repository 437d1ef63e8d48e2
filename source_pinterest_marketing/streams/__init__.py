"""The stream registry: one list drives `streams()`, the docs table and the tests."""

from __future__ import annotations

from collections.abc import Iterator

from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.streams.ad_accounts import AdAccounts
from source_pinterest_marketing.streams.ads import AD_ENTITY_STREAMS
from source_pinterest_marketing.streams.analytics import ANALYTICS_STREAMS
from source_pinterest_marketing.streams.base import PinterestStream
from source_pinterest_marketing.streams.catalogs import CATALOG_STREAMS
from source_pinterest_marketing.streams.organic import ORGANIC_STREAMS
from source_pinterest_marketing.streams.reports import REPORT_STREAMS, custom_report_streams

STREAM_CLASSES: tuple[type[PinterestStream], ...] = (
    AdAccounts,
    *AD_ENTITY_STREAMS,
    *ORGANIC_STREAMS,
    *CATALOG_STREAMS,
    *ANALYTICS_STREAMS,
    *REPORT_STREAMS,
)


def build_streams(context: SyncContext) -> Iterator[PinterestStream]:
    for stream_class in STREAM_CLASSES:
        yield stream_class(context)
    # custom reports are built from the config: one `custom_<name>` stream each
    yield from custom_report_streams(context)
