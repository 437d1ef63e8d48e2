"""The demo: a real sync of every stream against the bundled Pinterest API simulator.

Starts the simulator, runs the connector's `check`, `discover` and a full-refresh `read` of the
whole catalog as a separate process (exactly as Airbyte would run it), and prints a per-stream
summary. No credentials are needed. Run it with `make demo`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from pinterest_simulator import Simulator

CONNECTOR = [sys.executable, "-m", "source_pinterest_marketing.run"]


def run_connector(args: list[str]) -> list[dict[str, Any]]:
    completed = subprocess.run([*CONNECTOR, *args], capture_output=True, text=True, check=False)
    messages = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    errors = [m["trace"]["error"]["message"] for m in messages if m.get("type") == "TRACE" and m["trace"].get("error")]
    if completed.returncode != 0 or errors:
        print(f"connector {args[0]} failed: {errors or completed.stderr[-2000:]}", file=sys.stderr)
        sys.exit(1)
    return messages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="small", choices=["small", "large"])
    parser.add_argument("--latency-ms", type=int, default=0)
    options = parser.parse_args()

    with Simulator(preset=options.preset, latency_ms=options.latency_ms) as sim, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        config_path = workdir / "config.json"
        config_path.write_text(json.dumps(sim.connector_config()))
        print(f"Pinterest API simulator at {sim.base_url} (preset {options.preset})")

        check = run_connector(["check", "--config", str(config_path)])
        status = next(m for m in check if m["type"] == "CONNECTION_STATUS")
        print(f"check: {status['connectionStatus']['status']}")
        # check rotated the refresh token: go on with the config the connector emitted, as Airbyte does
        persist_rotated_config(check, config_path)

        catalog = next(m for m in run_connector(["discover", "--config", str(config_path)]) if m["type"] == "CATALOG")
        streams = catalog["catalog"]["streams"]
        print(f"discover: {len(streams)} streams")
        configured = {
            "streams": [
                {"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}
                for stream in streams
            ]
        }
        catalog_path = workdir / "catalog.json"
        catalog_path.write_text(json.dumps(configured))

        sim.requests.clear()
        started = time.monotonic()
        messages = run_connector(["read", "--config", str(config_path), "--catalog", str(catalog_path)])
        elapsed = time.monotonic() - started

        records = Counter(m["record"]["stream"] for m in messages if m["type"] == "RECORD")
        requests = sim.requests.counts()
        print(f"read: {sum(records.values())} records from {len(records)} streams in {elapsed:.1f}s, {sum(requests.values())} API requests\n")
        print(f"{'stream':<36}{'records':>9}")
        for stream in streams:
            print(f"{stream['name']:<36}{records.get(stream['name'], 0):>9}")
        print(f"\n{'API operation':<44}{'requests':>9}")
        for operation, count in sorted(requests.items()):
            print(f"{operation:<44}{count:>9}")
        empty = [stream["name"] for stream in streams if not records.get(stream["name"])]
        if empty:
            print(f"\nstreams without records: {empty}", file=sys.stderr)
            return 1
    return 0


def persist_rotated_config(messages: list[dict[str, Any]], config_path: Path) -> None:
    """Save the newest config a CONTROL message carries (Pinterest rotates refresh tokens)."""
    for message in messages:
        if message["type"] == "CONTROL" and message["control"]["type"] == "CONNECTOR_CONFIG":
            config_path.write_text(json.dumps(message["control"]["connectorConfig"]["config"]))


if __name__ == "__main__":
    sys.exit(main())
