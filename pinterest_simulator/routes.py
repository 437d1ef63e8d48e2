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
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from pinterest_simulator.limits import MAX_PAGE_SIZE
from pinterest_simulator.spec import ApiError, Operation, bad_request

if TYPE_CHECKING:
    from pinterest_simulator.dataset import Dataset
    from pinterest_simulator.server import Simulator

# A handler returns a JSON-able body (HTTP 200), a (status, body) tuple, or a werkzeug Response.
HandlerResult = Any
Handler = Callable[["Context"], HandlerResult]
HANDLERS: dict[str, Handler] = {}


def handler(operation_id: str) -> Callable[[Handler], Handler]:
    """Register ``func`` as the implementation of ``operation_id``."""

    def register(func: Handler) -> Handler:
        if operation_id in HANDLERS:
            raise ValueError(f"duplicate handler for {operation_id}")
        HANDLERS[operation_id] = func
        return func

    return register


def load_handlers() -> dict[str, Handler]:
    """Import every module of ``pinterest_simulator.handlers`` (idempotent)."""
    package = importlib.import_module("pinterest_simulator.handlers")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return HANDLERS


def no_access() -> ApiError:
    """403 code 29: the token's user cannot read that ad account."""
    return ApiError(403, 29, "You are not permitted to access that resource.")


@dataclass
class Context:
    """Everything a handler needs for one validated request."""

    sim: Simulator
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

    def check_business_access(self) -> None:
        """The optional ``ad_account_id`` query (Business Access) must name a readable account."""
        account_id = self.params.get("ad_account_id")
        if account_id is not None and account_id not in self.dataset.ad_accounts:
            raise no_access()

    def page(self, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """``{items, bookmark}`` for ``items`` (in ascending id order), honouring order/page_size/bookmark."""
        return paginate(items, self.params)

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
