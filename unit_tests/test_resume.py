"""A sync killed at any point and restarted with its last state misses nothing: the records of the
killed sync and of the resumed one together are exactly those of a clean sync (by primary key), and
the resumed sync re-reads only what was not checkpointed; also when bodies broke in the killed sync (slices read
again: their state only moves once they are read to the end)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteStateMessageSerializer, ConfiguredAirbyteCatalogSerializer
from harness import INCREMENTAL_STREAMS, catalog, run_read

from pinterest_simulator import Simulator
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.streams import DECLARATIONS

PRIMARY_KEYS = {declaration.name: declaration.primary_key for declaration in DECLARATIONS}
# Entity and analytics streams: the connector runs in a subprocess here, where report jobs would be
# polled at their real pace; the resumability of reports is tested in test_reports.py.
STREAMS = tuple(name for name in INCREMENTAL_STREAMS if not name.endswith("_report"))


def _key(stream: str, data: dict[str, Any]) -> tuple[Any, ...]:
    primary_key = PRIMARY_KEYS[stream]
    fields = [primary_key] if isinstance(primary_key, str) else list(primary_key or [])
    return (stream, *(json.dumps(data.get(field if isinstance(field, str) else field[0])) for field in fields))


def _killed_read(config: dict[str, Any], catalog_json: str, kill_after: int) -> tuple[set[tuple[Any, ...]], list[dict]]:
    """Run the connector as Airbyte would, kill it after `kill_after` records; its records and states."""
    with tempfile.TemporaryDirectory() as tmp:
        config_path, catalog_path = Path(tmp, "config.json"), Path(tmp, "catalog.json")
        config_path.write_text(json.dumps(config))
        catalog_path.write_text(catalog_json)
        process = subprocess.Popen(
            [sys.executable, "-m", "source_pinterest_marketing.run", "read", "--config", str(config_path), "--catalog", str(catalog_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        records: set[tuple[Any, ...]] = set()
        states: dict[str, dict] = {}
        assert process.stdout is not None
        for line in process.stdout:
            message = json.loads(line)
            if message["type"] == "RECORD":
                records.add(_key(message["record"]["stream"], message["record"]["data"]))
                if len(records) >= kill_after:
                    process.kill()
                    break
            elif message["type"] == "STATE":
                states[message["state"]["stream"]["stream_descriptor"]["name"]] = message["state"]
        process.wait()
        assert len(records) >= kill_after, "the sync ended before the kill point"
    return records, list(states.values())


@pytest.mark.parametrize(
    ("fraction", "body_faults"), [(0.1, False), (0.5, False), (0.9, False), (0.5, True)], ids=["10%", "50%", "90%", "50%-broken-bodies"]
)
def test_killed_sync_resumes_without_gaps(fraction: float, body_faults: bool) -> None:
    # A few days of analytics and no lookback, so that re-reads are only what was in flight.
    start_date = (utc_today() - timedelta(days=4)).isoformat()
    settings = {"start_date": start_date, "lookback_window_days": 0}
    configured = catalog(STREAMS)
    with Simulator(preset="small", seed=3) as sim:
        clean_output = run_read(sim.connector_config(**settings), STREAMS)
        clean = {_key(r.record.stream, r.record.data) for r in clean_output.records}

        catalog_json = json.dumps(ConfiguredAirbyteCatalogSerializer.dump(configured))
        if body_faults:
            # a streamed analytics body breaks mid-way (rows out already), a list's page ends early
            sim.faults.add("reset", operation_id="ad_account/analytics")
            sim.faults.add("truncate", operation_id="campaigns/list")
        killed, states = _killed_read(sim.connector_config(**settings), catalog_json, int(len(clean) * fraction))

        assert not sim.faults.rules, "the body faults must have fired before the kill"
        state_messages = [AirbyteStateMessageSerializer.load(state) for state in states]
        resumed_output = run_read(sim.connector_config(**settings), STREAMS, state=state_messages)
        resumed = {_key(r.record.stream, r.record.data) for r in resumed_output.records}

    assert not resumed_output.errors
    assert killed | resumed == clean, "a record of the clean sync is missing after the resume"
    assert len(resumed) < len(clean), "the resumed sync must start from the checkpointed state"
