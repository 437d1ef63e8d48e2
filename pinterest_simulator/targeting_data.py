"""Targeting reference: the value an entity's targeting rows carry per targeting type (``metrics.targeting_value``),
what ``targeting_options/get`` answers per type (every value it answers decodes those rows), and the ad accounts'
targeting templates (``targeting_template/list``), whose targeting attributes use the same values.

Values and names come from `reference_data` (fixed tables), and, for the account's own targeting types, from the
dataset: ``KEYWORD`` values are the account's (positive) keywords, ``AUDIENCE_INCLUDE`` / ``AUDIENCE_EXCLUDE`` /
``AUDIENCE_MULTIPLIER`` values its audience ids. See docs/dev/API-NOTES.md#targeting-reference.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from pinterest_simulator.dataset import EPOCH_END, EPOCH_START, Dataset, SchemaFaker
from pinterest_simulator.reference_data import (
    AGE_BUCKETS,
    APP_TYPES,
    COUNTRIES,
    CREATIVE_ENHANCEMENTS,
    CREATIVE_TYPES,
    GENDERS,
    INTERESTS,
    LEVEL_1_INTERESTS,
    LEVEL_2_INTERESTS,
    LOCALES,
    MEDIA_TYPES,
    METRO_AREAS,
    PLACEMENTS,
    POSTAL_CODES,
    REGIONS,
    REPORTING_AGE_BUCKETS,
    US_METRO_CODES,
    stable_hash,
)

#: targeting types whose options are the ad account's own (``targeting_options/get`` needs ``ad_account_id``)
ACCOUNT_OPTION_TYPES = frozenset({"KEYWORD", "AUDIENCE_INCLUDE", "AUDIENCE_EXCLUDE"})
#: reporting targeting type (targeting analytics and reports) -> the ``targeting_options/get`` type whose answer
#: decodes its values: by key, except the interests (by name: their rows carry names, as the spec's example)
DECODED_BY: dict[str, str] = {
    "APPTYPE": "APPTYPE",
    "GENDER": "GENDER",
    "AGE_BUCKET": "AGE_BUCKET",
    "LOCATION": "LOCATION",
    "COUNTRY": "LOCATION",
    "GEO": "GEO",
    "REGION": "GEO",
    "TARGETED_INTEREST": "INTEREST",
    "PINNER_INTEREST": "INTEREST",
    "KEYWORD": "KEYWORD",
    "AUDIENCE_INCLUDE": "AUDIENCE_INCLUDE",
}
#: reporting targeting types decoded by name rather than key
DECODED_BY_NAME = frozenset({"TARGETED_INTEREST", "PINNER_INTEREST"})
#: targeting templates of each ad account (``targeting_template/list``); the last one is DELETED
TARGETING_TEMPLATES_PER_ACCOUNT = 3
#: (name, interest names, app types, genders, age buckets) of the generated targeting templates, in turn
TARGETING_TEMPLATE_DESIGNS: tuple[
    tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...
] = (
    (
        "Home decor shoppers",
        ("Home Decor", "Living Room Ideas"),
        ("iphone", "ipad", "web"),
        ("female",),
        ("25-34", "35-44"),
    ),
    ("Weekend bakers", ("Food and Drinks", "Chocolate Cookies"), ("android_mobile", "iphone"), (), ("18-24", "25-34")),
    ("Gardening enthusiasts", ("Gardening", "Indoor Plants"), (), ("female", "male"), ("45-49", "50-54", "55-64")),
)


def _account_keywords(dataset: Dataset, account_id: str) -> list[str]:
    """The account's positive keywords' texts (negative ones never match a search), in id order, each once."""
    keywords = dataset.entities("keywords", account_id)
    return list(dict.fromkeys(k["value"] for k in keywords if not str(k.get("match_type", "")).endswith("NEGATIVE")))


def _account_audiences(dataset: Dataset, account_id: str) -> list[dict[str, Any]]:
    return dataset.entities("audiences", account_id)


def _row_values(dataset: Dataset, account_id: str, targeting_type: str) -> Sequence[str]:
    """The values targeting rows of `targeting_type` may carry for the account's entities."""
    fixed: dict[str, Sequence[str]] = {
        "APPTYPE": tuple(APP_TYPES),
        "GENDER": tuple(GENDERS),
        "AGE_BUCKET": REPORTING_AGE_BUCKETS,
        "LOCATION": US_METRO_CODES,
        "COUNTRY": tuple(country.code for country in COUNTRIES[:6]),
        "GEO": tuple(POSTAL_CODES),
        "REGION": tuple(code for code in REGIONS if code.startswith("US-")),
        "PLACEMENT": PLACEMENTS,
        "TARGETED_INTEREST": tuple(interest.name for interest in LEVEL_1_INTERESTS),
        "PINNER_INTEREST": tuple(interest.name for interest in LEVEL_2_INTERESTS),
        "AGE_BUCKET_AND_GENDER": tuple(f"{g}_{a}" for g in ("female", "male") for a in REPORTING_AGE_BUCKETS),
        "CREATIVE_TYPE": CREATIVE_TYPES,
        "MEDIA_TYPE": MEDIA_TYPES,
        "CREATIVE_ENHANCEMENTS": CREATIVE_ENHANCEMENTS,
        "QUIZ_RESULT": ("Quiz result A", "Quiz result B", "Quiz result C"),
        "LOCAL_ADS_STORE_CODE": ("store-001", "store-002", "store-003"),
    }
    if targeting_type in fixed:
        return fixed[targeting_type]
    if targeting_type == "KEYWORD":
        values: Sequence[str] = _account_keywords(dataset, account_id)
    elif targeting_type in ("AUDIENCE_INCLUDE", "AUDIENCE_MULTIPLIER"):
        values = [audience["id"] for audience in _account_audiences(dataset, account_id)]
    else:
        values = ()
    return values or (f"{targeting_type.lower()}_a",)


