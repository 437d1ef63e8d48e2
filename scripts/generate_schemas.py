#!/usr/bin/env python3
"""Generate the connector's stream JSON schemas from Pinterest's official OpenAPI spec.

Regenerate after the spec copy in ``pinterest_simulator/data/openapi.json`` changes, or after editing ``STREAMS``::

    python scripts/generate_schemas.py                      # (re)write source_pinterest_marketing/schemas/
    python scripts/generate_schemas.py --check              # CI: exit 1 if the files on disk are stale
    python scripts/generate_schemas.py --spec path/to/openapi.json

``STREAMS`` maps each stream to the component schema of its list operation's items (the generator checks the name
against the operation's 200 response, so a spec change cannot silently point a stream at the wrong model).
``SHARED_FRAGMENTS`` names the nested objects several streams share; they are written to ``schemas/shared/<name>.json``
and referenced as ``{"$ref": "<name>.json"}``, the form airbyte_cdk's ``ResourceSchemaLoader`` resolves.

Rules applied to every component schema:

* ``$ref`` is resolved, ``allOf`` flattened, and ``oneOf``/``anyOf`` merged into one permissive schema: the union of
  the variants' types and properties (Pin media, catalog feeds and product groups are unions of per-vertical models).
* Every property is nullable (``"type": ["null", ...]``): the API omits or nulls fields freely.
* ``enum``, descriptions, examples, patterns and length/range limits are dropped: Pinterest adds enum values without
  notice and an unknown value must not fail a sync. Only ``format: date-time`` (with
  ``airbyte_type: timestamp_with_timezone``) and ``format: date`` are kept.
* Ids are strings: a property named ``id`` or ``*_id`` (and the items of ``*_ids`` arrays) that the spec types as
  integer or number becomes a string. Pinterest sends ids as strings; 18-digit ids lose precision as floats.
* Every other type is kept as the spec declares it: Unix-second timestamps (``created_time``, ``updated_time``,
  ``start_time``, ``created_timestamp``, product-group ``created_at``...) stay integers, ``CustomerList`` times stay
  numbers, micro-currency amounts stay integers.
* Every object, at any depth, has ``"additionalProperties": true``.
* ``StreamSpec.drop`` removes top-level properties the connector strips (feed ``credentials``);
  ``StreamSpec.add_ids`` declares string id properties the connector adds to each record (partition keys);
  ``StreamSpec.opaque`` declares a top-level object free-form (product-group ``filters``, a deep filter DSL).

Output is deterministic: sorted keys, 2-space indent, trailing newline. Files the generator does not produce
(hand-written schemas for analytics and report streams) are left alone by both the write and the ``--check`` modes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any, Final

JsonSchema = dict[str, Any]

ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_SPEC: Final = ROOT / "pinterest_simulator" / "data" / "openapi.json"
SCHEMAS_DIR: Final = ROOT / "source_pinterest_marketing" / "schemas"
DRAFT_07: Final = "http://json-schema.org/draft-07/schema#"


@dataclass(frozen=True)
class StreamSpec:
    """Where a stream's schema comes from and what the connector changes in its records."""

    stream: str
    component: str
    operation_id: str
    """The list (or get) operation whose 200 response items are ``component``."""
    add_ids: tuple[str, ...] = ()
    """String id properties the connector adds to each record; must not already be in the component."""
    drop: tuple[str, ...] = ()
    """Top-level properties the connector removes from each record; must be in the component."""
    opaque: tuple[str, ...] = ()
    """Top-level objects declared free-form (no nested properties), for deep unions that add bulk but no value."""


STREAMS: Final[tuple[StreamSpec, ...]] = (
    StreamSpec("user_account", "Account", "user_account/get"),
    StreamSpec("boards", "Board", "boards/list"),
    StreamSpec("board_sections", "BoardSection", "board_sections/list", add_ids=("board_id",)),
    StreamSpec("board_pins", "Pin", "boards/list_pins"),
    StreamSpec("board_section_pins", "Pin", "board_sections/list_pins"),
    StreamSpec("pins", "Pin", "pins/list"),
    StreamSpec("ad_accounts", "AdAccount", "ad_accounts/list"),
    StreamSpec("campaigns", "CampaignResponse", "campaigns/list"),
    StreamSpec("ad_groups", "AdGroupResponse", "ad_groups/list"),
    StreamSpec("ads", "AdResponse", "ads/list"),
    StreamSpec("keywords", "Keyword", "keywords/get", add_ids=("ad_account_id",)),
    StreamSpec("audiences", "Audience", "audiences/list"),
    StreamSpec("customer_lists", "CustomerList", "customer_lists/list"),
    StreamSpec("conversion_tags", "ConversionTag", "conversion_tags/list"),
    StreamSpec(
        "product_group_promotions",
        "ProductGroupPromotion",
        "product_group_promotions/list",
        add_ids=("ad_account_id",),
    ),
    StreamSpec("catalogs", "Catalog", "catalogs/list"),
    StreamSpec("catalogs_feeds", "CatalogsFeed", "feeds/list", drop=("credentials",)),
    StreamSpec(
        "catalogs_product_groups",
        "CatalogsVerticalProductGroup",
        "catalogs_product_groups/list",
        # {any_of|all_of: [{<38 filter keys>: {...}}]}, merged over three verticals: 60 KB of schema for a filter DSL.
        opaque=("filters",),
    ),
)

