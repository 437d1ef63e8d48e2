"""One clock each: the connector and the simulator read the date only through their clock modules
(source_pinterest_marketing/clock.py, pinterest_simulator/clock.py), and the tests pin both (conftest.py). A source
scan finds any other read of the machine's date in the code, the tests and the scripts; the clocks themselves are
tested here: pinned by their environment variables (as subprocesses are), by `Simulator(today=...)` and
``--today``, and refusing a variable that is not a date."""

from __future__ import annotations

import ast
import datetime as dt
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from import_graph import ROOT

from pinterest_simulator import Simulator
from pinterest_simulator import clock as simulator_clock
from source_pinterest_marketing import clock as connector_clock

#: the code scanned: everything of the repository that runs
SCANNED = ("source_pinterest_marketing", "pinterest_simulator", "unit_tests", "integration_tests", "scripts", "examples")
SCANNED_FILES = ("conftest.py", "main.py", "setup.py")
#: the two modules that may read the machine's clock
CLOCK_MODULES = frozenset({"source_pinterest_marketing/clock.py", "pinterest_simulator/clock.py"})
#: reads of the machine's wall-clock seconds that measure time passing rather than name a day (token expiry, request
#: times); each kept on the machine's clock on purpose, said so where it is read
WALL_CLOCK_SECONDS = {
    ("source_pinterest_marketing/auth.py", "time.time"): "a refresh token's remaining lifetime",
    ("source_pinterest_marketing/auth.py", "ab_datetime_now"): "the access token's expiry (the CDK's authenticator)",
    ("source_pinterest_marketing/probe/cli.py", "time.time"): "a refresh token's remaining lifetime",
    ("source_pinterest_marketing/cdk_output.py", "time.time_ns"): "a record message's emitted_at, as the CDK stamps it",
    ("pinterest_simulator/oauth.py", "time.time"): "token lifetimes",
    ("pinterest_simulator/server.py", "time.time"): "when each request came (the request log)",
    ("scripts/benchmark.py", "time.time"): "when a run started, against the simulator's request log (its timeline)",
    ("unit_tests/test_auth.py", "time.time"): "a refreshed token's expiry",
    ("unit_tests/test_probe.py", "time.time"): "a refresh token's expiry",
}
#: attributes of the `time` module that read the machine's clock (``time.monotonic`` does not: it only measures)
_TIME_READS = frozenset({"time", "time_ns", "localtime", "gmtime", "ctime", "asctime", "strftime"})
#: class methods of `date` / `datetime` (and of date libraries) that read the machine's clock
_NOW_METHODS = frozenset({"today", "now", "utcnow"})
_DATE_CLASSES = frozenset({"date", "datetime", "AirbyteDateTime", "pendulum", "arrow", "DateTime"})
#: functions that read the machine's clock, wherever they come from
_NOW_FUNCTIONS = frozenset({"ab_datetime_now"})


