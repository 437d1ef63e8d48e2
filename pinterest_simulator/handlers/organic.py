"""User account, boards, board sections and pins."""

from __future__ import annotations

import copy
from typing import Any

from pinterest_simulator.routes import Context, handler
from pinterest_simulator.spec import ApiError

PRIVACY_FILTERS: dict[str, set[str]] = {
    "ALL": {"PUBLIC", "PROTECTED", "SECRET"},
    "PUBLIC": {"PUBLIC"},
    "PROTECTED": {"PROTECTED"},
    "SECRET": {"SECRET"},
    "PUBLIC_AND_SECRET": {"PUBLIC", "SECRET"},
}


def _visible_boards(ctx: Context) -> list[dict[str, Any]]:
    """Boards the token may see: SECRET ones need ``boards:read_secret``."""
    boards = ctx.dataset.entities("boards")
    if "boards:read_secret" not in ctx.scopes:
        boards = [b for b in boards if b.get("privacy") != "SECRET"]
    return boards


def _board(ctx: Context) -> dict[str, Any]:
    board = next((b for b in _visible_boards(ctx) if b["id"] == ctx.params["board_id"]), None)
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
    """The token's user (or the owner of ``ad_account_id``: the same simulated user)."""
    ctx.check_business_access()
    return ctx.dataset.user


@handler("boards/list")
def boards_list(ctx: Context) -> Any:
    """Boards of the user, filtered by ``privacy``."""
    ctx.check_business_access()
    boards = _visible_boards(ctx)
    if "privacy" in ctx.params:
        allowed = PRIVACY_FILTERS[ctx.params["privacy"]]
        boards = [b for b in boards if b.get("privacy") in allowed]
    return ctx.page(boards)


@handler("boards/get")
def boards_get(ctx: Context) -> Any:
    """One board."""
    ctx.check_business_access()
    return _board(ctx)


@handler("board_sections/list")
def board_sections_list(ctx: Context) -> Any:
    """Sections of a board."""
    ctx.check_business_access()
    board = _board(ctx)
    with ctx.dataset.lock:
        sections = list(ctx.dataset.board_sections.get(board["id"], {}).values())
    return ctx.page(sections)


@handler("boards/list_pins")
def boards_list_pins(ctx: Context) -> Any:
    """Pins saved to a board."""
    ctx.check_business_access()
    board = _board(ctx)
    return ctx.page(_pins(ctx, [p for p in ctx.dataset.entities("pins") if p["board_id"] == board["id"]]))


@handler("board_sections/list_pins")
def board_sections_list_pins(ctx: Context) -> Any:
    """Pins in a board section."""
    ctx.check_business_access()
    board = _board(ctx)
    section_id = ctx.params["section_id"]
    if section_id not in ctx.dataset.board_sections.get(board["id"], {}):
        raise ApiError(404, 2031, "Sorry! We couldn't find this board section.")
    return ctx.page(_pins(ctx, [p for p in ctx.dataset.entities("pins") if p.get("board_section_id") == section_id]))


@handler("pins/list")
def pins_list(ctx: Context) -> Any:
    """Pins of the user; pins on secret boards need ``pins:read_secret``; pins on protected boards only with
    ``include_protected_pins=true`` (the spec's default is false; ``boards/list_pins`` lists them regardless)."""
    ctx.check_business_access()
    pins = ctx.dataset.entities("pins")
    if "pins:read_secret" not in ctx.scopes or "boards:read_secret" not in ctx.scopes:
        visible = {b["id"] for b in _visible_boards(ctx) if b.get("privacy") != "SECRET"}
        pins = [p for p in pins if p["board_id"] in visible]
    if not ctx.params.get("include_protected_pins", False):
        protected = {b["id"] for b in ctx.dataset.entities("boards") if b.get("privacy") == "PROTECTED"}
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
    """One pin."""
    ctx.check_business_access()
    pin = ctx.dataset.by_user["pins"].get(ctx.params["pin_id"])
    if pin is None:
        raise ApiError(404, 50, "Pin not found.")
    return _pins(ctx, [pin])[0]
