"""Helpers for the simulator's tests: sync analytics and async reports over HTTP, and the async column enum."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

import requests

from pinterest_simulator import Simulator
from pinterest_simulator.clock import from_environment

SPEC = Path(__file__).resolve().parents[2] / "pinterest_simulator" / "data" / "openapi.json"


@cache
def _spec() -> dict[str, Any]:
    return json.loads(SPEC.read_text(encoding="utf-8"))


def async_columns() -> list[str]:
    """Every value of ``ReportingColumnAsync``."""
    return list(_spec()["components"]["schemas"]["ReportingColumnAsync"]["enum"])


def sync_columns() -> list[str]:
    """Every value of the sync analytics ``columns`` parameter."""
    return list(_spec()["components"]["parameters"]["query_columns"]["schema"]["items"]["enum"])


def today() -> dt.date:
    """The simulators' today: the date the test suite pins (conftest.py), which every simulator built without
    ``today`` counts from."""
    return from_environment().today()


def ago(days: int) -> dt.date:
    """A date `days` before the simulator's today (UTC)."""
    return today() - dt.timedelta(days=days)


def headers(sim: Simulator) -> dict[str, str]:
    return {"Authorization": f"Bearer {sim.access_token}"}


def sync(sim: Simulator, path: str, **params: Any) -> requests.Response:
    """``GET {base_url}{path}`` with the fixed token; list values are sent comma-separated."""
    query = {k: ",".join(v) if isinstance(v, list | tuple) else v for k, v in params.items()}
    return requests.get(sim.base_url + path, headers=headers(sim), params=query)


def create_report(sim: Simulator, account_id: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{sim.base_url}/ad_accounts/{account_id}/reports", headers=headers(sim), json=body)


def download_report(sim: Simulator, account_id: str, token: str) -> dict[str, list[dict[str, Any]]]:
    """Poll the job until FINISHED and download its JSON file (no auth, as a pre-signed link)."""
    file: dict[str, list[dict[str, Any]]] = json.loads(download_report_text(sim, account_id, token))
    return file


def download_report_text(sim: Simulator, account_id: str, token: str) -> str:
    """Poll the job until FINISHED and download its file as text (JSON or CSV)."""
    url = f"{sim.base_url}/ad_accounts/{account_id}/reports"
    for _ in range(20):
        status = requests.get(url, headers=headers(sim), params={"token": token}).json()
        if status["report_status"] == "FINISHED":
            return requests.get(status["url"]).text
        assert status["report_status"] == "IN_PROGRESS", status
    raise AssertionError("the report job never finished")


def report(sim: Simulator, account_id: str, **body: Any) -> dict[str, list[dict[str, Any]]]:
    """Create a report job from `body` (dates as dates or strings), wait for it and return its file."""
    body = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in body.items()}
    created = create_report(sim, account_id, body)
    assert created.status_code == 200, created.text
    return download_report(sim, account_id, created.json()["token"])


def rows(file: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every row of a report file."""
    return [row for entity_rows in file.values() for row in entity_rows]


def schema_errors(operation_id: str, body: Any, status: str = "200") -> list[str]:
    """What is wrong with `body` as the operation's response (its schema in the spec, with the spec's component
    schemas): ``[]`` when it validates."""
    from pinterest_simulator.state import load_spec

    validator = load_spec().response_validator(operation_id, status)
    return [f"{list(error.absolute_path)}: {error.message[:200]}" for error in validator.iter_errors(body)]


def get(sim: Simulator, path: str, **params: Any) -> requests.Response:
    """``GET {base_url}{path}`` with the fixed token; list values are sent as repeated keys."""
    return requests.get(sim.base_url + path, headers=headers(sim), params=params)
