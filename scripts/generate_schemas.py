#!/usr/bin/env python3
"""Generate the connector's stream JSON schemas from Pinterest's official OpenAPI spec.

Regenerate after the spec copy in ``pinterest_simulator/data/openapi.json`` changes, or after registering a stream::

    python scripts/generate_schemas.py                      # (re)write source_pinterest_marketing/schemas/
    python scripts/generate_schemas.py --check              # CI: exit 1 if the files on disk are stale
    python scripts/generate_schemas.py --spec path/to/openapi.json

The generator iterates the stream registry (``source_pinterest_marketing.streams.DECLARATIONS``). A stream whose
declared schema is a ``Component`` gets that component schema of its operation's items (the generator checks the
name against the operation's 200 response, so a spec change cannot silently point a stream at the wrong model);
analytics and report streams declare a schema the connector builds from their columns (``BuiltSchema``), written
as it is.
``SHARED_FRAGMENTS`` names the nested objects several streams share; they are written to ``schemas/shared/<name>.json``
and referenced as ``{"$ref": "<name>.json"}``, the form airbyte_cdk's ``ResourceSchemaLoader`` resolves.

Rules applied to every component schema:

* ``$ref`` is resolved, ``allOf`` flattened, and ``oneOf``/``anyOf`` merged into one permissive schema: the union of
  the variants' types and properties (Pin media, catalog feeds and product groups are unions of per-vertical models).
* Every property is nullable (``"type": ["null", ...]``): the API omits or nulls fields freely.
* ``enum``, examples, patterns and length/range limits are dropped: Pinterest adds enum values without notice and an
  unknown value must not fail a sync. Only ``format: date-time`` (with ``airbyte_type: timestamp_with_timezone``)
  and ``format: date`` are kept.
* Descriptions are kept, as plain text (HTML tags dropped, whitespace collapsed, 1,000 characters at most): a
  property's own, else the description of the component it refers to; a union of variants keeps the first
  variant's. The fields the connector adds (``slice_fields``) take theirs from ``data/field_descriptions.csv``.
* Ids are strings: a property named ``id`` or ``*_id`` (and the items of ``*_ids`` arrays) that the spec types as
  integer or number becomes a string. Pinterest sends ids as strings; 18-digit ids lose precision as floats.
* Every other type is kept as the spec declares it: Unix-second timestamps (``created_time``, ``updated_time``,
  ``start_time``, ``created_timestamp``, product-group ``created_at``...) stay integers, ``CustomerList`` times stay
  numbers, micro-currency amounts stay integers.
* Every object, at any depth, has ``"additionalProperties": true``.
* A declaration's ``dropped_fields`` are removed (feed ``credentials``); its ``slice_fields`` (the parent's id the
  connector copies into each record) are string properties, added where the component lacks them;
  ``Component.opaque`` declares a top-level object free-form (product-group ``filters``, a deep filter DSL);
  ``Component.added`` are fields the connector computes (a ranked answer's ``rank``), typed as declared.
* A stream's records may be a schema inside its operation's answer (``Component`` names a component, an inline
  schema's ``title``, or ``<parent>.<property>``): the labels of a ``LabelsResponse``, an inline list item.

Output is deterministic: sorted keys, 2-space indent, trailing newline.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from source_pinterest_marketing.streams import DECLARATIONS  # noqa: E402
from source_pinterest_marketing.streams.columns import field_descriptions  # noqa: E402
from source_pinterest_marketing.streams.declaration import Component, StreamDeclaration  # noqa: E402

JsonSchema = dict[str, Any]

DEFAULT_SPEC: Final = ROOT / "pinterest_simulator" / "data" / "openapi.json"
SCHEMAS_DIR: Final = ROOT / "source_pinterest_marketing" / "schemas"
DRAFT_07: Final = "http://json-schema.org/draft-07/schema#"

SHARED_FRAGMENTS: Final[Mapping[str, str]] = {
    "BoardOwner": "board_owner",  # boards, board_pins, board_section_pins, pins
    "TrackingUrls": "tracking_urls",  # campaigns, ad_groups, ads
}

_KEPT_FORMATS: Final = frozenset({"date-time", "date"})
_HTML_TAG: Final = re.compile(r"<[^>]+>")
MAX_DESCRIPTION: Final = 1000
_SITE_LINK: Final = re.compile(r"\]\((/[^)\s]*)\)")
_COMBINATORS: Final = ("allOf", "oneOf", "anyOf")
_NUMERIC: Final = frozenset({"integer", "number"})


def is_id(name: str | None) -> bool:
    """Whether a property name denotes an id: ``id`` or ``*_id``."""
    return name is not None and (name == "id" or name.endswith("_id"))


def array_item_name(array_name: str | None) -> str | None:
    """The name array items are checked under: ``campaign_ids`` (or an array ``campaign_id``) -> ``campaign_id``."""
    if array_name is not None and array_name.endswith("_ids"):
        return array_name[:-1]
    return array_name if is_id(array_name) else None


def _types(schema: JsonSchema) -> list[str]:
    declared = schema["type"]
    return [declared] if isinstance(declared, str) else list(declared)


def plain_text(description: str) -> str:
    """A description of the API as plain text: HTML tags dropped, entities decoded, whitespace collapsed, links to
    Pinterest's site absolute, and at most
    `MAX_DESCRIPTION` characters (whole sentences where one ends in time: destinations cap column comments, BigQuery
    at 1,024)."""
    text = " ".join(html.unescape(_HTML_TAG.sub("", description)).split())
    text = _SITE_LINK.sub(r"](https://developers.pinterest.com\1)", text)  # links relative to Pinterest's site
    if len(text) <= MAX_DESCRIPTION:
        return text
    cut = text.rfind(". ", 0, MAX_DESCRIPTION)
    return text[: cut + 1] if cut > 0 else text[: MAX_DESCRIPTION - 3] + "..."


def _type_list(types: Iterable[str]) -> list[str]:
    """``null`` first, the rest sorted; ``number`` absorbs ``integer``."""
    unique = set(types) - {"null"}
    if "number" in unique:
        unique.discard("integer")
    return ["null", *sorted(unique)]


class SchemaGenerator:
    """Turns OpenAPI component schemas into Airbyte stream schemas (see the module docstring for the rules)."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._spec = spec
        self._components: Mapping[str, Any] = spec["components"]["schemas"]
        self.fragments: dict[str, JsonSchema] = {}
        """Shared fragments generated so far, by file stem."""

    def files(self, declarations: Iterable[StreamDeclaration] = DECLARATIONS) -> dict[str, JsonSchema]:
        """Every file to write, by path relative to the schemas directory."""
        files: dict[str, JsonSchema] = {}
        for declaration in declarations:
            schema = declaration.schema
            built = self.stream_schema(declaration, schema) if isinstance(schema, Component) else schema.build(declaration)
            files[f"{declaration.name}.json"] = built
        files.update({f"shared/{stem}.json": fragment for stem, fragment in self.fragments.items()})
        return files

    def stream_schema(self, declaration: StreamDeclaration, component: Component) -> JsonSchema:
        name = declaration.name
        node = self.record_node(declaration.operation, component.name, name)
        converted = self._convert(node, None, frozenset({component.name}))
        properties: dict[str, JsonSchema] = dict(converted.get("properties", {}))
        for field in declaration.dropped_fields:
            if properties.pop(field, None) is None:
                raise ValueError(f"{name}: cannot drop {field!r}, {component.name} has no such property")
        for field in component.opaque:
            if field not in properties:
                raise ValueError(f"{name}: cannot make {field!r} opaque, {component.name} has no such property")
            properties[field] = {"type": ["null", "object"], "additionalProperties": True}
        for field, kind in component.added:
            if field in properties:
                raise ValueError(f"{name}: {component.name} has a property {field!r} already, the connector adds one")
            properties[field] = {"type": ["null", kind], "description": field_descriptions()[field]}
        for field in declaration.slice_fields:
            if field in properties and "string" not in _types(properties[field]):
                raise ValueError(f"{name}: {component.name}.{field} is not a string, the connector adds it as one")
            properties.setdefault(field, {"type": ["null", "string"], "description": field_descriptions()[field]})
        return {
            "$schema": DRAFT_07,
            "type": "object",
            "additionalProperties": True,
            "properties": properties,
        }

    def record_node(self, operation_id: str, component: str, stream: str) -> Mapping[str, Any]:
        """The schema of a stream's records: `component` must be what the operation's 200 answer holds (its items'
        component), or a schema found inside that answer (`_answer_parts`: a component, a titled inline schema, or an
        untitled one named `<its parent>.<property>`), so a spec change cannot silently point a stream at the wrong
        model."""
        for path_item in self._spec["paths"].values():
            operation = path_item.get("get")
            if operation and operation.get("operationId") == operation_id:
                body = operation["responses"]["200"]["content"]["application/json"]["schema"]
                found = self._item_component(body)
                if found == component:
                    return self._components[component]  # type: ignore[no-any-return]
                parts = self._answer_parts(body, "", {})
                if component not in parts:
                    raise ValueError(f"{stream}: {operation_id} returns {found}, not {component}")
                return parts[component]
        raise ValueError(f"{stream}: no GET operation {operation_id!r} in the spec")

    def _answer_parts(self, node: Mapping[str, Any], name: str, found: dict[str, Any]) -> dict[str, Any]:
        """The schemas inside an answer's schema `node` (named `name`), by name: through `$ref`, `allOf`, arrays'
        items, objects' properties and `additionalProperties`."""
        if "$ref" in node:
            name = self._ref_name(node["$ref"])
            if name in found:
                return found
            node = self._components[name]
        elif node.get("title"):
            name = str(node["title"])
        if name and node.get("type") != "array":  # an array's records are its items, named as it
            found.setdefault(name, node)
        for part in node.get("allOf", ()):
            self._answer_parts(part, name, found)
        if isinstance(node.get("items"), Mapping):
            self._answer_parts(node["items"], name, found)
        if isinstance(node.get("additionalProperties"), Mapping):
            self._answer_parts(node["additionalProperties"], name, found)
        for key, child in node.get("properties", {}).items():
            self._answer_parts(child, f"{name}.{key}" if name else key, found)
        return found

    def _item_component(self, body: Mapping[str, Any]) -> str | None:
        """The component a 200 body returns: ``{"$ref"}`` or a ``Paginated``-style ``{items: [{"$ref"}]}``."""
        if "$ref" in body:
            return self._ref_name(body["$ref"])
        for part in (body, *body.get("allOf", ())):
            ref = part.get("properties", {}).get("items", {}).get("items", {}).get("$ref")
            if ref:
                return self._ref_name(ref)
        return None

    @staticmethod
    def _ref_name(ref: str) -> str:
        prefix = "#/components/schemas/"
        if not ref.startswith(prefix):
            raise ValueError(f"unsupported $ref {ref!r}")
        return ref[len(prefix) :]

    def _convert(self, node: Mapping[str, Any], name: str | None, stack: frozenset[str]) -> JsonSchema:
        """Convert one spec schema node; ``name`` is the property it describes, ``stack`` the components being expanded.

        Returns ``{}`` (any value) for a node without type information or a recursive reference.
        """
        if "$ref" in node:
            component = self._ref_name(node["$ref"])
            if component in stack:
                return {}
            if component in SHARED_FRAGMENTS:
                stem = SHARED_FRAGMENTS[component]
                if stem not in self.fragments:
                    self.fragments[stem] = self._convert(self._components[component], None, frozenset({component}))
                return {"$ref": f"{stem}.json"}
            return self._convert(self._components[component], name, stack | {component})

        parts: list[JsonSchema] = []
        for combinator in _COMBINATORS:
            parts.extend(self._convert(sub, name, stack) for sub in node.get(combinator, ()))
        # A bare ``type: object`` beside ``allOf: [{"$ref": ...}]`` adds nothing; skipping it keeps shared refs as refs.
        bare_object = node.get("type") == "object" and not node.get("properties")
        if any(key in node for key in ("type", "properties", "items")) and not (parts and bare_object):
            parts.insert(0, self._convert_plain(node, name, stack))
        if not parts:
            return {}
        schema = parts[0] if len(parts) == 1 else reduce(self._merge, parts)
        own = plain_text(str(node.get("description") or ""))
        if own and "$ref" not in schema:  # a shared fragment keeps its own (a $ref's siblings are not read)
            schema = {**schema, "description": own}
        return self._apply_id_rule(schema, name)

    def _convert_plain(self, node: Mapping[str, Any], name: str | None, stack: frozenset[str]) -> JsonSchema:
        declared = node.get("type") or ("object" if "properties" in node else "array")
        if declared == "object":
            schema: JsonSchema = {"type": ["null", "object"], "additionalProperties": True}
            properties = node.get("properties")
            if properties:
                schema["properties"] = {key: self._convert(value, key, stack) for key, value in properties.items()}
            return schema
        if declared == "array":
            schema = {"type": ["null", "array"]}
            items = self._convert(node.get("items", {}), array_item_name(name), stack)
            if items:
                schema["items"] = items
            return schema
        schema = {"type": ["null", declared]}
        if node.get("format") in _KEPT_FORMATS:
            schema["format"] = node["format"]
            if node["format"] == "date-time":
                schema["airbyte_type"] = "timestamp_with_timezone"
        return schema

    @staticmethod
    def _apply_id_rule(schema: JsonSchema, name: str | None) -> JsonSchema:
        if not is_id(name) or "type" not in schema:
            return schema
        types = set(_types(schema))
        if not types & _NUMERIC:
            return schema
        return {**schema, "type": _type_list((types - _NUMERIC) | {"string"})}

    def _inline(self, schema: JsonSchema) -> JsonSchema:
        if "$ref" in schema:
            return self.fragments[schema["$ref"].removesuffix(".json")]
        return schema

    def _merge(self, left: JsonSchema, right: JsonSchema) -> JsonSchema:
        """The union of two converted schemas (``oneOf``/``anyOf`` variants, or ``allOf`` parts of disjoint fields)."""
        if left == right:
            return left
        left, right = self._inline(left), self._inline(right)
        if not left or not right:
            return {}
        merged: JsonSchema = {"type": _type_list([*_types(left), *_types(right)])}
        description = left.get("description") or right.get("description")
        if description:
            merged["description"] = description
        string_formats = {part.get("format") for part in (left, right) if "string" in _types(part)}
        if len(string_formats) == 1 and None not in string_formats:
            merged["format"] = string_formats.pop()
            if merged["format"] == "date-time":
                merged["airbyte_type"] = "timestamp_with_timezone"
        if "object" in merged["type"]:
            merged["additionalProperties"] = True
            properties = dict(left.get("properties", {}))
            for key, value in right.get("properties", {}).items():
                properties[key] = self._merge(properties[key], value) if key in properties else value
            if properties:
                merged["properties"] = properties
        if "array" in merged["type"]:
            items = [part["items"] for part in (left, right) if "items" in part]
            if items:
                merged["items"] = reduce(self._merge, items)
        return merged


