"""Authentication: OAuth2 refresh with rotating refresh tokens, or a bare access token.

Pinterest's token endpoint (`POST {base}/oauth/token`) takes a form body and HTTP Basic client auth, and
answers every refresh with a NEW refresh token and its expiry (docs/dev/API-NOTES.md#oauth-and-token-rotation).
The CDK's `SingleUseRefreshTokenOauth2Authenticator` already serialises refreshes and persists the
rotated token through a CONTROL `CONNECTOR_CONFIG` message; this module implements its public
`refresh_access_token` hook: the token request itself (bounded retries of transient failures), Pinterest's
Basic auth, the refresh token's own expiry saved next to it with a warning when it is near, and rejections
turned into config errors that say what to do.

Outside Airbyte nobody saves the CONTROL message, and whether Pinterest lets a replaced refresh token work on is not
said (docs/dev/API-NOTES.md#oauth-and-token-rotation): run with `--update-config` (run.py), each refresh also rewrites
the config file (`local_files.write_json`: atomically, mode kept), which was checked writable before any token was
spent. Inside Airbyte the flag is never given and nothing changes.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Mapping, MutableMapping
from datetime import timedelta
from typing import Any, ClassVar, Optional, Union
from urllib.parse import urlsplit

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.requests_native_auth import (
    SingleUseRefreshTokenOauth2Authenticator,
    TokenAuthenticator,
)
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, filter_secrets
from airbyte_cdk.utils.datetime_helpers import AirbyteDateTime, ab_datetime_now
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from typing_extensions import override

from source_pinterest_marketing.config import AccessTokenCredentials, PinterestConfig
from source_pinterest_marketing.errors import PinterestError, config_error
from source_pinterest_marketing.local_files import write_json, write_problem

logger = logging.getLogger("airbyte")

REFRESH_TOKEN_WARNING_DAYS = 7
REFRESH_TOKEN_EXPIRES_AT = "refresh_token_expires_at"
#: the command-line flag that saves rotated credentials into the --config file (outside Airbyte; run.py)
UPDATE_CONFIG_FLAG = "--update-config"
#: when the token endpoint says nothing of the access token's lifetime
DEFAULT_ACCESS_TOKEN_SECONDS = 3600
#: the most one token refresh of a sync may take, every attempt and wait included (a token endpoint that accepts
#: connections and never answers fails the sync in this time, not after every attempt's full timeout)
SYNC_REFRESH_SECONDS = 120.0
#: an attempt is not started with less time left than this
MIN_ATTEMPT_SECONDS = 1.0


class PinterestOAuthAuthenticator(SingleUseRefreshTokenOauth2Authenticator):
    """Rotating-refresh-token OAuth with HTTP Basic client authentication.

    `connector_config` is the user's own (mutable) config: the CDK writes the rotated refresh token into it
    and emits it as a CONTROL message, so Airbyte saves it. Refreshes are single-flight (the CDK's lock); a
    definitive rejection (an invalid, expired or revoked grant) is remembered, so no thread asks again."""

    #: first wait between attempts (doubled each time, at most `retry_max_seconds`)
    retry_base_seconds: ClassVar[float] = 2.0
    retry_max_seconds: ClassVar[float] = 30.0
    #: (connect, read) timeouts of a token request (each at most the time left of the refresh's `time_budget_seconds`)
    request_timeout_seconds: ClassVar[tuple[float, float]] = (10.0, 30.0)

    def __init__(
        self,
        connector_config: MutableMapping[str, Any],
        api_base_url: str,
        max_attempts: int = 5,
        time_budget_seconds: float = SYNC_REFRESH_SECONDS,
        config_file: Optional[str] = None,
    ) -> None:
        credentials = connector_config["credentials"]
        basic = base64.b64encode(f"{credentials['client_id']}:{credentials['client_secret']}".encode()).decode()
        add_to_secrets(basic)
        self.persisted_credentials: MutableMapping[str, Any] = credentials
        #: attempts of one refresh when the token endpoint fails transiently (5xx, 429, no connection)
        self.max_attempts = max_attempts
        #: the most one refresh may take, every attempt and wait included
        self.time_budget_seconds = time_budget_seconds
        #: the token endpoint's definitive answer that the grant is no good: raised again without asking
        self.rejection: Optional[AirbyteTracedException] = None
        self.invalidation_lock = threading.Lock()
        #: where each refresh's credentials are also written (`--update-config`), with the config they belong to
        self.config_file = config_file
        self.config_to_save = connector_config
        self.save_lock = threading.Lock()
        self.saved_credentials: Optional[dict[str, Any]] = None
        #: the scopes Pinterest says the latest access token has (its token answer's `scope`); None: not said yet
        self.granted_scopes: Optional[frozenset[str]] = None
        super().__init__(
            connector_config=connector_config,
            token_refresh_endpoint=f"{api_base_url}/oauth/token",
            refresh_request_headers={"Authorization": f"Basic {basic}"},
        )

    @override
    def refresh_access_token(self) -> tuple[str, AirbyteDateTime, Optional[str]]:  # type: ignore[override]
        if self.rejection is not None:
            raise self.rejection
        answer = self._token_answer()
        access_token = answer.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise not_a_token(self.endpoint, f"an answer without an access token (keys {sorted(answer)})")
        add_to_secrets(access_token)
        refresh_token = answer.get("refresh_token")
        if isinstance(refresh_token, str) and refresh_token:
            add_to_secrets(refresh_token)
        else:
            refresh_token = None
        self.granted_scopes = said_scopes(answer.get("scope"))
        expires_at = answer.get(REFRESH_TOKEN_EXPIRES_AT)
        if isinstance(expires_at, (int, float)) and not isinstance(expires_at, bool):
            # saved beside the refresh token: the CONTROL message the CDK emits next carries it
            self.persisted_credentials[REFRESH_TOKEN_EXPIRES_AT] = int(expires_at)
            warn_if_refresh_token_expires_soon(int(expires_at))
        expires_in = answer.get("expires_in")
        seconds = expires_in if isinstance(expires_in, int) and expires_in > 0 else DEFAULT_ACCESS_TOKEN_SECONDS
        # token expiry is wall-clock time passing (the CDK compares it with its own now), not a date: it stays off
        # the connector's clock (clock.py)
        return access_token, ab_datetime_now() + timedelta(seconds=seconds), refresh_token

    @override
    def refresh_and_set_access_token(self) -> None:
        super().refresh_and_set_access_token()
        if self.config_file is not None:
            self.save_credentials(self.config_file)

    def save_credentials(self, path: str) -> None:
        """Write the config, with the credentials of the latest refresh, back to `path` (`--update-config`). A write
        that fails stops the run: the refresh token just replaced may already be dead, and the new one is only in
        this run's CONTROL message."""
        with self.save_lock:
            credentials = dict(self.persisted_credentials)
            if credentials == self.saved_credentials:
                return  # another thread's refresh, saved already
            try:
                write_json(path, self.config_to_save)
            except OSError as error:
                raise config_error(
                    f"Could not save the rotated credentials to {path} ({error.strerror or error}). The new refresh "
                    "token is in this run's CONTROL message (CONNECTOR_CONFIG) on stdout: copy its `credentials` into "
                    "the file, or re-authenticate."
                ) from None
            self.saved_credentials = credentials
        logger.info("Saved the rotated credentials to %s (%s).", path, UPDATE_CONFIG_FLAG)

    def invalidate(self, rejected_token: str) -> bool:
        """The API rejected `rejected_token` (HTTP 401): if it is still the current one, the next request refreshes
        it first (once, whichever thread asks first). False when it was already replaced."""
        with self.invalidation_lock:
            if rejected_token != self.access_token:
                return False
            self.set_token_expiry_date(ab_datetime_now() - timedelta(seconds=1))
            return True

    @property
    def endpoint(self) -> str:
        return str(self.get_token_refresh_endpoint())

    def _token_answer(self) -> Mapping[str, Any]:
        """POST the refresh form; retry transient failures within `max_attempts` and `time_budget_seconds`, turn
        rejections into config errors."""
        wait = self.retry_base_seconds
        started = time.monotonic()
        deadline = started + self.time_budget_seconds
        for attempt in range(1, self.max_attempts + 1):
            left = deadline - time.monotonic()
            connect, read = self.request_timeout_seconds
            timeout = (min(connect, left), min(read, left))
            try:
                response = requests.post(
                    self.endpoint,
                    data=self.build_refresh_request_body(),
                    headers=self.build_refresh_request_headers(),
                    timeout=timeout,
                )
            except requests.RequestException as error:
                if self._last(attempt, deadline, wait):
                    tried = f"{_attempts(attempt)} in {time.monotonic() - started:.0f} s"
                    raise unreachable(self.endpoint, error, tried, _silence(error, timeout)) from None
                logger.warning(
                    "Pinterest's token endpoint could not be reached (%s); retrying in %.0f s", type(error).__name__, wait
                )
            else:
                if response.ok:
                    return _token_object(self.endpoint, response)
                if response.status_code != 429 and response.status_code < 500:
                    self.rejection = token_endpoint_error(response)
                    raise self.rejection
                if self._last(attempt, deadline, wait):
                    raise PinterestError(
                        f"Pinterest's token endpoint at {_host(self.endpoint)} kept failing (HTTP "
                        f"{response.status_code}) while refreshing the access token; the next sync tries again.",
                        FailureType.transient_error,
                    )
                logger.warning("Pinterest's token endpoint answered HTTP %d; retrying in %.0f s", response.status_code, wait)
            time.sleep(wait)
            wait = min(wait * 2, self.retry_max_seconds)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _last(self, attempt: int, deadline: float, wait: float) -> bool:
        """Whether the attempt that just failed is the last: the attempts are spent, or waiting `wait` would leave
        too little of the refresh's time for another."""
        return attempt == self.max_attempts or deadline - time.monotonic() - wait < MIN_ATTEMPT_SECONDS


def said_scopes(scope: Any) -> Optional[frozenset[str]]:
    """The scopes a token answer's `scope` names (Pinterest separates them with commas; OAuth's standard form is
    spaces: either is read); None when the answer says none (the token's scopes are then unknown)."""
    if not isinstance(scope, str) or not scope.strip():
        return None
    return frozenset(name for name in scope.replace(",", " ").split() if name)


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"


def _silence(error: Exception, timeout: tuple[float, float]) -> Optional[float]:
    """The seconds a timed-out request waited for its connection or its answer (None: it did not time out)."""
    if isinstance(error, requests.ConnectTimeout):
        return timeout[0]
    return timeout[1] if isinstance(error, requests.Timeout) else None


def unreachable(
    url: str, error: Exception, tried: str, no_answer_within: Optional[float] = None
) -> AirbyteTracedException:
    """Pinterest cannot be reached at all (no connection, no answer in time), `tried` ("2 attempts in 21 s"):
    transient."""
    silence = f": no answer within {no_answer_within:g} s" if no_answer_within is not None else ""
    message = (
        f"Cannot reach Pinterest at {_host(url)} ({type(error).__name__}{silence}) after {tried}; check the network "
        "(and `api_base_url` or `environment` if set). The next sync tries again."
    )
    return PinterestError(message, FailureType.transient_error, internal_message=filter_secrets(str(error)))


def not_a_token(url: str, what: str) -> AirbyteTracedException:
    message = (
        f"The token endpoint at {_host(url)} did not answer with a token ({what}): is it Pinterest's API? "
        "Check `api_base_url` and `environment`."
    )
    return PinterestError(message, FailureType.system_error)


def _token_object(url: str, response: requests.Response) -> Mapping[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, Mapping):
        raise not_a_token(url, f"HTTP {response.status_code}, {response.headers.get('Content-Type', 'no content type')}")
    return body


def token_endpoint_error(response: requests.Response) -> AirbyteTracedException:
    """A clear, secret-free config error for a rejected refresh (or an answer that is not Pinterest's)."""
    status = response.status_code
    kind = response.headers.get("Content-Type", "")
    if "json" not in kind or status in (404, 405):
        message = (
            f"The server at {_host(response.url or '')} does not answer like Pinterest's token endpoint (HTTP {status}, "
            f"{kind or 'no content type'}). Check `api_base_url` and `environment`."
        )
    elif status == 401:
        message = (
            "Pinterest rejected the app's client credentials (HTTP 401 from the token endpoint). "
            "Check `credentials.client_id` and `credentials.client_secret`."
        )
    else:
        message = (
            f"Pinterest rejected the refresh token (HTTP {status}): it is invalid, expired, revoked "
            "or was already used. Re-authenticate the source to get a new refresh token. Outside Airbyte, run the "
            f"connector with {UPDATE_CONFIG_FLAG} so that it saves each new refresh token into the config file "
            "(README, step 3)."
        )
    return config_error(message)


def warn_if_refresh_token_expires_soon(expires_at: int, now: float | None = None) -> None:
    # Pinterest's expiry is Unix seconds: compared with the machine's wall-clock seconds, not the connector's date
    # clock (clock.py), as the token endpoint counts real time
    remaining_days = (expires_at - (now if now is not None else time.time())) / 86400
    if remaining_days < REFRESH_TOKEN_WARNING_DAYS:
        logger.warning(
            "The Pinterest refresh token expires in %.1f days: keep the connection syncing (each refresh of the "
            "access token rotates it) or re-authenticate before it expires.",
            max(remaining_days, 0.0),
        )


Authenticator = Union[PinterestOAuthAuthenticator, TokenAuthenticator]


def granted_scopes(authenticator: Authenticator) -> Optional[frozenset[str]]:
    """The scopes of the token `authenticator` sends, as Pinterest said them when it was issued (OAuth: every
    refresh's answer); None when unknown (an access token given as is: nothing says its scopes without a request)."""
    return authenticator.granted_scopes if isinstance(authenticator, PinterestOAuthAuthenticator) else None


def build_authenticator(
    config: PinterestConfig,
    raw_config: Mapping[str, Any],
    token_attempts: int = 5,
    token_seconds: float = SYNC_REFRESH_SECONDS,
    config_file: Optional[str] = None,
) -> Authenticator:
    """The authenticator for the configured credentials; one instance is shared by every stream.

    `raw_config` is the user's config as given to the connector: rotated tokens are written into it
    (and emitted from it), so it must be the user's own mapping, not the validated copy. `token_attempts`:
    tries of one token refresh when the endpoint fails transiently, `token_seconds` the most it may take (`check`
    tries less, and for less long, than a sync). `config_file`: the file `raw_config` came from, to write rotated
    credentials back to (`--update-config`); refused here, before any token is spent, when it could not be rewritten.
    An access token is never rotated: nothing to write."""
    if isinstance(config.credentials, AccessTokenCredentials):
        add_to_secrets(config.credentials.access_token)
        return TokenAuthenticator(token=config.credentials.access_token)
    if config_file is not None:
        problem = write_problem(config_file)
        if problem is not None:
            raise config_error(
                f"{UPDATE_CONFIG_FLAG}: the rotated credentials could not be saved to {config_file}: {problem}. "
                "Make the file and its directory writable by the user the connector runs as (in Docker, mount the "
                'directory, not the file, and run as its owner: --user "$(id -u):$(id -g)").'
            )
    persisted = raw_config if isinstance(raw_config, MutableMapping) else dict(raw_config)
    return PinterestOAuthAuthenticator(
        persisted,
        config.api_base_url,
        max_attempts=token_attempts,
        time_budget_seconds=token_seconds,
        config_file=config_file,
    )
