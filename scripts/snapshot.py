"""Snapshot of what the connector does, to prove a refactoring changes nothing: `--diff A B` compares two.

    python scripts/snapshot.py -o .snapshots/after              # this checkout
    python scripts/snapshot.py --rev main -o .snapshots/before  # another commit (a temporary git worktree)
    python scripts/snapshot.py --diff .snapshots/before .snapshots/after   # exit 1 on any difference

A snapshot is a directory: `index.json` (the plan: date, seed, scenarios, their configs and streams) and one
`<scenario>.json` per scenario, every value normalised so that two runs of the same code are equal byte for byte.
It records, on the simulator's demo dataset (preset `small`, seed 1, both clocks pinned to 2026-12-07):

- `spec` and `discover` (the catalog, streams by name), in the `base` scenario;
- per read: the records of every stream as a multiset (each record's canonical JSON, sorted: concurrency reorders
  records), the final state of every stream (per-partition lists sorted by partition), the final status of every
  stream, error traces, WARN/ERROR logs and the number of CONTROL messages;
- per read: every request the connector sent, taken where the simulator's request log takes it (its WSGI entry,
  which sees the body too): method, path, query (names sorted, values as sent), body (JSON keys sorted; form
  fields sorted, secrets masked), the status and a digest of the answer's bytes (report files included): the
  simulator's answers are compared byte for byte. Report job tokens (standard and measurement reports) and lead
  export ids become the job's account and body digest; the server's port is masked; the token endpoint's answer is not digested (random
  tokens, wall-clock expiries).

Scenarios (`SCENARIOS`):

- `base`: all switches at their defaults, every stream (standard and custom reports: DAY, WEEK, MONTH, TOTAL,
  HOUR, a JSON and a CSV template), OAuth with a rotating refresh token (the rotated config kept between reads, as
  Airbyte does), three reads: full refresh; incremental without state; then, after the dataset changed (entities
  touched and added, recent metrics restated), incremental with the state of the second read;
- one scenario per switch of the simulator, run under each of its values (the default too when the scenario's
  config or faults differ from `base`), two reads (incremental without state; changes; incremental with that
  state). Its streams are those that send a request whose answer the switch changes, under a config that makes it
  matter (`SwitchScenario`): the streams whose declared API operation (`StreamDeclaration.operation`) is one the
  switch changes, those whose rows carry a column the switch changes (`flag_form`), and the scenario's custom
  reports; `throttle` adds rate limits on fixed paths, `unknown_pin` a Pin listed and then unknown, `idle_rows` and
  `idle_total_rows` set `delivery=scheduled` too (campaigns without delivery to answer for). A switch without
  a scenario stops the tool. `--check-selection` verifies the choice: it reads every stream under every value and
  names each stream left out whose output changes with the value;
- `probe`: the probe (docs/probe.md) against the simulator: its requests and its findings.

Cost (2 cores shared, `--jobs 2`): see docs/dev/ARCHITECTURE.md#snapshots.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import datetime as dt
import faulthandler
import gzip
import hashlib
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-12-07"
PRESET = "small"
SEED = 1
#: the days read: 20 days before today (a Tuesday three weeks back: cut weeks, and a month boundary)
HISTORY_DAYS = 20
#: the write scope a stream needs to read (creating a leads export: `ads:write`)
WRITE_SCOPES = ("ads:write",)
#: a scenario taking longer has hung (the longest takes a minute on a loaded machine)
SCENARIO_TIMEOUT_SECONDS = 600
SECRET_FIELDS = ("refresh_token", "client_secret", "code", "access_token")
#: sync analytics operations whose rows follow `analytics_granularity`
ADS_ANALYTICS = (
    "ad_account/analytics",
    "campaigns/analytics",
    "ad_groups/analytics",
    "ads/analytics",
    "ad_pins/analytics",
    "product_groups/analytics",
    "ad_account_targeting_analytics/get",
    "campaign_targeting_analytics/get",
    "ad_groups_targeting_analytics/get",
    "ad_targeting_analytics/get",
)
FLAG_COLUMNS = ("IS_PREMIERE_CAMPAIGN", "CAMPAIGN_BUDGET_OPTIMIZATION")


# -- the plan ---------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class SwitchScenario:
    """How a switch is made to matter, and which streams it can change."""

    #: API operations whose answers the switch changes: the streams declared on them are read
    operations: tuple[str, ...] = ()
    #: streams read besides (by name: custom reports of the scenario's config, fixed choices)
    streams: tuple[str, ...] = ()
    #: also every stream whose schema has one of these columns
    columns: tuple[str, ...] = ()
    #: config values over the base config (a config that makes the switch matter)
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    #: faults added before each read (`FaultInjector.add` keywords; `{account}`: the first owned ad account)
    faults: tuple[Mapping[str, Any], ...] = ()
    #: a Pin listed by `pins/list` that the analytics endpoints do not know (deleted after it was listed)
    unknown_pin: bool = False
    #: other switches set under each value (data that makes the switch matter: `delivery` for `idle_rows`)
    also: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def differs_from_base(self) -> bool:
        return bool(self.config or self.faults or self.unknown_pin or self.also)


ONE_ACCOUNT = {"ad_account_ids": ["{account}"]}
PERIOD_STREAMS = {"HOUR": "custom_hours", "WEEK": "custom_weeks", "MONTH": "custom_months", "TOTAL": "custom_totals"}

#: switch -> its scenario; every switch of the simulator needs one
SWITCH_SCENARIOS: dict[str, SwitchScenario] = {
    "keyword_scope": SwitchScenario(operations=("keywords/get",)),
    "hour_date": SwitchScenario(
        operations=ADS_ANALYTICS,
        streams=("custom_hours",),
        config={**ONE_ACCOUNT, "analytics_granularity": "HOUR", "start_date": "{today-1}"},
    ),
    "total_date": SwitchScenario(
        operations=ADS_ANALYTICS, streams=("custom_totals",), config={**ONE_ACCOUNT, "analytics_granularity": "TOTAL"}
    ),
    "week_start": SwitchScenario(
        operations=ADS_ANALYTICS, streams=("custom_weeks",), config={**ONE_ACCOUNT, "analytics_granularity": "WEEK"}
    ),
    "period_label": SwitchScenario(
        operations=ADS_ANALYTICS,
        streams=("custom_weeks", "custom_months"),
        config={**ONE_ACCOUNT, "analytics_granularity": "MONTH"},
    ),
    "throttle": SwitchScenario(
        streams=("campaigns", "ad_analytics", "campaign_report"),
        config=ONE_ACCOUNT,
        faults=tuple(
            {"kind": "rate_limit", "path_regex": f"^/v5/ad_accounts/{{account}}/{path}$", "times": 2, "reset": 1}
            for path in ("campaigns", "ads/analytics", "reports")
        ),
    ),
    "product_group_ids": SwitchScenario(
        operations=("product_groups/analytics",),
        streams=(
            "product_group_report",
            "product_group_targeting_report",
            "product_item_report",
            "product_item_targeting_report",
        ),
        config=ONE_ACCOUNT,
    ),
    "pin_metric_mismatch": SwitchScenario(operations=("multi_pins/analytics",)),
    "unknown_pin": SwitchScenario(operations=("multi_pins/analytics",), unknown_pin=True),
    "top_pins_data_status": SwitchScenario(
        operations=("user_account/analytics/top_pins", "user_account/analytics/top_video_pins")
    ),
    "flag_form": SwitchScenario(columns=FLAG_COLUMNS, streams=("custom_template_csv",), config=ONE_ACCOUNT),
    "refresh_token_rotation": SwitchScenario(streams=("user_account", "ad_accounts")),
    "labels_item": SwitchScenario(operations=("labels/list",)),
    "website_verified_at": SwitchScenario(operations=("user_websites/get",)),
    "linked_business_id": SwitchScenario(operations=("linked_business_accounts/get",)),
    "targeting_options_shape": SwitchScenario(operations=("targeting_options/get",)),
    "lead_form_questions_shape": SwitchScenario(operations=("lead_form_questions/get",)),
    "unshared_audience": SwitchScenario(operations=("ad_accounts_audiences_shared_accounts/list",)),
    "business_access_paging": SwitchScenario(
        operations=("get/business_members", "get/business_partners", "business_assets/get")
    ),
    "business_partner_type_default": SwitchScenario(operations=("get/business_partners",)),
    "featured_topics_default": SwitchScenario(operations=("trends_featured_topics/list",)),
    "processing_results_paging": SwitchScenario(operations=("feed_processing_results/list", "items_issues/list")),
    "catalog_report_format": SwitchScenario(operations=("reports/create",), config={"catalog_all_items_report": True}),
    "catalog_all_items_report": SwitchScenario(
        operations=("reports/create",), config={"catalog_all_items_report": True}
    ),
    # the connector asks exports of lead ads only (`non_lead_ad_export`), never older than Pinterest keeps leads
    # (`leads_retention`)
    **{
        switch: SwitchScenario(operations=("leads_export/create",))
        for switch in ("leads_export_format", "leads_retention", "non_lead_ad_export")
    },
    "measurement_file_format": SwitchScenario(
        operations=("analytics/create_conversion_product_report", "analytics/create_mmm_report"),
        config={"start_date": "{today-60}"},
    ),
    # a start further back than the sync analytics' reading serves
    "mmm_date_limits": SwitchScenario(operations=("analytics/create_mmm_report",), config={"start_date": "{today-200}"}),
    # campaigns, ad groups and ads without delivery on some days; what their rows are (zeros or none) at DAY and TOTAL
    "delivery": SwitchScenario(operations=ADS_ANALYTICS, config=ONE_ACCOUNT),
    "idle_rows": SwitchScenario(operations=ADS_ANALYTICS, config=ONE_ACCOUNT, also={"delivery": "scheduled"}),
    "idle_total_rows": SwitchScenario(
        operations=ADS_ANALYTICS,
        config={**ONE_ACCOUNT, "analytics_granularity": "TOTAL"},
        also={"delivery": "scheduled"},
    ),
    # a window shorter than either reading of the minimum: a start 2 days back, no lookback
    "conversion_report_min_window": SwitchScenario(
        operations=("analytics/create_conversion_product_report",),
        config={"start_date": "{today-2}", "lookback_window_days": 0},
    ),
}


def custom_reports(today: dt.date, first_template: Mapping[str, str]) -> list[dict[str, Any]]:
    """The base config's custom reports: spend per campaign at each granularity, and two Ads Manager templates."""
    columns = ["CAMPAIGN_ID", "SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION", "IS_PREMIERE_CAMPAIGN"]
    reports: list[dict[str, Any]] = [
        {"name": "days", "level": "CAMPAIGN", "granularity": "DAY", "columns": columns},
        {"name": "weeks", "level": "CAMPAIGN", "granularity": "WEEK", "columns": columns},
        {"name": "months", "level": "AD_GROUP", "granularity": "MONTH", "columns": ["AD_GROUP_ID", *columns]},
        {"name": "totals", "level": "CAMPAIGN", "granularity": "TOTAL", "columns": columns},
        {
            "name": "hours",
            "level": "CAMPAIGN",
            "granularity": "HOUR",
            "columns": columns,
            "start_date": (today - dt.timedelta(days=1)).isoformat(),
        },
    ]
    reports += [
        {"name": f"template_{form.lower()}", "level": template["report_level"], "template_id": template["id"]}
        for form, template in first_template.items()
    ]
    return reports


