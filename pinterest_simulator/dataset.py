"""Deterministic generated data: every property of each response schema, filled from the spec.

Values come from walking the component schema (so no field is forgotten) and are then overridden
by hand where realism matters: ids, names, timestamps, statuses and parent/child relations.
The same ``seed`` and ``preset`` always give the same data.
"""

from __future__ import annotations

import datetime as dt
import pickle
import random
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pinterest_simulator.clock import Clock, from_environment
from pinterest_simulator.reference_data import TREND_KEYWORDS, stable_hash
from pinterest_simulator.spec import Spec

# kind -> component schema that the list endpoint returns
SCHEMAS: dict[str, str] = {
    "user_account": "Account",
    "ad_accounts": "AdAccount",
    "campaigns": "CampaignResponse",
    "ad_groups": "AdGroupResponse",
    "ads": "AdResponse",
    "keywords": "Keyword",
    "audiences": "Audience",
    "customer_lists": "CustomerList",
    "conversion_tags": "ConversionTag",
    "product_group_promotions": "ProductGroupPromotion",
    "boards": "Board",
    "board_sections": "BoardSection",
    "pins": "Pin",
    "catalogs": "Catalog",
    "catalogs_feeds": "CatalogsRetailFeed",
    "catalogs_product_groups": "CatalogsRetailProductGroup",
}
ACCOUNT_KINDS = (
    "campaigns",
    "ad_groups",
    "ads",
    "keywords",
    "audiences",
    "customer_lists",
    "conversion_tags",
    "product_group_promotions",
)
USER_KINDS = ("boards", "pins", "catalogs", "catalogs_feeds", "catalogs_product_groups")
# kind -> (field, representation) of the modification time: "s" Unix seconds, "iso" date-time string
UPDATED_FIELDS: dict[str, tuple[str, str]] = {
    "ad_accounts": ("updated_time", "s"),
    "campaigns": ("updated_time", "s"),
    "ad_groups": ("updated_time", "s"),
    "ads": ("updated_time", "s"),
    "audiences": ("updated_timestamp", "s"),
    "customer_lists": ("updated_time", "s"),
    "catalogs": ("updated_at", "iso"),
    "catalogs_feeds": ("updated_at", "iso"),
    "catalogs_product_groups": ("updated_at", "s"),
}
ID_DIGITS: dict[str, int] = {
    "ad_accounts": 12,
    "campaigns": 13,
    "ad_groups": 16,
    "ads": 18,
    "keywords": 18,
    "audiences": 13,
    "customer_lists": 12,
    "conversion_tags": 13,
    "product_group_promotions": 17,
    "boards": 18,
    "board_sections": 19,
    "pins": 18,
    "catalogs": 18,
    "catalogs_feeds": 13,
    "catalogs_product_groups": 17,
    "templates": 13,
}
EPOCH_START = int(dt.datetime(2022, 1, 1, tzinfo=dt.UTC).timestamp())
EPOCH_END = int(dt.datetime(2025, 6, 1, tzinfo=dt.UTC).timestamp())
VARIANTS = 8
RESTATED_DAYS = 7  # analytics days that restate() changes, counted back from today (UTC)
#: cycled over boards: every third board is SECRET, every third PROTECTED (an ad-only board); pins are spread
#: over the boards in turn, so each kind carries Pins
BOARD_PRIVACY_CYCLE = ("PUBLIC", "PROTECTED", "SECRET")
STATUS_CYCLE = ("ACTIVE", "PAUSED", "ACTIVE", "ARCHIVED", "ACTIVE", "PAUSED", "ACTIVE", "ARCHIVED", "PAUSED", "ACTIVE")
DIGIT_PATTERNS = frozenset({"^\\d+$", "^[0-9]+$", "^(AG)?\\d+$", "\\d+"})


# Cycled over campaigns; the last is the shopping objective whose ad groups carry product group promotions.
CAMPAIGN_OBJECTIVES = ("AWARENESS", "CONSIDERATION", "WEB_CONVERSION", "VIDEO_COMPLETION", "CATALOG_SALES")
#: every fourth Pin (of each owner, in creation order: n % 4 == 3) is a video Pin: ``media`` a ``PinMediaWithVideo``
#: (``media_type: video``) and ``creative_type: VIDEO``
VIDEO_PIN_EVERY = 4
#: ``media.media_type`` values of a video Pin (spec ``PinMedia``)
VIDEO_MEDIA_TYPES = frozenset({"video", "multiple_videos"})
#: the business's username: the owner of the shared ad accounts (``AdAccount.owner``)
BUSINESS_USERNAME = "partner_agency"
#: how far the business's user id is from the token user's
BUSINESS_USER_ID_OFFSET = 7919
#: the token user's followers and the users it follows (``Account.follower_count`` / ``following_count``), per
#: preset; `social.py` lists them (``followers/list``, ``user_following/get``)
SOCIAL_COUNTS: dict[str, tuple[int, int]] = {"small": (30, 12), "large": (600, 300)}
#: the business's (its followers cannot be listed: ``followers/list`` has no Business Access)
BUSINESS_SOCIAL_COUNTS = (120, 4)
#: Business Access roles (``BusinessAccessRole``): the token user's own accounts, and the shared ones
OWNED_ACCOUNT_ROLES = ("OWNER",)
SHARED_ACCOUNT_ROLES = ("ANALYST",)


@dataclass(frozen=True)
class BusinessPreset:
    """Sizes of the business's own organic data (the owner of the shared ad accounts)."""

    boards: int = 3  # one of each privacy (BOARD_PRIVACY_CYCLE)
    sections_per_board: int = 1
    pins: int = 8  # two of them video Pins (VIDEO_PIN_EVERY)
    catalogs: int = 1
    feeds_per_catalog: int = 1
    product_groups_per_feed: int = 2


