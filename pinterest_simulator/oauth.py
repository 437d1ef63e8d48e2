"""OAuth token store: client credentials, authorization codes, rotating refresh tokens, access tokens.

Behaviour follows ``POST /oauth/token`` in the spec (refresh responses always carry a new refresh
token, i.e. continuous refresh with rotation). Error bodies the spec does not pin down are
documented on :class:`TokenStore`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pinterest_simulator.spec import ApiError
from pinterest_simulator.switches import RefreshTokenRotation

READ_SCOPES: tuple[str, ...] = (
    "ads:read",
    "boards:read",
    "boards:read_secret",
    "catalogs:read",
    "pins:read",
    "pins:read_secret",
    "user_accounts:read",
)
"""The scopes a token gets when none are named (the default of `TokenStore` and `Simulator`): the connector's
default scopes (``source_pinterest_marketing.config.SCOPES``), what the streams selected by default need."""
#: read scopes only some streams need, not granted by default: ``billing:read`` (billing profiles and invoices) and
#: ``biz_access:read`` (business members, partners and assets); a token may lack them (``Simulator(scopes=...)``)
OPTIONAL_READ_SCOPES: tuple[str, ...] = ("billing:read", "biz_access:read")
#: every read scope: the default ones and the optional ones (the demo's token: every stream returns records)
ALL_READ_SCOPES: tuple[str, ...] = READ_SCOPES + OPTIONAL_READ_SCOPES
DEFAULT_CLIENT_ID = "1484000000000000"
REFRESH_TOKEN_TTL = 60 * 24 * 3600  # continuous refresh tokens: 60 days


#: every client secret and token any simulator of this process minted: the test suite scans all
#: its output for them (see the repository's conftest.py)
ISSUED_SECRETS: set[str] = set()


def auth_failed() -> ApiError:
    """401 code 2, as the spec's examples."""
    return ApiError(401, 2, "Authentication failed.")


def insufficient_scope() -> ApiError:
    """401 code 3, as the spec's example for a token lacking scopes."""
    return ApiError(401, 3, "Your token does not have sufficient permissions to perform this operation.")


def invalid_grant(what: str) -> ApiError:
    """400 code 1 for an unknown, used (rotated) or expired refresh token or authorization code."""
    return ApiError(400, 1, f"Invalid {what}.")


@dataclass
class Grant:
    """A token or code and what it grants."""

    scopes: frozenset[str]
    expires_at: float
    redirect_uri: str = ""


