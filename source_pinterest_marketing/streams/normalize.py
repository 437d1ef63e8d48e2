"""Records normalised to their schema, cheaply.

The schemas keep every id a string, but the API sends a few nested ids as JSON numbers (the spec
types `quiz_pin_data` option/question/result ids and audience rule `product_id` as numbers). The
CDK's `TypeTransformer` would fix them by walking every field of every record through a JSON-schema
validator, which costs far more than reading the record (about 3 ms for a 190-column analytics row).
Instead, the paths where a number must become a string are found once per stream, from its schema,
and only those paths are visited in each record.

Flags of analytics and report rows (the column table's booleans: `IS_PREMIERE_CAMPAIGN`,
`CAMPAIGN_BUDGET_OPTIMIZATION`) are booleans in the schema, but their wire form is not documented
(docs/dev/API-NOTES.md#open-points, the simulator's `flag_form` switch): a plan compiled with `flags=True` turns each
form the API may send into a boolean (`as_flag`), and anything else into `UnrecognisedFlag` naming the column.
Entity schemas come from the API description, whose booleans are JSON booleans: their plans leave booleans alone.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Optional, Union

#: a plan: "str" (convert a number here), "flag" (a flag here: `as_flag`), or an `ObjectPlan`, or an `ArrayPlan`
Plan = Union[str, "ObjectPlan", "ArrayPlan"]
STRINGIFY = "str"
FLAG = "flag"
_LEAVES = (STRINGIFY, FLAG)

#: the text forms of a flag, lower case ("TRUE", "True" and " true " are read too)
_TRUE_TEXTS = frozenset({"true", "1"})
_FALSE_TEXTS = frozenset({"false", "0"})


class UnrecognisedFlag(ValueError):
    """A flag column holds a value that is none of a flag's forms; `field` is its path in the record."""

    def __init__(self, value: Any, field: str = "") -> None:
        super().__init__(f"{field}: {value!r} is not a flag")
        self.value = value
        self.field = field

    def within(self, name: str) -> UnrecognisedFlag:
        """The same error, its path prefixed with the key or array holding it."""
        return UnrecognisedFlag(self.value, f"{name}.{self.field}" if self.field else name)


def as_flag(value: Any) -> Optional[bool]:
    """A flag as a boolean, from each form the API may send: a JSON boolean, the text "true" / "false" in any case,
    the numbers 1 / 0 and the texts "1" / "0". None, and an empty text (a CSV cell's "no value"), are None;
    anything else raises `UnrecognisedFlag`."""
    kind = type(value)
    if value is None or kind is bool:
        return value  # type: ignore[no-any-return]
    if kind is int or kind is float:
        if value == 1 or value == 0:
            return bool(value)
    elif kind is str:
        text = value.strip().lower()
        if text in _TRUE_TEXTS:
            return True
        if text in _FALSE_TEXTS:
            return False
        if not text:
            return None
    raise UnrecognisedFlag(value)


@dataclass(frozen=True)
class ObjectPlan:
    #: keys whose number values become strings (the common case: looked up flat, no recursion)
    strings: tuple[str, ...]
    #: keys holding objects or arrays with something to convert inside
    nested: tuple[tuple[str, Plan], ...]
    #: keys holding flags, whatever their form, that become booleans
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArrayPlan:
    items: Plan


def _types(schema: Mapping[str, Any]) -> set[str]:
    declared = schema.get("type", [])
    return {declared} if isinstance(declared, str) else set(declared)


def compile_plan(schema: Mapping[str, Any], flags: bool = False) -> Optional[Plan]:
    """The paths of `schema` where a number must be turned into a string and, with `flags`, where a boolean (a
    flag, whatever its form) must be; None if there are none."""
    types = _types(schema)
    if "string" in types and not types & {"number", "integer"}:
        return STRINGIFY
    if flags and types - {"null"} == {"boolean"}:
        return FLAG
    if "object" in types or "properties" in schema:
        properties = {
            name: sub_plan
            for name, sub_schema in schema.get("properties", {}).items()
            if isinstance(sub_schema, Mapping) and (sub_plan := compile_plan(sub_schema, flags)) is not None
        }
        if properties:
            return ObjectPlan(
                strings=tuple(name for name, plan in properties.items() if plan == STRINGIFY),
                nested=tuple((name, plan) for name, plan in properties.items() if plan not in _LEAVES),
                flags=tuple(name for name, plan in properties.items() if plan == FLAG),
            )
    if "array" in types and isinstance(schema.get("items"), Mapping):
        items = compile_plan(schema["items"], flags)
        if items is not None:
            return ArrayPlan(items)
    return None


def apply_plan(value: Any, plan: Plan) -> Any:
    """`value` with the numbers at the plan's paths turned into strings and its flags into booleans (in place for
    containers). A flag of no known form raises `UnrecognisedFlag` with its path."""
    if type(plan) is ObjectPlan:
        if type(value) is dict or isinstance(value, MutableMapping):
            get = value.get
            # most rows hold no number where a string belongs: that is found in C (the types of the values at the
            # plan's keys) before any is looked at in Python
            if not _NUMBER_TYPE_SET.isdisjoint(map(type, map(get, plan.strings))):
                for name in plan.strings:
                    item = get(name)
                    if type(item) in _NUMBER_TYPES:
                        value[name] = str(item)
            for name in plan.flags:
                item = get(name)
                if item is not None and type(item) is not bool:
                    try:
                        value[name] = as_flag(item)
                    except UnrecognisedFlag as error:
                        raise error.within(name) from None
            for name, sub_plan in plan.nested:
                item = value.get(name)
                if item is not None:
                    try:
                        value[name] = apply_plan(item, sub_plan)
                    except UnrecognisedFlag as error:
                        raise error.within(name) from None
        return value
    if type(plan) is ArrayPlan:
        if isinstance(value, list):
            for index, item in enumerate(value):
                if item is not None:
                    try:
                        value[index] = apply_plan(item, plan.items)
                    except UnrecognisedFlag as error:
                        raise error.within(str(index)) from None
        return value
    if plan == STRINGIFY:
        # exact types: JSON numbers are int or float, and a bool is not a number here
        return str(value) if type(value) in _NUMBER_TYPES else value
    if plan == FLAG:
        return as_flag(value)
    return value


#: exact types: JSON numbers are int or float, and a bool (a subclass of int) is not a number here
_NUMBER_TYPES = (int, float)
_NUMBER_TYPE_SET = frozenset(_NUMBER_TYPES)
