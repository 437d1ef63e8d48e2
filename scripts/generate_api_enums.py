"""Extract the enums and limits the connector needs from the official OpenAPI description.

The connector ships them as data (`source_pinterest_marketing/data/api_enums.json`) so that the config spec
offers exactly the values the API accepts and requests stay within the API's limits, without a hand-copied
list to drift:

- global enums of component schemas (report columns and levels, attribution settings, statuses...);
- the enums of query parameters a registered stream sends with every value (`EveryApiValue`: the entity
  statuses of campaigns, ad groups and ads);
- `operations`: for every registered stream, the query (or path) parameters its fetcher declares (`api_parameters`) of
  its operation: `enum` (every value, over all `oneOf` variants), `variants` (the values per variant, where
  the spec has several), `max_items` (values one request may carry) and `maximum` (a number's);
- `operation_scopes`: for every read operation of the API, and every operation a registered stream declares (a write
  scope included: a leads export's creation), the OAuth scopes a token needs, as alternatives (a list of
  requirement objects: any one will do) of scopes all required (one object's); the semantics are in
  `source_pinterest_marketing/api_description.py`;
- `operation_rate_limits`: for each of those operations, its method, path and rate-limit category
  (`x-ratelimit-category`; null where the description names none): the client-side budget's categories
  (source_pinterest_marketing/rate_limits.py).

Regenerate after updating the spec, or after registering a stream:
    python scripts/generate_api_enums.py [--spec pinterest_simulator/data/openapi.json]
Check that the committed file is current (CI): add `--check`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from source_pinterest_marketing.streams import DECLARATIONS  # noqa: E402
from source_pinterest_marketing.streams.declaration import EveryApiValue, StreamDeclaration  # noqa: E402

OUTPUT = ROOT / "source_pinterest_marketing" / "data" / "api_enums.json"
DEFAULT_SPEC = ROOT / "pinterest_simulator" / "data" / "openapi.json"


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


def _operation(spec: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return operation
    raise KeyError(f"the spec has no operation {operation_id}")


def _query_param(spec: dict[str, Any], operation_id: str, name: str) -> dict[str, Any]:
    for parameter in _operation(spec, operation_id).get("parameters", []):
        parameter = _resolve(spec, parameter)
        if parameter["name"] == name and parameter.get("in") in ("query", "path"):
            return _resolve(spec, dict(parameter["schema"]))
    raise KeyError(f"{operation_id} has no query or path parameter {name}")


def parameter_facts(spec: dict[str, Any], operation_id: str, name: str) -> dict[str, Any]:
    """`enum`, `variants` and `max_items` of one query parameter, where the spec gives them."""
    schema = _query_param(spec, operation_id, name)
    facts: dict[str, Any] = {}
    items = _resolve(spec, schema.get("items", {})) if schema.get("type") == "array" else schema
    variants = [_enum_of(spec, variant) for variant in items.get("oneOf", [])]
    values = list(dict.fromkeys(value for variant in variants for value in variant)) if variants else _enum_of(spec, items)
    if values:
        facts["enum"] = values
    if len(variants) > 1:
        facts["variants"] = variants
    if "maxItems" in schema:
        facts["max_items"] = schema["maxItems"]
    if "maximum" in schema:
        facts["maximum"] = schema["maximum"]
    return facts


def operations(spec: dict[str, Any], declarations: Iterable[StreamDeclaration]) -> dict[str, Any]:
    """The declared query parameters of every registered stream's operation."""
    found: dict[str, dict[str, Any]] = {}
    for declaration in declarations:
        for name in declaration.fetcher.api_parameters:
            found.setdefault(declaration.operation, {})[name] = parameter_facts(spec, declaration.operation, name)
    return {operation: dict(sorted(parameters.items())) for operation, parameters in sorted(found.items())}


#: the security schemes of OAuth 2 bearer tokens: the tokens the connector holds
OAUTH_SCHEMES = frozenset({"pinterest_oauth2", "client_credentials"})


def requirement_alternatives(security: list[dict[str, list[str]]]) -> list[list[str]]:
    """An operation's `security` (a list of requirement objects: alternatives, any one authorises a request; each
    maps the schemes it names to their scopes, all required) as the alternatives a bearer token can meet: the
    objects whose every scheme is an OAuth one (`{}`: no credential asked, no scope), each the sorted scopes it
    requires, each once."""
    alternatives: list[list[str]] = []
    for requirement in security:
        if not set(requirement) <= OAUTH_SCHEMES:
            continue  # another credential is asked too (basic client auth, a conversion token)
        scopes = sorted({scope for scheme_scopes in requirement.values() for scope in scheme_scopes})
        if scopes not in alternatives:
            alternatives.append(scopes)
    return sorted(alternatives)


def operation_scopes(spec: dict[str, Any], declared: Iterable[str] = ()) -> dict[str, list[list[str]]]:
    """operationId -> its scope alternatives (`requirement_alternatives`), for every operation a token can call whose
    every alternative asks read scopes only (`*:read`): the operations a read-only connector may send; and for each
    operation a registered stream declares (`declared`) whatever its scopes: a stream may need a write scope to read
    (creating a leads export needs `ads:write`)."""
    declared = frozenset(declared)
    found: dict[str, list[list[str]]] = {}
    for item in spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            alternatives = requirement_alternatives(operation.get("security", spec.get("security", [])))
            reads_only = all(scope.endswith(":read") for scopes in alternatives for scope in scopes)
            if alternatives and (reads_only or operation["operationId"] in declared):
                found[operation["operationId"]] = alternatives
    return dict(sorted(found.items()))


