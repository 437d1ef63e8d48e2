"""``metrics_ready_state/get``: deterministic readiness of a day's metrics (``BookClosedResponse``), the horizons
settable on the simulator, and the spec's date rules."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from sim_http import ago, get, schema_errors, sync, today

from pinterest_simulator import Simulator
from pinterest_simulator.dataset import RESTATED_DAYS


def _ready(sim: Simulator, day: dt.date | str) -> tuple[bool, bool]:
    r = get(sim, "/resources/metrics_ready_state", date=str(day))
    assert r.status_code == 200, r.text
    assert schema_errors("metrics_ready_state/get", r.json()) == []
    assert set(r.json()) == {"conversion_metrics_ready", "non_conversion_metrics_ready"}
    return r.json()["conversion_metrics_ready"], r.json()["non_conversion_metrics_ready"]


def test_default_horizons(sim: Simulator) -> None:
    assert (sim.metrics_ready_lag_days, sim.conversion_metrics_ready_lag_days) == (1, 2)
    assert _ready(sim, ago(0)) == (False, False)  # today
    assert _ready(sim, ago(1)) == (False, True)  # yesterday: conversions not yet
    assert _ready(sim, ago(2)) == (True, True)
    assert _ready(sim, ago(400)) == (True, True)
    assert _ready(sim, "2019-01-01") == (True, True)


def test_with_the_restatement_horizon_ready_conversions_are_never_restated(sim: Simulator, account_id: str) -> None:
    sim.conversion_metrics_ready_lag_days = RESTATED_DAYS
    try:
        columns = ["TOTAL_CONVERSIONS", "TOTAL_CHECKOUT"]
        params = {"start_date": ago(12).isoformat(), "end_date": ago(0).isoformat(), "granularity": "DAY"}
        path = f"/ad_accounts/{account_id}/analytics"
        before = {row["DATE"]: row for row in sync(sim, path, columns=columns, **params).json()}
        sim.dataset.restate()
        after = {row["DATE"]: row for row in sync(sim, path, columns=columns, **params).json()}
        for day, row in after.items():
            conversions_ready, _ = _ready(sim, day)
            assert conversions_ready == (row == before[day]), day
    finally:
        sim.conversion_metrics_ready_lag_days = 2


def test_the_horizons_are_settable(sim: Simulator) -> None:
    sim.metrics_ready_lag_days, sim.conversion_metrics_ready_lag_days = 0, 2
    try:
        assert _ready(sim, ago(0)) == (False, True)
        assert _ready(sim, ago(1)) == (False, True)
        assert _ready(sim, ago(2)) == (True, True)
        sim.metrics_ready_lag_days = sim.conversion_metrics_ready_lag_days = 30
        assert _ready(sim, ago(29)) == (False, False)
        assert _ready(sim, ago(30)) == (True, True)
    finally:
        sim.metrics_ready_lag_days, sim.conversion_metrics_ready_lag_days = 1, 2


@pytest.mark.parametrize(
    "value",
    [
        "2024-02-30",  # not a day
        "2024-13-01",
        "20240101",  # the spec's pattern
        "2024-1-01",
        "yesterday",
        (today() + dt.timedelta(days=1)).isoformat(),  # the future
        (today() + dt.timedelta(days=3650)).isoformat(),
    ],
)
def test_bad_dates_are_400_code_1(sim: Simulator, value: str) -> None:
    r = get(sim, "/resources/metrics_ready_state", date=value)
    assert (r.status_code, r.json()["code"]) == (400, 1), value
    assert "date" in r.json()["message"]


def test_the_date_is_required(sim: Simulator) -> None:
    r = get(sim, "/resources/metrics_ready_state")
    assert (r.status_code, r.json()["code"]) == (400, 1) and "date" in r.json()["message"]


def test_admin_endpoints_for_a_simulator_in_another_process(sim: Simulator) -> None:
    url = f"{sim.root_url}/_sim/metrics_ready"
    assert requests.get(url).json() == {"lag_days": 1, "conversion_lag_days": 2}
    try:
        assert requests.post(url, json={"conversion_lag_days": 3}).json() == {"lag_days": 1, "conversion_lag_days": 3}
        assert _ready(sim, ago(2)) == (False, True)
        assert _ready(sim, ago(3)) == (True, True)
    finally:
        requests.post(url, json={"lag_days": 1, "conversion_lag_days": 2})
    business = requests.get(f"{sim.root_url}/_sim/health").json()["business_ad_account_id"]
    assert business == sim.dataset.business_ad_account_id
    roles = f"{sim.root_url}/_sim/dataset/roles"
    try:
        answer = requests.post(roles, json={"ad_account_id": business, "roles": ["ADMIN"]})
        assert answer.json()["permissions"] == ["ADMIN"]
        assert get(sim, "/catalogs", ad_account_id=business).status_code == 200
    finally:
        requests.post(roles, json={"ad_account_id": business, "roles": ["ANALYST"]})
    assert requests.post(roles, json={"ad_account_id": business, "roles": "ADMIN"}).status_code == 400