SHARED_FRAGMENTS: Final[Mapping[str, str]] = {
    "BoardOwner": "board_owner",  # boards, board_pins, board_section_pins, pins
    "TrackingUrls": "tracking_urls",  # campaigns, ad_groups, ads
}

_KEPT_FORMATS: Final = frozenset({"date-time", "date"})
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

    def files(self) -> dict[str, JsonSchema]:
        """Every file to write, by path relative to the schemas directory."""
        files = {f"{entry.stream}.json": self.stream_schema(entry) for entry in STREAMS}
        files.update({f"shared/{stem}.json": fragment for stem, fragment in self.fragments.items()})
        files.update({f"{entry.stream}.json": analytics_schema(self._spec, entry) for entry in ANALYTICS_STREAMS})
        files.update(report_schemas())
        return files

    def stream_schema(self, entry: StreamSpec) -> JsonSchema:
        self._check_operation(entry)
        converted = self._convert(self._components[entry.component], None, frozenset({entry.component}))
        properties: dict[str, JsonSchema] = dict(converted.get("properties", {}))
        for name in entry.drop:
            if properties.pop(name, None) is None:
                raise ValueError(f"{entry.stream}: cannot drop {name!r}, {entry.component} has no such property")
        for name in entry.opaque:
            if name not in properties:
                raise ValueError(f"{entry.stream}: cannot make {name!r} opaque, {entry.component} has no such property")
            properties[name] = {"type": ["null", "object"], "additionalProperties": True}
        for name in entry.add_ids:
            if name in properties:
                raise ValueError(f"{entry.stream}: {entry.component} already has {name!r}, remove it from add_ids")
            properties[name] = {"type": ["null", "string"]}
        return {
            "$schema": DRAFT_07,
            "type": "object",
            "additionalProperties": True,
            "properties": properties,
        }

    def _check_operation(self, entry: StreamSpec) -> None:
        for path_item in self._spec["paths"].values():
            operation = path_item.get("get")
            if operation and operation.get("operationId") == entry.operation_id:
                body = operation["responses"]["200"]["content"]["application/json"]["schema"]
                found = self._item_component(body)
                if found != entry.component:
                    raise ValueError(f"{entry.stream}: {entry.operation_id} returns {found}, not {entry.component}")
                return
        raise ValueError(f"{entry.stream}: no GET operation {entry.operation_id!r} in the spec")

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


# -- analytics streams ----------------------------------------------------------------------------
# Analytics rows are not a component schema: their keys are the requested columns (the sync columns enum,
# ``components.parameters.query_columns``) or the metric types of the organic endpoints, plus the fields the
# connector adds (see source_pinterest_marketing/streams/analytics.py).


@dataclass(frozen=True)
class AnalyticsSchemaSpec:
    """An analytics stream's schema: ``kind`` "ads" (sync columns), "user" or "pin" (metric types)."""

    stream: str
    kind: str
    id_field: str | None = None
    targeting: bool = False


ANALYTICS_STREAMS: Final[tuple[AnalyticsSchemaSpec, ...]] = (
    AnalyticsSchemaSpec("ad_account_analytics", "ads", "ad_account_id"),
    AnalyticsSchemaSpec("campaign_analytics", "ads", "campaign_id"),
    AnalyticsSchemaSpec("ad_group_analytics", "ads", "ad_group_id"),
    AnalyticsSchemaSpec("ad_analytics", "ads", "ad_id"),
    AnalyticsSchemaSpec("product_group_analytics", "ads", "product_group_id"),
    AnalyticsSchemaSpec("ad_account_targeting_analytics", "ads", "ad_account_id", targeting=True),
    AnalyticsSchemaSpec("campaign_targeting_analytics", "ads", "campaign_id", targeting=True),
    AnalyticsSchemaSpec("ad_group_targeting_analytics", "ads", "ad_group_id", targeting=True),
    AnalyticsSchemaSpec("ad_targeting_analytics", "ads", "ad_id", targeting=True),
    AnalyticsSchemaSpec("user_account_analytics", "user"),
    AnalyticsSchemaSpec("pin_analytics", "pin", "pin_id"),
)
_STRING_COLUMN_SUFFIXES: Final = ("_ID", "_NAME", "_STATUS", "_TYPE", "_LABEL", "_TAG", "_OPTIMIZATION")
#: settings columns whose type the spec does not give: kept permissive
_LOOSE_COLUMNS: Final = frozenset({"IS_PREMIERE_CAMPAIGN", "CAMPAIGN_BUDGET_OPTIMIZATION"})


