"""Audience insights of an ad account, the audience definitions it can query, and whom its audiences are shared with
(docs/dev/API-NOTES.md#audience-insights).

Deterministic per seed, account and insight type; the generation date is `INSIGHTS_LAG_DAYS` before the simulator's
today. Interests are the reference interest tree (`reference_data.INTERESTS`: categories its level-1 interests,
subcategories their children), demographics use the targeting values (ages, genders, app types as devices, US DMA
codes as metros; countries keyed by lower-case ISO code, as the spec's example ``us``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pinterest_simulator.dataset import EPOCH_END, Dataset
from pinterest_simulator.reference_data import (
    APP_TYPES,
    COUNTRIES,
    GENDERS,
    INTERESTS,
    LEVEL_1_INTERESTS,
    METRO_AREAS,
    REPORTING_AGE_BUCKETS,
    US_METRO_CODES,
    stable_hash,
)

#: how many days before today the insights were generated (their ``date``)
INSIGHTS_LAG_DAYS = 2
#: interest categories an insight lists
CATEGORIES_PER_INSIGHT = 8
#: (scope, type) of the audiences an ad account can query (``audience_insights_scope_and_type/get``)
AUDIENCE_DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("PARTNER", "ENGAGEMENT"),
    ("PARTNER", "IMPRESSION_PLUS_ENGAGEMENT"),
    ("PINTEREST", "ENGAGEMENT"),
    ("PINTEREST", "IMPRESSION_PLUS_ENGAGEMENT"),
)


def insights_date(today: dt.date) -> str:
    """The insights' generation date."""
    return (today - dt.timedelta(days=INSIGHTS_LAG_DAYS)).isoformat()


def _shares(key: str, values: Sequence[tuple[str, str]], *parts: object) -> list[dict[str, Any]]:
    """``AudienceDemographicValue`` items whose ratios add up to about 1, largest first."""
    weights = [1 + stable_hash(key, value, *parts) % 50 for value, _ in values]
    total = sum(weights)
    items = [
        {"key": value, "name": name, "ratio": round(weight / total, 3)}
        for (value, name), weight in zip(values, weights, strict=True)
    ]
    return sorted(items, key=lambda item: (-item["ratio"], item["key"]))


def _category(seed: int, parts: tuple[object, ...], interest_id: str, pinterest_wide: bool) -> dict[str, Any]:
    interest = INTERESTS[interest_id]
    ratio = round(0.05 + stable_hash(seed, interest_id, *parts) % 600 / 1000, 3)
    index = 1.0 if pinterest_wide else round(0.4 + stable_hash(seed, "index", interest_id, *parts) % 260 / 100, 2)
    category: dict[str, Any] = {"id": interest.id, "key": interest.id, "name": interest.name, "ratio": ratio}
    category["index"] = index
    if interest.children:
        category["subcategories"] = [_category(seed, parts, child, pinterest_wide) for child in interest.children]
    return category


def audience_insights(dataset: Dataset, account_id: str, insight_type: str) -> dict[str, Any]:
    """``AudienceInsightsResponse`` of one insight type: Pinterest's total audience is the same for every account
    (every affinity index 1.0), the account's engaged audience a part of its total audience."""
    pinterest_wide = insight_type == "PINTEREST_TOTAL_AUDIENCE"
    parts: tuple[object, ...] = (insight_type,) if pinterest_wide else (account_id, insight_type)
    seed = dataset.seed
    if pinterest_wide:
        size = 450_000_000 + stable_hash(seed, "size") % 50_000_000
    else:
        total = 50_000 + stable_hash(seed, "size", account_id) % 5_000_000
        size = total if insight_type == "YOUR_TOTAL_AUDIENCE" else total // (3 + stable_hash(seed, account_id) % 5)
    ranked = sorted(LEVEL_1_INTERESTS, key=lambda i: stable_hash(seed, "rank", i.id, *parts))
    return {
        "type": insight_type,
        "date": insights_date(dataset.today()),
        "size": size,
        "size_is_upper_bound": not pinterest_wide and size < 100_000,
        "categories": [_category(seed, parts, i.id, pinterest_wide) for i in ranked[:CATEGORIES_PER_INSIGHT]],
        "demographics": {
            "ages": _shares("ages", [(age, age) for age in REPORTING_AGE_BUCKETS], seed, *parts),
            "genders": _shares("genders", list(GENDERS.items()), seed, *parts),
            "devices": _shares("devices", list(APP_TYPES.items()), seed, *parts),
            "countries": _shares("countries", [(c.code.lower(), c.name) for c in COUNTRIES[:8]], seed, *parts),
            "metros": _shares("metros", [(code, METRO_AREAS[code]) for code in US_METRO_CODES[:8]], seed, *parts),
        },
    }


def audience_definitions(dataset: Dataset) -> list[dict[str, Any]]:
    """``AudienceDefinition`` items: the scopes and types of audience an account can query, with their date."""
    date = insights_date(dataset.today())
    return [{"date": date, "scope": scope, "type": kind} for scope, kind in AUDIENCE_DEFINITIONS]


def _sharers(dataset: Dataset, account_id: str) -> list[tuple[str, str, str]]:
    """(account_type, id, name) of whom the account shares audiences with: the other ad accounts the token user can
    read, and the other business (the business for the token user's accounts, the token user's for the business's)."""
    accounts = [("AD_ACCOUNT", a["id"], a["name"]) for a in dataset.entities("ad_accounts") if a["id"] != account_id]
    if dataset.business is None:
        return accounts
    owner = dataset.business if dataset.operation_user(account_id) is dataset.owner else dataset.owner
    return [
        *accounts,
        ("BUSINESS_ACCOUNT", owner.user["id"], owner.user.get("business_name") or owner.user["username"]),
    ]


def audience_shares(dataset: Dataset, account_id: str, audience: dict[str, Any]) -> list[dict[str, Any]]:
    """``SharedAudienceAccount`` items of one of the account's audiences, in account id order: every other audience
    (the 1st, 3rd, ...) is shared, the 1st, 5th... with every sharer, the 3rd, 7th... with the ad accounts only; the
    others with nobody."""
    audiences = [a["id"] for a in dataset.entities("audiences", account_id)]
    n = audiences.index(audience["id"])
    if n % 2:
        return []
    sharers = [s for s in _sharers(dataset, account_id) if n % 4 == 0 or s[0] == "AD_ACCOUNT"]
    created = int(audience.get("created_timestamp") or 0)
    return [
        {
            "account_id": sharer_id,
            "account_name": name,
            "account_type": kind,
            "shared_on_timestamp": min(
                created + stable_hash(dataset.seed, audience["id"], sharer_id) % 8**8, EPOCH_END
            ),
        }
        for kind, sharer_id, name in sorted(sharers, key=lambda sharer: int(sharer[1]))
    ]