def fill(value: Any, names: Mapping[str, str]) -> Any:
    """`value` with `{account}`, `{today-1}`... placeholders of its strings filled."""
    if isinstance(value, str):
        for name, text in names.items():
            value = value.replace("{" + name + "}", text)
        return value
    if isinstance(value, list):
        return [fill(item, names) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    return value


def make_plan(root: Path, only: Iterable[str] = (), all_streams: bool = False) -> dict[str, Any]:
    """The scenarios, computed from the checkout the tool runs in (its registry, its simulator's switches and
    dataset): the same plan is then run against any commit, so two snapshots always read the same streams."""
    from airbyte_cdk.test.entrypoint_wrapper import discover

    from pinterest_simulator import Simulator
    from pinterest_simulator.oauth import ALL_READ_SCOPES
    from pinterest_simulator.switches import AWAITING_STREAMS, CHOICES, DEFAULTS
    from source_pinterest_marketing.source import SourcePinterestMarketing
    from source_pinterest_marketing.streams import DECLARATIONS

    missing = set(CHOICES) - set(SWITCH_SCENARIOS) - AWAITING_STREAMS
    if missing:
        raise SystemExit(f"snapshot: no scenario for the switches {sorted(missing)}: add one to SWITCH_SCENARIOS")
    today = dt.date.fromisoformat(TODAY)
    with Simulator(preset=PRESET, seed=SEED, today=today, scopes=(*ALL_READ_SCOPES, *WRITE_SCOPES)) as sim:
        account = sim.dataset.owned_ad_account_ids[0]
        templates = sim.dataset.template_list(account)
        first_template = {form: next(t for t in templates if t["report_format"] == form) for form in ("JSON", "CSV")}
        base_config = {
            "start_date": (today - dt.timedelta(days=HISTORY_DAYS)).isoformat(),
            "lookback_window_days": 2,
            "custom_reports": custom_reports(today, first_template),
            # the opt-in leads (personal data; simulated ones are obviously fake)
            "leads": {"enabled": True},
        }
        output = discover(SourcePinterestMarketing(), {**sim.connector_config(access_token_mode=True), **base_config})
    catalog = list(output.catalog.catalog.streams)
    names = [stream.name for stream in catalog]
    incremental = sorted(s.name for s in catalog if "incremental" in [m.value for m in s.supported_sync_modes])
    operations = {declaration.name: declaration.operation for declaration in DECLARATIONS}
    flagged = {
        stream.name: sorted(set(stream.json_schema.get("properties", {})) & set(FLAG_COLUMNS)) for stream in catalog
    }
    placeholders = {"account": account, **{f"today-{days}": (today - dt.timedelta(days=days)).isoformat() for days in (1, 2, 60, 200)}}
    scenarios: list[dict[str, Any]] = [
        {"name": "base", "switches": {}, "config": {}, "streams": names, "faults": [], "unknown_pin": False, "reads": 3}
    ]
    for switch, values in CHOICES.items():
        if switch in AWAITING_STREAMS:
            continue  # no stream reads its endpoint yet
        scenario = SWITCH_SCENARIOS[switch]
        chosen = {name for name, operation in operations.items() if operation in scenario.operations}
        chosen |= {name for name, columns in flagged.items() if set(columns) & set(scenario.columns)}
        chosen |= set(scenario.streams)
        unknown = chosen - set(names)
        if unknown:
            raise SystemExit(f"snapshot: the scenario of {switch} names streams discover does not have: {unknown}")
        for value in values:
            if value == DEFAULTS[switch] and not scenario.differs_from_base and not all_streams:
                continue  # the base scenario reads these streams under the default already
            scenarios.append(
                {
                    "name": f"{switch}={value}",
                    "switches": {**scenario.also, switch: value},
                    "config": fill(dict(scenario.config), placeholders),
                    "streams": names if all_streams else [name for name in names if name in chosen],
                    "selected": [name for name in names if name in chosen],
                    "faults": fill([dict(fault) for fault in scenario.faults], placeholders),
                    "unknown_pin": scenario.unknown_pin,
                    "reads": 1 if all_streams else 2,
                }
            )
    scenarios.append({"name": "probe", "switches": {}, "config": {}, "streams": [], "faults": [], "reads": 0})
    wanted = set(only)
    if wanted:
        scenarios = [s for s in scenarios if s["name"] in wanted or s["name"].split("=")[0] in wanted]
    return {
        "today": TODAY,
        "preset": PRESET,
        "seed": SEED,
        # every read scope, so that the streams needing optional ones (biz_access:read...) read records, and the
        # write scope reading the leads needs
        "scopes": [*ALL_READ_SCOPES, *WRITE_SCOPES],
        "base_config": base_config,
        "incremental": incremental,
        "primary_keys": {stream.name: stream.source_defined_primary_key or [] for stream in catalog},
        "scenarios": scenarios,
    }


# -- capturing the simulator's side ---------------------------------------------------------------
TOKEN = re.compile(r"\b[0-9a-f]{24}\b")
#: a lead export's id (digits, as Pinterest's: `leads_export_id`); numbers that are no export's id are left as they are
EXPORT_ID = re.compile(r"\b[0-9]{10,20}\b")


class Recorder:
    """WSGI middleware in front of the simulator: every request (with its body) and a digest of its answer."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        self.app = sim.wsgi_app
        self.entries: list[str] = []
        self.lock = threading.Lock()

    def job_label(self, token: str) -> str | None:
        # the standard reports' jobs, the measurement reports' and the lead exports' (their tokens are random too)
        stores = (self.sim.reports, self.sim.conversion_reports, self.sim.mmm_reports, self.sim.lead_exports)
        job = next((store.jobs[token] for store in stores if token in store.jobs), None)
        if job is None:
            return None
        digest = hashlib.sha256(json.dumps(job.body, sort_keys=True).encode()).hexdigest()[:12]
        return f"<job {job.account_id} {digest}>"

    def mask(self, text: str) -> str:
        text = text.replace(self.sim.root_url, "<root>")
        text = TOKEN.sub(lambda match: self.job_label(match.group()) or match.group(), text)
        return EXPORT_ID.sub(lambda match: self.job_label(match.group()) or match.group(), text)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        status: list[str] = []

        def capture(status_line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status.append(status_line.split()[0])
            return start_response(status_line, headers, exc_info)

        answer: list[bytes] = []
        chunks = self.app(environ, capture)
        try:
            for chunk in chunks:
                answer.append(chunk)
                yield chunk
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
            self.record(environ, body, status[0] if status else "-", b"".join(answer))

    def answer_digest(self, path: str, answer: bytes) -> str:
        """A digest of the answer's bytes; those of a small answer (an API answer, not a report file) with the port
        and the job tokens masked."""
        if path.endswith("/oauth/token"):
            return "(token answer)"
        if len(answer) < 65536:
            answer = self.mask(answer.decode("utf-8", "replace")).encode()
        return hashlib.sha256(answer).hexdigest()[:16]

    def record(self, environ: Mapping[str, Any], body: bytes, status: str, answer: bytes) -> None:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_sim"):
            return
        query = sorted_query(environ.get("QUERY_STRING", ""))
        text = f"{environ['REQUEST_METHOD']} {path}{'?' + query if query else ''}{normalised_body(body, environ)}"
        digest = self.answer_digest(path, answer)
        with self.lock:
            self.entries.append(self.mask(f"{text} -> {status} {digest}"))

    def take(self) -> list[str]:
        with self.lock:
            entries, self.entries = sorted(self.entries), []
        return entries


def sorted_query(query: str) -> str:
    """The query's parameters sorted by name (a parameter's values in the order sent: a stable sort)."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return "&".join(f"{name}={value}" for name, value in sorted(pairs, key=lambda pair: pair[0]))


