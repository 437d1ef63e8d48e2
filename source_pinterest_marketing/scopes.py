"""The OAuth scopes of the streams: what a stream needs, what the token has, and what the connector says when it lacks
one.

- A stream needs the scopes of its declared API operation (`StreamDeclaration.operation`), as the API description
  says them (`api_description.operation_scopes`, generated): nothing else is declared.
- The token's scopes are what Pinterest said when it issued the access token (the token answer's `scope`, read by
  auth.py at each refresh, which a sync does before any stream reads): no request is spent on them. An access token
  given as is says nothing of its scopes; then the API's own refusal (HTTP 401, code 3) is how the connector learns
  that the token lacks one, and it stops asking for that operation in the sync.
- A stream whose scopes the token lacks is not read; every other stream is, and the sync then fails once, naming the
  scope, the streams that need it and how to re-authorize with it (source.py, `cdk_output.SyncOutcome`). `check`
  lists such streams without failing when the core streams are readable.
- The scopes the connector asks for by default (`config.SCOPES`) are what the streams suggested by default need; a
  stream that needs more (`billing:read`, `biz_access:read`, `ads:write`) is left out of the default selection of a
  new catalog (`beyond_default`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Optional

from source_pinterest_marketing.api_description import api_enums, lacking_scopes, operation_scopes
from source_pinterest_marketing.config import SCOPES

#: the scopes the authorize helper asks for unless told otherwise: the default streams need no other
DEFAULT_SCOPES = frozenset(SCOPES.split(","))
AUTHORIZE_HELPER = "source-pinterest-marketing-authorize"
#: the authorize helper's option that adds scopes to the default ones
EXTRA_SCOPES_OPTION = "--extra-scopes"
#: Pinterest's error code of a token that lacks a scope (HTTP 401)
MISSING_SCOPE_CODE = 3


def needed_scopes(operation: str) -> tuple[frozenset[str], ...]:
    """The alternatives of scopes that `operation` needs (one of them, whole); () when the API description gives it
    none the connector reads (then nothing is checked before the request: the API's answer says)."""
    if operation not in api_enums().get("operation_scopes", {}):
        return ()
    return operation_scopes(operation)


def lacking(granted: Optional[Iterable[str]], operation: str) -> frozenset[str]:
    """The scopes a token holding `granted` lacks for `operation` (empty: it has them, or its scopes are unknown)."""
    if granted is None or not needed_scopes(operation):
        return frozenset()
    return lacking_scopes(granted, operation)


def beyond_default(operation: str) -> frozenset[str]:
    """The scopes `operation` needs that the connector does not ask for by default (`config.SCOPES`)."""
    return lacking(DEFAULT_SCOPES, operation)


def listed(scopes: Iterable[str]) -> str:
    """Scopes as the authorize helper takes them: comma-separated, sorted."""
    return ",".join(sorted(scopes))


def describe(alternatives: tuple[frozenset[str], ...]) -> str:
    """What an operation needs, in words: `ads:read and billing:read`, `a or b`."""
    return " or ".join(" and ".join(sorted(alternative)) or "any valid token" for alternative in alternatives)


def reauthorize(scopes: Iterable[str]) -> str:
    """How to get a token with `scopes` (or leave the streams that need them)."""
    names = listed(scopes)
    return (
        f"Re-authenticate the source with {names} (the Pinterest app must be allowed it): outside Airbyte, "
        f"`{AUTHORIZE_HELPER} {EXTRA_SCOPES_OPTION} {names} --output CONFIG ...` writes the config with a new refresh "
        "token; in Airbyte, re-authenticate it in the source's settings. Or deselect the streams that need it."
    )


def _lacks(scopes: Iterable[str]) -> str:
    """`The token lacks the OAuth scope a` / `... scopes a, b`: how the sync's and the check's messages begin."""
    names = sorted(scopes)
    return f"The token lacks the OAuth scope{'s' if len(names) > 1 else ''} {', '.join(names)}"


def lacking_message(scopes: Iterable[str]) -> str:
    """A sync's one message about the scopes the token lacks (the streams that need them are listed with it)."""
    return (
        f"{_lacks(scopes)} (Pinterest said the scopes it granted when the access token was "
        f"refreshed), so the streams that need it were not read. {reauthorize(scopes)}"
    )


def unreadable_note(unreadable: Mapping[frozenset[str], Iterable[str]]) -> str:
    """The check's note on the config's streams the token cannot read, grouped by the scopes they lack."""
    return " ".join(
        f"{_lacks(missing)}: the streams {', '.join(sorted(names))} cannot be read (a sync that selects them fails, "
        f"naming it). {reauthorize(missing)}"
        for missing, names in sorted(unreadable.items(), key=lambda item: listed(item[0]))
    )


def refused_message(where: str, operation: str, api_message: str) -> str:
    """Pinterest refused a request for lack of a scope (HTTP 401, code 3): what the operation needs, how to get it."""
    alternatives = needed_scopes(operation)
    needs = f": {operation} needs {describe(alternatives)}" if alternatives else ""
    extra = frozenset().union(*alternatives) - DEFAULT_SCOPES if alternatives else frozenset()
    return (
        f"Pinterest says the token lacks a permission (OAuth scope) needed by {where} (HTTP 401, code "
        f"{MISSING_SCOPE_CODE}: {api_message}){needs}. "
        + reauthorize(extra or (frozenset().union(*alternatives) if alternatives else DEFAULT_SCOPES))
    )


def unreadable_streams(
    granted: Optional[Iterable[str]], operations: Mapping[str, str]
) -> dict[frozenset[str], list[str]]:
    """The streams (name -> operation) a token holding `granted` cannot read, grouped by the scopes it lacks."""
    grouped: dict[frozenset[str], list[str]] = {}
    for name, operation in operations.items():
        missing = lacking(granted, operation)
        if missing:
            grouped.setdefault(missing, []).append(name)
    return grouped
