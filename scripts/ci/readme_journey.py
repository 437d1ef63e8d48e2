#!/usr/bin/env python3
"""The README, walked: run the shell blocks README.md marks with ``<!-- journey -->`` (the line before the block's
fence), one command at a time, as a user would, against the Pinterest API simulator, and check what each command
gives. A README change that breaks the journey (a command in a broken order, a flag removed, a wrong path or tag)
fails here, so the README cannot drift from what works.

What differs from what a user types, and only this (`substitute`):

- ``docker build ...``: ``--build-arg BASE_IMAGE=<stand-in>`` is added (no container registry is reachable in CI);
- ``docker run ...``: ``--network host`` is added (the simulator listens on the host's 127.0.0.1), and with
  ``--today DATE`` the connector's clock is pinned to the simulator's date (``-e SOURCE_PINTEREST_MARKETING_TODAY=DATE``,
  the test hook of source_pinterest_marketing/clock.py), so that the walk does not depend on the day it runs;
- the ``authorize`` command: ``--api-base-url <simulator>/v5 --authorization-url <simulator>/oauth/`` are added (the
  simulator stands for Pinterest and its authorization page);
- the environment: ``PINTEREST_CLIENT_ID`` and ``PINTEREST_CLIENT_SECRET`` are the simulator's app, and the browser
  step of ``authorize`` is done here: the printed URL is opened (the simulated user approves) and the URL it
  redirects to is pasted back on the command's stdin.

The commands run with bash (``set -euo pipefail``) in a scratch directory standing for a fresh checkout (a copy of
what ``docker build`` needs), as a user who is neither root nor the image's uid 1000 when this script runs as root
(uid and gid ``--uid``, with the docker group), so that ``--user "$(id -u):$(id -g)"`` and the file modes matter as
they do for a person.

What each command must give (`Journey.verify`): ``docker build`` and every command exit 0; ``authorize`` writes a
config with a refresh token; ``spec`` one SPEC; ``check`` a SUCCEEDED status; ``discover`` a CATALOG; ``catalog`` a
configured catalog; ``read`` records and no error, and a later ``read`` on the same ``--state`` file fewer records than
the first (it resumed). No TRACE error anywhere.

    readme_journey.py --simulator http://127.0.0.1:PORT --image TAG --base-image TAG [--readme README.md]
                      [--uid 1500] [--keep DIR] [--switch NAME=VALUE] [--drop-flag=--update-config]

``--drop-flag`` removes a flag from every command first: a self-test that the journey fails without it (CI runs it
with ``--update-config`` under the ``immediate`` rotation reading). Exit 0 when every command passed, 1 otherwise.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Optional

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- journey -->"
#: what `docker build .` needs from a checkout (the Dockerfile copies these; .dockerignore keeps the rest out)
BUILD_INPUTS = ("Dockerfile", ".dockerignore", "setup.py", "main.py", "README.md", "source_pinterest_marketing")
#: a command may run this long (a cached build, a read of a few streams)
COMMAND_TIMEOUT = 300
#: the verbs of the image (`docker run IMAGE VERB ...`) this journey checks
VERBS = ("spec", "check", "discover", "read", "catalog", "authorize")


class JourneyFailed(Exception):
    pass


# -- the README ------------------------------------------------------------------------------------------------
def journey_commands(readme: str) -> list[str]:
    """The commands of the marked blocks, in order: continuation lines joined, comments and blank lines left out."""
    lines = readme.splitlines()
    commands: list[str] = []
    index = 0
    while index < len(lines):
        if lines[index].strip() != MARKER:
            index += 1
            continue
        fence = index + 1
        while fence < len(lines) and not lines[fence].strip():
            fence += 1
        if fence >= len(lines) or not lines[fence].strip().startswith("```"):
            raise JourneyFailed(f"README line {index + 1}: {MARKER} must be followed by a fenced shell block")
        indent = len(lines[fence]) - len(lines[fence].lstrip())
        body: list[str] = []
        index = fence + 1
        while index < len(lines) and not lines[index].strip().startswith("```"):
            body.append(lines[index][indent:] if lines[index][:indent].isspace() else lines[index].lstrip())
            index += 1
        commands.extend(_commands_of(body))
        index += 1
    if not commands:
        raise JourneyFailed(f"the README marks no block with {MARKER}")
    return commands


def _commands_of(body: list[str]) -> list[str]:
    commands: list[str] = []
    current = ""
    for line in body:
        stripped = line.rstrip()
        if not current and (not stripped or stripped.lstrip().startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += (stripped[:-1].strip() if current else stripped[:-1].rstrip()) + " "
            continue
        current += stripped.strip() if current else stripped
        commands.append(current.strip())
        current = ""
    if current:
        commands.append(current.strip())
    return commands


@dataclass(frozen=True)
class Setting:
    """What the journey substitutes (module docstring)."""

    simulator: str
    base_image: str
    drop_flags: tuple[str, ...] = ()
    #: the date both clocks are pinned to (None: the machine's)
    today: Optional[str] = None


def substitute(command: str, setting: Setting) -> str:
    """The command as run here: the module docstring's substitutions, and `drop_flags` removed (self-test)."""
    for flag in setting.drop_flags:
        command = re.sub(rf"(?<=\s){re.escape(flag)}(?=\s|$)", "", command)
        command = re.sub(r"  +", " ", command)
    if command.startswith("docker build "):
        command = "docker build --build-arg " + shlex.quote(f"BASE_IMAGE={setting.base_image}") + command[len("docker build") :]
    elif command.startswith("docker run "):
        pinned = f" -e SOURCE_PINTEREST_MARKETING_TODAY={setting.today}" if setting.today else ""
        command = "docker run --network host" + pinned + command[len("docker run") :]
    if verb_of(command) == "authorize":
        command = _before_redirect(command) + (
            f" --api-base-url {setting.simulator}/v5 --authorization-url {setting.simulator}/oauth/"
        ) + _redirect_part(command)
    return command