def normalised_body(body: bytes, environ: Mapping[str, Any]) -> str:
    if not body:
        return ""
    if "json" in environ.get("CONTENT_TYPE", ""):
        return " json:" + json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    fields = sorted(parse_qsl(body.decode(), keep_blank_values=True))
    return " form:" + "&".join(f"{k}={'<secret>' if k in SECRET_FIELDS else v}" for k, v in fields)


# -- running the connector --------------------------------------------------------------------------
class Logs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname} {record.getMessage()}")


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def normalised_state(state: Mapping[str, Any]) -> Any:
    """A stream's state; the partitions of a per-partition state sorted by partition."""
    state = dict(state)
    if isinstance(state.get("states"), list):
        state["states"] = sorted(state["states"], key=lambda item: canonical(item.get("partition")))
    return state


class Runner:
    """Runs connector commands in this process against one simulator and normalises what they say."""

    def __init__(self, sim: Any, recorder: Recorder, config: dict[str, Any]) -> None:
        self.sim = sim
        self.recorder = recorder
        self.config = config

    def command(self, args: list[str]) -> tuple[list[dict[str, Any]], list[str], str]:
        """(messages, WARN/ERROR logs, the uncaught exception if any) of one command; CONTROL messages (the CDK
        prints them straight to stdout) are among the messages; the rotated config is kept."""
        from airbyte_cdk.entrypoint import AirbyteEntrypoint

        from source_pinterest_marketing import run
        from source_pinterest_marketing.source import SourcePinterestMarketing

        entrypoint_class = getattr(run, "PinterestEntrypoint", AirbyteEntrypoint)
        entrypoint = entrypoint_class(SourcePinterestMarketing())
        logs = Logs()
        logging.getLogger().addHandler(logs)
        printed = io.StringIO()
        lines: list[str] = []
        problem = ""
        try:
            with contextlib.redirect_stdout(printed):
                for message in entrypoint.run(entrypoint.parse_args(args)):
                    lines.append(message)
        except Exception as error:  # noqa: BLE001 - recorded: the snapshot shows how a command ends
            problem = f"{type(error).__name__}: {error}"
        finally:
            logging.getLogger().removeHandler(logs)
        lines += [line for line in printed.getvalue().splitlines() if line.startswith("{")]
        messages = [json.loads(line) for line in lines]
        for message in messages:
            if message.get("type") == "CONTROL" and message["control"].get("type") == "CONNECTOR_CONFIG":
                self.config = message["control"]["connectorConfig"]["config"]
        return messages, [self.recorder.mask(text) for text in logs.messages], self.recorder.mask(problem)

    def files(self, directory: Path, catalog: Any = None, state: Any = None) -> list[str]:
        config_path = directory / "config.json"
        config_path.write_text(json.dumps(self.config))
        args = ["--config", str(config_path)]
        if catalog is not None:
            (directory / "catalog.json").write_text(json.dumps(catalog))
            args += ["--catalog", str(directory / "catalog.json")]
        if state is not None:
            (directory / "state.json").write_text(json.dumps(state))
            args += ["--state", str(directory / "state.json")]
        return args

    def spec_and_discover(self) -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as tmp:
            spec, _, _ = self.command(["spec"])
            found, _, problem = self.command(["discover", *self.files(Path(tmp))])
        [specification] = [m["spec"] for m in spec if m.get("type") == "SPEC"]
        [catalog] = [m["catalog"] for m in found if m.get("type") == "CATALOG"] or [{"streams": []}]
        streams = sorted(catalog["streams"], key=lambda stream: stream["name"])
        self.recorder.take()
        return {"spec": specification, "discover": {"streams": streams, "problem": problem}}

    def read(self, streams: list[str], incremental: set[str], mode: str, state: Any = None) -> dict[str, Any]:
        configured = {
            "streams": [
                {
                    "stream": {
                        "name": name,
                        "json_schema": {},
                        "supported_sync_modes": ["full_refresh", "incremental"],
                    },
                    "sync_mode": "incremental" if mode == "incremental" and name in incremental else "full_refresh",
                    "destination_sync_mode": "append" if mode == "incremental" else "overwrite",
                }
                for name in streams
            ]
        }
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as tmp:
            messages, logs, problem = self.command(["read", *self.files(Path(tmp), configured, state)])
        seconds = time.monotonic() - started
        return {**summarise(messages, logs, problem, self.recorder.take()), "_seconds": round(seconds, 1)}


