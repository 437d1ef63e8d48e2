"""Stream schemas: current with the spec, valid, loadable by the CDK, accepting the spec's examples, ids as strings."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader
from jsonschema import Draft7Validator

from source_pinterest_marketing.streams import DECLARATIONS
from source_pinterest_marketing.streams.declaration import Component

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS_DIR = ROOT / "source_pinterest_marketing" / "schemas"
SCHEMA_NAMES = sorted(path.stem for path in SCHEMAS_DIR.glob("*.json"))


def _load_generator() -> ModuleType:
    """Import ``scripts/generate_schemas.py`` (a script, not part of a package) by file path."""
    spec = importlib.util.spec_from_file_location("generate_schemas", ROOT / "scripts" / "generate_schemas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up in sys.modules
    spec.loader.exec_module(module)
    return module


generator = _load_generator()
#: the streams whose schema is a component of the API description
STREAMS = {
    declaration.name: declaration for declaration in DECLARATIONS if isinstance(declaration.schema, Component)
}


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    spec_path: Path = generator.DEFAULT_SPEC
    assert spec_path.is_file(), f"{spec_path} is missing: copy the official spec there"
    spec: dict[str, Any] = json.loads(spec_path.read_text(encoding="utf-8"))
    return spec


def _resolved(name: str) -> dict[str, Any]:
    """The schema as the connector sees it: loaded from the package by the CDK, shared ``$ref``s resolved."""
    # Without this the CDK reports a misleading "Cannot find file schemas/<name>.json".
    assert importlib.util.find_spec("source_pinterest_marketing"), "install the package: pip install -e ."
    return ResourceSchemaLoader("source_pinterest_marketing").get_schema(name)


def test_generated_schemas_are_current() -> None:
    assert generator.main(["--check"]) == 0, "run: python scripts/generate_schemas.py"


def test_every_registered_stream_has_a_schema_file_and_no_file_is_left_over() -> None:
    assert {declaration.name for declaration in DECLARATIONS} == set(SCHEMA_NAMES)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_draft7_and_loads_with_refs_resolved(name: str) -> None:
    raw = json.loads((SCHEMAS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    Draft7Validator.check_schema(raw)
    assert raw["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert raw["type"] == "object"
    assert raw["additionalProperties"] is True

    resolved = _resolved(name)
    Draft7Validator.check_schema(resolved)
    assert "$ref" not in json.dumps(resolved)
    assert resolved["properties"], f"{name} has no properties"


@pytest.mark.parametrize("path", sorted(SCHEMAS_DIR.glob("shared/*.json")), ids=lambda path: path.name)
def test_shared_fragment_is_valid_draft7(path: Path) -> None:
    Draft7Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


_MISSING: Any = object()


class _ExampleBuilder:
    """Builds a record from the ``example`` values the spec gives, property by property."""

    def __init__(self, openapi: Mapping[str, Any]) -> None:
        self._components: Mapping[str, Any] = openapi["components"]["schemas"]

    def variants(self, node: Mapping[str, Any], component: str) -> list[Any]:
        """One example per top-level ``oneOf``/``anyOf`` variant (catalog verticals) of the records' schema `node`
        (named `component`), else one example."""
        variants = node.get("oneOf") or node.get("anyOf") or [node]
        examples = [self.build(variant, frozenset({component})) for variant in variants]
        return [example for example in examples if example is not _MISSING]

    def build(self, node: Mapping[str, Any], stack: frozenset[str]) -> Any:
        if "$ref" in node:
            component = node["$ref"].rsplit("/", 1)[-1]
            return _MISSING if component in stack else self.build(self._components[component], stack | {component})
        if "example" in node:
            return node["example"]
        record: dict[str, Any] = {}
        for part in node.get("allOf", ()):
            built = self.build(part, stack)
            if isinstance(built, dict):
                record.update(built)
            elif built is not _MISSING:
                return built
        for key, value in node.get("properties", {}).items():
            built = self.build(value, stack)
            if built is not _MISSING:
                record[key] = built
        if record:
            return record
        for variant in (*node.get("oneOf", ()), *node.get("anyOf", ())):
            built = self.build(variant, stack)
            if built is not _MISSING:
                return built
        if node.get("type") == "array" and "items" in node:
            item = self.build(node["items"], stack)
            return _MISSING if item is _MISSING else [item]
        return _MISSING


def _stringify_ids(value: Any, key: str | None = None) -> Any:
    """The connector's records carry ids as strings even where the spec's example is a number."""
    if isinstance(value, dict):
        return {k: _stringify_ids(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_ids(item, generator.array_item_name(key)) for item in value]
    if generator.is_id(key) and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


@pytest.mark.parametrize("stream", sorted(STREAMS))
def test_spec_examples_validate(stream: str, openapi: dict[str, Any]) -> None:
    declaration = STREAMS[stream]
    component = declaration.schema.name  # type: ignore[union-attr]
    node = generator.SchemaGenerator(openapi).record_node(declaration.operation, component, stream)
    examples = _ExampleBuilder(openapi).variants(node, component)
    if not examples:
        pytest.skip(f"the spec gives no example values for {component}")
    validator = Draft7Validator(_resolved(stream), format_checker=Draft7Validator.FORMAT_CHECKER)
    for example in examples:
        record = _stringify_ids({k: v for k, v in example.items() if k not in declaration.dropped_fields})
        errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(record)]
        assert not errors, f"{stream} rejects the spec's example: {errors}"


def _id_properties(schema: Mapping[str, Any], path: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every ``id``/``*_id`` property and every ``*_ids`` array's items, at any depth."""
    for key, value in schema.get("properties", {}).items():
        here = f"{path}.{key}"
        # an object named like an id (an event quality score's `order_id` component) is not an id
        if generator.is_id(key) and not {"array", "object"} & set(value.get("type", [])):
            yield here, value
        if key.endswith("_ids") or (generator.is_id(key) and "array" in value.get("type", [])):
            yield f"{here}[]", value.get("items", {})
        yield from _id_properties(value, here)
    if "items" in schema:
        yield from _id_properties(schema["items"], f"{path}[]")


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_ids_are_strings(name: str) -> None:
    wrong = {
        path: prop.get("type")
        for path, prop in _id_properties(_resolved(name))
        if "string" not in prop.get("type", []) or {"integer", "number"} & set(prop.get("type", []))
    }
    assert not wrong, f"{name}: id fields not typed string: {wrong}"


def test_api_descriptions_become_plain_text() -> None:
    plain_text = generator.plain_text
    assert plain_text("The <code>ID</code> of\n  the   <a href='/x'>campaign</a> &lt;3") == "The ID of the campaign <3"
    assert plain_text("See [the docs](/docs/api-features/x/).") == "See [the docs](https://developers.pinterest.com/docs/api-features/x/)."
    long = "A sentence. " * 200
    cut = plain_text(long)
    assert len(cut) <= generator.MAX_DESCRIPTION and cut.endswith("sentence.")
    assert plain_text("x" * 2000) == "x" * (generator.MAX_DESCRIPTION - 3) + "..."


def test_entity_fields_carry_the_api_descriptions() -> None:
    campaigns = json.loads((SCHEMAS_DIR / "campaigns.json").read_text(encoding="utf-8"))["properties"]
    assert campaigns["daily_spend_cap"]["description"].startswith("Campaign daily spending cap")
    assert campaigns["ad_account_id"]["description"]
