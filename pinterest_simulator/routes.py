"""Handler registry keyed by ``operationId``, the per-request context, and bookmark pagination.

A new endpoint family is a new module in ``pinterest_simulator/handlers/`` whose functions are
decorated with ``@handler("<operationId>")``; modules there are imported automatically.
"""

from __future__ import annotations

import base64
import bisect
import importlib
import json
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from werkzeug.wrappers import Request, Response

from pinterest_simulator.limits import MAX_PAGE_SIZE, access_rule
from pinterest_simulator.spec import ApiError, Operation, bad_request
from pinterest_simulator.state import SimulatorState

if TYPE_CHECKING:
    from pinterest_simulator.dataset import Dataset, Owner

# A handler returns a JSON-able body (HTTP 200), a (status, body) tuple, or a werkzeug Response.
HandlerResult = Any
Handler = Callable[["Context"], HandlerResult]
HANDLERS: dict[str, Handler] = {}
#: the sort key of an item that has no numeric id (or is listed in another order): a tuple of strings and integers
SortKey = tuple[str | int, ...]
#: serves a file download outside ``/v5`` (an async job's pre-signed link: no auth, no operationId)
DownloadHandler = Callable[[SimulatorState, Request], Response]
#: path prefix -> what serves the downloads under it (``@download(prefix)`` in a handler module; the standard
#: report files' ``/downloads/reports/`` are `report_files.download`)
DOWNLOADS: dict[str, DownloadHandler] = {}
T = TypeVar("T")


def handler(operation_id: str) -> Callable[[Handler], Handler]:
    """Register ``func`` as the implementation of ``operation_id``."""

    def register(func: Handler) -> Handler:
        if operation_id in HANDLERS:
            raise ValueError(f"duplicate handler for {operation_id}")
        HANDLERS[operation_id] = func
        return func

    return register


def download(prefix: str) -> Callable[[DownloadHandler], DownloadHandler]:
    """Register ``func`` as what serves the file downloads whose path starts with `prefix`."""

    def register(func: DownloadHandler) -> DownloadHandler:
        if prefix in DOWNLOADS:
            raise ValueError(f"duplicate download handler for {prefix}")
        DOWNLOADS[prefix] = func
        return func

    return register


def download_handler(path: str) -> DownloadHandler | None:
    """What serves a download path (`DOWNLOADS`), if anything does."""
    return next((serve for prefix, serve in DOWNLOADS.items() if path.startswith(prefix)), None)


def load_handlers() -> dict[str, Handler]:
    """Import every module of ``pinterest_simulator.handlers`` (idempotent)."""
    package = importlib.import_module("pinterest_simulator.handlers")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return HANDLERS


def no_access() -> ApiError:
    """403 code 29: the token's user cannot read that ad account."""
    return ApiError(403, 29, "You are not permitted to access that resource.")


@dataclass(frozen=True)
class OperationUser:
    """The "operation user_account" of a request: whose organic data it reads (`owner`), and whether Business
    Access lets it see SECRET boards and their Pins (`secret`; the token user's own data: always, scopes aside)."""

    owner: Owner
    secret: bool = True


