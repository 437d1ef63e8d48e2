"""Catalog health: the items of each feed, its daily processing results and their item issues, the products of each
product group and their counts. Everything is derived (deterministic per seed, feed and date), nothing is stored:
the same question always gets the same answer, and every number agrees with the others.

- A feed's file has `items_per_feed` items (``item_number`` 0, 1, ...; ``item_id`` ``SIM-<feed>-<n>``). About one
  in eleven has an error (`ITEM_ERRORS`: it is not ingested, so it is no product); each day about one item in five
  has a warning (`ITEM_WARNINGS`, a different fifth each day: warnings do not stop ingestion).
- A feed is processed once a day (`RUN_HOUR` UTC plus a few minutes), for the last `result_days` days (not before
  the feed was created, and today only once today's run has started): ``feed_processing_results/list``. Today's
  result is PROCESSING (``product_counts`` null: "The counts can be null early in the process"), the earlier ones
  COMPLETED, about one day in nine FAILED (a fetch error, nothing ingested). A result's id encodes its day and feed
  (`result_id`), so it never changes, and its ``updated_at`` is when it ended (today's changes tomorrow).
- ``items_issues/list``: the items of a COMPLETED result with an error or that day's warning, "up to 20 random
  samples of affected items ... for each error and warning code" (`ISSUE_SAMPLES`, drawn per result).
- Product groups: the first product group of a feed holds every product (ingested item) of the feed, the k-th
  (k >= 1, in id order) every (k + 1)-th one; ``catalogs_product_groups/product_counts_get`` counts them
  (``total``, by availability, ``videos``) and ``catalogs_product_group_pins/list`` lists them, each with its product
  Pin (`product_pin_id`).

See https://developers.pinterest.com/docs/api/v5/feed_processing_results-list and docs/dev/API-NOTES.md#catalog-health.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import random
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from pinterest_simulator.dataset import SchemaFaker, iso

if TYPE_CHECKING:
    from pinterest_simulator.dataset import Dataset, Owner
    from pinterest_simulator.spec import Spec

#: items in each feed file of the token user, per preset; the business's feeds have `BUSINESS_ITEMS_PER_FEED`
ITEMS_PER_FEED: dict[str, int] = {"small": 40, "large": 1500}
BUSINESS_ITEMS_PER_FEED = 12
#: days of processing results per feed (today included), per preset
RESULT_DAYS: dict[str, int] = {"small": 30, "large": 60}
#: a feed's daily run starts at this hour (UTC) plus up to half an hour
RUN_HOUR = 2
#: items sampled per error or warning code in ``items_issues/list``
ISSUE_SAMPLES = 20
#: one item in `ERROR_EVERY` has an error; one in `WARNING_EVERY` a warning on a given day; one run in `FAILED_EVERY`
#: fails; one product in `VIDEO_EVERY` has a video
ERROR_EVERY = 11
WARNING_EVERY = 5
FAILED_EVERY = 9
VIDEO_EVERY = 10
#: item errors: (code, attribute, provided value); the codes are keys of ``CatalogsItemValidationErrors`` and
#: ``CatalogsFeedValidationErrors`` and values of ``CatalogsItemValidationIssue``
ITEM_ERRORS: tuple[tuple[str, str, str | None], ...] = (
    ("TITLE_MISSING", "TITLE", None),
    ("ITEMID_MISSING", "ITEM_ID", None),
    ("PRICE_MISSING", "PRICE", None),
    ("IMAGE_LINK_INVALID", "IMAGE_LINK", "htp:/images.example.com/broken.jpg"),
    ("PRODUCT_LINK_MISSING", "ITEM_LINK", None),
    ("AVAILABILITY_INVALID", "AVAILABILITY", "maybe"),
)
#: item warnings, the same way (``CatalogsItemValidationWarnings``, ``CatalogsFeedValidationWarnings``)
ITEM_WARNINGS: tuple[tuple[str, str, str | None], ...] = (
    ("OPTIONAL_CONDITION_MISSING", "CONDITION", None),
    ("GTIN_INVALID", "GTIN", "12345"),
    ("OPTIONAL_PRODUCT_CATEGORY_MISSING", "GOOGLE_PRODUCT_CATEGORY", None),
    ("GENDER_INVALID", "GENDER", "everyone"),
    ("TITLE_LENGTH_TOO_LONG", "TITLE", "Sim product " + "very " * 40 + "long title"),
)
#: (weight, availability) of the items
AVAILABILITY = ((14, "IN_STOCK"), (4, "OUT_OF_STOCK"), (2, "PREORDER"))
#: the first digit of product Pin ids: the token user's and the business's
PRODUCT_PIN_PREFIX = {False: "7", True: "6"}


@dataclass(frozen=True)
class Issue:
    """One validation issue of an item: its code, the attribute and the value that caused it."""

    code: str
    attribute: str
    provided: str | None


@dataclass(frozen=True)
class CatalogItem:
    """One item of a feed file."""

    feed_id: str
    number: int
    item_id: str | None  # None: the item lacks its id (error ITEMID_MISSING)
    item_group_id: str | None
    title: str
    link: str
    availability: str
    price: float
    sale_price: float | None
    currency: str
    has_video: bool
    error: Issue | None

    @property
    def ingested(self) -> bool:
        """Whether the item became a product (an item with an error is not ingested)."""
        return self.error is None

    def warning(self, day: dt.date) -> Issue | None:
        """The item's warning on `day`'s run (a different fifth of the items each day)."""
        if (self.number + day.toordinal()) % WARNING_EVERY:
            return None
        code, attribute, provided = ITEM_WARNINGS[(self.number // WARNING_EVERY + day.toordinal()) % len(ITEM_WARNINGS)]
        return Issue(code, attribute, provided)


def _digest(*parts: object) -> int:
    """A stable number from `parts` (Python's hash() differs between processes)."""
    text = ":".join(str(part) for part in parts)
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


# -- items --------------------------------------------------------------------------------------------------------
def items_per_feed(dataset: Dataset, owner: Owner) -> int:
    """How many items each feed of `owner` has."""
    return ITEMS_PER_FEED[dataset.preset_name] if owner is dataset.owner else BUSINESS_ITEMS_PER_FEED


def feed_items(dataset: Dataset, owner: Owner, feed: dict[str, Any]) -> tuple[CatalogItem, ...]:
    """Every item of `feed`'s file, in item number order."""
    return items_of(dataset.seed, feed["id"], items_per_feed(dataset, owner), feed.get("default_currency") or "USD")


@cache
def items_of(seed: int, feed_id: str, count: int, currency: str) -> tuple[CatalogItem, ...]:
    """The first `count` items of a feed's file (its currency: `currency`), for random numbers of `seed`."""
    return tuple(_item(seed, feed_id, n, currency) for n in range(count))


def _item(seed: int, feed_id: str, n: int, currency: str) -> CatalogItem:
    rng = random.Random(f"{seed}:catalog-item:{feed_id}:{n}")
    error = None
    if (n + int(feed_id)) % ERROR_EVERY == ERROR_EVERY - 1:  # which items fail differs from feed to feed
        error = Issue(*ITEM_ERRORS[(n // ERROR_EVERY) % len(ITEM_ERRORS)])
    price = round(5 + rng.randint(0, 19500) / 100, 2)
    availability = rng.choices([a for _, a in AVAILABILITY], weights=[w for w, _ in AVAILABILITY])[0]
    return CatalogItem(
        feed_id=feed_id,
        number=n,
        item_id=None if error is not None and error.code == "ITEMID_MISSING" else f"SIM-{feed_id[-5:]}-{n:05d}",
        item_group_id=f"SIM-{feed_id[-5:]}-G{n // 3:04d}" if n % 4 else None,
        title=f"Sim product {n + 1}",
        link=f"https://shop.example.com/products/{feed_id[-5:]}/{n + 1}",
        availability=availability,
        price=price,
        sale_price=round(price * 0.8, 2) if n % 4 == 1 else None,
        currency=currency,
        has_video=n % VIDEO_EVERY == VIDEO_EVERY - 1,
        error=error,
    )


def owned_feed(owner: Owner, feed_id: str) -> dict[str, Any] | None:
    """`owner`'s feed `feed_id`, if it has one."""
    with owner.lock:
        return owner.by_user["catalogs_feeds"].get(feed_id)


# -- processing results -------------------------------------------------------------------------------------------
def result_id(feed_id: str, day: dt.date) -> str:
    """The id of `feed_id`'s processing result of `day` (19 digits: ``52``, the day's ordinal, the feed's last ten
    digits): it never changes, and id order is day order."""
    return f"52{day.toordinal():07d}{int(feed_id) % 10**10:010d}"


def _run_start(feed_id: str, day: dt.date) -> int:
    """When `feed_id`'s run of `day` starts (Unix seconds)."""
    midnight = int(dt.datetime.combine(day, dt.time(), dt.UTC).timestamp())
    return midnight + RUN_HOUR * 3600 + _digest("run", feed_id, day) % 1800


def result_days(dataset: Dataset, feed: dict[str, Any]) -> list[dt.date]:
    """The days `feed` has a processing result for, oldest first: the last `RESULT_DAYS` days, not before the feed
    was created, today only once its run has started."""
    today = dataset.today()
    first = today - dt.timedelta(days=RESULT_DAYS[dataset.preset_name] - 1)
    created = str(feed.get("created_at") or "")[:10]
    if created:
        first = max(first, dt.date.fromisoformat(created))
    days = [first + dt.timedelta(days=n) for n in range((today - first).days + 1)]
    now = dataset.clock.now().timestamp()
    return [day for day in days if day < today or _run_start(feed["id"], day) <= now]


def result_status(dataset: Dataset, feed_id: str, day: dt.date) -> str:
    """PROCESSING today, else COMPLETED or, one day in `FAILED_EVERY`, FAILED."""
    if day >= dataset.today():
        return "PROCESSING"
    return "FAILED" if _digest(dataset.seed, "failed", feed_id, day) % FAILED_EVERY == 0 else "COMPLETED"


def find_result(dataset: Dataset, owner: Owner, processing_result_id: str) -> tuple[dict[str, Any], dt.date] | None:
    """The feed and day of one of `owner`'s processing results, None when it has no such result."""
    if len(processing_result_id) != 19 or not processing_result_id.startswith("52"):
        return None
    try:
        day = dt.date.fromordinal(int(processing_result_id[2:9]))
    except ValueError:  # not a day's ordinal
        return None
    tail = int(processing_result_id[9:])
    for feed in owner.entities("catalogs_feeds"):
        if int(feed["id"]) % 10**10 == tail and day in result_days(dataset, feed):
            return feed, day
    return None


def processing_results(dataset: Dataset, owner: Owner, feed: dict[str, Any]) -> list[dict[str, Any]]:
    """`feed`'s processing results (``CatalogsFeedProcessingResult``), oldest first (ids ascending)."""
    return [processing_result(dataset, owner, feed, day) for day in result_days(dataset, feed)]


def processing_result(dataset: Dataset, owner: Owner, feed: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """One ``CatalogsFeedProcessingResult``: counts that agree with the items (`feed_items`) and their issues."""
    start = _run_start(feed["id"], day)
    status = result_status(dataset, feed["id"], day)
    result: dict[str, Any] = {
        "id": result_id(feed["id"], day),
        "created_at": iso(start),
        "updated_at": iso(start if status == "PROCESSING" else start + 600 + _digest("took", feed["id"], day) % 3000),
        "status": status,
        "ingestion_details": {"errors": {}, "info": {}, "warnings": {}},
        "validation_details": {"errors": {}, "warnings": {}},
        "product_counts": None,
    }
    if status == "FAILED":
        result["validation_details"]["errors"] = {"FETCH_ERROR": 1}
        result["product_counts"] = {"original": 0, "ingested": 0}
        result["video_counts"] = {"total_videos": 0, "ingested_videos": 0, "not_ingested_videos": 0}
    if status != "COMPLETED":
        return result
    items = feed_items(dataset, owner, feed)
    products = [item for item in items if item.ingested]
    info = {
        availability: sum(1 for p in products if p.availability == availability) for _, availability in AVAILABILITY
    }
    result["ingestion_details"]["info"] = info
    result["validation_details"] = {
        "errors": _count(item.error for item in items),
        "warnings": _count(item.warning(day) for item in items),
    }
    result["product_counts"] = {"original": len(items), "ingested": len(products)}
    videos = [item for item in items if item.has_video]
    ingested_videos = sum(1 for item in videos if item.ingested)
    result["video_counts"] = {
        "total_videos": len(videos),
        "ingested_videos": ingested_videos,
        "not_ingested_videos": len(videos) - ingested_videos,
    }
    return result


def _count(issues: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for issue in issues:
        if issue is not None:
            counts[issue.code] = counts.get(issue.code, 0) + 1
    return dict(sorted(counts.items()))


# -- item issues --------------------------------------------------------------------------------------------------
def affected_items(dataset: Dataset, owner: Owner, feed: dict[str, Any], day: dt.date) -> list[CatalogItem]:
    """The items with an error or a warning in `feed`'s result of `day` (none unless COMPLETED)."""
    if result_status(dataset, feed["id"], day) != "COMPLETED":
        return []
    return [item for item in feed_items(dataset, owner, feed) if item.error or item.warning(day)]


def sampled_items(items: list[CatalogItem], day: dt.date, seed: str) -> list[CatalogItem]:
    """At most `ISSUE_SAMPLES` items per error and warning code, drawn by `seed` (one result's id), in item order."""
    by_code: dict[str, list[CatalogItem]] = {}
    for item in items:
        for issue in (item.error, item.warning(day)):
            if issue is not None:
                by_code.setdefault(issue.code, []).append(item)
    chosen: set[int] = set()
    for code, affected in by_code.items():
        ranked = sorted(affected, key=lambda item: _digest(seed, code, item.number))
        chosen.update(item.number for item in ranked[:ISSUE_SAMPLES])
    return [item for item in items if item.number in chosen]


def item_issues(item: CatalogItem, day: dt.date) -> dict[str, Any]:
    """One ``CatalogsItemValidationIssues``: the item's error and its warning of `day`."""

    def details(issue: Issue | None) -> dict[str, Any]:
        if issue is None:
            return {}
        return {issue.code: {"attribute_name": issue.attribute, "provided_value": issue.provided}}

    return {
        "item_number": item.number,
        "item_id": item.item_id,
        "errors": details(item.error),
        "warnings": details(item.warning(day)),
    }


# -- products of product groups -----------------------------------------------------------------------------------
def group_products(owner: Owner, dataset: Dataset, group: dict[str, Any]) -> list[CatalogItem]:
    """The products (ingested items) of a product group: its feed's first group has every product, the k-th one
    every (k + 1)-th item (k counted in id order among the feed's groups)."""
    feed = owned_feed(owner, str(group.get("feed_id") or ""))
    if feed is None:
        return []
    siblings = [g["id"] for g in owner.entities("catalogs_product_groups") if g.get("feed_id") == feed["id"]]
    k = siblings.index(group["id"]) if group["id"] in siblings else 0
    items = feed_items(dataset, owner, feed)
    return [item for item in items if item.ingested and (k == 0 or item.number % (k + 1) == 0)]


def product_counts(products: list[CatalogItem]) -> dict[str, Any]:
    """``CatalogsRetailProductGroupProductCounts`` of a product group's products."""
    counts: dict[str, Any] = {"catalog_type": "RETAIL", "total": len(products)}
    for _, availability in AVAILABILITY:
        counts[availability.lower()] = sum(1 for p in products if p.availability == availability)
    counts["videos"] = sum(1 for p in products if p.has_video)
    return counts


def product_pin_id(item: CatalogItem, business: bool) -> str:
    """The id of an item's product Pin (18 digits: `PRODUCT_PIN_PREFIX`, the feed id's last 12 digits, the item
    number): distinct from the owners' own Pins, in item order within a feed."""
    return f"{PRODUCT_PIN_PREFIX[business]}{int(item.feed_id) % 10**12:012d}{item.number:05d}"


def product(spec: Spec, seed: int, owner: Owner, item: CatalogItem, business: bool, metrics: bool) -> dict[str, Any]:
    """A ``CatalogsRetailProduct``: the item's metadata and its product Pin (``pin_metrics`` only when asked)."""
    pin: dict[str, Any] = pickle.loads(_pin_variants(spec, seed)[item.number % len(_pin_variants(spec, seed))])
    for off_board in ("board_id", "board_section_id"):
        pin.pop(off_board, None)
    pin.update(
        id=product_pin_id(item, business),
        title=item.title,
        description=f"{item.title}, from the catalog feed",
        link=item.link,
        board_owner={"username": owner.user.get("username")},
        creative_type="VIDEO" if item.has_video else "REGULAR",
        has_been_promoted=False,
        is_owner=True,
        parent_pin_id=None,
    )
    if not metrics:
        pin["pin_metrics"] = None
    metadata = {
        "item_id": item.item_id,
        "item_group_id": item.item_group_id,
        "availability": item.availability,
        "price": item.price,
        "sale_price": item.sale_price,
        "currency": item.currency,
    }
    return {"catalog_type": "RETAIL", "metadata": metadata, "pin": pin}


@cache
def _pin_variants(spec: Spec, seed: int) -> tuple[bytes, ...]:
    """A few generated ``Pin`` objects (image media) the product Pins are copied from."""
    faker = SchemaFaker(spec)
    schema = {"$ref": "#/components/schemas/Pin"}
    variants = []
    for n in range(4):
        pin = faker.value(schema, random.Random(f"{seed}:product-pin:{n}"))
        pin["media"] = faker.value({"$ref": "#/components/schemas/PinMediaWithImage"}, random.Random(f"{seed}:{n}"))
        variants.append(pickle.dumps(pin))
    return tuple(variants)