def _redirect_part(command: str) -> str:
    match = re.search(r"\s+>\s*\S+\s*$", command)
    return match.group(0) if match else ""


def _before_redirect(command: str) -> str:
    return command[: len(command) - len(_redirect_part(command))]


def redirect_target(command: str) -> Optional[str]:
    """The file the command's stdout goes to (`> path` at its end), if any."""
    match = re.search(r">\s*(\S+)\s*$", command)
    return match.group(1) if match else None


def verb_of(command: str) -> Optional[str]:
    """`docker build`, or the image's verb of a `docker run` (the first word after the image), or None."""
    if command.startswith("docker build"):
        return "build"
    words = shlex.split(_before_redirect(command), posix=True)
    image = next((i for i, word in enumerate(words) if "source-pinterest-marketing" in word and ":" in word), None)
    if words[:2] != ["docker", "run"] or image is None or image + 1 >= len(words):
        return None
    verb = words[image + 1]
    return verb if verb in VERBS else None


def option(command: str, name: str) -> Optional[str]:
    words = shlex.split(_before_redirect(command), posix=True)
    return words[words.index(name) + 1] if name in words[:-1] else None


def mounts(command: str, workdir: Path) -> dict[str, Path]:
    """Container path -> host path of the `-v "$PWD/x:/y"` mounts (the journey's only form)."""
    return {
        container: workdir / host
        for host, container in re.findall(r'-v\s+"?\$PWD/([^:"]+):(/[^":\s]+)', command)
    }


def host_path(path: str, command: str, workdir: Path) -> Path:
    for container, host in mounts(command, workdir).items():
        if path == container or path.startswith(container.rstrip("/") + "/"):
            return host / path[len(container) :].lstrip("/")
    return workdir / path


