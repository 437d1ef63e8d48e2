"""Organic streams: the user account, boards, board sections and Pins.

None of these carries a modification time (`Pin` and `Board` have only `created_at`), so they are full
refresh. Boards and sections are listed once per sync and shared by the streams under them. Each reads as the
owner of `business_ad_account_id` when one is configured (business access: `BUSINESS_ACCESS`).
"""

from __future__ import annotations

from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams.declaration import BUSINESS_ACCESS, Component, StreamDeclaration
from source_pinterest_marketing.streams.fetchers import BOOKMARK_PAGES, SINGLE_OBJECT, SharedList
from source_pinterest_marketing.streams.partitions import ByParent

#: a board or section deleted between listing it and reading what it contains
VANISHED_PARENT = IgnoredError(
    status=404, code=None, log_message="The board or section was deleted during the sync; nothing to read in it"
)

USER_ACCOUNT = StreamDeclaration(
    name="user_account",
    operation="user_account/get",
    path="user_account",
    # its id is in every organic analytics row (several accounts can share a table)
    fetcher=SharedList(SINGLE_OBJECT, ("id",)),
    schema=Component("Account"),
    params=BUSINESS_ACCESS,
)
# every privacy the scopes allow
BOARDS = StreamDeclaration(
    name="boards",
    operation="boards/list",
    path="boards",
    fetcher=SharedList(BOOKMARK_PAGES, ("id",)),
    schema=Component("Board"),
    params={"privacy": "ALL", **BUSINESS_ACCESS},
)
BOARD_SECTIONS = StreamDeclaration(
    name="board_sections",
    operation="board_sections/list",
    path="boards/{board_id}/sections",
    fetcher=SharedList(BOOKMARK_PAGES, ("id",)),
    schema=Component("BoardSection"),
    partitioner=ByParent(BOARDS, (("board_id", "id"),)),
    params=BUSINESS_ACCESS,
    slice_fields=("board_id",),
    ignored_errors=(VANISHED_PARENT,),
)
BOARD_PINS = StreamDeclaration(
    name="board_pins",
    operation="boards/list_pins",
    path="boards/{board_id}/pins",
    fetcher=BOOKMARK_PAGES,
    schema=Component("Pin"),
    partitioner=ByParent(BOARDS, (("board_id", "id"),)),
    params=BUSINESS_ACCESS,
    ignored_errors=(VANISHED_PARENT,),
)
BOARD_SECTION_PINS = StreamDeclaration(
    name="board_section_pins",
    operation="board_sections/list_pins",
    path="boards/{board_id}/sections/{section_id}/pins",
    fetcher=BOOKMARK_PAGES,
    schema=Component("Pin"),
    # a section's board is its own partition's (the API's sections do not name their board)
    partitioner=ByParent(BOARD_SECTIONS, (("board_id", "board_id"), ("section_id", "id"))),
    params=BUSINESS_ACCESS,
    ignored_errors=(VANISHED_PARENT,),
)
# The user's own Pins, those on protected boards included: the API leaves them out unless asked
# (`include_protected_pins` defaults to false, docs/dev/API-NOTES.md#entity-lists-endpoint-specifics).
PINS = StreamDeclaration(
    name="pins",
    operation="pins/list",
    path="pins",
    # the media type says which Pins have video metrics (pin_analytics)
    fetcher=SharedList(BOOKMARK_PAGES, ("id", "media.media_type")),
    schema=Component("Pin"),
    params={"include_protected_pins": "true", **BUSINESS_ACCESS},
)

ORGANIC_STREAMS: tuple[StreamDeclaration, ...] = (
    USER_ACCOUNT,
    BOARDS,
    BOARD_SECTIONS,
    BOARD_PINS,
    BOARD_SECTION_PINS,
    PINS,
)
