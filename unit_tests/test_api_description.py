"""The API description as the connector reads it (source_pinterest_marketing/api_description.py): generated data,
and the OAuth scopes of each operation read with OpenAPI's `security` semantics (requirement objects are
alternatives; the scopes of one object are all required)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from pinterest_simulator.state import load_spec
from source_pinterest_marketing import api_description
from source_pinterest_marketing.api_description import api_enums, lacking_scopes, operation_scopes
from source_pinterest_marketing.streams import DECLARATIONS

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("generate_api_enums", ROOT / "scripts" / "generate_api_enums.py")
assert _spec is not None and _spec.loader is not None
generator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generator)

OAUTH = "pinterest_oauth2"
APP = "client_credentials"


def _spec_of(security: Any) -> dict[str, Any]:
    """A one-operation API description with `security`."""
    operation: dict[str, Any] = {"operationId": "things/list"}
    if security is not None:
        operation["security"] = security
    return {"paths": {"/things": {"get": operation, "parameters": []}}}


@pytest.mark.parametrize(
    ("security", "scopes"),
    [
        pytest.param([{OAUTH: ["ads:read"]}], [["ads:read"]], id="one scope"),
        pytest.param([{OAUTH: ["pins:read", "boards:read"]}], [["boards:read", "pins:read"]], id="all of one object"),
        pytest.param(
            [{OAUTH: ["boards:read"]}, {OAUTH: ["ads:read"]}], [["ads:read"], ["boards:read"]], id="alternatives"
        ),
        pytest.param([{OAUTH: ["ads:read"]}, {APP: ["ads:read"]}], [["ads:read"]], id="same scopes, two schemes"),
        pytest.param([{OAUTH: []}], [[]], id="any token"),
        pytest.param([{}], [[]], id="no credential"),
        pytest.param([{"basic": []}, {OAUTH: ["ads:read"]}], [["ads:read"]], id="basic auth left out"),
        pytest.param([{OAUTH: ["ads:read"], "conversion_token": []}], None, id="another credential too"),
        pytest.param([{"basic": []}], None, id="no bearer token"),
        pytest.param([{OAUTH: ["ads:read", "ads:write"]}], None, id="writes"),
        pytest.param([{OAUTH: ["ads:read"]}, {OAUTH: ["ads:write"]}], None, id="an alternative writes"),
        pytest.param(None, None, id="no security"),
    ],
)
def test_the_generator_reads_security_as_alternatives_of_scopes_all_required(
    security: Any, scopes: list[list[str]] | None
) -> None:
    found = generator.operation_scopes(_spec_of(security))
    assert found.get("things/list") == scopes


@pytest.mark.parametrize(
    "security",
    [
        pytest.param([{OAUTH: ["ads:write"]}], id="writes"),
        pytest.param([{OAUTH: ["ads:read"]}, {OAUTH: ["ads:write"]}], id="an alternative writes"),
    ],
)
def test_a_write_scope_is_kept_for_an_operation_a_stream_declares(security: Any) -> None:
    """Reading the leads means creating a leads export (`ads:write`): an operation a registered stream declares keeps
    its scopes whatever they are; another write operation stays out."""
    assert "things/list" in generator.operation_scopes(_spec_of(security), ["things/list"])
    assert "things/list" not in generator.operation_scopes(_spec_of(security), ["other/list"])


def test_the_leads_export_needs_ads_write() -> None:
    assert operation_scopes("leads_export/create") == (frozenset({"ads:write"}),)
    assert operation_scopes("leads_export/get") == (frozenset({"ads:read"}),)


def test_the_generated_scopes_are_the_api_descriptions() -> None:
    """Every read operation is there, with what the simulator (an independent reading of the same description,
    which enforces the scopes) asks for it."""
    generated = api_enums()["operation_scopes"]
    spec = load_spec()
    for operation, alternatives in generated.items():
        assert {frozenset(scopes) for scopes in alternatives} == set(spec.operations[operation].scope_alternatives)
    assert generated["pins/list"] == [["boards:read", "pins:read"]]
    assert "campaigns/create" not in generated and "oauth/token" not in generated
    assert len(generated) > 100


def test_every_operation_a_stream_reads_has_its_scopes() -> None:
    assert all(operation_scopes(declaration.operation) for declaration in DECLARATIONS)


def test_scopes_of_an_unknown_operation_say_how_to_regenerate() -> None:
    with pytest.raises(KeyError, match=r"scripts/generate_api_enums\.py"):
        operation_scopes("campaigns/create")


def test_a_token_lacks_nothing_once_it_meets_one_alternative(monkeypatch: pytest.MonkeyPatch) -> None:
    data = {**api_enums(), "operation_scopes": {"things/list": [["a", "b"], ["c"]]}}
    monkeypatch.setattr(api_description, "api_enums", lambda: data)
    assert lacking_scopes({"a", "b"}, "things/list") == frozenset()
    assert lacking_scopes({"c"}, "things/list") == frozenset()
    assert lacking_scopes({"a"}, "things/list") == {"b", "c"}  # b (all of the first) or c (the second)
    assert lacking_scopes(set(), "things/list") == {"a", "b", "c"}
    assert operation_scopes("things/list") == (frozenset({"a", "b"}), frozenset({"c"}))


def test_the_committed_data_is_current() -> None:
    assert generator.main(["--check"]) == 0, "run: python scripts/generate_api_enums.py"
    assert json.loads(generator.render(json.loads(generator.DEFAULT_SPEC.read_text()))) == api_enums()
