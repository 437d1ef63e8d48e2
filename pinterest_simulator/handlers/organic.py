"""User account, boards, board sections and pins.

Every operation here takes the optional ``ad_account_id`` query (Business Access): it makes the owner of that ad
account the "operation user_account" whose profile, boards and Pins are answered (`Context.operation_user`: the
business for a shared account, the token user otherwise; 403 code 29 for an unreadable account or missing roles).
SECRET boards and their Pins need the ``*:read_secret`` scopes and, through Business Access, an Owner or Admin role.
"""

from __future__ import annotations

import copy
from typing import Any

from pinterest_simulator.routes import Context, OperationUser, handler
from pinterest_simulator.spec import ApiError

PRIVACY_FILTERS: dict[str, set[str]] = {
    "ALL": {"PUBLIC", "PROTECTED", "SECRET"},
    "PUBLIC": {"PUBLIC"},
    "PROTECTED": {"PROTECTED"},
    "SECRET": {"SECRET"},
    "PUBLIC_AND_SECRET": {"PUBLIC", "SECRET"},
}


def _board(ctx: Context, user: OperationUser) -> dict[str, Any]:
    board = next((b for b in ctx.visible_boards(user) if b["id"] == ctx.params["board_id"]), None)
    if board is None:
        raise ApiError(404, 40, "Board not found.")
    return board


def _pins(ctx: Context, pins: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply ``creative_types`` and ``pin_metrics`` (metrics are only returned when asked for)."""
    if "creative_types" in ctx.params:
        types = set(ctx.params["creative_types"])
        pins = [p for p in pins if p.get("creative_type") in types]
    if ctx.params.get("pin_metrics"):
        return pins
    out = []
    for pin in pins:
        pin = copy.copy(pin)
        pin["pin_metrics"] = None
        out.append(pin)
    return out


@handler("user_account/get")
def user_account_get(ctx: Context) -> Any:
    """The operation user's profile: the token user's, or the business's for one of its ad accounts."""
    return ctx.operation_user().owner.user


@handler("boards/list")
def boards_list(ctx: Context) -> Any:
    """Boards of the operation user, filtered by ``privacy``."""
    boards = ctx.visible_boards(ctx.operation_user())
    if "privacy" in ctx.params:
        allowed = PRIVACY_FILTERS[ctx.params["privacy"]]
        boards = [b for b in boards if b.get("privacy") in allowed]
    return ctx.page(boards)


@handler("boards/get")
def boards_get(ctx: Context) -> Any:
    """One board of the operation user."""
    return _board(ctx, ctx.operation_user())


@handler("board_sections/list")
def board_sections_list(ctx: Context) -> Any:
    """Sections of a board."""
    user = ctx.operation_user()
    board = _board(ctx, user)
    with ctx.dataset.lock:
        sections = list(user.owner.board_sections.get(board["id"], {}).values())
    return ctx.page(sections)


@handler("boards/list_pins")
def boards_list_pins(ctx: Context) -> Any:
    """Pins saved to a board."""
    user = ctx.operation_user()
    board = _board(ctx, user)
    return ctx.page(_pins(ctx, [p for p in user.owner.entities("pins") if p["board_id"] == board["id"]]))


@handler("board_sections/list_pins")
def board_sections_list_pins(ctx: Context) -> Any:
    """Pins in a board section."""
    user = ctx.operation_user()
    board = _board(ctx, user)
    section_id = ctx.params["section_id"]
    if section_id not in user.owner.board_sections.get(board["id"], {}):
        raise ApiError(404, 2031, "Sorry! We couldn't find this board section.")
    return ctx.page(_pins(ctx, [p for p in user.owner.entities("pins") if p.get("board_section_id") == section_id]))


@handler("pins/list")
def pins_list(ctx: Context) -> Any:
    """Pins of the operation user; pins on secret boards need ``pins:read_secret``; pins on protected boards only
    with ``include_protected_pins=true`` (the spec's default is false; ``boards/list_pins`` lists them regardless)."""
    user = ctx.operation_user()
    pins = ctx.visible_pins(user)
    if not ctx.params.get("include_protected_pins", False):
        protected = {b["id"] for b in user.owner.entities("boards") if b.get("privacy") == "PROTECTED"}
        pins = [p for p in pins if p["board_id"] not in protected]
    pin_filter = ctx.params.get("pin_filter")
    if pin_filter == "has_been_promoted":
        pins = [p for p in pins if p.get("has_been_promoted")]
    elif pin_filter == "exclude_repins":
        pins = [p for p in pins if not p.get("parent_pin_id")]
    elif pin_filter == "exclude_native":
        pins = [p for p in pins if p.get("parent_pin_id")]
    return ctx.page(_pins(ctx, pins))


@handler("pins/get")
def pins_get(ctx: Context) -> Any:
    """One pin of the operation user (through Business Access, a Pin on a SECRET board needs Owner or Admin)."""
    user = ctx.operation_user()
    pin = user.owner.by_user["pins"].get(ctx.params["pin_id"])
    if pin is not None and not user.secret:
        secret = {b["id"] for b in user.owner.entities("boards") if b.get("privacy") == "SECRET"}
        pin = None if pin["board_id"] in secret else pin
    if pin is None:
        raise ApiError(404, 50, "Pin not found.")
    return _pins(ctx, [pin])[0]
