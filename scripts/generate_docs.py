#!/usr/bin/env python3
"""Generate the tables of the user documentation from the code, so the docs cannot drift from it.

    python scripts/generate_docs.py            # rewrite the generated regions of docs/pinterest-marketing.md
    python scripts/generate_docs.py --check    # CI (make lint): exit 1 if the file is out of date

Two regions of ``docs/pinterest-marketing.md`` are generated; everything outside them is hand-written:

* ``<!-- streams:start -->`` ... ``<!-- streams:end -->``: one row per declaration of the stream registry
  ``source_pinterest_marketing.streams.DECLARATIONS`` (a stream appears as soon as it is registered):
  stream name, endpoint linked to the operation's API reference page, primary key, sync modes, cursor and
  partition keys.
* ``<!-- sandbox:start -->`` ... ``<!-- sandbox:end -->``: the registered streams whose operation the API description
  marks ``x-sandbox: disabled`` (from the bundled OpenAPI file).
* ``<!-- config:start -->`` ... ``<!-- config:end -->``: every field of the connector spec
* in README.md, ``<!-- stream-summary:start -->`` ... ``<!-- stream-summary:end -->``: the number of streams and
  each family's streams
* in docs/columns.md, ``<!-- columns:start -->`` ... ``<!-- columns:end -->``: what every column means (the schemas'
  descriptions): the share described, the fields the connector writes, the analytics and report columns (from
  ``data/field_descriptions.csv`` and ``data/report_columns.csv``) and each entity stream's fields (its schema file)
  (``connector_spec_schema()``, built from ``PinterestConfig``), nested ones included
  (``credentials.*`` per authentication method, ``custom_reports[].*``), with type, default and description.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from airbyte_cdk.sources.utils.schema_helpers import ResourceSchemaLoader  # noqa: E402

from source_pinterest_marketing.config import connector_spec_schema  # noqa: E402
from source_pinterest_marketing.scopes import beyond_default, needed_scopes  # noqa: E402
from source_pinterest_marketing.streams import DECLARATIONS, FAMILIES  # noqa: E402
from source_pinterest_marketing.streams.columns import columns, field_descriptions  # noqa: E402
from source_pinterest_marketing.streams.declaration import Component, StreamDeclaration  # noqa: E402

DOC_PATH: Final = ROOT / "docs" / "pinterest-marketing.md"
README_PATH: Final = ROOT / "README.md"
COLUMNS_PATH: Final = ROOT / "docs" / "columns.md"
OPENAPI_PATH: Final = ROOT / "pinterest_simulator" / "data" / "openapi.json"
#: enums longer than this are summarised ("one of N values") instead of listed
MAX_LISTED_ENUM: Final = 8
DASH: Final = "\u2013"  # en dash: "nothing" in a table cell
TIMES: Final = " \u00d7 "  # multiplication sign between partition keys


# -- streams --------------------------------------------------------------------------------------
def stream_rows(declarations: Iterable[StreamDeclaration] = DECLARATIONS) -> list[list[str]]:
    rows = []
    for declaration in declarations:
        cursor = declaration.cursor
        keys = declaration.partitioner.keys
        rows.append(
            [
                f"`{declaration.name}`",
                f"[`{declaration.endpoint}`]({declaration.docs_url})",
                ", ".join(f"`{field}`" for field in declaration.primary_key) or DASH,
                "full_refresh, incremental" if cursor else "full_refresh",
                f"`{cursor}`" if cursor else DASH,
                TIMES.join(f"`{key}`" for key in keys) or DASH,
                _scopes(declaration.operation),
            ]
        )
    return rows


def _scopes(operation: str) -> str:
    """The scopes the stream's operation needs (every one of an alternative; alternatives joined by "or"), those beyond
    the connector's default ones in bold (scopes.py: not suggested by default)."""
    extra = beyond_default(operation)
    return " or ".join(
        ", ".join(f"**`{scope}`**" if scope in extra else f"`{scope}`" for scope in sorted(alternative))
        for alternative in needed_scopes(operation)
    ) or DASH


def streams_table(declarations: tuple[StreamDeclaration, ...] = DECLARATIONS) -> str:
    header = ["Stream", "Endpoint", "Primary key", "Sync modes", "Cursor", "Partition (state per)", "OAuth scopes"]
    count = f"{len(declarations)} streams, plus one `custom_<name>` stream per custom report."
    return _table(header, stream_rows(declarations)) + f"\n\n{count}\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


