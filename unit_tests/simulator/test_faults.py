"""Fault injection: status codes, dropped connections, latency, token expiry, faults inside bodies; plus the request
log."""

from __future__ import annotations

import json
import time

import pytest
import requests
import urllib3
from sim_http import ago, create_report, download_report_text

from pinterest_simulator import Simulator
from pinterest_simulator.faults import GARBLED


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


# -- faults inside a successful answer's body ----------------------------------------------------------------
def _campaigns_url(sim: Simulator, account_id: str) -> str:
    return f"{sim.base_url}/ad_accounts/{account_id}/campaigns"


def test_a_reset_breaks_the_body_after_the_bytes_asked(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    whole = requests.get(_campaigns_url(sim, account_id), headers=auth).content
    sim.faults.add("reset", operation_id="campaigns/list", after_bytes=100)
    response = requests.get(_campaigns_url(sim, account_id), headers=auth, stream=True)
    assert response.status_code == 200 and response.headers["Content-Length"] == str(len(whole))
    received = b""
    with pytest.raises(urllib3.exceptions.ProtocolError):
        while chunk := response.raw.read(10):
            received += chunk
    assert whole.startswith(received) and len(received) <= 100
    assert sim.requests[-1].fault == "reset"
    assert requests.get(_campaigns_url(sim, account_id), headers=auth).content == whole  # once only


def test_a_truncated_body_is_a_complete_answer_cut_short(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    whole = requests.get(_campaigns_url(sim, account_id), headers=auth).content
    sim.faults.add("truncate", operation_id="campaigns/list")  # in the middle
    cut = requests.get(_campaigns_url(sim, account_id), headers=auth)
    assert cut.status_code == 200 and cut.content == whole[: len(whole) // 2]
    with pytest.raises(ValueError):
        json.loads(cut.content)


def test_a_malformed_body_is_garbled_from_the_bytes_asked(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    whole = requests.get(_campaigns_url(sim, account_id), headers=auth).content
    sim.faults.add("malformed", operation_id="campaigns/list", after_bytes=0)
    garbled = requests.get(_campaigns_url(sim, account_id), headers=auth).content
    assert garbled == GARBLED
    with pytest.raises(UnicodeDecodeError):
        garbled.decode()
    sim.faults.add("malformed", operation_id="campaigns/list", after_bytes=10**9)  # never the whole body
    assert requests.get(_campaigns_url(sim, account_id), headers=auth).content == whole[:-1] + GARBLED


def test_body_faults_wait_for_a_successful_answer(sim: Simulator, auth: dict[str, str], account_id: str) -> None:
    sim.faults.add("status", status=503, operation_id="campaigns/list", times=1)
    sim.faults.add("truncate", operation_id="campaigns/list", times=1)
    assert requests.get(_campaigns_url(sim, account_id), headers=auth).status_code == 503
    assert requests.get(f"{sim.base_url}/ad_accounts/0/campaigns", headers=auth).status_code == 403  # not drawn
    with pytest.raises(ValueError):
        requests.get(_campaigns_url(sim, account_id), headers=auth).json()
    assert requests.get(_campaigns_url(sim, account_id), headers=auth).json()["items"]
    with pytest.raises(ValueError, match="after_bytes"):
        sim.faults.add("reset", after_bytes=-1)


@pytest.mark.parametrize("kind", ["reset", "truncate", "malformed"])
def test_body_faults_reach_report_file_downloads(sim: Simulator, account_id: str, kind: str) -> None:
    created = create_report(
        sim, account_id, {"start_date": ago(3).isoformat(), "end_date": ago(1).isoformat(), "granularity": "DAY",
                          "level": "CAMPAIGN", "columns": ["SPEND_IN_DOLLAR"]}
    ).json()
    whole = download_report_text(sim, account_id, created["token"])
    sim.faults.add(kind, path_regex=r"^/downloads/reports/")
    with pytest.raises((ValueError, requests.RequestException)):
        json.loads(download_report_text(sim, account_id, created["token"]))
    assert download_report_text(sim, account_id, created["token"]) == whole
