"""`examples/pyairbyte_read.py`: the connector run by PyAirbyte (`get_source(..., local_executable=...)`) into a
DuckDB cache. PyAirbyte is not a project dependency: these tests run only where `airbyte` is importable (see
docs/pyairbyte.md for the throwaway venv they were verified in) and each run takes a few seconds per connector call."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pinterest_simulator import Simulator

pytest.importorskip(
    "airbyte",
    reason="PyAirbyte (`pip install airbyte`) is not installed here; it is optional, see docs/pyairbyte.md",
)
duckdb = pytest.importorskip("duckdb", reason="PyAirbyte's default cache needs duckdb")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pyairbyte_read.py"
CONNECTOR = Path(sys.executable).parent / "source-pinterest-marketing"
pytestmark = pytest.mark.skipif(not CONNECTOR.exists(), reason=f"console script {CONNECTOR} not installed")

#: PyAirbyte reads AIRBYTE_* at import time, so every run is a subprocess with its own cache directory
_TIMEOUT = 240


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DO_NOT_TRACK": "1",  # no telemetry
        "AIRBYTE_OFFLINE_MODE": "1",  # no connector-registry lookups
        "AIRBYTE_PROJECT_DIR": str(tmp_path),
        "AIRBYTE_CACHE_ROOT": str(tmp_path / "cache"),
    }


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=_TIMEOUT,
        check=False,
    )


def _counts(stdout: str) -> dict[str, int]:
    return {name: int(n) for name, n in re.findall(r"^(\w+): (\d+) records$", stdout, flags=re.MULTILINE)}


def _cached_rows(tmp_path: Path, stream: str) -> int:
    db = tmp_path / "cache" / "default_cache" / "default_cache.duckdb"
    with duckdb.connect(str(db), read_only=True) as connection:
        return int(connection.execute(f'SELECT count(*) FROM main."{stream}"').fetchone()[0])


def _cached_states(tmp_path: Path) -> dict[str, str]:
    db = tmp_path / "cache" / "default_cache" / "default_cache.duckdb"
    with duckdb.connect(str(db), read_only=True) as connection:
        return dict(connection.execute("SELECT stream_name, state_json FROM main._airbyte_state").fetchall())


def test_example_reads_the_simulator_into_the_default_duckdb_cache(tmp_path: Path) -> None:
    run = _run(tmp_path, str(EXAMPLE), "--streams", "ad_accounts", "campaigns", "boards")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    counts = _counts(run.stdout)
    with Simulator(preset="small", seed=1) as sim:  # the example's simulator: same preset and seed, same data
        expected_accounts = len(sim.dataset.ad_account_ids)
    assert set(counts) == {"ad_accounts", "campaigns", "boards"}
    assert counts["ad_accounts"] == expected_accounts
    assert counts["campaigns"] > 0 and counts["boards"] > 0
    for stream, count in counts.items():
        assert _cached_rows(tmp_path, stream) == count
    states = _cached_states(tmp_path)
    assert '"cursor"' in states["campaigns"]  # read incrementally: per-account updated_time cursors
    assert "__ab_no_cursor_state_message" in states["ad_accounts"]  # read in full (it has no cursor)


def test_example_keeps_the_rotated_refresh_token_in_the_config_file(sim: Simulator, tmp_path: Path) -> None:
    config_path = tmp_path / "config.json"
    sim.write_config(config_path)
    first_token = json.loads(config_path.read_text())["credentials"]["refresh_token"]

    run = _run(tmp_path, str(EXAMPLE), "--config", str(config_path), "--streams", "campaigns", "ad_accounts")

    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert _counts(run.stdout)["ad_accounts"] == len(sim.dataset.ad_account_ids)
    credentials = json.loads(config_path.read_text())["credentials"]
    assert credentials["refresh_token"] != first_token
    assert credentials["refresh_token"] in sim.oauth._refresh  # the newest one: still valid for the next run
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600


_PLAIN_READ = """
import json, sys
import airbyte as ab
source = ab.get_source("source-pinterest-marketing", config=json.load(open(sys.argv[1])), local_executable=sys.argv[2])
print(len(source.read(streams=["ad_accounts"])["ad_accounts"]))
"""


def test_plain_pyairbyte_read_of_a_full_refresh_only_stream(sim: Simulator, tmp_path: Path) -> None:
    """PyAirbyte asks for `incremental` on every stream: a stream without a cursor is read in full."""
    config_path = tmp_path / "config.json"
    sim.write_config(config_path)
    run = _run(tmp_path, "-c", _PLAIN_READ, str(config_path), str(CONNECTOR))
    assert run.returncode == 0, run.stderr[-2000:]