BUSINESS = BusinessPreset()
#: report templates of each ad account (``templates/list``), cycled over `TEMPLATE_DESIGNS`
TEMPLATES_PER_ACCOUNT = 3
#: (name, report_level, granularity, columns, date range, attribution: click/engagement/view days, report time)
#: of the generated templates; every column is both a ``TemplateResponse`` column and a ``ReportingColumnAsync``;
#: a date range is ``("relative", start_days_in_past, end_days_in_past)`` or ``("dynamic", range)``
TEMPLATE_DESIGNS: tuple[tuple[str, str, str, tuple[str, ...], tuple[Any, ...], tuple[int, int, int, str]], ...] = (
    (
        "Campaign spend, last two weeks",
        "CAMPAIGN",
        "DAY",
        ("CAMPAIGN_ID", "CAMPAIGN_NAME", "SPEND_IN_MICRO_DOLLAR", "TOTAL_IMPRESSION", "TOTAL_CLICKTHROUGH", "CTR"),
        ("relative", 14, 1),
        (30, 30, 1, "TIME_OF_AD_ACTION"),
    ),
    (
        "Ad groups week over week, last month",
        "AD_GROUP",
        "WEEK",
        ("AD_GROUP_ID", "AD_GROUP_NAME", "CAMPAIGN_ID", "SPEND_IN_DOLLAR", "TOTAL_CONVERSIONS", "TOTAL_ENGAGEMENT"),
        ("dynamic", "LAST_MONTH"),
        (7, 7, 1, "TIME_OF_CONVERSION"),
    ),
    (
        "Promoted Pins, last 30 days",
        "PIN_PROMOTION",
        "TOTAL",
        ("AD_ID", "PIN_ID", "AD_GROUP_ID", "SPEND_IN_MICRO_DOLLAR", "PAID_IMPRESSION", "TOTAL_CLICKTHROUGH"),
        ("relative", 30, 1),
        (14, 14, 7, "TIME_OF_AD_ACTION"),
    ),
)


@dataclass
class Owner:
    """An "operation user_account" (spec, Business Access): a profile (``Account``) and the organic entities it owns:
    boards, their sections, Pins, catalogs, feeds and catalog product groups. The token user is one; the business that
    owns the shared ad accounts is another."""

    user: dict[str, Any]
    by_user: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {k: {} for k in USER_KINDS})
    board_sections: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    feed_catalog: dict[str, str] = field(default_factory=dict)  # feed id -> catalog id (not a field of the feed)
    #: the dataset's lock (entities are added while requests read)
    lock: Any = field(default_factory=threading.RLock, repr=False, compare=False)

    def entities(self, kind: str) -> list[dict[str, Any]]:
        """A snapshot list of the owner's entities of one organic kind (``board_sections``: every board's), in id
        order."""
        with self.lock:
            if kind == "user_account":
                return [self.user]
            if kind == "board_sections":
                return [s for secs in self.board_sections.values() for s in secs.values()]
            return list(self.by_user[kind].values())


def is_video_pin(pin: dict[str, Any]) -> bool:
    """Whether a Pin's ``media.media_type`` is a video one (`VIDEO_MEDIA_TYPES`)."""
    media = pin.get("media")
    return isinstance(media, dict) and media.get("media_type") in VIDEO_MEDIA_TYPES


@dataclass(frozen=True)
class Preset:
    """Sizes of a generated dataset (per owned or shared ad account where it says so)."""

    owned_ad_accounts: int
    shared_ad_accounts: int
    campaigns: int  # per ad account
    ad_groups: int  # per ad account
    ads: int  # per ad account
    keywords: int  # per ad account
    audiences: int
    customer_lists: int
    conversion_tags: int
    product_group_promotions: int
    boards: int
    sections_per_board: int
    pins: int
    catalogs: int
    feeds_per_catalog: int
    product_groups_per_feed: int
    #: the preset whose sizes the simulator's other per-preset tables give this one (followers, business members,
    #: catalog items...): empty, its own
    sizes_of: str = ""


PRESETS: dict[str, Preset] = {
    "small": Preset(2, 1, 5, 12, 30, 8, 3, 3, 3, 6, 3, 2, 24, 1, 2, 2),
    "large": Preset(3, 1, 40, 400, 4000, 60, 10, 10, 5, 100, 10, 3, 300, 2, 2, 5),
    # an agency's account set: 50 ad accounts of 40 campaigns (2,000 in all), few ads each; one business's organic
    # side (the large preset's): the benchmark's request-bound full sync (scripts/benchmark.py --preset agency)
    "agency": Preset(48, 2, 40, 60, 80, 10, 3, 3, 2, 4, 10, 3, 300, 2, 2, 5, sizes_of="large"),
}


