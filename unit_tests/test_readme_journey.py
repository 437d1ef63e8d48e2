"""The README's user commands, as `make docker-test` walks them (scripts/ci/readme_journey.py): which commands are
taken, in which order, what the walk substitutes (and nothing else), and the user guide's Step 3 holding the same
commands. The walk itself runs in Docker (scripts/ci/docker-test.sh)."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts" / "ci"))

import readme_journey  # noqa: E402
from readme_journey import JourneyFailed, Setting, journey_commands, substitute, verb_of  # noqa: E402

README = (ROOT / "README.md").read_text(encoding="utf-8")
GUIDE = (ROOT / "docs" / "pinterest-marketing.md").read_text(encoding="utf-8")
SETTING = Setting("http://127.0.0.1:9999", "local/base:ci")


def test_the_readme_walks_every_verb_in_a_working_order() -> None:
    verbs = [verb_of(command) or command.split()[0] for command in journey_commands(README)]
    assert verbs == ["build", "mkdir", "authorize", "spec", "check", "discover", "catalog", "read", "read"]


def test_every_command_that_reads_the_config_saves_rotated_credentials_and_both_reads_the_state() -> None:
    commands = journey_commands(README)
    for command in commands:
        if verb_of(command) in ("check", "discover", "read"):
            assert "--update-config" in command.split(), command
        if verb_of(command) in ("authorize", "check", "discover", "read", "catalog"):
            assert '--user "$(id -u):$(id -g)"' in command, command
    reads = [command for command in commands if verb_of(command) == "read"]
    assert len(set(reads)) == 1 and "--update-state" in reads[0]


def _words(command: str) -> list[str]:
    return shlex.split(command)


@pytest.mark.parametrize("command", journey_commands(README))
def test_the_walk_only_adds_the_documented_substitutions(command: str) -> None:
    run = substitute(command, SETTING)
    added = list(_words(run))
    for word in _words(command):
        added.remove(word)
    verb = verb_of(command)
    if verb == "build":
        assert added == ["--build-arg", "BASE_IMAGE=local/base:ci"]
    elif verb == "authorize":
        assert added == ["--network", "host", "--api-base-url", "http://127.0.0.1:9999/v5", "--authorization-url", "http://127.0.0.1:9999/oauth/"]
    elif command.startswith("docker run"):
        assert added == ["--network", "host"]
    else:
        assert run == command


@pytest.mark.parametrize("command", [c for c in journey_commands(README) if c.startswith("docker run")])
def test_a_pinned_date_reaches_the_connector_in_every_container(command: str) -> None:
    setting = Setting(SETTING.simulator, SETTING.base_image, today="2026-12-07")
    run = _words(substitute(command, setting))
    assert run[:6] == ["docker", "run", "--network", "host", "-e", "SOURCE_PINTEREST_MARKETING_TODAY=2026-12-07"]
    written = _words(command)[2:]
    assert run[6 : 6 + len(written)] == written  # authorize adds the simulator's URLs after what is written


def test_a_dropped_flag_is_gone_from_every_command() -> None:
    setting = Setting(SETTING.simulator, SETTING.base_image, ("--update-config",))
    for command in journey_commands(README):
        assert "--update-config" not in substitute(command, setting).split()


def test_continuation_lines_comments_and_indentation() -> None:
    text = "\n".join(
        [
            "1. A step:",
            "",
            "   <!-- journey -->",
            "   ```bash",
            "   # a comment",
            "   docker run --rm img:dev \\",
            "     check --config c.json > out.jsonl",
            "",
            "   echo done",
            "   ```",
            "```bash",
            "echo not marked",
            "```",
        ]
    )
    assert journey_commands(text) == ["docker run --rm img:dev check --config c.json > out.jsonl", "echo done"]
    assert readme_journey.redirect_target(journey_commands(text)[0]) == "out.jsonl"


def test_a_marker_without_a_block_or_no_marker_at_all_is_an_error() -> None:
    with pytest.raises(JourneyFailed, match="must be followed by a fenced shell block"):
        journey_commands("<!-- journey -->\ntext\n")
    with pytest.raises(JourneyFailed, match="marks no block"):
        journey_commands("```bash\necho\n```\n")


def test_the_user_guide_step_3_runs_the_readme_commands() -> None:
    """The guide repeats the README's commands where its reader looks for them: each of its Step 3 commands is one of
    the README's walked ones (so the walk tests them too)."""
    step = GUIDE.split("### Step 3: run it with Docker")[1].split("\n### ")[0]
    blocks = re.findall(r"```bash\n(.*?)```", step, re.DOTALL)
    guide = [command for block in blocks for command in readme_journey._commands_of(block.splitlines())]
    walked = set(journey_commands(README))
    assert guide and [command for command in guide if command not in walked] == []
