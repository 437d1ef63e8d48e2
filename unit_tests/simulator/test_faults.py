"""Fault injection: status codes, dropped connections, latency, token expiry; plus the request log."""

from __future__ import annotations

import time

import pytest
import requests

from pinterest_simulator import Simulator


def test_rate_limit_for_next_n_requests(sim: Simulator, auth: dict[str, str]) -> None:
    sim.faults.add("status", status=429, operation_id="ad_accounts/list", times=2, rate_limit_reset=7)
    url = f"{sim.base_url}/ad_accounts"
    first, second, third = (requests.get(url, headers=auth) for _ in range(3))
    assert first.status_code == second.status_code == 429
    assert first.json()["code"] == 8
    assert first.headers["X-RateLimit-Reset"] == "7"
    assert third.status_code == 200
    assert requests.get(f"{sim.base_url}/boards", headers=auth).status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors(sim: Simulator, auth: dict[str, str], status: int) -> None:
    sim.faults.add("status", status=status, path_regex=r"/boards$", method="GET")
    r = requests.get(f"{sim.base_url}/boards", headers=auth)
    assert r.status_code == status
    assert set(r.json()) == {"code", "message"}


def test_dropped_connection(sim: Simulator, auth: dict[str, str]) -> None:
    sim.faults.add("drop", operation_id="user_account/get")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{sim.base_url}/user_account", headers=auth, timeout=5)
    assert requests.get(f"{sim.base_url}/user_account", headers=auth).status_code == 200


def test_latency(sim: Simulator, auth: dict[str, str]) -> None:
    sim.faults.add("latency", latency_ms=300, operation_id="user_account/get")
    start = time.perf_counter()
    requests.get(f"{sim.base_url}/user_account", headers=auth)
    assert time.perf_counter() - start >= 0.3


def test_expire_tokens(sim: Simulator, auth: dict[str, str]) -> None:
    sim.faults.add("expire_tokens", operation_id="boards/list")
    assert requests.get(f"{sim.base_url}/boards", headers=auth).status_code == 401
    assert requests.get(f"{sim.base_url}/user_account", headers=auth).status_code == 401


def test_probability_is_seeded() -> None:
    def statuses() -> list[int]:
        with Simulator(seed=5) as sim:
            sim.faults.add("status", status=503, probability=0.5, times=None)
            headers = {"Authorization": f"Bearer {sim.access_token}"}
            return [requests.get(f"{sim.base_url}/user_account", headers=headers).status_code for _ in range(20)]

    first = statuses()
    assert first == statuses()
    assert {200, 503} == set(first)


def test_faults_over_http_and_request_log(sim: Simulator, auth: dict[str, str]) -> None:
    sim.requests.clear()
    r = requests.post(
        f"{sim.root_url}/_sim/faults", json={"kind": "status", "status": 429, "operation_id": "pins/list"}
    )
    assert r.status_code == 200
    assert requests.get(f"{sim.base_url}/pins", headers=auth).status_code == 429
    assert requests.get(f"{sim.base_url}/pins", headers=auth).status_code == 200
    assert sim.requests.count("pins/list") == 2
    assert sim.requests.count("pins/list", status=429) == 1
    log = requests.get(f"{sim.root_url}/_sim/requests").json()
    assert log["counts"] == {"pins/list": 2}
    assert log["requests"][0]["fault"] == "status:429"
    assert requests.post(f"{sim.root_url}/_sim/faults", json={"kind": "explode"}).status_code == 400
    assert requests.delete(f"{sim.root_url}/_sim/faults").json() == {"ok": True}


def test_global_latency_with_jitter() -> None:
    with Simulator(latency_ms=100, jitter_ms=20) as sim:
        headers = {"Authorization": f"Bearer {sim.access_token}"}
        start = time.perf_counter()
        assert requests.get(f"{sim.base_url}/user_account", headers=headers).status_code == 200
        assert time.perf_counter() - start >= 0.08