def iso(ts: int) -> str:
    """Unix seconds -> ``2022-03-14T15:15:22Z``."""
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SchemaFaker:
    """Generates a type-correct value for any schema of the spec."""

    def __init__(self, spec: Spec, max_depth: int = 6) -> None:
        self.spec = spec
        self.max_depth = max_depth

    def value(self, schema: Any, rng: random.Random, depth: int = 0, name: str = "") -> Any:
        """A value valid for ``schema`` (nullable fields get a non-null value)."""
        schema = self.spec.flat_schema(schema)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self.value(schema[key][0], rng, depth, name)
        enum = [v for v in schema.get("enum", []) if v is not None]
        if enum:
            return rng.choice(enum)
        kind = schema.get("type")
        if kind is None and "properties" in schema:
            kind = "object"
        example = schema.get("example")
        if kind == "object":
            props = schema.get("properties", {})
            required = set(schema.get("required", []))
            if depth >= self.max_depth:
                props = {k: v for k, v in props.items() if k in required}
            return {prop: self.value(sub, rng, depth + 1, prop) for prop, sub in props.items()}
        if kind == "array":
            items = schema.get("items", {})
            n = max(schema.get("minItems", 0), 0 if depth >= self.max_depth else 1)
            n = min(n, schema.get("maxItems", n))
            return [self.value(items, rng, depth + 1, name) for _ in range(n)]
        if kind == "string":
            return self._string(schema, example, rng, name)
        if kind == "integer":
            if isinstance(example, int) and not isinstance(example, bool):
                return example
            return rng.randint(int(schema.get("minimum", 0)), int(schema.get("maximum", 1000)))
        if kind == "number":
            if isinstance(example, (int, float)) and not isinstance(example, bool):
                return example
            low, high = schema.get("minimum", 0), schema.get("maximum", 100)
            return round(rng.uniform(low, high), 2)
        if kind == "boolean":
            return example if isinstance(example, bool) else rng.random() < 0.5
        return example

    @staticmethod
    def _string(schema: dict[str, Any], example: Any, rng: random.Random, name: str) -> str:
        fmt = schema.get("format")
        if fmt == "date-time":
            return iso(rng.randint(EPOCH_START, EPOCH_END))
        if fmt == "date":
            return iso(rng.randint(EPOCH_START, EPOCH_END))[:10]
        pattern = schema.get("pattern", "")
        if pattern in DIGIT_PATTERNS:
            return str(rng.randint(10**11, 10**12 - 1))
        if isinstance(example, str) and (not pattern or re.search(pattern, example)):
            return example[: schema.get("maxLength", len(example))]
        if name.endswith(("url", "urls", "link", "links")):
            return "https://www.example.com/sim"
        return "sim"[: schema.get("maxLength", 3)]


class _Ids:
    """Increasing numeric ids of a fixed width per kind, so ordering by id is creation order. `first` is the leading
    digit of the first id of each kind (different series, e.g. the business's, never meet)."""

    def __init__(self, rng: random.Random, first: int = 1) -> None:
        self._next: dict[str, int] = {}
        self._rng = rng
        self._first = first

    def new(self, kind: str) -> str:
        digits = ID_DIGITS[kind]
        if kind not in self._next:
            low = self._first * 10 ** (digits - 1)
            self._next[kind] = self._rng.randint(low + 10 ** (digits - 2), low + 10 ** (digits - 1))
        self._next[kind] += self._rng.randint(1, 10**6 if digits > 14 else 997)
        return str(self._next[kind])