def summarise(messages: list[dict[str, Any]], logs: list[str], problem: str, requests: list[str]) -> dict[str, Any]:
    records: dict[str, list[str]] = {}
    states: dict[str, Any] = {}
    statuses: dict[str, str] = {}
    errors: list[str] = []
    waits: Counter[str] = Counter()
    controls = 0
    for message in messages:
        kind = message.get("type")
        if kind == "RECORD":
            records.setdefault(message["record"]["stream"], []).append(canonical(message["record"]["data"]))
        elif kind == "STATE":
            stream = message["state"]["stream"]
            states[stream["stream_descriptor"]["name"]] = normalised_state(stream.get("stream_state") or {})
        elif kind == "CONTROL":
            controls += 1
        elif kind == "TRACE" and message["trace"].get("type") == "ERROR":
            error = message["trace"]["error"]
            errors.append(f"{error.get('failure_type')}: {error.get('message')}")
        elif kind == "TRACE" and message["trace"].get("type") == "STREAM_STATUS":
            status = message["trace"]["stream_status"]
            name = status["stream_descriptor"]["name"]
            if status.get("reasons"):  # RATE_LIMITED: printed straight to stdout, hence out of order here
                reasons = ",".join(reason["type"] for reason in status["reasons"])
                waits[f"{name} {status['status']} {reasons}"] += 1
            else:
                statuses[name] = status["status"]
        elif kind == "LOG" and message["log"]["level"] in ("WARN", "ERROR", "FATAL"):
            logs.append(f"{message['log']['level']} {message['log']['message']}")
    return {
        "records": {stream: sorted(rows) for stream, rows in sorted(records.items())},
        "states": dict(sorted(states.items())),
        "statuses": dict(sorted(statuses.items())),
        "statuses_with_reasons": dict(sorted(waits.items())),
        "errors": sorted(errors),
        "logs": sorted(logs),
        "control_messages": controls,
        "problem": problem,
        "requests": requests,
    }


