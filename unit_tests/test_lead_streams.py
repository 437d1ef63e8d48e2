"""Lead ads streams (streams/leads.py) against the simulator: every lead form of every account once, incremental on
`updated_time`; the question type names under both shapes of their answer (switch `lead_form_questions_shape`), and an
answer of neither shape fails the stream naming it."""

from __future__ import annotations

import pytest
from harness import error_messages, final_states, records_by_stream, run_read, schema, state_messages
from jsonschema import Draft7Validator

from pinterest_simulator import Simulator
from pinterest_simulator.switches import CHOICES

QUESTION_TYPES = "lead_form_question_types"


def expected_accounts(forms: list[dict[str, object]]) -> set[object]:
    return {form["ad_account_id"] for form in forms}


def test_every_lead_form_of_every_account_once_then_incremental(sim: Simulator) -> None:
    output = run_read(sim.connector_config(), ["lead_forms"])
    forms = records_by_stream(output)["lead_forms"]
    expected = {form["id"] for account in sim.dataset.ad_account_ids for form in sim.leads.form_list(account)}
    assert expected and sorted(form["id"] for form in forms) == sorted(expected)
    assert {form["ad_account_id"] for form in forms} == set(sim.dataset.ad_account_ids)
    validator = Draft7Validator(schema("lead_forms"))
    assert not [error for form in forms for error in validator.iter_errors(form)]
    state = final_states(output)["lead_forms"]
    again = run_read(sim.connector_config(), ["lead_forms"], state=state_messages({"lead_forms": state}))
    newest = {account: max(f["updated_time"] for f in forms if f["ad_account_id"] == account) for account in expected_accounts(forms)}
    # nothing changed since: only each account's newest form again (the saved value is kept inclusively)
    assert {(f["ad_account_id"], f["updated_time"]) for f in records_by_stream(again)["lead_forms"]} == set(newest.items())


@pytest.mark.parametrize("shape", CHOICES["lead_form_questions_shape"])
def test_question_types_are_read_in_either_shape(sleeps: list[float], shape: str) -> None:
    with Simulator(preset="small", seed=1, switches={"lead_form_questions_shape": shape}) as sim:
        output = run_read(sim.connector_config(), [QUESTION_TYPES])
        assert sim.requests.count("lead_form_questions/get") == 1
    assert not output.errors, error_messages(output)
    names = [record["question_type"] for record in records_by_stream(output)[QUESTION_TYPES]]
    assert {"CUSTOM", "FULL_NAME", "EMAIL"} <= set(names) and len(names) == len(set(names))


@pytest.mark.parametrize("body", [{"names": ["EMAIL"]}, [{"name": "EMAIL"}], "EMAIL"])
def test_an_answer_of_neither_shape_fails_naming_the_stream(sim: Simulator, body: object) -> None:
    sim.faults.add("status", operation_id="lead_form_questions/get", status=200, body=body, times=None)
    output = run_read(sim.connector_config(), [QUESTION_TYPES], expect_failure=True)
    [message] = {message for message in error_messages(output) if message.startswith("Unexpected response")}
    assert QUESTION_TYPES in message and "expected a JSON array of names, or an object whose `items` is one" in message
