"""Organic streams: the user account, boards, board sections and pins.

None of these carries a modification time (`Pin` and `Board` have only `created_at`), so they are
full refresh. Boards are listed once per sync and shared by the streams under them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Optional

from typing_extensions import override

from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams.base import PinterestStream
from source_pinterest_marketing.streams.partitions import ByParent


class UserAccount(PinterestStream):
    """The authorizing user's account. https://developers.pinterest.com/docs/api/v5/user_account-get"""

    stream_name = "user_account"
    path_template = "user_account"
    paginated = False
    records_key: ClassVar[Optional[str]] = None


class Boards(PinterestStream):
    """https://developers.pinterest.com/docs/api/v5/boards-list (all privacies the scopes allow)"""

    stream_name = "boards"
    path_template = "boards"
    shared_fields = ("id",)

    @override
    def query_params(self, stream_slice: Mapping[str, Any]) -> dict[str, Any]:
        return {"privacy": "ALL"}


#: a board or section deleted between listing it and reading what it contains
VANISHED_PARENT = IgnoredError(
    status=404, code=None, log_message="The board or section was deleted during the sync; nothing to read in it"
)


class BoardSections(PinterestStream):
    """https://developers.pinterest.com/docs/api/v5/board_sections-list"""

    stream_name = "board_sections"
    path_template = "boards/{board_id}/sections"
    ignored_errors = (VANISHED_PARENT,)
    partitioner = ByParent(parent=Boards, fields=(("board_id", "id"),))
    shared_fields = ("id", "board_id")

    @override
    def transform(self, record: Mapping[str, Any], stream_slice: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**record, "board_id": stream_slice["board_id"]}


class BoardPins(PinterestStream):
    """https://developers.pinterest.com/docs/api/v5/boards-list_pins"""

    stream_name = "board_pins"
    path_template = "boards/{board_id}/pins"
    ignored_errors = (VANISHED_PARENT,)
    partitioner = ByParent(parent=Boards, fields=(("board_id", "id"),))


class BoardSectionPins(PinterestStream):
    """https://developers.pinterest.com/docs/api/v5/board_sections-list_pins"""

    stream_name = "board_section_pins"
    path_template = "boards/{board_id}/sections/{section_id}/pins"
    ignored_errors = (VANISHED_PARENT,)
    partitioner = ByParent(parent=BoardSections, fields=(("board_id", "board_id"), ("section_id", "id")))


class Pins(PinterestStream):
    """The user's own Pins. https://developers.pinterest.com/docs/api/v5/pins-list"""

    stream_name = "pins"
    path_template = "pins"
    shared_fields = ("id",)


ORGANIC_STREAMS: tuple[type[PinterestStream], ...] = (
    UserAccount,
    Boards,
    BoardSections,
    BoardPins,
    BoardSectionPins,
    Pins,
)
