"""Authentication: OAuth2 refresh with rotating refresh tokens, or a bare access token.

Pinterest's token endpoint (`POST {base}/oauth/token`) takes a form body and HTTP Basic client
auth, and answers every refresh with a NEW refresh token (API-NOTES §1.3). The CDK's
`SingleUseRefreshTokenOauth2Authenticator` already persists rotated tokens through a CONTROL
`CONNECTOR_CONFIG` message; this module adds Pinterest's Basic auth, saves the refresh token's own
expiry next to it, warns when that expiry is near, and turns token-endpoint rejections into
config errors that say what to do.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import MutableMapping
from typing import Any, Union

import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.requests_native_auth import (
    SingleUseRefreshTokenOauth2Authenticator,
    TokenAuthenticator,
)
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets
from airbyte_cdk.utils.datetime_helpers import AirbyteDateTime
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.config import AccessTokenCredentials, PinterestConfig

logger = logging.getLogger("airbyte")

REFRESH_TOKEN_WARNING_DAYS = 7
REFRESH_TOKEN_EXPIRES_AT_PATH = ("credentials", "refresh_token_expires_at")


class PinterestOAuthAuthenticator(SingleUseRefreshTokenOauth2Authenticator):
    """Rotating-refresh-token OAuth with HTTP Basic client authentication."""

    def __init__(self, connector_config: MutableMapping[str, Any], api_base_url: str) -> None:
        credentials = connector_config["credentials"]
        basic = base64.b64encode(f"{credentials['client_id']}:{credentials['client_secret']}".encode()).decode()
        add_to_secrets(basic)
        super().__init__(
            connector_config=connector_config,
            token_refresh_endpoint=f"{api_base_url}/oauth/token",
            refresh_request_headers={"Authorization": f"Basic {basic}"},
        )

    def refresh_access_token(self) -> tuple[str, AirbyteDateTime, str | None]:  # type: ignore[override]
        response = self._make_handled_request()
        access_token = self._extract_access_token(response)
        new_refresh_token = self._extract_refresh_token(response)
        if new_refresh_token:
            add_to_secrets(new_refresh_token)
        expires_at = response.get("refresh_token_expires_at")
        if isinstance(expires_at, (int, float)):
            self._set_config_value_by_path(REFRESH_TOKEN_EXPIRES_AT_PATH, int(expires_at))
            warn_if_refresh_token_expires_soon(int(expires_at))
        return access_token, self._extract_token_expiry_date(response), new_refresh_token

    def _make_handled_request(self) -> Any:
        try:
            return super()._make_handled_request()
        except requests.HTTPError as error:
            raise token_endpoint_error(error.response) from None
        except AirbyteTracedException as error:
            cause = error.__cause__
            if isinstance(cause, requests.HTTPError) and cause.response is not None:
                raise token_endpoint_error(cause.response) from None
            raise


def token_endpoint_error(response: requests.Response | None) -> AirbyteTracedException:
    """A clear, secret-free config error for a rejected refresh."""
    status = response.status_code if response is not None else None
    if status == 401:
        message = (
            "Pinterest rejected the app's client credentials (HTTP 401 from the token endpoint). "
            "Check `credentials.client_id` and `credentials.client_secret`."
        )
    else:
        message = (
            f"Pinterest rejected the refresh token (HTTP {status}): it is invalid, expired, revoked "
            "or was already used. Re-authenticate the source to get a new refresh token."
        )
    return AirbyteTracedException(message=message, internal_message=message, failure_type=FailureType.config_error)


def warn_if_refresh_token_expires_soon(expires_at: int, now: float | None = None) -> None:
    remaining_days = (expires_at - (now if now is not None else time.time())) / 86400
    if remaining_days < REFRESH_TOKEN_WARNING_DAYS:
        logger.warning(
            "The Pinterest refresh token expires in %.1f days: keep the connection syncing (each sync "
            "rotates it) or re-authenticate before it expires.",
            max(remaining_days, 0.0),
        )


Authenticator = Union[PinterestOAuthAuthenticator, TokenAuthenticator]


def build_authenticator(config: PinterestConfig) -> Authenticator:
    """The authenticator for the configured credentials; one instance is shared by every stream."""
    if isinstance(config.credentials, AccessTokenCredentials):
        add_to_secrets(config.credentials.access_token)
        return TokenAuthenticator(token=config.credentials.access_token)
    # The CDK writes rotated tokens into this mapping and emits it as a CONTROL message, so it must
    # be the user's own (mutable) config, not the validated copy.
    raw = config.raw if isinstance(config.raw, MutableMapping) else dict(config.raw)
    return PinterestOAuthAuthenticator(raw, config.api_base_url)