class Dataset:
    """The simulated Pinterest data of one user and the ad accounts the user can read.

    Account-scoped entities live in ``by_account[kind][ad_account_id]`` (dicts keyed by id, in id
    order); user-scoped ones in ``by_user[kind]`` (the token user's: `owner`). The owner of the shared ad accounts
    is a business (`business`, an `Owner`: its own profile, boards, Pins and catalog), the "operation user_account"
    of a request whose ``ad_account_id`` names a shared account (`operation_user`). Report templates are in
    ``templates[ad_account_id]``. Mutate through :meth:`touch` and :meth:`add`.
    """

    def __init__(
        self, spec: Spec, preset: str = "small", seed: int = 1, has_catalog: bool = True, clock: Clock | None = None
    ) -> None:
        self.spec = spec
        #: where today's date comes from (clock.py): every date rule and every generated number of a date counts
        #: from it; None: the environment's (``PINTEREST_SIMULATOR_TODAY``, else the machine's)
        self.clock = clock if clock is not None else from_environment()
        self.preset = PRESETS[preset]
        #: the preset asked for (`--preset`)
        self.preset_label = preset
        #: the name the simulator's per-preset tables are read by (`Preset.sizes_of`)
        self.preset_name = self.preset.sizes_of or preset
        self.seed = seed
        self.has_catalog = has_catalog
        self.lock = threading.RLock()
        self._faker = SchemaFaker(spec)
        self._rng = random.Random(f"dataset:{seed}:{preset}")
        self._ids = _Ids(random.Random(f"ids:{seed}"))
        self._variants: dict[str, list[bytes]] = {}
        self._last_created = EPOCH_START
        self._step = 86400
        #: the token user: its profile and organic entities (``user``, ``by_user``, ``board_sections`` and
        #: ``feed_catalog`` are its fields)
        self.owner = Owner({}, lock=self.lock)
        self.by_user = self.owner.by_user
        self.board_sections = self.owner.board_sections
        self.feed_catalog = self.owner.feed_catalog
        #: the business that owns the shared ad accounts (None without shared accounts)
        self.business: Owner | None = None
        self._business_ids = _Ids(random.Random(f"business-ids:{seed}"), first=5)
        self._business_rng = random.Random(f"business:{seed}:{preset}")
        self.ad_accounts: dict[str, dict[str, Any]] = {}
        self.shared_ad_account_ids: set[str] = set()
        self.by_account: dict[str, dict[str, dict[str, dict[str, Any]]]] = {k: {} for k in ACCOUNT_KINDS}
        #: ad account id -> its report templates (``TemplateResponse``) by id, in id order
        self.templates: dict[str, dict[str, dict[str, Any]]] = {}
        self.restatements = 0  # bumped by restate(): analytics of the last RESTATED_DAYS days change
        self._generate()
        self._generate_business()
        self._generate_templates()

    # -- public API ------------------------------------------------------------------------
    @property
    def user(self) -> dict[str, Any]:
        """The token user's profile (``Account``)."""
        return self.owner.user

    @property
    def business_ad_account_ids(self) -> list[str]:
        """The ad accounts the business owns (the shared ones), in id order: an ``ad_account_id`` query naming one
        makes the business the operation user."""
        if self.business is None:
            return []
        return [a for a in self.ad_accounts if a in self.shared_ad_account_ids]

    @property
    def business_ad_account_id(self) -> str | None:
        """The first of `business_ad_account_ids` (None without shared accounts)."""
        ids = self.business_ad_account_ids
        return ids[0] if ids else None

    def operation_user(self, ad_account_id: str | None = None) -> Owner:
        """The "operation user_account" of a request (spec, Business Access): the owner of ``ad_account_id``'s
        account (the business for a shared account), the token user without one or for an account it owns."""
        if ad_account_id is not None and self.business is not None and ad_account_id in self.shared_ad_account_ids:
            return self.business
        return self.owner

    def roles(self, ad_account_id: str) -> frozenset[str]:
        """The token user's Business Access roles on an ad account (its ``permissions``)."""
        return frozenset(self.ad_accounts.get(ad_account_id, {}).get("permissions") or ())

    def set_roles(self, ad_account_id: str, roles: list[str] | tuple[str, ...]) -> None:
        """Give the token user other Business Access roles (``BusinessAccessRole`` values) on an ad account, e.g.
        ``ADMIN`` on the business's: what Business Access requests may then read follows (``limits.py``)."""
        with self.lock:
            self.ad_accounts[ad_account_id]["permissions"] = list(roles)

    def template_list(self, ad_account_id: str) -> list[dict[str, Any]]:
        """The ad account's report templates, in id order."""
        with self.lock:
            return list(self.templates.get(ad_account_id, {}).values())

    @property
    def ad_account_ids(self) -> list[str]:
        """Every ad account id the token user can read, owned and shared, in id order."""
        return list(self.ad_accounts)

    @property
    def owned_ad_account_ids(self) -> list[str]:
        """Ad accounts the user owns."""
        return [a for a in self.ad_accounts if a not in self.shared_ad_account_ids]

    def entities(self, kind: str, ad_account_id: str | None = None) -> list[dict[str, Any]]:
        """A snapshot list of entities of ``kind`` (for one ad account when account-scoped), in id order."""
        with self.lock:
            if kind == "ad_accounts":
                return list(self.ad_accounts.values())
            if kind == "user_account":
                return [self.user]
            if kind == "board_sections":
                if ad_account_id is not None:
                    raise ValueError("board_sections are per board: use dataset.board_sections[board_id]")
                return [s for secs in self.board_sections.values() for s in secs.values()]
            if kind in ACCOUNT_KINDS:
                if ad_account_id is None:
                    return [e for per in self.by_account[kind].values() for e in per.values()]
                return list(self.by_account[kind].get(ad_account_id, {}).values())
            return list(self.by_user[kind].values())

    def counts(self) -> dict[str, int]:
        """Number of entities per kind (all ad accounts together)."""
        return {kind: len(self.entities(kind)) for kind in SCHEMAS}

    def today(self) -> dt.date:
        """The simulator's today (UTC), from its `clock`."""
        return self.clock.today()

    def _now(self, now: int | None) -> int:
        """`now`, or the clock's current time, in Unix seconds."""
        return int(now if now is not None else self.clock.now().timestamp())

    def touch(self, kind: str, ad_account_id: str | None = None, n: int = 1, now: int | None = None) -> list[str]:
        """Set the modification time of the first ``n`` entities (by id) to ``now`` (default: the clock's);
        return their ids."""
        if kind not in UPDATED_FIELDS:
            raise ValueError(f"{kind} has no modification time in the API")
        field, rep = UPDATED_FIELDS[kind]
        ts = self._now(now)
        with self.lock:
            targets = self.entities(kind, ad_account_id)[:n]
            for entity in targets:
                entity[field] = iso(ts) if rep == "iso" else ts
            return [e["id"] for e in targets]

    def add(self, kind: str, ad_account_id: str | None = None, now: int | None = None, **fields: Any) -> dict[str, Any]:
        """Create one entity of ``kind`` (newest id), created and updated at ``now`` (default: the clock's); ``fields`` override. An organic
        kind (boards, Pins, catalogs...) is the token user's, or the business's when ``ad_account_id`` is one of
        `business_ad_account_ids`."""
        ts = self._now(now)
        with self.lock:
            if kind in ACCOUNT_KINDS:
                account = ad_account_id or self.ad_account_ids[0]
                if account not in self.ad_accounts:
                    raise KeyError(f"unknown ad account {account}")
                entity = self._make_account_entity(kind, account, ts)
            elif kind in USER_KINDS:
                if self.business is not None and self.operation_user(ad_account_id) is self.business:
                    entity = self._make_user_entity(kind, ts, owner=self.business)
                else:
                    entity = self._make_user_entity(kind, ts)
            else:
                raise ValueError(f"cannot add {kind}")
            entity.update(fields)
            return entity

    def restate(self) -> int:
        """Pinterest restates recent conversions: change every analytics value of the last
        ``RESTATED_DAYS`` days (see metrics.py); return the new restatement counter."""
        with self.lock:
            self.restatements += 1
            return self.restatements

    # -- generation ------------------------------------------------------------------------
    def _variant(self, kind: str, index: int) -> dict[str, Any]:
        if kind not in self._variants:
            schema = {"$ref": f"#/components/schemas/{SCHEMAS[kind]}"}
            self._variants[kind] = [
                pickle.dumps(self._faker.value(schema, random.Random(f"{self.seed}:{kind}:{i}")))
                for i in range(VARIANTS)
            ]
        entity: dict[str, Any] = pickle.loads(self._variants[kind][index % VARIANTS])
        return entity

    def _tick(self) -> int:
        """The next creation time: the preset's creations spread evenly over the epoch, in id order."""
        self._last_created = min(self._last_created + self._step - self._rng.randint(0, 60), EPOCH_END)
        return self._last_created

    @staticmethod
    def _status(n: int) -> str:
        """50% ACTIVE, 30% PAUSED, 20% ARCHIVED; every run of 5 has an ARCHIVED one."""
        return STATUS_CYCLE[n % len(STATUS_CYCLE)]

    def _updated(self, created: int, rng: random.Random | None = None) -> int:
        return min(created + (rng or self._rng).randint(0, 200 * 86400), EPOCH_END + 14 * 86400)

    def _generate(self) -> None:
        p = self.preset
        accounts = p.owned_ad_accounts + p.shared_ad_accounts
        per_account = p.campaigns + p.ad_groups + p.ads + p.keywords + p.audiences + p.customer_lists
        per_account += p.conversion_tags + p.product_group_promotions + 1
        organic = p.boards + p.pins + p.catalogs * (1 + p.feeds_per_catalog * (1 + p.product_groups_per_feed))
        self._step = (EPOCH_END - EPOCH_START) // (accounts * per_account + organic + 1)
        user_id = str(random.Random(f"user:{self.seed}").randint(10**17, 10**18 - 1))
        self.owner.user = self._variant("user_account", 0)
        self.user.update(
            id=user_id,
            username=f"sim_business_{self.seed}",
            account_type="BUSINESS",
            business_name=f"Simulated Business {self.seed}",
            website_url="https://www.example.com",
            profile_image="https://i.pinimg.com/600x600_R/42/f5/36/42f5364d1f6c8b0e2d5a5f1c1b8d3e57.jpg",
            about="A simulated Pinterest business account.",
            follower_count=SOCIAL_COUNTS[self.preset_name][0],
            following_count=SOCIAL_COUNTS[self.preset_name][1],
        )
        self._generate_organic()
        if self.has_catalog:
            self._generate_catalogs()
        for i in range(accounts):
            shared = i >= p.owned_ad_accounts
            created = self._tick()
            account = self._variant("ad_accounts", i)
            owner_id = self.user["id"] if not shared else str(int(self.user["id"]) + BUSINESS_USER_ID_OFFSET)
            account.update(
                id=self._ids.new("ad_accounts"),
                name=f"Sim {'Shared' if shared else 'Owned'} Ad Account {i + 1}",
                owner={"id": owner_id, "username": self.user["username"] if not shared else BUSINESS_USERNAME},
                country="US",
                currency="USD",
                permissions=list(SHARED_ACCOUNT_ROLES if shared else OWNED_ACCOUNT_ROLES),
                created_time=created,
                updated_time=self._updated(created),
            )
            self.ad_accounts[account["id"]] = account
            if shared:
                self.shared_ad_account_ids.add(account["id"])
            for kind in ACCOUNT_KINDS:
                self.by_account[kind][account["id"]] = {}
            for kind, count in (
                ("campaigns", p.campaigns),
                ("ad_groups", p.ad_groups),
                ("ads", p.ads),
                ("keywords", p.keywords),
                ("audiences", p.audiences),
                ("customer_lists", p.customer_lists),
                ("conversion_tags", p.conversion_tags),
                ("product_group_promotions", p.product_group_promotions),
            ):
                for _ in range(count):
                    self._make_account_entity(kind, account["id"], self._tick())

    def _generate_organic(self) -> None:
        p = self.preset
        for _ in range(p.boards):
            self._make_user_entity("boards", self._tick())
        for board_id in self.by_user["boards"]:
            self.board_sections[board_id] = {}
            for j in range(p.sections_per_board):
                section = self._variant("board_sections", j)
                section.update(id=self._ids.new("board_sections"), name=f"Section {j + 1}")
                self.board_sections[board_id][section["id"]] = section
        for _ in range(p.pins):
            self._make_user_entity("pins", self._tick())

    def _generate_catalogs(self) -> None:
        p = self.preset
        for _ in range(p.catalogs):
            catalog = self._make_user_entity("catalogs", self._tick())
            for _ in range(p.feeds_per_catalog):
                feed = self._make_user_entity("catalogs_feeds", self._tick(), catalog_id=catalog["id"])
                for _ in range(p.product_groups_per_feed):
                    self._make_user_entity("catalogs_product_groups", self._tick(), feed_id=feed["id"])

    def _video_media(self, pin_id: str) -> dict[str, Any]:
        """A ``PinMediaWithVideo`` (``media_type: video``) for a video Pin, from its own random numbers."""
        rng = random.Random(f"{self.seed}:video:{pin_id}")
        media: dict[str, Any] = self._faker.value({"$ref": "#/components/schemas/PinMediaWithVideo"}, rng)
        media.update(
            media_type="video",
            cover_image_url=f"https://i.pinimg.com/videos/thumbnails/originals/sim/{pin_id}.jpg",
            video_url=f"https://v1.pinimg.com/videos/mc/720p/sim/{pin_id}.mp4",
            duration=float(rng.randint(6, 60) * 1000),
            width=1080,
            height=1920,
        )
        return media

    def _generate_business(self) -> None:
        """The business that owns the shared ad accounts: its profile and a few boards (one of each privacy, a
        section each), Pins (two of them video) and a catalog with a feed and two product groups. Its ids and
        times come from random numbers of its own: the token user's data is the same with or without it."""
        shared = [a for a in self.ad_accounts if a in self.shared_ad_account_ids]
        if not shared:
            return
        account = self.ad_accounts[shared[0]]
        profile = self._variant("user_account", 1)
        profile.update(
            id=account["owner"]["id"],
            username=BUSINESS_USERNAME,
            account_type="BUSINESS",
            business_name="Partner Agency (simulated)",
            website_url="https://partner-agency.example.com",
            profile_image="https://i.pinimg.com/600x600_R/sim/partner_agency.jpg",
            about="A simulated business that shares its ad account with the token user.",
            follower_count=BUSINESS_SOCIAL_COUNTS[0],
            following_count=BUSINESS_SOCIAL_COUNTS[1],
        )
        business = self.business = Owner(profile, lock=self.lock)
        b = BUSINESS
        catalogs = b.catalogs if self.has_catalog else 0
        count = b.boards + b.pins + catalogs * (1 + b.feeds_per_catalog * (1 + b.product_groups_per_feed))
        step = (EPOCH_END - EPOCH_START) // (count + 1)
        times = iter(EPOCH_START + step * (n + 1) - self._business_rng.randint(0, 60) for n in range(count))
        for _ in range(b.boards):
            board = self._make_user_entity("boards", next(times), owner=business)
            business.board_sections[board["id"]] = {}
            for j in range(b.sections_per_board):
                section = self._variant("board_sections", j)
                section.update(id=self._business_ids.new("board_sections"), name=f"Business Section {j + 1}")
                business.board_sections[board["id"]][section["id"]] = section
        for _ in range(b.pins):
            self._make_user_entity("pins", next(times), owner=business)
        for _ in range(catalogs):
            catalog = self._make_user_entity("catalogs", next(times), owner=business)
            for _ in range(b.feeds_per_catalog):
                feed = self._make_user_entity("catalogs_feeds", next(times), catalog_id=catalog["id"], owner=business)
                for _ in range(b.product_groups_per_feed):
                    self._make_user_entity("catalogs_product_groups", next(times), feed_id=feed["id"], owner=business)

    def _generate_templates(self) -> None:
        """`TEMPLATES_PER_ACCOUNT` report templates per ad account (`TEMPLATE_DESIGNS` in turn), every
        ``TemplateResponse`` property filled, from random numbers of their own."""
        ids = _Ids(random.Random(f"template-ids:{self.seed}"), first=6)
        rng = random.Random(f"templates:{self.seed}")
        schema = {"$ref": "#/components/schemas/TemplateResponse"}
        for account_id, account in self.ad_accounts.items():
            per: dict[str, dict[str, Any]] = {}
            for n in range(TEMPLATES_PER_ACCOUNT):
                name, level, granularity, columns, date_range, attribution = TEMPLATE_DESIGNS[n % len(TEMPLATE_DESIGNS)]
                click, engagement, view, report_time = attribution
                template: dict[str, Any] = self._faker.value(schema, random.Random(f"{self.seed}:template:{n}"))
                owner_id = account["owner"]["id"]
                template.update(
                    id=ids.new("templates"),
                    name=name,
                    ad_account_id=account_id,
                    ad_account_ids=[account_id],
                    user_id=owner_id,
                    is_owned_by_user=owner_id == self.user["id"],
                    report_level=level,
                    columns=list(columns),
                    granularity=granularity,
                    click_window_days=click,
                    engagement_window_days=engagement,
                    view_window_days=view,
                    conversion_report_time_type=report_time,
                    creation_source="ADS_API",
                    custom_column_ids=None,
                    filters_json=None,
                    ingestion_sources=None,
                    is_deleted=False,
                    is_scheduled=False,
                    # Ads Manager templates write CSV or JSON files: the AD_GROUP design writes CSV
                    report_format="CSV" if level == "AD_GROUP" else "JSON",
                    type="BULK",
                    updated_time=rng.randint(EPOCH_START, EPOCH_END),
                )
                ranges: dict[str, Any] = {
                    "absolute_date_range": None,
                    "dynamic_date_range": None,
                    "relative_date_range": None,
                }
                template.pop("report_start_relative_days_in_past", None)
                template.pop("report_end_relative_days_in_past", None)
                if date_range[0] == "relative":
                    _, start_back, end_back = date_range
                    ranges["relative_date_range"] = {
                        "type": "relative",
                        "start_days_in_past": start_back,
                        "end_days_in_past": end_back,
                    }
                    template.update(
                        report_start_relative_days_in_past=start_back, report_end_relative_days_in_past=end_back
                    )
                else:
                    ranges["dynamic_date_range"] = {"type": "dynamic", "range": date_range[1]}
                template["date_range"] = ranges
                per[template["id"]] = template
            self.templates[account_id] = per

    def _make_user_entity(
        self,
        kind: str,
        created: int,
        catalog_id: str | None = None,
        feed_id: str | None = None,
        owner: Owner | None = None,
    ) -> dict[str, Any]:
        """One organic entity of `owner` (the token user by default; the business draws on its own ids and random
        numbers, so the token user's data never depends on it): the schema's example variant with the fields of its
        kind (`_USER_FIELDS`)."""
        of = owner or self.owner
        business = of is not self.owner
        items = of.by_user[kind]
        e = self._variant(kind, len(items))
        eid = (self._business_ids if business else self._ids).new(kind)
        updated = self._updated(created, self._business_rng if business else None)
        new = _NewUserEntity(of, len(items), eid, created, updated, "Business " if business else "", catalog_id, feed_id)
        e.update(_USER_FIELDS[kind](self, new))
        items[eid] = e
        return e

    def _board_fields(self, new: _NewUserEntity) -> dict[str, Any]:
        n = new.n
        return {
            "id": new.id,
            "name": f"Sim {new.label}Board {n + 1}",
            "description": f"Simulated board number {n + 1}",
            "owner": new.owner_ref,
            "privacy": BOARD_PRIVACY_CYCLE[n % len(BOARD_PRIVACY_CYCLE)],
            "created_at": iso(new.created),
            "board_pins_modified_at": iso(new.updated),
            # the spec (boards/create): an ad-only board's privacy "automatically becomes PROTECTED"
            "is_ads_only": BOARD_PRIVACY_CYCLE[n % len(BOARD_PRIVACY_CYCLE)] == "PROTECTED",
        }

    def _pin_fields(self, new: _NewUserEntity) -> dict[str, Any]:
        """A Pin on the owner's boards in turn (in a section of the board, or none, in turn); every
        `VIDEO_PIN_EVERY`-th a video Pin. Counts the Pin on its board."""
        n, of = new.n, new.of
        boards = list(of.by_user["boards"])
        board_id = boards[n % len(boards)]
        sections = list(of.board_sections.get(board_id, {}))
        section_id = sections[n % (len(sections) + 1)] if sections and n % (len(sections) + 1) < len(sections) else None
        fields = {
            "id": new.id,
            "board_id": board_id,
            "board_section_id": section_id,
            "board_owner": new.owner_ref,
            "created_at": iso(new.created),
            "title": f"Sim {new.label}Pin {n + 1}",
            "description": f"Simulated pin number {n + 1}",
            "link": f"https://www.example.com/products/{n + 1}",
            "is_owner": True,
            "parent_pin_id": None,
        }
        if n % VIDEO_PIN_EVERY == VIDEO_PIN_EVERY - 1:
            fields.update(media=self._video_media(new.id), creative_type="VIDEO")
        pins = of.by_user["pins"].values()
        of.by_user["boards"][board_id]["pin_count"] = sum(1 for pin in pins if pin["board_id"] == board_id) + 1
        return fields

    def _catalog_fields(self, new: _NewUserEntity) -> dict[str, Any]:
        return {
            "id": new.id,
            "name": f"Sim {new.label}Catalog {new.n + 1}",
            "catalog_type": "RETAIL",
            "created_at": iso(new.created),
            "updated_at": iso(new.updated),
        }

    def _feed_fields(self, new: _NewUserEntity) -> dict[str, Any]:
        """A feed of the given catalog (the owner's first by default)."""
        n, eid, of = new.n, new.id, new.of
        of.feed_catalog[eid] = new.catalog_id or next(iter(of.by_user["catalogs"]), "")
        return {
            "id": eid,
            "name": f"Sim {new.label}Feed {n + 1}",
            "catalog_type": "RETAIL",
            "created_at": iso(new.created),
            "updated_at": iso(new.updated),
            "format": "CSV",
            "location": f"https://feeds.example.com/catalog/{eid}.csv",
            "status": "ACTIVE",
            "default_currency": "USD",
            "default_locale": "en-US",
            "default_country": "US",
            "default_availability": "IN_STOCK",
            "credentials": {"username": f"feeduser{n + 1}", "password": f"s3cret-{eid[-6:]}"},
        }

    def _product_group_fields(self, new: _NewUserEntity) -> dict[str, Any]:
        """A product group of the given feed (the owner's first by default), in the feed's catalog."""
        feed_id = new.feed_id or next(iter(new.of.by_user["catalogs_feeds"]), "")
        return {
            "id": new.id,
            "name": f"Sim {new.label}Product Group {new.n + 1}",
            "description": f"Simulated product group {new.n + 1}",
            "catalog_type": "RETAIL",
            "feed_id": feed_id,
            "catalog_id": new.of.feed_catalog.get(feed_id, ""),
            "created_at": new.created,
            "updated_at": new.updated,
            "country": "US",
            "locale": "en-US",
        }

    def _make_account_entity(self, kind: str, account_id: str, created: int) -> dict[str, Any]:
        """One entity of an ad account: the schema's example variant with the fields of its kind
        (`_ACCOUNT_FIELDS`), under the account's campaigns and ad groups in turn."""
        per = self.by_account[kind][account_id]
        n = len(per)
        e = self._variant(kind, n)
        eid = self._ids.new(kind)
        updated = self._updated(created)
        campaigns = list(self.by_account["campaigns"][account_id].values())
        ad_groups = list(self.by_account["ad_groups"][account_id].values())
        new = _NewAccountEntity(account_id, n, eid, created, updated, self._status(n), campaigns, ad_groups)
        e.update(_ACCOUNT_FIELDS[kind](self, new))
        per[eid] = e
        return e

    def _campaign_fields(self, new: _NewAccountEntity) -> dict[str, Any]:
        n = new.n
        return {
            **new.owned,
            "name": f"Sim Campaign {n + 1}",
            "objective_type": CAMPAIGN_OBJECTIVES[n % len(CAMPAIGN_OBJECTIVES)],
            **new.statuses(RUNNING_SUMMARY),
            "start_time": new.created,
            "end_time": new.created + 90 * 86400,
            "created_time": new.created,
            "updated_time": new.updated,
            "type": "campaign",
        }

    def _ad_group_fields(self, new: _NewAccountEntity) -> dict[str, Any]:
        n = new.n
        return {
            **new.owned,
            "campaign_id": new.campaigns[n % len(new.campaigns)]["id"],
            "name": f"Sim Ad Group {n + 1}",
            **new.statuses(RUNNING_SUMMARY),
            "start_time": new.created,
            "end_time": new.created + 60 * 86400,
            "created_time": new.created,
            "updated_time": new.updated,
            "type": "adgroup",
        }

    def _ad_fields(self, new: _NewAccountEntity) -> dict[str, Any]:
        """An ad of the account's ad groups in turn, promoting the token user's Pins in turn."""
        n = new.n
        parent = new.ad_groups[n % len(new.ad_groups)]
        pins = list(self.by_user["pins"])
        return {
            **new.owned,
            "campaign_id": parent["campaign_id"],
            "ad_group_id": parent["id"],
            "pin_id": pins[n % len(pins)] if pins else str(10**17 + n),
            "name": f"Sim Ad {n + 1}",
            **new.statuses(APPROVED_SUMMARY),
            "review_status": "APPROVED",
            "rejected_reasons": [],
            "rejection_labels": [],
            "destination_url": f"https://www.example.com/landing/{n + 1}",
            "created_time": new.created,
            "updated_time": new.updated,
            "type": "pinpromotion",
        }

    def _keyword_fields(self, new: _NewAccountEntity) -> dict[str, Any]:
        """A third at account level, a third at campaign level (both negative only), a third on ad groups."""
        n = new.n
        level = n % 3
        parent_id, parent_type = {
            0: (new.account_id, "advertiser"),
            1: (new.campaigns[n % len(new.campaigns)]["id"], "campaign"),
            2: (new.ad_groups[n % len(new.ad_groups)]["id"], "ad_group"),
        }[level]
        match = ["EXACT_NEGATIVE", "PHRASE_NEGATIVE"][n % 2] if level < 2 else ["BROAD", "PHRASE", "EXACT"][n % 3]
        return {
            "id": new.id,
            # searched phrases (the trends' pool), so keyword metrics, related terms and trends fit them
            "value": TREND_KEYWORDS[(stable_hash(self.seed, new.account_id) + n) % len(TREND_KEYWORDS)][0],
            "match_type": match,
            "parent_id": parent_id,
            "parent_type": parent_type,
            "archived": False,
            "bid": None,
            "type": "keyword",
        }

    def _audience_fields(self, new: _NewAccountEntity) -> dict[str, Any]:
        n = new.n
        return {
            **new.owned,
            "name": f"Sim Audience {n + 1}",
            "audience_type": ["ENGAGEMENT", "VISITOR", "ACTALIKE", "CUSTOMER_LIST"][n % 4],
            "status": "READY",
            "size": 1000 * (n + 1),
            "created_timestamp": new.created,
            "updated_timestamp": new.updated,
            "type": "audience",
        }

    def _customer_list_fields(self, new: _NewAccountEntity) -> dict[str, Any]:
        return {
            **new.owned,
            "name": f"Sim Customer List {new.n + 1}",
            "status": "READY",
            "created_time": new.created,
            "updated_time": new.updated,
            "type": "customerlist",
        }

    def _conversion_tag_fields(self, new: _NewAccountEntity) -> dict[str, Any]:
        return {
            **new.owned,
            "name": f"Sim Conversion Tag {new.n + 1}",
            "status": "ARCHIVED" if new.n % 3 == 2 else "ACTIVE",
            "last_fired_time_ms": new.updated * 1000,
        }

    def _promotion_fields(self, new: _NewAccountEntity) -> dict[str, Any]:
        """A product group promotion of the ad groups of shopping (CATALOG_SALES) campaigns in turn (only they
        promote product groups), of the catalog's product groups in turn (promotions of one account may share one);
        without a catalog, an id of its own (no catalog lists it)."""
        n, eid = new.n, new.id
        groups = list(self.by_user["catalogs_product_groups"].values())
        group = groups[n % len(groups)] if groups else None
        shopping = {c["id"] for c in new.campaigns if c["objective_type"] == "CATALOG_SALES"}
        shopping_groups = [g for g in new.ad_groups if g["campaign_id"] in shopping] or new.ad_groups
        return {
            "id": eid,
            "ad_group_id": shopping_groups[n % len(shopping_groups)]["id"],
            "status": new.status,
            "catalog_product_group_id": group["id"] if group else str(int(eid) * 10 + 9),
            "catalog_product_group_name": group["name"] if group else f"Sim Product Group {eid[-4:]}",
            "collections_hero_pin_id": None,
            "parent_id": None,
        }


