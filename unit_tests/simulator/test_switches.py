"""The switches: validated values, set in the constructor, at run time, on the command line and over HTTP;
documented in their docstrings and the README."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from pinterest_simulator import Simulator
from pinterest_simulator.switches import AWAITING_STREAMS, CHOICES, DEFAULTS, SwitchError, Switches, parse_assignment

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("generate_switches", ROOT / "scripts" / "generate_switches.py")
assert _spec is not None and _spec.loader is not None
generate_switches = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate_switches)


def test_the_switches_their_values_and_defaults() -> None:
    """The table is the dataclass: each switch at least two readings, none twice, the default (the simulator's
    behaviour before the switch) first."""
    assert CHOICES and all(len(values) >= 2 and len(set(values)) == len(values) for values in CHOICES.values())
    assert {name: values[0] for name, values in CHOICES.items()} == DEFAULTS
    assert set(CHOICES) > AWAITING_STREAMS
    assert Switches().as_dict() == DEFAULTS
    assert list(DEFAULTS)[:3] == ["keyword_scope", "hour_date", "total_date"]  # declaration order


def test_the_connectors_copy_is_written_from_this_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """data/switches.json (the probe's table: the connector package has no simulator) is generated from CHOICES, and
    `make lint` (`--check`) fails when it falls behind."""
    assert generate_switches.main(["--check"]) == 0, "run: python scripts/generate_switches.py"
    written = json.loads(generate_switches.OUTPUT.read_text(encoding="utf-8"))["switches"]
    assert {name: tuple(values) for name, values in written.items()} == CHOICES
    stale = tmp_path / "switches.json"
    stale.write_text(generate_switches.render({**CHOICES, "new_switch": ("a", "b")}), encoding="utf-8")
    monkeypatch.setattr(generate_switches, "OUTPUT", stale)
    assert generate_switches.main(["--check"]) == 1


def test_an_unknown_name_or_value_names_the_valid_ones() -> None:
    switches = Switches()
    with pytest.raises(SwitchError, match="its values are: date_hour, date"):
        switches.hour_date = "hour"  # type: ignore[assignment]
    with pytest.raises(SwitchError, match="the switches are: keyword_scope, hour_date, total_date"):
        switches.update({"hour_format": "date"})
    with pytest.raises(SwitchError, match="unknown switch 'nope'"):
        Switches.of({"nope": "x"})
    with pytest.raises(SwitchError, match="code_12"):
        Switches(throttle="http_503")  # type: ignore[arg-type]
    with pytest.raises(SwitchError, match="mapping"):
        Switches.of(["hour_date=date"])  # type: ignore[arg-type]
    assert switches.as_dict() == DEFAULTS


def test_update_is_all_or_nothing_and_temporarily_restores() -> None:
    switches = Switches()
    with pytest.raises(SwitchError):
        switches.update({"hour_date": "date", "week_start": "tuesday"})
    assert switches.hour_date == "date_hour"
    with switches.temporarily(week_start="sunday", total_date="end_date") as inside:
        assert (inside.week_start, inside.total_date) == ("sunday", "end_date")
    assert switches.as_dict() == DEFAULTS
    switches.update({"throttle": "code_12"})
    switches.reset()
    assert switches.as_dict() == DEFAULTS


def test_the_constructor_takes_a_mapping_or_switches_and_sim_switches_changes_them() -> None:
    given = Switches(hour_date="date")
    sim = Simulator(switches=given)
    assert sim.switches.hour_date == "date"
    assert sim.switches is not given  # a copy: changing one does not change the other
    sim = Simulator(switches={"keyword_scope": "subtree", "throttle": "code_12"})
    assert (sim.switches.keyword_scope, sim.switches.throttle, sim.switches.hour_date) == (
        "subtree",
        "code_12",
        "date_hour",
    )
    sim.switches = {"week_start": "sunday"}  # replaces: the others go back to their defaults
    assert sim.switches.as_dict() == {**DEFAULTS, "week_start": "sunday"}
    with pytest.raises(SwitchError):
        Simulator(switches={"keyword_scope": "everything"})


def test_parse_assignment() -> None:
    assert parse_assignment("total_date=start_date") == ("total_date", "start_date")
    assert parse_assignment(" week_start = sunday ") == ("week_start", "sunday")
    for text in ("total_date", "total_date=", "=start_date", "size=large"):
        with pytest.raises(SwitchError):
            parse_assignment(text)


def test_admin_endpoints_show_and_set_switches(sim: Simulator) -> None:
    url = f"{sim.root_url}/_sim/switches"
    shown = requests.get(url).json()
    assert shown == {"switches": DEFAULTS, "choices": {name: list(values) for name, values in CHOICES.items()}}
    r = requests.post(url, json={"hour_date": "date", "throttle": "http_400_retry_after"})
    assert r.status_code == 200
    assert r.json()["switches"] == {**DEFAULTS, "hour_date": "date", "throttle": "http_400_retry_after"}
    assert sim.switches.hour_date == "date"
    assert requests.get(f"{sim.root_url}/_sim/health").json()["switches"]["throttle"] == "http_400_retry_after"
    bad = requests.post(url, json={"hour_date": "date_hour", "week_start": "friday"})
    assert bad.status_code == 400
    assert bad.json()["code"] == 1 and "monday, sunday" in bad.json()["message"]
    assert sim.switches.hour_date == "date"  # nothing changed
    unknown = requests.post(url, json={"colour": "blue"})
    assert unknown.status_code == 400 and "keyword_scope" in unknown.json()["message"]


def test_cli_switches(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pinterest_simulator",
            "--port",
            "0",
            "--switch",
            "hour_date=date",
            "--switch",
            "keyword_scope=subtree",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        health = requests.get(base_url.removesuffix("/v5") + "/_sim/health").json()
        assert health["switches"] == {**DEFAULTS, "hour_date": "date", "keyword_scope": "subtree"}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("week_start=friday", "its values are: monday, sunday"),
        ("colour=blue", "the switches are"),
        ("hour", "NAME=VALUE"),
    ],
)
def test_cli_refuses_a_bad_switch(argument: str, message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pinterest_simulator", "--port", "0", "--switch", argument],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and message in result.stderr


def _attribute_docstrings() -> dict[str, str]:
    tree = ast.parse((ROOT / "pinterest_simulator" / "switches.py").read_text(encoding="utf-8"))
    cls = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Switches")
    docs: dict[str, str] = {}
    for field, doc in zip(cls.body, cls.body[1:], strict=False):
        named = isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)
        text = isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str)
        if named and text:
            docs[field.target.id] = doc.value.value  # type: ignore[union-attr]
    return docs


@pytest.mark.parametrize("name", list(CHOICES))
def test_each_switch_documents_its_values_and_source(name: str) -> None:
    doc = _attribute_docstrings()[name]
    for value in CHOICES[name]:
        assert f"``{value}``" in doc, (name, value)
    assert "(default)" in doc
    assert "Source:" in doc and ("developers.pinterest.com" in doc or "spec" in doc)


def test_readme_has_a_row_per_switch() -> None:
    readme = (ROOT / "pinterest_simulator" / "README.md").read_text(encoding="utf-8")
    assert "## Switches" in readme
    for name, values in CHOICES.items():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{name}` |")), None)
        assert row is not None, name
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert all(f"`{value}`" in cells[1] for value in values), row
        assert cells[2] == f"`{DEFAULTS[name]}`", row
        assert re.search(r"developers\.pinterest\.com|[Ss]pec", cells[4]), row
