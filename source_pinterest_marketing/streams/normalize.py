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
from dataclasses import dataclass
from typing import Any, Optional, Union

#: a plan: "str" (convert a number here), or an `ObjectPlan`, or an `ArrayPlan`
Plan = Union[str, "ObjectPlan", "ArrayPlan"]
STRINGIFY = "str"


@dataclass(frozen=True)
class ObjectPlan:
    #: keys whose number values become strings (the common case: looked up flat, no recursion)
    strings: tuple[str, ...]
    #: keys holding objects or arrays with something to convert inside
    nested: tuple[tuple[str, Plan], ...]


@dataclass(frozen=True)
class ArrayPlan:
    items: Plan


def _types(schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def compile_plan(schema: Mapping[str, Any]) -> Optional[Plan]:
    """The paths of `schema` where a number must be turned into a string, or None if there are none."""
    types = _types(schema)
    if "string" in types and not types & {"number", "integer"}:
        return STRINGIFY
    if "object" in types or "properties" in schema:
        properties = {
            name: sub_plan
            for name, sub_schema in schema.get("properties", {}).items()
            if isinstance(sub_schema, Mapping) and (sub_plan := compile_plan(sub_schema)) is not None
        }
        if properties:
            return ObjectPlan(
                strings=tuple(name for name, plan in properties.items() if plan == STRINGIFY),
                nested=tuple((name, plan) for name, plan in properties.items() if plan != STRINGIFY),
            )
    if "array" in types and isinstance(schema.get("items"), Mapping):
        items = compile_plan(schema["items"])
        if items is not None:
            return ArrayPlan(items)
    return None


def apply_plan(value: Any, plan: Plan) -> Any:
    """`value` with the numbers at the plan's paths turned into strings (in place for containers)."""
    if plan == STRINGIFY:
        # exact types: JSON numbers are int or float, and a bool is not a number here
        return str(value) if type(value) in _NUMBERS else value
    if isinstance(plan, ObjectPlan):
        if type(value) is dict or isinstance(value, MutableMapping):
            for name in plan.strings:
                item = value.get(name)
                if type(item) in _NUMBERS:
                    value[name] = str(item)
            for name, sub_plan in plan.nested:
                item = value.get(name)
                if item is not None:
                    value[name] = apply_plan(item, sub_plan)
    elif isinstance(value, list) and isinstance(plan, ArrayPlan):
        for index, item in enumerate(value):
            if item is not None:
                value[index] = apply_plan(item, plan.items)
    return value


_NUMBERS = (int, float)
