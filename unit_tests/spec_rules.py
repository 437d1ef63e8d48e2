"""The rules Airbyte's Connector Acceptance Tests (`test_strictness_level: high`) and its UI form renderer apply to a
connector's spec and discovered catalog, reimplemented from what each rule is for (not copied): every rule is a
function that returns the problems it finds, empty when the rule holds. test_spec_rules.py runs each on the real
spec and catalog, and on a small fragment that breaks it.

Spec rules take the `connectionSpecification` (and, for OAuth, the spec's `advanced_auth`); catalog rules take the
discovered streams as plain dicts (the protocol's serialised `AirbyteStream`s)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError

Schema = Mapping[str, Any]
Path = tuple[str | int, ...]
Problems = list[str]

#: property names that hold a secret when they can hold a value (the acceptance tests' list of secret-like names)
SECRET_NAMES = frozenset(
    {
        "access_token",
        "api_token",
        "appid",
        "app_id",
        "certificate",
        "client_secret",
        "client_token",
        "credentials",
        "jwt",
        "key",
        "password",
        "refresh_token",
        "secret",
        "service_account",
        "service_account_info",
        "tenant_id",
        "token",
    }
)
#: keywords the Airbyte UI cannot render in a spec
FORBIDDEN_SPEC_KEYWORDS = (
    "not",
    "anyOf",
    "allOf",
    "patternProperties",
    "prefixItems",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "dependentRequired",
)
#: keywords a stream schema must not use (destinations cannot type them)
FORBIDDEN_STREAM_KEYWORDS = ("allOf", "not")
#: the formats destinations understand, on strings only
STREAM_FORMATS = frozenset({"date", "date-time"})
#: the `airbyte_type`s destinations understand, with the JSON types each goes with
AIRBYTE_TYPES: Mapping[str, frozenset[str]] = {
    "timestamp_with_timezone": frozenset({"string"}),
    "timestamp_without_timezone": frozenset({"string"}),
    "integer": frozenset({"integer", "number"}),
}
DISPLAY_TYPES = frozenset({"dropdown", "radio"})


# -- walking a schema ------------------------------------------------------------------------------
def subschemas(schema: Any, path: Path = ()) -> Iterator[tuple[Path, Schema]]:
    """Every schema node of `schema` with its path, following keywords only (a property called `enum` or `format`
    is a name, not a keyword)."""
    if not isinstance(schema, Mapping):
        return
    yield path, schema
    for keyword in ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas"):
        children = schema.get(keyword)
        if isinstance(children, Mapping):
            for name, child in children.items():
                yield from subschemas(child, (*path, keyword, name))
    for keyword in ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames"):
        child = schema.get(keyword)
        if isinstance(child, Mapping):
            yield from subschemas(child, (*path, keyword))
    for keyword in ("oneOf", "anyOf", "allOf", "prefixItems", "items"):
        children = schema.get(keyword)
        if isinstance(children, list):
            for index, child in enumerate(children):
                yield from subschemas(child, (*path, keyword, index))


def where(path: Path) -> str:
    return "/" + "/".join(str(part) for part in path)


def types_of(schema: Schema) -> set[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    return {str(item) for item in kind} if isinstance(kind, list) else set()


def _json_equal(left: Any, right: Any) -> bool:
    """Equal as JSON values (True is not 1)."""
    return type(left) is type(right) and left == right


# -- spec rules ---------------------------------------------------------------------------------------
def spec_is_draft7(spec: Schema) -> Problems:
    """The spec is a valid draft-07 JSON schema."""
    try:
        Draft7Validator.check_schema(dict(spec))
    except SchemaError as error:
        return [f"not a valid draft-07 schema: {error.message}"]
    return []


def enums_unique(spec: Schema) -> Problems:
    """An `enum` lists each value once."""
    problems = []
    for path, node in subschemas(spec):
        values = node.get("enum")
        if isinstance(values, list):
            seen: list[Any] = []
            for value in values:
                if any(_json_equal(value, other) for other in seen):
                    problems.append(f"{where(path)}: enum lists {value!r} twice")
                seen.append(value)
    return problems


def one_of_usage(spec: Schema) -> Problems:
    """A `oneOf` (or `anyOf`) sits on a `type: object` field, its options are objects with properties, and exactly
    one property present in every option has a `const` in each: the discriminator, distinct per option, required
    in each (so a UI can always tell the options apart), its `default`/`enum` (if any) equal to the const."""
    problems = []
    for path, node in subschemas(spec):
        for keyword in ("oneOf", "anyOf"):
            options = node.get(keyword)
            if not isinstance(options, list):
                continue
            at = where((*path, keyword))
            if node.get("type") != "object":
                problems.append(f"{at}: the field holding the options must have `type: object`")
            if not options or not all(isinstance(option, Mapping) and option.get("properties") for option in options):
                problems.append(f"{at}: every option must be an object with properties")
                continue
            shared = set.intersection(*(set(option["properties"]) for option in options))
            discriminators = sorted(
                name for name in shared if all("const" in option["properties"][name] for option in options)
            )
            if len(discriminators) != 1:
                problems.append(f"{at}: needs exactly one property with a `const` in every option, has {discriminators}")
                continue
            [name] = discriminators
            consts = [option["properties"][name]["const"] for option in options]
            if len({repr(value) for value in consts}) != len(consts):
                problems.append(f"{at}: the options' `{name}` consts are not distinct: {consts}")
            for index, option in enumerate(options):
                field = option["properties"][name]
                if "default" in field and not _json_equal(field["default"], field["const"]):
                    problems.append(f"{at}/{index}: `{name}` default differs from its const")
                if "enum" in field and field["enum"] != [field["const"]]:
                    problems.append(f"{at}/{index}: `{name}` enum is not just its const")
                if name not in option.get("required", []):
                    problems.append(f"{at}/{index}: the discriminator `{name}` is not required")
    return problems


def _can_hold_secret(schema: Schema) -> bool:
    return bool(types_of(schema) & {"string", "integer", "number"}) and not schema.get("const")


def secrets_marked(spec: Schema) -> Problems:
    """A property with a secret-like name that can hold a value is `airbyte_secret`; `airbyte_secret` is only on
    properties that can hold a value (an object, an array, a boolean or a const cannot be masked)."""
    problems = []
    for path, node in subschemas(spec):
        name = path[-1] if len(path) >= 2 and path[-2] == "properties" else None
        marked = node.get("airbyte_secret") is True
        if marked and not _can_hold_secret(node):
            problems.append(f"{where(path)}: marked airbyte_secret but cannot hold a secret value")
        if isinstance(name, str) and name.lower() in SECRET_NAMES and _can_hold_secret(node) and not marked:
            problems.append(f"{where(path)}: `{name}` holds a secret but is not marked airbyte_secret")
    return problems


def single_type(spec: Schema) -> Problems:
    """A property has one type, or one type and "null" (the UI renders one input per field)."""
    problems = []
    for path, node in subschemas(spec):
        kind = node.get("type")
        if isinstance(kind, list) and not (len(kind) == 1 or (len(kind) == 2 and kind[1] == "null")):
            problems.append(f"{where(path)}: type {kind} is neither one type nor one type and null")
    return problems


def objects_not_empty(spec: Schema) -> Problems:
    """An object field (other than the root) declares properties, or options: the UI has nothing to show otherwise."""
    return [
        f"{where(path)}: an object without properties cannot be rendered"
        for path, node in subschemas(spec)
        if path and node.get("type") == "object" and "oneOf" not in node and not node.get("properties")
    ]


def arrays_of_one_type(spec: Schema) -> Problems:
    """An array's `items` is one schema: an object, a string, a number, an integer, or an enum."""
    problems = []
    for path, node in subschemas(spec):
        if node.get("type") != "array" or "items" not in node:
            continue
        items = node["items"]
        if not isinstance(items, Mapping):
            problems.append(f"{where(path)}: items must be a single schema, not {items!r}")
        elif items.get("type") not in ("object", "string", "number", "integer") and "enum" not in items:
            problems.append(f"{where(path)}: items must be objects, strings, numbers or an enum")
    return problems


