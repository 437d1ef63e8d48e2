"""metadata.yaml is complete for Airbyte's registry and consistent with the code and the image.

Checked against the fields and enums of Airbyte's connector metadata definition (ConnectorMetadataDefinitionV0)
and parsed with airbyte-cdk's own `ConnectorMetadata` model; test_metadata_schema.py validates the whole file against
Airbyte's published JSON schema."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import yaml
from airbyte_cdk.models.connector_metadata import ConnectorMetadata

from source_pinterest_marketing.config import PRODUCTION_API_BASE, SANDBOX_API_BASE
from source_pinterest_marketing.streams import DECLARATIONS

ROOT = Path(__file__).resolve().parents[1]
METADATA: dict[str, Any] = yaml.safe_load((ROOT / "metadata.yaml").read_text())
DATA: dict[str, Any] = METADATA["data"]

REQUIRED = (
    "name",
    "definitionId",
    "connectorType",
    "dockerRepository",
    "dockerImageTag",
    "documentationUrl",
    "license",
    "connectorSubtype",
    "releaseStage",
    "tags",
    "supportLevel",
    "githubIssueLabel",
)


def test_required_fields_and_enums() -> None:
    assert METADATA["metadataSpecVersion"] == "1.0"
    missing = [field for field in REQUIRED if not DATA.get(field)]
    assert not missing, missing
    uuid.UUID(DATA["definitionId"])
    assert DATA["connectorType"] == "source"
    assert DATA["connectorSubtype"] == "api"
    assert DATA["releaseStage"] in ("alpha", "beta", "generally_available", "custom")
    assert DATA["supportLevel"] in ("community", "certified", "archived")
    assert re.fullmatch(r"\d+\.\d+\.\d+(-[\w.]+)?", DATA["dockerImageTag"])
    assert DATA["documentationUrl"].startswith("https://")
    assert {"language:python", "cdk:python"} <= set(DATA["tags"])
    assert DATA["license"] == "MIT"
    ConnectorMetadata.model_validate(DATA)  # airbyte-cdk's own reading of the file


def test_consistent_with_the_package_and_the_image() -> None:
    setup_version = re.search(r'version="([^"]+)"', (ROOT / "setup.py").read_text())
    assert setup_version and setup_version.group(1) == DATA["dockerImageTag"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"ARG CONNECTOR_VERSION={DATA['dockerImageTag']}" in dockerfile
    base_image = DATA["connectorBuildOptions"]["baseImage"]
    assert re.fullmatch(r"docker\.io/airbyte/python-connector-base:[\d.]+@sha256:[0-9a-f]{64}", base_image)
    assert f"ARG BASE_IMAGE={base_image}" in dockerfile
    assert f"io.airbyte.name={DATA['dockerRepository']}" in dockerfile


def test_the_docs_state_the_released_version() -> None:
    """CHANGELOG's newest release, the user guide's changelog table and every image tag the docs show are the
    version of setup.py, metadata.yaml and the Dockerfile (held equal above)."""
    version = DATA["dockerImageTag"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", changelog, flags=re.MULTILINE)
    assert releases and releases[0][0] == version, releases[:1]
    guide = (ROOT / "docs" / "pinterest-marketing.md").read_text(encoding="utf-8")
    table = guide.split("\n## Changelog\n", 1)[1]
    first_row = next(line for line in table.splitlines() if re.match(r"\| \d", line))
    assert first_row.startswith(f"| {version} | {releases[0][1]} |"), first_row
    for text in (guide, (ROOT / "README.md").read_text(encoding="utf-8")):
        tags = set(re.findall(r"source-pinterest-marketing:(\d+\.\d+\.\d+)", text))
        assert tags <= {version}, tags


def test_the_changelog_has_one_section_per_kind_in_each_release() -> None:
    """Keep a Changelog: each release has at most one section of each kind (Added, Changed, Fixed, ...)."""
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    for release in re.split(r"^## ", changelog, flags=re.MULTILINE)[1:]:
        kinds = re.findall(r"^### (.+)$", release, flags=re.MULTILINE)
        assert len(kinds) == len(set(kinds)), f"{release.splitlines()[0]}: {kinds}"
        assert set(kinds) <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, kinds


def test_hosts_icon_and_suggested_streams() -> None:
    hosts = set(DATA["allowedHosts"]["hosts"])
    for base in (PRODUCTION_API_BASE, SANDBOX_API_BASE):
        assert base.split("/")[2] in hosts
    icon = ROOT / DATA["icon"]
    assert icon.exists() and icon.read_text().lstrip().startswith("<svg")
    streams = {declaration.name for declaration in DECLARATIONS}
    suggested = DATA["suggestedStreams"]["streams"]
    assert suggested and set(suggested) <= streams
