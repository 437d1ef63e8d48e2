"""Row schemas of analytics and reports: one typing rule for the API's UPPER_CASE columns, and the fields the
connector writes into every row (ids, date, targeting, attribution settings)."""

from __future__ import annotations

from typing import Any

from source_pinterest_marketing.config import ATTRIBUTION_FIELDS

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
#: columns that are ids, names, statuses, types, labels or settings, not numbers
STRING_SUFFIXES = ("_ID", "_NAME", "_STATUS", "_TYPE", "_LABEL", "_TAG", "_OPTIMIZATION")
#: settings columns whose type the spec does not give: kept permissive
LOOSE_COLUMNS = frozenset({"IS_PREMIERE_CAMPAIGN", "CAMPAIGN_BUDGET_OPTIMIZATION"})


def nullable(*types: str, **extra: Any) -> dict[str, Any]:
    return {"type": ["null", *types], **extra}


def column_schema(column: str) -> dict[str, Any]:
    """Ids, names, statuses and types as strings; a few settings permissive; every other column a number."""
    if column in LOOSE_COLUMNS:
        return nullable("boolean", "string")
    if column.endswith(STRING_SUFFIXES):
        return nullable("string")
    return nullable("number")


def attribution_schema() -> dict[str, Any]:
    """The attribution settings written into every ads analytics and report row."""
    return {
        name: nullable("string") if name == "conversion_report_time" else nullable("integer")
        for name in ATTRIBUTION_FIELDS
    }


def row_schema(properties: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT_07, "type": "object", "additionalProperties": True, "properties": properties}
