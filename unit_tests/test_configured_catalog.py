"""`source-pinterest-marketing-catalog` (configured_catalog.py; `catalog` in the Docker image): a configured catalog
from `discover`, which `read` takes as it is."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteStateMessageSerializer
from harness import run_cli

from pinterest_simulator import Simulator
from source_pinterest_marketing import configured_catalog
from source_pinterest_marketing.configured_catalog import main
from source_pinterest_marketing.scopes import beyond_default
from source_pinterest_marketing.streams import DECLARATIONS

ROOT = Path(__file__).resolve().parents[1]
CUSTOM_REPORT = {"name": "spend", "level": "CAMPAIGN", "granularity": "DAY", "columns": ["SPEND_IN_MICRO_DOLLAR"]}


def _config(tmp_path: Path, config: dict[str, Any]) -> str:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return str(path)


def _catalog(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_every_stream_incremental_where_supported(sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = _catalog(capsys, "--config", _config(tmp_path, sim.connector_config(custom_reports=[CUSTOM_REPORT])))
    streams = {entry["stream"]["name"]: entry for entry in catalog["streams"]}
    # every stream but those needing a scope beyond the default ones (biz_access:read...), and the custom report
    default_streams = [d for d in DECLARATIONS if not beyond_default(d.operation)]
    assert len(streams) == len(default_streams) + 1 and "custom_spend" in streams
    for name, entry in streams.items():
        supported = entry["stream"]["supported_sync_modes"]
        if "incremental" in supported:
            assert (entry["sync_mode"], entry["destination_sync_mode"]) == ("incremental", "append_dedup"), name
            assert entry["cursor_field"] == entry["stream"]["default_cursor_field"], name
        else:
            assert (entry["sync_mode"], entry["destination_sync_mode"]) == ("full_refresh", "overwrite"), name
        assert entry["primary_key"] == entry["stream"]["source_defined_primary_key"], name
    assert (streams["campaigns"]["sync_mode"], streams["keywords"]["sync_mode"]) == ("incremental", "full_refresh")


def test_chosen_streams_in_order_and_full_refresh_forced(
    sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, sim.connector_config())
    catalog = _catalog(capsys, "--config", config, "--streams", "campaigns, ads", "--streams", "keywords,campaigns", "--sync-mode", "full_refresh")
    assert [(e["stream"]["name"], e["sync_mode"], e["destination_sync_mode"]) for e in catalog["streams"]] == [
        ("campaigns", "full_refresh", "overwrite"),
        ("ads", "full_refresh", "overwrite"),
        ("keywords", "full_refresh", "overwrite"),
    ]


def test_unknown_streams_are_named_with_the_closest_name(
    sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", _config(tmp_path, sim.connector_config()), "--streams", "campaign,ads,nothing_alike"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(
        "error: Unknown stream(s) 'campaign' (did you mean 'campaigns'?), 'nothing_alike': this config's "
        f"{len(DECLARATIONS)} streams are "
        "ad_accounts, campaigns,"
    )


def test_incremental_forced_on_a_full_refresh_stream_is_an_error(
    sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--config", _config(tmp_path, sim.connector_config()), "--streams", "keywords", "--sync-mode", "incremental"]
    assert main(argv) == 2
    assert "Stream 'keywords' cannot be read incrementally (it supports full_refresh)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("config", "said"),
    [
        ('{"credentials": ', "is not valid JSON (line 1, column"),
        ('{"credentials": {"auth_method": "access_token", "access_token": "x"}, "click_window_days": 3}', "click_window_days"),
    ],
)
def test_a_config_discover_refuses_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str, said: str
) -> None:
    path = tmp_path / "config.json"
    path.write_text(config)
    assert main(["--config", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and said in captured.err and "Traceback" not in captured.err


def test_output_file_and_its_checks(sim: Simulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, sim.connector_config())
    output = tmp_path / "catalog.json"
    assert main(["--config", config, "--streams", "campaigns", "--output", str(output)]) == 0
    assert [e["stream"]["name"] for e in json.loads(output.read_text())["streams"]] == ["campaigns"]
    assert stat.S_IMODE(os.stat(output).st_mode) == configured_catalog.CATALOG_FILE_MODE
    assert f"Wrote the configured catalog to {output} (1 streams: 1 incremental, 0 full refresh)" in capsys.readouterr().err
    assert main(["--config", config, "--output", str(tmp_path)]) == 2
    assert f"Cannot write --output {tmp_path}: {tmp_path} is a directory" in capsys.readouterr().err


def test_read_takes_the_catalog_and_the_image_entry_point_writes_it(sim: Simulator, tmp_path: Path) -> None:
    """`main.py catalog ...`, as the image runs it (a separate process), then `read` with that catalog and the
    state it saved: the second read is incremental from that state."""
    config = _config(tmp_path, sim.connector_config(access_token_mode=True))
    completed = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "catalog", "--config", config, "--streams", "campaigns,keywords"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    catalog = tmp_path / "catalog.json"
    catalog.write_text(completed.stdout)
    output, error = run_cli(["read", "--config", config, "--catalog", str(catalog)])
    assert error is None
    counts = sim.dataset.counts()
    assert len(output.records) == counts["campaigns"] + counts["keywords"]
    last_state = {}
    for message in output.state_messages:
        dumped = AirbyteStateMessageSerializer.dump(message.state)
        last_state[dumped["stream"]["stream_descriptor"]["name"]] = dumped
    assert set(last_state) == {"campaigns", "keywords"}
    state = tmp_path / "state.json"
    state.write_text(json.dumps(list(last_state.values())))
    again, error = run_cli(["read", "--config", config, "--catalog", str(catalog), "--state", str(state)])
    assert error is None
    # campaigns: incremental from the saved cursor (only those at the cursor again); keywords: full refresh, all again
    streams = [record.record.stream for record in again.records]
    assert streams.count("keywords") == counts["keywords"]
    assert streams.count("campaigns") < counts["campaigns"]
