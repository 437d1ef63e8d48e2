"""``delivery_metrics/get``: a definition for every metric the analytics and reports answer.

The metrics are the spec's own lists: the sync analytics ``columns`` (``components.parameters.query_columns``) and
the async report columns (``ReportingColumnAsync``) are ``ADS``, the organic metric types (``user_account/analytics``
and ``multi_pins/analytics`` ``metric_types``) ``ORGANIC``. ``report_type=SYNC`` answers the sync columns and the
organic metrics (organic analytics are synchronous), ``ASYNC`` the report columns, neither all of them, each
``(category, name)`` once. Definitions are generated from the name and the simulator's column classification
(`metrics.column_kind`, `metrics.organic_kind`), with hand-written ones for the core metrics; ``display_name`` is
left out for micro-currency columns (Ads Manager shows currency units), as the spec allows ("If unavailable it will
not be returned"). See docs/dev/API-NOTES.md#targeting-reference.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pinterest_simulator.metrics import column_kind, organic_kind
from pinterest_simulator.spec import Spec

#: words written otherwise than capitalised in a display name
_WORDS = {
    "ID": "ID",
    "URL": "URL",
    "CPC": "CPC",
    "CPM": "CPM",
    "CPV": "CPV",
    "CPCV": "CPCV",
    "CTR": "CTR",
    "ECPC": "eCPC",
    "ECPM": "eCPM",
    "ECPV": "eCPV",
    "ECPCV": "eCPCV",
    "ECPE": "eCPE",
    "ECTR": "eCTR",
    "ROAS": "ROAS",
    "MRC": "MRC",
    "INAPP": "in-app",
    "P0": "0%",
    "P25": "25%",
    "P50": "50%",
    "P75": "75%",
    "P95": "95%",
    "P100": "100%",
    "1": "(paid)",
    "2": "(earned)",
}
#: hand-written definitions of the core metrics
_DEFINED = {
    "SPEND_IN_MICRO_DOLLAR": "Amount spent, in micro-units of the ad account's currency.",
    "SPEND_IN_DOLLAR": "Amount spent, in the ad account's currency.",
    "PAID_IMPRESSION": "Number of paid impressions: times the ads were on screen because of ad spend.",
    "TOTAL_IMPRESSION": "Number of impressions, paid and earned.",
    "IMPRESSION_1": "Number of paid impressions.",
    "CLICKTHROUGH_1": "Number of paid Pin clicks that led to the destination.",
    "TOTAL_CLICKTHROUGH": "Number of Pin clicks, paid and earned.",
    "TOTAL_CONVERSIONS": "Number of conversions attributed to the ads.",
    "CTR": "Click-through rate: paid Pin clicks divided by paid impressions.",
    "IMPRESSION": "Number of times the Pin was on screen.",
    "SAVE": "Number of times the Pin was saved.",
    "PIN_CLICK": "Number of clicks on the Pin to see it in close-up.",
    "OUTBOUND_CLICK": "Number of clicks from the Pin to its destination.",
}
CATEGORIES = ("ADS", "ORGANIC")


def display_name(name: str) -> str:
    """``AD_GROUP_ID`` -> ``Ad group ID``, ``TOTAL_CLICKTHROUGH_1``... -> ``Total clickthrough (paid)``."""
    words = [_WORDS.get(word, word.lower()) for word in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _definition(name: str, category: str) -> str:
    if name in _DEFINED:
        return _DEFINED[name]
    label = display_name(name).lower()
    if category == "ORGANIC":
        kind = organic_kind(name)
        return {"rate": f"Rate of {label}", "average": f"Average {label}", "count": f"Number of {label}"}[kind] + "."
    return {
        "text": f"The reported entity's {label}.",
        "flag": f"Whether the reported entity is flagged as {label}.",
        "attribute": f"The reported entity's setting: {label}.",
        "ratio": f"{display_name(name)}, a rate over the reported period.",
        "additive": f"{display_name(name)}, summed over the reported period.",
    }[column_kind(name)]


def _enum(spec: Spec, schema: Any) -> list[str]:
    flat = spec.flat_schema(schema)
    if "items" in flat:
        flat = spec.flat_schema(flat["items"])
    values = [v for member in flat.get("oneOf", [flat]) for v in spec.flat_schema(member).get("enum", [])]
    return list(dict.fromkeys(values))


def _query_enum(spec: Spec, operation_id: str, parameter: str) -> list[str]:
    raw = spec.operations[operation_id].raw
    param = next(p for p in map(spec.deref, raw.get("parameters", [])) if p["name"] == parameter)
    return _enum(spec, param["schema"])


@cache
def metric_names(spec: Spec) -> dict[str, tuple[str, ...]]:
    """``SYNC`` / ``ASYNC`` ads metric names and the ``ORGANIC`` metric types, from the spec's enums."""
    sync = _enum(spec, spec.doc["components"]["parameters"]["query_columns"]["schema"])
    organic = _query_enum(spec, "user_account/analytics", "metric_types")
    organic += _query_enum(spec, "multi_pins/analytics", "metric_types")
    return {
        "SYNC": tuple(sync),
        "ASYNC": tuple(_enum(spec, {"$ref": "#/components/schemas/ReportingColumnAsync"})),
        "ORGANIC": tuple(dict.fromkeys(organic)),
    }


def definitions(spec: Spec, report_type: str | None) -> list[dict[str, Any]]:
    """The ``DeliveryMetricsResponse`` items for ``report_type`` (``SYNC``, ``ASYNC`` or None: every metric)."""
    names = metric_names(spec)
    ads: list[str] = []
    if report_type in (None, "SYNC"):
        ads += names["SYNC"]
    if report_type in (None, "ASYNC"):
        ads += names["ASYNC"]
    organic = names["ORGANIC"] if report_type in (None, "SYNC") else ()
    items: list[dict[str, Any]] = []
    for category, metrics in (("ADS", dict.fromkeys(ads)), ("ORGANIC", organic)):
        for name in metrics:
            item: dict[str, Any] = {"name": name, "definition": _definition(name, category), "category": category}
            if "_IN_MICRO_" not in name:
                item["display_name"] = display_name(name)
            items.append(item)
    return items