def _nullable(*types: str, **extra: Any) -> JsonSchema:
    return {"type": ["null", *types], **extra}


def _column_schema(column: str) -> JsonSchema:
    if column in _LOOSE_COLUMNS:
        return _nullable("boolean", "string")
    if column.endswith(_STRING_COLUMN_SUFFIXES):
        return _nullable("string")
    return _nullable("number")


def _operation_parameter(spec: Mapping[str, Any], operation_id: str, name: str) -> Mapping[str, Any]:
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, Mapping) and operation.get("operationId") == operation_id:
                for parameter in operation.get("parameters", ()):
                    if "$ref" in parameter:
                        parameter = spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
                    if parameter["name"] == name:
                        return parameter  # type: ignore[no-any-return]
    raise ValueError(f"{operation_id} has no parameter {name!r}")


def _enum_values(schema: Mapping[str, Any]) -> list[str]:
    items = schema["items"]
    variants = items.get("oneOf") or [items]
    return list(dict.fromkeys(value for variant in variants for value in variant["enum"]))


def analytics_schema(spec: Mapping[str, Any], entry: AnalyticsSchemaSpec) -> JsonSchema:
    """Metric columns as nullable numbers (ids, names and statuses as strings), ``DATE``/``date`` as dates,
    plus the id, account and attribution fields the connector writes into each row."""
    properties: dict[str, JsonSchema] = {"date": _nullable("string", format="date")}
    if entry.kind == "ads":
        columns = _enum_values(spec["components"]["parameters"]["query_columns"]["schema"])
        properties.update({column: _column_schema(column) for column in columns})
        properties["DATE"] = _nullable("string", format="date")
        properties["ad_account_id"] = _nullable("string")
        properties.update(
            click_window_days=_nullable("integer"),
            engagement_window_days=_nullable("integer"),
            view_window_days=_nullable("integer"),
            conversion_report_time=_nullable("string"),
        )
        if entry.targeting:
            properties.update(targeting_type=_nullable("string"), targeting_value=_nullable("string"))
    else:
        operation = "user_account/analytics" if entry.kind == "user" else "multi_pins/analytics"
        metrics = _enum_values(_operation_parameter(spec, operation, "metric_types")["schema"])
        properties.update({metric: _nullable("number") for metric in metrics})
        properties["data_status"] = _nullable("string")
    if entry.id_field:
        properties[entry.id_field] = _nullable("string")
    return {
        "$schema": DRAFT_07,
        "type": "object",
        "additionalProperties": True,
        "properties": properties,
    }


# -- async report streams ------------------------------------------------------------------------
# Report rows are the requested async columns (``ReportingColumnAsync``) plus the fields the connector adds. The
# standard ``<level>_report`` streams request each level's default columns; their schemas come from the connector's
# own table (source_pinterest_marketing/streams/reports.py), which custom reports also use at run time.


def report_schemas() -> dict[str, JsonSchema]:
    """``<level>_report.json`` for every standard report stream."""
    from source_pinterest_marketing.streams.reports import REPORTS, report_schema

    return {f"{spec.stream_name}.json": report_schema(spec) for spec in REPORTS}


def render(schema: JsonSchema) -> str:
    """The file text: sorted keys, 2-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def generate(spec_path: Path) -> dict[str, str]:
    """The text of every generated file, by path relative to the schemas directory."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    return {path: render(schema) for path, schema in sorted(SchemaGenerator(spec).files().items())}


def stale_files(expected: Mapping[str, str], schemas_dir: Path) -> list[str]:
    """Generated files that are missing from ``schemas_dir`` or differ from what is on disk."""
    return [
        path
        for path, text in expected.items()
        if not (schemas_dir / path).is_file() or (schemas_dir / path).read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=f"OpenAPI JSON (default: {DEFAULT_SPEC})")
    parser.add_argument("--schemas-dir", type=Path, default=SCHEMAS_DIR, help=f"output (default: {SCHEMAS_DIR})")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if any file is stale")
    args = parser.parse_args(argv)
    if not args.spec.is_file():
        parser.error(f"spec not found: {args.spec}")

    expected = generate(args.spec)
    stale = stale_files(expected, args.schemas_dir)
    if args.check:
        if stale:
            sys.stderr.write(
                f"{len(stale)} schema file(s) out of date: {', '.join(stale)}\n"
                "Run: python scripts/generate_schemas.py\n"
            )
            return 1
        sys.stdout.write(f"{len(expected)} schema files are up to date\n")
        return 0
    for path in stale:
        target = args.schemas_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(expected[path], encoding="utf-8")
    sys.stdout.write(f"wrote {len(stale)} of {len(expected)} schema files to {args.schemas_dir}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
