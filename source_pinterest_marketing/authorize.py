"""`source-pinterest-marketing-authorize`: Pinterest's OAuth authorization-code flow, done by hand.

1. print the authorization URL (``https://www.pinterest.com/oauth/`` with the app's client id, the redirect URI,
   the scopes (``--scopes``, default the connector's, plus ``--extra-scopes`` for streams that need more) and a
   random ``state``) for the person to open in a browser and approve;
2. read back what the browser was redirected to (the whole URL, whose ``state`` is checked, or the bare code);
3. exchange the code at ``POST {api_base}/oauth/token`` (form body, HTTP Basic client auth);
4. write a ready connector config (OAuth2.0 credentials with the refresh token) to ``--output`` (mode 0600) or stdout.
   An existing ``--output`` config keeps every other setting: only its ``credentials`` (and the options given) change.
   ``--output`` is checked before the code is spent: a directory, a read-only file or one that is not a JSON config
   is refused while the code is still unused.

Everything meant for the person goes to stderr, so stdout carries only the config JSON. Errors are one line,
exit code 2, and never contain the client secret, the code or a token.
See https://developers.pinterest.com/docs/getting-started/set-up-authentication-and-authorization/
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Optional
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.commands import EXIT_ERROR, helper_parser, run_helper
from source_pinterest_marketing.config import AUTHORIZATION_URL, SCOPES, PinterestConfig, load_config
from source_pinterest_marketing.local_files import PRIVATE_MODE, write_json, write_problem
from source_pinterest_marketing.scopes import EXTRA_SCOPES_OPTION

DEFAULT_REDIRECT_URI = "http://localhost:8085/"
SECRET_ENV = "PINTEREST_CLIENT_SECRET"
EXIT_INTERRUPTED = 130
_TIMEOUT_SECONDS = 30


class AuthorizeError(Exception):
    """A problem the person can fix; its message is shown as is (it never contains a secret)."""


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


# -- command line ------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = helper_parser(
        "authorize",
        "Get a Pinterest refresh token with the OAuth authorization-code flow and write a ready "
        "source-pinterest-marketing config. Instructions go to stderr; the config goes to --output or stdout.",
    )
    parser.add_argument("--client-id", required=True, help="The App ID of your Pinterest app.")
    parser.add_argument(
        "--client-secret",
        help=f"The app's secret key (visible in `ps` and shell history: prefer ${SECRET_ENV} or the prompt, which does not echo).",
    )
    parser.add_argument(
        "--redirect-uri",
        default=DEFAULT_REDIRECT_URI,
        help="A redirect URI registered on the app (default: %(default)s). Nothing needs to listen there.",
    )
    parser.add_argument("--scopes", default=SCOPES, help="Comma-separated scopes (default: %(default)s).")
    parser.add_argument(
        EXTRA_SCOPES_OPTION,
        default="",
        metavar="SCOPES",
        help=(
            "Comma-separated scopes asked for on top of --scopes, for streams that need more than the default ones "
            "(e.g. billing:read for billing streams; the user guide says which stream needs which). The app must be "
            "allowed them."
        ),
    )
    parser.add_argument(
        "--environment", choices=("production", "sandbox"), help="Pinterest API environment (default: production)."
    )
    parser.add_argument("--api-base-url", help="Override the API base URL, including /v5 (testing).")
    parser.add_argument(
        "--authorization-url", default=AUTHORIZATION_URL, help="Override the authorization page (testing)."
    )
    parser.add_argument(
        "--output",
        "-o",
        help=(
            "Write the config to this file (mode 0600). An existing config there keeps its other settings: only "
            "`credentials` (and the options given here) change. Default: stdout."
        ),
    )
    parser.add_argument(
        "--code",
        help=(
            "Skip the prompt: the authorization code, or the redirected URL (its state is checked only with --state). "
            "Write it as --code=VALUE: a code may start with '-'."
        ),
    )
    parser.add_argument("--state", help="Use this state in the authorization URL instead of a random one.")
    parser.add_argument("--start-date", help="Copied into the config: `start_date` (YYYY-MM-DD).")
    parser.add_argument(
        "--ad-account-id",
        action="append",
        default=[],
        dest="ad_account_ids",
        help="Copied into the config: one of `ad_account_ids` (repeat the option for several).",
    )
    return parser


def _client_secret(args: argparse.Namespace) -> str:
    secret = args.client_secret or os.environ.get(SECRET_ENV)
    if not secret:
        secret = getpass.getpass("Client secret (App secret key, not echoed): ", stream=sys.stderr)
    secret = secret.strip()
    if not secret:
        raise AuthorizeError(f"No client secret: pass --client-secret, set ${SECRET_ENV} or type it at the prompt.")
    return secret


def _scope_list(raw: str) -> list[str]:
    return [scope for scope in raw.replace(" ", ",").split(",") if scope]


# -- the flow ----------------------------------------------------------------------------------


def authorization_url(base: str, client_id: str, redirect_uri: str, scopes: Sequence[str], state: str) -> str:
    """Pinterest's authorization page for this app; it redirects to ``redirect_uri?code=...&state=...``."""
    query = urlencode(
        {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": ",".join(scopes),
            "state": state,
        }
    )
    return f"{base}{'&' if '?' in base else '?'}{query}"


