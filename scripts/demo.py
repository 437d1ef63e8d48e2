"""The demo: a real sync of every stream against the bundled Pinterest API simulator.

Starts the simulator, runs the connector's `check`, `discover` and a full-refresh `read` of the
whole catalog as a separate process (exactly as Airbyte would run it), and prints a per-stream
summary. No credentials are needed. Run it with `make demo`.

The configuration declares four custom reports over 400 days (DAY, WEEK, MONTH and TOTAL spend per campaign):
the demo checks that every WEEK, MONTH and TOTAL row is there once and equals the sum of its days.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pinterest_simulator import Simulator
from pinterest_simulator.switches import parse_assignment

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
    parser.add_argument(
        "--switch",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a reading of the simulator where the API description is open, e.g. week_start=sunday (repeatable)",
    )
    options = parser.parse_args()
    switches = dict(parse_assignment(text) for text in options.switch)

    with (
        Simulator(preset=options.preset, latency_ms=options.latency_ms, switches=switches) as sim,
        tempfile.TemporaryDirectory() as tmp,
    ):
        workdir = Path(tmp)
        config_path = workdir / "config.json"
        config_path.write_text(json.dumps(sim.connector_config(custom_reports=period_reports())))
        print(f"Pinterest API simulator at {sim.base_url} (preset {options.preset}, switches {sim.switches.as_dict()})")

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
        print()
        failures = check_periods([m["record"] for m in messages if m["type"] == "RECORD"])
        empty = [stream["name"] for stream in streams if not records.get(stream["name"])]
        if empty:
            print(f"\nstreams without records: {empty}", file=sys.stderr)
            return 1
        if failures:
            return 1
    return 0


SPEND = "SPEND_IN_MICRO_DOLLAR"
PERIOD_REPORTS = {"custom_weeks": "WEEK", "custom_months": "MONTH", "custom_totals": "TOTAL"}


def period_reports() -> list[dict[str, Any]]:
    """Spend per campaign over 400 days by DAY (from 40 days earlier, to cover the first week and month whole),
    WEEK, MONTH and TOTAL."""
    start = datetime.now(UTC).date() - timedelta(days=400)
    reports = [("days", "DAY", start - timedelta(days=40))]
    reports += [(name.removeprefix("custom_"), granularity, start) for name, granularity in PERIOD_REPORTS.items()]
    return [
        {"name": name, "level": "CAMPAIGN", "granularity": granularity, "columns": ["CAMPAIGN_ID", SPEND], "start_date": first.isoformat()}
        for name, granularity, first in reports
    ]


def check_periods(records: list[dict[str, Any]]) -> int:
    """Print, per period report, its rows, duplicate keys and rows that do not equal the sum of their days."""
    today = datetime.now(UTC).date()
    days: dict[tuple[str, date], float] = defaultdict(float)
    for record in records:
        if record["stream"] == "custom_days":
            data = record["data"]
            days[(data["ad_account_id"] + data["campaign_id"], date.fromisoformat(data["date"]))] += data.get(SPEND, 0)
    failures = 0
    print("period reports over 400 days (spend per campaign):")
    for stream, granularity in PERIOD_REPORTS.items():
        rows = [record["data"] for record in records if record["stream"] == stream]
        keys = Counter((row["ad_account_id"], row["campaign_id"], row["date"], row["period_end"]) for row in rows)
        duplicates = sum(count - 1 for count in keys.values())
        wrong = 0
        for row in rows:
            first, last = date.fromisoformat(row["period_start"]), min(date.fromisoformat(row["period_end"]), today)
            campaign = row["ad_account_id"] + row["campaign_id"]
            total = sum(days[(campaign, first + timedelta(days=n))] for n in range((last - first).days + 1))
            wrong += abs(row.get(SPEND, 0) - total) > 1e-6
        failures += duplicates + wrong
        print(f"  {granularity:<6} {len(rows):>5} rows, {duplicates} duplicate keys, {wrong} not equal to the sum of their days")
    return failures


def persist_rotated_config(messages: list[dict[str, Any]], config_path: Path) -> None:
    """Save the newest config a CONTROL message carries (Pinterest rotates refresh tokens)."""
    for message in messages:
        if message["type"] == "CONTROL" and message["control"]["type"] == "CONNECTOR_CONFIG":
            config_path.write_text(json.dumps(message["control"]["connectorConfig"]["config"]))


if __name__ == "__main__":
    sys.exit(main())