def no_forbidden_keywords(spec: Schema, forbidden: Sequence[str] = FORBIDDEN_SPEC_KEYWORDS) -> Problems:
    """None of the keywords the UI cannot render (`anyOf`, `allOf`, `not`, `if`, `patternProperties`, ...)."""
    return [
        f"{where(path)}: uses `{keyword}`"
        for path, node in subschemas(spec)
        for keyword in forbidden
        if keyword in node
    ]


def unique_order(spec: Schema) -> Problems:
    """Within an object, no two properties of the same `group` share an `order` (the UI's position)."""
    problems = []
    for path, node in subschemas(spec):
        properties = node.get("properties")
        if node.get("type") != "object" or not isinstance(properties, Mapping):
            continue
        used: dict[tuple[str, Any], str] = {}
        for name, field in properties.items():
            if isinstance(field, Mapping) and "order" in field:
                key = (str(field.get("group", "")), field["order"])
                if key in used:
                    problems.append(f"{where(path)}: `{name}` and `{used[key]}` share order {field['order']}")
                used.setdefault(key, name)
    return problems


def groups_top_level(spec: Schema) -> Problems:
    """`group` is set on top-level properties only."""
    return [
        f"{where(path)}: `group` below the top level"
        for path, node in subschemas(spec)
        if "group" in node and not (len(path) == 2 and path[0] == "properties")
    ]


