"""The Pinterest OpenAPI description: loading, routing and request validation.

Everything here is derived from ``data/openapi.json`` (the official spec, MIT). Validators are
compiled once per operation when the spec is loaded, so validating a request is a few dict
lookups and comparisons.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
SPEC_PATH = DATA_DIR / "openapi.json"
API_PREFIX = "/v5"
HTTP_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")
OAUTH_SCHEMES = frozenset({"pinterest_oauth2", "client_credentials"})


class ApiError(Exception):
    """An error answered as ``{"code": code, "message": message}`` with an HTTP status."""

    def __init__(self, status: int, code: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON error body."""
        return {"code": self.code, "message": self.message}


def bad_request(message: str) -> ApiError:
    """HTTP 400 with Pinterest's generic invalid-parameter code 1."""
    return ApiError(400, 1, message)


def refused(message: str) -> ApiError:
    """HTTP 400 with code 400: what the analytics endpoints answer for a well-formed request they refuse
    (dates out of range, a missing filter)."""
    return ApiError(400, 400, message)


Parser = Callable[[list[str]], Any]


@dataclass(frozen=True)
class Parameter:
    """A compiled path or query parameter: ``parse`` turns raw strings into a typed, checked value."""

    name: str
    location: str
    required: bool
    default: Any
    has_default: bool
    parse: Parser


@dataclass(frozen=True)
class Operation:
    """One operation of the spec with its precompiled validators."""

    operation_id: str
    method: str
    path: str
    query: Mapping[str, Parameter]
    path_params: Mapping[str, Parameter]
    scope_alternatives: tuple[frozenset[str], ...]
    schemes: frozenset[str]
    raw: Mapping[str, Any] = field(repr=False)

    @property
    def auth(self) -> str:
        """``basic``, ``bearer`` or ``none``."""
        if not self.schemes:
            return "none"
        if self.schemes == {"basic"}:
            return "basic"
        return "bearer"

    def validate(
        self, path_values: Mapping[str, str], query: Mapping[str, list[str]], strict: bool = True
    ) -> dict[str, Any]:
        """Check path and query values against the spec; return typed values with defaults applied."""
        out: dict[str, Any] = {}
        for name, param in self.path_params.items():
            out[name] = param.parse([path_values[name]])
        for name, values in query.items():
            known = self.query.get(name)
            if known is None:
                if strict:
                    raise bad_request(f"Unexpected parameter '{name}'.")
                continue
            out[name] = known.parse(values)
        for name, param in self.query.items():
            if name in out:
                continue
            if param.required:
                raise bad_request(f"Missing required parameter '{name}'.")
            if param.has_default:
                out[name] = copy.copy(param.default)
        return out


@dataclass
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    params: list[tuple[str, _Node]] = field(default_factory=list)
    operations: dict[str, Operation] = field(default_factory=dict)
    template: str | None = None


