"""Organic streams: the user account, boards, board sections and Pins.

None of these carries a modification time (`Pin` and `Board` have only `created_at`), so they are full
refresh. Boards and sections are listed once per sync and shared by the streams under them. Each reads as the
owner of `business_ad_account_id` when one is configured (business access: `BUSINESS_ACCESS`).
"""

from __future__ import annotations

from source_pinterest_marketing.errors import IgnoredError
from source_pinterest_marketing.streams.declaration import BUSINESS_ACCESS, StreamDeclaration
from source_pinterest_marketing.streams.fetchers import (
    BOOKMARK_PAGES,
    SINGLE_OBJECT,
    SharedList,
    WholeAnswer,
    list_stream,
)
from source_pinterest_marketing.streams.partitions import ByParent

#: a board or section deleted between listing it and reading what it contains
VANISHED_PARENT = IgnoredError(
    status=404, code=None, log_message="The board or section was deleted during the sync; nothing to read in it"
)

# its id is in every organic analytics row (several accounts can share a table)
USER_ACCOUNT = list_stream("user_account", "Account", operation="user_account/get", fetcher=SharedList(SINGLE_OBJECT, ("id",)), params=BUSINESS_ACCESS)
# every privacy the scopes allow
BOARDS = list_stream("boards", "Board", fetcher=SharedList(BOOKMARK_PAGES, ("id",)), params={"privacy": "ALL", **BUSINESS_ACCESS})
IN_BOARDS = ByParent(BOARDS, (("board_id", "id"),))
BOARD_SECTIONS = list_stream(
    "board_sections", "BoardSection", "boards/{board_id}/sections", fetcher=SharedList(BOOKMARK_PAGES, ("id",)),
    partitioner=IN_BOARDS, params=BUSINESS_ACCESS, slice_fields=("board_id",), ignored_errors=(VANISHED_PARENT,),
)  # fmt: skip
BOARD_PINS = list_stream(
    "board_pins", "Pin", "boards/{board_id}/pins", operation="boards/list_pins",
    partitioner=IN_BOARDS, params=BUSINESS_ACCESS, ignored_errors=(VANISHED_PARENT,),
)  # fmt: skip
# a section's board is its own partition's (the API's sections do not name their board)
IN_SECTIONS = ByParent(BOARD_SECTIONS, (("board_id", "board_id"), ("section_id", "id")))
BOARD_SECTION_PINS = list_stream(
    "board_section_pins", "Pin", "boards/{board_id}/sections/{section_id}/pins", operation="board_sections/list_pins",
    partitioner=IN_SECTIONS, params=BUSINESS_ACCESS, ignored_errors=(VANISHED_PARENT,),
)  # fmt: skip
# The user's own Pins, those on protected boards included: the API leaves them out unless asked
# (`include_protected_pins` defaults to false, docs/dev/API-NOTES.md#entity-lists-endpoint-specifics).
# The media type says which Pins have video metrics (pin_analytics).
PINS = list_stream(
    "pins", "Pin", fetcher=SharedList(BOOKMARK_PAGES, ("id", "media.media_type")),
    params={"include_protected_pins": "true", **BUSINESS_ACCESS},
)  # fmt: skip


# -- relations of the user: followers, followed users and boards, websites, linked businesses ------------------
# (docs/dev/API-NOTES.md#organic-and-business). No modification time anywhere: full refresh. Users and linked
# businesses have no id in the API: the username is the key.
# The token user's own followers (the operation takes no `ad_account_id`)
FOLLOWERS = list_stream(
    "followers", "UserSummary", "user_account/followers", operation="followers/list", primary_key=("username",)
)
# every followee: neither `feed_type` (default ALL) nor `explicit_following` (default false: users followed through
# one of their boards too) is sent
FOLLOWING = list_stream(
    "following", "UserSummary", "user_account/following", operation="user_following/get",
    params=BUSINESS_ACCESS, primary_key=("username",),
)  # fmt: skip
# other users' boards: followed directly, or through following their owner
FOLLOWED_BOARDS = list_stream(
    "followed_boards", "Board", "user_account/following/boards", operation="boards_user_follows/list",
    params=BUSINESS_ACCESS,
)  # fmt: skip
# verified or not (`status`); an unverified site's `verified_at` is absent or null (switch `website_verified_at`)
USER_WEBSITES = list_stream(
    "user_websites", "UserWebsiteSummary", "user_account/websites", operation="user_websites/get",
    primary_key=("website",),
)  # fmt: skip
# a plain array, not a page; an item may carry the business's `id` (switch `linked_business_id`)
LINKED_BUSINESSES = list_stream(
    "linked_businesses", "LinkedBusiness", "user_account/businesses", operation="linked_business_accounts/get",
    fetcher=WholeAnswer(), primary_key=("username",),
)  # fmt: skip

#: the user's relations: their records are not the user's own content (boards, Pins)
RELATION_STREAMS: tuple[StreamDeclaration, ...] = (FOLLOWERS, FOLLOWING, FOLLOWED_BOARDS, USER_WEBSITES, LINKED_BUSINESSES)
ORGANIC_STREAMS: tuple[StreamDeclaration, ...] = (
    USER_ACCOUNT,
    BOARDS,
    BOARD_SECTIONS,
    BOARD_PINS,
    BOARD_SECTION_PINS,
    PINS,
    *RELATION_STREAMS,
)