# -- config ---------------------------------------------------------------------------------------
def _ordered(properties: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    return sorted(properties.items(), key=lambda item: (item[1].get("order", 1_000), item[0]))


def _enum_text(values: list[Any]) -> str:
    if len(values) <= MAX_LISTED_ENUM:
        return ", ".join(f"`{value}`" for value in values)
    return f"one of {len(values)} API values"


def _type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type", "object")
    if "const" in schema:
        text = f"`{schema['const']}` (constant)"
    elif kind == "array":
        items = schema.get("items", {})
        inner = items.get("type", "object")
        text = f"list of {inner}"
        if "enum" in items:
            text += f" ({_enum_text(items['enum'])})"
    elif "enum" in schema:
        text = f"{kind}: {_enum_text(schema['enum'])}"
    elif schema.get("format") == "date":
        text = "date `YYYY-MM-DD`"
    elif "minimum" in schema or "maximum" in schema:
        text = f"{kind} ({schema.get('minimum', '')}{DASH}{schema.get('maximum', '')})"
    else:
        text = str(kind)
    if schema.get("airbyte_secret"):
        text += ", **secret**"
    if schema.get("airbyte_hidden"):
        text += ", hidden in the UI"
    return text


def _default(name: str, schema: Mapping[str, Any], required: bool) -> str:
    if "default" in schema:
        value = schema["default"]
        if isinstance(value, list):
            return ", ".join(f"`{item}`" for item in value) or "`[]`"
        return f"`{value}`"
    if required:
        return "required"
    if schema.get("type") == "array":
        return "`[]`"
    return DASH


def _description(schema: Mapping[str, Any]) -> str:
    text = str(schema.get("description") or schema.get("title") or "")
    return " ".join(text.split())


def config_rows(
    properties: Mapping[str, Any], required: Iterable[str] = (), prefix: str = ""
) -> list[list[str]]:
    rows: list[list[str]] = []
    needed = set(required)
    for name, schema in _ordered(properties):
        path = f"{prefix}{name}"
        if "oneOf" in schema:
            rows.append([f"`{path}`", "object, one of the options below", "required" if name in needed else DASH, _description(schema)])
            for option in schema["oneOf"]:
                title = option.get("title", "option")
                for row in config_rows(option.get("properties", {}), option.get("required", ()), f"{path}."):
                    row[3] = f"*{title}:* {row[3]}"
                    rows.append(row)
            continue
        items = schema.get("items", {}) if schema.get("type") == "array" else {}
        if items.get("type") == "object" or "properties" in items:
            rows.append([f"`{path}`", "list of objects", _default(name, schema, name in needed), _description(schema)])
            rows.extend(config_rows(items.get("properties", {}), items.get("required", ()), f"{path}[]."))
            continue
        rows.append([f"`{path}`", _type(schema), _default(name, schema, name in needed), _description(schema)])
    return rows


def config_table() -> str:
    spec = connector_spec_schema()
    rows = config_rows(spec["properties"], spec.get("required", ()))
    return _table(["Field", "Type", "Default", "Description"], [[_cell(cell) for cell in row] for row in rows]) + "\n"


# -- the document ---------------------------------------------------------------------------------
def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def replace_region(text: str, region: str, content: str) -> str:
    start, end = f"<!-- {region}:start -->", f"<!-- {region}:end -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"the markers {start} / {end} are missing")
    note = "<!-- generated by scripts/generate_docs.py from the code: edit the code, then run it -->\n"
    return pattern.sub(lambda _: f"{start}\n{note}\n{content}\n{end}", text, count=1)


# -- sandbox --------------------------------------------------------------------------------------
def sandbox_disabled(declarations: Iterable[StreamDeclaration] = DECLARATIONS) -> str:
    """The registered streams whose operation is `x-sandbox: disabled` in the API description."""
    spec = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    disabled = {
        operation["operationId"]
        for item in spec["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and operation.get("x-sandbox") == "disabled"
    }
    names = [f"`{declaration.name}`" for declaration in declarations if declaration.operation in disabled]
    return ", ".join(names) + " (and every custom report).\n"


def stream_summary(families: tuple[tuple[str, tuple[StreamDeclaration, ...]], ...] = FAMILIES) -> str:
    """The README's summary: how many streams, and each family's."""
    total = sum(len(family) for _, family in families)
    lines = [
        f"{total} streams (plus one `custom_<name>` per custom report) in {len(families)} families (the full table is in "
        "the [user guide](docs/pinterest-marketing.md#supported-streams)):",
        "",
        _table(
            ["Family", "Streams"],
            [[name, ", ".join(f"`{declaration.name}`" for declaration in family)] for name, family in families],
        ),
    ]
    return "\n".join(lines)


# -- columns --------------------------------------------------------------------------------------
def stream_schemas(declarations: Iterable[StreamDeclaration] = DECLARATIONS) -> dict[str, dict[str, Any]]:
    """Each registered stream's schema as discovered at the default configuration (its schema file, refs resolved)."""
    loader = ResourceSchemaLoader("source_pinterest_marketing")
    return {declaration.name: loader.get_schema(declaration.name) for declaration in declarations}


def schema_fields(schema: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, Mapping[str, Any]]]:
    """(path, schema) of every property, nested ones included (`a.b`, an array's item properties `a[].b`)."""
    for name, sub in (schema.get("properties") or {}).items():
        yield f"{prefix}{name}", sub
        yield from schema_fields(sub, f"{prefix}{name}.")
        items = sub.get("items")
        if isinstance(items, Mapping):
            yield from schema_fields(items, f"{prefix}{name}[].")


def _json_type(schema: Mapping[str, Any]) -> str:
    declared = schema.get("type", "any")
    kinds = [declared] if isinstance(declared, str) else [kind for kind in declared if kind != "null"]
    return "/".join(kinds) or "any"


def columns_page(declarations: tuple[StreamDeclaration, ...] = DECLARATIONS) -> str:
    schemas = stream_schemas(declarations)
    walked = [field for schema in schemas.values() for _, field in schema_fields(schema)]
    described = sum(bool(field.get("description")) for field in walked)
    lines = [
        f"At the default configuration the {len(schemas)} streams have {len(walked):,} properties (nested ones "
        f"included, counted once per stream), {described:,} of them described: **{100 * described / len(walked):.1f}%**.",
        "",
        "## Fields the connector writes",
        "",
        _table(
            ["Field", "Meaning"],
            [[f"`{name}`", _cell(text)] for name, text in field_descriptions().items() if not name.isupper()],
        ),
        "",
        "## Analytics and report columns",
        "",
        "The ads analytics streams carry every synchronous analytics column, the `<level>_report` streams every column "
        "of their level, a custom report its `columns` (a template's: any of them). Organic analytics carry their "
        "metrics (below).",
        "",
        _table(
            ["Column", "Type", "Meaning"],
            [[f"`{column.name}`", column.type, _cell(column.description)] for column in columns().values()],
        ),
        "",
        "## Other API fields of analytics rows",
        "",
        _table(
            ["Field", "Meaning"],
            [[f"`{name}`", _cell(text)] for name, text in field_descriptions().items() if name.isupper()],
        ),
        "",
        "## Entity streams",
        "",
        "Their fields and meanings come from Pinterest's API description (a field it does not describe has none).",
    ]
    for declaration in declarations:
        if not isinstance(declaration.schema, Component):
            continue
        rows = [
            [f"`{path}`", _json_type(field), _cell(str(field.get("description") or DASH))]
            for path, field in schema_fields(schemas[declaration.name])
        ]
        lines += ["", f"### {declaration.name}", "", _table(["Field", "Type", "Meaning"], rows)]
    return "\n".join(lines) + "\n"


def render_columns(text: str) -> str:
    return replace_region(text, "columns", columns_page())


def render_readme(text: str) -> str:
    return replace_region(text, "stream-summary", stream_summary())


def render(text: str, declarations: tuple[StreamDeclaration, ...] = DECLARATIONS) -> str:
    text = replace_region(text, "streams", streams_table(declarations))
    text = replace_region(text, "sandbox", sandbox_disabled(declarations))
    return replace_region(text, "config", config_table())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the docs are out of date")
    parser.add_argument("--doc", type=Path, default=DOC_PATH, help="the Markdown file to update")
    args = parser.parse_args(argv)
    stale = 0
    for path, render_file in ((args.doc, render), (README_PATH, render_readme), (COLUMNS_PATH, render_columns)):
        current = path.read_text(encoding="utf-8")
        updated = render_file(current)
        if args.check:
            if updated != current:
                print(f"{path} is out of date: run `python scripts/generate_docs.py`", file=sys.stderr)
                stale = 1
            else:
                print(f"{path} is up to date")
        elif updated != current:
            path.write_text(updated, encoding="utf-8")
            print(f"updated {path}")
        else:
            print(f"{path} already up to date")
    return stale


if __name__ == "__main__":
    sys.exit(main())
