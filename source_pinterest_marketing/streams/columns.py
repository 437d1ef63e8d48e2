"""The API's UPPER_CASE report and analytics columns: their types and what they describe, from one reviewed table
(`data/report_columns.csv`: column, type, what it describes, the reason where the name does not say it), and the
row schemas built from them, with the fields the connector writes into every row (ids, date, targeting,
attribution settings)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from source_pinterest_marketing.config import ATTRIBUTION_FIELDS, api_enums

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
METRIC = "metric"


@dataclass(frozen=True)
class Column:
    name: str
    #: the JSON type of its value: string, number, integer or boolean
    type: str
    #: the entity a descriptive column describes (campaign, ad_group, product_item...), or "metric"
    describes: str


@cache
def columns() -> Mapping[str, Column]:
    """Every column of the table, by name, in the table's order (the API's async enum first)."""
    text = resources.files("source_pinterest_marketing").joinpath("data/report_columns.csv").read_text(encoding="utf-8")
    return {row["column"]: Column(row["column"], row["type"], row["describes"]) for row in csv.DictReader(text.splitlines())}


def nullable(*types: str, **extra: Any) -> dict[str, Any]:
    return {"type": ["null", *types], **extra}


def column_schema(column: str) -> dict[str, Any]:
    """A column's schema, from the table: one JSON type (and null). Flags are booleans whatever their wire form,
    which is not documented: the read path turns each form into a boolean (normalize.as_flag)."""
    try:
        kind = columns()[column].type
    except KeyError:
        raise KeyError(f"column {column} is not in data/report_columns.csv: add it (with its type)") from None
    return nullable(kind)


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
    return {"$schema": DRAFT_07, "type": "object", "additionalProperties": True, "properties": properties}
