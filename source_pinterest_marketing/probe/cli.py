"""``source-pinterest-marketing-probe --config secrets/config.json [--output probe.json]`` (in the Docker image:
``probe --config /secrets/config.json``): check, with the user's own credentials, what the connector assumes about
the Pinterest API, read-only, within a budget printed before the first request (docs/probe.md).

stdout gets the report (a line per check as it ends, then the summary table), stderr the errors (one line each)
and the connector's warnings. In OAuth mode the probe refreshes the access token first, always (a sync does when
the config holds no valid access token); Pinterest answers with a new refresh token, which the probe saves into the ``--config`` file, as Airbyte saves it
for a connection (the file must be writable: checked before anything is sent).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import logging
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from importlib import metadata
from typing import Any, Optional, TextIO
from urllib.parse import urlsplit

from airbyte_cdk.utils.airbyte_secrets_utils import filter_secrets, get_secrets, update_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_pinterest_marketing.api_description import api_enums
from source_pinterest_marketing.auth import REFRESH_TOKEN_EXPIRES_AT, PinterestOAuthAuthenticator
from source_pinterest_marketing.clock import utc_now, utc_today
from source_pinterest_marketing.commands import helper_parser
from source_pinterest_marketing.config import SCOPES, PinterestConfig, connector_spec_schema, load_config
from source_pinterest_marketing.context import SyncContext
from source_pinterest_marketing.inputs import read_config_file
from source_pinterest_marketing.probe.checks import (
    CHECKS,
    AccountLists,
    Check,
    Session,
    TokenRefresh,
    budget,
    is_oauth,
    run_check,
)
from source_pinterest_marketing.probe.client import CredentialsRejected, ProbeClient
from source_pinterest_marketing.probe.report import RESULTS, ProbeResult, finding_lines, summary_table
from source_pinterest_marketing.scopes import DEFAULT_SCOPES, reauthorize

PACKAGE = "source-pinterest-marketing"
#: no request is retried (the budget is exact); a token refresh is tried once
MAX_RETRIES = 0
TOKEN_ATTEMPTS = 1


class ProbeError(Exception):
    """An error that stops the probe before or while it runs: printed as one line, exit code 2."""


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = helper_parser(
        "probe",
        "Check, read-only and with your own credentials, what the connector assumes about the Pinterest API. "
        "Exit code: 0 all confirmed, 1 a contradiction, 2 something could not be checked.",
        config_help="the connector's config file (as for check/read)",
    )
    parser.add_argument("--output", help="also write the result as JSON to this file (attach it to a bug report)")
    parser.add_argument("--ad-account-id", help="the ad account to probe (default: the first configured, else the first the token reads)")
    parser.add_argument(
        "--check",
        action="append",
        choices=[check.name for check in CHECKS],
        help="run only this check (repeatable; default: every check)",
    )
    args = parser.parse_args(argv)
    if args.ad_account_id is not None and not re.fullmatch(r"[0-9]{1,18}", args.ad_account_id):
        parser.error(f"--ad-account-id must be an ad account id (1 to 18 digits), got {args.ad_account_id!r}")
    return args


def connector_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


def read_config(path: str) -> dict[str, Any]:
    """The config file, read as the connector reads it (inputs.py), its secrets masked in every line printed."""
    try:
        raw = dict(read_config_file(path))
    except AirbyteTracedException as error:
        raise ProbeError(error.message or str(error)) from None
    update_secrets(get_secrets(connector_spec_schema(), raw))
    return raw


def check_writable(path: str, what: str) -> None:
    """Raise unless `path` can be written (an existing file, or a new one in an existing directory)."""
    if os.path.isdir(path):
        raise ProbeError(f"{what} {path} is a directory: give the path of a file")
    target = path if os.path.exists(path) else os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(target) and not os.path.exists(path):
        raise ProbeError(f"{what} {path} cannot be written: its directory {target} does not exist")
    if not os.access(target, os.W_OK):
        raise ProbeError(f"{what} {path} is not writable")


def save_config(path: str, raw: Mapping[str, Any]) -> None:
    """Write the config back (the rotated credentials), keeping the file's mode: atomically where the directory is
    writable, else in place (a file mounted alone into a container)."""
    text = json.dumps(raw, indent=2) + "\n"
    mode = stat.S_IMODE(os.stat(path).st_mode)
    try:
        descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".probe-")
    except OSError:
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
        return
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            os.fchmod(file.fileno(), mode)
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


#: the connector's retry lines ("Stream x: ...; retry 1 in 2.0 s"): the probe retries nothing, they would mislead
RETRY_LINE = re.compile(r"; retry \d+ in [\d.]+ s$")


class SecretFreeHandler(logging.Handler):
    """The connector's warnings on stderr (a refresh token about to expire, an unknown config key), one line each,
    secrets masked, no traceback; written to the `sys.stderr` of the moment (tests swap it). Errors and retry lines
    are left out: every failure the probe meets is reported by the probe itself, in a finding or its one error line
    (the CDK's own error lines quote whole requests and answers)."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno == logging.WARNING and not RETRY_LINE.search(message):
            sys.stderr.write(filter_secrets(f"warning: {message}") + "\n")


@contextlib.contextmanager
def connector_logs_on_stderr() -> Iterator[None]:
    logger = logging.getLogger("airbyte")
    handler = SecretFreeHandler(logging.WARNING)
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def refresh_first(context: SyncContext) -> Optional[TokenRefresh]:
    """OAuth: refresh the access token before any check (bad credentials stop the run here), and note what the
    refresh answer carried. None in access-token mode."""
    authenticator = context.authenticator
    if not isinstance(authenticator, PinterestOAuthAuthenticator):
        return None
    sent = authenticator.get_refresh_token()
    # the expiry an earlier run saved must not pass for this answer's: only the refresh may set it again
    saved_expiry = authenticator.persisted_credentials.pop(REFRESH_TOKEN_EXPIRES_AT, None)
    try:
        # forced: a config saved by an earlier run may hold an access token that has not expired yet
        authenticator.refresh_and_set_access_token()
    except BaseException:
        if saved_expiry is not None:
            authenticator.persisted_credentials[REFRESH_TOKEN_EXPIRES_AT] = saved_expiry
        raise
    expires_at = authenticator.persisted_credentials.get(REFRESH_TOKEN_EXPIRES_AT)
    return TokenRefresh(
        endpoint_path=urlsplit(authenticator.endpoint).path,
        new_refresh_token=authenticator.get_refresh_token() != sent,
        refresh_token_expires_at=int(expires_at) if isinstance(expires_at, (int, float)) else None,
        now=time.time(),  # wall-clock seconds, as the expiry it is compared with (clock.py)
    )


def probe(
    config: PinterestConfig,
    raw: dict[str, Any],
    checks: Sequence[Check],
    result: ProbeResult,
    ad_account_id: Optional[str],
    out: TextIO,
) -> None:
    """Run the checks, printing each finding to `out` as it ends, into `result`. Raises `ProbeError` when the
    credentials are rejected."""
    context = SyncContext.create(config, raw, max_retries=MAX_RETRIES, token_attempts=TOKEN_ATTEMPTS)
    client = ProbeClient(context, result.budget)
    lists = AccountLists(client, config, ad_account_id)
    try:
        refresh = refresh_first(context)
        if refresh is not None:
            client.record_sent(1)
    except AirbyteTracedException as error:
        client.record_sent(1)
        result.requests_sent = client.sent
        raise ProbeError(error.message or str(error)) from None
    session = Session(client, lists, config, utc_today(), refresh)
    try:
        for check in checks:
            finding = run_check(check, session)
            result.findings.append(finding)
            print("\n".join(finding_lines(finding)), file=out, flush=True)
    except CredentialsRejected as rejected:
        raise ProbeError(str(rejected)) from None
    finally:
        result.requests_sent = client.sent
        result.ad_account_id = lists.probed_account()
        client.close()


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    out, err = sys.stdout, sys.stderr
    with connector_logs_on_stderr():
        try:
            return run(args, out, err)
        except ProbeError as error:
            print(filter_secrets(f"error: {error}"), file=err)
            return 2
        except Exception as error:  # noqa: BLE001 - a crash is "could not check" (2), never a contradiction (1)
            print(
                filter_secrets(
                    f"error: the probe stopped unexpectedly ({type(error).__name__}: {error}); nothing after it was "
                    "checked. Please report it with this line."
                ),
                file=err,
            )
            return 2


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Validate everything the run needs, announce it and its budget, probe, then report: the exit code."""
    raw = read_config(args.config)
    try:
        config = load_config(raw)
    except AirbyteTracedException as error:
        raise ProbeError(error.message or str(error)) from None
    oauth = is_oauth(config)
    if oauth:
        try:
            check_writable(args.config, "--config")
        except ProbeError as error:
            raise ProbeError(
                f"{error}: in OAuth mode the probe refreshes the access token and Pinterest answers with a new "
                "refresh token, which must be saved there (as Airbyte saves it for a connection). Make the file "
                "writable (in Docker: mount it without :ro), or use an access token."
            ) from None
    if args.output:
        check_writable(args.output, "--output")
    checks = [check for check in CHECKS if not args.check or check.name in args.check]
    ad_account_id = args.ad_account_id or (config.ad_account_ids[0] if config.ad_account_ids else None)
    plan = budget(checks, oauth, ad_account_id is not None)
    result = ProbeResult(
        connector_version=connector_version(),
        api_spec_version=str(api_enums()["spec_version"]),
        date=utc_now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        auth_method=config.credentials.auth_method,
        api_host=urlsplit(config.api_base_url).netloc,
        budget=plan.total,
    )
    account = ad_account_id or "the first the token reads"
    print(f"Pinterest API probe: {PACKAGE} {result.connector_version}, API description {result.api_spec_version}, {result.date}", file=out)
    print(f"Host {result.api_host}, {config.credentials.auth_method}, ad account {account}, {len(checks)} checks", file=out)
    print(f"Budget: {plan.describe()}. Read-only: nothing is written to the account.\n", file=out, flush=True)

    original = copy.deepcopy(raw)
    try:
        # The CDK prints each rotated config as an Airbyte CONTROL message on stdout (the platform's channel): it
        # carries the new tokens, so the probe's own output goes to `out` and that channel is discarded.
        with contextlib.redirect_stdout(io.StringIO()):
            probe(config, raw, checks, result, ad_account_id, out)
    except ProbeError as error:
        result.error = str(error)
        print(filter_secrets(f"error: {error}"), file=err)
    finally:
        saved = save_rotated(args.config, original, raw, err)
    if saved is False and result.error is None:
        result.error = f"could not save the rotated refresh token to {args.config}"
    report_end(result, saved, args, out, err)
    return result.exit_code


def report_end(result: ProbeResult, saved: Optional[bool], args: argparse.Namespace, out: TextIO, err: TextIO) -> None:
    """The summary table, the missing scopes (one error line), the outcome, and the JSON."""
    if result.findings:
        print("\nSummary", file=out)
        print("\n".join(summary_table(result.findings)), file=out)
    missing = result.missing_scopes
    default = {scope: names for scope, names in missing.items() if scope in DEFAULT_SCOPES}
    extra = {scope: names for scope, names in missing.items() if scope not in DEFAULT_SCOPES}
    if default:
        print(
            f"error: the token lacks the scope{'s' if len(default) > 1 else ''} {_needed_by(default)}. Re-authenticate "
            f"granting the scopes {SCOPES} (source-pinterest-marketing-authorize asks for them).",
            file=err,
        )
    if extra:
        print(
            f"note: the token lacks the scope{'s' if len(extra) > 1 else ''} {_needed_by(extra)}, beyond the default "
            f"ones: those checks were not made (not counted in the exit code). {reauthorize(extra)}",
            file=err,
        )
    if saved:
        print(f"The rotated refresh token was saved to {args.config}.", file=out)
    # written before the result is said: a file that cannot be written makes the result an error (exit 2)
    written = write_output(args.output, result, err) if args.output else False
    outcome = f"error: {result.error}" if result.error is not None else RESULTS[result.exit_code]
    print(
        f"Result: {outcome} (exit {result.exit_code}); {result.requests_sent} of {result.budget} budgeted requests sent.",
        file=out,
    )
    if written:
        print(f"Wrote {args.output}: attach it to a bug report (it holds no secret).", file=out)


def _needed_by(missing: dict[str, list[str]]) -> str:
    return "; ".join(f"{scope} (needed by {', '.join(names)})" for scope, names in missing.items())


def write_output(path: str, result: ProbeResult, err: TextIO) -> bool:
    """Write the result as JSON to `path` (checked writable before anything was sent); on failure say so and make
    the run's result an error."""
    try:
        with open(path, "w", encoding="utf-8") as file:
            file.write(result.json_text())
    except OSError as error:
        if result.error is None:
            result.error = f"could not write --output {path} ({error.strerror or error})"
        print(filter_secrets(f"error: could not write --output {path} ({error.strerror or error})"), file=err)
        return False
    return True


def save_rotated(path: str, original: Mapping[str, Any], raw: Mapping[str, Any], err: TextIO) -> Optional[bool]:
    """Save the config when the run rotated its credentials: True saved, False failed (said on `err`), None
    nothing to save."""
    if raw == original:
        return None
    try:
        save_config(path, raw)
    except OSError as error:
        print(
            f"error: could not save the rotated refresh token to {path} ({error.strerror}): the refresh token in it "
            "may no longer work; re-authenticate (source-pinterest-marketing-authorize).",
            file=err,
        )
        return False
    return True
