#!/usr/bin/env python3
"""Assertions on Airbyte protocol output (one JSON message per stdout line).

Used by scripts/ci/docker-test.sh; standard library only.

    assert_messages.py spec     OUT
    assert_messages.py check    OUT
    assert_messages.py discover OUT STREAM [--write-catalog PATH]
    assert_messages.py read     OUT STREAM [--min-records N]

Every command also takes --persist-config PATH: like the Airbyte platform, write
the config of the last CONTROL/CONNECTOR_CONFIG message (e.g. a rotated OAuth
refresh token) back to PATH, so the next command runs with it.

Prints one summary line; exits 1 with the reason when an assertion fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter


class Failure(Exception):
    pass


class Output:
    """Messages of one run: everything except RECORDs kept, RECORDs only counted per stream."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.records: Counter = Counter()


def load(path: str) -> Output:
    out, bad = Output(), []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                bad.append(lineno)
                continue
            if not isinstance(msg, dict) or "type" not in msg:
                bad.append(lineno)
                continue
            if msg["type"] == "RECORD":
                out.records[(msg.get("record") or {}).get("stream")] += 1
            else:
                out.messages.append(msg)
    if bad:
        raise Failure(f"{len(bad)} stdout line(s) are not Airbyte messages (lines {bad[:5]})")
    return out


def of_type(messages: list[dict], kind: str) -> list[dict]:
    return [m for m in messages if m.get("type") == kind]


def trace_errors(messages: list[dict]) -> list[str]:
    out = []
    for m in of_type(messages, "TRACE"):
        trace = m.get("trace") or {}
        if trace.get("type") == "ERROR":
            err = trace.get("error") or {}
            out.append(f"{err.get('failure_type')}: {err.get('message')}")
    return out


def persist_config(messages: list[dict], path: str) -> bool:
    """Write the newest CONNECTOR_CONFIG control message's config to path; True if one was found."""
    configs = [
        ((m.get("control") or {}).get("connectorConfig") or {}).get("config")
        for m in of_type(messages, "CONTROL")
        if (m.get("control") or {}).get("type") == "CONNECTOR_CONFIG"
    ]
    configs = [c for c in configs if isinstance(c, dict)]
    if not configs:
        return False
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(configs[-1], fh, indent=2)
    os.chmod(tmp, 0o644)  # read by the container user
    os.replace(tmp, path)
    return True


def do_spec(output: Output, _args) -> str:
    messages = output.messages
    specs = of_type(messages, "SPEC")
    if len(specs) != 1:
        raise Failure(f"expected exactly 1 SPEC message, got {len(specs)}")
    spec = specs[0].get("spec") or {}
    props = (spec.get("connectionSpecification") or {}).get("properties") or {}
    if not props:
        raise Failure("SPEC has no connectionSpecification.properties")
    return f"1 SPEC, {len(props)} top-level properties"


def do_check(output: Output, _args) -> str:
    messages = output.messages
    statuses = of_type(messages, "CONNECTION_STATUS")
    if len(statuses) != 1:
        raise Failure(f"expected 1 CONNECTION_STATUS, got {len(statuses)}; errors: {trace_errors(messages)}")
    status = statuses[0].get("connectionStatus") or {}
    if status.get("status") != "SUCCEEDED":
        raise Failure(f"CONNECTION_STATUS {status.get('status')}: {status.get('message')}")
    return "CONNECTION_STATUS SUCCEEDED"


def do_discover(output: Output, args) -> str:
    messages = output.messages
    catalogs = of_type(messages, "CATALOG")
    if len(catalogs) != 1:
        raise Failure(f"expected 1 CATALOG, got {len(catalogs)}; errors: {trace_errors(messages)}")
    streams = (catalogs[0].get("catalog") or {}).get("streams") or []
    by_name = {s.get("name"): s for s in streams}
    if args.stream not in by_name:
        raise Failure(f"stream {args.stream!r} not in catalog ({len(streams)} streams: {sorted(by_name)[:10]}...)")
    if args.write_catalog:
        stream = by_name[args.stream]
        if "full_refresh" not in (stream.get("supported_sync_modes") or []):
            raise Failure(f"stream {args.stream!r} does not support full_refresh")
        configured = {
            "streams": [
                {
                    "stream": stream,
                    "sync_mode": "full_refresh",
                    "destination_sync_mode": "overwrite",
                }
            ]
        }
        with open(args.write_catalog, "w", encoding="utf-8") as fh:
            json.dump(configured, fh, indent=2)
    return f"CATALOG with {len(streams)} streams, including {args.stream}"


def do_read(output: Output, args) -> str:
    messages, records = output.messages, output.records
    errors = trace_errors(messages)
    if errors:
        raise Failure(f"TRACE errors during read: {errors[:3]}")
    n = records.get(args.stream, 0)
    if n < args.min_records:
        raise Failure(f"expected >= {args.min_records} RECORD for {args.stream}, got {n} (all: {dict(records)})")
    states = len(of_type(messages, "STATE"))
    return f"{n} RECORD for {args.stream}, {states} STATE"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("spec", "check"):
        p = sub.add_parser(name)
        p.add_argument("output")
    p = sub.add_parser("discover")
    p.add_argument("output")
    p.add_argument("stream")
    p.add_argument("--write-catalog")
    p = sub.add_parser("read")
    p.add_argument("output")
    p.add_argument("stream")
    p.add_argument("--min-records", type=int, default=1)
    for p in sub.choices.values():
        p.add_argument("--persist-config", metavar="PATH")
    args = parser.parse_args(argv)

    handler = {"spec": do_spec, "check": do_check, "discover": do_discover, "read": do_read}[args.command]
    try:
        output = load(args.output)
        updated = bool(args.persist_config) and persist_config(output.messages, args.persist_config)
        summary = handler(output, args)
        if updated:
            summary += " (connector emitted an updated config; persisted)"
    except (Failure, OSError) as exc:
        print(f"FAIL {args.command}: {exc}")
        return 1
    print(f"ok   {args.command}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