@dataclass
class Context:
    """Everything a handler needs for one validated request."""

    sim: SimulatorState
    request: Request
    operation: Operation
    params: dict[str, Any]
    scopes: frozenset[str]

    @property
    def dataset(self) -> Dataset:
        """The simulator's data."""
        return self.sim.dataset

    def ad_account(self) -> dict[str, Any]:
        """The path's ad account, or 403 code 29 when the token cannot read it."""
        account = self.dataset.ad_accounts.get(self.params["ad_account_id"])
        if account is None:
            raise no_access()
        return account

    def operation_user(self) -> OperationUser:
        """Whose organic data the request reads (spec, Business Access): the owner of the ``ad_account_id`` query's
        account (the business for a shared account), else the token user. 403 code 29 for an account the token
        cannot read or whose roles do not allow the operation (`limits.BUSINESS_ACCESS`)."""
        account_id = self.params.get("ad_account_id")
        if account_id is None:
            return OperationUser(self.dataset.owner)
        if account_id not in self.dataset.ad_accounts:
            raise no_access()
        owner = self.dataset.operation_user(account_id)
        if owner is self.dataset.owner:
            return OperationUser(owner)
        rule = access_rule(self.operation.operation_id)
        roles = self.dataset.roles(account_id)
        if rule.roles is not None and not roles & rule.roles:
            raise no_access()
        return OperationUser(owner, secret=bool(roles & rule.secret_roles))

    def visible_boards(self, user: OperationUser) -> list[dict[str, Any]]:
        """The operation user's boards the token may see: SECRET ones need ``boards:read_secret`` (and, through
        Business Access, a role that sees secret boards)."""
        boards = user.owner.entities("boards")
        if "boards:read_secret" not in self.scopes or not user.secret:
            boards = [b for b in boards if b.get("privacy") != "SECRET"]
        return boards

    def visible_pins(self, user: OperationUser) -> list[dict[str, Any]]:
        """The operation user's Pins the token may see: Pins on SECRET boards need ``pins:read_secret`` and
        ``boards:read_secret`` (and, through Business Access, a role that sees secret boards)."""
        pins = user.owner.entities("pins")
        if "pins:read_secret" not in self.scopes or "boards:read_secret" not in self.scopes or not user.secret:
            visible = {b["id"] for b in self.visible_boards(user) if b.get("privacy") != "SECRET"}
            pins = [p for p in pins if p["board_id"] in visible]
        return pins

    def analyzed_pins(self, user: OperationUser) -> list[dict[str, Any]]:
        """The operation user's Pins its analytics cover (the operation's scopes are checked already): every one,
        but through Business Access without a role that sees secret boards, not the Pins on SECRET boards."""
        pins = user.owner.entities("pins")
        if not user.secret:
            secret = {b["id"] for b in user.owner.entities("boards") if b.get("privacy") == "SECRET"}
            pins = [p for p in pins if p["board_id"] not in secret]
        return pins

    def page(self, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """``{items, bookmark}`` for ``items`` (in ascending id order), honouring order/page_size/bookmark."""
        return paginate(items, self.params)

    def page_by_key(self, rows: Sequence[tuple[SortKey, dict[str, Any]]]) -> dict[str, Any]:
        """``{items, bookmark}`` for ``(key, item)`` pairs (ascending, unique keys): `paginate_by_key`."""
        return paginate_by_key(rows, self.params)

    def json(self, body: Any, status: int = 200) -> Response:
        """A JSON response."""
        return json_response(body, status)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Serialize ``body`` as the API does (compact JSON)."""
    return Response(
        json.dumps(body, separators=(",", ":")), status=status, headers=headers, mimetype="application/json"
    )


def _encode_bookmark(last_id: str, descending: bool) -> str:
    raw = json.dumps({"last": last_id, "desc": descending}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_bookmark(bookmark: str, descending: bool) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(bookmark + "=" * (-len(bookmark) % 4)))
        last = int(data["last"])
        if bool(data["desc"]) != descending:
            raise ValueError("order changed")
    except (ValueError, KeyError, TypeError):
        raise bad_request("Invalid bookmark.") from None
    return last


def paginate(items: Sequence[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    """Keyset pagination over items sorted by numeric id: stable when entities are added between pages."""
    page_size = min(int(params.get("page_size", 25)), MAX_PAGE_SIZE)
    descending = params.get("order") == "DESCENDING"
    ordered = list(reversed(items)) if descending else list(items)
    start = 0
    bookmark = params.get("bookmark")
    if bookmark:
        last = _decode_bookmark(bookmark, descending)
        sign = -1 if descending else 1
        start = bisect.bisect_right(ordered, sign * last, key=lambda e: sign * int(e["id"]))
    page = ordered[start : start + page_size]
    more = start + page_size < len(ordered)
    return {"items": page, "bookmark": _encode_bookmark(page[-1]["id"], descending) if more and page else None}


def paginate_by(items: Sequence[T], key: Callable[[T], int], params: dict[str, Any]) -> dict[str, Any]:
    """`paginate` for items without a numeric ``id``: `key` gives each its number (ascending in `items`); the
    page's ``items`` are the items themselves."""
    wrapped = [{"id": str(key(item)), "item": item} for item in items]
    page = paginate(wrapped, params)
    return {"items": [entry["item"] for entry in page["items"]], "bookmark": page["bookmark"]}


def paginate_by_key(rows: Sequence[tuple[SortKey, dict[str, Any]]], params: dict[str, Any]) -> dict[str, Any]:
    """Keyset pagination over ``(key, item)`` pairs in ascending key order (keys unique; e.g. a Salesforce id, or a
    sort field and the id): the bookmark holds the last key served, so pages stay stable when items are added.
    ``order=DESCENDING`` walks the keys backwards; ``page_size`` and ``bookmark`` as `paginate`."""
    page_size = min(int(params.get("page_size", 25)), MAX_PAGE_SIZE)
    descending = params.get("order") == "DESCENDING"
    ordered = list(reversed(rows)) if descending else list(rows)
    start = 0
    bookmark = params.get("bookmark")
    if bookmark:
        try:
            data = json.loads(base64.urlsafe_b64decode(bookmark + "=" * (-len(bookmark) % 4)))
            last = tuple(data["after"])
            if bool(data["desc"]) != descending:
                raise ValueError("order changed")
            start = next(
                (n for n, (key, _) in enumerate(ordered) if (key < last if descending else key > last)), len(ordered)
            )
        except (ValueError, KeyError, TypeError):
            raise bad_request("Invalid bookmark.") from None
    page = ordered[start : start + page_size]
    more = start + page_size < len(ordered)
    if not (more and page):
        return {"items": [item for _, item in page], "bookmark": None}
    raw = json.dumps({"after": list(page[-1][0]), "desc": descending}, separators=(",", ":")).encode()
    return {"items": [item for _, item in page], "bookmark": base64.urlsafe_b64encode(raw).decode().rstrip("=")}