def operation_rate_limits(spec: dict[str, Any], declared: Iterable[str]) -> dict[str, dict[str, Any]]:
    """operationId -> its method, path and `x-ratelimit-category`, for every operation `operation_scopes` keeps."""
    read = operation_scopes(spec, declared)
    found: dict[str, dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") in read:
                category = operation.get("x-ratelimit-category")
                found[operation["operationId"]] = {"category": category, "method": method.upper(), "path": path}
    return dict(sorted(found.items()))


def every_value_enums(spec: dict[str, Any], declarations: Iterable[StreamDeclaration]) -> dict[str, list[Any]]:
    """The enums of query parameters registered streams send with every value (`EveryApiValue`), by enum key."""
    found: dict[str, list[Any]] = {}
    for declaration in declarations:
        for name, param in declaration.params.items():
            if isinstance(param, EveryApiValue):
                values = _enum_of(spec, _query_param(spec, declaration.operation, name))
                if found.setdefault(param.enum, values) != values:
                    raise ValueError(f"{declaration.operation} {name}: other values than the other streams' {param.enum}")
    return found


def conversion_product_enums(spec: dict[str, Any]) -> dict[str, list[Any]]:
    """The settings of the brand/category/SKU report (`ConversionProductReportRequest`) and its columns."""
    schemas = spec["components"]["schemas"]
    request = schemas["ConversionProductReportRequest"]["properties"]
    return {
        "conversion_product_columns": _enum_of(spec, schemas["ConversionProductReportingColumn"]),
        "conversion_product_levels": _enum_of(spec, request["level"]),
        "conversion_product_granularities": _enum_of(spec, request["granularity"]),
        "conversion_product_breakdowns": _enum_of(spec, request["conversion_product_breakdown"]),
        "conversion_product_attribution_types": _enum_of(spec, request["conversion_product_attribution_type"]),
        "objective_types": _enum_of(spec, schemas["ObjectiveType"]),
    }


def mmm_enums(spec: dict[str, Any]) -> dict[str, list[Any]]:
    """The settings of the Marketing Mix Modeling report (`CreateMMMReportRequest`) and its columns."""
    schemas = spec["components"]["schemas"]
    request = schemas["CreateMMMReportRequest"]["properties"]
    return {
        "mmm_columns": _enum_of(spec, schemas["MMMReportingColumn"]),
        "mmm_levels": _enum_of(spec, request["level"]),
        "mmm_granularities": _enum_of(spec, request["granularity"]),
        "mmm_targeting_types": _enum_of(spec, schemas["MMMReportingTargetingType"]),
        "mmm_countries": _enum_of(spec, schemas["TargetingAdvertiserCountry"]),
    }


def build(spec: dict[str, Any], declarations: Iterable[StreamDeclaration] = DECLARATIONS) -> dict[str, Any]:
    schemas = spec["components"]["schemas"]
    declarations = tuple(declarations)
    return {
        **every_value_enums(spec, declarations),
        "spec_version": spec["info"]["version"],
        "async_report_columns": _enum_of(spec, schemas["ReportingColumnAsync"]),
        "async_report_levels": _enum_of(spec, schemas["MetricsReportingLevel"]),
        "async_targeting_types": _enum_of(spec, schemas["TargetingTypeFilter"]["properties"]["targeting_types"]),
        "attribution_window_days": _enum_of(spec, schemas["ConversionAttributionWindowDays"]),
        "conversion_report_times": _enum_of(spec, schemas["ConversionReportTimeType"]),
        "conversion_attribution_types": _enum_of(spec, schemas["ConversionReportAttributionType"]),
        "granularities": _enum_of(spec, schemas["Granularity"]),
        "campaign_summary_statuses": _enum_of(spec, schemas["CampaignSummaryStatus"]),
        "product_group_summary_statuses": _enum_of(spec, schemas["ProductGroupSummaryStatus"]),
        "ad_group_summary_statuses": _enum_of(spec, schemas["AdGroupSummaryStatus"]),
        "ad_summary_statuses": _enum_of(spec, schemas["PinPromotionSummaryStatus"]),
        "metrics_filter_columns": _enum_of(spec, schemas["AdsAnalyticsFilterColumn"]),
        "metrics_filter_operators": _enum_of(spec, schemas["AdsAnalyticsFilterOperator"]),
        "reporting_timezones": _enum_of(spec, schemas["ReportingTimeZone"]),
        "ad_countries": _enum_of(spec, schemas["AdCountry"]),
        "trends_regions": _enum_of(spec, schemas["TrendsSupportedRegion"]),
        "trend_types": _enum_of(spec, schemas["TrendType"]),
        "product_category_regions": _enum_of(spec, schemas["ProductCategoryRegion"]),
        **conversion_product_enums(spec),
        **mmm_enums(spec),
        "operations": operations(spec, declarations),
        "operation_scopes": operation_scopes(spec, (declaration.operation for declaration in declarations)),
        "operation_rate_limits": operation_rate_limits(spec, (declaration.operation for declaration in declarations)),
    }


def render(spec: dict[str, Any], declarations: Iterable[StreamDeclaration] = DECLARATIONS) -> str:
    return json.dumps(build(spec, declarations), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    parser.add_argument("--check", action="store_true", help="fail if the committed file is out of date")
    args = parser.parse_args(argv)
    rendered = render(json.loads(args.spec.read_text()))
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text() != rendered:
            print(f"{OUTPUT} is out of date: run scripts/generate_api_enums.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(rendered)
    return 0


if __name__ == "__main__":
    sys.exit(main())
