"""Organic relations of the operation user: followers, followed users and boards, websites, linked businesses (the
data: `pinterest_simulator.social`).

- ``followers/list``: the token user's followers (no Business Access), bookmark pages in follow order.
- ``user_following/get``: the users the operation user follows (``ad_account_id``: Business Access, any role), in
  follow order; ``explicit_following=true`` leaves out the implicit follows (users followed through one board only);
  ``feed_type`` CREATOR_ONLY / RANKED_CREATOR_ONLY keep creators, ALL / RANKED every followee (RANKED is not ranked
  differently: no order is described).
- ``boards_user_follows/list``: the boards the operation user follows, by id; ``explicit_following=true`` keeps the
  boards it follows itself, not those it follows through following their owner.
- ``user_websites/get``: the token user's websites, verified or not (switch ``website_verified_at``).
- ``linked_business_accounts/get``: a plain array (not paged) of the token user's linked businesses (switch
  ``linked_business_id``).
"""

from __future__ import annotations

from typing import Any

from pinterest_simulator.routes import Context, handler, paginate, paginate_by
from pinterest_simulator.social import followed_boards, followees, followers, linked_businesses, summary, websites

CREATOR_FEEDS = frozenset({"CREATOR_ONLY", "RANKED_CREATOR_ONLY"})


@handler("followers/list")
def followers_list(ctx: Context) -> Any:
    """The token user's followers (``UserSummary``)."""
    items = list(enumerate(followers(ctx.dataset)))
    page = paginate_by(items, lambda entry: entry[0], ctx.params)
    page["items"] = [user for _, user in page["items"]]
    return page


@handler("user_following/get")
def user_following(ctx: Context) -> Any:
    """The users the operation user follows (``UserSummary``)."""
    owner = ctx.operation_user().owner
    users = followees(ctx.dataset, owner)
    if ctx.params.get("explicit_following", False):
        users = [user for user in users if user.explicit]
    if ctx.params.get("feed_type", "ALL") in CREATOR_FEEDS:
        users = [user for user in users if user.creator]
    page = paginate_by(users, lambda user: user.sequence, ctx.params)
    page["items"] = [summary(user.username) for user in page["items"]]
    return page


@handler("boards_user_follows/list")
def boards_user_follows(ctx: Context) -> Any:
    """The boards the operation user follows (``Board``), by id."""
    owner = ctx.operation_user().owner
    boards = followed_boards(ctx.dataset, owner)
    if ctx.params.get("explicit_following", False):
        boards = [entry for entry in boards if entry[1]]
    return paginate([board for board, _ in boards], ctx.params)


@handler("user_websites/get")
def user_websites(ctx: Context) -> Any:
    """The token user's websites (``UserWebsiteSummary``), claimed or not."""
    items = list(enumerate(websites(ctx.dataset, ctx.sim.switches.website_verified_at)))
    page = paginate_by(items, lambda entry: entry[0], ctx.params)
    page["items"] = [site for _, site in page["items"]]
    return page


@handler("linked_business_accounts/get")
def linked_business_accounts(ctx: Context) -> Any:
    """The token user's linked businesses (``LinkedBusiness``), a plain array."""
    return linked_businesses(ctx.dataset, with_id=ctx.sim.switches.linked_business_id == "present")