def code_from_paste(pasted: str, expected_state: Optional[str]) -> str:
    """The code from a redirected URL (state checked when ``expected_state`` is set) or a bare code."""
    text = pasted.strip()
    if not text:
        raise AuthorizeError("No authorization code was given: paste the URL the browser was redirected to.")
    if "=" not in text and "://" not in text:
        if any(char.isspace() for char in text):
            raise AuthorizeError("That does not look like an authorization code or a redirected URL.")
        return text
    query = parse_qs(urlparse(text).query if "://" in text else text.lstrip("?"))
    if "error" in query:
        description = query.get("error_description", [""])[0]
        raise AuthorizeError(f"Pinterest did not authorize the app: {query['error'][0]} {description}".rstrip())
    code = query.get("code", [""])[0]
    if not code:
        raise AuthorizeError("The pasted URL has no `code` parameter: copy the whole URL from the address bar.")
    if expected_state is not None and query.get("state", [""])[0] != expected_state:
        raise AuthorizeError(
            "The `state` in the pasted URL does not match the one this helper sent: the URL comes from another "
            "authorization attempt (or was tampered with). Start again and paste the URL of this attempt."
        )
    return code


def _read_paste() -> str:
    sys.stderr.write("Paste the URL your browser was redirected to (or just the code), then press Enter:\n> ")
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        raise AuthorizeError("No authorization code was given (end of input).")
    return line


def _api_message(response: requests.Response, hidden: Sequence[str]) -> str:
    try:
        body = response.json()
        message = f"code {body['code']}: {body['message']}"
    except (ValueError, KeyError, TypeError):
        message = response.reason or "no details"
    for value in hidden:
        message = message.replace(value, "****")
    return f"HTTP {response.status_code}, {message}"


