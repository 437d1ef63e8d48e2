"""The demo: a real sync of every stream against the bundled Pinterest API simulator.

Starts the simulator, runs the connector's `check`, `discover`, `catalog` (the configured catalog: every stream, full
refresh) and a `read` of the whole catalog as separate processes (exactly as a user runs them, with
`--update-config`: the rotated refresh token is saved into the config file), and prints a per-stream summary. No
credentials are needed. Run it with `make demo`.

By default the sync reads the last `QUICK_DAYS` days of analytics and reports (`start_date`; entity streams are read
whole): a first run in well under a minute. `--full` (`make demo-full`) reads as far back as each endpoint allows
(914 days of every report, about a million records: minutes).

The configuration declares four custom reports (DAY, WEEK, MONTH and TOTAL spend per campaign, over `PERIOD_DAYS`
days, 400 with `--full`): the demo checks that every WEEK, MONTH and TOTAL row is there once and equals the sum of its
days; and two custom reports that read Ads Manager report templates (one writing JSON files, one CSV). Last, the probe
(docs/probe.md) checks the connector's assumptions about the API against the simulator: every check confirmed. And a
token lacking `billing:read` reads a billing stream and campaigns: campaigns complete, the missing scope said once.
The configuration opts in to the leads (`leads.enabled`; the token has `ads:write`): the simulator's leads are
obviously fake.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pinterest_simulator import Simulator
from pinterest_simulator.clock import parse_day
from pinterest_simulator.oauth import ALL_READ_SCOPES, READ_SCOPES
from pinterest_simulator.switches import DEFAULTS, parse_assignment
from source_pinterest_marketing import clock as connector_clock

CONNECTOR = [sys.executable, "-m", "source_pinterest_marketing.run"]
#: the scope the opt-in leads need beyond the read scopes
LEADS_SCOPES = ("ads:write",)
RECORD_PREFIX = '{"type":"RECORD","record":{"stream":"'


def run_connector(args: list[str], kept_streams: frozenset[str] = frozenset()) -> tuple[list[dict[str, Any]], Counter[str]]:
    """Run one connector command as a separate process, reading its messages as they come: every message but the
    records, the records of `kept_streams`, and the number of records per stream (a full read is over a million
    records: holding them all parsed would take gigabytes)."""
    messages: list[dict[str, Any]] = []
    records: Counter[str] = Counter()
    with tempfile.TemporaryFile(mode="w+") as errors_file:
        process = subprocess.Popen([*CONNECTOR, *args], stdout=subprocess.PIPE, stderr=errors_file, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(RECORD_PREFIX):
                # the stream's name is the first field of a record: no need to parse the rest
                stream = line[len(RECORD_PREFIX) :].split('"', 1)[0]
                records[stream] += 1
                if stream in kept_streams:
                    messages.append(json.loads(line))
            elif line.startswith("{"):
                message = json.loads(line)
                if message.get("type") == "RECORD":  # serialised otherwise than expected: counted all the same
                    records[message["record"]["stream"]] += 1
                    if message["record"]["stream"] not in kept_streams:
                        continue
                messages.append(message)
        process.wait()
        errors_file.seek(0)
        stderr = errors_file.read()
    errors = [m["trace"]["error"]["message"] for m in messages if m.get("type") == "TRACE" and m["trace"].get("error")]
    if process.returncode != 0 or errors:
        print(f"connector {args[0]} failed: {errors or stderr[-2000:]}", file=sys.stderr)
        sys.exit(1)
    return messages, records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="small", choices=["small", "large"])
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument(
        "--full",
        action="store_true",
        help=f"read as far back as each endpoint allows (914 days of reports), not the last {QUICK_DAYS} days",
    )
    parser.add_argument(
        "--switch",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a reading of the simulator where the API description is open, e.g. week_start=sunday (repeatable)",
    )
    parser.add_argument(
        "--today",
        type=lambda value: parse_day(value, "--today"),
        default=None,
        metavar="YYYY-MM-DD",
        help="the date the simulator and the connector take as today (default: the machine's UTC date)",
    )
    options = parser.parse_args()
    switches = dict(parse_assignment(text) for text in options.switch)

    with (
        # every read scope (`--scopes all`): the business streams need biz_access:read, beyond the default scopes; and
        # ads:write, which the opt-in leads need (creating a leads export)
        Simulator(
            preset=options.preset,
            latency_ms=options.latency_ms,
            switches=switches,
            today=options.today,
            scopes=(*ALL_READ_SCOPES, *LEADS_SCOPES),
        ) as sim,
        tempfile.TemporaryDirectory() as tmp,
    ):
        # the connector processes count from the simulator's today, even across midnight (clock.py)
        os.environ[connector_clock.TODAY_VARIABLE] = sim.today().isoformat()
        workdir = Path(tmp)
        config_path = workdir / "config.json"
        today = sim.today()
        period_days = FULL_PERIOD_DAYS if options.full else PERIOD_DAYS
        reports = [*period_reports(today, period_days), *template_reports(sim)]
        # the opt-in ALL_ITEMS catalog report and leads (the simulator's are obviously fake) too, so that every stream
        # has records
        settings: dict[str, Any] = {
            "custom_reports": reports,
            "catalog_all_items_report": True,
            "leads": {"enabled": True},
        }
        if not options.full:
            settings["start_date"] = (today - timedelta(days=QUICK_DAYS)).isoformat()
        config_path.write_text(json.dumps(sim.connector_config(**settings)))
        history = "as far back as each endpoint allows" if options.full else f"the last {QUICK_DAYS} days (--full: all)"
        print(f"Pinterest API simulator at {sim.base_url} (preset {options.preset}, switches {sim.switches.as_dict()})")
        print(f"analytics and reports: {history}")

        # --update-config: the refresh token check rotates is saved into the config file, for the next commands
        check, _ = run_connector(["check", "--config", str(config_path), "--update-config"])
        status = next(m for m in check if m["type"] == "CONNECTION_STATUS")
        print(f"check: {status['connectionStatus']['status']}")

        catalog = next(m for m in run_connector(["discover", "--config", str(config_path)])[0] if m["type"] == "CATALOG")
        streams = catalog["catalog"]["streams"]
        print(f"discover: {len(streams)} streams")
        catalog_path = workdir / "catalog.json"
        helper = [*CONNECTOR, "catalog", "--config", str(config_path), "--sync-mode", "full_refresh", "--output", str(catalog_path)]
        # every stream, those needing a scope beyond the default ones too (the demo's token has every read scope)
        helper += ["--streams", ",".join(stream["name"] for stream in streams)]
        subprocess.run(helper, check=True)

        sim.requests.clear()
        started = time.monotonic()
        period_streams = frozenset({"custom_days", *PERIOD_REPORTS})
        read = ["read", "--config", str(config_path), "--catalog", str(catalog_path), "--update-config"]
        messages, records = run_connector(read, period_streams)
        elapsed = time.monotonic() - started

        requests = sim.requests.counts()
        print(f"read: {sum(records.values())} records from {len(records)} streams in {elapsed:.1f}s, {sum(requests.values())} API requests\n")
        print(f"{'stream':<36}{'records':>9}")
        for stream in streams:
            print(f"{stream['name']:<36}{records.get(stream['name'], 0):>9}")
        print(f"\n{'API operation':<44}{'requests':>9}")
        for operation, count in sorted(requests.items()):
            print(f"{operation:<44}{count:>9}")
        print()
        failures = check_periods([m["record"] for m in messages if m["type"] == "RECORD"], today, period_days)
        failures += run_probe(sim, workdir)
        failures += show_missing_scope(sim, workdir)
        empty = [stream["name"] for stream in streams if not records.get(stream["name"])]
        if empty:
            print(f"\nstreams without records: {empty}", file=sys.stderr)
            return 1
        if failures:
            return 1
    return 0


SPEND = "SPEND_IN_MICRO_DOLLAR"
PERIOD_REPORTS = {"custom_weeks": "WEEK", "custom_months": "MONTH", "custom_totals": "TOTAL"}
#: the quick demo's days of analytics and reports, and of its period reports (a few whole weeks and months)
QUICK_DAYS = 30
PERIOD_DAYS = 75
#: `--full`: the period reports' days
FULL_PERIOD_DAYS = 400


def period_reports(today: date, days: int) -> list[dict[str, Any]]:
    """Spend per campaign over `days` days by DAY (from 40 days earlier, to cover the first week and month whole),
    WEEK, MONTH and TOTAL."""
    start = today - timedelta(days=days)
    reports = [("days", "DAY", start - timedelta(days=40))]
    reports += [(name.removeprefix("custom_"), granularity, start) for name, granularity in PERIOD_REPORTS.items()]
    return [
        {"name": name, "level": "CAMPAIGN", "granularity": granularity, "columns": ["CAMPAIGN_ID", SPEND], "start_date": first.isoformat()}
        for name, granularity, first in reports
    ]


def template_reports(sim: Simulator) -> list[dict[str, Any]]:
    """Two Ads Manager report templates of the first ad account read as custom reports: one writing JSON, one CSV."""
    templates = sim.dataset.template_list(sim.dataset.owned_ad_account_ids[0])
    chosen = [next(t for t in templates if t["report_format"] == form) for form in ("JSON", "CSV")]
    return [
        {"name": f"template_{t['report_format'].lower()}", "level": t["report_level"], "template_id": t["id"]}
        for t in chosen
    ]


def check_periods(records: list[dict[str, Any]], today: date, period_days: int) -> int:
    """Print, per period report, its rows, duplicate keys and rows that do not equal the sum of their days (up to
    `today`)."""
    days: dict[tuple[str, date], float] = defaultdict(float)
    for record in records:
        if record["stream"] == "custom_days":
            data = record["data"]
            days[(data["ad_account_id"] + data["campaign_id"], date.fromisoformat(data["date"]))] += data.get(SPEND, 0)
    failures = 0
    print(f"period reports over {period_days} days (spend per campaign):")
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


def run_probe(sim: Simulator, workdir: Path) -> int:
    """The probe (docs/probe.md) as a user runs it, through the connector's entry point, on a config of its own:
    its summary, every check confirmed (under switches other than the defaults, the matching checks are
    contradictions naming them: exit 1 is then expected). 1 when it did not end as expected."""
    config_path = workdir / "probe-config.json"
    config_path.write_text(json.dumps(sim.connector_config()))
    command = ["probe", "--config", str(config_path), "--output", str(workdir / "probe.json")]
    completed = subprocess.run([*CONNECTOR, *command], capture_output=True, text=True, check=False)
    print("\nprobe: the connector's assumptions about the API, checked against the simulator (docs/probe.md)")
    print(completed.stdout.split("\nSummary\n", 1)[-1].rstrip())
    if completed.stderr.strip():
        print(completed.stderr.rstrip(), file=sys.stderr)
    # the probe never provokes a rate limit nor sends a used refresh token: another `throttle` or
    # `refresh_token_rotation` reading is not seen; any other is a contradiction
    unseen = ("throttle", "refresh_token_rotation")
    other = {name for name, value in sim.switches.as_dict().items() if value != DEFAULTS[name] and name not in unseen}
    expected = {1} if other else {0}
    return 0 if completed.returncode in expected else 1


def show_missing_scope(sim: Simulator, workdir: Path) -> int:
    """A read of campaigns and billing invoices with a token lacking `billing:read`: campaigns are read, and the sync
    ends with one error naming the scope (docs/pinterest-marketing.md#scopes-of-the-streams). 1 when not so."""
    config = sim.connector_config()
    config["credentials"]["refresh_token"] = sim.issue_refresh_token(scopes=READ_SCOPES)
    config_path, catalog_path = workdir / "scope-config.json", workdir / "scope-catalog.json"
    config_path.write_text(json.dumps(config))
    helper = [*CONNECTOR, "catalog", "--config", str(config_path), "--output", str(catalog_path)]
    subprocess.run([*helper, "--streams", "campaigns,billing_invoices"], check=True, capture_output=True)
    read = ["read", "--config", str(config_path), "--catalog", str(catalog_path)]
    completed = subprocess.run([*CONNECTOR, *read], capture_output=True, text=True, check=False)
    messages = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    campaigns = sum(m["type"] == "RECORD" and m["record"]["stream"] == "campaigns" for m in messages)
    errors = [m["trace"]["error"]["message"] for m in messages if m["type"] == "TRACE" and m["trace"].get("error")]
    print("\na token without billing:read, reading campaigns and billing_invoices:")
    print(f"  campaigns: {campaigns} records; the sync's error{'s' if len(errors) != 1 else ''}: {errors}")
    said_once = len([error for error in errors if "billing:read" in error]) == 1
    return 0 if campaigns and said_once and completed.returncode != 0 else 1


if __name__ == "__main__":
    sys.exit(main())
