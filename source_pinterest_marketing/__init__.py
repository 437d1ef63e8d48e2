"""Airbyte source connector for the Pinterest Marketing API v5."""

from source_pinterest_marketing.source import SourcePinterestMarketing

__all__ = ["SourcePinterestMarketing"]