def change_the_dataset(sim: Any) -> None:
    """Between two incremental reads: entities modified and created, recent metrics restated."""
    account = sim.dataset.owned_ad_account_ids[0]
    sim.dataset.touch("campaigns", account, n=2)
    sim.dataset.touch("ads", account, n=3)
    sim.dataset.add("campaigns", account)
    sim.dataset.add("ad_groups", account)
    sim.dataset.add("pins")
    sim.dataset.restate()


def add_faults(sim: Any, scenario: Mapping[str, Any]) -> None:
    sim.faults.clear()
    for fault in scenario["faults"]:
        sim.faults.add(**fault)
    if scenario.get("unknown_pin"):
        pins = sorted(sim.dataset.entities("pins"), key=lambda pin: int(pin["id"]))
        unknown = {**copy.deepcopy(pins[0]), "id": "999999999999999999"}
        body = {"items": [*pins, unknown], "bookmark": None}
        sim.faults.add("status", operation_id="pins/list", status=200, body=body, times=1)


def run_scenario(scenario: Mapping[str, Any], plan: Mapping[str, Any]) -> dict[str, Any]:
    from pinterest_simulator import Simulator

    sim = Simulator(
        preset=plan["preset"],
        seed=plan["seed"],
        today=plan["today"],
        switches=scenario["switches"],
        scopes=plan["scopes"],
    )
    recorder = Recorder(sim)
    sim.wsgi_app = recorder  # type: ignore[method-assign]  # the server serves the recorder
    sim.reports.polls_in_progress = 0  # a job finishes at its first poll: no waiting
    with sim:
        config = {**sim.connector_config(), **plan["base_config"], **scenario["config"]}
        runner = Runner(sim, recorder, config)
        if scenario["name"] == "probe":
            return run_probe(runner)
        result: dict[str, Any] = runner.spec_and_discover() if scenario["name"] == "base" else {}
        streams, incremental = scenario["streams"], set(plan["incremental"])
        reads = result.setdefault("reads", {})
        if scenario["reads"] == 3:
            add_faults(sim, scenario)
            reads["full_refresh"] = runner.read(streams, incremental, "full_refresh")
        add_faults(sim, scenario)
        reads["incremental"] = runner.read(streams, incremental, "incremental")
        if scenario["reads"] >= 2:
            change_the_dataset(sim)
            add_faults(sim, scenario)
            state = [
                {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": value}}
                for name, value in reads["incremental"]["states"].items()
                if not value.get("__ab_no_cursor_state_message")
            ]
            reads["incremental_with_state"] = runner.read(streams, incremental, "incremental", state)
        return result


def run_probe(runner: Runner) -> dict[str, Any]:
    """The probe's requests and findings (statuses and readings; evidence texts hold times and sizes)."""
    from source_pinterest_marketing.probe import cli

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        config = directory / "config.json"
        config.write_text(json.dumps(runner.config))
        output = directory / "probe.json"
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = cli.main(["--config", str(config), "--output", str(output)])
        found = json.loads(output.read_text()) if output.exists() else {}
    findings = [{key: value for key, value in check.items() if key != "evidence"} for check in found.get("checks", [])]
    summary = {key: found.get(key) for key in ("exit_code", "result", "error", "requests_sent", "simulator_switches")}
    return {"exit_code": code, **summary, "findings": findings, "requests": runner.recorder.take()}


# -- the worker: runs scenarios of a plan with the code of one checkout ---------------------------
def worker(root: Path, plan_path: Path, out: Path, names: list[str]) -> int:
    sys.path.insert(0, str(root))
    os.environ["SOURCE_PINTEREST_MARKETING_TODAY"] = TODAY
    os.environ["PINTEREST_SIMULATOR_TODAY"] = TODAY
    import pinterest_simulator
    import source_pinterest_marketing

    for package in (pinterest_simulator, source_pinterest_marketing):
        if not Path(package.__file__ or "").resolve().is_relative_to(root.resolve()):
            raise SystemExit(f"snapshot: {package.__name__} is imported from {package.__file__}, not from {root}")
    plan = json.loads(plan_path.read_text())
    by_name = {scenario["name"]: scenario for scenario in plan["scenarios"]}
    for name in names:
        started = time.monotonic()
        # a scenario that hangs prints every thread's stack and stops the worker (the run then fails, naming it)
        faulthandler.dump_traceback_later(SCENARIO_TIMEOUT_SECONDS, exit=True)
        print(f"  {name}: started", file=sys.stderr, flush=True)
        result = run_scenario(by_name[name], plan)
        faulthandler.cancel_dump_traceback_later()
        timings = {read: value.pop("_seconds") for read, value in result.get("reads", {}).items()}
        write_scenario(out, name, result)
        print(f"  {name}: {time.monotonic() - started:.1f}s {timings}", file=sys.stderr, flush=True)
    return 0


def file_name(scenario: str) -> str:
    return scenario.replace("=", "__")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def write_scenario(out: Path, name: str, result: dict[str, Any]) -> None:
    """`<scenario>.json` with each record as the digest of its canonical JSON (records are most of a snapshot: 80 MB
    a read of the base scenario), and the records themselves, for the diff to show, in `<scenario>.records.gz`."""
    with gzip.open(out / f"{file_name(name)}.records.gz", "wt", encoding="utf-8", compresslevel=3) as records:
        for read in result.get("reads", {}).values():
            for stream, rows in read["records"].items():
                for row in dict.fromkeys(rows):
                    records.write(f"{digest(row)}\t{row}\n")
                read["records"][stream] = sorted(digest(row) for row in rows)
    (out / f"{file_name(name)}.json").write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")


def stored_records(directory: Path, scenario: str) -> dict[str, str]:
    """digest -> the record's canonical JSON, of one scenario of a snapshot."""
    path = directory / f"{file_name(scenario)}.records.gz"
    if not path.exists():
        return {}
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return dict(line.rstrip("\n").split("\t", 1) for line in lines)


def take(out: Path, plan: dict[str, Any], root: Path, jobs: int) -> None:
    """Run the plan's scenarios with the code in `root`, in `jobs` processes, into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    for old in [*out.glob("*.json"), *out.glob("*.records.gz")]:
        old.unlink()
    plan_path = out / "index.json"
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True).stdout
    plan_path.write_text(json.dumps({**plan, "commit": commit.strip(), "dirty": bool(dirty.strip())}, indent=1) + "\n")
    # the longest first, spread over the processes
    names = [scenario["name"] for scenario in plan["scenarios"]]
    weight = {s["name"]: len(s["streams"]) * max(s["reads"], 1) for s in plan["scenarios"]}
    shares: list[list[str]] = [[] for _ in range(max(1, jobs))]
    for name in sorted(names, key=lambda n: -weight[n]):
        min(shares, key=lambda share: sum(weight[n] for n in share) + len(share)).append(name)
    started = time.monotonic()
    environment = {**os.environ, "PYTHONPATH": str(root), "PYTHONHASHSEED": "0"}
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", str(root), str(plan_path), str(out), *share],
            stdout=subprocess.DEVNULL,
            env=environment,
        )
        for share in shares
        if share
    ]
    failed = [process.args for process in processes if process.wait() != 0]
    if failed:
        raise SystemExit(f"snapshot: a worker failed: {failed}")
    print(f"snapshot of {root} ({commit.strip()[:12]}) in {out}: {time.monotonic() - started:.0f}s", file=sys.stderr)


@contextlib.contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A temporary detached git worktree of `rev`."""
    directory = Path(tempfile.mkdtemp(prefix="snapshot-"))
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(directory), rev], check=True, capture_output=True
    )
    try:
        yield directory
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(directory)], check=False)
        shutil.rmtree(directory, ignore_errors=True)


