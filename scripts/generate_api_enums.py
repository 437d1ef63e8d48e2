"""Extract the enums the connector's spec and requests need from the official OpenAPI description.

The connector ships them as data (`source_pinterest_marketing/data/api_enums.json`) so that the
config spec offers exactly the values the API accepts, without a hand-copied list to drift.

Regenerate after updating the spec:
    python scripts/generate_api_enums.py [--spec pinterest_simulator/data/openapi.json]
Check that the committed file is current (CI): add `--check`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "source_pinterest_marketing" / "data" / "api_enums.json"
DEFAULT_SPEC = ROOT / "pinterest_simulator" / "data" / "openapi.json"
FALLBACK_SPEC = ROOT.parent / "shared" / "pinterest-api" / "openapi.json"


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _enum_of(spec: dict[str, Any], node: dict[str, Any]) -> list[Any]:
    node = _resolve(spec, node)
    if "enum" in node:
        return list(node["enum"])
    for key in ("allOf", "oneOf", "anyOf"):
        for part in node.get(key, []):
            found = _enum_of(spec, part)
            if found:
                return found
    if "items" in node:
        return _enum_of(spec, node["items"])
    return []


def _query_param(spec: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    for parameter in spec["paths"][path]["get"]["parameters"]:
        parameter = _resolve(spec, parameter)
        if parameter["name"] == name:
            return dict(parameter["schema"])
    raise KeyError(f"{path} has no query parameter {name}")


def build(spec: dict[str, Any]) -> dict[str, Any]:
    schemas = spec["components"]["schemas"]
    account = "/ad_accounts/{ad_account_id}"
    return {
        "spec_version": spec["info"]["version"],
        "async_report_columns": _enum_of(spec, schemas["ReportingColumnAsync"]),
        "async_report_levels": _enum_of(spec, schemas["MetricsReportingLevel"]),
        "async_targeting_types": _enum_of(
            spec, schemas["TargetingTypeFilter"]["properties"]["targeting_types"]
        ),
        "attribution_window_days": _enum_of(spec, schemas["ConversionAttributionWindowDays"]),
        "conversion_report_times": _enum_of(spec, schemas["ConversionReportTimeType"]),
        "conversion_attribution_types": _enum_of(
            spec, schemas["ConversionReportAttributionType"]
        ),
        "entity_statuses": _enum_of(spec, _query_param(spec, f"{account}/campaigns", "entity_statuses")),
        "granularities": _enum_of(spec, schemas["Granularity"]),
        "sync_analytics_columns": _enum_of(
            spec, _query_param(spec, f"{account}/analytics", "columns")
        ),
        "targeting_types": {
            "ad_account": _enum_of(spec, _query_param(spec, f"{account}/targeting_analytics", "targeting_types")),
            "campaign": _enum_of(spec, _query_param(spec, f"{account}/campaigns/targeting_analytics", "targeting_types")),
            "ad_group": _enum_of(spec, _query_param(spec, f"{account}/ad_groups/targeting_analytics", "targeting_types")),
            "ad": _enum_of(spec, _query_param(spec, f"{account}/ads/targeting_analytics", "targeting_types")),
        },
        "campaign_summary_statuses": _enum_of(spec, schemas["CampaignSummaryStatus"]),
        "product_group_summary_statuses": _enum_of(spec, schemas["ProductGroupSummaryStatus"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC if DEFAULT_SPEC.exists() else FALLBACK_SPEC)
    parser.add_argument("--check", action="store_true", help="fail if the committed file is out of date")
    args = parser.parse_args()
    rendered = json.dumps(build(json.loads(args.spec.read_text())), indent=2, sort_keys=True) + "\n"
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != rendered:
            print(f"{OUTPUT} is out of date: run scripts/generate_api_enums.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(rendered)
    return 0


if __name__ == "__main__":
    sys.exit(main())