def render(schema: JsonSchema) -> str:
    """The file text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def generate(spec_path: Path, declarations: Iterable[StreamDeclaration] = DECLARATIONS) -> dict[str, str]:
    """The text of every generated file, by path relative to the schemas directory."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    return {path: render(schema) for path, schema in sorted(SchemaGenerator(spec).files(declarations).items())}


def stale_files(expected: Mapping[str, str], schemas_dir: Path) -> list[str]:
    """Generated files that are missing from ``schemas_dir`` or differ from what is on disk."""
    return [
        path
        for path, text in expected.items()
        if not (schemas_dir / path).is_file() or (schemas_dir / path).read_text(encoding="utf-8") != text
    ]


def orphan_files(expected: Mapping[str, str], schemas_dir: Path) -> list[str]:
    """Schema files on disk that no registered stream (or shared fragment) produces."""
    on_disk = {path.relative_to(schemas_dir).as_posix() for path in schemas_dir.rglob("*.json")}
    return sorted(on_disk - set(expected))


def main(argv: Sequence[str] | None = None, declarations: Iterable[StreamDeclaration] = DECLARATIONS) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=f"OpenAPI JSON (default: {DEFAULT_SPEC})")
    parser.add_argument("--schemas-dir", type=Path, default=SCHEMAS_DIR, help=f"output (default: {SCHEMAS_DIR})")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any file is stale")
    args = parser.parse_args(argv)
    if not args.spec.is_file():
        parser.error(f"spec not found: {args.spec}")

    expected = generate(args.spec, declarations)
    stale = stale_files(expected, args.schemas_dir)
    orphans = orphan_files(expected, args.schemas_dir) if args.schemas_dir.is_dir() else []
    if args.check:
        if stale or orphans:
            problems = [f"{len(stale)} schema file(s) out of date: {', '.join(stale)}"] if stale else []
            problems += [f"{len(orphans)} schema file(s) of no registered stream: {', '.join(orphans)}"] if orphans else []
            sys.stderr.write("\n".join(problems) + "\nRun: python scripts/generate_schemas.py\n")
            return 1
        sys.stdout.write(f"{len(expected)} schema files are up to date\n")
        return 0
    for path in stale:
        target = args.schemas_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(expected[path], encoding="utf-8")
    for path in orphans:
        (args.schemas_dir / path).unlink()
    sys.stdout.write(
        f"wrote {len(stale)} of {len(expected)} schema files to {args.schemas_dir}, removed {len(orphans)}\n"
    )
    return 0

if __name__ == "__main__":
    sys.exit(main())