#: an entity's status -> its summary status (campaigns and ad groups: RUNNING; ads: APPROVED)
RUNNING_SUMMARY = {"ACTIVE": "RUNNING", "PAUSED": "PAUSED", "ARCHIVED": "ARCHIVED"}
APPROVED_SUMMARY = {"ACTIVE": "APPROVED", "PAUSED": "PAUSED", "ARCHIVED": "ARCHIVED"}


@dataclass(frozen=True)
class _NewUserEntity:
    """What a new organic entity is made of: its owner, its rank among the owner's entities of its kind, id, times,
    the label of its names, and the catalog or feed it belongs to (feeds, product groups)."""

    of: Owner
    n: int
    id: str
    created: int
    updated: int
    label: str
    catalog_id: str | None
    feed_id: str | None

    @property
    def owner_ref(self) -> dict[str, Any]:
        return {"username": self.of.user["username"]}


@dataclass(frozen=True)
class _NewAccountEntity:
    """What a new entity of an ad account is made of: the account, its rank among the account's entities of its
    kind, id, times, status, and the account's campaigns and ad groups (its possible parents)."""

    account_id: str
    n: int
    id: str
    created: int
    updated: int
    status: str
    campaigns: list[dict[str, Any]]
    ad_groups: list[dict[str, Any]]

    @property
    def owned(self) -> dict[str, Any]:
        """The first fields of most kinds: the id and the ad account."""
        return {"id": self.id, "ad_account_id": self.account_id}

    def statuses(self, summaries: dict[str, str]) -> dict[str, str]:
        return {"status": self.status, "summary_status": summaries[self.status]}