def exchange_code(token_url: str, client_id: str, client_secret: str, code: str, redirect_uri: str) -> dict[str, Any]:
    """``POST /oauth/token`` with ``grant_type=authorization_code``; the token response, or a clear error."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        # apps created before 2025-09-25 need this for the 60-day, refreshable token
        # (docs/dev/API-NOTES.md#oauth-and-token-rotation)
        "continuous_refresh": "true",
    }
    try:
        response = requests.post(token_url, data=form, auth=(client_id, client_secret), timeout=_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise AuthorizeError(f"Could not reach the token endpoint {token_url} ({type(exc).__name__}).") from None
    details = _api_message(response, (client_secret, code))
    if response.status_code == 401:
        raise AuthorizeError(
            f"Pinterest rejected the client credentials ({details}). "
            "Check --client-id and the client secret (the app's 'App secret key')."
        )
    if response.status_code == 400:
        raise AuthorizeError(
            f"Pinterest rejected the authorization code ({details}). A code works once and for a few minutes only, "
            "and --redirect-uri must be exactly the one of the authorization URL. Run the helper again for a new code."
        )
    if response.status_code != 200:
        raise AuthorizeError(f"The token exchange failed ({details}).")
    try:
        token = response.json()
    except ValueError:
        raise AuthorizeError("The token endpoint answered 200 with a body that is not JSON.") from None
    if not isinstance(token, dict) or not token.get("refresh_token"):
        raise AuthorizeError("The token endpoint's answer has no refresh_token (is refresh enabled for the app?).")
    return token


def build_config(
    args: argparse.Namespace,
    client_secret: str,
    token: Mapping[str, Any],
    existing: Optional[Mapping[str, Any]] = None,
) -> dict[str, Any]:
    """The connector config: `existing` (the config already in --output, if any) with new OAuth2.0 credentials and
    the passthrough fields that were given; every other setting of `existing` is kept as it was."""
    credentials: dict[str, Any] = {
        "auth_method": "oauth2.0",
        "client_id": args.client_id,
        "client_secret": client_secret,
        "refresh_token": token["refresh_token"],
    }
    if token.get("refresh_token_expires_at") is not None:
        credentials["refresh_token_expires_at"] = token["refresh_token_expires_at"]
    # the old credentials go whole: their access token and expiry belong to the grant being replaced
    config: dict[str, Any] = {**(existing or {}), "credentials": credentials}
    optional = {
        "environment": args.environment,
        "api_base_url": args.api_base_url,
        "start_date": args.start_date,
        "ad_account_ids": args.ad_account_ids,
    }
    config.update({key: value for key, value in optional.items() if value})
    return config


def _validate(config: Mapping[str, Any]) -> PinterestConfig:
    try:
        return load_config(config)
    except AirbyteTracedException as exc:
        raise AuthorizeError(str(exc.message)) from None


def existing_config(path: str) -> Optional[dict[str, Any]]:
    """The config already at --output, to merge the new credentials into (None: no file, or an empty one). Refused,
    before the code is spent, when the file cannot be replaced or is not a JSON config."""
    problem = write_problem(path)
    if problem is not None:
        raise AuthorizeError(f"Cannot write --output {path}: {problem}.")
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthorizeError(f"Cannot read the existing --output {path}: {getattr(exc, 'strerror', None) or exc}.") from None
    if not text.strip():
        return None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AuthorizeError(
            f"--output {path} exists and is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}): fix it, "
            "or give another path (the helper merges the new credentials into an existing config)."
        ) from None
    if not isinstance(config, dict):
        raise AuthorizeError(f"--output {path} holds a JSON {type(config).__name__}, not a connector config (an object).")
    return config


def write_config(path: str, config: Mapping[str, Any]) -> None:
    """Write the config as JSON, readable by its owner only (mode 0600, also when the file existed), atomically."""
    try:
        write_json(path, config, mode=PRIVATE_MODE)
    except OSError as exc:
        raise AuthorizeError(f"Could not write {path}: {exc.strerror or exc}.") from None


def _report_token(token: Mapping[str, Any], requested: Sequence[str]) -> None:
    missing = sorted(set(requested) - set(_scope_list(str(token.get("scope", "")))))
    if token.get("scope") and missing:
        _say(f"Warning: Pinterest did not grant {', '.join(missing)}; streams needing them will fail.")
    expires_at = token.get("refresh_token_expires_at")
    if isinstance(expires_at, int | float):
        day = datetime.fromtimestamp(expires_at, UTC).date().isoformat()
        _say(
            f"The refresh token expires on {day} unless refreshed before: each refresh of the access token rotates "
            "it. Airbyte saves the new one; outside Airbyte, run the connector with --update-config (see the README)."
        )


def _run(args: argparse.Namespace) -> int:
    scopes = list(dict.fromkeys([*_scope_list(args.scopes), *_scope_list(args.extra_scopes)]))
    if not _scope_list(args.scopes):
        raise AuthorizeError("--scopes is empty.")
    client_secret = _client_secret(args)
    # fail on --output or a bad --start-date / --ad-account-id before the person goes through the browser (an
    # authorization code works once: spent on a config that cannot be written, the refresh token is lost)
    existing = existing_config(args.output) if args.output else None
    planned = _validate(build_config(args, client_secret, {"refresh_token": "placeholder"}, existing))
    if args.code:
        code = code_from_paste(args.code, args.state)
    else:
        state = args.state or secrets.token_urlsafe(16)
        url = authorization_url(args.authorization_url, args.client_id, args.redirect_uri, scopes, state)
        _say("Open this URL in a browser, logged in as the Pinterest user whose data the connector should read:\n")
        _say(f"    {url}\n")
        _say(f"After you approve, the browser goes to {args.redirect_uri}?code=...&state=... (the page may not load).")
        code = code_from_paste(_read_paste(), state)
    # the endpoint of the config being written: an existing config's `environment` / `api_base_url` count too
    token_url = f"{planned.api_base_url}/oauth/token"
    token = exchange_code(token_url, args.client_id, client_secret, code, args.redirect_uri)
    config = build_config(args, client_secret, token, existing)
    _report_token(token, scopes)
    if args.output:
        try:
            write_config(args.output, config)
        except AuthorizeError as exc:
            # the code is spent: print the config once so that its refresh token is not lost
            _say(f"error: {exc} The config, with its new refresh token, follows on stdout: save it now.")
            sys.stdout.write(json.dumps(config, indent=2) + "\n")
            sys.stdout.flush()
            return EXIT_ERROR
        if existing is None:
            _say(f"Wrote the connector config to {args.output} (mode 0600). Keep it secret.")
        else:
            kept = sorted(set(existing) - {"credentials"})
            _say(
                f"Wrote the new credentials into the existing config {args.output} (mode 0600), keeping its other "
                f"settings ({', '.join(kept) or 'none'}). Keep it secret."
            )
    else:
        sys.stdout.write(json.dumps(config, indent=2) + "\n")
        sys.stdout.flush()
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Console entry point; returns the exit code (0, 2 on an error, 130 when interrupted)."""
    args = _parser().parse_args(argv)
    try:
        return run_helper(_run, args, (AuthorizeError,))
    except (KeyboardInterrupt, EOFError):
        _say("\nAborted.")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