# -- Airbyte messages --------------------------------------------------------------------------------------------
def messages(text: str) -> list[dict[str, Any]]:
    """Every Airbyte message of a command's stdout (RECORDs included); a line that is not one is an error."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            raise JourneyFailed(f"stdout line {number} is not an Airbyte message: {line[:120]!r}") from None
        if not isinstance(message, dict) or "type" not in message:
            raise JourneyFailed(f"stdout line {number} is not an Airbyte message: {line[:120]!r}")
        found.append(message)
    return found


def of_type(found: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [message for message in found if message.get("type") == kind]


def trace_errors(found: list[dict[str, Any]]) -> list[str]:
    return [
        f"{(m['trace'].get('error') or {}).get('failure_type')}: {(m['trace'].get('error') or {}).get('message')}"
        for m in of_type(found, "TRACE")
        if (m.get("trace") or {}).get("type") == "ERROR"
    ]


# -- running ---------------------------------------------------------------------------------------------------
@dataclass
class Ran:
    command: str
    verb: Optional[str]
    code: int
    stdout: str
    stderr: str
    seconds: float


class Browser:
    """The person at the browser during `authorize`: opens the URL printed on stderr and pastes back the URL the
    authorization page redirects to."""

    def __init__(self, authorization_url: str) -> None:
        self.authorization_url = authorization_url
        self.pasted = False

    def answer(self, stderr: IO[str], stdin: IO[str], seen: list[str]) -> None:
        for line in stderr:
            seen.append(line)
            url = line.strip()
            if not self.pasted and url.startswith(self.authorization_url):
                stdin.write(self.approve(url) + "\n")
                stdin.flush()
                self.pasted = True

    @staticmethod
    def approve(url: str) -> str:
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        try:
            urllib.request.build_opener(NoRedirect).open(url, timeout=30)
        except urllib.error.HTTPError as answer:
            if answer.code == 302:
                return str(answer.headers["Location"])
            raise JourneyFailed(f"the authorization page answered HTTP {answer.code}") from None
        raise JourneyFailed("the authorization page did not redirect")


class Journey:
    def __init__(self, setting: Setting, workdir: Path, uid: Optional[int], env: dict[str, str]) -> None:
        self.setting = setting
        self.workdir = workdir
        self.uid = uid
        self.env = env
        self.results: list[tuple[bool, str]] = []
        #: records of the first `read` of each state file (a later read of it must resume: fewer)
        self.first_read: dict[Path, int] = {}

    def run(self, command: str) -> Ran:
        verb = verb_of(command)
        started = time.monotonic()
        kwargs: dict[str, Any] = {}
        if self.uid is not None:
            kwargs.update(user=self.uid, group=self.uid, extra_groups=docker_groups())
        process = subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=self.workdir,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kwargs,
        )
        assert process.stdin and process.stdout and process.stderr
        stderr_lines: list[str] = []
        if verb == "authorize":
            browser = Browser(self.setting.simulator + "/oauth/")
            reader = threading.Thread(target=browser.answer, args=(process.stderr, process.stdin, stderr_lines))
        else:
            process.stdin.close()
            reader = threading.Thread(target=lambda: stderr_lines.extend(process.stderr))  # type: ignore[union-attr]
        reader.start()
        try:
            stdout = process.stdout.read()
            process.wait(timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            stdout = ""
        reader.join(timeout=10)
        return Ran(command, verb, process.returncode, stdout, "".join(stderr_lines), time.monotonic() - started)

    def output_of(self, ran: Ran) -> str:
        target = redirect_target(ran.command)
        if target is None:
            return ran.stdout
        path = self.workdir / target
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def verify(self, ran: Ran) -> str:
        """What the command gave, in a few words; JourneyFailed when it is not what it should be."""
        if ran.code != 0:
            try:
                said = trace_errors(messages(self.output_of(ran)))[-1:]
            except (JourneyFailed, OSError):
                said = []
            raise JourneyFailed(f"exit {ran.code}; {said or 'stderr: ' + ran.stderr.strip()[-600:]}")
        if ran.verb in (None, "build", "catalog", "authorize"):
            return self._verify_other(ran)
        found = messages(self.output_of(ran))
        errors = trace_errors(found)
        if errors:
            raise JourneyFailed(f"TRACE errors: {errors[:3]}")
        if ran.verb == "spec":
            if len(of_type(found, "SPEC")) != 1:
                raise JourneyFailed("no SPEC message")
            return "1 SPEC"
        if ran.verb == "check":
            statuses = [(m.get("connectionStatus") or {}) for m in of_type(found, "CONNECTION_STATUS")]
            if [status.get("status") for status in statuses] != ["SUCCEEDED"]:
                raise JourneyFailed(f"connection status {statuses}")
            return "SUCCEEDED"
        if ran.verb == "discover":
            catalogs = of_type(found, "CATALOG")
            if len(catalogs) != 1 or not catalogs[0]["catalog"].get("streams"):
                raise JourneyFailed("no CATALOG with streams")
            return f"CATALOG of {len(catalogs[0]['catalog']['streams'])} streams"
        return self._verify_read(ran, found)

    def _verify_other(self, ran: Ran) -> str:
        if ran.verb == "catalog":
            output = option(ran.command, "--output")
            text = host_path(output, ran.command, self.workdir).read_text() if output else self.output_of(ran)
            streams = json.loads(text).get("streams") or []
            if not streams:
                raise JourneyFailed("an empty configured catalog")
            return f"configured catalog of {len(streams)} streams: {', '.join(s['stream']['name'] for s in streams)}"
        if ran.verb == "authorize":
            output = option(ran.command, "--output")
            if output is None:
                raise JourneyFailed("authorize without --output")
            config = json.loads(host_path(output, ran.command, self.workdir).read_text())
            if not (config.get("credentials") or {}).get("refresh_token"):
                raise JourneyFailed("the written config has no refresh token")
            return f"config with a refresh token ({len(config)} settings)"
        return "ok"

    def _verify_read(self, ran: Ran, found: list[dict[str, Any]]) -> str:
        records = len(of_type(found, "RECORD"))
        if not records:
            raise JourneyFailed("no RECORD")
        summary = f"{records} records, {len(of_type(found, 'STATE'))} states"
        state = option(ran.command, "--state")
        if state is None:
            return summary
        state_file = host_path(state, ran.command, self.workdir)
        first = self.first_read.get(state_file)
        if first is None:
            self.first_read[state_file] = records
            return summary
        if records >= first:
            raise JourneyFailed(f"read again with the saved state: {records} records, not fewer than the first {first}")
        return summary + f" (resumed: the first read gave {first})"

    def walk(self, commands: list[str]) -> bool:
        for number, written in enumerate(commands, 1):
            command = substitute(written, self.setting)
            print(f"[journey] {number}/{len(commands)} $ {command}", flush=True)
            ran = self.run(command)
            try:
                detail = self.verify(ran)
            except (JourneyFailed, OSError, ValueError, KeyError) as failure:
                self.results.append((False, f"{ran.verb or 'command'} ({ran.seconds:.1f} s): {failure}"))
                print(f"[journey]   FAIL {self.results[-1][1]}", flush=True)
                return False
            self.results.append((True, f"{ran.verb or 'command'} ({ran.seconds:.1f} s): {detail}"))
            print(f"[journey]   ok   {self.results[-1][1]}", flush=True)
        return True


def docker_groups() -> list[int]:
    """The group of the Docker socket (`docker`), for a user who is not root."""
    try:
        return [os.stat("/var/run/docker.sock").st_gid]
    except OSError:
        return []


def scratch_checkout(parent: Optional[str], uid: Optional[int]) -> Path:
    """A directory standing for a fresh checkout: what `docker build .` needs, owned by the journey's user."""
    workdir = Path(tempfile.mkdtemp(prefix="readme-journey-", dir=parent))
    for name in BUILD_INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, workdir / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, workdir / name)
    (workdir / "home").mkdir()
    if uid is not None:
        for path in [workdir, *workdir.rglob("*")]:
            os.lchown(path, uid, uid)
    workdir.chmod(0o700)
    return workdir