def row_value(dataset: Dataset, account_id: str, entity_id: str, targeting_type: str) -> str:
    """The one value of `targeting_type` an entity of the account delivers to (its targeting rows' value), e.g.
    ``iphone``, ``807``, ``Food and Drinks``, or one of the account's keywords."""
    values = _row_values(dataset, account_id, targeting_type)
    return values[stable_hash(dataset.seed, entity_id, targeting_type) % len(values)]


def targeting_options(dataset: Dataset, targeting_type: str, account_id: str | None) -> dict[str, str]:
    """``targeting_options/get``'s values of a type, value -> name. The account's own types (`ACCOUNT_OPTION_TYPES`)
    answer nothing without an account: its keywords (each its own name) or its audiences (id -> name)."""
    fixed: dict[str, dict[str, str]] = {
        "APPTYPE": APP_TYPES,
        "GENDER": GENDERS,
        "LOCALE": LOCALES,
        "AGE_BUCKET": AGE_BUCKETS,
        "LOCATION": {**{country.code: country.name for country in COUNTRIES}, **METRO_AREAS},
        "GEO": {**REGIONS, **POSTAL_CODES},
        "INTEREST": {interest.id: interest.name for interest in INTERESTS.values()},
    }
    if targeting_type in fixed:
        return dict(fixed[targeting_type])
    if account_id is None:
        return {}
    if targeting_type == "KEYWORD":
        return {keyword: keyword for keyword in _account_keywords(dataset, account_id)}
    return {audience["id"]: audience["name"] for audience in _account_audiences(dataset, account_id)}


def interest_by_name(name: str) -> str:
    """An interest's id by its name (the tree's names are distinct)."""
    return next(interest.id for interest in INTERESTS.values() if interest.name == name)


def targeting_templates(dataset: Dataset, account_id: str) -> list[dict[str, Any]]:
    """The account's ``TargetingTemplateGetResponseData`` (without ``sizing``), in id order: every property filled
    from the spec, the targeting attributes from the reference values (interest ids, app types, locations, regions,
    the account's keywords and audiences); the last one DELETED."""
    rng = random.Random(f"targeting-templates:{dataset.seed}:{account_id}")
    faker = SchemaFaker(dataset.spec)
    schema = {"$ref": "#/components/schemas/TargetingTemplateGetResponseData"}
    keywords = _account_keywords(dataset, account_id)
    audiences = [audience["id"] for audience in _account_audiences(dataset, account_id)]
    next_id = 10**11 + rng.randint(0, 10**10)
    templates: list[dict[str, Any]] = []
    for n in range(TARGETING_TEMPLATES_PER_ACCOUNT):
        name, interests, apps, genders, ages = TARGETING_TEMPLATE_DESIGNS[n % len(TARGETING_TEMPLATE_DESIGNS)]
        template: dict[str, Any] = faker.value(schema, random.Random(f"{dataset.seed}:targeting-template:{n}"))
        next_id += rng.randint(1, 997)
        created = rng.randint(EPOCH_START, EPOCH_END)
        template.update(
            id=str(next_id),
            ad_account_id=account_id,
            name=f"{name} {n + 1}",
            status="DELETED" if n == TARGETING_TEMPLATES_PER_ACCOUNT - 1 else "ACTIVE",
            valid=n != TARGETING_TEMPLATES_PER_ACCOUNT - 1,
            created_time=created,
            updated_time=min(created + rng.randint(0, 90 * 86400), EPOCH_END),
            keywords=[{"value": k, "match_type": "BROAD"} for k in keywords[n : n + 2]],
            placement_group="ALL",
            auto_targeting_enabled=n % 2 == 0,
            sizing=None,
            targeting_attributes={
                "AGE_BUCKET": list(ages) or None,
                "APPTYPE": list(apps) or None,
                "GENDER": list(genders) or None,
                "INTEREST": [interest_by_name(i) for i in interests],
                "LOCALE": ["en"],
                "LOCATION": ["US", US_METRO_CODES[n % len(US_METRO_CODES)]],
                "GEO": [list(REGIONS)[n % len(REGIONS)]],
                "AUDIENCE_INCLUDE": audiences[n : n + 1] or None,
                "AUDIENCE_EXCLUDE": None,
                "SHOPPING_RETARGETING": None,
                "TARGETING_STRATEGY": ["CHOOSE_YOUR_OWN"],
            },
        )
        templates.append(template)
    return templates


def template_sizing(template: dict[str, Any]) -> dict[str, Any]:
    """A template's ``TargetingTemplateAudienceSizing`` (``include_sizing=true``): an estimate and its bounds."""
    estimate = 1_000_000 + stable_hash("sizing", template["id"]) % 90_000_000
    return {
        "reach_estimate": {
            "estimate": estimate,
            "lower_bound": estimate * 3 // 4,
            "upper_bound": estimate * 5 // 4,
        }
    }
