"""The API's UPPER_CASE report and analytics columns: their types, what they describe and what they mean, from one
reviewed table (`data/report_columns.csv`: column, type, what it describes, its meaning, the reason for its type
where the name does not say it), and the row schemas built from them, with the fields the connector writes into every
row (ids, date, targeting, attribution settings) and the organic analytics metrics, whose meanings are in
`data/field_descriptions.csv`. Every property of a row schema carries its meaning as its `description`."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from source_pinterest_marketing.api_description import api_enums
from source_pinterest_marketing.config import ATTRIBUTION_FIELDS

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
METRIC = "metric"


@dataclass(frozen=True)
class Column:
    name: str
    #: the JSON type of its value: string, number, integer or boolean
    type: str
    #: the entity a descriptive column describes (campaign, ad_group, product_item...), or "metric"
    describes: str
    #: what the column means, for the schema's `description`
    description: str = ""


def _table(name: str) -> list[dict[str, str]]:
    text = resources.files("source_pinterest_marketing").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def columns() -> Mapping[str, Column]:
    """Every column of the table, by name, in the table's order (the API's async enum first)."""
    return {
        row["column"]: Column(row["column"], row["type"], row["describes"], row["description"])
        for row in _table("report_columns.csv")
    }


@cache
def field_descriptions() -> Mapping[str, str]:
    """The meaning of each field a row or record has that is not a column of the table: the fields the connector
    writes (ids, period, targeting, attribution settings...) and the organic analytics metrics."""
    return {row["field"]: row["description"] for row in _table("field_descriptions.csv")}


def description_of(field: str) -> str | None:
    """A row field's meaning: the field table's (connector fields, organic metrics) first, then the column table's."""
    if field in field_descriptions():
        return field_descriptions()[field]
    column = columns().get(field)
    return column.description if column else None


def nullable(*types: str, **extra: Any) -> dict[str, Any]:
    return {"type": ["null", *types], **extra}


def column_schema(column: str) -> dict[str, Any]:
    """A column's schema, from the table: one JSON type (and null). Flags are booleans whatever their wire form,
    which is not documented: the read path turns each form into a boolean (normalize.as_flag)."""
    try:
        kind = columns()[column].type
    except KeyError:
        raise KeyError(f"column {column} is not in data/report_columns.csv: add it (with its type)") from None
    return nullable(kind, description=columns()[column].description)


def describing(entities: Iterable[str]) -> tuple[str, ...]:
    """The async report columns that describe one of `entities` or are metrics, in the API's order."""
    wanted = {*entities, METRIC}
    table = columns()
    return tuple(name for name in api_enums()["async_report_columns"] if table[name].describes in wanted)


def attribution_schema() -> dict[str, Any]:
    """The attribution settings written into every ads analytics and report row."""
    return {
        name: nullable("string") if name == "conversion_report_time" else nullable("integer")
        for name in ATTRIBUTION_FIELDS
    }


def row_schema(properties: dict[str, Any]) -> dict[str, Any]:
    """The schema of rows with these properties; each property without a description gets its field's meaning
    (`description_of`)."""
    described = {}
    for name, schema in properties.items():
        meaning = schema.get("description") or description_of(name)
        described[name] = {**schema, "description": meaning} if meaning else schema
    return {"$schema": DRAFT_07, "type": "object", "additionalProperties": True, "properties": described}


@dataclass(frozen=True)
class FieldRows:
    """The schema of records the connector makes of an answer the API description types loosely (a map of values to
    names, a list of strings): their fields, each `(name, JSON type)`, described in data/field_descriptions.csv."""

    fields: tuple[tuple[str, str], ...]

    def build(self, declaration: Any = None) -> dict[str, Any]:
        return row_schema({name: nullable(kind) for name, kind in self.fields})
