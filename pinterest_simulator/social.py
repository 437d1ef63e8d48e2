"""Who follows whom, the boards a user follows, the user's websites and linked businesses: ``followers/list``,
``user_following/get``, ``boards_user_follows/list``, ``user_websites/get``, ``linked_business_accounts/get``.

Derived on each request (deterministic per seed), consistent with the profiles (``Account.follower_count`` and
``following_count``, `dataset.SOCIAL_COUNTS`) and with each other:

- The token user's followers: the business (``partner_agency``) first, then other Pinners, ``follower_count`` in
  all. The business's followers cannot be listed (``followers/list`` has no ``ad_account_id``).
- The users an owner follows: ``following_count`` explicit follows (the token user follows the business, the
  business the token user, first) and `IMPLICIT_FOLLOWEES` "implicit" ones, users one of whose boards it follows
  without following them ("followees with board follows"); every `CREATOR_EVERY`-th other Pinner is a creator.
- The boards an owner follows: the board it follows of each implicit followee (explicit board follows) and, through
  its explicit user follows, their PUBLIC boards: the real ones of the token user and the business, `USER_BOARDS`
  each of the other Pinners.

See docs/dev/API-NOTES.md#organic-and-business.
"""

from __future__ import annotations

import datetime as dt
import pickle
import random
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from pinterest_simulator.dataset import SchemaFaker, iso

if TYPE_CHECKING:
    from pinterest_simulator.dataset import Dataset, Owner
    from pinterest_simulator.spec import Spec

#: users followed through one board only ("implicit user follows"), per preset; the business has one
IMPLICIT_FOLLOWEES: dict[str, int] = {"small": 4, "large": 100}
BUSINESS_IMPLICIT_FOLLOWEES = 1
#: public boards of each other Pinner an owner follows
USER_BOARDS = 2
CREATOR_EVERY = 3
#: first numbers of the other Pinners of each list (their usernames and board ids derive from them)
FOLLOWER_BASE, TOKEN_FOLLOWEE_BASE, BUSINESS_FOLLOWEE_BASE, IMPLICIT_BASE = 40000, 0, 20000, 10000
#: the token user's websites (host, verified), per preset: the first is its profile's ``website_url``
WEBSITES: dict[str, tuple[tuple[str, bool], ...]] = {
    "small": (("www.example.com", True), ("shop.example.com", True), ("blog.example.com", False)),
    "large": (
        ("www.example.com", True),
        ("shop.example.com", True),
        ("blog.example.com", False),
        ("www.example.co.uk", True),
        ("help.example.com", False),
        ("example.com/lookbook", True),
    ),
}
#: ``UserWebsiteSummary.status`` of a verified website (the spec's example) and of one that is not (the simulator's)
VERIFIED_STATUS, UNVERIFIED_STATUS = "success", "pending"


@dataclass(frozen=True)
class Followee:
    """A user an owner follows: explicitly, or only through one of the user's boards."""

    sequence: int  # follow order: the paging key
    username: str
    explicit: bool
    creator: bool
    number: int | None  # the other Pinner's number (None: the token user or the business)


def pinner(number: int) -> str:
    """The username of another Pinner."""
    return f"pinner_{number:05d}"


def summary(username: str) -> dict[str, Any]:
    """A ``UserSummary``."""
    return {"type": "user", "username": username}


def _count(profile: dict[str, Any], name: str) -> int:
    return int(profile.get(name) or 0)


def followers(dataset: Dataset) -> list[dict[str, Any]]:
    """The token user's followers (``UserSummary``), ``follower_count`` of them, in follow order."""
    count = _count(dataset.user, "follower_count")
    names = [dataset.business.user["username"]] if dataset.business is not None else []
    names += [pinner(FOLLOWER_BASE + n) for n in range(count - len(names))]
    return [summary(name) for name in names[:count]]


