"""The ad accounts' smaller entities: campaign labels, promotions, advertiser-defined events, the event quality
scores of their conversion signals, and their conversion tags' page-visit and oCPM-eligible events
(docs/dev/API-NOTES.md#smaller-ad-account-entities).

Deterministic per seed and account, and consistent with the dataset: labels sit on the account's campaigns, the
conversion events on its ACTIVE conversion tags. Promotions run around the simulator's today (one running, one
scheduled, one expired), so ``discount_status`` holds on any date.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from pinterest_simulator.dataset import EPOCH_END, EPOCH_START, Dataset
from pinterest_simulator.reference_data import stable_hash

#: custom label names, given in turn (the BRAND label of every campaign is the account's brand)
CUSTOM_LABELS: tuple[str, ...] = ("Evergreen", "Seasonal push", "Prospecting", "Retargeting")
#: (promotion type, title, days from today to its start, days it runs, status, platform): one running, one
#: scheduled, one expired
PROMOTION_DESIGNS: tuple[tuple[str, str, int, int, str, str], ...] = (
    ("SITEWIDE", "Sitewide sale", -20, 45, "ACTIVE", "DEFAULT"),
    ("FREE_SHIPPING_MINIMUM", "Free shipping over 50", 10, 30, "ACTIVE", "SHOPIFY"),
    ("BUY_X_GET_Y", "Buy one get one", -90, 30, "ACTIVE", "DEFAULT"),
    ("PERCENT_OFF_CLEARANCE", "Clearance", -5, 60, "PAUSED", "SHOPIFY"),
)
#: (raw event name, the standard conversion type it is mapped to, or None)
ADVERTISER_EVENTS: tuple[tuple[str, str | None], ...] = (
    ("add_to_wishlist_click", "ADD_TO_WISHLIST"),
    ("newsletter_signup", "SIGNUP"),
    ("store_locator_open", "FIND_LOCATION"),
    ("style_quiz_completed", None),
)
#: (source platform, ingestion source) of the conversion signals an account sends
SIGNAL_SOURCES: tuple[tuple[str, str], ...] = (
    ("WEB", "TAG"),
    ("WEB", "CONVERSIONS_API"),
    ("MOBILE_IOS", "MMP"),
    ("OFFLINE", "FILE_UPLOAD"),
)
#: the event types each quality component reports on (Conversions API event names)
QUALITY_EVENTS: tuple[str, ...] = ("checkout", "add_to_cart", "page_visit", "signup")
#: the events an ACTIVE conversion tag may optimise oCPM bids for, given in turn
OCPM_EVENTS: tuple[str, ...] = ("CHECKOUT", "ADD_TO_CART", "SIGNUP", "LEAD")


def labels(dataset: Dataset, account_id: str) -> list[dict[str, Any]]:
    """``Label`` items of the account's campaigns, in id order: a BRAND label on every campaign, a CUSTOM one on
    every other campaign (every second of those ARCHIVED)."""
    rng = random.Random(f"labels:{dataset.seed}:{account_id}")
    next_id = 3 * 10**12 + rng.randint(0, 10**11)
    items: list[dict[str, Any]] = []
    for n, campaign in enumerate(dataset.entities("campaigns", account_id)):
        kinds = [("BRAND", f"{dataset.ad_accounts[account_id]['name']} brand", "ACTIVE")]
        if n % 2 == 0:
            status = "ARCHIVED" if n % 4 == 2 else "ACTIVE"
            kinds.append(("CUSTOM", CUSTOM_LABELS[n // 2 % len(CUSTOM_LABELS)], status))
        for label_type, value, status in kinds:
            next_id += rng.randint(1, 997)
            items.append(
                {
                    "id": str(next_id),
                    "value": value,
                    "label_type": label_type,
                    "parent_id": campaign["id"],
                    "parent_type": "CAMPAIGN",
                    "status": status,
                }
            )
    return items


def _discount_status(status: str, start: int, end: int, now: int) -> str:
    if status != "ACTIVE":
        return "PAUSED"
    if now < start:
        return "SCHEDULED"
    return "ACTIVE" if now < end else "EXPIRED"


def promotions(dataset: Dataset, account_id: str) -> list[dict[str, Any]]:
    """``PromotionResponse`` items of the account, in id order, their times around the simulator's today."""
    rng = random.Random(f"promotions:{dataset.seed}:{account_id}")
    next_id = 4 * 10**12 + rng.randint(0, 10**11)
    now = int(dataset.clock.now().timestamp())
    today = int(dt.datetime.combine(dataset.today(), dt.time(), dt.UTC).timestamp())
    items: list[dict[str, Any]] = []
    for n, (kind, title, start_in, days, status, platform) in enumerate(PROMOTION_DESIGNS):
        next_id += rng.randint(1, 997)
        start, end = today + start_in * 86400, today + (start_in + days) * 86400
        promotion: dict[str, Any] = {
            "id": str(next_id),
            "ad_account_id": account_id,
            "status": status,
            "promotion_type": kind,
            "promotion_title": title,
            "promotion_code": f"SIM{n + 1}{stable_hash(dataset.seed, account_id, n) % 1000:03d}",
            "promotion_custom_id": f"promo-{n + 1}",
            "platform_type": platform,
            "start_time": start,
            "end_time": end,
            "discount_status": _discount_status(status, start, end, now),
            "template_values": _template_values(kind),
        }
        if platform != "DEFAULT":  # "null for promotions first created within Pinterest": left out (not nullable)
            promotion["external_id"] = f"gid://shopify/DiscountCode/{stable_hash(account_id, n) % 10**10}"
        items.append(promotion)
    return items


