"""The user documentation matches the code: generated tables current, every stream and config field documented,
every relative link (and in-page anchor) resolves."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from source_pinterest_marketing.config import connector_spec_schema
from source_pinterest_marketing.streams import DECLARATIONS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "pinterest-marketing.md"
MARKDOWN_FILES = sorted([*(ROOT / "docs").rglob("*.md"), ROOT / "README.md", ROOT / "CHANGELOG.md"])
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_FENCE = re.compile(r"^\s*(```|~~~).*?^\s*\1", re.DOTALL | re.MULTILINE)


def test_generated_tables_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_docs.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_registered_stream_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [declaration.name for declaration in DECLARATIONS if f"| `{declaration.name}` |" not in text]
    assert not missing, f"streams missing from the streams table of {DOC.name}: {missing}"


def _field_paths(properties: dict, prefix: str = "") -> list[str]:
    paths = []
    for name, schema in properties.items():
        path = f"{prefix}{name}"
        paths.append(path)
        for option in schema.get("oneOf", []):
            paths += _field_paths(option.get("properties", {}), f"{path}.")
        items = schema.get("items", {})
        if schema.get("type") == "array" and "properties" in items:
            paths += _field_paths(items["properties"], f"{path}[].")
    return paths


def test_every_config_field_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [path for path in _field_paths(connector_spec_schema()["properties"]) if f"`{path}`" not in text]
    assert not missing, f"config fields missing from {DOC.name}: {missing}"


def _slug(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return {_slug(match) for match in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, re.MULTILINE)}


def _links(path: Path) -> list[str]:
    return _LINK.findall(_FENCE.sub("", path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("markdown", MARKDOWN_FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_relative_links_resolve(markdown: Path) -> None:
    broken = []
    for target in _links(markdown):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: ...
            continue
        file_part, _, anchor = target.partition("#")
        linked = (markdown.parent / file_part).resolve() if file_part else markdown
        if not linked.exists():
            broken.append(f"{target} (no file {linked})")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target} (no heading #{anchor} in {linked.name})")
    assert not broken, f"broken links in {markdown.relative_to(ROOT)}: {broken}"


def test_link_checker_sees_links() -> None:
    """Guard against a regex that silently finds nothing."""
    links = _links(DOC)
    assert "../CHANGELOG.md" in links
    assert "#troubleshooting" in links


def test_endpoints_link_each_stream_to_its_operation_reference() -> None:
    """The endpoint cell is the declared request (reports: create and poll), linked to the operation's page."""
    text = DOC.read_text(encoding="utf-8")
    for declaration in DECLARATIONS:
        assert f"| `{declaration.name}` | [`{declaration.endpoint}`]({declaration.docs_url}) |" in text, declaration.name
    report_row = next(line for line in text.splitlines() if line.startswith("| `campaign_report` |"))
    assert "POST/GET /v5/ad_accounts/{ad_account_id}/reports" in report_row
    assert "https://developers.pinterest.com/docs/api/v5/analytics-create_report" in report_row


_NOTES = ROOT / "docs" / "dev" / "API-NOTES.md"


def _repository_texts() -> list[Path]:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return [ROOT / name for name in tracked if name.endswith((".py", ".md", ".yml", ".yaml", ".sh", ".toml", "Makefile", "Dockerfile"))]


def test_api_notes_citations_name_existing_sections() -> None:
    """Code and docs cite docs/dev/API-NOTES.md by section anchor; each anchor is a heading there."""
    anchors = _anchors(_NOTES)
    cited: dict[str, set[str]] = {}
    for path in _repository_texts():
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in re.finditer(r"API-NOTES\.md\s*\(([^)]*#[^)]*)\)|API-NOTES\.md#([a-z0-9-]+)", text):
            names = re.findall(r"#([a-z0-9-]+)", match.group(1)) if match.group(1) else [match.group(2)]
            cited.setdefault(str(path.relative_to(ROOT)), set()).update(names)
    assert cited, "no citation found: the pattern is wrong"
    unknown = {path: sorted(names - anchors) for path, names in cited.items() if names - anchors}
    assert not unknown, f"citations of sections API-NOTES.md does not have: {unknown}"


def test_nothing_points_outside_the_repository() -> None:
    """A user's clone has no ../shared: the repository cites public URLs or its own docs/dev/ notes."""
    pointers = re.compile(r"\.\./shared|/work/shared|API-NOTES §|API-NOTES \u00a7")
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in _repository_texts()
        if path.name != "test_docs.py"
        for match in pointers.finditer(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert not found


def test_the_sandbox_list_names_every_stream_the_sandbox_does_not_serve() -> None:
    """Reports and product group promotions are `x-sandbox: disabled` too (the hand-written list left them out)."""
    region = DOC.read_text(encoding="utf-8").split("<!-- sandbox:start -->")[1].split("<!-- sandbox:end -->")[0]
    for stream in ("product_group_promotions", "campaign_report", "audiences", "pin_analytics"):
        assert f"`{stream}`" in region
    assert "`campaigns`" not in region and "`boards`" not in region


def test_the_tests_the_docs_cite_exist() -> None:
    """A doc that says what a test proves names a test that is there (docs/pyairbyte.md's "What was verified")."""
    defined = {
        name
        for path in (ROOT / "unit_tests").rglob("test_*.py")
        for name in re.findall(r"^def (test_\w+)", path.read_text(encoding="utf-8"), re.MULTILINE)
    }
    cited = {name for path in MARKDOWN_FILES for name in re.findall(r"`(test_\w+)`", path.read_text(encoding="utf-8"))}
    assert cited, "the docs cite no test: the pattern is wrong"
    assert not cited - defined


def test_the_pyairbyte_page_counts_every_test_of_its_module() -> None:
    page = (ROOT / "docs" / "pyairbyte.md").read_text(encoding="utf-8")
    module = (ROOT / "unit_tests" / "test_pyairbyte_example.py").read_text(encoding="utf-8")
    tests = re.findall(r"^def (test_\w+)", module, re.MULTILINE)
    said = re.search(r"\*\*(\d+) passed\*\*", page)
    assert said and int(said.group(1)) == len(tests)
    assert all(f"`{name}`" in page for name in tests)