class TokenStore:
    """Thread-safe OAuth state of one simulator.

    Errors: bad or missing client (Basic) auth -> 401 ``{code: 2, "Authentication failed."}``;
    unknown, rotated-out or expired refresh token -> 400 ``{code: 1, "Invalid refresh token."}``;
    bad authorization code or redirect_uri mismatch -> 400 ``{code: 1, "Invalid authorization code."}``;
    missing form field or bad grant_type -> 400 code 1 naming the field.
    ``persistent_refresh_tokens`` never rotate out or expire: a test convenience for suites that
    re-run the same config file many times (real Pinterest has no such thing). ``rotation`` gives the reading of
    the switch ``refresh_token_rotation`` in force (switches.py): whether a refreshed-from token stops working at
    once or at its expiry. ``default_scopes`` are what a token gets when none are named: the fixed access token,
    persistent refresh tokens, the ``issue_*`` methods called without scopes and the authorize page without a
    ``scope`` (default `READ_SCOPES`).
    """

    def __init__(
        self,
        seed: int,
        client_id: str = DEFAULT_CLIENT_ID,
        access_token_ttl: int = 3600,
        refresh_token_ttl: int = REFRESH_TOKEN_TTL,
        persistent_refresh_tokens: Iterable[str] = (),
        fixed_access_token: str | None = None,
        # token lifetimes are wall-clock seconds (what an expiry measures, and what the connector compares a
        # token's expires_at with), not dates: they stay off the simulator's date clock (clock.py)
        clock: Callable[[], float] = time.time,
        rotation: Callable[[], RefreshTokenRotation] = lambda: "immediate",
        default_scopes: Iterable[str] = READ_SCOPES,
    ) -> None:
        self.client_id = client_id
        self.default_scopes = frozenset(default_scopes)
        self.client_secret = hashlib.sha256(f"pinterest-simulator:{seed}".encode()).hexdigest()[:40]
        self.access_token_ttl = access_token_ttl
        self.refresh_token_ttl = refresh_token_ttl
        self.clock = clock
        self.rotation = rotation
        self.fixed_access_token = (
            fixed_access_token or f"pina_sim{hashlib.sha256(f'fixed:{seed}'.encode()).hexdigest()[:40]}"
        )
        self.persistent_refresh_tokens = set(persistent_refresh_tokens)
        self._lock = threading.Lock()
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}
        self._codes: dict[str, Grant] = {}
        self._fixed_expired = False
        ISSUED_SECRETS.update((self.client_secret, self.fixed_access_token))

    # -- minting ---------------------------------------------------------------------------
    def issue_access_token(self, scopes: Iterable[str] | None = None, ttl: int | None = None) -> str:
        """A new bearer token with `scopes` (default `default_scopes`) valid for ``ttl`` (default
        ``access_token_ttl``) seconds."""
        token = "pina_" + secrets.token_urlsafe(32)
        with self._lock:
            ISSUED_SECRETS.add(token)
            self._access[token] = Grant(
                self._scopes(scopes), self.clock() + (ttl if ttl is not None else self.access_token_ttl)
            )
        return token

    def issue_refresh_token(self, scopes: Iterable[str] | None = None) -> str:
        """A new refresh token (single use: a refresh rotates it)."""
        token = "pinr_" + secrets.token_urlsafe(32)
        with self._lock:
            ISSUED_SECRETS.add(token)
            self._refresh[token] = Grant(self._scopes(scopes), self.clock() + self.refresh_token_ttl)
        return token

    def issue_authorization_code(self, scopes: Iterable[str] | None = None, redirect_uri: str = "") -> str:
        """A single-use authorization code valid for 10 minutes; ``redirect_uri`` must match at exchange."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = Grant(self._scopes(scopes), self.clock() + 600, redirect_uri)
        return code

    def _scopes(self, scopes: Iterable[str] | None) -> frozenset[str]:
        """`scopes`, or `default_scopes` when None."""
        return self.default_scopes if scopes is None else frozenset(scopes)

    def expire_access_tokens(self) -> None:
        """Expire every access token now, including the fixed one (until ``restore_fixed_token``)."""
        with self._lock:
            self._access.clear()
            self._fixed_expired = True

    def restore_fixed_token(self) -> None:
        """Make the fixed long-lived access token valid again."""
        with self._lock:
            self._fixed_expired = False

    # -- checking --------------------------------------------------------------------------
    def check_client(self, authorization: str | None) -> None:
        """Validate ``Authorization: Basic base64(client_id:client_secret)``."""
        if not authorization or not authorization.lower().startswith("basic "):
            raise auth_failed()
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise auth_failed() from None
        client_id, _, secret = decoded.partition(":")
        if not (
            secrets.compare_digest(client_id, self.client_id) and secrets.compare_digest(secret, self.client_secret)
        ):
            raise auth_failed()

    def bearer_scopes(self, authorization: str | None) -> frozenset[str]:
        """Scopes of a valid bearer token; 401 code 2 when missing, unknown or expired."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise auth_failed()
        token = authorization[7:].strip()
        if token == self.fixed_access_token and not self._fixed_expired:
            return self.default_scopes
        with self._lock:
            grant = self._access.get(token)
            if grant is None:
                raise auth_failed()
            if grant.expires_at <= self.clock():
                del self._access[token]
                raise auth_failed()
            return grant.scopes

    # -- the token endpoint ------------------------------------------------------------------
    def token_response(self, authorization: str | None, form: dict[str, str]) -> dict[str, object]:
        """Handle ``POST /oauth/token`` (form already parsed); return the JSON body."""
        self.check_client(authorization)
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            return self._refresh_grant(form)
        if grant_type == "authorization_code":
            return self._code_grant(form)
        if grant_type == "client_credentials":
            scopes = _split_scopes(_required(form, "scope"))
            return self._access_body(scopes, "client_credentials")
        if grant_type is None:
            raise ApiError(400, 1, "Missing required parameter 'grant_type'.")
        raise ApiError(400, 1, f"Parameter 'grant_type' has an invalid value '{grant_type}'.")

    def _refresh_grant(self, form: dict[str, str]) -> dict[str, object]:
        token = _required(form, "refresh_token")
        now = self.clock()
        with self._lock:
            if token in self.persistent_refresh_tokens:
                scopes = self.default_scopes
            else:
                grant = self._refresh.get(token)
                if grant is None or grant.expires_at <= now:
                    self._refresh.pop(token, None)
                    raise invalid_grant("refresh token")
                if self.rotation() == "immediate":
                    del self._refresh[token]
                scopes = grant.scopes
        if "scope" in form:
            wanted = _split_scopes(form["scope"])
            if not wanted <= scopes:
                raise ApiError(400, 1, "Requested scope exceeds the scope granted to the refresh token.")
            scopes = wanted
        return self._code_like_body(scopes, "refresh_token")

    def _code_grant(self, form: dict[str, str]) -> dict[str, object]:
        code = _required(form, "code")
        redirect_uri = _required(form, "redirect_uri")
        with self._lock:
            grant = self._codes.pop(code, None)
        if (
            grant is None
            or grant.expires_at <= self.clock()
            or (grant.redirect_uri and grant.redirect_uri != redirect_uri)
        ):
            raise invalid_grant("authorization code")
        return self._code_like_body(grant.scopes, "authorization_code")

    def _code_like_body(self, scopes: frozenset[str], response_type: str) -> dict[str, object]:
        body = self._access_body(scopes, response_type)
        refresh = self.issue_refresh_token(scopes)
        body["refresh_token"] = refresh
        body["refresh_token_expires_in"] = self.refresh_token_ttl
        body["refresh_token_expires_at"] = int(self.clock()) + self.refresh_token_ttl
        return body

    def _access_body(self, scopes: frozenset[str], response_type: str) -> dict[str, object]:
        return {
            "access_token": self.issue_access_token(scopes),
            "token_type": "bearer",
            "expires_in": self.access_token_ttl,
            "scope": ",".join(sorted(scopes)),
            "response_type": response_type,
        }


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise ApiError(400, 1, f"Missing required parameter '{name}'.")
    return value


def _split_scopes(raw: str) -> frozenset[str]:
    return frozenset(s for s in raw.replace(" ", ",").split(",") if s)
