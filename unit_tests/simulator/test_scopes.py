"""Token scopes: by default a token has the connector's default scopes (`oauth.READ_SCOPES`: no ``billing:read``,
no ``biz_access:read``); ``Simulator(scopes=...)`` (CLI ``--scopes``) changes what every token minted without
named scopes gets; a token lacking an operation's scope is 401 code 3."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from pinterest_simulator import Simulator
from pinterest_simulator.__main__ import parse_args, scope_list
from pinterest_simulator.oauth import ALL_READ_SCOPES, OPTIONAL_READ_SCOPES, READ_SCOPES
from source_pinterest_marketing.config import SCOPES


def _scopes_of_refresh(sim: Simulator, refresh_token: str) -> set[str]:
    r = requests.post(
        sim.token_url,
        auth=(sim.client_id, sim.client_secret),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
    )
    assert r.status_code == 200, r.text
    return set(r.json()["scope"].split(","))


def test_the_default_scopes_are_the_connectors_default() -> None:
    assert ",".join(READ_SCOPES) == SCOPES
    assert not set(OPTIONAL_READ_SCOPES) & set(READ_SCOPES)
    assert set(ALL_READ_SCOPES) == set(READ_SCOPES) | {"billing:read", "biz_access:read"}


def test_tokens_minted_without_scopes_get_the_default(sim: Simulator) -> None:
    assert sim.oauth.bearer_scopes(f"Bearer {sim.access_token}") == frozenset(READ_SCOPES)
    assert sim.oauth.bearer_scopes(f"Bearer {sim.issue_access_token()}") == frozenset(READ_SCOPES)
    refresh_token = sim.connector_config()["credentials"]["refresh_token"]
    assert _scopes_of_refresh(sim, refresh_token) == set(READ_SCOPES)
    named = sim.issue_access_token(["user_accounts:read"])
    assert sim.oauth.bearer_scopes(f"Bearer {named}") == frozenset({"user_accounts:read"})


def test_a_simulator_with_every_read_scope() -> None:
    with Simulator(scopes=ALL_READ_SCOPES) as sim:
        assert sim.oauth.bearer_scopes(f"Bearer {sim.access_token}") == frozenset(ALL_READ_SCOPES)
        refresh_token = sim.connector_config()["credentials"]["refresh_token"]
        assert _scopes_of_refresh(sim, refresh_token) == set(ALL_READ_SCOPES)
        # the authorize page without a scope grants the simulator's default scopes
        page = requests.get(
            sim.authorize_url,
            params={"client_id": sim.client_id, "redirect_uri": "http://localhost:8085/"},
            allow_redirects=False,
        )
        code = parse_qs(urlparse(page.headers["Location"]).query)["code"][0]
        token = requests.post(
            sim.token_url,
            auth=(sim.client_id, sim.client_secret),
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost:8085/"},
        ).json()
        assert set(token["scope"].split(",")) == set(ALL_READ_SCOPES)


def test_a_simulator_without_a_default_scope_refuses_its_operations() -> None:
    with Simulator(scopes=[s for s in READ_SCOPES if s != "ads:read"]) as sim:
        headers = {"Authorization": f"Bearer {sim.access_token}"}
        assert requests.get(f"{sim.base_url}/user_account", headers=headers).status_code == 200
        r = requests.get(f"{sim.base_url}/ad_accounts", headers=headers)
        assert (r.status_code, r.json()["code"]) == (401, 3)


@pytest.mark.parametrize(
    ("text", "scopes"),
    [
        ("default", READ_SCOPES),
        ("all", ALL_READ_SCOPES),
        ("user_accounts:read, biz_access:read", ("user_accounts:read", "biz_access:read")),
    ],
)
def test_the_cli_scopes(text: str, scopes: tuple[str, ...]) -> None:
    assert scope_list(text) == scopes
    assert parse_args(["--scopes", text]).scopes == scopes
    assert parse_args([]).scopes == READ_SCOPES


def test_the_cli_refuses_empty_scopes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--scopes", " , "])
    assert "--scopes is empty" in capsys.readouterr().err