def simulator_app(simulator: str) -> tuple[str, str]:
    """The simulated app's client id and secret (from the simulator's admin endpoint)."""
    with urllib.request.urlopen(f"{simulator}/_sim/config", timeout=30) as answer:
        credentials = json.load(answer)["credentials"]
    return credentials["client_id"], credentials["client_secret"]


def set_switches(simulator: str, switches: dict[str, str]) -> dict[str, str]:
    """Set the simulator's switches (``POST /_sim/switches``); the values they had."""
    with urllib.request.urlopen(f"{simulator}/_sim/switches", timeout=30) as answer:
        before: dict[str, str] = json.load(answer)["switches"]
    request = urllib.request.Request(
        f"{simulator}/_sim/switches",
        data=json.dumps(switches).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30):
        pass
    return before


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulator", required=True, help="the simulator's root URL, http://127.0.0.1:PORT")
    parser.add_argument("--base-image", required=True, help="the stand-in base image (docker build --build-arg)")
    parser.add_argument("--readme", default=str(ROOT / "README.md"))
    parser.add_argument("--uid", type=int, default=1500, help="uid and gid of the journey's user when run as root")
    parser.add_argument("--today", help="the simulator's pinned date YYYY-MM-DD, given to the connector's clock too")
    parser.add_argument("--keep", help="keep the scratch checkout under this directory")
    parser.add_argument("--drop-flag", action="append", default=[], help="remove this flag from every command")
    parser.add_argument(
        "--switch", action="append", default=[], metavar="NAME=VALUE", help="a simulator switch for this walk"
    )
    args = parser.parse_args(argv)
    switches = dict(assignment.split("=", 1) for assignment in args.switch)

    try:
        commands = journey_commands(Path(args.readme).read_text(encoding="utf-8"))
    except JourneyFailed as error:
        print(f"[journey] FAIL {error}")
        return 1
    uid = args.uid if os.geteuid() == 0 else None
    workdir = scratch_checkout(args.keep, uid)
    client_id, client_secret = simulator_app(args.simulator)
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
        "HOME": str(workdir / "home"),
        "PINTEREST_CLIENT_ID": client_id,
        "PINTEREST_CLIENT_SECRET": client_secret,
    }
    setting = Setting(args.simulator.rstrip("/"), args.base_image, tuple(args.drop_flag), args.today)
    journey = Journey(setting, workdir, uid, env)
    who = uid if uid is not None else os.geteuid()
    print(f"[journey] {len(commands)} commands from {args.readme}, in {workdir} as uid {who}, switches {switches}")
    before = set_switches(setting.simulator, switches)
    try:
        passed = journey.walk(commands)
    finally:
        set_switches(setting.simulator, before)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"[journey] {'PASS' if passed else 'FAIL'}: {sum(ok for ok, _ in journey.results)} of {len(commands)} commands passed")
    for ok, line in journey.results:
        print(f"[journey]   {'ok  ' if ok else 'FAIL'} {line}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
