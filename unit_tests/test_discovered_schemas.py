"""Every schema the connector discovers, custom reports and every granularity included: each property has one JSON
type (and null), so a typed destination gets one column type, and at least 95% of them have a description.

Properties are counted as docs/columns.md says: in each discovered stream schema (a custom report's too), every key
of a `properties` object, nested ones included (an array's items are walked, not counted themselves); a field that
several streams have counts once per stream."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

import pytest
from harness import run_discover

from pinterest_simulator import Simulator
from source_pinterest_marketing.streams import DECLARATIONS
from source_pinterest_marketing.streams.columns import field_descriptions
from source_pinterest_marketing.streams.declaration import Component

#: the share of discovered properties that must have a description
DESCRIBED_AT_LEAST = 0.95

#: the custom reports discovered with the streams: a template's (every column of the table), a targeting level, HOUR
CUSTOM_REPORTS = [
    {"name": "every_column", "level": "CAMPAIGN", "template_id": "1"},
    {"name": "targeting", "level": "AD_GROUP_TARGETING", "columns": ["AD_GROUP_ID", "SPEND_IN_DOLLAR"], "targeting_types": ["GENDER"]},
    {"name": "hourly", "level": "CAMPAIGN", "granularity": "HOUR", "columns": ["CAMPAIGN_ID", "IS_PREMIERE_CAMPAIGN"]},
]
GRANULARITIES = ("DAY", "HOUR", "TOTAL")


@cache
def discovered(granularity: str) -> dict[str, Mapping[str, Any]]:
    """stream name -> its discovered JSON schema, at an `analytics_granularity`, with the custom reports."""
    with Simulator(preset="small", seed=1) as sim:
        config = sim.connector_config(
            access_token_mode=True, analytics_granularity=granularity, custom_reports=CUSTOM_REPORTS
        )
        catalog = run_discover(config).catalog.catalog
    return {stream.name: stream.json_schema for stream in catalog.streams}


def properties(schema: Mapping[str, Any], path: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(path, schema) of every property of `schema`, nested ones included: object properties, the properties of
    array items (path `field[]`), and of `anyOf` / `oneOf` / `allOf` variants."""
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, Mapping):
            yield f"{path}{name}", sub
            yield from properties(sub, f"{path}{name}.")
    items = schema.get("items")
    if isinstance(items, Mapping):
        yield from properties(items, f"{path.removesuffix('.')}[].")
    for keyword in ("anyOf", "oneOf", "allOf"):
        for variant in schema.get(keyword) or ():
            yield from properties(variant, path)


def non_null_types(schema: Mapping[str, Any]) -> set[str]:
    """The JSON types a property allows besides null, its variants' included."""
    declared = schema.get("type", [])
    types = {declared} if isinstance(declared, str) else set(declared)
    for keyword in ("anyOf", "oneOf"):
        for variant in schema.get(keyword) or ():
            types |= non_null_types(variant)
    return types - {"null"}


def test_the_walk_counts_nested_properties() -> None:
    schema = {
        "properties": {
            "a": {"type": "object", "properties": {"b": {"type": "string"}}},
            "c": {"type": "array", "items": {"type": "object", "properties": {"d": {"type": "integer"}}}},
            "e": {"anyOf": [{"type": "string"}, {"type": "number"}]},
        }
    }
    walked = dict(properties(schema))
    assert list(walked) == ["a", "a.b", "c", "c[].d", "e"]
    assert non_null_types(walked["e"]) == {"string", "number"}


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_every_property_has_one_json_type(granularity: str) -> None:
    schemas = discovered(granularity)
    assert {"custom_every_column", "custom_targeting", "custom_hourly", "campaign_analytics"} <= set(schemas)
    several = {
        f"{stream}.{path}": sorted(non_null_types(schema))
        for stream, stream_schema in schemas.items()
        for path, schema in properties(stream_schema)
        if len(non_null_types(schema)) > 1
    }
    assert not several
    # the flags are booleans
    for stream in ("campaign_analytics", "campaign_report", "custom_every_column", "custom_hourly"):
        assert schemas[stream]["properties"]["IS_PREMIERE_CAMPAIGN"]["type"] == ["null", "boolean"], stream


def described_share(schemas: Mapping[str, Mapping[str, Any]]) -> tuple[int, int]:
    """(properties with a description, properties), counted as the module docstring says."""
    walked = [schema for stream_schema in schemas.values() for _, schema in properties(stream_schema)]
    return sum(bool(str(schema.get("description") or "").strip()) for schema in walked), len(walked)


def test_the_share_counts_nested_properties_and_empty_descriptions_as_missing() -> None:
    schema = {
        "properties": {
            "a": {"type": "object", "description": "A.", "properties": {"b": {"type": "string", "description": " "}}},
            "c": {"type": "array", "items": {"type": "object", "properties": {"d": {"description": "D."}}}},
        }
    }
    assert described_share({"s": schema, "t": schema}) == (4, 8)  # a, a.b, c, c[].d in each of 2 streams


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_at_least_95_percent_of_properties_are_described(granularity: str) -> None:
    described, total = described_share(discovered(granularity))
    assert total > 10_000
    assert described / total >= DESCRIBED_AT_LEAST, f"{described} of {total} properties have a description"


def test_every_analytics_and_report_column_is_described() -> None:
    """The connector's own row schemas (analytics, reports, custom reports): every property, from the column tables."""
    entity_streams = {d.name for d in DECLARATIONS if isinstance(d.schema, Component)}
    missing = {
        f"{stream}.{path}"
        for stream, stream_schema in discovered("DAY").items()
        if stream not in entity_streams
        for path, schema in properties(stream_schema)
        if not schema.get("description")
    }
    assert not missing


def test_every_field_description_is_used() -> None:
    """No stale entry in data/field_descriptions.csv: each field is a property of a discovered schema."""
    seen = {path.rsplit(".", 1)[-1] for schema in discovered("DAY").values() for path, _ in properties(schema)}
    assert set(field_descriptions()) - seen == set()
