"""Starts the Pinterest API simulator for the session and writes the acceptance-test configs
(`secrets/*.json`, git-ignored) that acceptance-test-config.yml names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pinterest_simulator import Simulator
from pinterest_simulator.oauth import ALL_READ_SCOPES
from source_pinterest_marketing.clock import utc_today
from source_pinterest_marketing.errors import PinterestBackoffStrategy

pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ROOT / "secrets"
#: the standard suite re-runs the same config file many times, so its refresh token must not rotate
#: out (a simulator-only convenience: real Pinterest refresh tokens always rotate)
PERSISTENT_REFRESH_TOKEN = "sim-acceptance-refresh-token"


def _write(name: str, config: dict) -> None:
    (SECRETS / name).write_text(json.dumps(config, indent=2))


@pytest.fixture(scope="session", autouse=True)
def simulator() -> Iterator[Simulator]:
    PinterestBackoffStrategy.base_seconds = 0.05
    # every read scope: the standard tests read every stream, those needing optional scopes (biz_access:read) too;
    # and ads:write, which the opt-in leads need (creating a leads export)
    with Simulator(
        preset="small",
        seed=1,
        persistent_refresh_tokens=(PERSISTENT_REFRESH_TOKEN,),
        scopes=(*ALL_READ_SCOPES, "ads:write"),
    ) as sim:
        SECRETS.mkdir(exist_ok=True)
        # Two weeks of analytics keep the suite fast (it validates every record against its schema).
        start_date = (utc_today() - timedelta(days=14)).isoformat()
        # the opt-in ALL_ITEMS catalog report and leads too: every stream returns records
        config = sim.connector_config(start_date=start_date, catalog_all_items_report=True, leads={"enabled": True})
        config["credentials"]["refresh_token"] = PERSISTENT_REFRESH_TOKEN
        _write("config.json", config)
        _write("config_access_token.json", sim.connector_config(access_token_mode=True, start_date=start_date))
        bad = json.loads(json.dumps(config))
        bad["credentials"]["client_secret"] = "not-the-secret"
        _write("config_bad_client_secret.json", bad)
        _write("config_unknown_ad_account.json", {**config, "ad_account_ids": ["999999999999"]})
        yield sim
