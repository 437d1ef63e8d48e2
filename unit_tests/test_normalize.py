"""Schema-driven normalisation: numbers become strings exactly where the schema says string."""

from __future__ import annotations

from typing import Any

import pytest
from harness import schema

from source_pinterest_marketing.streams.normalize import UnrecognisedFlag, apply_plan, as_flag, compile_plan

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": ["null", "string"]},
        "count": {"type": ["null", "integer"]},
        "either": {"type": ["null", "string", "number"]},
        "nested": {"type": ["null", "object"], "properties": {"inner_id": {"type": "string"}}},
        "rows": {"type": "array", "items": {"type": "object", "properties": {"row_id": {"type": "string"}}}},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}


def test_numbers_become_strings_only_where_the_schema_says_string() -> None:
    plan = compile_plan(SCHEMA)
    assert plan is not None
    record = {
        "id": 123,
        "count": 4,
        "either": 5,
        "nested": {"inner_id": 6.5},
        "rows": [{"row_id": 7}, None, {"row_id": "8"}],
        "tags": [9, "ten", True],
        "unknown": 11,
    }
    assert apply_plan(record, plan) == {
        "id": "123",
        "count": 4,
        "either": 5,  # a number is allowed there
        "nested": {"inner_id": "6.5"},
        "rows": [{"row_id": "7"}, None, {"row_id": "8"}],
        "tags": ["9", "ten", True],  # a boolean is not a number
        "unknown": 11,  # not in the schema: left as sent
    }


def test_nulls_missing_keys_and_values_of_another_shape_are_left_alone() -> None:
    plan = compile_plan(SCHEMA)
    assert plan is not None
    record = {"id": None, "nested": None, "rows": {"not": "a list"}}
    assert apply_plan(record, plan) == {"id": None, "nested": None, "rows": {"not": "a list"}}


def test_a_schema_with_nothing_to_convert_has_no_plan() -> None:
    assert compile_plan({"type": "object", "properties": {"n": {"type": "integer"}}}) is None


def test_the_ads_schema_stringifies_quiz_ids_sent_as_numbers() -> None:
    plan = compile_plan(schema("ads"))
    assert plan is not None
    record = {"id": "1", "quiz_pin_data": {"questions": [{"question_id": 12, "options": [{"id": 34}]}]}}
    normalised = apply_plan(record, plan)
    question = normalised["quiz_pin_data"]["questions"][0]
    assert question["question_id"] == "12" and question["options"][0]["id"] == "34"


# -- flags ------------------------------------------------------------------------------------------------------
FLAG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "IS_PREMIERE_CAMPAIGN": {"type": ["null", "boolean"]},
        "CAMPAIGN_ID": {"type": ["null", "string"]},
        "nested": {
            "type": "object",
            "properties": {"flags": {"type": "array", "items": {"type": ["null", "boolean"]}}},
        },
    },
}


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("false", False),
        ("TRUE", True),
        ("False", False),
        (" true ", True),
        (1, True),
        (0, False),
        (1.0, True),
        (0.0, False),
        ("1", True),
        ("0", False),
        (None, None),
        ("", None),
    ],
)
def test_every_wire_form_of_a_flag_is_a_boolean(sent: Any, read: Any) -> None:
    assert as_flag(sent) is read
    plan = compile_plan(FLAG_SCHEMA, flags=True)
    assert plan is not None
    record = apply_plan({"IS_PREMIERE_CAMPAIGN": sent, "CAMPAIGN_ID": 5, "nested": {"flags": [sent]}}, plan)
    assert record == {"IS_PREMIERE_CAMPAIGN": read, "CAMPAIGN_ID": "5", "nested": {"flags": [read]}}
    assert record["IS_PREMIERE_CAMPAIGN"] is read


@pytest.mark.parametrize("sent", ["yes", "maybe", 2, -1, 0.5, "2", "truth", [True], {"value": True}])
def test_an_unrecognised_flag_is_an_error_naming_its_column(sent: Any) -> None:
    plan = compile_plan(FLAG_SCHEMA, flags=True)
    assert plan is not None
    with pytest.raises(UnrecognisedFlag) as raised:
        apply_plan({"IS_PREMIERE_CAMPAIGN": sent}, plan)
    assert (raised.value.field, raised.value.value) == ("IS_PREMIERE_CAMPAIGN", sent)
    with pytest.raises(UnrecognisedFlag) as nested:
        apply_plan({"nested": {"flags": [True, sent]}}, plan)
    assert nested.value.field == "nested.flags.1"


def test_entity_schemas_leave_booleans_as_sent() -> None:
    """Without `flags` (the API description's own schemas), booleans are not touched."""
    plan = compile_plan(FLAG_SCHEMA)
    assert plan is not None
    assert apply_plan({"IS_PREMIERE_CAMPAIGN": "maybe"}, plan) == {"IS_PREMIERE_CAMPAIGN": "maybe"}