def display_types(spec: Schema) -> Problems:
    """`display_type` is only on a field with options, and is `dropdown` or `radio`."""
    problems = []
    for path, node in subschemas(spec):
        if "display_type" in node:
            if "oneOf" not in node:
                problems.append(f"{where(path)}: display_type on a field without oneOf")
            if node["display_type"] not in DISPLAY_TYPES:
                problems.append(f"{where(path)}: display_type {node['display_type']!r} is not dropdown or radio")
    return problems


def _all_values(node: Any, key: str, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every value stored under `key` anywhere in a JSON document (keyword or not)."""
    if isinstance(node, Mapping):
        for name, value in node.items():
            if name == key:
                yield path, value
            yield from _all_values(value, key, (*path, name))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _all_values(value, key, (*path, index))


def no_refs(document: Any) -> Problems:
    """No `$ref` is left unresolved."""
    return [f"{where(path)}: unresolved $ref {value!r}" for path, value in _all_values(document, "$ref")]


def additional_properties_true(document: Any) -> Problems:
    """`additionalProperties` is absent or true: a key removed later must not invalidate saved configs or records."""
    return [
        f"{where(path)}: additionalProperties is {value!r}"
        for path, value in _all_values(document, "additionalProperties")
        if value is not True
    ]


def _config_paths(spec: Schema) -> set[tuple[str, ...]]:
    """Every config path the spec declares (through options and arrays' items)."""
    found: set[tuple[str, ...]] = set()

    def visit(node: Schema, prefix: tuple[str, ...]) -> None:
        for option in node.get("oneOf", []):
            visit(option, prefix)
        items = node.get("items")
        if isinstance(items, Mapping):
            visit(items, prefix)
        for name, child in node.get("properties", {}).items():
            found.add((*prefix, name))
            if isinstance(child, Mapping):
                visit(child, (*prefix, name))

    visit(spec, ())
    return found


def advanced_auth_paths(spec: Schema, advanced_auth: Mapping[str, Any] | None) -> Problems:
    """The OAuth flow's paths exist in the spec: the predicate key (whose value is the const of the first option,
    OAuth being the default method) and every `path_in_connector_config` the flow reads or writes."""
    if not advanced_auth:
        return []
    paths = _config_paths(spec)
    problems = []
    predicate = tuple(advanced_auth.get("predicate_key") or ())
    if predicate:
        if predicate not in paths:
            problems.append(f"predicate_key {list(predicate)} is not a field of the spec")
        else:
            holder: Any = spec
            for name in predicate[:-1]:
                holder = holder["properties"][name]
            options = holder.get("oneOf") or [holder]
            first = options[0].get("properties", {}).get(predicate[-1], {})
            if first.get("const") != advanced_auth.get("predicate_value"):
                problems.append(
                    f"the first option's {predicate[-1]} is {first.get('const')!r}, not the OAuth predicate value "
                    f"{advanced_auth.get('predicate_value')!r}"
                )
    specification = advanced_auth.get("oauth_config_specification") or {}
    for part in (
        "oauth_user_input_from_connector_config_specification",
        "complete_oauth_output_specification",
        "complete_oauth_server_output_specification",
    ):
        for name, field in ((specification.get(part) or {}).get("properties") or {}).items():
            target = tuple(field.get("path_in_connector_config") or ())
            if target and target not in paths:
                problems.append(f"{part}.{name}: path_in_connector_config {list(target)} is not a field of the spec")
    return problems


def defaults_valid(spec: Schema) -> Problems:
    """Every `default` and every example is valid against its own field's schema (formats included)."""
    problems = []
    for path, node in subschemas(spec):
        validator = Draft7Validator(dict(node), format_checker=Draft7Validator.FORMAT_CHECKER)
        values = [("default", node["default"])] if "default" in node else []
        values += [("example", example) for example in node.get("examples", [])]
        for kind, value in values:
            for error in validator.iter_errors(value):
                problems.append(f"{where(path)}: {kind} {value!r} is invalid: {error.message}")
    return problems


def formats_on_strings(document: Schema, allowed: frozenset[str] | None = None) -> Problems:
    """`format` only on string fields (and, where `allowed` is given, only those formats)."""
    problems = []
    for path, node in subschemas(document):
        value = node.get("format")
        if not isinstance(value, str):
            continue
        if "string" not in types_of(node):
            problems.append(f"{where(path)}: format {value!r} on a non-string ({node.get('type')!r})")
        elif allowed is not None and value not in allowed:
            problems.append(f"{where(path)}: format {value!r} is not one of {sorted(allowed)}")
    return problems


def dates_described(spec: Schema) -> Problems:
    """A date field (`format: date` or `date-time`) has the `pattern` the UI checks and a `pattern_descriptor` that
    shows the user the forms it accepts."""
    return [
        f"{where(path)}: a {node['format']} field needs a pattern and a pattern_descriptor"
        for path, node in subschemas(spec)
        if node.get("format") in ("date", "date-time") and not (node.get("pattern") and node.get("pattern_descriptor"))
    ]


#: the spec rules that take only the connection specification
SPEC_RULES: dict[str, Callable[[Schema], Problems]] = {
    "spec_is_draft7": spec_is_draft7,
    "enums_unique": enums_unique,
    "one_of_usage": one_of_usage,
    "secrets_marked": secrets_marked,
    "single_type": single_type,
    "objects_not_empty": objects_not_empty,
    "arrays_of_one_type": arrays_of_one_type,
    "no_forbidden_keywords": no_forbidden_keywords,
    "unique_order": unique_order,
    "groups_top_level": groups_top_level,
    "display_types": display_types,
    "no_refs": no_refs,
    "additional_properties_true": additional_properties_true,
    "defaults_valid": defaults_valid,
    "formats_on_strings": formats_on_strings,
    "dates_described": dates_described,
}


# -- catalog rules ------------------------------------------------------------------------------------
def _field(schema: Schema, path: Sequence[str]) -> Schema | None:
    """The schema of a (nested) field, or None where the schema does not declare it."""
    node: Any = schema
    for name in path:
        properties = node.get("properties") if isinstance(node, Mapping) else None
        if not isinstance(properties, Mapping) or name not in properties:
            return None
        node = properties[name]
    return node if isinstance(node, Mapping) else None


def streams_unique(streams: Sequence[Mapping[str, Any]]) -> Problems:
    """The catalog has streams, each name once."""
    names = [stream["name"] for stream in streams]
    problems = [] if names else ["the catalog has no stream"]
    return problems + [f"stream {name!r} is listed more than once" for name in sorted(set(names)) if names.count(name) > 1]


def schemas_draft7(streams: Sequence[Mapping[str, Any]]) -> Problems:
    """Every stream's schema is a valid draft-07 JSON schema, an object with properties."""
    problems = []
    for stream in streams:
        schema = stream["json_schema"]
        try:
            Draft7Validator.check_schema(schema)
        except SchemaError as error:
            problems.append(f"{stream['name']}: not a valid draft-07 schema: {error.message}")
        if "object" not in types_of(schema) or not isinstance(schema.get("properties"), Mapping):
            problems.append(f"{stream['name']}: the top level must be an object with properties")
    return problems


def primary_keys_present(streams: Sequence[Mapping[str, Any]]) -> Problems:
    """Every part of a stream's primary key is a field of its schema, and not an object or an array."""
    problems = []
    for stream in streams:
        for key in stream.get("source_defined_primary_key") or []:
            field = _field(stream["json_schema"], key)
            if field is None:
                problems.append(f"{stream['name']}: primary key {key} is not in the schema")
            elif types_of(field) & {"object", "array"}:
                problems.append(f"{stream['name']}: primary key {key} is an {sorted(types_of(field))}")
    return problems


def cursors_present(streams: Sequence[Mapping[str, Any]]) -> Problems:
    """A stream's default cursor is a field of its schema; an incremental stream defines its cursor."""
    problems = []
    for stream in streams:
        cursor = stream.get("default_cursor_field") or []
        if cursor and _field(stream["json_schema"], cursor) is None:
            problems.append(f"{stream['name']}: cursor {cursor} is not in the schema")
        if "incremental" in (stream.get("supported_sync_modes") or []) and not (
            cursor and stream.get("source_defined_cursor")
        ):
            problems.append(f"{stream['name']}: incremental without a source-defined cursor")
    return problems


def sync_modes_declared(streams: Sequence[Mapping[str, Any]]) -> Problems:
    """Every stream declares its supported sync modes."""
    return [f"{stream['name']}: no supported sync modes" for stream in streams if not stream.get("supported_sync_modes")]


def stream_schemas(rule: Callable[[Any], Problems]) -> Callable[[Sequence[Mapping[str, Any]]], Problems]:
    """A schema rule applied to every stream's schema, its problems named after the stream."""

    def check(streams: Sequence[Mapping[str, Any]]) -> Problems:
        return [f"{stream['name']}: {problem}" for stream in streams for problem in rule(stream["json_schema"])]

    check.__doc__ = rule.__doc__
    return check


def _stream_keywords(schema: Schema) -> Problems:
    """No `allOf` or `not` in a stream schema."""
    return no_forbidden_keywords(schema, FORBIDDEN_STREAM_KEYWORDS)


def _stream_formats(schema: Schema) -> Problems:
    """`format` only on strings, and only `date` or `date-time`."""
    return formats_on_strings(schema, STREAM_FORMATS)


def _airbyte_types(schema: Schema) -> Problems:
    """An `airbyte_type` is one destinations know, on a JSON type it goes with."""
    problems = []
    for path, node in subschemas(schema):
        value = node.get("airbyte_type")
        if value is None:
            continue
        allowed = AIRBYTE_TYPES.get(str(value))
        if allowed is None:
            problems.append(f"{where(path)}: unknown airbyte_type {value!r}")
        elif not (types_of(node) - {"null"}) <= allowed or not types_of(node) - {"null"}:
            problems.append(f"{where(path)}: airbyte_type {value!r} on type {node.get('type')!r}")
    return problems


CATALOG_RULES: dict[str, Callable[[Sequence[Mapping[str, Any]]], Problems]] = {
    "streams_unique": streams_unique,
    "schemas_draft7": schemas_draft7,
    "primary_keys_present": primary_keys_present,
    "cursors_present": cursors_present,
    "sync_modes_declared": sync_modes_declared,
    "stream_refs_resolved": stream_schemas(no_refs),
    "stream_keywords": stream_schemas(_stream_keywords),
    "stream_additional_properties_true": stream_schemas(additional_properties_true),
    "stream_formats": stream_schemas(_stream_formats),
    "stream_airbyte_types": stream_schemas(_airbyte_types),
}
