"""OAuth: Basic client auth, refresh-token rotation, code exchange, expiry, scopes."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import requests

from pinterest_simulator import Simulator


def _refresh(sim: Simulator, token: str, auth: tuple[str, str] | None = None) -> requests.Response:
    return requests.post(
        sim.token_url,
        auth=auth or (sim.client_id, sim.client_secret),
        data={"grant_type": "refresh_token", "refresh_token": token},
    )


def test_client_auth_is_required(sim: Simulator) -> None:
    token = sim.issue_refresh_token()
    for auth in [None, (sim.client_id, "wrong"), ("1", sim.client_secret)]:
        kwargs = {"auth": auth} if auth else {}
        r = requests.post(sim.token_url, data={"grant_type": "refresh_token", "refresh_token": token}, **kwargs)
        assert r.status_code == 401
        assert r.json() == {"code": 2, "message": "Authentication failed."}


def test_refresh_rotates_the_refresh_token(sim: Simulator) -> None:
    first = sim.connector_config()["credentials"]["refresh_token"]
    r = _refresh(sim, first)
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["response_type"] == "refresh_token"
    assert body["refresh_token"] != first
    assert body["refresh_token_expires_at"] > body["refresh_token_expires_in"] > 0
    assert set(body) >= {"access_token", "expires_in", "scope", "refresh_token", "refresh_token_expires_in"}
    old = _refresh(sim, first)
    assert old.status_code == 400
    assert old.json() == {"code": 1, "message": "Invalid refresh token."}
    assert _refresh(sim, body["refresh_token"]).status_code == 200
    user = requests.get(f"{sim.base_url}/user_account", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert user.status_code == 200


def test_at_expiry_a_replaced_refresh_token_works_until_it_expires(sim: Simulator) -> None:
    """Switch ``refresh_token_rotation=at_expiry``: every refresh still answers a new refresh token, and the one
    sent keeps working, until its own expiry."""
    sim.switches.refresh_token_rotation = "at_expiry"
    first = sim.connector_config()["credentials"]["refresh_token"]
    second = _refresh(sim, first).json()["refresh_token"]
    again = _refresh(sim, first)
    assert again.status_code == 200
    assert len({first, second, again.json()["refresh_token"]}) == 3
    sim.oauth._refresh[first].expires_at = sim.oauth.clock() - 1
    expired = _refresh(sim, first)
    assert (expired.status_code, expired.json()["code"]) == (400, 1)
    assert _refresh(sim, second).status_code == 200
    sim.switches.refresh_token_rotation = "immediate"
    third = _refresh(sim, second).json()["refresh_token"]
    assert _refresh(sim, second).status_code == 400 and _refresh(sim, third).status_code == 200


def test_persistent_refresh_token_never_rotates_out() -> None:
    with Simulator(persistent_refresh_tokens=["stable-token"]) as sim:
        for _ in range(3):
            assert _refresh(sim, "stable-token").status_code == 200


def test_authorization_code_flow(sim: Simulator) -> None:
    redirect = "http://localhost:8080/callback"
    r = requests.get(
        sim.authorize_url,
        params={
            "client_id": sim.client_id,
            "redirect_uri": redirect,
            "response_type": "code",
            "scope": "ads:read,user_accounts:read",
            "state": "s1",
        },
        allow_redirects=False,
    )
    assert r.status_code == 302
    query = parse_qs(urlparse(r.headers["Location"]).query)
    assert query["state"] == ["s1"]
    data = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": redirect,
        "continuous_refresh": "true",
    }
    token = requests.post(sim.token_url, auth=(sim.client_id, sim.client_secret), data=data)
    assert token.status_code == 200
    assert token.json()["response_type"] == "authorization_code"
    assert token.json()["refresh_token"]
    assert requests.post(sim.token_url, auth=(sim.client_id, sim.client_secret), data=data).status_code == 400


def test_expired_and_unknown_tokens_are_401(sim: Simulator) -> None:
    expired = sim.issue_access_token(ttl=-1)
    for header in [f"Bearer {expired}", "Bearer nope", ""]:
        r = requests.get(f"{sim.base_url}/user_account", headers={"Authorization": header})
        assert r.status_code == 401
        assert r.json() == {"code": 2, "message": "Authentication failed."}


def test_missing_scope_is_401_code_3(sim: Simulator) -> None:
    token = sim.issue_access_token(scopes=["user_accounts:read"])
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{sim.base_url}/user_account", headers=headers).status_code == 200
    r = requests.get(f"{sim.base_url}/ad_accounts", headers=headers)
    assert r.status_code == 401
    assert r.json()["code"] == 3


def test_fixed_access_token_and_access_token_config(sim: Simulator) -> None:
    config = sim.connector_config(access_token_mode=True)
    assert config["credentials"] == {"auth_method": "access_token", "access_token": sim.access_token}
    assert config["api_base_url"] == sim.base_url
    r = requests.get(f"{sim.base_url}/ad_accounts", headers={"Authorization": f"Bearer {sim.access_token}"})
    assert r.status_code == 200