#: kind -> the fields of a new entity of that kind (over its schema's example variant)
_USER_FIELDS: dict[str, Callable[[Dataset, _NewUserEntity], dict[str, Any]]] = {
    "boards": Dataset._board_fields,
    "pins": Dataset._pin_fields,
    "catalogs": Dataset._catalog_fields,
    "catalogs_feeds": Dataset._feed_fields,
    "catalogs_product_groups": Dataset._product_group_fields,
}
_ACCOUNT_FIELDS: dict[str, Callable[[Dataset, _NewAccountEntity], dict[str, Any]]] = {
    "campaigns": Dataset._campaign_fields,
    "ad_groups": Dataset._ad_group_fields,
    "ads": Dataset._ad_fields,
    "keywords": Dataset._keyword_fields,
    "audiences": Dataset._audience_fields,
    "customer_lists": Dataset._customer_list_fields,
    "conversion_tags": Dataset._conversion_tag_fields,
    "product_group_promotions": Dataset._promotion_fields,
}


def walk_entities(dataset: Dataset) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (kind, entity) of the dataset, the business's included, for schema checks."""
    for kind in SCHEMAS:
        yield from ((kind, entity) for entity in dataset.entities(kind))
        if dataset.business is not None and (kind in USER_KINDS or kind in ("user_account", "board_sections")):
            yield from ((kind, entity) for entity in dataset.business.entities(kind))