def followees(dataset: Dataset, owner: Owner) -> list[Followee]:
    """The users `owner` follows, in follow order: its explicit follows, then its implicit ones."""
    token_user = owner is dataset.owner
    other = dataset.business if token_user else dataset.owner
    explicit = _count(owner.user, "following_count")
    base = TOKEN_FOLLOWEE_BASE if token_user else BUSINESS_FOLLOWEE_BASE
    out: list[Followee] = []
    if other is not None and explicit:
        out.append(Followee(0, other.user["username"], True, False, None))
    for n in range(explicit - len(out)):
        out.append(Followee(len(out), pinner(base + n), True, n % CREATOR_EVERY == 0, base + n))
    implicit = IMPLICIT_FOLLOWEES[dataset.preset_name] if token_user else BUSINESS_IMPLICIT_FOLLOWEES
    for n in range(implicit):
        number = IMPLICIT_BASE + base + n
        out.append(Followee(len(out), pinner(number), False, n % CREATOR_EVERY == 0, number))
    return out


def followed_boards(dataset: Dataset, owner: Owner) -> list[tuple[dict[str, Any], bool]]:
    """The boards `owner` follows and whether it follows each explicitly (not through following its owner), in id
    order."""
    out: list[tuple[dict[str, Any], bool]] = []
    for followee in followees(dataset, owner):
        if followee.number is None:  # the token user or the business: their real public boards
            real = dataset.owner if dataset.owner.user["username"] == followee.username else dataset.business
            boards = real.entities("boards") if real is not None else []
            out += [(board, False) for board in boards if board.get("privacy") == "PUBLIC"]
        elif followee.explicit:
            out += [(pinner_board(dataset, followee.number, b), False) for b in range(USER_BOARDS)]
        else:
            out.append((pinner_board(dataset, followee.number, 0), True))
    return sorted(out, key=lambda entry: int(entry[0]["id"]))


def pinner_board(dataset: Dataset, number: int, index: int) -> dict[str, Any]:
    """Board `index` of another Pinner (a PUBLIC ``Board``; id ``4`` + the Pinner's number + the index)."""
    board: dict[str, Any] = pickle.loads(_board_variants(dataset.spec, dataset.seed)[(number + index) % 4])
    created = int(dt.datetime(2023, 1, 1, tzinfo=dt.UTC).timestamp()) + ((number % 997) * 7 + index) * 3600
    board.update(
        id=f"4{number:012d}{index:05d}",
        name=f"{pinner(number)} board {index + 1}",
        description=f"A public board of {pinner(number)}",
        owner={"username": pinner(number)},
        privacy="PUBLIC",
        is_ads_only=False,
        created_at=iso(created),
        board_pins_modified_at=iso(created + 86400 * (1 + number % 30)),
    )
    return board


@cache
def _board_variants(spec: Spec, seed: int) -> tuple[bytes, ...]:
    faker = SchemaFaker(spec)
    schema = {"$ref": "#/components/schemas/Board"}
    return tuple(pickle.dumps(faker.value(schema, random.Random(f"{seed}:pinner-board:{n}"))) for n in range(4))


def websites(dataset: Dataset, verified_at: str) -> list[dict[str, Any]]:
    """The token user's websites (``UserWebsiteSummary``), claimed or not; an unverified one has no
    ``verified_at`` (`verified_at` ``"absent"``) or a null one (``"null"``), as the ``website_verified_at`` switch
    says."""
    out: list[dict[str, Any]] = []
    for n, (website, verified) in enumerate(WEBSITES[dataset.preset_name]):
        entry: dict[str, Any] = {"website": website, "status": VERIFIED_STATUS if verified else UNVERIFIED_STATUS}
        if verified:
            when = dt.datetime(2022, 12, 14, 21, 3, 1, 602000) + dt.timedelta(days=40 * n, minutes=n)
            entry["verified_at"] = when.isoformat()  # the spec's form: no time zone, microseconds
        elif verified_at == "null":
            entry["verified_at"] = None
        out.append(entry)
    return out


def linked_businesses(dataset: Dataset, with_id: bool) -> list[dict[str, Any]]:
    """The token user's linked business accounts (``LinkedBusiness``): its own business profile, with the business
    id when `with_id` (the ``linked_business_id`` switch)."""
    user = dataset.user
    image = str(user.get("profile_image") or "https://i.pinimg.com/sim/profile.jpg")
    business: dict[str, Any] = {
        "username": user["username"],
        "image_small_url": image.replace("600x600_R", "30x30_RS"),
        "image_medium_url": image.replace("600x600_R", "75x75_RS"),
        "image_large_url": image.replace("600x600_R", "140x140_RS"),
        "image_xlarge_url": image.replace("600x600_R", "280x280_RS"),
    }
    if with_id:
        business["id"] = user["id"]
    return [business]
