"""Static checks of the Dockerfile against Airbyte's image conventions.

No Docker needed: the image itself is exercised by scripts/ci/docker-test.sh.
Conventions (docs/PRODUCT §1 and Airbyte's connector docs): base image chosen by
ARG BASE_IMAGE (default Airbyte's python-connector-base, pinned by digest),
absolute ENTRYPOINT with ENV AIRBYTE_ENTRYPOINT equal to it, non-root user
airbyte, labels io.airbyte.name / io.airbyte.version, and only legacy-builder
features (no "# syntax=", no RUN --mount, no heredocs).
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
IMAGE_NAME = "airbyte/source-pinterest-marketing"
BASE_REPO = "airbyte/python-connector-base"


def _raw_text() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, comments dropped, continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for line in _raw_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # comment lines inside a continuation are ignored by Docker
        if stripped.endswith("\\"):
            pending += stripped[:-1].strip() + " "
            continue
        full = (pending + stripped).strip()
        pending = ""
        if not full:
            continue
        keyword, _, args = full.partition(" ")
        out.append((keyword.upper(), args.strip()))
    assert not pending, "Dockerfile ends inside a line continuation"
    return out


def _all(keyword: str) -> list[str]:
    return [args for kw, args in _instructions() if kw == keyword]


def _kv_pairs(args: str) -> dict[str, str]:
    """Parse ENV / LABEL / ARG arguments in KEY=VALUE form (or legacy 'KEY value')."""
    tokens = shlex.split(args)
    if tokens and "=" not in tokens[0]:
        return {tokens[0]: " ".join(tokens[1:])}
    pairs = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        pairs[key] = value if sep else ""
    return pairs


def _args() -> dict[str, str]:
    merged: dict[str, str] = {}
    for args in _all("ARG"):
        merged.update(_kv_pairs(args))
    return merged


def _env() -> dict[str, str]:
    merged: dict[str, str] = {}
    for args in _all("ENV"):
        merged.update(_kv_pairs(args))
    return merged


def _labels() -> dict[str, str]:
    merged: dict[str, str] = {}
    for args in _all("LABEL"):
        merged.update(_kv_pairs(args))
    return merged


def _substitute(value: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), m.group(0)), value)


def _entrypoint() -> list[str]:
    entrypoints = _all("ENTRYPOINT")
    assert len(entrypoints) == 1, f"expected exactly one ENTRYPOINT, found {len(entrypoints)}"
    try:
        value = json.loads(entrypoints[0])
    except json.JSONDecodeError:  # pragma: no cover - reported by the assertion below
        value = None
    assert isinstance(value, list) and value and all(isinstance(v, str) for v in value), (
        "ENTRYPOINT must use the exec (JSON array) form"
    )
    return value


def test_dockerfile_exists():
    assert DOCKERFILE.is_file()


def test_legacy_builder_only():
    text = _raw_text()
    assert not re.search(r"^\s*#\s*syntax\s*=", text, re.IGNORECASE | re.MULTILINE), (
        "no '# syntax=' directive: BuildKit would try to pull the frontend image"
    )
    for keyword, args in _instructions():
        assert not re.search(r"--mount\b", args), f"{keyword} --mount needs BuildKit"
        if keyword in {"RUN", "COPY", "ADD"}:
            assert not re.search(r"<<-?\s*['\"]?\w+", args), f"heredoc in {keyword} needs BuildKit: {args}"


def test_base_image_arg_defaults_to_airbyte_python_connector_base():
    instructions = _instructions()
    first_from = next(i for i, (kw, _) in enumerate(instructions) if kw == "FROM")
    global_args: dict[str, str] = {}
    for kw, args in instructions[:first_from]:
        assert kw == "ARG", f"only ARG may precede FROM, found {kw}"
        global_args.update(_kv_pairs(args))
    assert "BASE_IMAGE" in global_args, "ARG BASE_IMAGE must be declared before FROM"
    default = global_args["BASE_IMAGE"]
    match = re.fullmatch(
        rf"(?:docker\.io/)?{re.escape(BASE_REPO)}:(\d+)\.(\d+)\.(\d+)(@sha256:[0-9a-f]{{64}})?", default
    )
    assert match, f"BASE_IMAGE default must be {BASE_REPO}:<semver>[@sha256:...], got {default!r}"
    assert int(match.group(1)) >= 4, "python-connector-base 4.x or later (Python 3.11)"
    assert match.group(4), "pin the base image by digest, as metadata.yaml does"


def test_from_uses_base_image_arg():
    froms = _all("FROM")
    assert froms, "no FROM"
    image = froms[-1].split()[0]
    assert image in {"${BASE_IMAGE}", "$BASE_IMAGE"}, f"final stage must be FROM ${{BASE_IMAGE}}, got {image}"


def test_entrypoint_is_absolute_and_matches_airbyte_entrypoint_env():
    entrypoint = _entrypoint()
    for part in entrypoint:
        if part.startswith("-"):
            continue
        # A bare program name (python) is looked up on PATH, which works in both the
        # official base (/usr/local/bin) and Debian-based stand-ins (/usr/bin);
        # anything that is a path must be absolute.
        assert "/" not in part or part.startswith("/"), f"ENTRYPOINT path not absolute: {part}"
    scripts = [p for p in entrypoint[1:] if p.endswith(".py")]
    assert entrypoint[0].startswith("/") or scripts, "ENTRYPOINT needs an absolute program or script path"
    env = _env()
    assert "AIRBYTE_ENTRYPOINT" in env, "ENV AIRBYTE_ENTRYPOINT missing"
    assert env["AIRBYTE_ENTRYPOINT"] == " ".join(entrypoint), (
        f"AIRBYTE_ENTRYPOINT {env['AIRBYTE_ENTRYPOINT']!r} != ENTRYPOINT {' '.join(entrypoint)!r}"
    )


def test_entrypoint_script_is_copied_into_workdir():
    workdirs = _all("WORKDIR")
    assert workdirs and workdirs[-1] == "/airbyte/integration_code"
    for script in (p for p in _entrypoint() if p.endswith(".py")):
        assert script.startswith("/airbyte/integration_code/"), script
        name = script.rsplit("/", 1)[-1]
        assert (ROOT / name).is_file(), f"{name} (the ENTRYPOINT script) missing at the repository root"
        assert any(name in args.split() for args in _all("COPY")), f"{name} is not copied into the image"


def test_copies_only_the_connector():
    copies = _all("COPY") + _all("ADD")
    sources = [tok for args in copies for tok in shlex.split(args)[:-1] if not tok.startswith("--")]
    assert "." not in sources and "./" not in sources, "copy explicit paths, not the whole context"
    assert "source_pinterest_marketing" in [s.rstrip("/") for s in sources]
    for forbidden in ("pinterest_simulator", "unit_tests", "integration_tests", "secrets", ".venv"):
        assert not any(s.rstrip("/").startswith(forbidden) for s in sources), f"{forbidden} must not be in the image"
    assert any(re.search(r"pip install\b.*\s\.(\s|$)", args) for args in _all("RUN")), "pip install . missing"


def test_runs_as_non_root_airbyte_user():
    users = _all("USER")
    assert users, "no USER instruction"
    assert users[-1] in {"airbyte", "airbyte:airbyte", "1000", "1000:1000"}, f"final USER is {users[-1]!r}"
    runs = " ".join(_all("RUN"))
    assert re.search(r"useradd\b[^;&|]*(-u|--uid)\s*1000\b[^;&|]*\bairbyte\b", runs), (
        "create user airbyte (uid 1000) where the base image lacks it"
    )
    assert re.search(r"chown\s+(-R\s+)?airbyte(:airbyte)?\s+/airbyte\b", runs), "/airbyte must be owned by airbyte"


def test_labels():
    labels = _labels()
    assert labels.get("io.airbyte.name") == IMAGE_NAME
    assert "io.airbyte.version" in labels
    version = _substitute(labels["io.airbyte.version"], _args())
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:[-+.][\w.]+)?", version), f"io.airbyte.version {version!r} not semver"


def test_version_label_matches_package_metadata():
    version = _substitute(_labels().get("io.airbyte.version", ""), _args())
    setup_py = ROOT / "setup.py"
    if setup_py.is_file():
        match = re.search(r"""\bversion\s*=\s*["']([^"']+)["']""", setup_py.read_text(encoding="utf-8"))
        if match:
            assert version == match.group(1), f"label {version} != setup.py version {match.group(1)}"
    metadata = ROOT / "metadata.yaml"
    if metadata.is_file():
        yaml = pytest.importorskip("yaml")
        data = (yaml.safe_load(metadata.read_text(encoding="utf-8")) or {}).get("data", {})
        if "dockerImageTag" in data:
            assert version == str(data["dockerImageTag"]), "label != metadata.yaml dockerImageTag"
        if "dockerRepository" in data:
            assert data["dockerRepository"] == IMAGE_NAME
        base = (data.get("connectorBuildOptions") or {}).get("baseImage")
        if base:
            assert _args()["BASE_IMAGE"] == base, "ARG BASE_IMAGE default != metadata.yaml baseImage"


def test_dockerignore_keeps_context_small_and_complete():
    assert DOCKERIGNORE.is_file()
    patterns = [
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for required in (".git", ".venv", "unit_tests"):
        assert required in patterns, f".dockerignore should exclude {required}"
    assert any("__pycache__" in p for p in patterns)
    for needed in ("setup.py", "main.py", "source_pinterest_marketing", "README.md", "*", "*.py", "**"):
        assert needed not in patterns, f".dockerignore must not exclude {needed}"