def _dotted(node: ast.expr) -> str:
    """``a.b.c`` of a name or an attribute chain ('' for anything else)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def clock_reads(source: str) -> Iterator[tuple[int, str]]:
    """``(line, what)`` for every read of the machine's date or time in `source`, called or passed on:
    ``date.today``, ``datetime.now`` / ``utcnow`` / ``today`` (however `datetime` was imported), ``time.time`` and
    the `time` functions that read the clock, ``ab_datetime_now``, and `time` functions imported by name."""
    tree = ast.parse(source)
    time_names = {"time"}  # names the `time` module is bound to
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            time_names.update(alias.asname or alias.name for alias in node.names if alias.name == "time")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            for alias in node.names:
                if alias.name in _TIME_READS:
                    yield node.lineno, f"time.{alias.name}"
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in _NOW_FUNCTIONS:
                    yield node.lineno, alias.name
        elif isinstance(node, ast.Attribute):
            owner = _dotted(node.value)
            if owner in time_names and node.attr in _TIME_READS:
                yield node.lineno, f"time.{node.attr}"
            elif node.attr in _NOW_METHODS and owner.rsplit(".", 1)[-1] in _DATE_CLASSES:
                yield node.lineno, f"{owner.rsplit('.', 1)[-1]}.{node.attr}"
            elif node.attr in _NOW_FUNCTIONS:
                yield node.lineno, node.attr
        elif isinstance(node, ast.Name) and node.id in _NOW_FUNCTIONS and isinstance(node.ctx, ast.Load):
            yield node.lineno, node.id


def _scanned_files() -> list[Path]:
    files = [ROOT / name for name in SCANNED_FILES if (ROOT / name).exists()]
    for folder in SCANNED:
        files.extend(sorted((ROOT / folder).rglob("*.py")))
    return [path for path in files if ".venv" not in path.parts and "build" not in path.parts]


def _all_reads() -> dict[tuple[str, str], list[int]]:
    found: dict[tuple[str, str], list[int]] = {}
    for path in _scanned_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative in CLOCK_MODULES:
            continue
        for line, what in clock_reads(path.read_text(encoding="utf-8")):
            found.setdefault((relative, what), []).append(line)
    return found


# -- the scan -------------------------------------------------------------------------------------
def test_nothing_reads_the_machines_date_outside_the_clock_modules() -> None:
    reads = _all_reads()
    unexpected = {
        f"{path}:{lines} {what}" for (path, what), lines in reads.items() if (path, what) not in WALL_CLOCK_SECONDS
    }
    assert not unexpected, "read the date through source_pinterest_marketing.clock or the simulator's clock"


def test_every_wall_clock_exception_is_still_needed() -> None:
    """An exception whose read is gone goes from the list (the list stays the truth)."""
    reads = _all_reads()
    assert set(WALL_CLOCK_SECONDS) <= set(reads)


@pytest.mark.parametrize(
    ("snippet", "found"),
    [
        ("import datetime\nx = datetime.date.today()", "date.today"),
        ("import datetime as dt\nx = dt.datetime.now(dt.UTC)", "datetime.now"),
        ("from datetime import date\nx = date.today()", "date.today"),
        ("from datetime import datetime\nx = datetime.utcnow()", "datetime.utcnow"),
        ("from datetime import datetime\nx = datetime.today()", "datetime.today"),
        ("import time\nx = time.time()", "time.time"),
        ("import time as t\nx = t.time_ns()", "time.time_ns"),
        ("import time\nx = time.localtime()", "time.localtime"),
        ("import time\nclock = time.time", "time.time"),  # passed on, not called
        ("from time import time\nx = time()", "time.time"),
        ("from airbyte_cdk.utils.datetime_helpers import ab_datetime_now\nx = ab_datetime_now()", "ab_datetime_now"),
        ("from airbyte_cdk.utils import datetime_helpers\nx = datetime_helpers.ab_datetime_now()", "ab_datetime_now"),
    ],
)
def test_the_scan_finds_every_way_of_reading_the_date(snippet: str, found: str) -> None:
    assert found in {what for _, what in clock_reads(snippet)}


@pytest.mark.parametrize(
    "snippet",
    [
        "import time\nstarted = time.monotonic()",
        "import time\ntime.sleep(1)",
        "import datetime as dt\nx = dt.date.fromisoformat('2026-01-01') + dt.timedelta(days=1)",
        "from datetime import datetime\nx = datetime.fromtimestamp(0)",
        "from source_pinterest_marketing.clock import utc_today\nx = utc_today()",
        "x = sim.today()\ny = self.clock.now()",
    ],
)
def test_the_scan_leaves_other_uses_of_dates_alone(snippet: str) -> None:
    assert list(clock_reads(snippet)) == []


# -- the connector's clock ------------------------------------------------------------------------
def test_the_suite_pins_both_clocks_to_one_date(suite_today: dt.date) -> None:
    assert connector_clock.utc_today() == suite_today
    assert connector_clock.utc_now() == dt.datetime.combine(suite_today, dt.time(12), dt.UTC)  # midday, not moving
    assert connector_clock.unix_now() == connector_clock.utc_now().timestamp()
    assert simulator_clock.from_environment().today() == suite_today
    with Simulator(preset="small") as sim:
        assert sim.today() == suite_today
        assert sim.clock.now() == connector_clock.utc_now()


def test_pin_today_moves_both_clocks(pin_today: Callable[[dt.date], None]) -> None:
    day = dt.date(2027, 2, 28)
    pin_today(day)
    assert connector_clock.utc_today() == day
    with Simulator(preset="small") as sim:
        assert sim.today() == day


def test_the_connector_clock_follows_its_variable_and_refuses_a_bad_one() -> None:
    assert isinstance(connector_clock.from_environment({}), connector_clock.SystemClock)
    assert isinstance(connector_clock.from_environment({connector_clock.TODAY_VARIABLE: " "}), connector_clock.SystemClock)
    pinned = connector_clock.from_environment({connector_clock.TODAY_VARIABLE: "2027-03-01"})
    assert pinned == connector_clock.FixedClock(dt.date(2027, 3, 1))
    with pytest.raises(ValueError, match=f"{connector_clock.TODAY_VARIABLE} must be a date YYYY-MM-DD, not 'tomorrow'"):
        connector_clock.from_environment({connector_clock.TODAY_VARIABLE: "tomorrow"})


def test_the_system_clock_is_the_machines() -> None:
    before = dt.datetime.fromtimestamp(0, dt.UTC)
    now = connector_clock.SystemClock().now()
    assert now.tzinfo is not None and now > before
    assert simulator_clock.SystemClock().today() == simulator_clock.SystemClock().now().date()


def test_pinned_restores_the_previous_clock() -> None:
    before = connector_clock.current()
    with connector_clock.pinned(dt.date(2030, 1, 1)) as clock:
        assert connector_clock.current() is clock and connector_clock.utc_today() == dt.date(2030, 1, 1)
    assert connector_clock.current() is before


def test_a_connector_subprocess_counts_from_the_pinned_date(pin_today: Callable[[dt.date], None]) -> None:
    """The variable reaches a connector started as a process: its config's default end date is the pinned day."""
    pin_today(dt.date(2027, 5, 17))
    code = (
        "from source_pinterest_marketing.config import load_config;"
        "print(load_config({'credentials': {'auth_method': 'access_token', 'access_token': 'x'}}).end_date)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "2027-05-17"


# -- the simulator's clock ------------------------------------------------------------------------
def test_a_simulator_takes_its_date_from_today_then_the_variable() -> None:
    assert Simulator(preset="small", today="2027-01-31").today() == dt.date(2027, 1, 31)
    assert Simulator(preset="small", today=dt.date(2027, 2, 1)).today() == dt.date(2027, 2, 1)
    with pytest.raises(ValueError, match="today must be a date YYYY-MM-DD, not 'soon'"):
        Simulator(preset="small", today="soon")
    assert isinstance(simulator_clock.from_environment({}), simulator_clock.SystemClock)
    with pytest.raises(ValueError, match=f"{simulator_clock.TODAY_VARIABLE} must be a date YYYY-MM-DD"):
        simulator_clock.from_environment({simulator_clock.TODAY_VARIABLE: "2027-02-30"})


def test_a_simulators_clock_can_be_replaced_and_stamps_touched_entities() -> None:
    with Simulator(preset="small", today="2027-01-31") as sim:
        sim.clock = simulator_clock.FixedClock(dt.date(2027, 3, 3))
        assert sim.today() == dt.date(2027, 3, 3) and sim.dataset.today() == dt.date(2027, 3, 3)
        touched = sim.dataset.touch("campaigns", sim.dataset.owned_ad_account_ids[0])
        campaign = next(c for c in sim.dataset.entities("campaigns") if c["id"] == touched[0])
        assert campaign["updated_time"] == int(dt.datetime(2027, 3, 3, 12, tzinfo=dt.UTC).timestamp())


def test_the_simulator_cli_takes_today() -> None:
    """``--today`` pins the served date (metrics_ready_state answers for it and refuses the day after); a bad one is
    refused, naming the option."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pinterest_simulator", "--port", "0", "--today", "2027-06-30", "--access-token", "t"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        ready = f"{base_url}/resources/metrics_ready_state"
        auth = {"Authorization": "Bearer t"}
        assert requests.get(ready, headers=auth, params={"date": "2027-06-30"}).status_code == 200
        assert requests.get(ready, headers=auth, params={"date": "2027-07-01"}).status_code == 400
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    refused = subprocess.run(
        [sys.executable, "-m", "pinterest_simulator", "--port", "0", "--today", "2027-13-01"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert refused.returncode == 2 and "--today must be a date YYYY-MM-DD, not '2027-13-01'" in refused.stderr