def _template_values(kind: str) -> list[dict[str, Any]]:
    if kind == "SITEWIDE":
        return [{"percent": 20}]
    if kind == "FREE_SHIPPING_MINIMUM":
        return [{"amount": 50, "currency_code": "USD"}]
    if kind == "BUY_X_GET_Y":
        return [{"amount": 1, "currency_code": "USD"}, {"custom_text": "second item free"}]
    return [{"percent": 40}]


def advertiser_defined_events(dataset: Dataset, account_id: str) -> list[dict[str, Any]]:
    """``AdvertiserDefinedEvent`` items: the account's raw event names (two to four of `ADVERTISER_EVENTS`) and the
    standard types they map to (null: not mapped)."""
    count = 2 + stable_hash(dataset.seed, "events", account_id) % (len(ADVERTISER_EVENTS) - 1)
    return [{"name": name, "mapped_conversion_type": mapped} for name, mapped in ADVERTISER_EVENTS[:count]]


def _quality_details(dataset: Dataset, parts: tuple[object, ...], component: str, event: str) -> dict[str, Any]:
    coverage = stable_hash(dataset.seed, "coverage", component, event, *parts) % 101
    details: dict[str, Any] = {"coverage": coverage, "issues": []}
    if coverage < 40:
        details["issues"] = [
            {
                "id": f"low_{component}_coverage",
                "name": f"Low {component.replace('_', ' ')} coverage",
                "reason": f"Only {coverage}% of {event} events carry {component.replace('_', ' ')}.",
            }
        ]
    if component == "external_event_id":
        details["overlap"] = stable_hash(dataset.seed, "overlap", event, *parts) % 101
    return details


def event_quality_scores(dataset: Dataset, account_id: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """``EventQualityScore`` items of the account's signal sources (``source_platform`` / ``ingestion_source`` keep
    theirs) over the ``lookback_period``: per quality component, per event type, a coverage (0-100) and the
    issues below 40; the overall status from the mean coverage. An account without ACTIVE conversion tag has none."""
    if not any(tag.get("status") == "ACTIVE" for tag in dataset.entities("conversion_tags", account_id)):
        return []
    components = list(dataset.spec.schema("QualityComponents")["properties"])
    scores: list[dict[str, Any]] = []
    for platform, ingestion in SIGNAL_SOURCES:
        if (
            params.get("source_platform", platform) != platform
            or params.get("ingestion_source", ingestion) != ingestion
        ):
            continue
        parts = (account_id, platform, ingestion, params["lookback_period"])
        quality = {c: {e: _quality_details(dataset, parts, c, e) for e in QUALITY_EVENTS} for c in components}
        mean = sum(d["coverage"] for c in quality.values() for d in c.values()) / (
            len(components) * len(QUALITY_EVENTS)
        )
        scores.append(
            {
                "overall_status": "GOOD" if mean >= 70 else "FAIR" if mean >= 40 else "NEEDS_IMPROVEMENT",
                "quality_components": quality,
                "ingestion_source": ingestion,
                "source_platform": platform,
                "lookback_period": params["lookback_period"],
            }
        )
    return scores


def _active_tags(dataset: Dataset, account_id: str) -> list[dict[str, Any]]:
    return [tag for tag in dataset.entities("conversion_tags", account_id) if tag.get("status") == "ACTIVE"]


def _created(dataset: Dataset, tag_id: str) -> int:
    return EPOCH_START + stable_hash(dataset.seed, "tag-created", tag_id) % (EPOCH_END - EPOCH_START)


def page_visit_events(dataset: Dataset, account_id: str) -> list[dict[str, Any]]:
    """``ConversionEventResponse`` items: the PAGE_VISIT event of each ACTIVE conversion tag, in tag id order."""
    return [
        {
            "ad_account_id": account_id,
            "conversion_event": "PAGE_VISIT",
            "conversion_tag_id": tag["id"],
            "created_time": _created(dataset, tag["id"]),
        }
        for tag in _active_tags(dataset, account_id)
    ]


def ocpm_eligible_events(dataset: Dataset, account_id: str) -> dict[str, list[dict[str, Any]]]:
    """``ConversionTagsOcpmEligibleResponse``: the oCPM-eligible events of the ACTIVE conversion tags, two per tag
    (`OCPM_EVENTS` in turn), under the ad account's id (the key is not described: see the API notes); ``{}``
    without ACTIVE tag."""
    events = [
        {
            "ad_account_id": account_id,
            "conversion_event": OCPM_EVENTS[(n + k) % len(OCPM_EVENTS)],
            "conversion_tag_id": tag["id"],
            "created_time": _created(dataset, tag["id"]),
        }
        for n, tag in enumerate(_active_tags(dataset, account_id))
        for k in range(2)
    ]
    return {account_id: events} if events else {}
