"""Organic streams: the user account, boards, sections and pins."""

from __future__ import annotations

from typing import ClassVar, Optional

from source_pinterest_marketing.streams.base import PinterestStream


class UserAccount(PinterestStream):
    """The authorizing user's account. https://developers.pinterest.com/docs/api/v5/user_account-get"""

    path_template = "user_account"
    paginated = False
    records_key: ClassVar[Optional[str]] = None

    @property
    def name(self) -> str:
        return "user_account"