class Spec:
    """The loaded spec: ``match()`` routes a request, ``schema()`` gives resolved component schemas."""

    def __init__(self, path: Path = SPEC_PATH) -> None:
        self.path = path
        with path.open(encoding="utf-8") as f:
            self.doc: dict[str, Any] = json.load(f)
        self.version: str = self.doc["info"]["version"]
        self.operations: dict[str, Operation] = {}
        self._root = _Node()
        for template, item in self.doc["paths"].items():
            shared = item.get("parameters", [])
            for method in HTTP_METHODS:
                raw = item.get(method)
                if raw is None:
                    continue
                op = self._compile(template, method.upper(), shared + raw.get("parameters", []), raw)
                self.operations[op.operation_id] = op
                self._insert(template, op)

    # -- $ref handling -------------------------------------------------------------------
    def deref(self, node: Any) -> Any:
        """Follow ``$ref`` chains of one node (not recursive)."""
        while isinstance(node, dict) and "$ref" in node:
            node = self.pointer(node["$ref"])
        return node

    def pointer(self, ref: str) -> Any:
        """Resolve a local JSON pointer such as ``#/components/schemas/Pin``."""
        node: Any = self.doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def flat_schema(self, schema: Any) -> dict[str, Any]:
        """Deref a schema and merge ``allOf`` members into one dict (one level deep)."""
        schema = self.deref(schema)
        if not isinstance(schema, dict):
            return {}
        if "allOf" not in schema:
            return schema
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        props: dict[str, Any] = dict(merged.get("properties", {}))
        required: list[str] = list(merged.get("required", []))
        for part in schema["allOf"]:
            flat = self.flat_schema(part)
            for key, value in flat.items():
                if key == "properties":
                    for pname, pschema in value.items():
                        props.setdefault(pname, pschema)
                elif key == "required":
                    required.extend(r for r in value if r not in required)
                else:
                    merged.setdefault(key, value)
        if props:
            merged["properties"] = props
        if required:
            merged["required"] = required
        return merged

    def schema(self, name: str) -> dict[str, Any]:
        """A component schema by name, flattened one level."""
        return self.flat_schema(self.doc["components"]["schemas"][name])

    # -- routing -------------------------------------------------------------------------
    def _insert(self, template: str, op: Operation) -> None:
        node = self._root
        for seg in _segments(template):
            if seg.startswith("{") and seg.endswith("}"):
                name = seg[1:-1]
                child = next((n for p, n in node.params if p == name), None)
                if child is None:
                    child = _Node()
                    node.params.append((name, child))
                node = child
            else:
                node = node.literals.setdefault(seg, _Node())
        node.template = template
        node.operations[op.method] = op

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """Route ``path`` (relative to ``/v5``); raise 404/405 ``ApiError`` when the spec has no such operation."""
        found = _walk(self._root, _segments(path), {})
        if found is None:
            raise ApiError(404, 404, f"Path '{API_PREFIX}{path}' is not part of the Pinterest API v5.")
        node, values = found
        op = node.operations.get(method.upper())
        if op is None:
            raise ApiError(405, 5, "Method not allowed")
        return op, values

    # -- compilation ---------------------------------------------------------------------
    def _compile(self, template: str, method: str, params: Iterable[Any], raw: dict[str, Any]) -> Operation:
        query: dict[str, Parameter] = {}
        path_params: dict[str, Parameter] = {}
        for p in params:
            p = self.deref(p)
            compiled = self._compile_param(p)
            if p["in"] == "query":
                query[p["name"]] = compiled
            elif p["in"] == "path":
                path_params[p["name"]] = compiled
        alternatives: list[frozenset[str]] = []
        schemes: set[str] = set()
        for requirement in raw.get("security", []):
            schemes.update(requirement)
            scopes = {s for scheme, ss in requirement.items() if scheme in OAUTH_SCHEMES for s in ss}
            if any(scheme in OAUTH_SCHEMES for scheme in requirement):
                alternatives.append(frozenset(scopes))
        return Operation(
            operation_id=raw["operationId"],
            method=method,
            path=template,
            query=query,
            path_params=path_params,
            scope_alternatives=tuple(alternatives),
            schemes=frozenset(schemes),
            raw=raw,
        )

    def _compile_param(self, p: dict[str, Any]) -> Parameter:
        name = p["name"]
        schema = self.flat_schema(p.get("schema", {"type": "string"}))
        has_default = "default" in schema
        return Parameter(
            name=name,
            location=p["in"],
            required=bool(p.get("required", False)),
            default=schema.get("default"),
            has_default=has_default,
            parse=self._parser(name, schema),
        )

    def _parser(self, name: str, schema: dict[str, Any]) -> Parser:
        if schema.get("type") == "array":
            item = self._scalar(name, self.flat_schema(schema.get("items", {})))
            min_items = schema.get("minItems")
            max_items = schema.get("maxItems")

            def parse_array(values: list[str]) -> list[Any]:
                parts = [part for v in values for part in v.split(",")]
                if max_items is not None and len(parts) > max_items:
                    raise bad_request(
                        f"Parameter '{name}' has {len(parts)} items, more than the maximum of {max_items}."
                    )
                if min_items is not None and len(parts) < min_items:
                    raise bad_request(f"Parameter '{name}' needs at least {min_items} item(s).")
                return [item(part) for part in parts]

            return parse_array
        scalar = self._scalar(name, schema)

        def parse_scalar(values: list[str]) -> Any:
            if len(values) != 1:
                raise bad_request(f"Parameter '{name}' was given {len(values)} times; it takes one value.")
            return scalar(values[0])

        return parse_scalar

    def _scalar(self, name: str, schema: dict[str, Any]) -> Callable[[str], Any]:
        schema = self._union_of_enums(schema)
        kind = schema.get("type", "string")
        enum = schema.get("enum")
        allowed = frozenset(str(v) for v in enum if v is not None) if enum else None
        pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
        max_len, min_len = schema.get("maxLength"), schema.get("minLength")
        minimum, maximum = schema.get("minimum"), schema.get("maximum")
        fmt = schema.get("format")

        def check_range(value: float, raw: str) -> None:
            if minimum is not None and value < minimum:
                raise bad_request(f"Parameter '{name}' must be at least {minimum} (was {raw}).")
            if maximum is not None and value > maximum:
                raise bad_request(f"Parameter '{name}' must be at most {maximum} (was {raw}).")

        def parse(raw: str) -> Any:
            if allowed is not None and raw not in allowed:
                raise bad_request(
                    f"Parameter '{name}' has an invalid value '{raw}'; expected one of: {', '.join(sorted(allowed))}."
                )
            if kind == "integer":
                try:
                    value: Any = int(raw)
                except ValueError:
                    raise bad_request(f"Parameter '{name}' was not numeric (was {raw})") from None
                check_range(value, raw)
                return value
            if kind == "number":
                try:
                    value = float(raw)
                except ValueError:
                    raise bad_request(f"Parameter '{name}' was not numeric (was {raw})") from None
                check_range(value, raw)
                return value
            if kind == "boolean":
                low = raw.lower()
                if low not in ("true", "false"):
                    raise bad_request(f"Parameter '{name}' must be true or false (was {raw}).")
                return low == "true"
            if pattern is not None and not pattern.search(raw):
                raise bad_request(f"'{name}' value '{raw}' must match the pattern: {pattern.pattern}")
            if max_len is not None and len(raw) > max_len:
                raise bad_request(f"Parameter '{name}' is longer than {max_len} characters.")
            if min_len is not None and len(raw) < min_len:
                raise bad_request(f"Parameter '{name}' is shorter than {min_len} characters.")
            if fmt == "date":
                try:
                    dt.date.fromisoformat(raw)
                except ValueError:
                    raise bad_request(f"Parameter '{name}' must be a date YYYY-MM-DD (was {raw}).") from None
            return raw

        return parse

    def _union_of_enums(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A ``oneOf``/``anyOf`` whose members are all string enums (``multi_pins/analytics``' ``metric_types``
        items: the standard and the video variants) as one enum of their union: each value is checked here; rules
        across values (one variant per request) are the handler's."""
        for key in ("oneOf", "anyOf"):
            members = [self.flat_schema(member) for member in schema.get(key, ())]
            if members and all(m.get("enum") and m.get("type", "string") == "string" for m in members):
                union = list(dict.fromkeys(value for m in members for value in m["enum"]))
                return {**{k: v for k, v in schema.items() if k != key}, "type": "string", "enum": union}
        return schema

    # -- JSON Schema for response validation (tests) -----------------------------------------
    def component_validator(self, name: str) -> Any:
        """A ``jsonschema`` validator for a component schema, with OpenAPI ``nullable`` translated."""
        import jsonschema
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        doc = _json_schema_doc(str(self.path))
        registry = Registry().with_resource(
            "urn:pinterest-openapi", Resource.from_contents(doc, default_specification=DRAFT4)
        )
        schema = {"$ref": f"urn:pinterest-openapi#/components/schemas/{name}"}
        return jsonschema.Draft4Validator(
            schema, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
        )

    def response_validator(self, operation_id: str, status: str = "200") -> Any:
        """A ``jsonschema`` validator for an operation's JSON response schema (inline or a component), its
        ``$ref``s resolved in the spec's components, OpenAPI ``nullable`` translated."""
        import jsonschema
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        response = self.deref(self.operations[operation_id].raw["responses"][status])
        schema = _rebased(_nullable(response["content"]["application/json"]["schema"]))
        doc = _json_schema_doc(str(self.path))
        registry = Registry().with_resource(
            "urn:pinterest-openapi", Resource.from_contents(doc, default_specification=DRAFT4)
        )
        return jsonschema.Draft4Validator(
            schema, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
        )


def _rebased(node: Any) -> Any:
    """Local ``#/components/...`` references of an inline schema pointed at the spec's components resource."""
    if isinstance(node, list):
        return [_rebased(v) for v in node]
    if not isinstance(node, dict):
        return node
    return {
        k: f"urn:pinterest-openapi{v}" if k == "$ref" and isinstance(v, str) and v.startswith("#/") else _rebased(v)
        for k, v in node.items()
    }


@cache
def _json_schema_doc(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    return {"components": {"schemas": _nullable(doc["components"]["schemas"])}}


def _nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k not in ("discriminator", "example", "examples")}
    if out.pop("nullable", False):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _walk(node: _Node, segs: list[str], values: dict[str, str]) -> tuple[_Node, dict[str, str]] | None:
    if not segs:
        return (node, values) if node.template is not None else None
    head, rest = segs[0], segs[1:]
    child = node.literals.get(head)
    if child is not None:
        found = _walk(child, rest, values)
        if found is not None:
            return found
    for name, pchild in node.params:
        found = _walk(pchild, rest, {**values, name: head})
        if found is not None:
            return found
    return None
