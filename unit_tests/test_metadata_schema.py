"""metadata.yaml is valid against Airbyte's published connector metadata JSON schema (ConnectorMetadataDefinitionV0,
kept in unit_tests/data/metadata_schema/ with its license: see the README there), not only against a list of fields;
a metadata file with an unknown key or without a required field fails. Its documentationUrl is the user guide of
this repository."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT7

from source_pinterest_marketing.config import DOCS_URL
from source_pinterest_marketing.source import SourcePinterestMarketing

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ROOT / "unit_tests" / "data" / "metadata_schema"
SCHEMA_FILE = SCHEMA_DIR / "ConnectorMetadataDefinitionV0.json"
#: the vendored file is Airbyte's, unchanged (its license asks that changes be marked): the README gives this digest
SCHEMA_SHA256 = "4955d1b4950d8267200061e4d6eaba5640b032f21cfc5d9ddd20e7a6b52a1925"
METADATA: dict[str, Any] = yaml.safe_load((ROOT / "metadata.yaml").read_text())
#: where the repository's files are published: documentationUrl is `<this>/<path of a file of the repository>`
REPOSITORY_BLOB = re.compile(r"^https://github\.com/[A-Za-z0-9-]+/[A-Za-z0-9._-]+/blob/main/(?P<path>[^#?]+)$")


def _without_inner_ids(node: Any, root: bool = True) -> Any:
    """The bundle inlines each file it references with that file's own `$id`, but writes its `$ref`s as pointers from
    the bundle's root (`#/properties/data/...`): without the inner `$id`s, each pointer resolves where the bundler
    meant it to (read in memory; the vendored file stays as published)."""
    if isinstance(node, Mapping):
        return {key: _without_inner_ids(value, False) for key, value in node.items() if root or key != "$id"}
    if isinstance(node, list):
        return [_without_inner_ids(value, False) for value in node]
    return node


def _schema() -> dict[str, Any]:
    loaded: dict[str, Any] = _without_inner_ids(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    return loaded


def _validator() -> Draft7Validator:
    schema = _schema()
    registry: Registry[Any] = Registry().with_resource(schema["$id"], DRAFT7.create_resource(schema))
    # every format jsonschema knows (draft-07's own checker skips `uuid`, which Airbyte's metadata models enforce)
    return Draft7Validator(schema, registry=registry, format_checker=FormatChecker())


def _messages(error: ValidationError) -> Iterator[str]:
    """An error and, under an `anyOf`, the errors of each option (where the real cause is said)."""
    yield f"{error.json_path}: {error.message}"
    for cause in error.context or ():
        yield from _messages(cause)


def _errors(metadata: Mapping[str, Any]) -> list[str]:
    return [message for error in _validator().iter_errors(metadata) for message in _messages(error)]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_vendored_schema_is_airbytes_unchanged_with_its_license() -> None:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    assert "Elastic License 2.0" in (SCHEMA_DIR / "LICENSE").read_text(encoding="utf-8")
    readme = (SCHEMA_DIR / "README.md").read_text(encoding="utf-8")
    assert SCHEMA_SHA256 in readme and "airbytehq/airbyte" in readme


def test_every_ref_of_the_schema_resolves() -> None:
    schema = _schema()
    resolver = Registry().with_resource(schema["$id"], DRAFT7.create_resource(schema)).resolver(base_uri=schema["$id"])
    refs = sorted(set(_refs(schema)))
    assert refs
    for ref in refs:
        assert resolver.lookup(ref).contents, ref


def test_metadata_is_valid_against_airbytes_schema() -> None:
    assert _errors(METADATA) == []


def _changed(change: str) -> dict[str, Any]:
    metadata = copy.deepcopy(METADATA)
    data = metadata["data"]
    if change == "unknown key in data":
        data["documentationURL"] = data["documentationUrl"]
    elif change == "unknown top-level key":
        metadata["metadataVersion"] = "1.0"
    elif change == "unknown key in registryOverrides":
        data["registryOverrides"]["oss"]["enable"] = True
    elif change == "wrong enum value":
        data["connectorSubtype"] = "rest"
    elif change == "definitionId not a uuid":
        data["definitionId"] = "pinterest-marketing"
    else:  # a required field removed
        del data[change.removeprefix("without ")]
    return metadata


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("unknown key in data", "'documentationURL' was unexpected"),
        ("unknown top-level key", "'metadataVersion' was unexpected"),
        ("unknown key in registryOverrides", "'enable' was unexpected"),
        ("wrong enum value", "'rest' is not one of"),
        ("definitionId not a uuid", "is not a 'uuid'"),
        ("without documentationUrl", "'documentationUrl' is a required property"),
        ("without githubIssueLabel", "'githubIssueLabel' is a required property"),
        ("without definitionId", "'definitionId' is a required property"),
    ],
)
def test_a_broken_metadata_file_fails(change: str, expected: str) -> None:
    errors = _errors(_changed(change))
    assert errors and any(expected in error for error in errors), errors


def test_the_documentation_url_is_the_user_guide_of_this_repository() -> None:
    """One URL everywhere (metadata, spec), pointing at a file this repository has: the user guide, the page whose
    setup steps and configuration fields the Airbyte UI links to."""
    url = METADATA["data"]["documentationUrl"]
    spec = SourcePinterestMarketing().spec(logging.getLogger())
    assert url == DOCS_URL == spec.documentationUrl
    found = REPOSITORY_BLOB.match(url)
    assert found, f"{url} is not a link to a file of the repository's main branch"
    page = ROOT / found["path"]
    assert page.is_file(), f"{found['path']} is not a file of this repository"
    assert page == ROOT / "docs" / "pinterest-marketing.md"
    headings = re.findall(r"^## (.+)$", page.read_text(encoding="utf-8"), re.MULTILINE)
    assert {"Setup guide", "Configuration", "Supported streams"} <= set(headings)