# -- the diff -----------------------------------------------------------------------------------------
def load(directory: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    index = json.loads((directory / "index.json").read_text())
    scenarios = {}
    for scenario in index["scenarios"]:
        path = directory / f"{file_name(scenario['name'])}.json"
        scenarios[scenario["name"]] = json.loads(path.read_text()) if path.exists() else None
    return index, scenarios


class Diff:
    """The differences of two snapshots, one line each, with up to `limit` examples per difference."""

    def __init__(self, a_dir: Path, b_dir: Path, limit: int) -> None:
        self.dirs = (a_dir, b_dir)
        self.limit = limit
        self.lines: list[str] = []
        self.primary_keys: dict[str, list[list[str]]] = {}

    def multiset(self, path: str, a: list[str], b: list[str], show: Callable[[str], str] = str) -> None:
        only_a, only_b = Counter(a) - Counter(b), Counter(b) - Counter(a)
        if not only_a and not only_b:
            return
        self.lines.append(f"{path}: {sum(only_a.values())} only in A, {sum(only_b.values())} only in B")
        self.lines += [f"    - {show(text)[:600]}" for text in list(only_a.elements())[: self.limit]]
        self.lines += [f"    + {show(text)[:600]}" for text in list(only_b.elements())[: self.limit]]

    def records(self, path: str, scenario: str, stream: str, a: list[str], b: list[str]) -> None:
        """Records differ: pair those only in A with those only in B by primary key and show the changed fields."""
        only_a, only_b = Counter(a) - Counter(b), Counter(b) - Counter(a)
        if not only_a and not only_b:
            return
        stored = [stored_records(directory, scenario) for directory in self.dirs]
        rows = [
            [json.loads(side[key]) if key in side else {"digest": key} for key in only.elements()]
            for side, only in zip(stored, (only_a, only_b), strict=True)
        ]
        keys = [field for part in self.primary_keys.get(stream, []) for field in part]

        def key(row: Mapping[str, Any]) -> str:
            return canonical([row.get(field) for field in keys]) if keys else canonical(row)

        by_key = [{key(row): row for row in side} for side in rows]
        changed = [k for k in by_key[0] if k in by_key[1]] if keys else []
        self.lines.append(
            f"{path}: {len(rows[0])} only in A, {len(rows[1])} only in B ({len(changed)} changed in place, by {keys})"
        )
        for k in changed[: self.limit]:
            before, after = by_key[0][k], by_key[1][k]
            fields = {f: (before.get(f), after.get(f)) for f in sorted(set(before) | set(after))}
            shown = {f: pair for f, pair in fields.items() if pair[0] != pair[1]}
            self.lines.append(f"    ~ {k}: {canonical(shown)[:600]}")
        for sign, side, other in (("-", 0, 1), ("+", 1, 0)):
            alone = [row for k, row in by_key[side].items() if k not in by_key[other]]
            self.lines += [f"    {sign} {canonical(row)[:600]}" for row in alone[: self.limit]]

    def values(self, path: str, a: Any, b: Any) -> None:
        if a == b:
            return
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                if key not in a or key not in b:
                    self.lines.append(f"{path}/{key}: only in {'A' if key in a else 'B'}")
                self.values(f"{path}/{key}", a.get(key, {}), b.get(key, {}))
        elif isinstance(a, list) and isinstance(b, list) and all(isinstance(item, str) for item in a + b):
            self.multiset(path, a, b)
        else:
            self.lines += [f"{path}:", f"    - {canonical(a)[:600]}", f"    + {canonical(b)[:600]}"]

    def scenario(self, name: str, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> None:
        if a is None or b is None:
            self.lines.append(f"{name}: missing in {'A' if a is None else 'B'}")
            return
        for key in sorted(set(a) | set(b)):
            if key != "reads":
                self.values(f"{name}/{key}", a.get(key), b.get(key))
        for read in sorted(set(a.get("reads", {})) | set(b.get("reads", {}))):
            read_a, read_b = a.get("reads", {}).get(read, {}), b.get("reads", {}).get(read, {})
            for key in sorted(set(read_a) | set(read_b)):
                path = f"{name}/{read}/{key}"
                if key != "records":
                    self.values(path, read_a.get(key), read_b.get(key))
                    continue
                records_a, records_b = read_a.get(key, {}), read_b.get(key, {})
                for stream in sorted(set(records_a) | set(records_b)):
                    self.records(f"{path}/{stream}", name, stream, records_a.get(stream, []), records_b.get(stream, []))

    def run(self) -> int:
        (a_index, a), (b_index, b) = load(self.dirs[0]), load(self.dirs[1])
        self.primary_keys = {**b_index.get("primary_keys", {}), **a_index.get("primary_keys", {})}
        for key in ("today", "preset", "seed", "base_config", "incremental", "primary_keys"):
            if a_index.get(key) != b_index.get(key):
                self.lines.append(f"plan/{key}: the snapshots were taken with different plans")
        a_plan = {s["name"]: s for s in a_index["scenarios"]}
        b_plan = {s["name"]: s for s in b_index["scenarios"]}
        for name in sorted(set(a) | set(b)):
            if a_plan.get(name) != b_plan.get(name):
                self.lines.append(f"{name}: the scenario's plan differs")
            self.scenario(name, a.get(name), b.get(name))
        for label, directory, index in (("A", self.dirs[0], a_index), ("B", self.dirs[1], b_index)):
            print(
                f"{label}: {directory} ({index.get('commit', '?')[:12]}{', uncommitted changes' if index.get('dirty') else ''})"
            )
        if not self.lines:
            print(f"no difference ({len(a)} scenarios)")
            return 0
        print("\n".join(self.lines))
        print(f"{len(self.lines)} lines of differences")
        return 1


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        return worker(Path(argv[1]), Path(argv[2]), Path(argv[3]), argv[4:])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", type=Path, help="the snapshot's directory (default .snapshots/<commit>)")
    parser.add_argument("--rev", help="snapshot this commit (a temporary git worktree) instead of the checkout")
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--only", nargs="+", default=[], metavar="SCENARIO", help="base, probe, a switch or NAME=VALUE")
    parser.add_argument(
        "--check-selection",
        action="store_true",
        help="read every stream under every value of every switch (one read) and name the streams a switch changes "
        "that its scenario leaves out (slow: about ten minutes)",
    )
    parser.add_argument(
        "--diff", nargs=2, type=Path, metavar=("A", "B"), help="compare two snapshots; exit 1 if they differ"
    )
    parser.add_argument("--limit", type=int, default=5, help="--diff: examples shown per difference (default 5)")
    options = parser.parse_args(argv)
    if options.diff:
        return Diff(*options.diff, options.limit).run()
    sys.path.insert(0, str(ROOT))
    os.environ["SOURCE_PINTEREST_MARKETING_TODAY"] = TODAY
    os.environ["PINTEREST_SIMULATOR_TODAY"] = TODAY
    plan = make_plan(ROOT, options.only, options.check_selection)
    with contextlib.ExitStack() as stack:
        root = stack.enter_context(worktree(options.rev)) if options.rev else ROOT
        label = options.rev or "HEAD"
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        out = options.output or ROOT / ".snapshots" / f"{label.replace('/', '_')}-{commit}"
        take(out, plan, root, options.jobs)
        if options.check_selection:
            return check_selection(out, plan)
    return 0


def check_selection(out: Path, plan: Mapping[str, Any]) -> int:
    """Streams outside a switch's selection whose records, states or requests change with its value."""
    from pinterest_simulator.switches import DEFAULTS

    _, results = load(out)
    missed = 0
    for scenario in plan["scenarios"]:
        if not scenario["switches"]:
            continue
        switch, value = scenario["name"].split("=", 1)
        if value == DEFAULTS[switch]:
            continue
        default = results[f"{switch}={DEFAULTS[switch]}"]["reads"]["incremental"]
        changed = results[scenario["name"]]["reads"]["incremental"]
        for stream in scenario["streams"]:
            if stream in scenario["selected"]:
                continue
            if default["records"].get(stream) != changed["records"].get(stream) or default["states"].get(
                stream
            ) != changed["states"].get(stream):
                print(f"{scenario['name']}: {stream} changes but is not selected")
                missed += 1
    print(f"selection check: {missed} stream(s) changed outside their switch's selection")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
