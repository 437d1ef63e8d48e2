"""Records normalised to their schema, cheaply.

The schemas keep every id a string, but the API sends a few nested ids as JSON numbers (the spec
types `quiz_pin_data` option/question/result ids and audience rule `product_id` as numbers). The
CDK's `TypeTransformer` would fix them by walking every field of every record through a JSON-schema
validator, which costs far more than reading the record (about 3 ms for a 190-column analytics row).
Instead, the paths where a number must become a string are found once per stream, from its schema,
and only those paths are visited in each record.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, Union

#: a plan: "str" (convert a number here), or per-key sub-plans of an object ("properties"), or the
#: sub-plan of an array's items ("items")
Plan = Union[str, dict[str, Any]]
STRINGIFY = "str"


def _types(schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def compile_plan(schema: Mapping[str, Any]) -> Plan | None:
    """The paths of `schema` where a number must be turned into a string, or None if there are none."""
    types = _types(schema)
    if "string" in types and not types & {"number", "integer"}:
        return STRINGIFY
    plan: dict[str, Any] = {}
    if "object" in types or "properties" in schema:
        properties = {
            name: sub_plan
            for name, sub_schema in schema.get("properties", {}).items()
            if isinstance(sub_schema, Mapping) and (sub_plan := compile_plan(sub_schema)) is not None
        }
        if properties:
            plan["properties"] = properties
    if "array" in types and isinstance(schema.get("items"), Mapping):
        items = compile_plan(schema["items"])
        if items is not None:
            plan["items"] = items
    return plan or None


def apply_plan(value: Any, plan: Plan) -> Any:
    """`value` with the numbers at the plan's paths turned into strings (in place for containers)."""
    if plan == STRINGIFY:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return value
    assert isinstance(plan, dict)
    if isinstance(value, MutableMapping) and "properties" in plan:
        for name, sub_plan in plan["properties"].items():
            if name in value and value[name] is not None:
                value[name] = apply_plan(value[name], sub_plan)
    elif isinstance(value, list) and "items" in plan:
        for index, item in enumerate(value):
            if item is not None:
                value[index] = apply_plan(item, plan["items"])
    return value
